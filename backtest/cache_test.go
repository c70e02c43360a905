package backtest

import (
	"bytes"
	"github.com/rs/zerolog"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/nanotick/nanotick/backtest/eventcache"
	"github.com/nanotick/nanotick/instrument"
)

// cacheFile returns the one event cache file in dir.
func cacheFile(t *testing.T, dir string) string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*.ntev"))
	if err != nil || len(m) != 1 {
		t.Fatalf("cache files in %s: %v %v", dir, m, err)
	}
	return m[0]
}

// TestCacheGivesTheSameReport runs the Go and the JavaScript market maker over both
// recordings from the gz files, then with an event cache (the first run builds it, the
// second replays it memory-mapped), and wants byte-identical JSON reports.
func TestCacheGivesTheSameReport(t *testing.T) {
	for _, rec := range []string{"spot", "usdm"} {
		for _, js := range []bool{false, true} {
			name := rec + "/go"
			if js {
				name = rec + "/js"
			}
			t.Run(name, func(t *testing.T) {
				fresh := func() Config {
					cfg := usdmRun(t, js)
					if rec == "spot" {
						cfg = spotBacktest(t)
						if js {
							jsStrategy(t, &cfg)
						}
					}
					cfg.Prefetch = true
					return cfg
				}
				want := runJSON(t, Run)(fresh())
				dir := t.TempDir()
				for run := range 2 {
					cfg := fresh()
					cfg.Cache = dir
					if got := runJSON(t, Run)(cfg); !bytes.Equal(got, want) {
						t.Fatalf("run %d from the event cache: the report differs from the gz run's", run+1)
					}
				}
				st, err := os.Stat(cacheFile(t, dir))
				if err != nil {
					t.Fatal(err)
				}
				gz, _ := os.Stat(fresh().Data[0])
				t.Logf("cache %d bytes for %d bytes of gz", st.Size(), gz.Size())
			})
		}
	}
}

// TestCacheRebuildsWhatItCannotTrust damages the cache file (cut short, bytes flipped
// in the header, the records and the trailer) and wants every run to notice, rebuild it
// and give the report of the gz run. (package eventcache tries every cut and every
// flipped byte of a small file.)
func TestCacheRebuildsWhatItCannotTrust(t *testing.T) {
	want := runJSON(t, Run)(spotBacktest(t))
	dir := t.TempDir()
	cfg := spotBacktest(t)
	cfg.Cache = dir
	if got := runJSON(t, Run)(cfg); !bytes.Equal(got, want) {
		t.Fatal("first run with a cache: the report differs")
	}
	path := cacheFile(t, dir)
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	key, err := eventcache.HashFiles(cacheSettings(specOf(t, cfg)), cfg.Data...)
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string) {
		t.Helper()
		if _, err := eventcache.Open(path, key); err == nil {
			t.Fatalf("%s: the damaged cache opens", what)
		}
		cfg := spotBacktest(t)
		cfg.Cache = dir
		var log bytes.Buffer
		cfg.Engine.Logger = zerolog.New(&log)
		if got := runJSON(t, Run)(cfg); !bytes.Equal(got, want) {
			t.Fatalf("%s: the report differs", what)
		}
		if !bytes.Contains(log.Bytes(), []byte(`"level":"warn","file":"`+path+`"`)) || !bytes.Contains(log.Bytes(), []byte("event cache refused: rebuilding it")) {
			t.Errorf("%s: the rebuild was not said:\n%s", what, log.String())
		}
		if now, err := os.ReadFile(path); err != nil || !bytes.Equal(now, good) {
			t.Fatalf("%s: the cache was not rebuilt as it was (%v)", what, err)
		}
	}
	for _, cut := range []int{0, 40, len(good) / 2, len(good) - 1} {
		if err := os.WriteFile(path, good[:cut], 0o644); err != nil {
			t.Fatal(err)
		}
		check("cut at " + itoa(cut))
	}
	for _, at := range []int{30, len(good) / 3, len(good) - 20} {
		bad := bytes.Clone(good)
		bad[at] ^= 0x10
		if err := os.WriteFile(path, bad, 0o644); err != nil {
			t.Fatal(err)
		}
		check("byte " + itoa(at) + " flipped")
	}
}

// TestCacheFollowsItsSource changes the recording under a cache and wants the run to
// replay the new recording, not the old events.
func TestCacheFollowsItsSource(t *testing.T) {
	dir, data := t.TempDir(), t.TempDir()
	orig, err := os.ReadFile(spotBacktest(t).Data[0])
	if err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(data, "rec.gz")
	run := func() []byte {
		cfg := spotBacktest(t)
		cfg.Data = []string{src}
		cfg.Cache = dir
		rep, err := Run(cfg)
		if rep == nil {
			return []byte("error: " + err.Error())
		}
		return mustJSON(t, rep, nil) // a cut recording's report carries its error
	}
	direct := func() []byte {
		cfg := spotBacktest(t)
		cfg.Data = []string{src}
		rep, err := Run(cfg)
		if rep == nil {
			return []byte("error: " + err.Error())
		}
		return mustJSON(t, rep, nil) // a cut recording's report carries its error
	}
	if err := os.WriteFile(src, orig, 0o644); err != nil {
		t.Fatal(err)
	}
	first := run()
	// The same name, other content: the first 60% of the recording.
	if err := os.WriteFile(src, orig[:len(orig)*6/10], 0o644); err != nil {
		t.Fatal(err)
	}
	second, want := run(), direct()
	if bytes.Equal(first, second) || !bytes.Equal(second, want) {
		t.Fatalf("after the source changed: same as before %v, same as the gz run %v (%s)", bytes.Equal(first, second), bytes.Equal(second, want), second[:min(len(second), 200)])
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// specOf returns the instrument cfg's engine trades.
func specOf(t *testing.T, cfg Config) *instrument.Spec {
	t.Helper()
	table, err := cfg.Engine.InstrumentTable()
	if err != nil {
		t.Fatal(err)
	}
	return table.At(0)
}

// TestCacheWholeFileOffset: the whole-file clock offset and transaction times read from
// the cache give the gz run's report.
func TestCacheWholeFileOffset(t *testing.T) {
	fresh := func() Config {
		cfg := spotBacktest(t)
		cfg.ClockOffset, cfg.ExchangeTime = OffsetWholeFile, TimeTransaction
		return cfg
	}
	want := runJSON(t, Run)(fresh())
	dir := t.TempDir()
	for run := range 2 {
		cfg := fresh()
		cfg.Cache = dir
		if got := runJSON(t, Run)(cfg); !bytes.Equal(got, want) {
			t.Fatalf("run %d from the event cache: the report differs from the gz run's", run+1)
		}
	}
}

// TestCacheKeepsTheClockGuard replays crafted recordings whose receive times leap (an
// outlier, a run of garbage, a real gap) from the gz and from the event cache: the
// clock guard holds a cached event as it holds a frame, and the reports are equal.
func TestCacheKeepsTheClockGuard(t *testing.T) {
	const start = int64(1723161253937085768)
	const day = int64(24 * time.Hour)
	for _, edit := range []func([]clockLine) []clockLine{
		func(l []clockLine) []clockLine { l[500].local += day; return l },
		func(l []clockLine) []clockLine {
			for i, v := range []int64{9e18, 4e18, 1, 6e18} {
				l[300+i].local = v
			}
			return l
		},
		func(l []clockLine) []clockLine {
			for i := 700; i < len(l); i++ {
				l[i].local += 3 * day
			}
			return l
		},
	} {
		path := writeLines(t, edit(craftedSpot(start, 1000)))
		fresh := func() Config {
			cfg := spotBacktest(t)
			cfg.Data = []string{path}
			return cfg
		}
		want := runJSON(t, Run)(fresh())
		dir := t.TempDir()
		for run := range 2 {
			cfg := fresh() // a fresh strategy: a strategy keeps state
			cfg.Cache = dir
			if got := runJSON(t, Run)(cfg); !bytes.Equal(got, want) {
				t.Fatalf("run %d from the cache: the report differs", run+1)
			}
		}
	}
}

// TestCacheSeveralInstruments: a spot and perpetual run from the event cache (one file
// per instrument) gives the gz run's report.
func TestCacheSeveralInstruments(t *testing.T) {
	want := runJSON(t, Run)(spotPerpBacktest(t))
	dir := t.TempDir()
	for run := range 2 {
		cfg := spotPerpBacktest(t)
		cfg.Cache = dir
		if got := runJSON(t, Run)(cfg); !bytes.Equal(got, want) {
			t.Fatalf("run %d from the event cache: the report differs", run+1)
		}
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*.ntev")); len(m) != 2 {
		t.Fatalf("cache files: %v, want one per instrument", m)
	}
}
