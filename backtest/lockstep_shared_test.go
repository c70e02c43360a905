package backtest

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nanotick/nanotick/examples/strategies/marketmaker"
	"github.com/nanotick/nanotick/strategy"
	"github.com/nanotick/nanotick/strategy/script"
)

// TestSharedReadingIsAlone runs points in two lockstep groups at once, on two
// goroutines, reading the frames through one SharedReading, and wants each point's
// report byte-identical to its run alone: the JS market maker at two parameter sets,
// the Go market maker, a strategy quoting from its timer with no latency, a point
// reading transaction times (which reads for itself), and a point that panics, on
// spot and USD-M. A third group with no points takes its share and leaves at once, and
// a fourth share is never taken: neither holds the others up.
func TestSharedReadingIsAlone(t *testing.T) {
	for _, rec := range []string{"spot", "usdm"} {
		t.Run(rec, func(t *testing.T) {
			base := func() Config { return recordingBacktest(t, rec) }
			f, err := LoadFrames(base(), 0)
			if err != nil {
				t.Fatal(err)
			}
			groups := func() [][]Config {
				js := func(p strategy.Params) Config {
					cfg := base()
					jsStrategy(t, &cfg)
					cfg.Engine.Params = p
					return cfg
				}
				goMM := base()
				goMM.Strategy, goMM.StrategyName = marketmaker.New(), "marketmaker"
				timer := base()
				timer.Latency, _ = ConstantLatency(0, 0)
				timer.Engine.TimerInterval = 20 * time.Millisecond
				timer.Engine.Params = nil
				if timer.Strategy, err = script.Compile("timer.js", []byte(timerQuoter), script.Options{}); err != nil {
					t.Fatal(err)
				}
				tt := base()
				tt.ExchangeTime = TimeTransaction
				bad := base()
				bad.Strategy = &panicsLate{Strategy: marketmaker.New()}
				gs := [][]Config{
					{js(strategy.Params{"size": 0.002}), goMM, bad},
					{js(strategy.Params{"size": 0.002, "halfSpreadBps": 3}), tt, timer},
				}
				for _, g := range gs {
					for i := range g {
						g[i].OrderLog = true
					}
				}
				return gs
			}
			gs, alone := groups(), groups()
			sr := NewSharedReading(base(), f, 4)
			reps, errs := make([][]*Report, len(gs)), make([][]error, len(gs))
			var wg sync.WaitGroup
			for i, g := range gs {
				wg.Go(func() { reps[i], errs[i] = RunSharedLockstep(g, sr) })
			}
			wg.Go(func() {
				if r, e := RunSharedLockstep(nil, sr); len(r)+len(e) != 0 {
					t.Errorf("no points: %v %v", r, e)
				}
			})
			wg.Wait()
			sr.Close()
			for i, g := range gs {
				for j := range g {
					if i == 0 && j == 2 {
						if errs[i][j] == nil || !strings.Contains(errs[i][j].Error(), "panics late") || reps[i][j] != nil {
							t.Fatalf("the panicking point: %v", errs[i][j])
						}
						continue
					}
					got := mustJSON(t, reps[i][j], errs[i][j])
					want := framesJSON(t, alone[i][j], f)
					if !bytes.Equal(got, want) {
						t.Fatalf("group %d point %d: the report differs from the point's alone\n%s", i, j, firstDiff(got, want))
					}
					if reps[i][j].Orders.Sent == 0 {
						t.Fatalf("group %d point %d sent no orders: the comparison proves little", i, j)
					}
				}
			}
		})
	}
}

// TestSharedReadingClosed closes a reading its groups have not finished: they end
// with what they read, and Close returns.
func TestSharedReadingClosed(t *testing.T) {
	f, err := LoadFrames(spotBacktest(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	sr := NewSharedReading(spotBacktest(t), f, 2)
	c := sr.consumer()
	if _, _, _, _, err := c.next(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { sr.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Close did not return")
	}
	for range 3 * sharedBatch * sharedWindow { // at most what was read ahead, then the end
		kind, _, _, _, err := c.next()
		if err != nil {
			t.Fatal(err)
		}
		if kind == evNone {
			return
		}
	}
	t.Fatal("a closed reading's consumer read on")
}
