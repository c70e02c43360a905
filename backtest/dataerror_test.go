package backtest

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestCutRecordingKeepsItsReport cuts the spot recording mid-stream and wants the run
// to replay every complete record before the cut, give the report of exactly those (the
// report of a clean file holding them, byte for byte), say in it where the data broke,
// and still return the error: the run did not do what was asked, but loses nothing.
// From the gz, prefetched or not, and from the event cache alike.
func TestCutRecordingKeepsItsReport(t *testing.T) {
	orig, err := os.ReadFile(spotBacktest(t).Data[0])
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cut := filepath.Join(dir, "cut.gz")
	if err := os.WriteFile(cut, orig[:len(orig)*7/10], 0o644); err != nil {
		t.Fatal(err)
	}
	// The complete lines compress/gzip recovers from the cut file, gzipped again whole.
	zr, err := gzip.NewReader(bytes.NewReader(orig[:len(orig)*7/10]))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("reading the cut file: %v, want an unexpected EOF", err)
	}
	lines := got[:bytes.LastIndexByte(got, '\n')+1]
	whole := filepath.Join(dir, "whole.gz")
	writeGzip(t, whole, lines)
	cfg := spotBacktest(t)
	cfg.Data = []string{whole}
	want, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if n := uint64(bytes.Count(lines, []byte{'\n'})); want.Events.Frames != n || n < 20000 {
		t.Fatalf("the clean file's run read %d frames of %d lines", want.Events.Frames, n)
	}
	wantJSON := mustJSON(t, want, nil)
	for _, c := range []struct {
		name     string
		prefetch bool
		cache    string
	}{{"prefetched", true, ""}, {"inline", false, ""}, {"cache build", true, filepath.Join(dir, "c")}, {"cache", true, filepath.Join(dir, "c")}} {
		t.Run(c.name, func(t *testing.T) {
			cfg := spotBacktest(t)
			cfg.Data, cfg.Prefetch, cfg.Cache = []string{cut}, c.prefetch, c.cache
			rep, err := Run(cfg)
			if err == nil || rep == nil {
				t.Fatalf("report %v, error %v: want both", rep != nil, err)
			}
			if rep.DataError != err.Error() || !bytes.Contains([]byte(err.Error()), []byte("cut.gz:")) {
				t.Fatalf("report's data error %q, run's error %q: want the same, naming the file and line", rep.DataError, err)
			}
			rep.DataError, rep.Data = "", want.Data
			if got := mustJSON(t, rep, nil); !bytes.Equal(got, wantJSON) {
				t.Errorf("the cut file's report is not the clean file's:\n%s", firstDiff(got, wantJSON))
			}
		})
	}
}
