package backtest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/backtest/recorded"
	"github.com/nanotick/nanotick/examples/strategies/marketmaker"
	"github.com/nanotick/nanotick/feeds/recording"
	"github.com/nanotick/nanotick/internal/enginetest"
)

// clockLine is one line of a crafted recording: a receive time and a frame.
type clockLine struct {
	local int64
	frame string
}

// craftedSpot returns n lines of a synthetic BTCUSDT spot stream, one every 100 ms from
// start: a REST snapshot, then depth updates that keep the book in sequence and move its
// mid a tick up and down, with a trade every tenth line. Event times E equal the receive
// times, so the feed latency is zero.
func craftedSpot(start int64, n int) []clockLine {
	lines := []clockLine{{start, `{"lastUpdateId":100,"bids":[["60000.00","1.0"],["59999.99","2.0"]],"asks":[["60000.01","1.0"],["60000.02","2.0"]]}`}}
	u := 100 // the book's last update id
	for i := 1; i < n; i++ {
		t := start + int64(i)*int64(100*time.Millisecond)
		e := t / int64(time.Millisecond)
		var frame string
		if i%10 == 0 {
			frame = fmt.Sprintf(`{"stream":"btcusdt@trade","data":{"e":"trade","E":%d,"s":"BTCUSDT","t":%d,"p":"60000.00","q":"0.001","T":%d,"m":true,"M":true}}`, e, i, e)
		} else {
			u++
			q := 1 + float64(i%7)/10
			frame = fmt.Sprintf(`{"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":%d,"s":"BTCUSDT","U":%d,"u":%d,"b":[["60000.00","%.1f"]],"a":[["60000.01","%.1f"]]}}`, e, u, u, q, q)
		}
		lines = append(lines, clockLine{t, frame})
	}
	return lines
}

// writeLines writes lines as a plain-text recording in dir and returns its path.
func writeLines(t *testing.T, lines []clockLine) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "crafted.txt")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := recording.NewWriter(f)
	for _, l := range lines {
		if err := w.Write(l.local, []byte(l.frame)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestTimestampLeaps replays crafted five-minute recordings with receive times that leap:
// an outlier is replayed at the previous time and counted, a real gap is kept and
// counted, and neither makes the run's memory depend on the leap. Before clockGuard and
// the thinning of the equity curve, "a day ahead" took some 450 MB and "9e18" allocated
// until the process died.
func TestTimestampLeaps(t *testing.T) {
	const start = int64(1723161253937085768)
	const n = 3000 // five minutes of lines at 100 ms
	const day = int64(24 * time.Hour)
	five := 300 * time.Second
	for _, tt := range []struct {
		name  string
		edit  func([]clockLine) []clockLine
		jumps uint64
		gaps  uint64
		// span is the run's data-time span: the recording's five minutes, plus a real gap.
		span time.Duration
	}{
		{"clean", func(l []clockLine) []clockLine { return l }, 0, 0, five - 100*time.Millisecond},
		{"9e18", func(l []clockLine) []clockLine { l[1500].local = 9e18; return l }, 1, 0, five - 100*time.Millisecond},
		{"max int64", func(l []clockLine) []clockLine { l[1500].local = 1<<63 - 1; return l }, 1, 0, five - 100*time.Millisecond},
		{"a day ahead", func(l []clockLine) []clockLine { l[1500].local += day; return l }, 1, 0, five - 100*time.Millisecond},
		{"last line a day ahead", func(l []clockLine) []clockLine { l[n-1].local += day; return l }, 1, 0, five - 200*time.Millisecond},
		{"corrupt run of garbage", func(l []clockLine) []clockLine {
			for i, v := range []int64{9e18, 4e18, 7777777777777777777, 1, 6e18} {
				l[1000+i].local = v // 1 goes backwards: the replay clamps it
			}
			return l
		}, 4, 0, five - 100*time.Millisecond},
		{"30 day gap", func(l []clockLine) []clockLine {
			for i := 1500; i < len(l); i++ {
				l[i].local += 30 * day
			}
			return l
		}, 0, 1, five - 100*time.Millisecond + 30*24*time.Hour},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := writeLines(t, tt.edit(craftedSpot(start, n)))
			cfg := Config{
				Engine:         enginetest.SpotConfig(),
				Strategy:       marketmaker.New(),
				StrategyName:   "marketmaker",
				Data:           []string{path},
				Open:           recorded.Open,
				InitialBalance: decimal.RequireFromString("10000"),
			}
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			rep, err := Run(cfg)
			runtime.ReadMemStats(&after)
			if err != nil {
				t.Fatal(err)
			}
			// The clean run allocates a few MB; the bound is generous and does not depend
			// on timing. Before the fix the day-ahead run allocated hundreds of MB.
			const bound = 64 << 20
			if got := after.TotalAlloc - before.TotalAlloc; got > bound {
				t.Errorf("the run allocated %d MB, want at most %d MB", got>>20, bound>>20)
			}
			if len(rep.Equity) > maxCurvePoints+1 {
				t.Errorf("equity curve has %d points, want at most %d", len(rep.Equity), maxCurvePoints+1)
			}
			if rep.Feed.TimeJumps != tt.jumps || rep.Feed.TimeGaps != tt.gaps {
				t.Errorf("time jumps %d gaps %d, want %d and %d", rep.Feed.TimeJumps, rep.Feed.TimeGaps, tt.jumps, tt.gaps)
			}
			if rep.Events.Frames != n {
				t.Errorf("replayed %d frames, want all %d", rep.Events.Frames, n)
			}
			if rep.Duration != tt.span.String() {
				t.Errorf("duration %s, want %s", rep.Duration, tt.span)
			}
			if rep.Events.BookUpdates < n*8/10 || rep.Events.EngineGaps != 0 {
				t.Errorf("%d book updates, %d gaps: the crafted recording did not replay", rep.Events.BookUpdates, rep.Events.EngineGaps)
			}
			var sum bytes.Buffer
			if err := rep.WriteSummary(&sum); err != nil {
				t.Fatal(err)
			}
			if tt.jumps+tt.gaps > 0 {
				want := fmt.Sprintf("%d receive times leapt", tt.jumps)
				if !strings.Contains(sum.String(), want) || !strings.Contains(sum.String(), fmt.Sprintf("%d gaps kept", tt.gaps)) {
					t.Errorf("summary does not report the leaps (%q):\n%s", want, sum.String())
				}
				var js bytes.Buffer
				if err := rep.WriteJSON(&js); err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(js.String(), fmt.Sprintf(`"time_jumps": %d`, tt.jumps)) {
					t.Errorf("JSON does not carry time_jumps %d", tt.jumps)
				}
			}
		})
	}
}

// TestClockGuardBadEventTime checks that an event time far ahead of every receive time
// (garbage in a corrupt line) does not become the clock offset for the rest of the run.
func TestClockGuardBadEventTime(t *testing.T) {
	const start = int64(1723161253937085768)
	lines := craftedSpot(start, 600)
	// An E in the year 2255, and one whose nanoseconds overflow int64.
	lines[300].frame = strings.Replace(lines[300].frame, `"E":1`, `"E":8999999999999,"x":1`, 1)
	lines[400].frame = strings.Replace(lines[400].frame, `"E":1`, `"E":9999999999991`, 1)
	cfg := Config{
		Engine:         enginetest.SpotConfig(),
		Strategy:       marketmaker.New(),
		StrategyName:   "marketmaker",
		Data:           []string{writeLines(t, lines)},
		Open:           recorded.Open,
		InitialBalance: decimal.RequireFromString("10000"),
	}
	rep, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Feed.BadEventTimes != 1 || rep.Feed.LatencyClamped != 0 || rep.Feed.LatencyMax != "0s" {
		t.Errorf("bad event times %d, latency clamped %d, max %s; want 1, 0, 0s", rep.Feed.BadEventTimes, rep.Feed.LatencyClamped, rep.Feed.LatencyMax)
	}
}
