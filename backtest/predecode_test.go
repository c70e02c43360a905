package backtest

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func reportJSON(t *testing.T, rep *Report, err error) []byte {
	t.Helper()
	return mustJSON(t, rep, err)
}

func mustJSON(t *testing.T, rep *Report, err error) []byte {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := rep.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestEveryReadingGivesTheSameReport runs the market maker over both recordings read
// in every way the replay can read them, and wants byte-identical JSON reports: the
// files on one goroutine (the exchange decoding each frame itself), prefetched (the
// exchange's decoding done ahead on the reading goroutine), and from Frames in memory,
// decoded once (as sweeps do), or not used because the instrument differs.
func TestEveryReadingGivesTheSameReport(t *testing.T) {
	for _, rec := range []string{"spot", "usdm"} {
		t.Run(rec, func(t *testing.T) {
			cfg := spotBacktest(t)
			if rec == "usdm" {
				cfg = usdmBacktest(t, false)
			}
			cfg.Prefetch = false
			want := runJSON(t, Run)(cfg)
			cfg.Prefetch = true
			if got := runJSON(t, Run)(cfg); !bytes.Equal(got, want) {
				t.Error("prefetched and decoded ahead: the report differs")
			}
			frames, err := LoadFrames(cfg, 0)
			if err != nil {
				t.Fatal(err)
			}
			if got := framesJSON(t, cfg, frames); !bytes.Equal(got, want) {
				t.Error("from frames in memory: the report differs")
			}
			src := frames.Source(bInstrument(cfg.Engine))
			src.decoded = false
			rep, err := RunSource(cfg, src)
			if rep != nil {
				rep.Events.Malformed = src.Malformed()
			}
			if got := reportJSON(t, rep, err); !bytes.Equal(got, want) {
				t.Error("from frames in memory, not decoded ahead: the report differs")
			}
		})
	}
}

// TestFramesKeepTheReadingError checks that frames loaded from a truncated recording
// replay every complete record and then the reader's error, as Run over the file does.
func TestFramesKeepTheReadingError(t *testing.T) {
	cfg := spotBacktest(t)
	orig, err := os.ReadFile(cfg.Data[0])
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut.gz")
	if err := os.WriteFile(cut, orig[:len(orig)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	cfg.Data = []string{cut}
	_, runErr := Run(cfg)
	frames, err := LoadFrames(cfg, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, framesErr := RunFrames(cfg, frames)
	if runErr == nil || framesErr == nil || runErr.Error() != framesErr.Error() {
		t.Fatalf("Run: %v; RunFrames: %v; want the same error", runErr, framesErr)
	}
}

func TestLoadFramesLimit(t *testing.T) {
	cfg := spotBacktest(t)
	if _, err := LoadFrames(cfg, 1<<20); err == nil {
		t.Fatal("1 MiB limit: loaded an 11 MB recording")
	}
}

func runJSON(t *testing.T, run func(Config) (*Report, error)) func(Config) []byte {
	return func(cfg Config) []byte {
		rep, err := run(cfg)
		return mustJSON(t, rep, err)
	}
}

func framesJSON(t *testing.T, cfg Config, f *Frames) []byte {
	rep, err := RunFrames(cfg, f)
	return mustJSON(t, rep, err)
}
