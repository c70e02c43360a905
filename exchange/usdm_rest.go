package exchange

// USD-M REST under /fapi (USDⓈ-M Futures "General Info", and the Trade, Account,
// User Data Streams and Market Data REST pages):
//   - SIGNED (TRADE, USER_DATA) endpoints take the api key in X-MBX-APIKEY and a
//     signature over totalParams, the query string concatenated with the request
//     body, with timestamp and recvWindow checked as everywhere; USER_STREAM ones
//     (listen keys) the api key alone;
//   - every answer carries X-MBX-USED-WEIGHT-1M, every order answer
//     X-MBX-ORDER-COUNT-10S and X-MBX-ORDER-COUNT-1M;
//   - errors are {"code","msg"} with the HTTP status of their kind (400, 401, 429).

import (
	"crypto/ed25519"
	"crypto/hmac"
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// registerUSDM adds the USD-M trading endpoints to mux.
func (e *Exchange) registerUSDM(mux *http.ServeMux) {
	mux.HandleFunc("/ws-fapi/v1", e.handleUSDMWSAPI)
	// The routed stream paths, Binance's and the SDK's:
	// /fstream/{public,market,private}/{stream,ws} (usdm_route.go).
	for _, path := range []string{routePublic, routeMarket, routePrivate} {
		mux.HandleFunc("/fstream/"+path+"/stream", func(w http.ResponseWriter, r *http.Request) {
			e.serveMarketData(w, r, e.usdmStreams(r, strings.Split(r.URL.Query().Get("streams"), "/")), true, true, path)
		})
		prefix := "/fstream/" + path + "/ws"
		mux.HandleFunc(prefix, func(w http.ResponseWriter, r *http.Request) {
			e.serveMarketData(w, r, e.usdmStreams(r, nil), false, true, path)
		})
		mux.HandleFunc(prefix+"/", func(w http.ResponseWriter, r *http.Request) {
			var names []string
			if n := strings.TrimPrefix(r.URL.Path, prefix+"/"); n != "" {
				names = []string{n}
			}
			e.serveMarketData(w, r, e.usdmStreams(r, names), false, true, path)
		})
	}
	e.usdmREST(mux, "/fapi/v1/listenKey", e.restListenKey)
	e.usdmREST(mux, "/fapi/v1/positionSide/dual", e.restDual)
	e.usdmREST(mux, "/fapi/v1/leverage", e.restLeverage)
	e.usdmREST(mux, "/fapi/v1/marginType", e.restMarginType)
	e.usdmREST(mux, "/fapi/v2/positionRisk", func(r *restReq) ([]byte, *apiError) { return e.restPositionRisk(r, true) })
	e.usdmREST(mux, "/fapi/v3/positionRisk", func(r *restReq) ([]byte, *apiError) { return e.restPositionRisk(r, false) })
	e.usdmREST(mux, "/fapi/v2/account", func(r *restReq) ([]byte, *apiError) { return e.restAccount(r, true) })
	e.usdmREST(mux, "/fapi/v3/account", func(r *restReq) ([]byte, *apiError) { return e.restAccount(r, false) })
	e.usdmREST(mux, "/fapi/v2/balance", e.restBalance)
	e.usdmREST(mux, "/fapi/v1/openOrders", e.restOpenOrders)
	e.usdmREST(mux, "/fapi/v1/allOpenOrders", e.restCancelAllOpen)
	e.usdmREST(mux, "/fapi/v1/leverageBracket", e.restLeverageBracket)
	e.usdmREST(mux, "/fapi/v1/order", e.restOrder)
	e.usdmREST(mux, "/fapi/v1/userTrades", e.restUserTrades)
	e.usdmREST(mux, "/fapi/v1/premiumIndex", e.restPremiumIndex)
	e.usdmREST(mux, "/fapi/v1/fundingRate", e.restFundingRate)
}

// usdmStreams adds a private connection's ?listenKey= to the streams it asked for.
func (e *Exchange) usdmStreams(r *http.Request, names []string) []string {
	if k := r.URL.Query().Get("listenKey"); k != "" {
		names = append(names, k)
	}
	return names
}

// restReq is one REST request: its method, its parameters (the query string's
// prevailing over the body's) and what it was signed over.
type restReq struct {
	method  string
	params  params
	apiKey  string
	signed  string // totalParams without the signature
	sig     string
	weight  int
	orders  int
	account *fAccount
}

// usdmREST registers a REST endpoint: the request is parsed and the handler run under
// the exchange's lock; its answer or error is written with the rate limit headers.
func (e *Exchange) usdmREST(mux *http.ServeMux, path string, h func(*restReq) ([]byte, *apiError)) {
	mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
		if err != nil {
			writeJSON(w, 400, errMalformedReq.appendJSON(nil))
			return
		}
		req := &restReq{method: r.Method, params: params{}, apiKey: r.Header.Get("X-MBX-APIKEY"), weight: 1}
		form, _ := url.ParseQuery(string(body))
		query, qerr := url.ParseQuery(r.URL.RawQuery)
		if qerr != nil {
			writeJSON(w, 400, errMalformedReq.appendJSON(nil))
			return
		}
		for k, v := range form {
			req.params[k] = v[0]
		}
		for k, v := range query {
			req.params[k] = v[0]
		}
		req.sig = req.params["signature"]
		req.signed = stripSignature(r.URL.RawQuery) + stripSignature(string(body))
		e.mu.Lock()
		now := e.cfg.Now().UnixMilli()
		u := e.usdm
		var res []byte
		var aerr *apiError
		if u.limits.weight.at(now, minuteMs).count >= usdmWeightPerMinute {
			aerr = u.limits.admit(now, 1, nil, 0) // the 429, counting nothing
		} else {
			// The weight is charged whatever the answer; an order endpoint charges
			// its order count itself, before it places anything.
			res, aerr = h(req)
			u.limits.weight.at(now, minuteMs).count += req.weight
		}
		var oc *usdmOrderCount
		if req.account != nil && req.orders > 0 {
			oc = &req.account.oc
		}
		w.Header().Set("X-MBX-USED-WEIGHT-1M", strconv.Itoa(u.limits.weight.at(now, minuteMs).count))
		if oc != nil {
			w.Header().Set("X-MBX-ORDER-COUNT-10S", strconv.Itoa(oc.tenSec.at(now, tenSecMs).count))
			w.Header().Set("X-MBX-ORDER-COUNT-1M", strconv.Itoa(oc.minute.at(now, minuteMs).count))
		}
		e.mu.Unlock()
		if aerr != nil {
			writeJSON(w, aerr.Status, aerr.appendJSON(nil))
			return
		}
		writeJSON(w, 200, res)
	})
}

// stripSignature removes the signature parameter from a query string or body.
func stripSignature(s string) string {
	parts := strings.Split(s, "&")
	out := parts[:0]
	for _, p := range parts {
		if !strings.HasPrefix(p, "signature=") {
			out = append(out, p)
		}
	}
	return strings.Join(out, "&")
}

// keyed authenticates a USER_STREAM request by its api key alone.
func (e *Exchange) keyed(r *restReq) (*fAccount, *apiError) {
	if r.apiKey == "" || len(r.apiKey) > 256 {
		return nil, errAPIKeyFormat
	}
	a := e.accounts[r.apiKey]
	if a == nil {
		return nil, errAPIKey
	}
	r.account = e.faccount(a)
	return r.account, nil
}

// signedReq authenticates a SIGNED request: api key, timestamp, then the signature
// over totalParams (hex HMAC-SHA256, not case sensitive, or base64 Ed25519).
func (e *Exchange) signedReq(r *restReq) (*fAccount, *apiError) {
	fa, err := e.keyed(r)
	if err != nil {
		return nil, err
	}
	if r.sig == "" {
		return nil, errMandatory("signature")
	}
	if err := e.checkTime(r.params); err != nil {
		return nil, err
	}
	cfg := fa.a.cfg
	ok := false
	if cfg.Secret != "" && len(r.sig) == 64 {
		ok = hmac.Equal([]byte(strings.ToLower(r.sig)), []byte(SignHMAC(cfg.Secret, r.signed)))
	}
	if !ok && cfg.Ed25519 != nil {
		raw, derr := base64.StdEncoding.DecodeString(r.sig)
		ok = derr == nil && ed25519.Verify(cfg.Ed25519, []byte(r.signed), raw)
	}
	if !ok {
		return nil, errSignature
	}
	return fa, nil
}

var errMethod = &apiError{405, -1020, "This operation is not supported."}

// restListenKey serves POST (start), PUT (keepalive) and DELETE (close)
// /fapi/v1/listenKey.
func (e *Exchange) restListenKey(r *restReq) ([]byte, *apiError) {
	fa, err := e.keyed(r)
	if err != nil {
		return nil, err
	}
	now := time.Now().UnixNano()
	switch r.method {
	case http.MethodPost:
		k := e.newListenKey(fa, now)
		return []byte(`{"listenKey":` + strconv.Quote(k.key) + `}`), nil
	case http.MethodPut:
		k, ok := e.keepAlive(fa, now)
		if !ok {
			return nil, errNoListenKey
		}
		return []byte(`{"listenKey":` + strconv.Quote(k.key) + `}`), nil
	case http.MethodDelete:
		e.closeKey(fa)
		return []byte("{}"), nil
	}
	return nil, errMethod
}

var okBody = []byte(`{"code":200,"msg":"success"}`)

// restDual serves GET and POST /fapi/v1/positionSide/dual: the position mode, which
// is one-way here and stays so.
func (e *Exchange) restDual(r *restReq) ([]byte, *apiError) {
	if _, err := e.signedReq(r); err != nil {
		return nil, err
	}
	r.weight = 30
	switch r.method {
	case http.MethodGet:
		return []byte(`{"dualSidePosition":false}`), nil
	case http.MethodPost:
		switch r.params["dualSidePosition"] {
		case "false":
			return nil, &apiError{400, -4059, "No need to change position side."}
		case "true":
			return nil, &apiError{400, -1020, "This operation is not supported: the local exchange trades one-way mode only."}
		case "":
			return nil, errMandatory("dualSidePosition")
		}
		return nil, errIllegal("dualSidePosition")
	}
	return nil, errMethod
}

// symbolParam returns the request's perpetual.
func (e *Exchange) symbolParam(r *restReq) (*Market, *apiError) {
	sym := r.params["symbol"]
	if sym == "" {
		return nil, errMandatory("symbol")
	}
	m := e.futures[sym]
	if m == nil {
		return nil, errInvalidSymbol
	}
	return m, nil
}

// restLeverage serves POST /fapi/v1/leverage.
func (e *Exchange) restLeverage(r *restReq) ([]byte, *apiError) {
	if r.method != http.MethodPost {
		return nil, errMethod
	}
	fa, err := e.signedReq(r)
	if err != nil {
		return nil, err
	}
	m, err := e.symbolParam(r)
	if err != nil {
		return nil, err
	}
	s, ok := r.params["leverage"]
	if !ok {
		return nil, errMandatory("leverage")
	}
	lev, perr := strconv.Atoi(s)
	if perr != nil || lev < 1 || lev > e.usdm.cfg.Brackets[0].InitialLeverage {
		return nil, &apiError{400, -4028, "Leverage " + s + " is not valid"}
	}
	p := e.position(fa, m.inst.Symbol)
	if p.amt != 0 {
		if p.isolated && lev < p.leverage {
			return nil, &apiError{400, -4161, "Leverage reduction is not supported in Isolated Margin Mode with open positions"}
		}
		if e.notional(p).Abs().GreaterThan(e.maxNotional(lev)) {
			return nil, &apiError{400, -2027, "Exceeded the maximum allowable position at current leverage."}
		}
	}
	p.leverage = lev
	p.syncIsolated()
	return []byte(`{"leverage":` + strconv.Itoa(lev) + `,"maxNotionalValue":"` + e.maxNotional(lev).String() + `","symbol":"` + m.inst.Symbol + `"}`), nil
}

// restMarginType serves POST /fapi/v1/marginType.
func (e *Exchange) restMarginType(r *restReq) ([]byte, *apiError) {
	if r.method != http.MethodPost {
		return nil, errMethod
	}
	fa, err := e.signedReq(r)
	if err != nil {
		return nil, err
	}
	m, err := e.symbolParam(r)
	if err != nil {
		return nil, err
	}
	var isolated bool
	switch r.params["marginType"] {
	case "ISOLATED":
		isolated = true
	case "CROSSED":
	case "":
		return nil, errMandatory("marginType")
	default:
		return nil, errIllegal("marginType")
	}
	p := e.position(fa, m.inst.Symbol)
	switch {
	case p.isolated == isolated:
		return nil, &apiError{400, -4046, "No need to change margin type."}
	case len(fa.sortedOrders(m.inst.Symbol)) > 0:
		return nil, &apiError{400, -4047, "Margin type cannot be changed if there exists open orders."}
	case p.amt != 0:
		return nil, &apiError{400, -4048, "Margin type cannot be changed if there exists position."}
	}
	p.isolated = isolated
	p.syncIsolated()
	return okBody, nil
}

// restPositionRisk serves GET /fapi/v2/positionRisk (v1 shape) and /fapi/v3.
func (e *Exchange) restPositionRisk(r *restReq, v1 bool) ([]byte, *apiError) {
	if r.method != http.MethodGet {
		return nil, errMethod
	}
	fa, err := e.signedReq(r)
	if err != nil {
		return nil, err
	}
	r.weight = 5
	sym := r.params["symbol"]
	if sym != "" && e.futures[sym] == nil {
		return nil, errInvalidSymbol
	}
	e.stepMarkets(time.Now().UnixNano())
	return e.appendPositions(nil, fa, sym, v1), nil
}

// restAccount serves GET /fapi/v2/account (v1 shape) and /fapi/v3/account.
func (e *Exchange) restAccount(r *restReq, v1 bool) ([]byte, *apiError) {
	if r.method != http.MethodGet {
		return nil, errMethod
	}
	fa, err := e.signedReq(r)
	if err != nil {
		return nil, err
	}
	r.weight = 5
	e.stepMarkets(time.Now().UnixNano())
	return e.appendAccount(nil, fa, v1), nil
}

// restBalance serves GET /fapi/v2/balance.
func (e *Exchange) restBalance(r *restReq) ([]byte, *apiError) {
	if r.method != http.MethodGet {
		return nil, errMethod
	}
	fa, err := e.signedReq(r)
	if err != nil {
		return nil, err
	}
	r.weight = 5
	return e.appendBalance(nil, fa), nil
}

// restOpenOrders serves GET /fapi/v1/openOrders, one symbol or all.
func (e *Exchange) restOpenOrders(r *restReq) ([]byte, *apiError) {
	if r.method != http.MethodGet {
		return nil, errMethod
	}
	fa, err := e.signedReq(r)
	if err != nil {
		return nil, err
	}
	sym := r.params["symbol"]
	if sym != "" && e.futures[sym] == nil {
		return nil, errInvalidSymbol
	}
	if sym == "" {
		r.weight = 40
	}
	b := []byte{'['}
	for i, fo := range fa.sortedOrders(sym) {
		if i > 0 {
			b = append(b, ',')
		}
		b = e.appendFOrder(b, fo, "status", false)
	}
	return append(b, ']'), nil
}

// restOrder serves /fapi/v1/order: POST places, PUT modifies, DELETE cancels, GET
// queries, with the WebSocket API's rules.
func (e *Exchange) restOrder(r *restReq) ([]byte, *apiError) {
	fa, err := e.signedReq(r)
	if err != nil {
		return nil, err
	}
	m, err := e.symbolParam(r)
	if err != nil {
		return nil, err
	}
	e.stepMarkets(time.Now().UnixNano())
	now := e.cfg.Now().UnixMilli()
	switch r.method {
	case http.MethodPost:
		r.weight, r.orders = 0, 1
		if err := e.usdm.limits.admit(now, 0, &fa.oc, 1); err != nil {
			return nil, err
		}
		return e.usdmPlace(fa, m, r.params)
	case http.MethodPut:
		r.orders = 1
		if err := e.usdm.limits.admit(now, 0, &fa.oc, 1); err != nil {
			return nil, err
		}
		return e.usdmModify(fa, m, r.params)
	case http.MethodDelete:
		return e.usdmCancel(fa, m, r.params)
	case http.MethodGet:
		fo, err := fa.findF(m.inst.Symbol, r.params)
		if err != nil {
			return nil, err
		}
		return e.appendFOrder(nil, fo, "status", false), nil
	}
	return nil, errMethod
}

// restPremiumIndex serves GET /fapi/v1/premiumIndex: mark price, index and funding
// of one symbol, or of all as an array.
func (e *Exchange) restPremiumIndex(r *restReq) ([]byte, *apiError) {
	if r.method != http.MethodGet {
		return nil, errMethod
	}
	sym := r.params["symbol"]
	if sym != "" && e.futures[sym] == nil {
		return nil, errInvalidSymbol
	}
	now := e.cfg.Now().UnixMilli()
	one := func(b []byte, s string) []byte {
		ms := e.usdm.marks[s]
		w := &jw{b: b}
		w.open()
		w.str("symbol", s).str("markPrice", money(e.markPrice(s))).dec("indexPrice", ms.idx).dec("estimatedSettlePrice", ms.idx)
		w.dec("lastFundingRate", ms.rate).dec("interestRate", interestRate).int("nextFundingTime", e.usdm.nextFunding/1e6).int("time", now)
		w.close()
		return w.b
	}
	if sym != "" {
		return one(nil, sym), nil
	}
	b := []byte{'['}
	for i, s := range e.usdm.symbols() {
		if i > 0 {
			b = append(b, ',')
		}
		b = one(b, s)
	}
	return append(b, ']'), nil
}

// restFundingRate serves GET /fapi/v1/fundingRate: the funding events of a symbol (or
// all) within startTime and endTime, oldest first, at most limit (default 100, at
// most 1000); without a range, the latest.
func (e *Exchange) restFundingRate(r *restReq) ([]byte, *apiError) {
	if r.method != http.MethodGet {
		return nil, errMethod
	}
	sym := r.params["symbol"]
	if sym != "" && e.futures[sym] == nil {
		return nil, errInvalidSymbol
	}
	limit := 100
	if s := r.params["limit"]; s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return nil, errIllegal("limit")
		}
		limit = min(n, 1000)
	}
	from, to := int64(0), int64(1<<62)
	for name, dst := range map[string]*int64{"startTime": &from, "endTime": &to} {
		if s := r.params[name]; s != "" {
			v, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return nil, errIllegal(name)
			}
			*dst = v
		}
	}
	var sel []fundingEvent
	for _, f := range e.usdm.history {
		if (sym == "" || f.symbol == sym) && f.time >= from && f.time <= to {
			sel = append(sel, f)
		}
	}
	// "If startTime and endTime are not sent, the most recent 200 records are
	// returned"; "if the number of data between startTime and endTime is larger than
	// limit, return as startTime + limit".
	ranged := r.params["startTime"] != "" || r.params["endTime"] != ""
	if !ranged && r.params["limit"] == "" {
		limit = 200
	}
	if len(sel) > limit {
		if ranged {
			sel = sel[:limit]
		} else {
			sel = sel[len(sel)-limit:]
		}
	}
	b := []byte{'['}
	for i, f := range sel {
		if i > 0 {
			b = append(b, ',')
		}
		w := &jw{b: b}
		w.open()
		w.str("symbol", f.symbol).dec("fundingRate", f.rate).int("fundingTime", f.time).dec("markPrice", f.mark).str("rateType", "Regular")
		w.close()
		b = w.b
	}
	return append(b, ']'), nil
}
