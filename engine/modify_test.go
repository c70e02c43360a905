package engine_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/nanotick/nanotick/engine"
	"github.com/nanotick/nanotick/gateway/binance"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/internal/enginetest"
	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/risk"
	"github.com/nanotick/nanotick/strategy"
)

// modVenue is a gateway that can modify: it records what the engine sends.
type modVenue struct {
	placed, cancelled []uint64
	modified          []risk.Order
}

func (v *modVenue) Place(o *risk.Order, now int64) error {
	v.placed = append(v.placed, o.ID)
	return nil
}
func (v *modVenue) Cancel(id uint64, now int64) error {
	v.cancelled = append(v.cancelled, id)
	return nil
}
func (v *modVenue) Modify(id uint64, side orderbook.Side, price, qty, now int64) error {
	v.modified = append(v.modified, risk.Order{ID: id, Side: side, Price: price, Qty: qty})
	return nil
}

// plainVenue is a gateway written before Modifier existed: it must keep compiling and
// working.
type plainVenue struct{ placed int }

func (v *plainVenue) Place(o *risk.Order, now int64) error { v.placed++; return nil }
func (v *plainVenue) Cancel(id uint64, now int64) error    { return nil }

var _ engine.Gateway = (*plainVenue)(nil)

// stepper is a Go strategy that runs the next queued step on each book update and keeps
// every order update it sees.
type stepper struct {
	strategy.Base
	steps   []func(ctx *strategy.Context)
	updates []strategy.OrderUpdate
}

func (s *stepper) OnBook(ctx *strategy.Context) error {
	if len(s.steps) > 0 {
		f := s.steps[0]
		s.steps = s.steps[1:]
		f(ctx)
	}
	return nil
}

func (s *stepper) OnOrder(ctx *strategy.Context, u *strategy.OrderUpdate) error {
	s.updates = append(s.updates, *u)
	return nil
}

const t0 = int64(1_795_698_000_000_000_000)

// usdmEngine is a USD-M BTCUSDT engine without a feed: the test sets the book.
func usdmEngine(t *testing.T, strat strategy.Strategy, gw engine.Gateway) *engine.Engine {
	t.Helper()
	cfg := enginetest.USDMConfig()
	cfg.NewFeed = nil
	e, err := engine.New(cfg, strat, gw)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(t0); err != nil {
		t.Fatal(err)
	}
	return e
}

// book sets a one-level book bid/ask (prices in cents) and tells the engine.
func book(e *engine.Engine, bid, ask int64, now int64) {
	b := e.Book()
	b.Clear()
	b.Set(orderbook.Bid, bid, 1000)
	b.Set(orderbook.Ask, ask, 1000)
	b.SetSynced(true)
	b.SetUpdate(1, now, now)
	e.OnBookUpdated(2, now)
}

func TestModifyThroughRiskToGateway(t *testing.T) {
	var id uint64
	s := &stepper{}
	s.steps = []func(*strategy.Context){
		func(ctx *strategy.Context) { id = ctx.Buy(59990, 0.005, strategy.PostOnly) },
		func(ctx *strategy.Context) {
			if !ctx.Modify(id, 59995, 0.008) {
				t.Error("modify refused")
			}
			if ctx.Modify(id, 59996, 0.008) {
				t.Error("a second modify before the answer was queued")
			}
		},
		func(ctx *strategy.Context) { ctx.Modify(id, 59990.5, 0.004) }, // a lower quantity
		func(ctx *strategy.Context) { ctx.Modify(id, 50000, 0.004) },   // out of the price band
	}
	v := &modVenue{}
	e := usdmEngine(t, s, v)
	book(e, 6_000_000, 6_000_010, t0+1)
	e.OnAck(id, t0+2)
	book(e, 6_000_000, 6_000_010, t0+3)
	if len(v.modified) != 1 || v.modified[0] != (risk.Order{ID: id, Side: orderbook.Bid, Price: 5_999_500, Qty: 8}) {
		t.Fatalf("gateway got modifies %+v; updates %+v", v.modified, s.updates)
	}
	// Until the venue answers, risk counts the larger quantity.
	if buys, _ := e.Risk().Pending(); buys != 8 {
		t.Fatalf("pending buys %d during the modify, want 8", buys)
	}
	e.OnModified(id, 5_999_500, 8, t0+4)
	o, _ := e.Context().Order(id)
	if o.PriceFixed != 5_999_500 || o.QtyFixed != 8 || o.Modifying() {
		t.Fatalf("after the modify the order is %+v", o)
	}
	book(e, 6_000_000, 6_000_010, t0+5)
	e.OnModifyRejected(id, "-5027 No need to modify the order", t0+6)
	o, _ = e.Context().Order(id)
	if o.PriceFixed != 5_999_500 || o.QtyFixed != 8 {
		t.Fatalf("after a rejected modify the order is %+v", o)
	}
	if buys, _ := e.Risk().Pending(); buys != 8 {
		t.Fatalf("pending buys %d after the rejected modify, want 8", buys)
	}
	book(e, 6_000_000, 6_000_010, t0+7)
	if len(v.modified) != 2 {
		t.Fatalf("risk let an out-of-band modify through: %+v", v.modified)
	}
	var statuses []string
	for _, u := range s.updates {
		st := u.Status.String()
		if u.Reason != risk.ReasonOK {
			st += ":" + u.Reason.String()
		}
		if u.VenueReason != "" {
			st += ":" + u.VenueReason
		}
		statuses = append(statuses, st)
	}
	want := "accepted acknowledged modified modify_rejected:-5027 No need to modify the order modify_rejected:price_band"
	if got := strings.Join(statuses, " "); got != want {
		t.Fatalf("updates %q, want %q", got, want)
	}
	if c := e.Counters(); c.ModifiesSent != 2 || c.OrdersRejected != 1 {
		t.Fatalf("counters %+v", c)
	}
}

// TestModifyNeedsModifier: a gateway without Modify still works for everything else,
// and a strategy that modifies on it is stopped with a clear error before anything is
// sent.
func TestModifyNeedsModifier(t *testing.T) {
	var id uint64
	s := &stepper{}
	s.steps = []func(*strategy.Context){
		func(ctx *strategy.Context) {
			if err := ctx.CanModify(); err == nil || !strings.Contains(err.Error(), "engine.Modifier") {
				t.Errorf("CanModify on a gateway without Modify: %v", err)
			}
			id = ctx.Buy(59990, 0.010, strategy.PostOnly)
		},
		func(ctx *strategy.Context) { ctx.Modify(id, 59995, 0.010) },
	}
	v := &plainVenue{}
	e := usdmEngine(t, s, v)
	book(e, 6_000_000, 6_000_010, t0+1)
	e.OnAck(id, t0+2)
	book(e, 6_000_000, 6_000_010, t0+3)
	if v.placed != 1 {
		t.Fatalf("placed %d", v.placed)
	}
	if err := e.Halted(); !errors.Is(err, instrument.ErrUnsupportedOption) {
		t.Fatalf("halted with %v, want the unsupported option", err)
	}
}

// TestFlagsVenueLacksHaltBeforeSending: a Go strategy sending reduce-only on Binance Spot
// is halted with the venue's options named; nothing reaches the gateway.
func TestFlagsVenueLacksHaltBeforeSending(t *testing.T) {
	s := &stepper{}
	s.steps = []func(*strategy.Context){
		func(ctx *strategy.Context) { ctx.Sell(60010, 0.001, strategy.ReduceOnly) },
	}
	v := &modVenue{}
	cfg := enginetest.SpotConfig()
	cfg.NewFeed = nil
	e, err := engine.New(cfg, s, v)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(t0); err != nil {
		t.Fatal(err)
	}
	b := e.Book()
	b.Set(orderbook.Bid, 6_000_000_000_000, 100_000)
	b.Set(orderbook.Ask, 6_000_001_000_000, 100_000)
	b.SetSynced(true)
	b.SetUpdate(1, t0+1, t0+1)
	e.OnBookUpdated(2, t0+1)
	err = e.Halted()
	if !errors.Is(err, instrument.ErrUnsupportedOption) || !strings.Contains(err.Error(), "binance-spot has no REDUCE_ONLY orders") {
		t.Fatalf("halted with %v", err)
	}
	if len(v.placed) != 0 {
		t.Fatalf("sent %v", v.placed)
	}
}

// allocStrategy places one order of each kind in turn, or modifies its working order.
type allocStrategy struct {
	strategy.Base
	modify bool
	id     uint64
	n      int
}

var kinds = []strategy.Flags{0, strategy.PostOnly, strategy.IOC, strategy.FOK, strategy.ReduceOnly, strategy.PostOnly | strategy.ReduceOnly}

func (a *allocStrategy) OnBook(ctx *strategy.Context) error {
	a.n++
	if a.modify && a.id != 0 {
		ctx.Modify(a.id, 59990+float64(a.n%7)/10, 0.006+float64(a.n%3)/1000)
		return nil
	}
	a.id = ctx.Buy(59990-float64(a.n%50)/10, 0.005, kinds[a.n%len(kinds)])
	return nil
}

// TestOrderKindsAllocateNothing: placing each kind of order, and modifying one, through
// strategy, risk and the gateway allocates nothing.
func TestOrderKindsAllocateNothing(t *testing.T) {
	for _, modify := range []bool{false, true} {
		s := &allocStrategy{}
		v := &modVenue{placed: make([]uint64, 0, 4096), cancelled: make([]uint64, 0, 4096), modified: make([]risk.Order, 0, 4096)}
		e := usdmEngine(t, s, v)
		now := t0
		book(e, 6_000_000, 6_000_010, now)
		if modify {
			e.OnAck(s.id, now)
			s.modify = true
		}
		n := testing.AllocsPerRun(500, func() {
			now += 1_000_000_000
			book(e, 6_000_000, 6_000_010, now)
			if modify {
				o, _ := e.Context().Order(s.id)
				p, q := o.ModifyTerms()
				e.OnModified(s.id, p, q, now)
			} else {
				e.OnCancelled(s.id, now)
			}
		})
		if n != 0 {
			t.Errorf("modify %v: %v allocations per order", modify, n)
		}
		if modify && len(v.modified) < 500 || !modify && len(v.placed) < 300 {
			t.Errorf("modify %v: %d placed, %d modified: the loop did not trade", modify, len(v.placed), len(v.modified))
		}
	}
}

// The USD-M gateway is a Modifier as it is.
var _ engine.Modifier = (*binance.FuturesGateway)(nil)
