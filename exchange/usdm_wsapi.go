package exchange

// The USD-M WebSocket API at /ws-fapi/v1 (USDⓈ-M Futures, "WebSocket API General
// Info" and the Trade, Account and User Data Streams requests of the WebSocket API):
// one JSON request {"id","method","params"} per message, one response
// {"id","status","result"|"error","rateLimits"} per request. Requests are signed as
// on REST and the spot WebSocket API (HMAC-SHA256 hex, or Ed25519 base64, over the
// sorted parameters), or ride on a session.logon (Ed25519 keys only). User data is
// not pushed here: userDataStream.start gives a listen key for the streams.
//
// Rate limits ("LIMITS" of the General Info): REQUEST_WEIGHT 2400 per minute per IP,
// ORDERS 300 per 10 seconds and 1200 per minute per account; every response carries
// rateLimits unless the connection asked returnRateLimits=false.

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// usdmLimiter counts USD-M's request weight (per IP: every loopback client is one)
// and the accounts' orders.
type usdmLimiter struct {
	weight window
	// rejected counts the 429s of the minute: a client that ignores more than
	// usdmBanAfter of them is banned (418) until bannedTil ("Repeatedly violating rate
	// limits and/or failing to back off after receiving 429s will result in an
	// automated IP ban (HTTP status 418) ... from 2 minutes to 3 days").
	rejected  window
	bannedTil int64
	// busyTil (ms) is until when other clients of the IP have used up its weight
	// (Exchange.USDMSaturate): every request is answered 429.
	busyTil int64
	// retry is when the last refused request may be retried, for its error's data.
	retry retryData
}

// usdmBanAfter and usdmBanFor: how many 429s a minute a client may ignore, and the
// shortest ban Binance gives.
const (
	usdmBanAfter = 5
	usdmBanFor   = 2 * minuteMs
)

// usdmOrderCount is an account's order windows.
type usdmOrderCount struct{ tenSec, minute window }

// USD-M's limits (exchangeInfo's rateLimits for USDⓈ-M Futures).
const (
	usdmWeightPerMinute = 2400
	usdmOrdersPer10s    = 300
	usdmOrdersPerMinute = 1200
)

// usdmWeight is each WebSocket API method's request weight ("Weight" of each request).
func usdmWeight(method string) int {
	switch method {
	case "order.place":
		return 0
	case "account.status", "v2/account.status", "account.position", "v2/account.position", "account.balance", "v2/account.balance":
		return 5
	case "session.logon", "session.status", "session.logout":
		return 2
	}
	return 1
}

// usdmOrders is how many orders a method counts against the ORDERS limits.
func usdmOrders(method string) int {
	switch method {
	case "order.place", "order.modify":
		return 1
	}
	return 0
}

// admit charges a request's weight and orders; it returns the 429 to answer instead
// when a limit is exceeded.
func (l *usdmLimiter) admit(now int64, weight int, oc *usdmOrderCount, orders int) *apiError {
	l.retry = retryData{}
	if l.bannedTil > now {
		l.retry = retryData{now, l.bannedTil}
		return &apiError{418, -1003, "Way too many requests; IP banned until " + strconv.FormatInt(l.bannedTil, 10) +
			". Please use the websocket for live updates to avoid bans."}
	}
	w := l.weight.at(now, minuteMs)
	if l.busyTil > now {
		return l.reject(now, l.busyTil, &apiError{429, -1003, "Too many requests; current limit is " + strconv.Itoa(usdmWeightPerMinute) +
			" requests per minute. Please use the websocket for live updates to avoid polling the API."})
	}
	if w.count+weight > usdmWeightPerMinute {
		return l.reject(now, w.start+minuteMs, &apiError{429, -1003, "Too many requests; current limit is " + strconv.Itoa(usdmWeightPerMinute) +
			" requests per minute. Please use the websocket for live updates to avoid polling the API."})
	}
	if oc != nil && orders > 0 {
		switch ts, m := oc.tenSec.at(now, tenSecMs), oc.minute.at(now, minuteMs); {
		case ts.count+orders > usdmOrdersPer10s:
			return l.reject(now, ts.start+tenSecMs, &apiError{429, -1015, "Too many new orders; current limit is " + strconv.Itoa(usdmOrdersPer10s) + " orders per 10 SECOND."})
		case m.count+orders > usdmOrdersPerMinute:
			return l.reject(now, m.start+minuteMs, &apiError{429, -1015, "Too many new orders; current limit is " + strconv.Itoa(usdmOrdersPerMinute) + " orders per 1 MINUTE."})
		}
		oc.tenSec.count += orders
		oc.minute.count += orders
	}
	w.count += weight
	return nil
}

// reject answers a request over a limit with e, retryable at retry (ms), or with a ban
// once the client has ignored more than usdmBanAfter 429s within the minute.
func (l *usdmLimiter) reject(now, retry int64, e *apiError) *apiError {
	r := l.rejected.at(now, minuteMs)
	r.count++
	if r.count > usdmBanAfter {
		l.bannedTil = now + usdmBanFor
		l.retry = retryData{now, l.bannedTil}
		return &apiError{418, -1003, "Way too many requests; IP banned until " + strconv.FormatInt(l.bannedTil, 10) +
			". Please use the websocket for live updates to avoid bans."}
	}
	l.retry = retryData{now, retry}
	return e
}

// rateLimits appends a response's rateLimits: REQUEST_WEIGHT, and the ORDERS windows
// for an order request.
func (l *usdmLimiter) rateLimits(now int64, oc *usdmOrderCount) []byte {
	b := []byte{'['}
	b = appendRateLimit(b, "REQUEST_WEIGHT", "MINUTE", 1, usdmWeightPerMinute, l.weight.at(now, minuteMs).count)
	if oc != nil {
		b = append(b, ',')
		b = appendRateLimit(b, "ORDERS", "SECOND", 10, usdmOrdersPer10s, oc.tenSec.at(now, tenSecMs).count)
		b = append(b, ',')
		b = appendRateLimit(b, "ORDERS", "MINUTE", 1, usdmOrdersPerMinute, oc.minute.at(now, minuteMs).count)
	}
	return append(b, ']')
}

// USDMWSAPIURL returns the URL of the USD-M WebSocket API.
func (e *Exchange) USDMWSAPIURL() string { return "ws://" + e.Addr() + "/ws-fapi/v1" }

func (e *Exchange) handleUSDMWSAPI(w http.ResponseWriter, r *http.Request) {
	c := e.accept(w, r)
	if c == nil {
		return
	}
	c.returnRateLimits = r.URL.Query().Get("returnRateLimits") != "false"
	c.connectedSince = e.cfg.Now().UnixMilli()
	c.serve(c.handleUSDMRequest)
}

// usdmSigned are the methods of an account, signed or on a logged-on session.
var usdmSigned = map[string]bool{
	"order.place": true, "order.modify": true, "order.cancel": true, "order.status": true,
	"account.status": true, "v2/account.status": true, "account.position": true, "v2/account.position": true,
	"account.balance": true, "v2/account.balance": true,
}

// handleUSDMRequest answers one USD-M WebSocket API request.
func (c *conn) handleUSDMRequest(msg []byte) {
	e := c.e
	req, perr := parseRequest(msg)
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.cfg.Now().UnixMilli()
	u := e.usdm
	rl := c.returnRateLimits
	if v, ok := req.params["returnRateLimits"]; ok {
		rl = v != "false"
	}
	limits := func(oc *usdmOrderCount) []byte {
		if !rl {
			return nil
		}
		return u.limits.rateLimits(now, oc)
	}
	if perr != nil {
		c.respond(req.id, nil, perr, nil, limits(nil))
		return
	}
	method := req.method
	var result []byte
	var err *apiError
	var oc *usdmOrderCount
	switch {
	case method == "ping":
		err = u.limits.admit(now, 1, nil, 0)
		result = []byte("{}")
	case method == "time":
		err = u.limits.admit(now, 1, nil, 0)
		result = []byte(`{"serverTime":` + strconv.FormatInt(now, 10) + `}`)
	case method == "session.logon":
		if err = u.limits.admit(now, 2, nil, 0); err == nil {
			result, err = c.logon(req.params)
		}
	case method == "session.status":
		err = u.limits.admit(now, 2, nil, 0)
		result = c.sessionStatus()
	case method == "session.logout":
		err = u.limits.admit(now, 2, nil, 0)
		c.session = nil
		result = c.sessionStatus()
	case strings.HasPrefix(method, "userDataStream."):
		if err = u.limits.admit(now, 1, nil, 0); err == nil {
			result, err = c.usdmUserDataStream(method, req.params)
		}
	case usdmSigned[method]:
		var a *Account
		a, err = c.auth(req.params)
		if err != nil {
			u.limits.admit(now, usdmWeight(method), nil, 0)
			break
		}
		fa := e.faccount(a)
		if orders := usdmOrders(method); orders > 0 {
			oc = &fa.oc
		}
		if err = u.limits.admit(now, usdmWeight(method), oc, usdmOrders(method)); err != nil {
			break
		}
		result, err = e.usdmTrade(fa, method, req.params)
	default:
		err = errUnknownMethod
	}
	var data []byte
	if err != nil && (err.Status == 429 || err.Status == 418) {
		data = u.limits.retry.json() // when to retry, as the WebSocket API's errors say it
	}
	c.respond(req.id, result, err, data, limits(oc))
}

// usdmUserDataStream answers userDataStream.start, .ping and .stop, which name the
// account by apiKey alone (USER_STREAM security), as the REST listen key endpoints do.
func (c *conn) usdmUserDataStream(method string, p params) ([]byte, *apiError) {
	e := c.e
	var a *Account
	if key, ok := p["apiKey"]; ok {
		if a = e.accounts[key]; a == nil {
			return nil, errAPIKey
		}
	} else if c.session != nil {
		a = c.session
	} else {
		return nil, errMandatory("apiKey")
	}
	fa := e.faccount(a)
	now := time.Now().UnixNano()
	switch method {
	case "userDataStream.start":
		k := e.newListenKey(fa, now)
		return []byte(`{"listenKey":` + strconv.Quote(k.key) + `}`), nil
	case "userDataStream.ping":
		k, ok := e.keepAlive(fa, now)
		if !ok {
			return nil, errNoListenKey
		}
		return []byte(`{"listenKey":` + strconv.Quote(k.key) + `}`), nil
	case "userDataStream.stop":
		e.closeKey(fa)
		return []byte("{}"), nil
	}
	return nil, errUnknownMethod
}

// errNoListenKey is -1125 (USDⓈ-M "Error Codes").
var errNoListenKey = &apiError{400, -1125, "This listenKey does not exist. Please use `POST /fapi/v1/listenKey` to recreate `listenKey`"}

// usdmTrade runs an account's USD-M request.
func (e *Exchange) usdmTrade(fa *fAccount, method string, p params) ([]byte, *apiError) {
	if len(e.futures) == 0 {
		return nil, &apiError{400, -1020, "This operation is not supported: the local exchange lists no USD-M perpetual."}
	}
	e.stepMarkets(time.Now().UnixNano())
	switch method {
	case "account.status":
		return e.appendAccount(nil, fa, true), nil
	case "v2/account.status":
		return e.appendAccount(nil, fa, false), nil
	case "account.balance", "v2/account.balance":
		return e.appendBalance(nil, fa), nil
	case "account.position", "v2/account.position":
		sym := p["symbol"]
		if sym != "" && e.futures[sym] == nil {
			return nil, errInvalidSymbol
		}
		return e.appendPositions(nil, fa, sym, method == "account.position"), nil
	}
	sym, ok := p["symbol"]
	if !ok || sym == "" {
		return nil, errMandatory("symbol")
	}
	m := e.futures[sym]
	if m == nil {
		return nil, errInvalidSymbol
	}
	switch method {
	case "order.place":
		return e.usdmPlace(fa, m, p)
	case "order.modify":
		return e.usdmModify(fa, m, p)
	case "order.cancel":
		return e.usdmCancel(fa, m, p)
	case "order.status":
		fo, err := fa.findF(sym, p)
		if err != nil {
			return nil, err
		}
		return e.appendFOrder(nil, fo, "status", false), nil
	}
	return nil, errUnknownMethod
}
