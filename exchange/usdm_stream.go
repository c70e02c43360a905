package exchange

// The USD-M user data stream: listen keys and the events pushed on them.
//
// As the USDⓈ-M Futures documentation describes it (User Data Streams: "Start User
// Data Stream", "Keepalive User Data Stream", "Close User Data Stream", "Event: Order
// Update", "Event: Balance and Position Update", "Event: Margin Call", "Event: User
// Data Stream Expired"), with the field sets of the official SDK's typings
// (OrderTradeUpdate, AccountUpdate, MarginCall, ListenKeyExpired):
//   - POST /fapi/v1/listenKey starts a stream, or returns the account's live key and
//     extends it; PUT extends it; DELETE closes it; a key not kept alive expires after
//     its lifetime (60 minutes; USDMConfig.ListenKeyLifetime), its subscribers get
//     listenKeyExpired and nothing more;
//   - a listen key is a stream on Binance's routed /fstream/private path only
//     (usdm_route.go): /fstream/private/ws/<listenKey>, /fstream/private/stream?streams=
//     <key>, /fstream/private/ws?listenKey=<key>, or SUBSCRIBE on a connection of
//     /fstream/private (the SDK's);
//   - ORDER_TRADE_UPDATE on every new order, trade, cancel, expiry, amendment and
//     liquidation; ACCOUNT_UPDATE on every change of balance or position (reason ORDER
//     for fills, FUNDING_FEE for funding); MARGIN_CALL when the margin ratio passes
//     80%.

import (
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// listenKey is one user data stream.
type listenKey struct {
	key     string
	fa      *fAccount
	expires int64 // ns
}

// newListenKey starts the account's stream, or extends its live one, as POST
// /fapi/v1/listenKey does.
func (e *Exchange) newListenKey(fa *fAccount, now int64) *listenKey {
	u := e.usdm
	if k := fa.key; k != nil && u.keys[k.key] == k {
		k.expires = now + int64(u.cfg.ListenKeyLifetime)
		return k
	}
	const chars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	var b strings.Builder
	for range 64 {
		b.WriteByte(chars[u.rng.IntN(len(chars))])
	}
	k := &listenKey{key: b.String(), fa: fa, expires: now + int64(u.cfg.ListenKeyLifetime)}
	u.keysMu.Lock()
	u.keys[k.key] = k
	u.keysMu.Unlock()
	fa.key = k
	return k
}

// keepAlive extends the account's live key; false when it has none.
func (e *Exchange) keepAlive(fa *fAccount, now int64) (*listenKey, bool) {
	k := fa.key
	if k == nil || e.usdm.keys[k.key] != k {
		return nil, false
	}
	k.expires = now + int64(e.usdm.cfg.ListenKeyLifetime)
	return k, true
}

// closeKey invalidates the account's key.
func (e *Exchange) closeKey(fa *fAccount) bool {
	k := fa.key
	if k == nil || e.usdm.keys[k.key] != k {
		return false
	}
	e.usdm.keysMu.Lock()
	delete(e.usdm.keys, k.key)
	e.usdm.keysMu.Unlock()
	fa.key = nil
	return true
}

// expireKeys tells the subscribers of every key past its lifetime that it expired
// and forgets it. Called with e.mu held.
func (e *Exchange) expireKeys(now int64) {
	for s, k := range e.usdm.keys {
		if now < k.expires {
			continue
		}
		b := []byte(`{"e":"listenKeyExpired","E":`)
		b = strconv.AppendInt(b, now/1e6, 10)
		b = append(b, `,"listenKey":`...)
		b = strconv.AppendQuote(b, s)
		b = append(b, '}')
		e.publishFutures(s, b, false)
		e.usdm.keysMu.Lock()
		delete(e.usdm.keys, s)
		e.usdm.keysMu.Unlock()
		if k.fa.key == k {
			k.fa.key = nil
		}
	}
}

// listenKeyValid reports whether s is a live listen key, a stream a futures
// connection may subscribe to.
func (e *Exchange) listenKeyValid(s string) bool {
	if e.usdm == nil {
		return false
	}
	e.usdm.keysMu.RLock()
	defer e.usdm.keysMu.RUnlock()
	_, ok := e.usdm.keys[s]
	return ok
}

// userEvent sends an event on the account's user data stream, if it has one.
func (e *Exchange) userEvent(fa *fAccount, event []byte) {
	if e.usdm.lose {
		return
	}
	if k := fa.key; k != nil && e.usdm.keys[k.key] == k {
		e.publishFutures(k.key, event, false)
	}
}

// fEvent is one ORDER_TRADE_UPDATE's variable part.
type fEvent struct {
	exec       string // NEW, TRADE, CANCELED, EXPIRED, AMENDMENT, CALCULATED
	status     Status
	lastQty    int64
	lastPrice  int64
	cumQty     int64 // TRADE, CALCULATED: the order's filled quantity right after the trade
	cumQuote   int64 // and its quote amount
	tradeID    int64
	maker      bool
	commission decimal.Decimal
	charged    bool // commission is pushed ("will not push if no commission")
	realized   decimal.Decimal
	er         string
}

// statusName is Binance's name of an order status.
func statusName(s Status) string { return s.String() }

// orderUpdate pushes ORDER_TRADE_UPDATE for an order of the account.
func (e *Exchange) orderUpdate(fa *fAccount, fo *fOrder, ev fEvent, now int64) {
	if fa.key == nil {
		return
	}
	o, m := fo.o, fo.m
	// The order as it stood at the event: nothing filled at NEW, the trade's running
	// totals at a TRADE (the book has moved on by the time a later fill settles).
	cum, cumQuote := o.Filled, o.Quote
	switch ev.exec {
	case "NEW":
		cum, cumQuote = 0, 0
	case "TRADE", "CALCULATED":
		cum, cumQuote = ev.cumQty, ev.cumQuote
	}
	w := &jw{}
	w.open()
	w.str("e", "ORDER_TRADE_UPDATE").int("E", now).int("T", now)
	w.obj("o")
	w.str("s", m.inst.Symbol).str("c", o.ClientID).str("S", o.Side.String()).str("o", fo.typ()).str("f", fo.tif())
	w.raw("q", m.fqty(o.Qty)).raw("p", m.fprice(o.Price)).str("ap", avgPrice(cum, cumQuote)).str("sp", "0")
	w.str("x", ev.exec).str("X", statusName(ev.status)).uint("i", o.ID)
	if ev.exec == "AMENDMENT" && fo.modifyID != "" {
		w.str("M", fo.modifyID) // "only pushed for AMENDMENT events when a modifyId was provided"
	}
	w.raw("l", m.fqty(ev.lastQty)).raw("z", m.fqty(cum)).raw("L", m.fprice(ev.lastPrice))
	if ev.charged {
		w.str("N", usdmMarginAsset).str("n", ev.commission.String())
	}
	w.int("T", now).int("t", ev.tradeID)
	bids, asks := fa.sideNotional(m.inst.Symbol)
	w.str("b", bids.String()).str("a", asks.String())
	w.bool("m", ev.maker).bool("R", fo.reduceOnly).str("wt", "CONTRACT_PRICE").str("ot", fo.origType).str("ps", "BOTH")
	w.bool("cp", false).str("rp", ev.realized.String()).bool("pP", false).int("si", 0).int("ss", 0)
	w.str("V", "NONE").str("pm", "NONE").int("gtd", 0)
	er := ev.er
	if er == "" {
		er = "0"
	}
	w.str("er", er)
	w.close().close()
	e.userEvent(fa, w.b)
}

// avgPrice is an average fill price: the quote amount over the quantity, "0" before
// any fill.
func avgPrice(qty, quote int64) string {
	if qty == 0 {
		return "0"
	}
	return wireScale.Decimal(quote).DivRound(qtyDec(qty), 8).String()
}

// sideNotional returns the notional of the account's open orders on sym, bids and
// asks (ORDER_TRADE_UPDATE's "b" and "a").
func (fa *fAccount) sideNotional(sym string) (bids, asks decimal.Decimal) {
	for _, fo := range fa.sortedOrders(sym) {
		n := qtyDec(fo.o.Remaining()).Mul(wireScale.Decimal(fo.o.Price))
		if fo.o.Side == Buy {
			bids = bids.Add(n)
		} else {
			asks = asks.Add(n)
		}
	}
	return bids, asks
}

// fprice is a price as the perpetual prints it, quoted; "0" for none.
func (m *Market) fprice(p int64) []byte {
	if p == 0 {
		return []byte(`"0"`)
	}
	b := append([]byte{'"'}, m.fut.price(nil, p)...)
	return append(b, '"')
}

// fqty is a quantity as the perpetual prints it, quoted.
func (m *Market) fqty(q int64) []byte {
	b := append([]byte{'"'}, m.fut.qty(nil, q)...)
	return append(b, '"')
}

// money prints an amount of USDT as Binance prints balances, 8 decimals.
func money(d decimal.Decimal) string { return d.StringFixed(8) }

// accountUpdate pushes ACCOUNT_UPDATE for the account with reason (ORDER,
// FUNDING_FEE, ...): the USDT balance and, for ORDER, the position of sym; for
// FUNDING_FEE the balance only, and the position when it is isolated, as the event's
// documentation says. change is the balance change other than PnL and commission
// ("bc").
func (e *Exchange) accountUpdate(fa *fAccount, reason, sym string, change decimal.Decimal, now int64) {
	if fa.key == nil {
		return
	}
	w := &jw{}
	w.open()
	w.str("e", "ACCOUNT_UPDATE").int("E", now).int("T", now)
	w.obj("a")
	w.str("m", reason)
	w.arr("B")
	w.elem().str("a", usdmMarginAsset).str("wb", money(fa.wallet)).str("cw", money(fa.crossWallet())).str("bc", money(change)).close()
	w.endArr()
	w.arr("P")
	if p := fa.pos[sym]; p != nil && (reason != "FUNDING_FEE" || p.isolated) {
		e.appendPositionEvent(w.elem(), p)
		w.close()
	}
	w.endArr()
	if reason == "FUNDING_FEE" {
		w.str("S", sym)
	}
	w.close().close()
	e.userEvent(fa, w.b)
}

// appendPositionEvent appends an ACCOUNT_UPDATE position's fields.
func (e *Exchange) appendPositionEvent(w *jw, p *fPosition) {
	m := e.futures[p.sym]
	mt := "cross"
	if p.isolated {
		mt = "isolated"
	}
	w.str("s", p.sym).raw("pa", m.fsqty(p.amt)).str("ep", p.entry.StringFixed(8)).str("bep", e.breakeven(p).StringFixed(8))
	w.str("cr", money(p.realized)).str("up", money(e.unrealized(p))).str("mt", mt).str("iw", money(p.iw)).str("ps", "BOTH")
}

// fsqty prints a signed quantity as the perpetual prints it, quoted.
func (m *Market) fsqty(q int64) []byte {
	b := []byte{'"'}
	if q < 0 {
		b = append(b, '-')
		q = -q
	}
	b = m.fut.qty(b, q)
	return append(b, '"')
}

// breakeven is the entry price moved by the commission the position paid: the price
// at which closing it loses nothing.
func (e *Exchange) breakeven(p *fPosition) decimal.Decimal {
	if p.amt == 0 {
		return decimal.Zero
	}
	per := p.fees.Div(qtyDec(abs64(p.amt)))
	if p.amt > 0 {
		return p.entry.Add(per)
	}
	return p.entry.Sub(per)
}

// marginCall pushes MARGIN_CALL for the account's positions at risk.
func (e *Exchange) marginCall(fa *fAccount, ps []*fPosition, cross bool, now int64) {
	if fa.key == nil {
		return
	}
	w := &jw{}
	w.open()
	w.str("e", "MARGIN_CALL").int("E", now)
	if cross {
		w.str("cw", money(fa.crossWallet()))
	}
	w.arr("p")
	for _, p := range ps {
		m := e.futures[p.sym]
		mt := "CROSSED"
		if p.isolated {
			mt = "ISOLATED"
		}
		w.elem().str("s", p.sym).str("ps", "BOTH").raw("pa", m.fsqty(p.amt)).str("mt", mt).str("iw", money(p.iw))
		w.str("mp", money(e.markPrice(p.sym))).str("up", money(e.unrealized(p))).str("mm", money(e.maint(p))).close()
	}
	w.endArr()
	w.close()
	e.userEvent(fa, w.b)
}

// appendFOrder appends an order as the USD-M answers show it: kind "place"
// (order.place), "modify", "cancel" or "status" (order.status, openOrders). accepted
// shows the order as it was accepted (order.place's ACK answer): NEW, nothing filled.
func (e *Exchange) appendFOrder(dst []byte, fo *fOrder, kind string, accepted bool) []byte {
	o, m := fo.o, fo.m
	filled, quote, status := o.Filled, o.Quote, statusName(o.Status)
	if accepted {
		filled, quote, status = 0, 0, "NEW"
	}
	avg := avgPrice(filled, quote)
	w := &jw{b: dst}
	w.open()
	w.uint("orderId", o.ID).str("symbol", m.inst.Symbol)
	if kind == "modify" {
		w.str("pair", m.inst.Symbol)
		id := fo.modifyID
		if id == "" {
			id = "0"
		}
		w.raw("modifyId", []byte(id))
	}
	w.str("status", status).str("clientOrderId", o.ClientID).raw("price", m.fprice(o.Price)).str("avgPrice", avg)
	w.raw("origQty", m.fqty(o.Qty)).raw("executedQty", m.fqty(filled))
	if kind != "status" {
		w.raw("cumQty", m.fqty(filled))
	}
	w.str("cumQuote", money(wireScale.Decimal(quote)))
	w.str("timeInForce", fo.tif()).str("type", fo.typ()).bool("reduceOnly", fo.reduceOnly).bool("closePosition", false)
	w.str("side", o.Side.String()).str("positionSide", "BOTH").str("stopPrice", "0").str("workingType", "CONTRACT_PRICE")
	w.bool("priceProtect", false).str("origType", fo.origType).str("priceMatch", "NONE").str("selfTradePreventionMode", "NONE")
	w.int("goodTillDate", 0)
	if kind == "status" {
		w.int("time", o.Created)
	}
	w.int("updateTime", o.Updated)
	w.close()
	return w.b
}
