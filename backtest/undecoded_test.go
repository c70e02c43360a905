package backtest

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSummaryCountsUndecodedFrames puts three records whose frames are not JSON into
// the spot recording: the run skips and counts them, and the summary says so, not only
// the JSON (engine_malformed).
func TestSummaryCountsUndecodedFrames(t *testing.T) {
	orig, err := os.ReadFile(spotBacktest(t).Data[0])
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(orig))
	if err != nil {
		t.Fatal(err)
	}
	all, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(all, []byte{'\n'})[:5000]
	var out bytes.Buffer
	for i, l := range lines {
		out.Write(l)
		if i == 1000 || i == 2000 || i == 3000 {
			ts, _, _ := bytes.Cut(l, []byte{' '})
			out.Write(ts)
			out.WriteString(` {"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":17231612`)
			out.WriteByte('\n')
		}
	}
	file := filepath.Join(t.TempDir(), "bad.gz")
	writeGzip(t, file, out.Bytes())
	cfg := spotBacktest(t)
	cfg.Data = []string{file}
	rep, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var sum bytes.Buffer
	if err := rep.WriteSummary(&sum); err != nil {
		t.Fatal(err)
	}
	if rep.Events.EngineMalformed != 3 || rep.Events.Frames != 5003 || !strings.Contains(sum.String(), "5003 frames (0 malformed lines, 3 frames that did not decode)") {
		t.Errorf("engine malformed %d, frames %d; summary:\n%s", rep.Events.EngineMalformed, rep.Events.Frames, sum.String())
	}
}
