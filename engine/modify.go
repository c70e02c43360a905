package engine

import (
	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/risk"
	"github.com/nanotick/nanotick/strategy"
	"github.com/nanotick/nanotick/telemetry"
)

// sendModify passes a strategy's modify through its instrument's risk, checked like a
// new order at its new terms, to the gateway's Modifier.
func (e *Engine) sendModify(sl *slot, in *risk.Order) {
	e.order = *in // in the engine, not on the stack: see sendIntents
	o := &e.order
	if sl.mod == nil {
		// The strategy's Market refuses Modify when the gateway cannot modify, so this
		// is an engine built around it; answer as a venue would.
		sl.mkt.OrderModifyFailed(o.ID)
		e.queueUpdate(strategy.OrderUpdate{OrderID: o.ID, Status: strategy.ModifyRejected, VenueReason: "gateway cannot modify", Time: e.now, Instrument: o.Instrument})
		return
	}
	t0 := e.clock()
	reason := sl.risk.CheckModify(o, sl.book, e.now)
	t1 := e.clock()
	e.record(telemetry.Risk, t1-t0)
	if reason != risk.ReasonOK {
		e.counters.OrdersRejected++
		sl.mkt.OrderModifyFailed(o.ID)
		e.queueUpdate(strategy.OrderUpdate{OrderID: o.ID, Status: strategy.ModifyRejected, Reason: reason, Time: e.now, Instrument: o.Instrument})
		return
	}
	err := sl.mod.Modify(o.ID, o.Side, o.Price, o.Qty, e.now)
	e.record(telemetry.Encode, e.clock()-t1)
	if err != nil {
		e.counters.SendFailures++
		_ = sl.risk.OnModifyRejected(o.ID)
		sl.mkt.OrderModifyFailed(o.ID)
		e.log.Error().Err(err).Uint64("order", o.ID).Msg("modify failed to send")
		e.queueUpdate(strategy.OrderUpdate{OrderID: o.ID, Status: strategy.ModifyRejected, VenueReason: "send failed", Time: e.now, Instrument: o.Instrument})
		return
	}
	e.counters.ModifiesSent++
}

// OnModified handles the venue's confirmation that order id now works at price and total
// quantity qty, the terms of its pending modify. (The engine keeps the terms it sent,
// which risk checked; a venue answering other terms is logged.)
func (e *Engine) OnModified(id uint64, price, qty int64, now int64) {
	e.advance(now)
	sl := e.slotOf(id)
	if o, ok := sl.mkt.Order(id); ok && o.Modifying() {
		if p, q := o.ModifyTerms(); p != price || q != qty {
			e.log.Warn().Uint64("order", id).Int64("price", price).Int64("qty", qty).Int64("sent_price", p).Int64("sent_qty", q).
				Msg("venue confirmed a modify at other terms than sent")
		}
	}
	if err := sl.risk.OnModified(id); err != nil {
		e.log.Warn().Err(err).Uint64("order", id).Msg("modify confirmation for an order risk does not track")
	}
	_, open := sl.mkt.OrderModified(id)
	e.queueUpdate(strategy.OrderUpdate{OrderID: id, Status: strategy.Modified, Time: e.now, Instrument: sl.mkt.Index()})
	if !open {
		e.queueUpdate(strategy.OrderUpdate{OrderID: id, Status: strategy.Filled, Time: e.now, Instrument: sl.mkt.Index()})
	}
	e.deliver(sl)
	e.afterEvent()
}

// OnModifyRejected handles the venue's refusal of order id's pending modify, with its
// reason text: the order works on at its old terms.
func (e *Engine) OnModifyRejected(id uint64, reason string, now int64) {
	e.advance(now)
	sl := e.slotOf(id)
	if err := sl.risk.OnModifyRejected(id); err != nil {
		e.log.Warn().Err(err).Uint64("order", id).Msg("modify rejection for an order risk does not track")
	}
	sl.mkt.OrderModifyFailed(id)
	e.queueUpdate(strategy.OrderUpdate{OrderID: id, Status: strategy.ModifyRejected, VenueReason: reason, Time: e.now, Instrument: sl.mkt.Index()})
	e.deliver(sl)
	e.afterEvent()
}

// OnFunding books a perpetual's funding payment on instrument i: amount in the
// instrument's price units, positive received, negative paid. Risk counts it toward its
// funding limit and equity (risk.Checker.OnFunding), which may move it to Reducing. It
// calls no strategy callback and leaves the clock and the timers alone: a funding time
// is not a market event, and now (when the venue's payment arrived, or the backtest's
// funding time) is only the shape the live gateways' FundingSink calls it with.
func (e *Engine) OnFunding(i instrument.Index, amount, now int64) {
	if int(i) >= len(e.slots) {
		return
	}
	if err := e.slots[i].risk.OnFunding(amount); err != nil {
		e.log.Error().Err(err).Msg("funding risk could not apply")
	}
	e.afterEvent()
}

// rescale converts v from scale from to scale to, rounding to nearest.
func rescale(v int64, from, to fixed.Scale) int64 {
	switch {
	case from == to:
		return v
	case from > to:
		d := int64(1)
		for s := to; s < from; s++ {
			d *= 10
		}
		return (v + d/2) / d
	}
	m := int64(1)
	for s := from; s < to; s++ {
		m *= 10
	}
	return v * m
}
