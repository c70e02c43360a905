package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nanotick/nanotick/feeds/recording"
)

// What the Bybit and Kraken recording tests check alike: each file read record by
// record, inspect and book over the files, and backtests of them.

// eachRecord calls fn with every record of file, numbered from 1.
func eachRecord(t *testing.T, file string, fn func(n int, rec recording.Record)) {
	t.Helper()
	r, err := recording.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for n := 1; ; n++ {
		rec, err := r.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		fn(n, rec)
	}
}

// checkInspectAndBook runs inspect over files, wanting each of want in what it prints,
// and book --depth 2 over the first file, wanting its header and the book after every
// update.
func checkInspectAndBook(t *testing.T, files []string, want ...string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := runInspect(files, &stdout, &stderr); code != 0 {
		t.Fatalf("inspect: exit %d: %s", code, stderr.String())
	}
	for _, w := range want {
		if !strings.Contains(stdout.String(), w) {
			t.Errorf("inspect lacks %q:\n%s", w, stdout.String())
		}
	}
	stdout.Reset()
	if code := runBook(append([]string{"--depth", "2"}, files[0]), &stdout, &stderr); code != 0 {
		t.Fatalf("book: exit %d: %s", code, stderr.String())
	}
	if lines := strings.Split(strings.TrimSpace(stdout.String()), "\n"); len(lines) < 10 ||
		lines[0] != "local_ns,update_id,valid,bid_px_1,bid_qty_1,bid_px_2,bid_qty_2,ask_px_1,ask_qty_1,ask_px_2,ask_qty_2" {
		t.Fatalf("book: %d lines, first %q", len(lines), lines[0])
	}
}

// recordingReport is what the recording tests read of a backtest's JSON report.
type recordingReport struct {
	Venue  string `json:"venue"`
	Symbol string `json:"symbol"`
	Events struct {
		BookUpdates uint64 `json:"book_updates"`
		Trades      uint64 `json:"trades"`
		EngineGaps  uint64 `json:"engine_gaps"`
		Malformed   uint64 `json:"malformed"`
	} `json:"events"`
	Orders struct {
		Sent uint64 `json:"sent"`
	} `json:"orders"`
}

// backtestRecording backtests files with args and returns the JSON report, as written
// and as read.
func backtestRecording(t *testing.T, files []string, args ...string) ([]byte, recordingReport) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "report.json")
	args = append(args, "--json", file)
	for _, f := range files {
		args = append(args, "--data", f)
	}
	code, _, stderr := runBT(t, args...)
	if code != 0 {
		t.Fatalf("backtest %v: exit %d: %s", args, code, stderr)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var r recordingReport
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return b, r
}

// checkRefusesBinanceConfig: a backtest of file with the Binance example's config is
// refused, naming the recording's instrument.
func checkRefusesBinanceConfig(t *testing.T, file, instrument string) {
	t.Helper()
	want := fmt.Sprintf("holds %s, but the strategy trades", instrument)
	if code, _, stderr := runBT(t, "--config", "../../examples/nanotick.toml", "--data", file); code == 0 || !strings.Contains(stderr, want) {
		t.Errorf("a Binance config over a %s recording: exit %d, %s", instrument, code, stderr)
	}
}
