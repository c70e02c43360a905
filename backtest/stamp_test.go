package backtest

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/backtest/recorded"
	"github.com/nanotick/nanotick/examples/strategies/marketmaker"
	"github.com/nanotick/nanotick/internal/enginetest"
)

// TestStampedTimesAreRead runs crafted recordings whose receive and event times test
// every branch of the clock guard and the feed clock (outliers, a real gap, a last line
// ahead, times going backwards, garbage event times, latencies over the cap, the
// whole-data offset, transaction times) from the event cache, where a run of one
// instrument has its times stamped on the decoding goroutine (newStampingPrefetch),
// and wants the report of the same recording read on the replay's goroutine, byte
// for byte: the leaps, gaps, clamps and latency figures included.
func TestStampedTimesAreRead(t *testing.T) {
	const start = int64(1723161253937085768)
	const n = 3000
	const day = int64(24 * time.Hour)
	plain := func(c *Config) {}
	for _, tt := range []struct {
		name string
		edit func([]clockLine) []clockLine
		cfg  func(*Config)
	}{
		{"clean", func(l []clockLine) []clockLine { return l }, plain},
		{"outlier", func(l []clockLine) []clockLine { l[1500].local = 9e18; return l }, plain},
		{"max int64 at a batch's end", func(l []clockLine) []clockLine { l[framesFirstLen-1].local = 1<<63 - 1; return l }, plain},
		{"last line a day ahead", func(l []clockLine) []clockLine { l[n-1].local += day; return l }, plain},
		{"corrupt run of garbage", func(l []clockLine) []clockLine {
			for i, v := range []int64{9e18, 4e18, 7777777777777777777, 1, 6e18} {
				l[1000+i].local = v
			}
			return l
		}, plain},
		{"30 day gap", func(l []clockLine) []clockLine {
			for i := 1500; i < len(l); i++ {
				l[i].local += 30 * day
			}
			return l
		}, plain},
		{"backwards and late", func(l []clockLine) []clockLine {
			for i := 100; i < len(l); i += 97 {
				l[i].local -= int64(3 * time.Second) // backwards, clamped
			}
			for i := 200; i < len(l); i += 89 {
				l[i].local += int64(1500 * time.Millisecond) // a feed latency over the cap
			}
			return l
		}, plain},
		{"garbage event times", func(l []clockLine) []clockLine {
			l[300].frame = strings.Replace(l[300].frame, `"E":1`, `"E":8999999999999,"x":1`, 1)
			l[400].frame = strings.Replace(l[400].frame, `"E":1`, `"E":9999999999991`, 1)
			return l
		}, plain},
		{"whole-data offset, small caps", func(l []clockLine) []clockLine {
			for i := 50; i < len(l); i += 61 {
				l[i].local += int64(40 * time.Millisecond)
			}
			return l
		}, func(c *Config) {
			c.ClockOffset = OffsetWholeFile
			c.MaxFeedLatency = 20 * time.Millisecond
			c.MaxTimeJump = 10 * time.Second
		}},
		{"transaction time", func(l []clockLine) []clockLine { l[700].local += day; return l }, func(c *Config) { c.ExchangeTime = TimeTransaction }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := writeLines(t, tt.edit(craftedSpot(start, n)))
			fresh := func() Config {
				cfg := Config{
					Engine:         enginetest.SpotConfig(),
					Strategy:       marketmaker.New(),
					StrategyName:   "marketmaker",
					Data:           []string{path},
					Open:           recorded.Open,
					InitialBalance: decimal.RequireFromString("10000"),
				}
				tt.cfg(&cfg)
				return cfg
			}
			want := runJSON(t, Run)(fresh())
			dir := t.TempDir()
			for _, pass := range []string{"building the cache", "from the cache"} {
				cfg := fresh()
				cfg.Cache, cfg.Prefetch = dir, true
				if got := runJSON(t, Run)(cfg); !bytes.Equal(got, want) {
					t.Errorf("%s, times stamped ahead: the report differs\n%s\nwant\n%s", pass, got, want)
				}
			}
		})
	}
}

// TestStampingPrefetchIsTaken checks that a run of one instrument from the cache does
// take its times from a stamping prefetch made as Run makes it, and that a prefetch
// stamping otherwise than the run is refused, not used.
func TestStampingPrefetchIsTaken(t *testing.T) {
	lines := craftedSpot(1723161253937085768, 500)
	cfg := Config{
		Engine:         enginetest.SpotConfig(),
		Strategy:       marketmaker.New(),
		StrategyName:   "marketmaker",
		Data:           []string{writeLines(t, lines)},
		Open:           recorded.Open,
		InitialBalance: decimal.RequireFromString("10000"),
	}
	f, err := LoadFrames(cfg, 0)
	if err != nil {
		t.Fatal(err)
	}
	fs := stampsOf(&cfg, 0)
	p := newStampingPrefetch(&framesSource{f: f}, &fs)
	defer p.Close()
	r, err := newReplay(cfg, nil, p)
	if err != nil {
		t.Fatal(err)
	}
	if r.pre != p {
		t.Fatal("the run does not take the stamped times")
	}
	other := fs
	other.maxFeed++
	q := newStampingPrefetch(&framesSource{f: f}, &other)
	defer q.Close()
	if _, err := newReplay(cfg, nil, q); err == nil {
		t.Fatal("a prefetch stamping with another feed latency cap was taken")
	}
}
