package exchange

// Bybit v5 order entry and private streams for the spot symbols, over the same
// accounts, matching engine and balances as the Binance WebSocket API.
//
// As Bybit documents them (github.com/bybit-exchange/docs at 072c197:
// v5/websocket/trade/guideline, v5/ws/connect, v5/websocket/private/order, execution):
//   - /v5/trade and /v5/private take {"op":"auth","args":[apiKey, expires, signature]}
//     with signature = hex(HMAC-SHA256(secret, "GET/realtime" + expires)) and expires a
//     Unix time in ms not yet past; /v5/trade answers {"retCode":0,"retMsg":"OK",
//     "op":"auth","connId":..} (10004 for a bad signature, 10001 for bad arguments),
//     /v5/private {"success":true,"ret_msg":"","op":"auth","conn_id":..};
//   - /v5/trade runs order.create (orderType Limit; timeInForce GTC, IOC, FOK or
//     PostOnly; orderLinkId) and order.cancel (by orderLinkId or orderId) for category
//     spot, answering {"reqId","retCode","retMsg","op","data":{"orderId",
//     "orderLinkId"},"retExtInfo":{},"header":{..},"connId"}; a refused order is retCode
//     10001 with the matching engine's reason as retMsg (Bybit has many codes; the
//     local exchange uses the one its guideline documents for bad arguments);
//   - /v5/private pushes, after {"op":"subscribe","args":["order","execution"]}, the
//     account's order updates (orderStatus New, PartiallyFilled, Filled, Cancelled,
//     PartiallyFilledCanceled) and its executions (execType Trade, execPrice, execQty,
//     execFee, feeCurrency, isMaker).
//
// Linear perpetuals (order entry with amend, position and wallet topics, funding) are
// in bybit_linear.go.

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// BybitTradeURL and BybitPrivateURL return the URLs of Bybit's order entry and
// private streams.
func (e *Exchange) BybitTradeURL() string   { return "ws://" + e.Addr() + "/v5/trade" }
func (e *Exchange) BybitPrivateURL() string { return "ws://" + e.Addr() + "/v5/private" }

func (e *Exchange) registerBybitTrade(mux *http.ServeMux) {
	mux.HandleFunc("/v5/trade", func(w http.ResponseWriter, r *http.Request) { e.serveBybitTrade(w, r, false) })
	mux.HandleFunc("/v5/private", func(w http.ResponseWriter, r *http.Request) { e.serveBybitTrade(w, r, true) })
}

// bybitPrivate is one authenticated connection, and on /v5/private its subscribed
// topics. The exchange's lock guards it.
type bybitPrivate struct {
	c       *conn
	private bool
	id      string
	acct    *Account
	// topics are the private topics subscribed: "order", "execution", "position",
	// "wallet", or a category's ("order.spot", "position.linear").
	topics map[string]bool
}

// wants reports whether the connection subscribed to topic for category's messages,
// by the all-in-one topic or the category's own.
func (p *bybitPrivate) wants(topic, category string) bool {
	return p.topics[topic] || p.topics[topic+"."+category]
}

func (e *Exchange) serveBybitTrade(w http.ResponseWriter, r *http.Request, private bool) {
	c := e.accept(w, r)
	if c == nil {
		return
	}
	e.mu.Lock()
	p := &bybitPrivate{c: c, private: private, id: "local-" + strconv.FormatUint(e.connSeq, 10)}
	c.bybitTrade = true
	e.mu.Unlock()
	c.serve(p.handle)
	e.mu.Lock()
	if e.bybitSubs != nil {
		delete(e.bybitSubs, p)
	}
	e.mu.Unlock()
}

type bybitRequest struct {
	ReqID  string            `json:"reqId"`
	ReqId2 string            `json:"req_id"`
	Header map[string]string `json:"header"`
	Op     string            `json:"op"`
	Args   json.RawMessage   `json:"args"`
}

// handle answers one request.
func (p *bybitPrivate) handle(msg []byte) {
	e := p.c.e
	var req bybitRequest
	if err := json.Unmarshal(msg, &req); err != nil {
		p.answer(req, 10001, "invalid request: "+err.Error(), nil)
		return
	}
	if req.ReqID == "" {
		req.ReqID = req.ReqId2
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	switch req.Op {
	case "ping":
		p.answer(bybitRequest{ReqID: req.ReqID, Op: "pong"}, 0, "OK", []byte(`["`+strconv.FormatInt(time.Now().UnixMilli(), 10)+`"]`))
	case "auth":
		p.auth(req)
	case "subscribe":
		if !p.private || p.acct == nil {
			p.answer(req, 10001, "subscribe needs an authenticated /v5/private connection", nil)
			return
		}
		var topics []string
		if err := json.Unmarshal(req.Args, &topics); err != nil {
			p.answer(req, 10001, "args: "+err.Error(), nil)
			return
		}
		for _, t := range topics {
			switch t {
			case "order", "order.spot", "order.linear", "execution", "execution.spot", "execution.linear",
				"position", "position.linear", "wallet":
			default:
				p.answer(req, 10001, "topic "+strconv.Quote(t)+" is not served by the local exchange", nil)
				return
			}
		}
		if p.topics == nil {
			p.topics = map[string]bool{}
		}
		for _, t := range topics {
			p.topics[t] = true
		}
		if e.bybitSubs == nil {
			e.bybitSubs = map[*bybitPrivate]bool{}
		}
		e.bybitSubs[p] = true
		p.answer(req, 0, "", nil)
	case "order.create", "order.cancel", "order.amend":
		if p.private || p.acct == nil {
			p.answer(req, 10001, req.Op+" needs an authenticated /v5/trade connection", nil)
			return
		}
		var args []linArgs
		if err := json.Unmarshal(req.Args, &args); err != nil || len(args) != 1 {
			p.answer(req, 10001, "args must hold one order", nil)
			return
		}
		switch cat := args[0].str("category"); {
		case cat == "linear" && req.Op == "order.create":
			p.linearCreate(req, args[0])
		case cat == "linear" && req.Op == "order.amend":
			p.linearAmend(req, args[0])
		case cat == "linear":
			p.linearCancel(req, args[0])
		case cat == "spot" && req.Op != "order.amend":
			p.order1(req)
		default:
			p.answer(req, 10404, "category "+strconv.Quote(cat)+" is not served by the local exchange for "+req.Op+" (spot create/cancel, linear create/amend/cancel)", nil)
		}
	default:
		p.answer(req, 10404, "op type is not found", nil)
	}
}

// auth checks the signature as Bybit does. Called with the exchange locked.
func (p *bybitPrivate) auth(req bybitRequest) {
	var args []json.RawMessage
	if err := json.Unmarshal(req.Args, &args); err != nil || len(args) != 3 {
		p.answer(req, 10001, "auth args must be [apiKey, expires, signature]", nil)
		return
	}
	var key, sig string
	var expires int64
	if json.Unmarshal(args[0], &key) != nil || json.Unmarshal(args[1], &expires) != nil || json.Unmarshal(args[2], &sig) != nil {
		p.answer(req, 10001, "auth args must be [apiKey, expires, signature]", nil)
		return
	}
	a := p.c.e.accounts[key]
	if a == nil || a.cfg.Secret == "" {
		p.answer(req, 10003, "API key is invalid.", nil)
		return
	}
	if expires <= time.Now().UnixMilli() {
		p.answer(req, 10001, "auth request expired", nil)
		return
	}
	m := hmac.New(sha256.New, []byte(a.cfg.Secret))
	m.Write([]byte("GET/realtime" + strconv.FormatInt(expires, 10)))
	if !hmac.Equal([]byte(hex.EncodeToString(m.Sum(nil))), []byte(sig)) {
		p.answer(req, 10004, "Invalid sign", nil)
		return
	}
	p.acct = a
	p.answer(req, 0, "OK", nil)
}

// order1 runs order.create or order.cancel through the exchange's own order entry.
// Called with the exchange locked.
func (p *bybitPrivate) order1(req bybitRequest) {
	e := p.c.e
	var args []map[string]any
	if err := json.Unmarshal(req.Args, &args); err != nil || len(args) != 1 {
		p.answer(req, 10001, "args must hold one order", nil)
		return
	}
	a := args[0]
	str := func(k string) string { s, _ := a[k].(string); return s }
	bp := params{"symbol": str("symbol")}
	link := str("orderLinkId")
	method := "order.cancel"
	if req.Op == "order.create" {
		method = "order.place"
		switch str("side") {
		case "Buy":
			bp["side"] = "BUY"
		case "Sell":
			bp["side"] = "SELL"
		default:
			p.answer(req, 10001, "side must be Buy or Sell", nil)
			return
		}
		if str("orderType") != "Limit" {
			p.answer(req, 10001, "the local exchange takes Limit orders only", nil)
			return
		}
		bp["type"] = "LIMIT"
		switch tif := str("timeInForce"); tif {
		case "", "GTC", "IOC", "FOK":
			if tif == "" {
				tif = "GTC"
			}
			bp["timeInForce"] = tif
		case "PostOnly":
			bp["type"] = "LIMIT_MAKER"
		default:
			p.answer(req, 10001, "timeInForce "+strconv.Quote(tif)+" is not served", nil)
			return
		}
		bp["price"], bp["quantity"] = str("price"), str("qty")
		if link != "" {
			bp["newClientOrderId"] = link
		}
	} else {
		switch {
		case link != "":
			bp["origClientOrderId"] = link
		case str("orderId") != "":
			bp["orderId"] = str("orderId")
		default:
			p.answer(req, 10001, "orderId or orderLinkId is required", nil)
			return
		}
	}
	res, after, aerr, _ := e.trade(p.acct, method, bp)
	if aerr != nil {
		p.answer(req, 10001, aerr.Msg, nil)
		return
	}
	var r struct {
		OrderID       uint64 `json:"orderId"`
		ClientOrderID string `json:"clientOrderId"`
	}
	json.Unmarshal(res, &r)
	data := []byte(`{"orderId":"` + strconv.FormatUint(r.OrderID, 10) + `","orderLinkId":` + strconv.Quote(r.ClientOrderID) + `}`)
	p.answer(req, 0, "OK", data)
	if after != nil {
		after()
	}
}

// answer sends an answer in /v5/trade's shape, or /v5/private's for auth and
// subscribe there.
func (p *bybitPrivate) answer(req bybitRequest, code int, msg string, data []byte) {
	w := &jw{}
	w.open()
	if p.private && (req.Op == "auth" || req.Op == "subscribe") {
		w.bool("success", code == 0).str("ret_msg", msg).str("op", req.Op).str("conn_id", p.id)
		if req.ReqID != "" {
			w.str("req_id", req.ReqID)
		}
	} else {
		if req.ReqID != "" {
			w.str("reqId", req.ReqID)
		}
		w.int("retCode", int64(code)).str("retMsg", msg).str("op", req.Op)
		if data != nil {
			w.raw("data", data)
		}
		if req.Op == "order.create" || req.Op == "order.cancel" || req.Op == "order.amend" {
			w.raw("retExtInfo", []byte("{}"))
			w.obj("header").str("Timenow", strconv.FormatInt(time.Now().UnixMilli(), 10)).close()
		}
		w.str("connId", p.id)
	}
	w.close()
	p.c.send(outMsg{data: w.b, at: time.Now()})
}

// bybitHeld is a trade report held back until its order's New has gone out.
type bybitHeld struct {
	a *Account
	o *Order
	r report
}

// bybitReport pushes an account's order event to its /v5/private subscribers: the
// order's state on "order" and, for a trade, the execution on "execution". Called
// with the exchange locked, from report. The fills of an order that takes liquidity
// as it arrives are settled before its New is reported; they are held and sent right
// after it, so that a client sees New, then the executions, then the cancel of an IOC
// order's rest, as Bybit sends them.
func (e *Exchange) bybitReport(a *Account, o *Order, r report) {
	if r.exec == "TRADE" && o.market != nil && o.market.fut == nil {
		e.recordSpotExec(a, o, r)
	}
	if e.holding && r.exec == "TRADE" {
		e.bybitHeld = append(e.bybitHeld, bybitHeld{a, o, r})
		return
	}
	e.bybitSend(a, o, r)
	if r.exec == "NEW" && len(e.bybitHeld) > 0 {
		held := e.bybitHeld
		e.bybitHeld = nil
		for _, h := range held {
			e.bybitSend(h.a, h.o, h.r)
		}
	}
}

// bybitSend sends one report to the account's subscribers.
func (e *Exchange) bybitSend(a *Account, o *Order, r report) {
	if e.linear != nil && e.linear.lose {
		return
	}
	for p := range e.bybitSubs {
		if p.acct != a {
			continue
		}
		m := o.market
		pd, qd := stepDecimals(m.inst.TickSize), stepDecimals(m.inst.StepSize)
		price := func(w *jw, k string, v int64) { w.str(k, string(pd.AppendFixed(nil, v/wireDiv(pd)))) }
		qty := func(w *jw, k string, v int64) { w.str(k, string(qd.AppendFixed(nil, v/wireDiv(qd)))) }
		side := "Buy"
		if o.Side == Sell {
			side = "Sell"
		}
		now := m.nowMs()
		if p.wants("order", "spot") {
			status := map[Status]string{StatusNew: "New", StatusPartiallyFilled: "PartiallyFilled", StatusFilled: "Filled"}[r.status]
			if r.status == StatusCanceled || r.status == StatusExpired {
				status = "Cancelled"
				if r.cumQty > 0 {
					status = "PartiallyFilledCanceled"
				}
			}
			tif := o.TIF.String()
			if o.Type == LimitMaker {
				tif = "PostOnly"
			}
			w := &jw{}
			w.open().str("topic", "order").str("id", strconv.FormatUint(o.ID, 10)+"-"+r.exec).int("creationTime", now)
			w.arr("data")
			w.elem().str("category", "spot").str("symbol", m.inst.Symbol).str("orderId", strconv.FormatUint(o.ID, 10)).str("orderLinkId", o.ClientID)
			w.str("side", side).str("orderType", "Limit")
			price(w, "price", o.Price)
			qty(w, "qty", o.Qty)
			w.str("orderStatus", status).str("rejectReason", "EC_NoError").str("timeInForce", tif)
			qty(w, "cumExecQty", r.cumQty)
			qty(w, "leavesQty", max(o.Qty-r.cumQty, 0))
			w.str("createdTime", strconv.FormatInt(o.Created, 10)).str("updatedTime", strconv.FormatInt(now, 10))
			w.close().endArr()
			w.close()
			p.c.send(outMsg{data: w.b, at: time.Now()})
		}
		if p.wants("execution", "spot") && r.exec == "TRADE" {
			w := &jw{}
			w.open().str("topic", "execution").str("id", strconv.FormatInt(r.tradeID, 10)).int("creationTime", now)
			w.arr("data")
			w.elem().str("category", "spot").str("symbol", m.inst.Symbol).str("orderId", strconv.FormatUint(o.ID, 10)).str("orderLinkId", o.ClientID)
			w.str("side", side).str("execId", strconv.FormatInt(r.tradeID, 10)).str("execType", "Trade")
			price(w, "execPrice", r.lastPrice)
			qty(w, "execQty", r.lastQty)
			fee, asset := r.commission, r.commissionAsset
			if asset == "" {
				asset = m.inst.Quote
			}
			w.str("execFee", string(wireScale.Append(nil, fee))).str("feeCurrency", asset)
			w.bool("isMaker", r.maker).str("execTime", strconv.FormatInt(now, 10))
			qty(w, "leavesQty", max(o.Qty-r.cumQty, 0))
			w.close().endArr()
			w.close()
			p.c.send(outMsg{data: w.b, at: time.Now()})
		}
	}
}
