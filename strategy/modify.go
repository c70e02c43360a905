package strategy

import (
	"fmt"

	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/risk"
)

// Options returns the order options the instrument's venue offers: the flags it takes
// and whether Modify exists there (instrument.OptModify).
func (m *Market) Options() instrument.Option { return m.opts }

// CheckFlags reports whether orders on this instrument may carry flags: every flag must
// be one the venue offers, and at most one of PostOnly, IOC and FOK. A Go strategy calls
// it in Init for the flags it means to use, so that a flag its venue lacks stops it
// before it trades; a script's are checked when it is compiled and bound.
func (m *Market) CheckFlags(flags Flags) error {
	if flags&^AllFlags != 0 {
		return fmt.Errorf("instrument %s: unknown order flags %#x", m.spec.ID, uint8(flags&^AllFlags))
	}
	return m.checkOptions(instrument.Option(flags))
}

// CanModify reports whether Modify works on this instrument: its venue modifies orders
// in place and the engine's gateway for it can send a modify.
func (m *Market) CanModify() error {
	if m.opts&instrument.OptModify != 0 {
		return nil
	}
	return m.checkOptions(instrument.OptModify)
}

func (m *Market) checkOptions(opts instrument.Option) error {
	if opts&^m.opts == 0 {
		if n := opts & instrument.Option(PostOnly|IOC|FOK); n&(n-1) == 0 {
			return nil
		}
	}
	if opts&instrument.OptModify != 0 && m.noModify {
		return fmt.Errorf("instrument %s: %w: %s modifies orders, but this engine's gateway for it does not (it does not implement engine.Modifier)",
			m.spec.ID, instrument.ErrUnsupportedOption, m.spec.ID.Venue)
	}
	if m.spec.ID.Venue == "" {
		return fmt.Errorf("instrument %s: %s: at most one of POST_ONLY, IOC and FOK (each is a time in force)", m.spec.ID, opts)
	}
	return fmt.Errorf("instrument %s: %w", m.spec.ID, instrument.CheckOptions(m.spec.ID.Venue, opts))
}

// flagsOK is the run-time check of an order's flags: the common case is one AND and a
// compare. A flag the venue lacks is a strategy error, which halts the strategy before
// the order reaches the venue: an order type that does not exist there must never be
// sent as something else.
func (m *Market) flagsOK(flags Flags) bool {
	if n := flags & (PostOnly | IOC | FOK); instrument.Option(flags)&^m.opts == 0 && n&(n-1) == 0 && flags&^AllFlags == 0 {
		return true
	}
	if m.c.err == nil {
		m.c.err = m.CheckFlags(flags)
	}
	return false
}

// Modify asks to change open order id's price and quantity in place, keeping its id:
// qty is the order's new total quantity, what has filled included, as the venues take
// it (USD-M order.modify, Bybit order.amend, Kraken amend_order). Price and quantity are
// rounded as Buy and Sell round them. The modify goes through risk like a new order
// after the callback; OnOrder then reports Modified, or ModifyRejected with the order
// working on at its old terms. What a modify does to the order's queue place is the
// venue's rule (instrument.Capabilities.Modify).
//
// It reports false, queueing nothing, when id is not open, is being cancelled or has a
// modify pending, or when qty is no more than what has filled (cancel it instead). On a
// venue without in-place modify (Binance Spot) it is a strategy error, which halts the
// strategy: use Replace there.
func (m *Market) Modify(id uint64, price, qty float64) bool {
	c := m.c
	if m.opts&instrument.OptModify == 0 {
		if c.err == nil {
			c.err = m.checkOptions(instrument.OptModify)
		}
		return false
	}
	i := m.orders.find(id)
	if i < 0 {
		return false
	}
	row := &m.orders.rows[i]
	if row.cancelReq || row.modReq || row.Status == pendingNew {
		return false
	}
	p := RoundPrice(row.Side, price, m.inst.PriceScale, m.inst.Tick)
	q := RoundQty(qty, m.inst.QtyScale, m.inst.Lot)
	if q <= row.FilledQty || !c.queueable() {
		return false
	}
	row.modReq, row.modPrice, row.modQty = true, p, q
	c.outbox = append(c.outbox, Intent{Kind: IntentModify,
		Order: risk.Order{ID: id, Instrument: m.idx, Side: row.Side, Price: p, Qty: q}})
	return true
}

// OrderModified records the venue's confirmation of order id's modify: the order now
// has its new price and quantity. It reports the quantity still open, and false when
// nothing is (the order had filled up to its new quantity, and the venue cancels the
// rest), in which case the order is removed.
func (m *Market) OrderModified(id uint64) (remaining int64, ok bool) {
	i := m.orders.find(id)
	if i < 0 {
		return 0, false
	}
	r := &m.orders.rows[i]
	if !r.modReq {
		return r.QtyFixed - r.FilledQty, true
	}
	r.PriceFixed, r.QtyFixed = r.modPrice, r.modQty
	r.Price, r.Qty = float64(r.modPrice)/m.priceUnit, float64(r.modQty)/m.qtyUnit
	r.modReq = false
	if r.FilledQty >= r.QtyFixed {
		m.orders.remove(i)
		return 0, false
	}
	return r.QtyFixed - r.FilledQty, true
}

// OrderModifyFailed records that risk or the venue refused order id's modify: it works
// on at its old terms, and may be modified again.
func (m *Market) OrderModifyFailed(id uint64) {
	if i := m.orders.find(id); i >= 0 {
		m.orders.rows[i].modReq = false
	}
}
