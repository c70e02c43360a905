package exchange

import (
	"bytes"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The WebSocket API (https://developers.binance.com/docs/binance-spot-api-docs/websocket-api):
// one JSON request {"id":..,"method":..,"params":{..}} per message, one
// response {"id":..,"status":..,"result"|"error":..} per request, and user
// data events {"subscriptionId":..,"event":{..}} on the same connection.

func (e *Exchange) handleWSAPI(w http.ResponseWriter, r *http.Request) {
	c := e.accept(w, r)
	if c == nil {
		return
	}
	c.serve(c.handleAPIRequest)
}

// params are a request's parameters as the text that was signed: strings
// unquoted, numbers and booleans as they were written.
type params map[string]string

// request is a decoded WebSocket API request.
type request struct {
	id     json.RawMessage // echoed back as it came; null if absent
	method string
	params params
}

// parseRequest decodes a request. It never panics: malformed JSON, a
// missing method or params that are not an object of scalars are errors.
func parseRequest(msg []byte) (request, *apiError) {
	var raw struct {
		ID     json.RawMessage            `json:"id"`
		Method string                     `json:"method"`
		Params map[string]json.RawMessage `json:"params"`
	}
	req := request{id: json.RawMessage("null")}
	if err := json.Unmarshal(msg, &raw); err != nil {
		return req, errMalformedReq
	}
	if len(raw.ID) > 0 && (raw.ID[0] == '"' || raw.ID[0] == '-' || raw.ID[0] >= '0' && raw.ID[0] <= '9') {
		req.id = raw.ID
	} else if len(raw.ID) > 0 && string(raw.ID) != "null" {
		return req, errIllegal("id")
	}
	if raw.Method == "" {
		return req, errMandatory("method")
	}
	req.method = raw.Method
	req.params = make(params, len(raw.Params))
	for k, v := range raw.Params {
		v = bytes.TrimSpace(v)
		switch {
		case len(v) == 0:
			return req, errIllegal(k)
		case v[0] == '"':
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return req, errIllegal(k)
			}
			req.params[k] = s
		case v[0] == '{' || v[0] == '[':
			return req, errIllegal(k)
		case string(v) == "null":
			// An explicit null is an absent parameter.
		default:
			req.params[k] = string(v)
		}
	}
	return req, nil
}

// SignaturePayload returns the payload a WebSocket API request is signed
// over: every parameter except signature, sorted by name, joined as
// name=value with '&'.
func SignaturePayload(p map[string]string) string {
	keys := make([]string, 0, len(p))
	for k := range p {
		if k != "signature" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(p[k])
	}
	return b.String()
}

// SignHMAC returns the hex HMAC-SHA256 of payload under secret, the
// signature of an HMAC-keyed request.
func SignHMAC(secret, payload string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(payload))
	return hex.EncodeToString(mac.Sum(nil))
}

// verify checks a signature over p for account a: a 64-digit hex string is an
// HMAC-SHA256 (compared without regard to case, as Binance does), anything
// else a base64 Ed25519 signature.
func (a *Account) verify(p params) bool {
	sig := p["signature"]
	payload := SignaturePayload(p)
	if a.cfg.Secret != "" && len(sig) == 64 {
		want := SignHMAC(a.cfg.Secret, payload)
		return hmac.Equal([]byte(strings.ToLower(sig)), []byte(want))
	}
	if a.cfg.Ed25519 != nil {
		raw, err := base64.StdEncoding.DecodeString(sig)
		return err == nil && ed25519.Verify(a.cfg.Ed25519, []byte(payload), raw)
	}
	return false
}

// checkTime applies Binance's timing security: the request is accepted if
// timestamp < serverTime + 1 s and serverTime - timestamp <= recvWindow.
func (e *Exchange) checkTime(p params) *apiError {
	ts, ok := p["timestamp"]
	if !ok {
		return errMandatory("timestamp")
	}
	t, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || t <= 0 {
		return errIllegal("timestamp")
	}
	server := e.cfg.Now().UnixMicro()
	if t < 1e14 { // milliseconds; Binance also accepts microseconds
		t *= 1000
	}
	window := int64(5_000_000)
	if rw, ok := p["recvWindow"]; ok {
		d, err := strconv.ParseFloat(rw, 64)
		if err != nil || d < 0 {
			return errIllegal("recvWindow")
		}
		if d > 60000 {
			return errRecvWindow
		}
		window = int64(d * 1000)
	}
	if !(t < server+1_000_000 && server-t <= window) {
		return errTimestamp
	}
	return nil
}

// auth authenticates a signed request: by its own apiKey and signature, or
// by the connection's session (session.logon) when it carries neither.
func (c *conn) auth(p params) (*Account, *apiError) {
	e := c.e
	key, hasKey := p["apiKey"]
	_, hasSig := p["signature"]
	if !hasSig && c.session != nil && (!hasKey || key == c.session.cfg.APIKey) {
		if err := e.checkTime(p); err != nil {
			return nil, err
		}
		return c.session, nil
	}
	if !hasKey {
		return nil, errMandatory("apiKey")
	}
	if key == "" || len(key) > 256 {
		return nil, errAPIKeyFormat
	}
	if !hasSig {
		return nil, errMandatory("signature")
	}
	a := e.accounts[key]
	if a == nil {
		return nil, errAPIKey
	}
	if err := e.checkTime(p); err != nil {
		return nil, err
	}
	if !a.verify(p) {
		return nil, errSignature
	}
	return a, nil
}

// handleAPIRequest answers one WebSocket API request.
func (c *conn) handleAPIRequest(msg []byte) {
	e := c.e
	req, perr := parseRequest(msg)
	e.mu.Lock()
	defer e.mu.Unlock()
	if perr != nil {
		c.respond(req.id, nil, perr)
		return
	}
	var result []byte
	var err *apiError
	after := func() {} // events to send after the response
	switch req.method {
	case "ping":
		result = []byte("{}")
	case "time":
		result = []byte(`{"serverTime":` + strconv.FormatInt(e.cfg.Now().UnixMilli(), 10) + `}`)
	case "session.logon":
		result, err = c.logon(req.params)
	case "session.status":
		result = c.sessionStatus()
	case "session.logout":
		c.session = nil
		result = c.sessionStatus()
	case "userDataStream.subscribe", "userDataStream.subscribe.signature":
		result, err = c.subscribe(req)
	case "userDataStream.unsubscribe":
		if c.session == nil && c.subID < 0 {
			err = errNoSession
			break
		}
		for _, a := range e.accounts {
			a.unsubscribe(c)
		}
		c.subID = -1
		result = []byte("{}")
	case "order.place", "order.cancel", "order.status", "openOrders.status", "openOrders.cancelAll", "account.status":
		var a *Account
		a, err = c.auth(req.params)
		if err != nil {
			break
		}
		result, after, err = e.trade(a, req.method, req.params)
	default:
		err = errUnknownMethod
	}
	c.respond(req.id, result, err)
	if after != nil {
		after()
	}
}

// respond queues the response to request id.
func (c *conn) respond(id json.RawMessage, result []byte, err *apiError) {
	w := &jw{}
	w.open()
	w.raw("id", id)
	if err != nil {
		w.int("status", int64(err.Status))
		w.key("error")
		w.b = err.appendJSON(w.b)
	} else {
		w.int("status", 200)
		w.raw("result", result)
	}
	w.close()
	c.send(outMsg{data: w.b, at: time.Now()})
}

func (c *conn) sessionStatus() []byte {
	w := &jw{}
	w.open()
	if c.session != nil {
		w.str("apiKey", c.session.cfg.APIKey)
	} else {
		w.raw("apiKey", []byte("null"))
	}
	now := c.e.cfg.Now().UnixMilli()
	w.int("serverTime", now).bool("returnRateLimits", false).bool("userDataStream", c.subID >= 0)
	return w.close().b
}

// logon authenticates the connection with an Ed25519-signed request, as
// session.logon does; Binance accepts no HMAC keys there.
func (c *conn) logon(p params) ([]byte, *apiError) {
	key, ok := p["apiKey"]
	if !ok {
		return nil, errMandatory("apiKey")
	}
	a := c.e.accounts[key]
	if a == nil {
		return nil, errAPIKey
	}
	if a.cfg.Ed25519 == nil {
		return nil, &apiError{400, -4056, "HMAC_SHA256 API key is not supported."}
	}
	if _, ok := p["signature"]; !ok {
		return nil, errMandatory("signature")
	}
	if err := c.e.checkTime(p); err != nil {
		return nil, err
	}
	sig := p["signature"]
	raw, err := base64.StdEncoding.DecodeString(sig)
	if err != nil || !ed25519.Verify(a.cfg.Ed25519, []byte(SignaturePayload(p)), raw) {
		return nil, errSignature
	}
	c.session = a
	return c.sessionStatus(), nil
}

// subscribe starts the user data stream of the session's account
// (userDataStream.subscribe) or of a signed request's
// (userDataStream.subscribe.signature).
func (c *conn) subscribe(req request) ([]byte, *apiError) {
	var a *Account
	if req.method == "userDataStream.subscribe" {
		if c.session == nil {
			return nil, errNoSession
		}
		a = c.session
	} else {
		var err *apiError
		if a, err = c.auth(req.params); err != nil {
			return nil, err
		}
	}
	if id, ok := a.subs[c]; ok {
		return []byte(`{"subscriptionId":` + strconv.Itoa(id) + `}`), nil
	}
	id := c.nextSub
	c.nextSub++
	a.subs[c] = id
	c.subID = id
	return []byte(`{"subscriptionId":` + strconv.Itoa(id) + `}`), nil
}

var clientIDPattern = regexp.MustCompile(`^[\.A-Z\:/a-z0-9_-]{1,36}$`)

// trade runs an account's request. The returned function sends the events
// the request caused; it runs after the response is queued.
func (e *Exchange) trade(a *Account, method string, p params) ([]byte, func(), *apiError) {
	if method == "account.status" {
		return e.accountStatus(a), nil, nil
	}
	if e.replay != nil {
		return nil, nil, errReplayNoTrading
	}
	var m *Market
	if sym, ok := p["symbol"]; ok {
		if m = e.markets[sym]; m == nil {
			return nil, nil, errInvalidSymbol
		}
		m.Step(time.Now().UnixNano())
	} else if method != "openOrders.status" {
		return nil, nil, errMandatory("symbol")
	}
	switch method {
	case "order.place":
		return e.place(a, m, p)
	case "order.cancel":
		o, err := a.find(m, p)
		if err != nil {
			return nil, nil, err
		}
		if !o.Status.Open() {
			return nil, nil, errUnknownOrder
		}
		cancelID := p["newClientOrderId"]
		if cancelID == "" {
			a.clientN++
			cancelID = "cancel-" + strconv.FormatUint(a.clientN, 10)
		}
		res, after := e.cancelOrder(a, o, cancelID)
		return res, after, nil
	case "order.status":
		o, err := a.find(m, p)
		if err != nil {
			return nil, nil, err
		}
		w := &jw{}
		appendOrder(w.open(), o)
		return w.close().b, nil, nil
	case "openOrders.status":
		w := &jw{b: []byte{'['}, first: true}
		for _, o := range a.openOrders(m) {
			w.elem()
			appendOrder(w, o)
			w.close()
		}
		return append(w.b, ']'), nil, nil
	case "openOrders.cancelAll":
		open := a.openOrders(m)
		if len(open) == 0 {
			return nil, nil, errUnknownOrder
		}
		b := []byte{'['}
		var afters []func()
		for i, o := range open {
			if i > 0 {
				b = append(b, ',')
			}
			a.clientN++
			res, after := e.cancelOrder(a, o, "cancel-"+strconv.FormatUint(a.clientN, 10))
			b = append(b, res...)
			afters = append(afters, after)
		}
		return append(b, ']'), func() {
			for _, f := range afters {
				f()
			}
		}, nil
	}
	return nil, nil, errUnknownMethod
}

// openOrders returns the account's open orders on m (all markets if m is
// nil), oldest first.
func (a *Account) openOrders(m *Market) []*Order {
	var out []*Order
	for _, o := range a.open {
		if m == nil || o.market == m {
			out = append(out, o)
		}
	}
	slices.SortFunc(out, func(x, y *Order) int {
		if x.ID < y.ID {
			return -1
		}
		return 1
	})
	return out
}

// find returns the order named by orderId or origClientOrderId on m.
func (a *Account) find(m *Market, p params) (*Order, *apiError) {
	var o *Order
	if s, ok := p["orderId"]; ok {
		id, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return nil, errIllegal("orderId")
		}
		o = a.orders[id]
	} else if s, ok := p["origClientOrderId"]; ok {
		o = a.byClient[s]
	} else {
		return nil, &apiError{400, -1102, "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!"}
	}
	if o == nil || o.market != m {
		return nil, errUnknownOrder
	}
	return o, nil
}

// place runs order.place.
func (e *Exchange) place(a *Account, m *Market, p params) ([]byte, func(), *apiError) {
	o := &Order{account: a, market: m, maker: -1}
	switch p["side"] {
	case "BUY":
		o.Side = Buy
	case "SELL":
		o.Side = Sell
	case "":
		return nil, nil, errMandatory("side")
	default:
		return nil, nil, errInvalidSide
	}
	switch p["type"] {
	case "LIMIT":
		o.Type = Limit
		switch p["timeInForce"] {
		case "GTC":
			o.TIF = GTC
		case "IOC":
			o.TIF = IOC
		case "":
			return nil, nil, errMandatory("timeInForce")
		case "FOK":
			return nil, nil, errUnsupported
		default:
			return nil, nil, errInvalidTIF
		}
	case "LIMIT_MAKER":
		o.Type, o.TIF = LimitMaker, GTC
		if _, ok := p["timeInForce"]; ok {
			return nil, nil, &apiError{400, -1106, "Parameter 'timeInForce' sent when not required."}
		}
	case "":
		return nil, nil, errMandatory("type")
	case "MARKET", "STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT":
		return nil, nil, errUnsupported
	default:
		return nil, nil, errInvalidType
	}
	for _, f := range []struct {
		name string
		dst  *int64
	}{{"price", &o.Price}, {"quantity", &o.Qty}} {
		s, ok := p[f.name]
		if !ok || s == "" {
			return nil, nil, errMandatory(f.name)
		}
		v, err := wireScale.ParseString(s)
		if err != nil || v < 0 {
			return nil, nil, errIllegal(f.name)
		}
		*f.dst = v
	}
	if err := m.inst.check(o.Price, o.Qty); err != nil {
		return nil, nil, err
	}
	respType := p["newOrderRespType"]
	switch respType {
	case "":
		respType = "FULL"
	case "ACK", "RESULT", "FULL":
	default:
		return nil, nil, errIllegal("newOrderRespType")
	}
	o.ClientID = p["newClientOrderId"]
	if o.ClientID == "" {
		a.clientN++
		o.ClientID = "nanotick-sim-" + strconv.FormatUint(a.clientN, 10)
	} else if !clientIDPattern.MatchString(o.ClientID) {
		return nil, nil, errIllegal("newClientOrderId")
	}
	if prev := a.byClient[o.ClientID]; prev != nil && prev.Status.Open() {
		return nil, nil, errDuplicate
	}
	if err := a.lock(m.inst, o); err != nil {
		return nil, nil, err
	}
	fills, err := m.book.Place(o, m.nowMs())
	if err != nil {
		a.release(m.inst, o)
		return nil, nil, errWouldTake
	}
	a.orders[o.ID] = o
	a.byClient[o.ClientID] = o
	if o.Status.Open() {
		a.open[o.ID] = o
	}
	// The response shows the order as it stands after matching; the events
	// replay how it got there: NEW, each TRADE, then EXPIRED for an IOC rest.
	w := &jw{}
	w.open()
	w.str("symbol", m.inst.Symbol).uint("orderId", o.ID).int("orderListId", -1).str("clientOrderId", o.ClientID).int("transactTime", o.Created)
	if respType != "ACK" {
		appendOrderState(w, o)
		w.int("workingTime", o.Created)
		if respType == "FULL" {
			w.arr("fills")
			commission := m.inst.Base
			if o.Side == Sell {
				commission = m.inst.Quote
			}
			for _, f := range fills {
				w.elem().dec("price", f.Price).dec("qty", f.Qty).dec("commission", 0).str("commissionAsset", commission).uint("tradeId", f.TradeID).close()
			}
			w.endArr()
		}
		w.str("selfTradePreventionMode", "NONE")
	}
	w.close()
	// The fills are the book's until its next call: copy them for later.
	fills = slices.Clone(fills)
	return w.b, func() {
		e.report(a, o, report{exec: "NEW", status: StatusNew})
		m.fills(fills)
		if o.Status == StatusExpired {
			a.release(m.inst, o)
			e.report(a, o, report{exec: "EXPIRED", status: StatusExpired, cumQty: o.Filled, cumQuote: o.Quote})
		}
		m.publish()
	}, nil
}

// cancelOrder cancels an open order and returns the order.cancel result.
func (e *Exchange) cancelOrder(a *Account, o *Order, cancelID string) ([]byte, func()) {
	m := o.market
	m.book.Cancel(o.ID, m.nowMs())
	a.release(m.inst, o)
	w := &jw{}
	w.open()
	w.str("symbol", m.inst.Symbol).str("origClientOrderId", o.ClientID).uint("orderId", o.ID).int("orderListId", -1).str("clientOrderId", cancelID).int("transactTime", m.nowMs())
	appendOrderState(w, o)
	w.str("selfTradePreventionMode", "NONE")
	w.close()
	return w.b, func() {
		e.report(a, o, report{exec: "CANCELED", status: StatusCanceled, cumQty: o.Filled, cumQuote: o.Quote, cancelID: cancelID})
		m.publish()
	}
}

// appendOrderState appends the fields every order answer shares.
func appendOrderState(w *jw, o *Order) {
	w.dec("price", o.Price).dec("origQty", o.Qty).dec("executedQty", o.Filled).dec("origQuoteOrderQty", 0).dec("cummulativeQuoteQty", o.Quote)
	w.str("status", o.Status.String()).str("timeInForce", o.TIF.String()).str("type", o.Type.String()).str("side", o.Side.String())
}

// appendOrder appends the order object of order.status and openOrders.status.
func appendOrder(w *jw, o *Order) {
	w.str("symbol", o.market.inst.Symbol).uint("orderId", o.ID).int("orderListId", -1).str("clientOrderId", o.ClientID)
	appendOrderState(w, o)
	w.dec("stopPrice", 0).dec("icebergQty", 0).int("time", o.Created).int("updateTime", o.Updated).bool("isWorking", true).int("workingTime", o.Created)
	w.str("selfTradePreventionMode", "NONE")
}

// accountStatus is account.status's result.
func (e *Exchange) accountStatus(a *Account) []byte {
	w := &jw{}
	w.open()
	w.int("makerCommission", 0).int("takerCommission", 0).int("buyerCommission", 0).int("sellerCommission", 0)
	w.bool("canTrade", true).bool("canWithdraw", false).bool("canDeposit", false)
	w.obj("commissionRates").dec("maker", 0).dec("taker", 0).dec("buyer", 0).dec("seller", 0).close()
	w.bool("brokered", false).bool("requireSelfTradePrevention", false).bool("preventSor", false)
	w.int("updateTime", a.updated).str("accountType", "SPOT")
	w.arr("balances")
	assets := make([]string, 0, len(a.balances))
	for asset := range a.balances {
		assets = append(assets, asset)
	}
	slices.Sort(assets)
	for _, asset := range assets {
		b := a.balances[asset]
		w.elem().str("asset", asset).dec("free", b.free).dec("locked", b.locked).close()
	}
	w.endArr()
	w.b = append(w.b, `,"permissions":["SPOT"],"uid":1}`...)
	return w.b
}
