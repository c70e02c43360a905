package risk

import (
	"fmt"

	"github.com/nanotick/nanotick/orderbook"
)

// pendingModify is a modify of a working order that was sent and not yet answered.
// Until the venue answers, the order may fill at its old terms (the modify has not
// reached it) or at its new ones, so risk counts the larger remainder on the order's
// side and checks self-trade against both prices.
type pendingModify struct {
	id     uint64
	price  int64 // the new price
	newRem int64 // remaining at the new terms: new quantity − filled
	oldRem int64 // remaining at the old terms
}

// CheckModify decides whether working order m.ID may be modified to price m.Price and
// total quantity m.Qty (the order's new quantity including what has filled, as Binance
// USD-M order.modify, Bybit order.amend and Kraken amend_order take it), at engine
// time now with book the instrument's current book. m.Side must be the order's side.
//
// A modify is checked like a new order at its new terms: the state (Reducing lets it
// through only if the order then still shrinks the position, and a reduce-only order
// stays reduce-only), the exchange's rules and per-order limits on the new quantity,
// the price band, the position limits counting the modified remainder on top of the
// side's other working orders, the order rate (a modify is an order message), and
// self-trade against the other working orders. One modify per order may be pending.
//
// On ReasonOK the modify is recorded as pending: until OnModified or OnModifyRejected,
// the order counts the larger of its old and new remainders. Any other Reason leaves
// the order as it was.
func (c *Checker) CheckModify(m *Order, book *orderbook.Book, now int64) Reason {
	if c == nil || c.lim.RateMilli == 0 {
		return ReasonHalted
	}
	c.observe()
	c.refill(now)
	i, r := c.checkModify(m, book, now)
	if r == ReasonOK && c.port != nil {
		w := &c.work[i]
		// The portfolio counts w at its old terms already; what the modify can add on
		// top is the rest of the new remainder, or all of it at a new price.
		extra := *m
		extra.Qty = max(m.Qty-c.filled[i]-w.rem, 0)
		if m.Price != w.price {
			extra.Qty = m.Qty - c.filled[i]
		}
		r = c.port.check(c.portIdx, &extra)
	}
	if r != ReasonOK {
		c.reject(r, m, now)
		return r
	}
	c.tokens -= tokenUnit
	w := &c.work[i]
	newRem := m.Qty - c.filled[i]
	counted := max(w.rem, newRem)
	if w.side == orderbook.Bid {
		c.pendBuy += counted - w.rem
	} else {
		c.pendSell += counted - w.rem
	}
	c.mods = append(c.mods, pendingModify{id: w.id, price: m.Price, newRem: newRem, oldRem: w.rem})
	w.modding = true
	w.rem = counted
	return ReasonOK
}

// checkModify runs CheckModify's checks without side effects and returns the working
// order's index.
func (c *Checker) checkModify(m *Order, book *orderbook.Book, now int64) (int, Reason) {
	if c.state == Halted {
		return -1, c.haltCause
	}
	if m == nil || m.ID == 0 || m.Price <= 0 || m.Qty <= 0 {
		return -1, ReasonInvalidOrder
	}
	i := c.find(m.ID)
	if i < 0 {
		return -1, ReasonNotWorking
	}
	w := &c.work[i]
	if w.modding {
		return i, ReasonModifyPending
	}
	if m.Side != w.side {
		return i, ReasonInvalidOrder
	}
	newRem := m.Qty - c.filled[i]
	if newRem <= 0 {
		// The venues cancel an order modified to no more than it has filled; that is a
		// cancel, which the strategy asks for as one.
		return i, ReasonInvalidOrder
	}
	rest := Order{ID: m.ID, Side: m.Side, Price: m.Price, Qty: newRem}
	if c.state == Reducing && !c.reducesWith(&rest, w.rem) {
		return i, ReasonReducingOnly
	}
	if w.reduceOnly && !c.reducesWith(&rest, w.rem) {
		return i, ReasonReduceOnly
	}
	if r := c.checkRules(m); r != ReasonOK {
		return i, r
	}
	if r := c.checkBand(m, book, now); r != ReasonOK {
		return i, r
	}
	if r := c.checkMark(now); r != ReasonOK {
		return i, r
	}
	// Until the venue answers, the larger remainder may fill.
	worst := rest
	worst.Qty = max(newRem, w.rem)
	if r := c.checkPosition(&worst, w.rem); r != ReasonOK {
		return i, r
	}
	if c.tokens < tokenUnit {
		return i, ReasonRateLimit
	}
	for k := range c.work {
		o := &c.work[k]
		if k != i && o.side != m.Side && c.crosses(m.Side, m.Price, o) {
			return i, ReasonSelfTrade
		}
	}
	return i, ReasonOK
}

// OnModified records the venue's confirmation of order id's pending modify: the order
// now rests at the new price with the new remainder. A confirmed remainder of zero or
// less (the order filled meanwhile) finishes the order.
func (c *Checker) OnModified(id uint64) error {
	i := c.find(id)
	if i < 0 {
		return fmt.Errorf("risk: modify confirmation of order %d: %w", id, ErrUnknownOrder)
	}
	if !c.work[i].modding {
		return fmt.Errorf("risk: modify confirmation of order %d: no modify pending", id)
	}
	m := c.modOf(id)
	c.settleModify(i, m.newRem, m.price)
	return nil
}

// OnModifyRejected records that the venue refused order id's pending modify: the order
// keeps its old price and remainder.
func (c *Checker) OnModifyRejected(id uint64) error {
	i := c.find(id)
	if i < 0 {
		return fmt.Errorf("risk: modify rejection of order %d: %w", id, ErrUnknownOrder)
	}
	w := &c.work[i]
	if !w.modding {
		return fmt.Errorf("risk: modify rejection of order %d: no modify pending", id)
	}
	c.settleModify(i, c.modOf(id).oldRem, w.price)
	return nil
}

// settleModify ends order i's pending modify with remainder rem at price.
func (c *Checker) settleModify(i int, rem, price int64) {
	w := &c.work[i]
	rem = max(rem, 0)
	if w.side == orderbook.Bid {
		c.pendBuy -= w.rem - rem
	} else {
		c.pendSell -= w.rem - rem
	}
	c.dropMod(w.id)
	w.rem, w.price, w.modding = rem, price, false
	if rem == 0 {
		c.remove(i)
	}
}

// fillModifying applies a fill of qty to working order i while a modify of it is pending: the fill
// happened at whichever terms were in force, and shrinks both remainders. It reports
// an overfill (more than the larger remainder).
func (c *Checker) fillModifying(i int, qty int64) bool {
	w := &c.work[i]
	over := qty > w.rem
	c.filled[i] += qty
	m := c.modOf(w.id)
	m.oldRem = max(m.oldRem-qty, 0)
	m.newRem = max(m.newRem-qty, 0)
	counted := max(m.oldRem, m.newRem)
	if w.side == orderbook.Bid {
		c.pendBuy -= w.rem - counted
	} else {
		c.pendSell -= w.rem - counted
	}
	w.rem = counted
	return over
}

// modOf returns the pending modify of working order id, which must have one.
func (c *Checker) modOf(id uint64) *pendingModify {
	for i := range c.mods {
		if c.mods[i].id == id {
			return &c.mods[i]
		}
	}
	// Unreachable while working.modding and mods agree; a zero entry keeps a broken
	// invariant from panicking on the tick path.
	c.mods = append(c.mods, pendingModify{id: id})
	return &c.mods[len(c.mods)-1]
}

// dropMod forgets order id's pending modify.
func (c *Checker) dropMod(id uint64) {
	for i := range c.mods {
		if c.mods[i].id == id {
			last := len(c.mods) - 1
			c.mods[i] = c.mods[last]
			c.mods = c.mods[:last]
			return
		}
	}
}
