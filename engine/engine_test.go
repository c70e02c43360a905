package engine_test

import (
	"errors"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/nanotick/nanotick/config"
	"github.com/nanotick/nanotick/engine"
	"github.com/nanotick/nanotick/examples/strategies/marketmaker"
	"github.com/nanotick/nanotick/internal/enginetest"
	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/risk"
	"github.com/nanotick/nanotick/strategy"
	"github.com/nanotick/nanotick/telemetry"
)

func TestReplaySpotMarketMaker(t *testing.T) {
	frames := enginetest.LoadFrames(t, enginetest.SpotFile)
	e, v := enginetest.NewEngine(t, marketmaker.New())
	if err := e.Start(frames[0].Local); err != nil {
		t.Fatal(err)
	}
	for _, f := range frames {
		if err := e.OnFrame(f.Data, f.Local); err != nil {
			t.Fatalf("frame at %d: %v", f.Local, err)
		}
		v.Answer(f.Local)
	}
	c := e.Counters()
	sc := e.Sync().Counters()
	t.Logf("engine %+v", c)
	t.Logf("sync %+v", sc)
	t.Logf("venue: %d placed, %d cancelled; risk rejections by reason: %v", v.Placed, v.Cancelled, rejections(e.Risk()))
	if c.Frames != uint64(len(frames)) || c.Malformed != 0 {
		t.Errorf("frames %d of %d, malformed %d", c.Frames, len(frames), c.Malformed)
	}
	if sc.Gaps != 0 || c.BookUpdates == 0 {
		t.Errorf("gaps %d, book updates %d", sc.Gaps, c.BookUpdates)
	}
	if v.Placed == 0 || c.OrdersSent != uint64(v.Placed) {
		t.Errorf("market maker placed %d orders, engine counted %d", v.Placed, c.OrdersSent)
	}
	if v.BadBook != 0 {
		t.Errorf("%d orders left from an invalid book", v.BadBook)
	}
	if e.Halted() != nil {
		t.Errorf("strategy halted: %v", e.Halted())
	}
	if e.Context().OpenOrders() > 2 {
		t.Errorf("market maker holds %d open orders, want at most a bid and an ask", e.Context().OpenOrders())
	}
	if n := e.Latency().Count(telemetry.TickToOrder); n == 0 {
		t.Error("no tick-to-order latency recorded")
	}
}

func rejections(rc *risk.Checker) map[string]uint64 {
	var counts [risk.NumReasons]uint64
	rc.RejectionCounts(&counts)
	m := map[string]uint64{}
	for r, n := range counts {
		if n > 0 {
			m[risk.Reason(r).String()] = n
		}
	}
	return m
}

// failing is a strategy that quotes and then fails on its nth book update.
type failing struct {
	strategy.Base
	n, books int
}

var errBoom = errors.New("boom")

func (f *failing) OnBook(ctx *strategy.Context) error {
	f.books++
	if !ctx.BookValid() {
		return nil
	}
	if f.books == f.n {
		return errBoom
	}
	if ctx.OpenOrders() == 0 {
		ctx.Buy(ctx.Price(strategy.Buy, 0), 0.001, strategy.PostOnly)
	}
	return nil
}

func TestStrategyErrorHaltsAndCancels(t *testing.T) {
	frames := enginetest.LoadFrames(t, enginetest.SpotFile)
	strat := &failing{n: 100}
	e, v := enginetest.NewEngine(t, strat)
	if err := e.Start(frames[0].Local); err != nil {
		t.Fatal(err)
	}
	for _, f := range frames {
		if err := e.OnFrame(f.Data, f.Local); err != nil {
			t.Fatal(err)
		}
		v.Answer(f.Local)
	}
	if !errors.Is(e.Halted(), errBoom) {
		t.Fatalf("Halted() = %v, want boom", e.Halted())
	}
	if strat.books != strat.n {
		t.Errorf("strategy called %d times, want no calls after its error at %d", strat.books, strat.n)
	}
	if v.Placed == 0 || v.Cancelled == 0 {
		t.Errorf("placed %d, cancelled %d: the working order was not cancelled", v.Placed, v.Cancelled)
	}
	if w := e.Risk().Working(); w != 0 {
		t.Errorf("%d orders still working after the halt", w)
	}
	if e.Risk().State() != risk.Halted {
		t.Errorf("risk state %v, want halted", e.Risk().State())
	}
	if got := e.Counters().BookUpdates; got < 3000 {
		t.Errorf("engine stopped applying the book after the halt: %d updates", got)
	}
}

func TestNoGCAfterWarmup(t *testing.T) {
	frames := enginetest.LoadFrames(t, enginetest.SpotFile)
	e, v := enginetest.NewEngine(t, marketmaker.New())
	// Warm-up is one pass over the day: every buffer reaches its working size.
	enginetest.Replay(t, e, v, frames)
	placed := v.Placed
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	enginetest.ReplayAgain(t, e, v, frames, 1)
	runtime.ReadMemStats(&after)
	enginetest.CheckSteadyState(t, &before, &after, len(frames))
	if v.Placed == placed {
		t.Error("no orders placed in the measured pass: it exercised nothing")
	}
}

func TestFromConfigDefault(t *testing.T) {
	c := config.Default()
	cfg, err := engine.FromConfig(c, &c.Strategies[0], zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Instrument.Symbol == "" || cfg.Rules.Tick <= 0 || cfg.Rules.Lot <= 0 {
		t.Fatalf("incomplete instrument: %+v", cfg)
	}
	if _, err := engine.New(cfg, marketmaker.New(), enginetest.NewVenue()); err != nil {
		t.Fatalf("engine from the default config: %v", err)
	}
	bad := *c
	bad.Strategies = []config.Strategy{{Name: "x", Instrument: "NOPE"}}
	if _, err := engine.FromConfig(&bad, &bad.Strategies[0], zerolog.Nop()); err == nil || !strings.Contains(err.Error(), "NOPE") {
		t.Errorf("undeclared instrument: err = %v", err)
	}
}

// counting records the callbacks it receives.
type counting struct {
	strategy.Base
	books, trades int
	lastTrade     strategy.Trade
	valid         []bool
}

func (c *counting) OnBook(ctx *strategy.Context) error {
	c.books++
	c.valid = append(c.valid, ctx.BookValid())
	return nil
}

func (c *counting) OnTrade(ctx *strategy.Context, t *strategy.Trade) error {
	c.trades++
	c.lastTrade = *t
	return nil
}

// TestExternalFeed drives the engine the way a feed it does not decode does: the caller
// applies updates to the book and reports them.
func TestExternalFeed(t *testing.T) {
	c := &counting{}
	e, _ := enginetest.NewEngine(t, c)
	if err := e.Start(1); err != nil {
		t.Fatal(err)
	}
	b := e.Book()
	b.Set(orderbook.Bid, 6183763000000, 100000000)
	b.Set(orderbook.Ask, 6183764000000, 100000000)
	b.SetSynced(true)
	b.SetUpdate(1, 1e9, 1e9)
	e.OnBookUpdated(2, 1e9)
	e.OnTrade(6183764000000, 2000000, strategy.Buy, 1e9, 1e9+1)
	b.SetSynced(false)
	e.OnBookUpdated(0, 1e9+2) // only validity changed
	e.OnBookUpdated(0, 1e9+3) // nothing changed: no callback
	if c.books != 2 || !c.valid[0] || c.valid[1] {
		t.Errorf("OnBook calls %d with validity %v, want 2: valid then invalid", c.books, c.valid)
	}
	if c.trades != 1 || c.lastTrade.Price != 61837.64 || c.lastTrade.Qty != 0.02 {
		t.Errorf("trades %d, last %+v", c.trades, c.lastTrade)
	}
}

// TestWarmChangesNothing replays the spot day twice, once calling Warm after every frame
// as a polling feed's idle work does: the requests sent and the counters must be the
// same, and Warm must allocate nothing.
func TestWarmChangesNothing(t *testing.T) {
	frames := enginetest.LoadFrames(t, enginetest.SpotFile)
	run := func(warm bool) ([]string, engine.Counters, *engine.Engine) {
		e, v := enginetest.NewEngine(t, marketmaker.New())
		var reqs []string
		v.Log = func(req []byte) { reqs = append(reqs, string(req)) }
		if err := e.Start(frames[0].Local); err != nil {
			t.Fatal(err)
		}
		for _, f := range frames {
			if err := e.OnFrame(f.Data, f.Local); err != nil {
				t.Fatal(err)
			}
			if warm {
				e.Warm()
			}
			v.Answer(f.Local)
		}
		return reqs, e.Counters(), e
	}
	cold, coldCounters, _ := run(false)
	warm, warmCounters, e := run(true)
	if len(cold) < 100 || !slices.Equal(cold, warm) || coldCounters != warmCounters {
		t.Fatalf("with Warm: %d requests, counters %+v; without: %d, %+v", len(warm), warmCounters, len(cold), coldCounters)
	}
	if allocs := testing.AllocsPerRun(100, e.Warm); allocs != 0 {
		t.Fatalf("Warm allocates %v times", allocs)
	}
}
