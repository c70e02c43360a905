package kraken

// Sink receives the venue's answers about orders, by the engine's order id: the
// engine's OnAck, OnFill, OnCancelled and OnRejected (the shape of gateway/binance's
// and gateway/bybit's Sink). Fees are in price units of the quote asset.
type Sink interface {
	OnAck(id uint64, now int64)
	OnFill(id uint64, price, qty, fee int64, maker bool, now int64)
	OnCancelled(id uint64, now int64)
	OnRejected(id uint64, reason string, now int64)
}

// orderState is where an order stands as far as the gateway knows.
type orderState uint8

const (
	stFree    orderState = iota
	stPending            // sent, not yet acknowledged
	stOpen               // acknowledged: resting or being filled
	stUnknown            // sent on a connection that ended before it was settled
)

// order is one live order in the table.
type order struct {
	id         uint64
	state      orderState
	price, qty int64
	filled     int64
	postOnly   bool
	rested     bool   // Kraken said "new": the order was live in the book
	modifying  bool   // a Modify awaits Kraken's answer
	sentAt     int64  // engine time of the add
	gen        uint64 // connection generation it was last confirmed on
	seen       bool   // listed open by the snapshot being read
	// The cancel wish stands until the order is final: a refused cancel is resent
	// after a capped backoff, at most maxAttempts times.
	wantCancel bool
	cancelling bool // a cancel_order is on its way
	attempts   int
	retryAt    int64
}

// table holds the live orders by id in a power-of-two ring of slots: an id's slot is
// id mod size, so that lookups, inserts and removals allocate nothing. An id whose slot
// is taken by another live order is refused (ErrTooManyOrders): with the engine's
// sequential ids that means size orders are live at once.
type table struct {
	slots []order
	mask  uint64
	live  int
}

func newTable(n int) *table {
	size := 1
	for size < n {
		size <<= 1
	}
	return &table{slots: make([]order, size), mask: uint64(size - 1)}
}

func (t *table) get(id uint64) *order {
	o := &t.slots[id&t.mask]
	if o.state == stFree || o.id != id {
		return nil
	}
	return o
}

// add returns a fresh slot for id, or nil when it is taken.
func (t *table) add(id uint64) *order {
	o := &t.slots[id&t.mask]
	if o.state != stFree {
		return nil
	}
	*o = order{id: id, state: stPending}
	t.live++
	return o
}

func (t *table) remove(o *order) {
	*o = order{}
	t.live--
}

// each calls f for every live order.
func (t *table) each(f func(o *order)) {
	for i := range t.slots {
		if t.slots[i].state != stFree {
			f(&t.slots[i])
		}
	}
}
