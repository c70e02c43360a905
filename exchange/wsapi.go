package exchange

import (
	"bytes"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nanotick/nanotick/fixed"
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
	// "returnRateLimits=false" in the URL hides rateLimits by default.
	c.returnRateLimits = r.URL.Query().Get("returnRateLimits") != "false"
	c.connectedSince = e.cfg.Now().UnixMilli()
	e.connMu.Lock()
	c.wsapi = true
	e.connMu.Unlock()
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

// tradingMethods are the methods of an account, signed or on a logged-on
// session.
var tradingMethods = map[string]bool{
	"order.place": true, "order.test": true, "order.cancel": true, "order.status": true,
	"order.cancelReplace": true, "order.amend.keepPriority": true,
	"openOrders.status": true, "openOrders.cancelAll": true,
	"account.status": true, "account.rateLimits.orders": true, "account.commission": true,
	"myTrades": true,
}

// handleAPIRequest answers one WebSocket API request: it charges its weight
// and order count against the rate limits, runs it, and sends the response
// with the rate limits it affected, and the execution reports it caused,
// in an order drawn from the connection's seeded random numbers when
// Config.ReportsFirstRate is set: Binance does not order them.
func (c *conn) handleAPIRequest(msg []byte) {
	e := c.e
	req, perr := parseRequest(msg)
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.cfg.Now().UnixMilli()
	rl := c.returnRateLimits
	if v, ok := req.params["returnRateLimits"]; ok {
		rl = v != "false"
	}
	if perr != nil {
		c.respond(req.id, nil, perr, nil, e.rateLimits(now, nil, rl))
		return
	}
	// "Request method names may be prefixed with explicit version: e.g.,
	// "v3/order.place"."
	method := strings.TrimPrefix(req.method, "v3/")
	var result []byte
	var err *apiError
	var data []byte
	var acct *Account
	orders := ordersAdded(method)
	after := func() {} // events to send with the response
	v := e.limits.admitWeight(now, methodWeight(method, req.params))
	if v.err == nil && e.cfg.Faults.RateLimitRate > 0 && c.rng.Float64() < e.cfg.Faults.RateLimitRate {
		v = e.limits.reject(now, now-now%minuteMs+minuteMs, &apiError{429, -1003, "Too much request weight used; current limit is " +
			strconv.Itoa(e.limits.cfg.WeightPerMinute) + " request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API."})
	}
	if v.err != nil {
		c.respond(req.id, nil, v.err, v.data.json(), e.rateLimits(now, nil, rl))
		if v.ban {
			// "Repeatedly violating rate limits ... will result in an
			// automated IP ban and you will be disconnected."
			c.closeAfterWrite()
		}
		return
	}
	switch {
	case method == "ping":
		result = []byte("{}")
	case method == "time":
		result = []byte(`{"serverTime":` + strconv.FormatInt(now, 10) + `}`)
	case method == "session.logon":
		result, err = c.logon(req.params)
	case method == "session.status":
		result = c.sessionStatus()
	case method == "session.logout":
		c.session = nil
		result = c.sessionStatus()
	case method == "userDataStream.subscribe" || method == "userDataStream.subscribe.signature":
		result, err = c.subscribe(request{id: req.id, method: method, params: req.params})
	case method == "userDataStream.unsubscribe":
		if c.session == nil && c.subID < 0 {
			err = errNoSession
			break
		}
		for _, a := range e.accounts {
			a.unsubscribe(c)
		}
		c.subID = -1
		result = []byte("{}")
	case tradingMethods[method]:
		acct, err = c.auth(req.params)
		if err != nil {
			break
		}
		if orders > 0 {
			if v := e.limits.admitOrders(now, &acct.oc, orders); v.err != nil {
				err, data = v.err, v.data.json()
				if v.ban {
					defer c.closeAfterWrite()
				}
				break
			}
		}
		result, after, err, data = e.trade(acct, method, req.params)
		if err == nil && orders > 0 {
			acct.oc.add(now, orders)
		}
	default:
		err = errUnknownMethod
	}
	if orders == 0 {
		acct = nil // the order limits are shown for order requests only
	}
	limits := e.rateLimits(now, acct, rl)
	if after == nil {
		after = func() {}
	}
	if e.cfg.ReportsFirstRate > 0 && c.rng.Float64() < e.cfg.ReportsFirstRate {
		after()
		c.respond(req.id, result, err, data, limits)
		return
	}
	c.respond(req.id, result, err, data, limits)
	after()
}

// rateLimits returns a response's rateLimits array, nil when the client
// asked for none.
func (e *Exchange) rateLimits(now int64, a *Account, show bool) []byte {
	if !show {
		return nil
	}
	var oc *orderCount
	if a != nil {
		oc = &a.oc
	}
	return e.limits.appendRateLimits(nil, now, oc, oc != nil)
}

// respond queues the response to request id.
func (c *conn) respond(id json.RawMessage, result []byte, err *apiError, data []byte, rateLimits []byte) {
	w := &jw{}
	w.open()
	w.raw("id", id)
	if err != nil {
		w.int("status", int64(err.Status))
		w.key("error")
		w.b = err.appendJSONData(w.b, data)
	} else {
		w.int("status", 200)
		w.raw("result", result)
	}
	if rateLimits != nil {
		w.raw("rateLimits", rateLimits)
	}
	w.close()
	c.send(outMsg{data: w.b, at: time.Now()})
}

// sessionStatus is session.status's result (web-socket-api.md, "Query
// session status"): apiKey and authorizedSince are null when the connection
// is not authenticated.
func (c *conn) sessionStatus() []byte {
	w := &jw{}
	w.open()
	if c.session != nil {
		w.str("apiKey", c.session.cfg.APIKey).int("authorizedSince", c.authorizedSince)
	} else {
		w.raw("apiKey", []byte("null")).raw("authorizedSince", []byte("null"))
	}
	now := c.e.cfg.Now().UnixMilli()
	w.int("connectedSince", c.connectedSince).bool("returnRateLimits", c.returnRateLimits)
	w.int("serverTime", now).bool("userDataStream", c.subID >= 0)
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
	c.authorizedSince = c.e.cfg.Now().UnixMilli()
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

// validClientID reports whether id is a client order id Binance accepts, matching its
// documented pattern ^[\.A-Z\:/a-z0-9_-]{1,36}$. It is a loop, not a regexp: a regexp
// compiled at package initialisation costs every nanotick command its compile before
// main, and this check runs on every order.
func validClientID(id string) bool {
	if len(id) == 0 || len(id) > 36 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !isAlnum(c) && c != '.' && c != ':' && c != '/' && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

// isAlnum reports whether c is an ASCII letter or digit.
func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// trade runs an account's request. The returned function sends the events
// the request caused; the caller runs it with the response (see
// handleAPIRequest). data is the error's data, if it has any.
func (e *Exchange) trade(a *Account, method string, p params) (result []byte, after func(), err *apiError, data []byte) {
	switch method {
	case "account.status":
		return e.accountStatus(a), nil, nil, nil
	case "account.rateLimits.orders":
		now := e.cfg.Now().UnixMilli()
		b := e.limits.appendRateLimits(nil, now, &a.oc, true)
		// The weight entry is the response's, not this result's.
		b = b[:bytes.LastIndex(b, []byte(`,{"rateLimitType":"REQUEST_WEIGHT"`))]
		return append(b, ']'), nil, nil, nil
	}
	if e.replay != nil && !e.replay.trading() {
		return nil, nil, errReplayNoTrading, nil
	}
	var m *Market
	if sym, ok := p["symbol"]; ok {
		if m = e.market(sym); m == nil {
			return nil, nil, errInvalidSymbol, nil
		}
		e.stepMarket(m)
	} else if method != "openOrders.status" {
		return nil, nil, errMandatory("symbol"), nil
	}
	switch method {
	case "account.commission":
		return e.commissionRates(m), nil, nil, nil
	case "myTrades":
		res, err := e.myTrades(a, m, p)
		return res, nil, err, nil
	case "order.place":
		res, after, err := e.place(a, m, p, "")
		return res, after, err, nil
	case "order.test":
		return e.testOrder(a, m, p)
	case "order.cancelReplace":
		return e.cancelReplace(a, m, p)
	case "order.amend.keepPriority":
		res, after, err := e.amend(a, m, p)
		return res, after, err, nil
	case "order.cancel":
		res, after, err := e.cancelReq(a, m, p, "")
		return res, after, err, nil
	case "order.status":
		o, err := a.find(m, p)
		if err == errUnknownOrder {
			err = errNoSuchOrder // order.status says -2013, order.cancel -2011
		}
		if err != nil {
			return nil, nil, err, nil
		}
		if lag := e.cfg.StatusLag; lag > 0 && m.nowMs()-o.Created < lag.Milliseconds() {
			// Binance may not know an order for a moment after placing it.
			return nil, nil, errNoSuchOrder, nil
		}
		w := &jw{}
		appendOrder(w.open(), o)
		return w.close().b, nil, nil, nil
	case "openOrders.status":
		w := &jw{b: []byte{'['}, first: true}
		for _, o := range a.openOrders(m) {
			w.elem()
			appendOrder(w, o)
			w.close()
		}
		return append(w.b, ']'), nil, nil, nil
	case "openOrders.cancelAll":
		open := a.openOrders(m)
		if len(open) == 0 {
			return nil, nil, errUnknownOrder, nil
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
		}, nil, nil
	}
	return nil, nil, errUnknownMethod, nil
}

// market returns the market of sym, nil if none is listed.
func (e *Exchange) market(sym string) *Market {
	if e.replay != nil {
		return e.replay.market(sym)
	}
	return e.markets[sym]
}

// stepMarket brings a synthetic market's clock to now before a request
// acts on it; a replayed market moves with its recording.
func (e *Exchange) stepMarket(m *Market) {
	if e.replay == nil {
		m.Step(time.Now().UnixNano())
	}
}

// cancelReq runs order.cancel; cancelID, if set, is the cancel's client order
// id (cancelReplace's cancelNewClientOrderId).
func (e *Exchange) cancelReq(a *Account, m *Market, p params, cancelID string) ([]byte, func(), *apiError) {
	o, err := a.find(m, p)
	if err != nil {
		return nil, nil, err
	}
	if !o.Status.Open() {
		return nil, nil, errUnknownOrder
	}
	if cancelID == "" {
		cancelID = p["newClientOrderId"]
	}
	if cancelID == "" {
		a.clientN++
		cancelID = "cancel-" + strconv.FormatUint(a.clientN, 10)
	}
	res, after := e.cancelOrder(a, o, cancelID)
	return res, after, nil
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

// decimalParam parses a decimal parameter at the wire scale: -1111 for more
// decimals than Binance's 8, -1100 for anything else that is not a
// non-negative decimal.
func decimalParam(p params, name string) (int64, bool, *apiError) {
	s, ok := p[name]
	if !ok || s == "" {
		return 0, false, nil
	}
	v, err := wireScale.ParseString(s)
	if errors.Is(err, fixed.ErrPrecision) {
		return 0, true, errPrecision(name)
	}
	if err != nil || v < 0 {
		return 0, true, errIllegal(name)
	}
	return v, true, nil
}

// newOrder validates order.place's parameters into an order, without
// placing it or touching balances. respType is the response type asked for
// or the type's default.
func (e *Exchange) newOrder(a *Account, m *Market, p params) (o *Order, respType string, err *apiError) {
	o = &Order{account: a, market: m, maker: -1, Step: m.inst.StepSize}
	switch p["side"] {
	case "BUY":
		o.Side = Buy
	case "SELL":
		o.Side = Sell
	case "":
		return nil, "", errMandatory("side")
	default:
		return nil, "", errInvalidSide
	}
	tif := func() *apiError {
		switch p["timeInForce"] {
		case "GTC":
			o.TIF = GTC
		case "IOC":
			o.TIF = IOC
		case "FOK":
			o.TIF = FOK
		case "":
			return errMandatory("timeInForce")
		default:
			return errInvalidTIF
		}
		return nil
	}
	price, hasPrice, perr := decimalParam(p, "price")
	if perr != nil {
		return nil, "", perr
	}
	qty, hasQty, perr := decimalParam(p, "quantity")
	if perr != nil {
		return nil, "", perr
	}
	quoteQty, hasQuote, perr := decimalParam(p, "quoteOrderQty")
	if perr != nil {
		return nil, "", perr
	}
	// "MARKET and LIMIT orders use FULL by default, other order types
	// default to ACK."
	respType = "FULL"
	switch p["type"] {
	case "LIMIT":
		o.Type = Limit
		if err := tif(); err != nil {
			return nil, "", err
		}
	case "LIMIT_MAKER":
		o.Type, o.TIF, respType = LimitMaker, GTC, "ACK"
		if _, ok := p["timeInForce"]; ok {
			return nil, "", &apiError{400, -1106, "Parameter 'timeInForce' sent when not required."}
		}
	case "MARKET":
		o.Type, o.TIF = MarketOrder, IOC
		if hasPrice {
			return nil, "", &apiError{400, -1106, "Parameter 'price' sent when not required."}
		}
		switch {
		case hasQty && hasQuote:
			return nil, "", &apiError{400, -1102, "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!"}
		case !hasQty && !hasQuote:
			return nil, "", &apiError{400, -1102, "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!"}
		}
	case "":
		return nil, "", errMandatory("type")
	case "STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT":
		return nil, "", errUnsupported
	default:
		return nil, "", errInvalidType
	}
	if o.Type != MarketOrder {
		if !hasPrice {
			return nil, "", errMandatory("price")
		}
		if !hasQty {
			return nil, "", errMandatory("quantity")
		}
		if err := m.inst.check(price, qty); err != nil {
			return nil, "", err
		}
		o.Price, o.Qty = price, qty
	} else if hasQty {
		if err := m.inst.checkQty(qty); err != nil {
			return nil, "", err
		}
		o.Qty = qty
	} else {
		if quoteQty <= 0 {
			return nil, "", errIllegal("quoteOrderQty")
		}
		o.QuoteQty, o.Qty = quoteQty, m.inst.MaxQty
	}
	switch rt := p["newOrderRespType"]; rt {
	case "":
	case "ACK", "RESULT", "FULL":
		respType = rt
	default:
		return nil, "", errIllegal("newOrderRespType")
	}
	o.ClientID = p["newClientOrderId"]
	if o.ClientID != "" && !validClientID(o.ClientID) {
		return nil, "", errIllegal("newClientOrderId")
	}
	if prev := a.byClient[o.ClientID]; o.ClientID != "" && prev != nil && prev.Status.Open() {
		return nil, "", errDuplicate
	}
	return o, respType, nil
}

// place runs order.place; clientID, if set, overrides newClientOrderId
// (not used by order.place itself).
func (e *Exchange) place(a *Account, m *Market, p params, _ string) ([]byte, func(), *apiError) {
	o, respType, err := e.newOrder(a, m, p)
	if err != nil {
		return nil, nil, err
	}
	if o.ClientID == "" {
		a.clientN++
		o.ClientID = "nanotick-sim-" + strconv.FormatUint(a.clientN, 10)
	}
	pp := e.paperFor(m)
	if o.Type == MarketOrder && pp == nil {
		if _, got := m.book.Cost(o.Side, 1); got == 0 {
			return nil, nil, &apiError{400, -2010, "Market is closed."}
		}
	}
	if err := a.lockFor(m, o); err != nil {
		return nil, nil, err
	}
	var fills []Fill
	var berr error
	if pp != nil {
		fills, berr = pp.place(o, m.nowMs())
	} else {
		fills, berr = m.book.Place(o, m.nowMs())
	}
	if berr != nil {
		a.release(m.inst, o)
		if errors.Is(berr, errNoMarket) {
			return nil, nil, &apiError{400, -1020, "This operation is not supported: the replay has no market yet."}
		}
		return nil, nil, errWouldTake
	}
	a.orders[o.ID] = o
	a.byClient[o.ClientID] = o
	if o.Status.Open() {
		a.open[o.ID] = o
	}
	// The fills settle now, so that the response shows their commission;
	// their reports are held to be sent after the NEW one.
	done := e.hold()
	fills = slices.Clone(fills) // the book's until its next call
	m.fills(fills)
	sendTrades := done()
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
			for _, f := range fills {
				w.elem().dec("price", f.Price).dec("qty", f.Qty)
				if f.TakerCommissionAsset != "" {
					w.dec("commission", f.TakerCommission).str("commissionAsset", f.TakerCommissionAsset)
				} else {
					asset := m.inst.Base
					if o.Side == Sell {
						asset = m.inst.Quote
					}
					w.dec("commission", 0).str("commissionAsset", asset)
				}
				w.uint("tradeId", f.TradeID).close()
			}
			w.endArr()
		}
		w.str("selfTradePreventionMode", "NONE")
	}
	w.close()
	return w.b, func() {
		e.report(a, o, report{exec: "NEW", status: StatusNew})
		sendTrades()
		if o.Status == StatusExpired {
			e.report(a, o, report{exec: "EXPIRED", status: StatusExpired, cumQty: o.Filled, cumQuote: o.Quote})
		}
		if !o.Status.Open() {
			a.release(m.inst, o) // what a market or IOC order held beyond its fills
		}
		m.publish()
	}, nil
}

// lockFor holds back the funds of a new order: a limit order's as lock
// does, a market buy's as the quote it may spend at most (its quoteOrderQty,
// or what its quantity costs on the book now, all the free quote if the
// book cannot fill it).
func (a *Account) lockFor(m *Market, o *Order) *apiError {
	if o.Type != MarketOrder {
		return a.lock(m.inst, o)
	}
	asset, need := m.inst.Base, o.Qty
	if o.Side == Sell && o.QuoteQty > 0 {
		// A quote-sized sell can sell at most what the book's bids take for
		// its quote amount: hold the whole free base and release the rest.
		need = a.bal(asset).free
	}
	if o.Side == Buy {
		asset = m.inst.Quote
		if o.QuoteQty > 0 {
			need = o.QuoteQty
		} else if cost, got := m.book.Cost(Buy, o.Qty); got == o.Qty {
			need = cost
		} else {
			need = a.bal(asset).free
		}
	}
	b := a.bal(asset)
	if need <= 0 || b.free < need {
		return errBalance
	}
	b.free -= need
	b.locked += need
	o.locked = need
	return nil
}

// testOrder runs order.test: the order is validated as order.place would,
// and not placed. With computeCommissionRates it answers the rates the order
// would pay (web-socket-api.md, "Test new order").
func (e *Exchange) testOrder(a *Account, m *Market, p params) ([]byte, func(), *apiError, []byte) {
	if _, _, err := e.newOrder(a, m, p); err != nil {
		return nil, nil, err, nil
	}
	if p["computeCommissionRates"] != "true" {
		return []byte("{}"), nil, nil, nil
	}
	w := &jw{}
	w.open()
	w.obj("standardCommissionForOrder").dec("maker", e.comm.maker).dec("taker", e.comm.taker).close()
	w.obj("taxCommissionForOrder").dec("maker", 0).dec("taker", 0).close()
	e.appendDiscount(w)
	return w.close().b, nil, nil, nil
}

func (e *Exchange) appendDiscount(w *jw) {
	w.obj("discount").bool("enabledForAccount", e.comm.bnb).bool("enabledForSymbol", e.comm.bnb).str("discountAsset", "BNB")
	factor := int64(wireUnit)
	if e.comm.bnb {
		factor = e.comm.bnbFactor
	}
	w.dec("discount", factor).close()
}

// commissionRates is account.commission's result.
func (e *Exchange) commissionRates(m *Market) []byte {
	w := &jw{}
	w.open()
	w.str("symbol", m.inst.Symbol)
	w.obj("standardCommission").dec("maker", e.comm.maker).dec("taker", e.comm.taker).dec("buyer", 0).dec("seller", 0).close()
	w.obj("taxCommission").dec("maker", 0).dec("taker", 0).dec("buyer", 0).dec("seller", 0).close()
	e.appendDiscount(w)
	return w.close().b
}

// cancelReplace runs order.cancelReplace: cancel an order, then place a new
// one, in the mode asked (STOP_ON_FAILURE places nothing if the cancel
// fails; ALLOW_FAILURE tries both). A failure of either answers 400 (-2022,
// nothing done) or 409 (-2021, one done) with both outcomes as the error's
// data (web-socket-api.md, "Cancel and replace order").
func (e *Exchange) cancelReplace(a *Account, m *Market, p params) ([]byte, func(), *apiError, []byte) {
	mode := p["cancelReplaceMode"]
	switch mode {
	case "STOP_ON_FAILURE", "ALLOW_FAILURE":
	case "":
		return nil, nil, errMandatory("cancelReplaceMode"), nil
	default:
		return nil, nil, errIllegal("cancelReplaceMode"), nil
	}
	cp := params{}
	if v, ok := p["cancelOrderId"]; ok {
		cp["orderId"] = v
	}
	if v, ok := p["cancelOrigClientOrderId"]; ok {
		cp["origClientOrderId"] = v
	}
	if len(cp) == 0 {
		return nil, nil, &apiError{400, -1102, "Param 'cancelOrigClientOrderId' or 'cancelOrderId' must be sent, but both were empty/null!"}, nil
	}
	// The new order is validated first: a request that could never place
	// it is refused whole, as any malformed request is.
	if _, _, err := e.newOrder(a, m, p); err != nil && err.Code != errDuplicate.Code {
		return nil, nil, err, nil
	}
	cres, cafter, cerr := e.cancelReq(a, m, cp, p["cancelNewClientOrderId"])
	var nres []byte
	var nafter func()
	var nerr *apiError
	attempted := cerr == nil || mode == "ALLOW_FAILURE"
	if attempted {
		nres, nafter, nerr = e.place(a, m, p, "")
	}
	after := func() {
		if cafter != nil {
			cafter()
		}
		if nafter != nil {
			nafter()
		}
	}
	result := func(ok bool) string {
		if ok {
			return "SUCCESS"
		}
		return "FAILURE"
	}
	w := &jw{}
	w.open()
	w.str("cancelResult", result(cerr == nil))
	if attempted {
		w.str("newOrderResult", result(nerr == nil))
	} else {
		w.str("newOrderResult", "NOT_ATTEMPTED")
	}
	if cerr == nil {
		w.raw("cancelResponse", cres)
	} else {
		w.raw("cancelResponse", cerr.appendJSON(nil))
	}
	switch {
	case !attempted:
		w.raw("newOrderResponse", []byte("null"))
	case nerr == nil:
		w.raw("newOrderResponse", nres)
	default:
		w.raw("newOrderResponse", nerr.appendJSON(nil))
	}
	w.close()
	switch {
	case cerr == nil && nerr == nil:
		return w.b, after, nil, nil
	case cerr != nil && (nerr != nil || !attempted):
		return nil, after, &apiError{400, -2022, "Order cancel-replace failed."}, w.b
	default:
		return nil, after, &apiError{409, -2021, "Order cancel-replace partially failed."}, w.b
	}
}

// amend runs order.amend.keepPriority: an open order's quantity is lowered
// in place, keeping its time priority, and it takes a new client order id
// (faqs/order_amend_keep_priority.md). Its report is "x": "REPLACED".
func (e *Exchange) amend(a *Account, m *Market, p params) ([]byte, func(), *apiError) {
	o, err := a.find(m, p)
	if err != nil {
		return nil, nil, err
	}
	qty, ok, perr := decimalParam(p, "newQty")
	if perr != nil {
		return nil, nil, perr
	}
	if !ok {
		return nil, nil, errMandatory("newQty")
	}
	// The messages of errors.md, "Messages for ... -2038 ORDER_AMEND_REJECTED".
	switch {
	case !o.Status.Open():
		return nil, nil, &apiError{400, -2038, "Unknown order sent."}
	case qty == o.Qty:
		return nil, nil, &apiError{400, -2038, "The requested action would change no state; rejecting"}
	case qty <= 0 || qty > o.Qty:
		return nil, nil, &apiError{400, -2038, "Order amend (quantity increase) is not supported."}
	}
	if err := m.inst.check(o.Price, qty); err != nil {
		return nil, nil, err
	}
	if qty <= o.Filled {
		return nil, nil, &apiError{400, -2038, "Order amend rejected: newQty must be greater than the executed quantity."}
	}
	newID := p["newClientOrderId"]
	if newID == "" {
		a.clientN++
		newID = "amend-" + strconv.FormatUint(a.clientN, 10)
	} else if !validClientID(newID) {
		return nil, nil, errIllegal("newClientOrderId")
	}
	if e.paperFor(m) != nil {
		return nil, nil, errUnsupported // the backtester's queue model has no amend
	}
	if _, ok := m.book.Amend(o.ID, qty, m.nowMs()); !ok {
		return nil, nil, &apiError{400, -2038, "Order amend rejected."}
	}
	// What the order no longer needs is released.
	if o.Side == Buy {
		keep := reserve(Buy, o.Price, o.Qty-o.Filled)
		b := a.bal(m.inst.Quote)
		b.locked -= o.locked - keep
		b.free += o.locked - keep
		o.locked = keep
	} else {
		keep := o.Qty - o.Filled
		b := a.bal(m.inst.Base)
		b.locked -= o.locked - keep
		b.free += o.locked - keep
		o.locked = keep
	}
	orig := o.ClientID
	delete(a.byClient, orig)
	o.ClientID = newID
	a.byClient[newID] = o
	e.execID++
	w := &jw{}
	w.open()
	w.int("transactTime", m.nowMs()).int("executionId", e.execID)
	w.obj("amendedOrder")
	w.str("symbol", m.inst.Symbol).uint("orderId", o.ID).int("orderListId", -1).str("origClientOrderId", orig).str("clientOrderId", newID)
	w.dec("price", o.Price).dec("qty", o.Qty).dec("executedQty", o.Filled).dec("preventedQty", 0).dec("quoteOrderQty", 0).dec("cumulativeQuoteQty", o.Quote)
	w.str("status", o.Status.String()).str("timeInForce", o.TIF.String()).str("type", o.Type.String()).str("side", o.Side.String())
	w.int("workingTime", o.Created).str("selfTradePreventionMode", "NONE")
	w.close()
	w.close()
	return w.b, func() {
		e.report(a, o, report{exec: "REPLACED", status: o.Status, cumQty: o.Filled, cumQuote: o.Quote, origID: orig})
		m.publish()
	}, nil
}

// cancelOrder cancels an open order and returns the order.cancel result.
func (e *Exchange) cancelOrder(a *Account, o *Order, cancelID string) ([]byte, func()) {
	m := o.market
	if pp := e.paperFor(m); pp != nil {
		pp.cancel(o, m.nowMs())
	} else {
		m.book.Cancel(o.ID, m.nowMs())
	}
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
	w.dec("price", o.Price).dec("origQty", o.Qty).dec("executedQty", o.Filled).dec("origQuoteOrderQty", o.QuoteQty).dec("cummulativeQuoteQty", o.Quote)
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
