package backtest

import (
	"testing"

	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/risk"
)

// The recorder takes modify answers too (it is then a ModifyReceiver).
func (r *recorder) OnModified(id uint64, price, q int64, now int64) {
	r.got = append(r.got, answer{kind: "modified " + ps.String(price) + " " + qs.String(q), id: id, t: now})
}
func (r *recorder) OnModifyRejected(id uint64, reason string, now int64) {
	r.got = append(r.got, answer{kind: "modify_rejected (" + reason + ")", id: id, t: now})
}

func (h *harness) order(tms int64, o risk.Order) {
	h.at(tms, "")
	if err := h.x.Place(&o, base+tms*ms); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) modify(tms int64, id uint64, side orderbook.Side, p, q float64) {
	h.at(tms, "")
	if err := h.x.Modify(id, side, px(p), qty(q), base+tms*ms); err != nil {
		h.t.Fatal(err)
	}
}

func TestFOKAllOrNothing(t *testing.T) {
	h := newHarness(t, opts{partial: true})
	h.snapshot(0, bids, asks)                                                                    // asks 101 x 1, 102 x 2, 103 x 5
	h.order(1, risk.Order{ID: 1, Side: orderbook.Bid, Price: px(102), Qty: qty(3), FOK: true})   // exactly what 101-102 hold
	h.order(2, risk.Order{ID: 2, Side: orderbook.Bid, Price: px(102), Qty: qty(3.5), FOK: true}) // half a lot short: nothing
	h.order(3, risk.Order{ID: 3, Side: orderbook.Bid, Price: px(100.5), Qty: qty(1), FOK: true}) // does not cross
	h.order(4, risk.Order{ID: 4, Side: orderbook.Ask, Price: px(99), Qty: qty(15), FOK: true})   // bids 100 x 5, 99 x 10
	h.expect(`
		1 ack 1
		1 fill 1 1@101 fee 0 taker
		1 fill 1 2@102 fee 0 taker
		2 ack 2
		2 cancelled 2
		3 ack 3
		3 cancelled 3
		4 ack 4
		4 fill 4 5@100 fee 0 taker
		4 fill 4 10@99 fee 0 taker
	`)
	if c := h.x.Counters(); c.Expired != 2 || h.x.Resting() != 0 {
		t.Errorf("expired %d, resting %d", c.Expired, h.x.Resting())
	}
	log := h.x.orderLog(ps, qs)
	if !log[1].FOK || log[1].Status != "expired" || !log[1].Filled.IsZero() {
		t.Errorf("order log of the killed FOK: %+v", log[1])
	}
}

func TestReduceOnly(t *testing.T) {
	h := newHarness(t, opts{partial: true})
	h.snapshot(0, bids, asks)
	h.order(1, risk.Order{ID: 1, Side: orderbook.Ask, Price: px(101), Qty: qty(1), ReduceOnly: true}) // flat: nothing to reduce
	h.order(2, risk.Order{ID: 2, Side: orderbook.Bid, Price: px(102), Qty: qty(2)})                   // long 2
	h.order(3, risk.Order{ID: 3, Side: orderbook.Bid, Price: px(99), Qty: qty(1), ReduceOnly: true})  // a buy does not reduce a long
	// Sells 3 into the bids but only 2 reduce: 2 fill, the position is closed, the rest
	// expires.
	h.order(4, risk.Order{ID: 4, Side: orderbook.Ask, Price: px(99), Qty: qty(3), ReduceOnly: true})
	h.expect(`
		1 rejected 1 ` + RejectReduceOnly + `
		2 ack 2
		2 fill 2 1@101 fee 0 taker
		2 fill 2 1@102 fee 0 taker
		3 rejected 3 ` + RejectReduceOnly + `
		4 ack 4
		4 fill 4 2@100 fee 0 taker
		4 cancelled 4
	`)
	if h.x.Position() != 0 {
		t.Fatalf("position %d", h.x.Position())
	}
	// A resting reduce-only fills no more than the position, then expires.
	h.order(5, risk.Order{ID: 5, Side: orderbook.Bid, Price: px(101), Qty: qty(1)})                   // long 1
	h.order(6, risk.Order{ID: 6, Side: orderbook.Ask, Price: px(104), Qty: qty(3), ReduceOnly: true}) // rests
	h.trade(7, 104.5, 0.1, false)                                                                     // printed through its price
	h.expect(`
		1 rejected 1 ` + RejectReduceOnly + `
		2 ack 2
		2 fill 2 1@101 fee 0 taker
		2 fill 2 1@102 fee 0 taker
		3 rejected 3 ` + RejectReduceOnly + `
		4 ack 4
		4 fill 4 2@100 fee 0 taker
		4 cancelled 4
		5 ack 5
		5 fill 5 1@101 fee 0 taker
		6 ack 6
		7 fill 6 1@104 fee 0 maker
		7 cancelled 6
	`)
	if h.x.Position() != 0 || h.x.Resting() != 0 {
		t.Fatalf("position %d, resting %d", h.x.Position(), h.x.Resting())
	}
}

// modifyQueue rests a 2-lot bid at 100 behind 5, lets 5 join behind, trades 4 at the
// price (1 ahead now) and shows the level at 6, then modifies the order at t=5 to qty
// and price, and prints a 2-lot sell at 100.
func modifyQueue(t *testing.T, rule instrument.ModifyPriority, p, q float64) *harness {
	h := newHarness(t, opts{partial: true})
	h.x.cfg.ModifyRule = rule
	h.snapshot(0, bids, asks)
	h.place(1, 1, orderbook.Bid, 100, 2, false, false)
	h.depth(2, []lv{{100, 10}}, nil)
	h.trade(3, 100, 4, true)
	h.depth(4, []lv{{100, 6}}, nil)
	h.modify(5, 1, orderbook.Bid, p, q)
	h.trade(6, 100, 2, true)
	return h
}

func TestModifyQueuePriority(t *testing.T) {
	// Keep-on-decrease (Bybit, Kraken): a lower quantity at the same price keeps the
	// place, 1 lot ahead; the 2-lot print fills the 1 lot the order has left.
	h := modifyQueue(t, instrument.KeepOnDecrease, 100, 1)
	h.expect(`
		1 ack 1
		5 modified 100 1 1
		6 fill 1 1@100 fee 0 maker
	`)
	// USD-M requeues every modify: the order goes behind the 6 lots shown, and the print
	// does not reach it.
	h = modifyQueue(t, instrument.RequeueAlways, 100, 1)
	h.expect(`
		1 ack 1
		5 modified 100 1 1
	`)
	// Keep-on-decrease loses the place on a larger quantity...
	h = modifyQueue(t, instrument.KeepOnDecrease, 100, 3)
	h.expect(`
		1 ack 1
		5 modified 100 3 1
	`)
	// ...and on a new price: behind the 10 lots at 99, out of the print's reach.
	h = modifyQueue(t, instrument.KeepOnDecrease, 99, 1)
	h.expect(`
		1 ack 1
		5 modified 99 1 1
	`)
	if o := h.x.orders[0]; o.price != px(99) || o.ahead0 != qty(10) {
		t.Fatalf("requeued order %+v", o)
	}
}

func TestModifyEdgeCases(t *testing.T) {
	h := newHarness(t, opts{partial: true})
	h.x.cfg.ModifyRule = instrument.RequeueAlways
	h.snapshot(0, bids, asks)
	h.place(1, 1, orderbook.Bid, 100, 3, false, false)
	h.trade(2, 99.5, 0.1, true) // through: fills all 3
	h.modify(3, 1, orderbook.Bid, 100, 4)
	h.place(4, 2, orderbook.Bid, 100, 3, false, false)
	h.modify(5, 2, orderbook.Bid, 101.5, 3)             // crosses: takes the 1 at 101, 2 rest at 101.5
	h.place(6, 3, orderbook.Bid, 100.5, 1, true, false) // post-only
	h.modify(7, 3, orderbook.Bid, 101, 1)               // would take: a GTX is cancelled
	h.trade(8, 101.5, 1, true)                          // 1 of order 2's rest fills by queue (nothing ahead)
	h.modify(9, 2, orderbook.Bid, 101.5, 2)             // no more than has filled (1 + 1): cancelled
	h.expect(`
		1 ack 1
		2 fill 1 3@100 fee 0 maker
		3 modify_rejected (` + RejectModifyGone + `) 1
		4 ack 2
		5 modified 101.5 3 2
		5 fill 2 1@101 fee 0 taker
		6 ack 3
		7 cancelled 3
		8 fill 2 1@101.5 fee 0 maker
		9 cancelled 2
	`)
	if h.x.Resting() != 0 {
		t.Fatalf("%d resting", h.x.Resting())
	}
	log := h.x.orderLog(ps, qs)
	if log[1].Modified != 2 || !log[1].Price.Equal(ps.Decimal(px(101.5))) || log[2].Status != "expired" {
		t.Fatalf("order log %+v", log)
	}
	// Spot has no in-place modify.
	s := newHarness(t, opts{partial: true})
	s.snapshot(0, bids, asks)
	s.place(1, 1, orderbook.Bid, 100, 1, false, false)
	s.modify(2, 1, orderbook.Bid, 100, 0.5)
	s.expect(`
		1 ack 1
		2 modify_rejected (` + RejectNoModify + `) 1
	`)
}

// TestModifyPathAllocatesNothing: a modify's way in and its answer's way out allocate
// nothing, as an order's do.
func TestModifyPathAllocatesNothing(t *testing.T) {
	h := newHarness(t, opts{partial: true})
	h.x.cfg.ModifyRule = instrument.KeepOnDecrease
	h.snapshot(0, bids, asks)
	h.place(1, 1, orderbook.Bid, 99, 5, false, false)
	h.at(2, "")
	var r modReceiver
	now := base + 10*ms
	i := 0
	n := testing.AllocsPerRun(1000, func() {
		i++
		now += ms
		_ = h.x.Modify(1, orderbook.Bid, px(99)-int64(i%3), qty(5)-int64(i%2)*lot, now)
		h.x.RunUntil(now+int64(1e9), &r)
	})
	if n != 0 {
		t.Fatalf("%v allocations per modify", n)
	}
	if c := h.x.Counters(); c.ModifiesApplied < 1000 || r.modified < 1000 {
		t.Fatalf("counters %+v, %d answers", c, r.modified)
	}
}

// modReceiver is a receiver that takes modify answers and counts them.
type modReceiver struct {
	nopReceiver
	modified, refused int
}

func (m *modReceiver) OnModified(uint64, int64, int64, int64) { m.modified++ }
func (m *modReceiver) OnModifyRejected(uint64, string, int64) { m.refused++ }
