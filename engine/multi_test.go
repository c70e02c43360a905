package engine_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/internal/enginetest"
	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/risk"
	"github.com/nanotick/nanotick/strategy"
)

// ticker records the times its timer fired.
type ticker struct {
	strategy.Base
	at []int64
}

func (s *ticker) OnBook(*strategy.Context) error { return nil }
func (s *ticker) OnTimer(ctx *strategy.Context) error {
	s.at = append(s.at, ctx.Now())
	return nil
}

// TestTimerGridUSDM runs a 100 ms timer over the USD-M recording: it must fire exactly
// once at every point of the grid start + k x 100ms up to the last frame, each at its
// own time, although frames arrive at irregular times (and some 100 ms windows have
// none).
func TestTimerGridUSDM(t *testing.T) {
	frames := enginetest.LoadFrames(t, enginetest.USDMFile)
	cfg := enginetest.USDMConfig()
	cfg.TimerInterval = 100 * time.Millisecond
	s := &ticker{}
	e, v := enginetest.NewEngineWith(t, cfg, s)
	start := frames[0].Local
	enginetest.Replay(t, e, v, frames)
	last := frames[len(frames)-1].Local
	every := int64(cfg.TimerInterval)
	want := (last - start) / every
	if int64(len(s.at)) != want {
		t.Fatalf("timer fired %d times over %v, want the grid's %d", len(s.at), time.Duration(last-start), want)
	}
	for k, at := range s.at {
		if at != start+int64(k+1)*every {
			t.Fatalf("timer %d at %d, want %d", k, at, start+int64(k+1)*every)
		}
	}
	if next, ok := e.NextTimer(); !ok || next != start+(want+1)*every {
		t.Errorf("NextTimer = %d, %v; want %d", next, ok, start+(want+1)*every)
	}
	if c := e.Counters(); c.Timers != uint64(want) || c.TimersSkipped != 0 {
		t.Errorf("counters: %d timers, %d skipped", c.Timers, c.TimersSkipped)
	}
	// Gaps in the recording longer than the interval are what the old
	// fire-at-the-next-event timer missed points in: make sure the data has some.
	gaps := 0
	for i := 1; i < len(frames); i++ {
		if frames[i].Local-frames[i-1].Local > every {
			gaps++
		}
	}
	t.Logf("%d timers; %d gaps between frames longer than the interval", len(s.at), gaps)
}

// TestTimerWithoutMarketData drives the clock alone: OnClock fires every due grid point
// once, in order, at its own time; NextTimer says when the next is due; and a stall
// longer than MaxTimerCatchUp intervals skips to the last due point, keeping the grid.
func TestTimerWithoutMarketData(t *testing.T) {
	cfg := enginetest.SpotConfig()
	cfg.TimerInterval = 250 * time.Millisecond
	s := &ticker{}
	e, _ := enginetest.NewEngineWith(t, cfg, s)
	const start = int64(1_000_000_000)
	every := int64(cfg.TimerInterval)
	if _, ok := e.NextTimer(); ok {
		t.Error("NextTimer before Start")
	}
	if err := e.Start(start); err != nil {
		t.Fatal(err)
	}
	if next, ok := e.NextTimer(); !ok || next != start+every {
		t.Fatalf("NextTimer = %d, %v", next, ok)
	}
	e.OnClock(start + every - 1)
	if len(s.at) != 0 {
		t.Fatal("fired early")
	}
	e.OnClock(start + 3*every + 7) // three due, each once
	e.OnClock(start + 3*every + 9) // none more
	want := []int64{start + every, start + 2*every, start + 3*every}
	if len(s.at) != 3 || s.at[0] != want[0] || s.at[1] != want[1] || s.at[2] != want[2] {
		t.Fatalf("fired at %v, want %v", s.at, want)
	}
	// A stall of 1000 intervals: the grid points in between are skipped, the last
	// one fires, and the grid carries on from it.
	s.at = s.at[:0]
	e.OnClock(start + 1003*every + 1)
	c := e.Counters()
	if len(s.at) != 1 || s.at[0] != start+1003*every || c.TimersSkipped != 999 {
		t.Fatalf("after a stall: fired at %v (want [%d]), %d skipped (want 999)", s.at, start+1003*every, c.TimersSkipped)
	}
	if next, _ := e.NextTimer(); next != start+1004*every {
		t.Errorf("NextTimer after the stall = %d, want %d", next, start+1004*every)
	}
	// An answer from the venue is an event too: it fires the points before it first.
	e.OnAck(12345, start+1005*every)
	if len(s.at) != 3 || s.at[2] != start+1005*every {
		t.Errorf("OnAck did not fire the due points: %v", s.at)
	}
}

// pair is a two-instrument strategy: it quotes one lot on the spot book around the perp's
// mid whenever the perp's book changes, and hedges on the perp with an IOC order every
// 200th spot book event. It checks on every callback that the Context says which
// instrument the event is about.
type pair struct {
	strategy.Base
	spot, perp   *strategy.Market
	spotN, perpN int
	wrong        int
	bid          uint64
	updates      [2]int
}

func (p *pair) Init(ctx *strategy.Context) error {
	var err error
	if p.spot, err = ctx.Bind("binance-spot:BTCUSDT"); err != nil {
		return err
	}
	p.perp, err = ctx.Bind("binance-usdm:BTCUSDT")
	return err
}

func (p *pair) OnBook(ctx *strategy.Context) error {
	ev := ctx.Event()
	if ev == p.spot {
		p.spotN++
		if p.spotN%200 == 0 && p.perp.BookValid() {
			p.perp.Sell(p.perp.Price(strategy.Buy, 0), p.perp.LotSize()*5, strategy.IOC)
		}
		return nil
	}
	if ev != p.perp {
		p.wrong++
		return nil
	}
	p.perpN++
	if !p.spot.BookValid() || !p.perp.BookValid() {
		return nil
	}
	// Bid 20 ticks under the perp's mid, never crossing the spot ask; requote when the
	// target moved more than 5 ticks from the resting bid.
	tick := p.spot.TickSize()
	target := min(p.perp.Mid()-20*tick, p.spot.Price(strategy.Sell, 0)-tick)
	o, ok := p.spot.Order(p.bid)
	if ok && abs(o.Price-target) <= 5*tick {
		return nil
	}
	if ok {
		p.spot.Cancel(p.bid)
	}
	p.bid = p.spot.Buy(target, 0.001, strategy.PostOnly)
	return nil
}

func (p *pair) OnOrder(ctx *strategy.Context, u *strategy.OrderUpdate) error {
	if ctx.Event().Index() != u.Instrument {
		p.wrong++
	}
	p.updates[u.Instrument]++
	return nil
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// TestTwoInstruments replays the spot and USD-M recordings merged by receive time
// through one engine: both books stay in sync on their own feeds, the strategy is told
// which instrument each event is about, orders go to the right instrument's risk and
// gateway, and after a warm-up pass nothing allocates.
func TestTwoInstruments(t *testing.T) {
	spot := enginetest.LoadFrames(t, enginetest.SpotFile)
	perp := enginetest.LoadFrames(t, enginetest.USDMFile)
	frames := enginetest.Merge(spot, perp)
	p := &pair{}
	e, v := enginetest.NewEngineWith(t, enginetest.PairConfig(), p)
	replay := func(shift int64) {
		for _, f := range frames {
			if err := e.OnFrameAt(f.Instrument, f.Data, f.Local+shift); err != nil {
				t.Fatalf("instrument %d frame at %d: %v", f.Instrument, f.Local, err)
			}
			v.Answer(f.Local + shift)
		}
	}
	if err := e.Start(frames[0].Local); err != nil {
		t.Fatal(err)
	}
	replay(0)
	if e.Halted() != nil {
		t.Fatal(e.Halted())
	}
	for i := range 2 {
		if !e.BookAt(instrument.Index(i)).Valid() {
			t.Errorf("instrument %d's book is not valid at the end", i)
		}
	}
	if p.wrong != 0 {
		t.Errorf("%d callbacks named the wrong instrument", p.wrong)
	}
	if p.spotN == 0 || p.perpN == 0 || len(v.ByInstrument) != 2 || v.ByInstrument[0] == 0 || v.ByInstrument[1] == 0 {
		t.Fatalf("book events %d spot, %d perp; orders by instrument %v: want both", p.spotN, p.perpN, v.ByInstrument)
	}
	if v.BadBook != 0 {
		t.Errorf("%d orders left from an invalid book", v.BadBook)
	}
	if e.RiskAt(0).Working() != e.Context().MarketAt(0).OpenOrders() || e.RiskAt(1).Working() != 0 {
		t.Errorf("risk tracks %d spot and %d perp orders; the strategy %d spot", e.RiskAt(0).Working(), e.RiskAt(1).Working(), e.Context().MarketAt(0).OpenOrders())
	}
	t.Logf("book events: %d spot, %d perp; orders: %v; updates: %v", p.spotN, p.perpN, v.ByInstrument, p.updates)

	// The second pass over the day runs in steady state: no GC, no allocation per frame.
	placed := v.Placed
	for i := range 2 {
		e.FeedAt(instrument.Index(i)).Reset()
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	replay(enginetest.Span(spot) + enginetest.Span(perp))
	runtime.ReadMemStats(&after)
	enginetest.CheckSteadyState(t, &before, &after, len(frames))
	if v.Placed == placed {
		t.Error("no orders placed in the measured pass")
	}
}

// TestOneKillSwitch halts every instrument when one instrument's risk halts.
func TestOneKillSwitch(t *testing.T) {
	e, _ := enginetest.NewEngineWith(t, enginetest.PairConfig(), &pair{})
	if err := e.Start(1); err != nil {
		t.Fatal(err)
	}
	e.RiskAt(1).Halt(0)
	e.OnClock(2)
	if e.RiskAt(0).State() != e.RiskAt(1).State() || e.RiskAt(0).HaltCause() == 0 {
		t.Errorf("states %v and %v after the perp's risk halted", e.RiskAt(0).State(), e.RiskAt(1).State())
	}
}

// TestBindUnknownInstrument refuses to start a strategy that binds an instrument the
// engine does not have.
func TestBindUnknownInstrument(t *testing.T) {
	s := &binder{name: "kraken:BTC/USD"}
	e, _ := enginetest.NewEngineWith(t, enginetest.PairConfig(), s)
	if err := e.Start(1); err == nil {
		t.Error("a strategy bound an instrument the engine does not trade")
	}
	s = &binder{name: "binance-spot:BTCUSDT"}
	e, _ = enginetest.NewEngine(t, s)
	if err := e.Start(1); err != nil {
		t.Errorf("a single-instrument engine refused its own instrument: %v", err)
	}
}

type binder struct {
	strategy.Base
	name string
}

func (b *binder) Init(ctx *strategy.Context) error {
	_, err := ctx.Bind(b.name)
	return err
}

// TestPortfolioLimits wires the portfolio layer into the engine's checkers: with a net
// position limit of 0.002 BTC across spot and perp, spot and perp buys count together,
// and a perp sell that hedges a spot long is allowed.
func TestPortfolioLimits(t *testing.T) {
	cfg := enginetest.PairConfig()
	cfg.Portfolio = risk.PortfolioConfig{MaxNetPosition: decimal.RequireFromString("0.002"), MaxTotalLoss: decimal.RequireFromString("100")}
	e, _ := enginetest.NewEngineWith(t, cfg, &ticker{}) // places nothing itself
	if e.Portfolio() == nil {
		t.Fatal("no portfolio layer")
	}
	if err := e.Start(1); err != nil {
		t.Fatal(err)
	}
	// Books for both, a bid from the spot, a fill: the spot long plus resting bids
	// reach the limit, and a perp sell is still fine.
	for i := range 2 {
		b := e.BookAt(instrument.Index(i))
		spec := e.Instruments().At(instrument.Index(i))
		unit := spec.PriceScale.Unit()
		b.Set(orderbook.Bid, 60000*unit, 1_000_000)
		b.Set(orderbook.Ask, 60000*unit+spec.Tick, 1_000_000)
		b.SetSynced(true)
		b.SetUpdate(1, 2, 2)
		e.OnBookUpdatedAt(instrument.Index(i), 1, 2)
	}
	spot, perp := e.Context().MarketAt(0), e.Context().MarketAt(1)
	id := uint64(100)
	check := func(mk *strategy.Market, side strategy.Side, milli int64, want risk.Reason) uint64 {
		t.Helper()
		id++
		o := risk.Order{ID: id, Instrument: mk.Index(), Side: side,
			Price: 60000 * mk.Spec().PriceScale.Unit(), Qty: milli * mk.Spec().QtyScale.Unit() / 1000}
		// A tenth of a second apart: outside the duplicate window, within staleness.
		if r := e.RiskAt(mk.Index()).Check(&o, mk.Book(), 2+int64(id-100)*int64(100*time.Millisecond)); r != want {
			t.Errorf("%s %v %d milli: %v, want %v", mk.Name(), side, milli, r, want)
		}
		return id
	}
	first := check(spot, strategy.Buy, 1, risk.ReasonOK)
	if err := e.RiskAt(0).OnFill(first, 60000*100_000_000, 100_000, 0); err != nil {
		t.Fatal(err)
	}
	check(spot, strategy.Buy, 1, risk.ReasonOK)                 // 0.002 long, worst case
	check(spot, strategy.Buy, 1, risk.ReasonPortfolioPosition)  // 0.003
	check(perp, strategy.Buy, 2, risk.ReasonPortfolioPosition)  // 0.004, on another instrument
	check(perp, strategy.Sell, 2, risk.ReasonOK)                // hedges the spot long
	check(perp, strategy.Sell, 3, risk.ReasonPortfolioPosition) // 0.005 short worst case, less the 0.001 long
}

// TestInstrumentRisk gives the perp its own limits: its checker has them, the spot's
// keeps the shared ones.
func TestInstrumentRisk(t *testing.T) {
	cfg := enginetest.PairConfig()
	perpRisk := cfg.Risk
	perpRisk.MaxOrderQty = decimal.RequireFromString("0.5")
	cfg.InstrumentRisk = []*risk.Config{nil, &perpRisk}
	e, _ := enginetest.NewEngineWith(t, cfg, &ticker{})
	if got := e.RiskAt(1).Limits().MaxOrderQty; got != 500 { // 0.5 at the perp's 3 decimals
		t.Errorf("perp max order qty %d, want 500", got)
	}
	if got := e.RiskAt(0).Limits().MaxOrderQty; got != 1_000_000 { // 0.01 at spot's 8
		t.Errorf("spot max order qty %d, want 1000000", got)
	}
}
