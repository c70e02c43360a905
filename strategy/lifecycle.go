package strategy

// The methods in this file are the engine's side of the Context: it sets the clock and the
// last trade before a callback, takes the intents after it, and reports what became of
// each order. Strategies do not call them.

// Begin prepares the Context for a callback at engine time now, emptying the outbox.
func (c *Context) Begin(now int64) {
	c.now = now
	c.outbox = c.outbox[:0]
}

// SetEvent makes m the instrument of the event about to be handled (Event).
func (c *Context) SetEvent(m *Market) { c.event = m }

// SetTrade records the default instrument's last public trade.
func (c *Context) SetTrade(t *Trade) { c.Market.SetTrade(t) }

// SetTrade records the instrument's last public trade.
func (m *Market) SetTrade(t *Trade) {
	m.lastTrade = *t
	m.hasTrade = true
}

// Intents returns the orders and cancels issued since Begin. The slice is the Context's
// and valid until the next Begin.
func (c *Context) Intents() []Intent { return c.outbox }

// Err returns the misuse, if any, that the strategy must be halted for.
func (c *Context) Err() error { return c.err }

// OrderAccepted records that risk passed order id and it was handed to the venue.
func (m *Market) OrderAccepted(id uint64) { m.setStatus(id, Accepted) }

// OrderAcked records the venue's acknowledgement of order id.
func (m *Market) OrderAcked(id uint64) { m.setStatus(id, Acknowledged) }

// OrderGone removes order id from the open orders: rejected, cancelled or filled.
func (m *Market) OrderGone(id uint64) {
	if i := m.orders.find(id); i >= 0 {
		m.orders.remove(i)
	}
}

// OrderFilled adds a fill of qty (fixed-point) to order id and returns the quantity still
// open, removing the order once nothing is. It reports false for an order the strategy
// no longer holds open (a fill racing a cancel).
func (m *Market) OrderFilled(id uint64, qty int64) (remaining int64, ok bool) {
	i := m.orders.find(id)
	if i < 0 {
		return 0, false
	}
	r := &m.orders.rows[i]
	r.FilledQty += qty
	r.Filled = float64(r.FilledQty) / m.qtyUnit
	remaining = r.QtyFixed - r.FilledQty
	if r.modReq {
		// Until the venue answers a modify, the order may fill up to either quantity.
		remaining = max(r.QtyFixed, r.modQty) - r.FilledQty
	}
	if remaining <= 0 {
		m.orders.remove(i)
		return 0, true
	}
	return remaining, true
}

func (m *Market) setStatus(id uint64, s OrderStatus) {
	if i := m.orders.find(id); i >= 0 {
		m.orders.rows[i].Status = s
	}
}
