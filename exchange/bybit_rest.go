package exchange

// Bybit v5 REST queries a client reconciles with after a (re)connect
// (github.com/bybit-exchange/docs at 072c197: v5/guide "Authentication",
// v5/order/open-order, v5/position/position, v5/account/wallet-balance):
//   - every request is signed: X-BAPI-API-KEY, X-BAPI-TIMESTAMP (ms),
//     X-BAPI-RECV-WINDOW (default 5000) and X-BAPI-SIGN = hex(HMAC-SHA256(secret,
//     timestamp + apiKey + recvWindow + queryString)); the timestamp must lie in
//     [server time - recvWindow, server time + 1000): 10002 otherwise, 10003 for an
//     unknown key, 10004 for a bad signature;
//   - GET /v5/order/realtime?category=..&symbol=.. lists the open orders; with
//     orderLinkId or orderId it finds that order whatever its status ("openOnly param
//     will be ignored when query by orderId or orderLinkId");
//   - GET /v5/position/list?category=linear&symbol=.. lists the positions;
//   - GET /v5/account/wallet-balance?accountType=UNIFIED is the unified wallet.
// Answers are {"retCode":0,"retMsg":"OK","result":{..},"retExtInfo":{},"time":ms},
// with HTTP status 200 whatever the retCode, as Bybit answers.

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"time"
)

func (e *Exchange) registerBybitREST(mux *http.ServeMux) {
	mux.HandleFunc("/v5/order/realtime", e.bybitREST(e.bybitOrders))
	mux.HandleFunc("/v5/position/list", e.bybitREST(e.bybitPositions))
	mux.HandleFunc("/v5/account/wallet-balance", e.bybitREST(e.bybitWallet))
	mux.HandleFunc("/v5/execution/list", e.bybitREST(e.bybitExecutions))
	mux.HandleFunc("/v5/market/instruments-info", e.handleBybitInstruments)
}

// bybitREST authenticates a request and answers with fn's result (which runs with
// the exchange locked), or fn's error code and message.
func (e *Exchange) bybitREST(fn func(a *Account, q func(string) string, w *jw) (int, string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		code, msg := 0, "OK"
		out := &jw{}
		out.open()
		a, code, msg := e.bybitAuthREST(r)
		var res jw
		if code == 0 {
			res.open()
			e.mu.Lock()
			code, msg = fn(a, r.URL.Query().Get, &res)
			e.mu.Unlock()
			res.close()
		}
		out.int("retCode", int64(code)).str("retMsg", msg)
		if code == 0 {
			out.raw("result", res.b)
		} else {
			out.raw("result", []byte("{}"))
		}
		out.raw("retExtInfo", []byte("{}")).int("time", time.Now().UnixMilli())
		out.close()
		writeJSON(w, 200, out.b)
	}
}

func (e *Exchange) bybitAuthREST(r *http.Request) (*Account, int, string) {
	if r.Method != http.MethodGet {
		return nil, codeBybitParam, "the local exchange serves GET only here"
	}
	key, ts, sig := r.Header.Get("X-BAPI-API-KEY"), r.Header.Get("X-BAPI-TIMESTAMP"), r.Header.Get("X-BAPI-SIGN")
	recv := r.Header.Get("X-BAPI-RECV-WINDOW")
	if recv == "" {
		recv = "5000"
	}
	e.mu.Lock()
	a := e.accounts[key]
	e.mu.Unlock()
	if a == nil || a.cfg.Secret == "" {
		return nil, 10003, "API key is invalid."
	}
	t, err1 := strconv.ParseInt(ts, 10, 64)
	rw, err2 := strconv.ParseInt(recv, 10, 64)
	now := e.cfg.Now().UnixMilli()
	if err1 != nil || err2 != nil || rw <= 0 || t < now-rw || t >= now+1000 {
		return nil, 10002, "invalid request, please check your server timestamp or recv_window param"
	}
	m := hmac.New(sha256.New, []byte(a.cfg.Secret))
	m.Write([]byte(ts + key + recv + r.URL.RawQuery))
	if !hmac.Equal([]byte(hex.EncodeToString(m.Sum(nil))), []byte(sig)) {
		return nil, 10004, "error sign! origin_string[" + ts + key + recv + r.URL.RawQuery + "]"
	}
	return a, 0, "OK"
}

// bybitOrders answers /v5/order/realtime for spot and linear.
func (e *Exchange) bybitOrders(a *Account, q func(string) string, w *jw) (int, string) {
	cat, sym, link, oid := q("category"), q("symbol"), q("orderLinkId"), q("orderId")
	if cat != "spot" && cat != "linear" {
		return 10001, "params error: category must be spot or linear on the local exchange"
	}
	if cat == "linear" && sym == "" {
		return 10001, "params error: symbol, baseCoin or settleCoin is required for linear"
	}
	w.str("category", cat).str("nextPageCursor", "")
	w.arr("list")
	if cat == "linear" {
		s := e.linear
		var list []*linOrder
		switch {
		case oid != "":
			id, _ := strconv.ParseUint(oid, 10, 64)
			for o, lo := range s.orders {
				if o.ID == id && lo.a == a && o.market.inst.Symbol == sym {
					list = append(list, lo)
				}
			}
		case link != "":
			if lo := s.byLinkAll(a, link); lo != nil {
				list = append(list, lo)
			}
		default:
			for _, k := range slices.Sorted(maps.Keys(s.open[a])) {
				list = append(list, s.open[a][k])
			}
		}
		for _, lo := range list {
			if sym != "" && lo.o.market.inst.Symbol != sym {
				continue
			}
			w.elem()
			e.appendBybitOrder(w, "linear", lo.o, lo.link, lo.postOnly, lo.reduceOnly, lo.fee, lo.reject)
			w.close()
		}
	} else {
		var list []*Order
		switch {
		case link != "":
			if o := a.byClient[link]; o != nil {
				list = append(list, o)
			}
		case oid != "":
			id, _ := strconv.ParseUint(oid, 10, 64)
			if o := a.orders[id]; o != nil {
				list = append(list, o)
			}
		default:
			for _, id := range slices.Sorted(maps.Keys(a.open)) {
				list = append(list, a.open[id])
			}
		}
		for _, o := range list {
			if o.market == nil || e.markets[o.market.inst.Symbol] != o.market || sym != "" && o.market.inst.Symbol != sym {
				continue
			}
			w.elem()
			e.appendBybitOrder(w, "spot", o, o.ClientID, o.Type == LimitMaker, false, 0, "")
			w.close()
		}
	}
	w.endArr()
	return 0, "OK"
}

// byLinkAll returns the latest linear order of the account with orderLinkId link,
// whatever its status.
func (s *linearState) byLinkAll(a *Account, link string) *linOrder {
	if lo := s.open[a][link]; lo != nil {
		return lo
	}
	var best *linOrder
	for _, lo := range s.orders {
		if lo.a == a && lo.link == link && (best == nil || lo.o.ID > best.o.ID) {
			best = lo
		}
	}
	return best
}

// appendBybitOrder writes one order of /v5/order/realtime's list.
func (e *Exchange) appendBybitOrder(w *jw, cat string, o *Order, link string, postOnly, reduceOnly bool, fee int64, reject string) {
	m := o.market
	pd, qd := stepDecimals(m.inst.TickSize), stepDecimals(m.inst.StepSize)
	status := map[Status]string{StatusNew: "New", StatusPartiallyFilled: "PartiallyFilled", StatusFilled: "Filled"}[o.Status]
	if o.Status == StatusCanceled || o.Status == StatusExpired {
		status = "Cancelled"
		if o.Filled > 0 {
			status = "PartiallyFilledCanceled"
		}
	}
	tif := o.TIF.String()
	if postOnly {
		tif = "PostOnly"
	}
	if reject == "" || status != "Cancelled" {
		reject = bybitNoError
	}
	avg := ""
	if o.Filled > 0 {
		v, _ := mulDiv(o.Quote, wireUnit, o.Filled)
		avg = wireAt(pd, v)
	}
	w.str("orderId", strconv.FormatUint(o.ID, 10)).str("orderLinkId", link).str("symbol", m.inst.Symbol)
	w.str("price", wireAt(pd, o.Price)).str("qty", wireAt(qd, o.Qty)).str("side", bybitSide(o.Side)).int("positionIdx", 0)
	w.str("orderStatus", status).str("rejectReason", reject).str("avgPrice", avg)
	w.str("leavesQty", wireAt(qd, max(o.Qty-o.Filled, 0))).str("cumExecQty", wireAt(qd, o.Filled)).str("cumExecValue", decText(o.Quote)).str("cumExecFee", decText(fee))
	w.str("timeInForce", tif).str("orderType", "Limit").bool("reduceOnly", reduceOnly)
	w.str("createdTime", strconv.FormatInt(o.Created, 10)).str("updatedTime", strconv.FormatInt(o.Updated, 10))
	_ = cat
}

// bybitPositions answers /v5/position/list.
func (e *Exchange) bybitPositions(a *Account, q func(string) string, w *jw) (int, string) {
	if q("category") != "linear" {
		return 10001, "params error: category must be linear on the local exchange"
	}
	sym := q("symbol")
	w.str("category", "linear").str("nextPageCursor", "")
	w.arr("list")
	for _, s := range slices.Sorted(maps.Keys(e.futures)) {
		if sym != "" && s != sym {
			continue
		}
		w.elem()
		e.appendPosition(w, e.futures[s], e.linear.pos(a, s))
		w.close()
	}
	w.endArr()
	return 0, "OK"
}

// bybitWallet answers /v5/account/wallet-balance.
func (e *Exchange) bybitWallet(a *Account, q func(string) string, w *jw) (int, string) {
	if q("accountType") != "UNIFIED" {
		return 10001, "params error: accountType must be UNIFIED"
	}
	w.arr("list")
	w.elem()
	e.appendWallet(w, a)
	w.close()
	w.endArr()
	return 0, "OK"
}
