package exchange

// Kraken Spot WebSocket v2 GTD orders and amend_order, on the same books and
// balances as the rest of the local exchange.
//
// As Kraken documents them (docs.kraken.com: websocket-v2/add_order, amend_order;
// guides/spot-amends):
//   - add_order with "time_in_force":"gtd" must carry "expire_time" (RFC3339, e.g.
//     "2024-07-21T09:53:59.050Z"); the order rests like a GTC order until then and is
//     then expired: an executions update with exec_type and order_status "expired".
//     An expire_time that is missing, unreadable or not in the future is refused.
//   - amend_order names the order by order_id or cl_ord_id, requires order_qty (the
//     new total quantity, filled part included) and may give limit_price and
//     post_only. The order keeps its identifiers and its fills; an order_qty at or
//     below the filled quantity is accepted, the quantity set to what has filled and
//     the rest cancelled. With post_only, "the limit price change will be rejected if
//     the order cannot be posted passively in the book". The answer is
//     {"method":"amend_order","result":{"amend_id":..,"cl_ord_id":..},"success":true}
//     and an executions update with exec_type "amended".
//   - Queue priority "will be maintained where possible". Kraken does not spell the
//     cases out; the local exchange keeps an order's place for a lower quantity at
//     the same price and sends it to the back of its (new) price level for a new price
//     or a higher quantity, as price-time priority requires. A new price that crosses
//     the book trades at once, as a taker, unless post_only forbids it.
//
// Kraken's error strings where they are known ("EOrder:Unknown order", "EOrder:Post
// only order", "EOrder:Insufficient funds", "EOrder:Invalid price", "EOrder:Order
// minimum not met"); "EGeneral:Invalid arguments:..." with the local exchange's own
// words otherwise.

import (
	"slices"
	"strconv"
	"time"
)

// krakenExpiry parses add_order's expire_time, RFC3339 as Kraken documents it, and
// returns it in ms since the epoch.
func krakenExpiry(s string) (int64, bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return 0, false
	}
	return t.UnixMilli(), true
}

// expireKraken expires the GTD orders whose expire_time has come. Called with the
// exchange locked, from the exchange's tick and before every private request.
func (e *Exchange) expireKraken(nowMs int64) {
	k := e.krakenState
	if k == nil || len(k.gtd) == 0 {
		return
	}
	var due []*Order
	for o, at := range k.gtd {
		if !o.Status.Open() {
			delete(k.gtd, o)
			continue
		}
		if at <= nowMs {
			due = append(due, o)
		}
	}
	slices.SortFunc(due, func(a, b *Order) int { return compareUint(a.ID, b.ID) })
	for _, o := range due {
		delete(k.gtd, o)
		m, a := o.market, o.account
		if pp := e.paperFor(m); pp != nil {
			pp.cancel(o, m.nowMs())
		} else {
			m.book.Cancel(o.ID, m.nowMs())
		}
		a.release(m.inst, o)
		o.Status = StatusExpired
		e.report(a, o, report{exec: "EXPIRED", status: StatusExpired, cumQty: o.Filled, cumQuote: o.Quote})
		m.publish()
	}
}

func compareUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// findKraken returns the open order a request names by cl_ord_id or order_id, or
// Kraken's error string.
func (p *krakenPrivate) findKraken(q *krakenOrderReq) (*Order, string) {
	ids, byOrderID := clOrdIDs(q.Params.ClOrdID), false
	if len(ids) == 0 {
		ids, byOrderID = clOrdIDs(q.Params.OrderID), true
	}
	if len(ids) != 1 {
		return nil, "EGeneral:Invalid arguments:one order_id or cl_ord_id"
	}
	for _, m := range p.c.e.marketsOf(p.acct) {
		for _, o := range p.acct.openOrders(m) {
			if (!byOrderID && o.ClientID == ids[0]) || (byOrderID && krakenOrderID(o.ID) == ids[0]) {
				return o, ""
			}
		}
	}
	return nil, "EOrder:Unknown order"
}

// amendKraken runs amend_order. Called with the exchange locked.
func (p *krakenPrivate) amendKraken(req *krakenOrderReq, in time.Time) {
	e := p.c.e
	a := p.acct
	refuse := func(why string) { p.send(krakenAnswer(req.Method, req.ReqID, nil, why, in)) }
	o, why := p.findKraken(req)
	if why != "" {
		refuse(why)
		return
	}
	m := o.market
	if e.paperFor(m) != nil {
		refuse("EGeneral:Invalid arguments:amend_order is not served while replaying a recording")
		return
	}
	if req.Params.OrderQty == "" {
		refuse("EGeneral:Invalid arguments:order_qty is required")
		return
	}
	qty, err := wireScale.ParseString(req.Params.OrderQty.String())
	if err != nil || qty <= 0 || qty%m.inst.StepSize != 0 {
		refuse("EGeneral:Invalid arguments:order_qty")
		return
	}
	price := o.Price
	if req.Params.LimitPrice != "" {
		if price, err = wireScale.ParseString(req.Params.LimitPrice.String()); err != nil || price <= 0 {
			refuse("EOrder:Invalid price")
			return
		}
	}
	now := m.nowMs()
	if qty <= o.Filled {
		// Amending below the filled quantity: the order is done at what has filled,
		// the rest cancelled (guides/spot-amends, "Amending Below Fill Quantity").
		m.book.Cancel(o.ID, now)
		a.release(m.inst, o)
		o.Qty = o.Filled
		delete(e.kraken().gtd, o)
		p.amended(req, o, o.Status, in)
		e.report(a, o, report{exec: "CANCELED", status: StatusCanceled, cumQty: o.Filled, cumQuote: o.Quote})
		m.publish()
		return
	}
	if err := m.inst.check(price, qty); err != nil {
		refuse(krakenErrorText(err))
		return
	}
	if price == o.Price && qty == o.Qty {
		refuse("EGeneral:Invalid arguments:the amend changes nothing")
		return
	}
	crosses := price != o.Price && m.book.WouldTake(o.Side, price)
	if crosses && (req.Params.PostOnly || o.Type == LimitMaker) {
		refuse("EOrder:Post only order")
		return
	}
	// What the order will hold back, checked before anything changes.
	asset := m.inst.Quote
	if o.Side == Sell {
		asset = m.inst.Base
	}
	bal := a.bal(asset)
	need := reserve(o.Side, price, qty-o.Filled)
	if need > bal.free+o.locked {
		refuse("EOrder:Insufficient funds")
		return
	}
	bal.locked += need - o.locked
	bal.free -= need - o.locked
	o.locked = need
	if price == o.Price && qty < o.Qty {
		// Same price, less quantity: the order keeps its place in the queue.
		m.book.Amend(o.ID, qty, now)
		p.amended(req, o, o.Status, in)
		m.publish()
		return
	}
	// A new price or more quantity: the order leaves its queue and enters again at
	// the back, keeping its id, its fills and its time of creation; what crosses
	// trades at once.
	id, created, status := o.ID, o.Created, o.Status
	m.book.Cancel(id, now)
	o.Status = status
	o.Price, o.Qty = price, qty
	p.amended(req, o, status, in)
	fills, _ := m.book.Place(o, now)
	fills = slices.Clone(fills)
	delete(m.book.orders, o.ID)
	m.book.orderID-- // the id Place drew is given back
	o.ID, o.Created = id, created
	if o.Status.Open() {
		m.book.orders[id] = o
	}
	m.fills(fills)
	m.publish()
}

// amended answers a successful amend_order and sends its "amended" execution.
func (p *krakenPrivate) amended(req *krakenOrderReq, o *Order, status Status, in time.Time) {
	result := []byte(`{"amend_id":"A` + strconv.FormatUint(o.ID, 36) + `-` + strconv.FormatInt(o.market.nowMs(), 36) + `"`)
	if o.ClientID != "" && len(clOrdIDs(req.Params.ClOrdID)) == 1 {
		result = append(result, `,"cl_ord_id":`+strconv.Quote(o.ClientID)...)
	} else {
		result = append(result, `,"order_id":"`+krakenOrderID(o.ID)+`"`...)
	}
	p.send(krakenAnswer(req.Method, req.ReqID, append(result, '}'), "", in))
	p.c.e.report(p.acct, o, report{exec: "REPLACED", status: status, cumQty: o.Filled, cumQuote: o.Quote})
}
