package strategy

// OrderInfo is one of the strategy's open orders as the strategy sees it.
type OrderInfo struct {
	ID         uint64
	Side       Side
	Price, Qty float64 // as placed, after rounding
	Filled     float64
	PriceFixed int64
	QtyFixed   int64
	FilledQty  int64 // fixed-point filled quantity
	Status     OrderStatus
	cancelReq  bool
	// A modify sent and not answered: the new price and total quantity, fixed point.
	modReq           bool
	modPrice, modQty int64
}

// Modifying reports whether a modify of the order is waiting for the venue's answer.
func (o OrderInfo) Modifying() bool { return o.modReq }

// ModifyTerms returns the price and total quantity of the pending modify, fixed point.
func (o OrderInfo) ModifyTerms() (price, qty int64) { return o.modPrice, o.modQty }

// pendingNew marks an order placed during the current callback, not yet through risk.
const pendingNew OrderStatus = 0

// orderTable holds the open orders in placement order. It is a small slice scanned
// linearly: a strategy has a handful of open orders, and a scan of a few cache lines
// beats a map's hashing and never allocates.
type orderTable struct {
	rows []OrderInfo
}

func newOrderTable(capacity int) orderTable {
	return orderTable{rows: make([]OrderInfo, 0, capacity)}
}

func (t *orderTable) len() int                   { return len(t.rows) }
func (t *orderTable) at(i int) OrderInfo         { return t.rows[i] }
func (t *orderTable) cancelRequested(i int) bool { return t.rows[i].cancelReq }
func (t *orderTable) markCancel(i int)           { t.rows[i].cancelReq = true }

func (t *orderTable) find(id uint64) int {
	for i := range t.rows {
		if t.rows[i].ID == id {
			return i
		}
	}
	return -1
}

// add appends o. When the table is full the oldest rows are the ones that must stay (they
// may still fill), so a full table is a bookkeeping failure reported to the caller.
func (t *orderTable) add(o OrderInfo) bool {
	if len(t.rows) == cap(t.rows) {
		return false
	}
	t.rows = append(t.rows, o)
	return true
}

// remove deletes the row at i, keeping placement order.
func (t *orderTable) remove(i int) {
	copy(t.rows[i:], t.rows[i+1:])
	t.rows = t.rows[:len(t.rows)-1]
}
