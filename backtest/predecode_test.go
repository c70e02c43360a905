package backtest

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/nanotick/nanotick/md"
	"github.com/nanotick/nanotick/orderbook"
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
// files on one goroutine (decoded inline), prefetched (decoded ahead on the reading
// goroutine), as a Source of frames (RunSource), and from Frames in memory, where the
// engine replays the applied events instead of decoding frames (as sweeps do).
func TestEveryReadingGivesTheSameReport(t *testing.T) {
	for _, rec := range []string{"spot", "usdm"} {
		t.Run(rec, func(t *testing.T) {
			// A fresh strategy for every run: a strategy keeps state.
			fresh := func() Config { return recordingBacktest(t, rec) }
			cfg := fresh()
			cfg.Prefetch = false
			want := runJSON(t, Run)(cfg)
			cfg = fresh()
			cfg.Prefetch = true
			if got := runJSON(t, Run)(cfg); !bytes.Equal(got, want) {
				t.Error("prefetched and decoded ahead: the report differs")
			}
			frames, err := LoadFrames(fresh(), 0)
			if err != nil {
				t.Fatal(err)
			}
			if got := framesJSON(t, fresh(), frames); !bytes.Equal(got, want) {
				t.Error("from frames in memory: the report differs")
			}
			cfg = fresh()
			r, err := cfg.Open(cfg.Data...)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			rep, err := RunSource(cfg, recordsSource{r})
			if rep != nil {
				rep.Events.Malformed = r.Malformed()
			}
			if got := reportJSON(t, rep, err); !bytes.Equal(got, want) {
				t.Error("RunSource over the records: the report differs")
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

// TestFromContinuesTheBook splits each recording at 60% of its time and checks that the
// later part, started from its snapshot, builds exactly the book the whole recording
// builds: after every depth event of the later part, the tops of the two books agree
// and the later part's book is valid.
func TestFromContinuesTheBook(t *testing.T) {
	for _, rec := range []string{"spot", "usdm"} {
		t.Run(rec, func(t *testing.T) {
			cfg := recordingBacktest(t, rec)
			f, err := LoadFrames(cfg, 0)
			if err != nil {
				t.Fatal(err)
			}
			first, last := f.Span()
			i := f.IndexAt(first + (last-first)*6/10)
			later, err := f.From(i)
			if err != nil {
				t.Fatal(err)
			}
			if later.Len() != f.Len()-i+1 {
				t.Fatalf("later part has %d records, want %d", later.Len(), f.Len()-i+1)
			}
			whole, part := orderbook.New(8192), orderbook.New(8192)
			ws, ps := &framesSource{f: f}, &framesSource{f: later}
			var ev md.Event
			for k := 0; k < i; k++ {
				local, _, d, lv, err := ws.next()
				if err != nil {
					t.Fatal(err)
				}
				md.Replay(whole, d.event(&ev, lv), local)
			}
			local, _, d, lv, err := ps.next()
			if err != nil {
				t.Fatal(err)
			}
			md.Replay(part, d.event(&ev, lv), local)
			compared := 0
			for k := i; k < f.Len(); k++ {
				local, _, d, lv, err := ws.next()
				if err != nil {
					t.Fatal(err)
				}
				md.Replay(whole, d.event(&ev, lv), local)
				depth := d.kind == md.Depth
				local, _, d, lv, err = ps.next()
				if err != nil {
					t.Fatal(err)
				}
				md.Replay(part, d.event(&ev, lv), local)
				if !depth {
					continue
				}
				compared++
				if !part.Valid() {
					t.Fatalf("record %d: the later part's book is not valid", k)
				}
				for side := range []orderbook.Side{orderbook.Bid, orderbook.Ask} {
					for lvl := range 20 {
						a, aok := whole.Level(orderbook.Side(side), lvl)
						b, bok := part.Level(orderbook.Side(side), lvl)
						if a != b || aok != bok {
							t.Fatalf("record %d, side %d level %d: whole %v, later part %v", k, side, lvl, a, b)
						}
					}
				}
			}
			if compared == 0 {
				t.Fatal("no depth event compared")
			}
		})
	}
}
