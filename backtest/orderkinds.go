package backtest

import (
	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/engine"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/risk"
)

// The simulated exchange's order kinds beyond a plain limit order, as the venues
// document them:
//   - post-only (LIMIT_MAKER on Spot, GTX on USD-M): rejected when it would take on
//     arrival (Spot -2010 "Order would immediately match and take", USD-M -5022 "Post
//     Only order will be rejected");
//   - IOC: what does not fill on arrival expires;
//   - FOK: fills whole on arrival or expires whole, with no fill (all or nothing
//     against the exchange's book);
//   - reduce-only (USD-M): rejected on arrival when it would not reduce the position
//     (-2022 "ReduceOnly Order is rejected"); a resting one fills no more than the
//     position left, and expires once the position is closed;
//   - modify (USD-M order.modify): price and quantity in place, same id, the order's
//     queue place by the venue's rule (instrument.ModifyPriority): USD-M requeues every
//     modified order; on KeepOnDecrease venues a quantity decrease at the same price
//     keeps it. A modify to no more than has filled cancels the order; a post-only
//     order modified to a price that would take is cancelled; a modified order that
//     crosses takes liquidity like a new one. A modify of an order no longer resting is
//     rejected (-2013 "Order does not exist") and changes nothing.

// The exchange's reasons beyond exchange.go's, constants so that nothing allocates.
const (
	RejectReduceOnly  = "reduce-only order would not reduce the position"
	RejectNoModify    = "the venue has no in-place modify"
	RejectModifyGone  = "order does not exist"
	RejectModifyPrice = "invalid modify"
)

// modifyRule returns the queue rule of a modify at this exchange, and false when its
// venue has no in-place modify (Binance Spot): the venue's capabilities say.
func (x *Exchange) modifyRule() (instrument.ModifyPriority, bool) {
	if x.cfg.ModifyRule != 0 {
		return x.cfg.ModifyRule, true
	}
	if c := x.cfg.Instrument.Capabilities(); c.Options&instrument.OptModify != 0 {
		return c.Modify, true
	}
	return 0, false
}

// Modify sends a modify of order id to price and total quantity qty (filled part
// included): it reaches the exchange after the entry latency, behind what was sent
// before it. The Exchange is an engine.Modifier.
func (x *Exchange) Modify(id uint64, side orderbook.Side, price, qty, now int64) error {
	x.lastEntry = max(now+x.lat.Entry(), x.lastEntry)
	x.entry.push(message{due: x.lastEntry, kind: msgModify, order: risk.Order{ID: id, Side: side, Price: price, Qty: qty}, sent: now})
	return nil
}

// ModifyReceiver is a Receiver that also takes the answers to modifies; an
// *engine.Engine is one. A Receiver without it never sees a modify answer (it sent
// none: only an engine.Modifier's caller modifies).
type ModifyReceiver interface {
	OnModified(id uint64, price, qty int64, now int64)
	OnModifyRejected(id uint64, reason string, now int64)
}

// deliverModify hands a modify's answer to r.
func deliverModify(r Receiver, m *message) {
	mr, ok := r.(ModifyReceiver)
	if !ok {
		return
	}
	if m.kind == msgModified {
		mr.OnModified(m.order.ID, m.price, m.qty, m.due)
	} else {
		mr.OnModifyRejected(m.order.ID, m.reason, m.due)
	}
}

func (x *Exchange) rejectModify(id uint64, reason string) {
	x.counters.ModifiesRejected++
	x.respond(message{kind: msgModifyRejected, order: risk.Order{ID: id}, reason: reason})
}

// arriveModify handles a modify reaching the exchange.
func (x *Exchange) arriveModify(m *risk.Order) {
	x.counters.Modifies++
	rule, ok := x.modifyRule()
	if !ok {
		x.rejectModify(m.ID, RejectNoModify)
		return
	}
	i := -1
	for k := range x.orders {
		if x.orders[k].id == m.ID {
			i = k
			break
		}
	}
	if i < 0 {
		x.rejectModify(m.ID, RejectModifyGone) // filled, cancelled or expired meanwhile
		return
	}
	o := &x.orders[i]
	if m.Side != o.side || m.Price <= 0 || m.Qty <= 0 {
		x.rejectModify(m.ID, RejectModifyPrice)
		return
	}
	e := x.entryOf(o.log)
	e.modified++
	if m.Qty <= o.filled {
		// USD-M: "the order will be cancelled if ... the new quantity <= executedQty".
		x.cancelResting(i, StatusCancelled)
		return
	}
	newRem := m.Qty - o.filled
	top := x.top()
	crosses := top.valid && ((o.side == orderbook.Bid && top.ask <= m.Price) || (o.side == orderbook.Ask && top.bid >= m.Price))
	if crosses && o.postOnly {
		// USD-M: "the order will be cancelled if the original order is GTX and the new
		// price would cause it to be executed immediately".
		x.cancelResting(i, StatusExpired)
		return
	}
	keep := rule == instrument.KeepOnDecrease && m.Price == o.price && newRem <= o.qty
	x.counters.ModifiesApplied++
	x.respond(message{kind: msgModified, order: risk.Order{ID: m.ID}, price: m.Price, qty: m.Qty})
	e.price, e.qty = m.Price, m.Qty
	if keep {
		o.qty = newRem // same place in the queue, less behind it of ours
		return
	}
	// A new place: the back of the level at the (new) price, or liquidity taken first.
	id, side, log, sent, filled := o.id, o.side, o.log, o.sent, o.filled
	postOnly, reduceOnly := o.postOnly, o.reduceOnly
	x.orders = append(x.orders[:i], x.orders[i+1:]...)
	left := newRem
	if crosses {
		left = x.take(id, side, m.Price, left, log, sent)
		if left == 0 {
			e.status, e.ended = StatusFilled, x.now
			return
		}
	}
	var ahead int64
	if !crosses {
		ahead = x.levelQty(side, m.Price)
	}
	x.orders = append(x.orders, restingOrder{
		id: id, side: side, price: m.Price, qty: left, filled: filled + (newRem - left),
		q:     queuePos{front: float64(ahead), level: ahead},
		armed: !crosses, ahead0: ahead, log: log, sent: sent,
		postOnly: postOnly, reduceOnly: reduceOnly,
	})
}

// cancelResting removes resting order i, ending it with status, and tells the strategy
// it is cancelled.
func (x *Exchange) cancelResting(i int, status OrderStatus) {
	o := &x.orders[i]
	e := x.entryOf(o.log)
	e.status, e.ended = status, x.now
	id := o.id
	x.orders = append(x.orders[:i], x.orders[i+1:]...)
	if status == StatusExpired {
		x.counters.Expired++
	} else {
		x.counters.Cancelled++
	}
	x.respond(message{kind: msgCancelled, order: risk.Order{ID: id}})
}

// take fills up to left of an order on side at limit price against the levels of the
// book it crosses, as taker, and returns what is left.
func (x *Exchange) take(id uint64, side orderbook.Side, price, left int64, log int, sent int64) int64 {
	it := x.levels(side.Opposite())
	for left > 0 {
		lv, ok := it.next()
		if !ok || (side == orderbook.Bid && lv.Price > price) || (side == orderbook.Ask && lv.Price < price) {
			break
		}
		take := min(left, lv.Qty)
		if take <= 0 {
			continue
		}
		x.fill(id, side, lv.Price, take, false, CauseTaker, log, sent, 0, 0)
		left -= take
	}
	return left
}

// fokFills reports whether an order on side at price for qty can fill whole against
// the book's levels it crosses.
func (x *Exchange) fokFills(side orderbook.Side, price, qty int64) bool {
	it := x.levels(side.Opposite())
	var avail int64
	for avail < qty {
		lv, ok := it.next()
		if !ok || (side == orderbook.Bid && lv.Price > price) || (side == orderbook.Ask && lv.Price < price) {
			return false
		}
		avail += lv.Qty
	}
	return true
}

// reducible returns how much an order on side may fill and still only reduce the
// exchange's position: the position when the order closes it, otherwise zero.
func (x *Exchange) reducible(side orderbook.Side) int64 {
	if side == orderbook.Bid && x.pos < 0 {
		return -x.pos
	}
	if side == orderbook.Ask && x.pos > 0 {
		return x.pos
	}
	return 0
}

// Position returns the exchange's own position from its fills (positive long), in
// quantity units: what a reduce-only order is checked against.
func (x *Exchange) Position() int64 { return x.pos }

// expireReduceOnly expires the resting reduce-only orders that can no longer reduce the
// position, once a fill has closed or flipped it (USD-M cancels them then). It costs a
// test of a flag when no fill did.
func (x *Exchange) expireReduceOnly() {
	if !x.closed {
		return
	}
	x.closed = false
	for i := 0; i < len(x.orders); {
		if o := &x.orders[i]; o.reduceOnly && x.reducible(o.side) == 0 {
			x.cancelResting(i, StatusExpired)
			continue
		}
		i++
	}
}

// riskFunding returns what tells the engine's risk of instrument i each funding payment
// (in the quote currency, positive received), at the instrument's price scale, so that
// a perpetual's MaxFundingPaid holds in a backtest as it does live.
func riskFunding(eng *engine.Engine, i instrument.Index) func(decimal.Decimal) {
	ps := eng.Instruments().At(i).PriceScale
	return func(amount decimal.Decimal) {
		v, err := ps.FromDecimal(amount.Round(int32(ps)))
		if err != nil {
			eng.Halt() // beyond int64 at the price scale: risk cannot count it, so fail closed
			return
		}
		eng.OnFunding(i, v, 0)
	}
}
