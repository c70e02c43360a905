package exchange

// Kraken Spot WebSocket v2 order entry and the executions channel, over the same
// accounts, matching engine and balances as the Binance WebSocket API.
//
// As Kraken documents it (docs.kraken.com: guides/spot-rest-auth, api-reference
// GetWebSocketsToken; websocket-v2 add_order, amend_order, cancel_order, cancel_all,
// executions):
//   - POST /0/private/GetWebSocketsToken with headers API-Key and API-Sign =
//     base64(HMAC-SHA512(uri path + SHA256(nonce + POST data))) under the
//     base64-decoded private key (the account's Secret), and a nonce above the
//     account's last, answers {"error":[],"result":{"token":..,"expires":900}}; a bad
//     key, signature or nonce answers Kraken's "EAPI:Invalid key", "EAPI:Invalid
//     signature", "EAPI:Invalid nonce";
//   - on /kraken/v2-auth every request carries params.token; add_order (order_type
//     limit; time_in_force gtc, ioc or gtd with expire_time; post_only; cl_ord_id),
//     amend_order (order_qty, limit_price, post_only: kraken_amend.go), cancel_order
//     (order_id or cl_ord_id, lists), cancel_all and subscribe executions (snap_orders,
//     snap_trades: the open orders and the account's last 50 fills) are served
//     and answered {"method","req_id","result":{..},"success":true,"time_in","time_out"}
//     or {"error":"E...","method",..,"success":false};
//   - executions updates carry exec_type pending_new, new, trade (last_qty,
//     last_price, fees [{asset,qty}], liquidity_ind m or t, exec_id), filled, canceled
//     (reason), expired (an IOC's rest, a GTD order at its expire_time) and amended;
//     a post-only order that would take liquidity is accepted and then canceled with
//     reason "Post only order";
//   - every fill is kept in the account's trade history (the last krakenHistoryMax),
//     which the executions snapshot and POST /0/private/TradesHistory
//     (kraken_history.go) serve; the fill's exec_id is its trade id there.
//
// Not served, and refused with an error: other order types, and the sequence numbers
// Kraken adds to executions.

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

func (e *Exchange) registerKrakenTrade(mux *http.ServeMux) {
	mux.HandleFunc("/0/private/GetWebSocketsToken", e.handleKrakenToken)
	mux.HandleFunc("/0/private/TradesHistory", e.handleKrakenTradesHistory)
	mux.HandleFunc("/kraken/v2-auth", e.serveKrakenAuth)
}

// krakenState is the exchange's Kraken bookkeeping, guarded by the exchange's lock.
type krakenState struct {
	tokens map[string]*Account // WebSocket token → account
	nonces map[*Account]uint64 // the last nonce accepted
	subs   map[*krakenPrivate]bool
	execN  int64
	// gtd holds the expire_time (ms) of every open GTD order.
	gtd map[*Order]int64
	// history holds each account's fills, oldest first (kraken_history.go).
	history map[*Account]*krakenHistory
}

func krakenError(w http.ResponseWriter, msg string) {
	writeJSON(w, http.StatusOK, []byte(`{"error":[`+strconv.Quote(msg)+`]}`))
}

// handleKrakenToken serves GetWebSocketsToken, checking the signature as Kraken does.
func (e *Exchange) handleKrakenToken(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	a, _ := e.krakenPrivateREST(w, r)
	if a == nil {
		return
	}
	var raw [32]byte
	_, _ = rand.Read(raw[:])
	tok := base64.RawStdEncoding.EncodeToString(raw[:])
	e.kraken().tokens[tok] = a
	writeJSON(w, http.StatusOK, []byte(`{"error":[],"result":{"token":"`+tok+`","expires":900}}`))
}

// kraken returns the exchange's Kraken state. Called with the exchange locked.
func (e *Exchange) kraken() *krakenState {
	if e.krakenState == nil {
		e.krakenState = &krakenState{tokens: map[string]*Account{}, nonces: map[*Account]uint64{}, subs: map[*krakenPrivate]bool{},
			gtd: map[*Order]int64{}, history: map[*Account]*krakenHistory{}}
	}
	return e.krakenState
}

// krakenPrivate is one connection to the private endpoint.
type krakenPrivate struct {
	c    *conn
	acct *Account // set by the first request with a valid token
	exec bool     // subscribed to executions
}

func (e *Exchange) serveKrakenAuth(w http.ResponseWriter, r *http.Request) {
	c := e.accept(w, r)
	if c == nil {
		return
	}
	p := &krakenPrivate{c: c}
	stop := make(chan struct{})
	go p.heartbeat(stop)
	c.serve(p.handle)
	close(stop)
	e.mu.Lock()
	delete(e.kraken().subs, p)
	e.mu.Unlock()
}

// heartbeat sends {"channel":"heartbeat"} every second while subscribed, as Kraken does.
func (p *krakenPrivate) heartbeat(stop <-chan struct{}) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			p.c.e.mu.Lock()
			sub := p.exec
			p.c.e.mu.Unlock()
			if sub {
				p.c.send(outMsg{data: []byte(`{"channel":"heartbeat"}`), at: time.Now()})
			}
		}
	}
}

// krakenOrderReq is the params of the private requests.
type krakenOrderReq struct {
	Method string `json:"method"`
	Params struct {
		Token       string          `json:"token"`
		Channel     string          `json:"channel"`
		SnapOrders  *bool           `json:"snap_orders"`
		SnapTrades  *bool           `json:"snap_trades"`
		OrderType   string          `json:"order_type"`
		Side        string          `json:"side"`
		OrderQty    json.Number     `json:"order_qty"`
		LimitPrice  json.Number     `json:"limit_price"`
		TimeInForce string          `json:"time_in_force"`
		PostOnly    bool            `json:"post_only"`
		ExpireTime  string          `json:"expire_time"`
		ClOrdID     json.RawMessage `json:"cl_ord_id"` // a string, or a list on cancel_order
		OrderID     json.RawMessage `json:"order_id"`
		Symbol      string          `json:"symbol"`
	} `json:"params"`
	ReqID *uint64 `json:"req_id"`
}

// handle answers one private request.
func (p *krakenPrivate) handle(msg []byte) {
	e := p.c.e
	in := time.Now()
	var req krakenOrderReq
	d := json.NewDecoder(strings.NewReader(string(msg)))
	d.UseNumber()
	if err := d.Decode(&req); err != nil {
		p.send(krakenAnswer("", nil, nil, "EGeneral:Invalid arguments", in))
		return
	}
	if req.Method == "ping" {
		p.send(krakenAnswer("pong", req.ReqID, nil, "", in))
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.expireKraken(time.Now().UnixMilli())
	k := e.kraken()
	a := k.tokens[req.Params.Token]
	if a == nil || (p.acct != nil && p.acct != a) {
		p.send(krakenAnswer(req.Method, req.ReqID, nil, "EAccount:Invalid permissions", in))
		return
	}
	p.acct = a
	switch req.Method {
	case "subscribe":
		if req.Params.Channel != "executions" {
			p.send(krakenAnswer(req.Method, req.ReqID, nil, "EGeneral:Invalid arguments:channel "+strconv.Quote(req.Params.Channel)+" is not served on the private endpoint (executions)", in))
			return
		}
		k.subs[p] = true
		p.exec = true
		p.send(krakenAnswer(req.Method, req.ReqID, []byte(`{"channel":"executions","maxratecount":180,"snapshot":true}`), "", in))
		p.snapshot(req.Params.SnapOrders == nil || *req.Params.SnapOrders, req.Params.SnapTrades != nil && *req.Params.SnapTrades)
	case "unsubscribe":
		delete(k.subs, p)
		p.exec = false
		p.send(krakenAnswer(req.Method, req.ReqID, []byte(`{"channel":"executions"}`), "", in))
	case "add_order":
		p.add(&req, in)
	case "amend_order":
		p.amendKraken(&req, in)
	case "cancel_order":
		p.cancel(&req, in)
	case "cancel_all":
		n := 0
		var afters []func()
		for _, m := range e.marketsOf(a) {
			for _, o := range a.openOrders(m) {
				a.clientN++
				_, after := e.cancelOrder(a, o, "cancel-"+strconv.FormatUint(a.clientN, 10))
				afters = append(afters, after)
				n++
			}
		}
		p.send(krakenAnswer(req.Method, req.ReqID, []byte(`{"count":`+strconv.Itoa(n)+`}`), "", in))
		for _, f := range afters {
			f()
		}
	default:
		p.send(krakenAnswer(req.Method, req.ReqID, nil, "EGeneral:Invalid arguments:method "+strconv.Quote(req.Method)+" is not served by the local exchange", in))
	}
}

func (p *krakenPrivate) send(b []byte) { p.c.send(outMsg{data: b, at: time.Now()}) }

// marketsOf returns every market the exchange trades. Called with the exchange locked.
func (e *Exchange) marketsOf(a *Account) []*Market {
	seen := map[*Market]bool{}
	var out []*Market
	for _, m := range e.order {
		if !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
	}
	for _, m := range e.markets {
		if !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
	}
	return out
}

// snapshot sends the executions snapshot: the account's last 50 fills when trades is
// set (snap_trades), then its open orders when orders is (snap_orders). Called with
// the exchange locked.
func (p *krakenPrivate) snapshot(orders, trades bool) {
	e := p.c.e
	w := &jw{}
	w.open().str("channel", "executions").str("type", "snapshot").arr("data")
	if trades {
		if h := e.kraken().history[p.acct]; h != nil {
			for _, f := range h.last(krakenSnapTrades) {
				w.elem()
				f.appendExec(w)
				w.close()
			}
		}
	}
	if orders {
		for _, m := range e.marketsOf(p.acct) {
			for _, o := range p.acct.openOrders(m) {
				w.elem()
				e.krakenOrderFields(w, o, "new")
				w.close()
			}
		}
	}
	w.endArr().int("sequence", 1).close()
	p.send(w.b)
}

// krakenOrderFields writes the fields every executions entry of o carries. Called with
// the exchange locked.
func (e *Exchange) krakenOrderFields(w *jw, o *Order, status string) {
	m := o.market
	pd, qd := stepDecimals(m.inst.TickSize), stepDecimals(m.inst.StepSize)
	side := "buy"
	if o.Side == Sell {
		side = "sell"
	}
	tif := "gtc"
	if o.TIF.String() == "IOC" {
		tif = "ioc"
	}
	expire, gtd := e.kraken().gtd[o]
	if gtd {
		tif = "gtd"
	}
	w.str("order_id", krakenOrderID(o.ID)).str("symbol", KrakenSymbol(m.inst))
	if o.ClientID != "" {
		w.str("cl_ord_id", o.ClientID)
	}
	w.str("side", side).str("order_type", "limit")
	w.raw("order_qty", qd.AppendFixed(nil, o.Qty/wireDiv(qd)))
	w.raw("limit_price", pd.AppendFixed(nil, o.Price/wireDiv(pd)))
	w.str("time_in_force", tif)
	if gtd {
		w.str("expire_time", krakenTime(time.UnixMilli(expire)))
	}
	w.bool("post_only", o.Type == LimitMaker)
	w.str("order_status", status)
	w.raw("cum_qty", qd.AppendFixed(nil, o.Filled/wireDiv(qd)))
	w.str("timestamp", krakenTime(time.UnixMilli(m.nowMs())))
}

// krakenOrderID is the order's id in Kraken's shape (OXXXXX-XXXXX-XXXXXX).
func krakenOrderID(id uint64) string {
	s := strings.ToUpper(strconv.FormatUint(id, 36))
	s = strings.Repeat("0", max(0, 16-len(s))) + s
	return "O" + s[:5] + "-" + s[5:10] + "-" + s[10:]
}

// krakenErrorText maps the matching engine's refusals to Kraken's error strings.
func krakenErrorText(err *apiError) string {
	switch {
	case err == errBalance:
		return "EOrder:Insufficient funds"
	case err == errDuplicate:
		return "EOrder:Duplicate order"
	case err == errUnknownOrder || err == errNoSuchOrder:
		return "EOrder:Unknown order"
	case err.Msg == "Filter failure: LOT_SIZE":
		return "EOrder:Order minimum not met"
	case err.Msg == "Filter failure: NOTIONAL":
		return "EOrder:Cost minimum not met"
	case err.Msg == "Filter failure: PRICE_FILTER":
		return "EOrder:Invalid price"
	}
	return "EGeneral:Invalid arguments:" + err.Msg
}

// clOrdIDs reads cl_ord_id or order_id: a string or a list of strings.
func clOrdIDs(raw json.RawMessage) []string {
	if len(raw) == 0 {
		return nil
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}
	}
	var list []string
	_ = json.Unmarshal(raw, &list)
	return list
}

// add runs add_order. Called with the exchange locked.
func (p *krakenPrivate) add(req *krakenOrderReq, in time.Time) {
	e := p.c.e
	q := &req.Params
	refuse := func(why string) { p.send(krakenAnswer(req.Method, req.ReqID, nil, why, in)) }
	m := e.krakenMarket(q.Symbol)
	if m == nil {
		refuse("EGeneral:Invalid arguments:Invalid symbol")
		return
	}
	bp := params{"symbol": m.inst.Symbol}
	switch q.Side {
	case "buy":
		bp["side"] = "BUY"
	case "sell":
		bp["side"] = "SELL"
	default:
		refuse("EGeneral:Invalid arguments:side")
		return
	}
	if q.OrderType != "limit" {
		refuse("EGeneral:Invalid arguments:the local exchange takes order_type limit only")
		return
	}
	bp["type"] = "LIMIT"
	var expire int64
	switch q.TimeInForce {
	case "", "gtc":
		bp["timeInForce"] = "GTC"
	case "ioc":
		bp["timeInForce"] = "IOC"
	case "gtd":
		// A GTD order rests as a GTC one until its expire_time (expireKraken).
		var ok bool
		if expire, ok = krakenExpiry(q.ExpireTime); !ok || q.ExpireTime == "" {
			refuse("EGeneral:Invalid arguments:expire_time " + strconv.Quote(q.ExpireTime) + ": an RFC3339 time is required with time_in_force gtd")
			return
		}
		if expire <= m.nowMs() {
			refuse("EGeneral:Invalid arguments:expire_time " + strconv.Quote(q.ExpireTime) + " is not in the future")
			return
		}
		bp["timeInForce"] = "GTC"
	default:
		refuse("EGeneral:Invalid arguments:time_in_force " + strconv.Quote(q.TimeInForce) + ": want gtc, gtd or ioc")
		return
	}
	if expire == 0 && q.ExpireTime != "" {
		refuse("EGeneral:Invalid arguments:expire_time is for time_in_force gtd only")
		return
	}
	if q.PostOnly {
		if bp["timeInForce"] == "IOC" {
			refuse("EGeneral:Invalid arguments:post_only with ioc")
			return
		}
		bp["type"] = "LIMIT_MAKER"
		delete(bp, "timeInForce")
	}
	bp["price"], bp["quantity"] = q.LimitPrice.String(), q.OrderQty.String()
	ids := clOrdIDs(q.ClOrdID)
	if len(ids) > 1 {
		refuse("EGeneral:Invalid arguments:cl_ord_id")
		return
	}
	if len(ids) == 1 {
		if len(ids[0]) > 18 && len(ids[0]) != 32 && len(ids[0]) != 36 {
			refuse("EGeneral:Invalid arguments:cl_ord_id")
			return
		}
		bp["newClientOrderId"] = ids[0]
	}
	res, after, aerr, _ := e.trade(p.acct, "order.place", bp)
	if aerr == errWouldTake {
		// Kraken accepts a post-only order and cancels it when it would take.
		k := e.kraken()
		k.execN++
		oid := "OPOST0-" + strconv.FormatInt(k.execN, 10)
		result := []byte(`{"order_id":"` + oid + `"`)
		if len(ids) == 1 {
			result = append(result, `,"cl_ord_id":`+strconv.Quote(ids[0])...)
		}
		p.send(krakenAnswer(req.Method, req.ReqID, append(result, '}'), "", in))
		w := &jw{}
		w.open().str("channel", "executions").str("type", "update").arr("data")
		w.elem().str("order_id", oid).str("symbol", q.Symbol)
		if len(ids) == 1 {
			w.str("cl_ord_id", ids[0])
		}
		w.str("exec_type", "canceled").str("order_status", "canceled").raw("cum_qty", []byte("0")).
			str("reason", "Post only order").str("timestamp", krakenTime(time.Now())).close()
		w.endArr().close()
		for s := range e.kraken().subs {
			if s.acct == p.acct {
				s.send(w.b)
			}
		}
		return
	}
	if aerr != nil {
		refuse(krakenErrorText(aerr))
		return
	}
	var r struct {
		OrderID       uint64 `json:"orderId"`
		ClientOrderID string `json:"clientOrderId"`
	}
	_ = json.Unmarshal(res, &r)
	if o := p.acct.orders[r.OrderID]; expire > 0 && o != nil && o.Status.Open() {
		e.kraken().gtd[o] = expire
	}
	result := []byte(`{"order_id":"` + krakenOrderID(r.OrderID) + `"`)
	if len(ids) == 1 {
		result = append(result, `,"cl_ord_id":`+strconv.Quote(ids[0])...)
	}
	p.send(krakenAnswer(req.Method, req.ReqID, append(result, '}'), "", in))
	if after != nil {
		after()
	}
}

// target returns the one order a request names by cl_ord_id or order_id, in the
// Binance form e.trade takes.
func (p *krakenPrivate) target(q *krakenOrderReq) (*Market, params, string) {
	e := p.c.e
	ids, byOrderID := clOrdIDs(q.Params.ClOrdID), false
	if len(ids) == 0 {
		ids, byOrderID = clOrdIDs(q.Params.OrderID), true
	}
	if len(ids) != 1 {
		return nil, nil, "EGeneral:Invalid arguments:one order_id or cl_ord_id"
	}
	for _, m := range e.marketsOf(p.acct) {
		for _, o := range p.acct.openOrders(m) {
			if (!byOrderID && o.ClientID == ids[0]) || (byOrderID && krakenOrderID(o.ID) == ids[0]) {
				return m, params{"symbol": m.inst.Symbol, "orderId": strconv.FormatUint(o.ID, 10)}, ""
			}
		}
	}
	return nil, nil, "EOrder:Unknown order"
}

// cancel runs cancel_order. Called with the exchange locked.
func (p *krakenPrivate) cancel(req *krakenOrderReq, in time.Time) {
	_, bp, why := p.target(req)
	if why != "" {
		p.send(krakenAnswer(req.Method, req.ReqID, nil, why, in))
		return
	}
	_, after, aerr, _ := p.c.e.trade(p.acct, "order.cancel", bp)
	if aerr != nil {
		p.send(krakenAnswer(req.Method, req.ReqID, nil, krakenErrorText(aerr), in))
		return
	}
	result := []byte(`{"order_id":"`)
	id, _ := strconv.ParseUint(bp["orderId"], 10, 64)
	result = append(result, krakenOrderID(id)...)
	result = append(result, `"}`...)
	p.send(krakenAnswer(req.Method, req.ReqID, result, "", in))
	if after != nil {
		after()
	}
}

// krakenReport sends an account's order event to its executions subscribers. Called
// with the exchange locked, from report.
func (e *Exchange) krakenReport(a *Account, o *Order, r report) {
	k := e.krakenState
	if k == nil {
		return
	}
	// A Kraken account's fills go to its trade history whether or not a connection
	// listens: TradesHistory serves them to a client that was away.
	var fill *krakenFill
	if _, kraken := k.nonces[a]; kraken && r.exec == "TRADE" {
		fill = k.record(a, o, r)
	}
	if len(k.subs) == 0 {
		return
	}
	var exec, status string
	switch r.exec {
	case "NEW":
		exec, status = "new", "new"
	case "TRADE":
		exec, status = "trade", "partially_filled"
	case "CANCELED":
		exec, status = "canceled", "canceled"
	case "EXPIRED":
		exec, status = "expired", "expired"
	case "REPLACED":
		exec, status = "amended", "new"
	default:
		return
	}
	if r.status == StatusFilled && exec == "trade" {
		status = "filled"
	}
	m := o.market
	pd, qd := stepDecimals(m.inst.TickSize), stepDecimals(m.inst.StepSize)
	entries := [][]byte{}
	w := &jw{}
	w.open()
	e.krakenOrderFields(w, o, status)
	w.str("exec_type", exec)
	if exec == "trade" {
		if fill != nil {
			w.str("exec_id", fill.txid)
		}
		w.int("trade_id", r.tradeID)
		w.raw("last_qty", qd.AppendFixed(nil, r.lastQty/wireDiv(qd)))
		w.raw("last_price", pd.AppendFixed(nil, r.lastPrice/wireDiv(pd)))
		liq := "t"
		if r.maker {
			liq = "m"
		}
		w.str("liquidity_ind", liq)
		asset := r.commissionAsset
		if asset == "" {
			asset = m.inst.Quote
		}
		w.arr("fees").elem().str("asset", asset).raw("qty", wireScale.Append(nil, r.commission)).close().endArr()
	}
	if exec == "canceled" {
		w.str("reason", "User requested")
	}
	w.close()
	entries = append(entries, w.b)
	if exec == "trade" && r.status == StatusFilled {
		f := &jw{}
		f.open()
		e.krakenOrderFields(f, o, "filled")
		f.str("exec_type", "filled").close()
		entries = append(entries, f.b)
	}
	for p := range k.subs {
		if p.acct != a {
			continue
		}
		for _, ent := range entries {
			msg := append([]byte(`{"channel":"executions","type":"update","data":[`), ent...)
			p.send(append(msg, "]}"...))
		}
	}
}
