package backtest

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nanotick/nanotick/examples/strategies/marketmaker"
	"github.com/nanotick/nanotick/strategy"
	"github.com/nanotick/nanotick/strategy/script"
)

// timerQuoter quotes from its timer only, reading the book there: the lockstep's
// timers must fire on the book as it was before the frame that makes them due.
const timerQuoter = `
let bidId = 0;
let askId = 0;
function onBook() {}
function onTimer() {
  if (!book.valid()) { orders.cancelAll(); bidId = 0; askId = 0; return; }
  if (bidId !== 0) orders.cancel(bidId);
  if (askId !== 0) orders.cancel(askId);
  bidId = orders.buy(book.bidPrice(), 0.002, POST_ONLY);
  askId = orders.sell(book.askPrice(), 0.002, POST_ONLY);
}
`

// panicsLate is a Go strategy that panics at its 500th book: its run fails alone.
type panicsLate struct {
	strategy.Strategy
	n int
}

func (p *panicsLate) OnBook(ctx *strategy.Context) error {
	if p.n++; p.n == 500 {
		panic("panics late")
	}
	return p.Strategy.OnBook(ctx)
}

// panicsOnOrder is a Go strategy that panics at its 50th order update: on the order
// path, which a lockstep group takes before the market data.
type panicsOnOrder struct {
	strategy.Strategy
	n int
}

func (p *panicsOnOrder) OnOrder(ctx *strategy.Context, u *strategy.OrderUpdate) error {
	if p.n++; p.n == 50 {
		panic("panics on an order")
	}
	return p.Strategy.OnOrder(ctx, u)
}

// TestLockstepIsAlone runs points of a sweep in lockstep, sharing their books, and
// wants each point's report byte-identical to its report alone (RunFrames): the JS
// and Go market makers at several parameters and latencies, a strategy quoting from
// its timer with no latency, and on USD-M (marks, funding); and points whose strategy
// panics, on a book or on the order path, fail alone.
func TestLockstepIsAlone(t *testing.T) {
	for _, rec := range []string{"spot", "usdm"} {
		t.Run(rec, func(t *testing.T) {
			base := func() Config { return recordingBacktest(t, rec) }
			f, err := LoadFrames(base(), 0)
			if err != nil {
				t.Fatal(err)
			}
			// points builds the configs, each with a strategy of its own (a strategy
			// keeps its state between runs).
			points := func() []Config {
				var cfgs []Config
				for _, p := range []map[string]float64{{}, {"halfSpreadBps": 1, "size": 0.002}, {"halfSpreadBps": 3}} {
					cfg := base()
					jsStrategy(t, &cfg)
					cfg.Engine.Params = strategy.Params{"size": 0.002}
					for k, v := range p {
						cfg.Engine.Params[k] = v
					}
					cfgs = append(cfgs, cfg)
				}
				goMM := base()
				goMM.Strategy, goMM.StrategyName = marketmaker.New(), "marketmaker"
				cfgs = append(cfgs, goMM)
				zero := base()
				jsStrategy(t, &zero)
				zero.Latency, _ = ConstantLatency(0, 0)
				zero.Queue = PowerLaw
				cfgs = append(cfgs, zero)
				timer := base()
				timer.Latency, _ = ConstantLatency(0, 0)
				timer.Engine.TimerInterval = 20 * time.Millisecond
				timer.Engine.Params = nil
				if timer.Strategy, err = script.Compile("timer.js", []byte(timerQuoter), script.Options{}); err != nil {
					t.Fatal(err)
				}
				cfgs = append(cfgs, timer)
				bad := base()
				bad.Strategy = &panicsLate{Strategy: marketmaker.New()}
				cfgs = append(cfgs, bad)
				// A run failing on its order path, amid the others.
				onOrder := base()
				onOrder.Strategy = &panicsOnOrder{Strategy: marketmaker.New()}
				cfgs = slices.Insert(cfgs, 2, onOrder)
				for i := range cfgs {
					cfgs[i].OrderLog = true
				}
				return cfgs
			}
			cfgs, alone := points(), points()

			reps, errs := RunFramesLockstep(cfgs, f)
			for i := range cfgs {
				if want := map[int]string{2: "panics on an order", len(cfgs) - 1: "panics late"}[i]; want != "" {
					if errs[i] == nil || !strings.Contains(errs[i].Error(), want) || reps[i] != nil {
						t.Fatalf("the panicking point %d: %v", i, errs[i])
					}
					continue
				}
				got := mustJSON(t, reps[i], errs[i])
				want := framesJSON(t, alone[i], f)
				if !bytes.Equal(got, want) {
					t.Fatalf("point %d: the lockstep report differs from the point's alone\n%s", i, firstDiff(got, want))
				}
				if reps[i].Orders.Sent == 0 {
					t.Fatalf("point %d sent no orders: the comparison proves little", i)
				}
			}
		})
	}
}

// firstDiff shows where two reports part.
func firstDiff(a, b []byte) string {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	lo := max(0, n-200)
	return "lockstep: ..." + string(a[lo:min(len(a), n+200)]) + "\nalone: ..." + string(b[lo:min(len(b), n+200)])
}

// BenchmarkLockstep weighs 8 points of the JavaScript market maker over the spot day
// replayed in lockstep (one goroutine, shared books) against the same 8 points run one
// after another alone (RunFrames), alternated, in CPU time: x-alone is the lockstep's
// cost over the points' alone.
func BenchmarkLockstep(b *testing.B) {
	f, err := LoadFrames(spotBacktest(b), 0)
	if err != nil {
		b.Fatal(err)
	}
	points := func() []Config {
		var cfgs []Config
		for _, h := range []float64{1, 1.5, 2, 3} {
			for _, s := range []float64{0.002, 0.004} {
				cfg := spotBacktest(b)
				jsStrategy(b, &cfg)
				cfg.Engine.Params = strategy.Params{"halfSpreadBps": h, "size": s}
				cfgs = append(cfgs, cfg)
			}
		}
		return cfgs
	}
	var lock, alone int64
	for b.Loop() {
		cfgs := points()
		t0 := cpuClock()
		if _, errs := RunFramesLockstep(cfgs, f); errs[0] != nil {
			b.Fatal(errs[0])
		}
		t1 := cpuClock()
		for _, cfg := range points() {
			if _, err := RunFrames(cfg, f); err != nil {
				b.Fatal(err)
			}
		}
		lock += t1 - t0
		alone += cpuClock() - t1
	}
	n := float64(b.N) * 8
	b.ReportMetric(float64(lock)/n/1e6, "lockstep-cpu-ms/point")
	b.ReportMetric(float64(alone)/n/1e6, "alone-cpu-ms/point")
	b.ReportMetric(float64(lock)/float64(alone), "x-alone")
}
