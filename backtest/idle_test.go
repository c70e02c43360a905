package backtest

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/perp"
	"github.com/nanotick/nanotick/strategy"
)

// timerProbe is a market maker that also requotes on a timer and logs when each timer
// fired, so that a timer firing at another moment (or not at all) changes its orders,
// and so the report, and its log.
type timerProbe struct {
	strategy.Strategy
	fired []int64
}

func (p *timerProbe) OnTimer(ctx *strategy.Context) error {
	p.fired = append(p.fired, ctx.Now())
	return p.Strategy.OnBook(ctx)
}

// TestIdleFramesChangeNothing is the proof of replay.idle: a run that skips the frames
// nobody needs (the recordings' bookTickers, about 70% of their lines) gives a report
// byte-identical to a run that hands every one of them to the exchange and the engine,
// whatever is due between them: timers that place orders, dense equity samples,
// funding on a grid or from a file, a latency distribution, two instruments, the event
// cache's and the prefetching reader's events alike.
func TestIdleFramesChangeNothing(t *testing.T) {
	lat, err := ParseLatency(strings.NewReader("850us 1.1ms\n3ms, 900us\n12ms\n400us 7ms\n"), 7)
	if err != nil {
		t.Fatal(err)
	}
	rates := func(cfg *Config) {
		// Funding times inside the recording's six minutes, one between every two
		// minutes, at odd offsets.
		start := time.Date(2024, 8, 8, 23, 54, 20, 123456789, time.UTC).UnixNano()
		for k := range 5 {
			cfg.Funding.Rates = append(cfg.Funding.Rates, perp.Rate{
				Time: start + int64(k)*int64(67*time.Second+3),
				Rate: decimal.RequireFromString(fmt.Sprintf("0.000%d", k+1)),
			})
		}
		cfg.Funding.RatesName = "test"
	}
	cases := []struct {
		name  string
		cfg   func(t *testing.T) Config
		probe bool // the strategy is a timerProbe
	}{
		{"spot", func(t *testing.T) Config { return spotBacktest(t) }, false},
		{"spot js latency file", func(t *testing.T) Config {
			cfg := spotBacktest(t)
			jsStrategy(t, &cfg)
			cfg.Latency, cfg.Queue, cfg.QueuePower = lat, PowerLaw, 2
			return cfg
		}, false},
		{"spot timers", func(t *testing.T) Config {
			cfg := spotBacktest(t)
			cfg.Strategy = &timerProbe{Strategy: cfg.Strategy}
			cfg.Engine.TimerInterval = 333 * time.Millisecond
			return cfg
		}, true},
		{"usdm constant funding every minute", func(t *testing.T) Config {
			cfg := usdmRun(t, false)
			cfg.Funding.Constant, cfg.Funding.HasConstant = decimal.RequireFromString("0.0003"), true
			cfg.Funding.Schedule = perp.Schedule{Interval: time.Minute, Offset: 17 * time.Millisecond}
			cfg.EquityInterval = time.Millisecond // samples just before each payment
			return cfg
		}, false},
		{"usdm funding file dense samples", func(t *testing.T) Config {
			cfg := usdmRun(t, true)
			rates(&cfg)
			cfg.EquityInterval = time.Millisecond
			return cfg
		}, false},
		{"usdm funding file timers", func(t *testing.T) Config {
			cfg := usdmRun(t, true)
			rates(&cfg)
			cfg.Strategy = &timerProbe{Strategy: cfg.Strategy}
			cfg.Engine.TimerInterval = 50 * time.Millisecond
			return cfg
		}, true},
		{"spot and perp", func(t *testing.T) Config { return spotPerpBacktest(t) }, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, reading := range []string{"prefetch", "cache"} {
				run := func(keep bool) ([]byte, []int64) {
					cfg := tc.cfg(t)
					cfg.keepIdle = keep
					cfg.Prefetch = true
					if reading == "cache" {
						cfg.Cache = t.TempDir()
					}
					b := runJSON(t, Run)(cfg)
					if tc.probe {
						return b, cfg.Strategy.(*timerProbe).fired
					}
					return b, nil
				}
				want, wantFired := run(true)
				got, gotFired := run(false)
				if !bytes.Equal(got, want) {
					t.Errorf("%s: skipping idle frames changed the report:\n%s", reading, firstDiff(got, want)) // "lockstep" is the skipping run, "alone" the other
				}
				if fmt.Sprint(gotFired) != fmt.Sprint(wantFired) {
					t.Errorf("%s: timers fired at %d times, want %d", reading, len(gotFired), len(wantFired))
				}
				if tc.probe && len(wantFired) < 100 {
					t.Errorf("%s: only %d timers fired: the case tests nothing", reading, len(wantFired))
				}
			}
		})
	}
}
