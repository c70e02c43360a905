package sweep

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"runtime"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/backtest"
	"github.com/nanotick/nanotick/backtest/recorded"
	"github.com/nanotick/nanotick/engine"
	"github.com/nanotick/nanotick/examples/strategies/marketmaker"
	"github.com/nanotick/nanotick/feeds/recording"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/internal/testdata"
	"github.com/nanotick/nanotick/risk"
	"github.com/nanotick/nanotick/strategy"
)

const spotFile = "binance-spot-btcusdt-20240808.gz"

// record is one recorded frame held in memory.
type record struct {
	local int64
	frame []byte
}

var (
	sliceOnce sync.Once
	slice     []record
	sliceErr  error
)

// spotSlice returns the first n records of the spot recording, read once.
func spotSlice(t testing.TB, n int) []record {
	path := testdata.SharedData(t, spotFile)
	sliceOnce.Do(func() {
		r, err := recording.Open(path)
		if err != nil {
			sliceErr = err
			return
		}
		defer r.Close()
		for len(slice) < 20000 {
			rec, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				sliceErr = err
				return
			}
			slice = append(slice, record{rec.Local, bytes.Clone(rec.Frame)})
		}
	})
	if sliceErr != nil {
		t.Fatal(sliceErr)
	}
	return slice[:min(n, len(slice))]
}

// memSource replays records from memory.
type memSource struct {
	recs []record
	i    int
}

func (s *memSource) Next() (int64, []byte, error) {
	if s.i == len(s.recs) {
		return 0, nil, io.EOF
	}
	r := s.recs[s.i]
	s.i++
	return r.local, r.frame, nil
}

// spotRunner returns a RunFunc backtesting a new Go market maker over recs with the
// risk limits of the backtest CLI's defaults.
func spotRunner(recs []record) RunFunc {
	return func(params map[string]float64) (*backtest.Report, error) {
		lat, err := backtest.ConstantLatency(5*time.Millisecond, 5*time.Millisecond)
		if err != nil {
			return nil, err
		}
		p := strategy.Params{}
		for k, v := range params {
			p[k] = v
		}
		cfg := backtest.Config{
			Engine: engine.Config{
				Venue: instrument.VenueBinanceSpot, NewFeed: recorded.NewFeed,
				Instrument: strategy.Instrument{
					Symbol: "BTCUSDT", PriceScale: 8, QtyScale: 8, Tick: 1_000_000, Lot: 1_000,
				},
				Rules: risk.Instrument{
					PriceScale: 8, QtyScale: 8, Tick: 1_000_000, Lot: 1_000,
					MinQty: 1_000, MaxQty: 9000 * 100_000_000, MinNotional: 5 * 100_000_000,
				},
				Risk: risk.Config{
					MaxOrderQty:      decimal.RequireFromString("0.01"),
					MaxOrderNotional: decimal.RequireFromString("1000"),
					PriceBandBps:     decimal.RequireFromString("50"),
					StaleAfter:       5 * time.Second,
					MaxPosition:      decimal.RequireFromString("0.05"),
					MaxOpenOrders:    6,
					OrdersPerSecond:  decimal.RequireFromString("5"),
					OrderBurst:       10,
					DuplicateWindow:  500 * time.Millisecond,
					MaxDailyLoss:     decimal.RequireFromString("200"),
					MaxDrawdown:      decimal.RequireFromString("300"),
				},
				Params:        p,
				TimerInterval: time.Second,
			},
			Strategy:       marketmaker.New(),
			StrategyName:   "marketmaker",
			Latency:        lat,
			MakerFeeBps:    -0.5,
			TakerFeeBps:    4.5,
			Queue:          backtest.RiskAverse,
			PartialFills:   true,
			InitialBalance: decimal.RequireFromString("10000"),
		}
		return backtest.RunSource(cfg, &memSource{recs: recs})
	}
}

var grid8 = []string{"halfSpreadBps=0.5,1,1.5,2", "size=0.001,0.002"}

// TestRealParallelEqualsSequential runs a grid of real backtests on every core and
// one after another, and requires the same results.
func TestRealParallelEqualsSequential(t *testing.T) {
	recs := spotSlice(t, 8000)
	g, err := ParseGrid(grid8)
	if err != nil {
		t.Fatal(err)
	}
	run := spotRunner(recs)
	seq := Run(g, All, 1, run)
	par := Run(g, All, 4, run)
	if !reflect.DeepEqual(seq, par) {
		t.Fatalf("parallel results differ from sequential ones:\n%+v\n%+v", seq, par)
	}
	fills := uint64(0)
	for _, r := range seq {
		if r.Err != "" {
			t.Fatalf("point %d: %s", r.Index, r.Err)
		}
		fills += r.Fills
	}
	if fills == 0 {
		t.Error("no point of the grid filled an order: the sweep does not reach the strategy")
	}
	Sort(seq, ByPnL)
	var tbl bytes.Buffer
	WriteTable(&tbl, g.Names(), seq)
	t.Logf("\n%s", tbl.String())
}

// BenchmarkSweep8 runs a sweep of 8 parameter sets over the first 20000 records of the
// spot recording, on GOMAXPROCS workers (parallel) and on one (sequential). The issue's
// target is parallel ≤ 0.6 × sequential on 2 cores.
//
// Wall time on a loaded machine measures the neighbours as much as the sweep, so it
// also reports CPU figures: cpu-ms/op is the whole process's CPU time per sweep (the
// same in both modes if running in parallel costs nothing extra), and span-ms/op is the
// time the sweep would take with its cores to itself: each run's own thread CPU time,
// dispatched to the workers exactly as Run does (the next point to the first free
// worker), the longest worker's total. span/op of parallel over that of sequential is
// the speed-up the code allows; GC work on other threads is not in it.
func BenchmarkSweep8(b *testing.B) {
	recs := spotSlice(b, 20000)
	g, err := ParseGrid(grid8)
	if err != nil {
		b.Fatal(err)
	}
	run := spotRunner(recs)
	for _, bc := range []struct {
		name    string
		workers int
	}{{"parallel", runtime.GOMAXPROCS(0)}, {"sequential", 1}} {
		b.Run(bc.name, func(b *testing.B) {
			var mu sync.Mutex
			costs := make([]time.Duration, g.Len())
			timed := func(p map[string]float64) (*backtest.Report, error) {
				c := testdata.StartCPUTimer()
				rep, err := run(p)
				d, _ := c.Stop()
				i := g.Index(p)
				mu.Lock()
				costs[i] = d
				mu.Unlock()
				return rep, err
			}
			var span time.Duration
			start := cpuClock()
			for b.Loop() {
				for _, r := range Run(g, All, bc.workers, timed) {
					if r.Err != "" {
						b.Fatal(r.Err)
					}
				}
				span += schedule(costs, bc.workers)
			}
			b.ReportMetric(float64(cpuClock()-start)/float64(b.N)/1e6, "cpu-ms/op")
			b.ReportMetric(float64(span)/float64(b.N)/1e6, "span-ms/op")
		})
	}
}

// schedule returns the makespan of jobs with the given costs dispatched in order to
// workers, each job to the worker that frees first.
func schedule(costs []time.Duration, workers int) time.Duration {
	free := make([]time.Duration, workers)
	for _, c := range costs {
		k := 0
		for j := range free {
			if free[j] < free[k] {
				k = j
			}
		}
		free[k] += c
	}
	return slices.Max(free)
}

// cpuClock is the process's CPU time (user + system), ns.
func cpuClock() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
