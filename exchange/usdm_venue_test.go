package exchange

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/nanotick/nanotick/feeds/binance"
	"github.com/shopspring/decimal"
)

// localBook is a client's book kept by Binance's documented USD-M procedure
// (USDⓈ-M Futures, WebSocket Market Streams, "How to manage a local order book
// correctly"), written here step by step from the documentation rather than through
// nanotick's feed:
//  1. open a stream to <symbol>@depth;
//  2. buffer the events;
//  3. get a snapshot from /fapi/v1/depth?symbol=..&limit=1000;
//  4. drop any event where u < lastUpdateId of the snapshot;
//  5. the first processed event has U <= lastUpdateId AND u >= lastUpdateId;
//  6. each new event's pu must equal the previous event's u, else start again from 3;
//  7. the data of each event is the absolute quantity of a price level, 0 removes it.
type localBook struct {
	t            *testing.T
	e            *Exchange
	ws           *websocket.Conn
	bids, asks   map[string]string
	last         uint64 // the u applied last
	synced       bool
	buffered     []depthEvent
	applied, pus int
}

type depthEvent struct {
	E        int64      `json:"E"`
	U        uint64     `json:"U"`
	LastU    uint64     `json:"u"`
	PrevU    uint64     `json:"pu"`
	Bids     [][]string `json:"b"`
	Asks     [][]string `json:"a"`
	Event    string     `json:"e"`
	Symbol   string     `json:"s"`
	Transact int64      `json:"T"`
}

func newLocalBook(t *testing.T, e *Exchange) *localBook {
	lb := &localBook{t: t, e: e, ws: dial(t, e.FuturesMarketDataURL()+"/ws/btcusdt@depth")}
	// Step 2: buffer a few events before the snapshot.
	for range 2 {
		lb.buffered = append(lb.buffered, lb.read())
	}
	lb.snapshot()
	return lb
}

func (lb *localBook) read() depthEvent {
	lb.t.Helper()
	lb.ws.SetReadDeadline(time.Now().Add(20 * time.Second))
	_, msg, err := lb.ws.ReadMessage()
	if err != nil {
		lb.t.Fatal(err)
	}
	var ev depthEvent
	if err := json.Unmarshal(msg, &ev); err != nil || ev.Event != "depthUpdate" {
		lb.t.Fatalf("depth event %s: %v", msg, err)
	}
	return ev
}

// snapshot is step 3, then steps 4 and 5 over the buffered events.
func (lb *localBook) snapshot() {
	lb.t.Helper()
	status, body := getBody(lb.t, lb.e.RESTURL()+"/fapi/v1/depth?symbol=BTCUSDT&limit=1000")
	var snap struct {
		LastUpdateID uint64     `json:"lastUpdateId"`
		Bids         [][]string `json:"bids"`
		Asks         [][]string `json:"asks"`
	}
	if status != 200 || json.Unmarshal(body, &snap) != nil {
		lb.t.Fatalf("snapshot: %d %s", status, body)
	}
	lb.bids, lb.asks = map[string]string{}, map[string]string{}
	for _, l := range snap.Bids {
		lb.bids[l[0]] = l[1]
	}
	for _, l := range snap.Asks {
		lb.asks[l[0]] = l[1]
	}
	lb.last, lb.synced = snap.LastUpdateID, false
	buf := lb.buffered
	lb.buffered = nil
	for _, ev := range buf {
		lb.apply(ev)
	}
}

// apply processes one event by steps 4 to 7.
func (lb *localBook) apply(ev depthEvent) {
	lb.t.Helper()
	if !lb.synced {
		if ev.LastU < lb.last { // step 4
			return
		}
		if !(ev.U <= lb.last && ev.LastU >= lb.last) { // step 5
			lb.t.Fatalf("first event U %d u %d does not straddle the snapshot's %d", ev.U, ev.LastU, lb.last)
		}
		lb.synced = true
	} else {
		if ev.PrevU != lb.last { // step 6
			lb.t.Fatalf("pu %d after u %d: the chain broke", ev.PrevU, lb.last)
		}
		lb.pus++
	}
	for _, side := range []struct {
		levels [][]string
		book   map[string]string
	}{{ev.Bids, lb.bids}, {ev.Asks, lb.asks}} {
		for _, l := range side.levels {
			if q, _ := decimal.NewFromString(l[1]); q.IsZero() { // step 7
				delete(side.book, l[0])
			} else {
				side.book[l[0]] = l[1]
			}
		}
	}
	lb.last = ev.LastU
	lb.applied++
}

// until applies events until cond holds of the book.
func (lb *localBook) until(what string, cond func() bool) {
	lb.t.Helper()
	for i := 0; !cond(); i++ {
		if i > 2000 {
			lb.t.Fatalf("the local book never showed %s", what)
		}
		lb.apply(lb.read())
	}
}

// TestUSDMDepthSyncAndOrderLifecycle keeps a book by the documented procedure and
// watches an order's whole life in it: placed (its level appears with its quantity),
// modified (the level moves), cancelled (the level goes); then a taker's fill, after
// which the local book equals the exchange's level for level.
func TestUSDMDepthSyncAndOrderLifecycle(t *testing.T) {
	e := startExchange(t, usdmConfig(41))
	c := newUSDMClient(t, e)
	lb := newLocalBook(t, e)
	lb.until("a few chained events", func() bool { return lb.pus >= 3 })

	bid, _ := bestFutures(e)
	// Far below the makers' quotes: the level is the order's alone.
	price := bid.Sub(decimal.NewFromInt(3000)).StringFixed(2)
	r := c.call("order.place", map[string]string{"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "price": price, "quantity": "0.050"})
	if r.Status != 200 {
		t.Fatalf("place: %s", r.raw)
	}
	id := idStr(r.Result["orderId"])
	lb.until("the order's level", func() bool { return lb.bids[price] == "0.050" })

	price2 := bid.Sub(decimal.NewFromInt(3100)).StringFixed(2)
	if r := c.call("order.modify", map[string]string{"symbol": "BTCUSDT", "orderId": id, "side": "BUY", "price": price2, "quantity": "0.040"}); r.Status != 200 {
		t.Fatalf("modify: %s", r.raw)
	}
	lb.until("the order's level moved", func() bool { _, old := lb.bids[price]; return !old && lb.bids[price2] == "0.040" })

	if r := c.call("order.cancel", map[string]string{"symbol": "BTCUSDT", "orderId": id}); r.Result["status"] != "CANCELED" {
		t.Fatalf("cancel: %s", r.raw)
	}
	lb.until("the order's level gone", func() bool { _, ok := lb.bids[price2]; return !ok })

	// With the synthetic participants stopped, a taker's fill is the only change: the
	// local book must then equal the exchange's, level for level.
	var m *Market
	e.With(func() { m = e.FuturesMarket("BTCUSDT"); m.enabled = false })
	_, ask := bestFutures(e)
	r = c.call("order.place", map[string]string{"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "IOC",
		"price": ask.Add(decimal.NewFromInt(30)).StringFixed(2), "quantity": "0.300", "newOrderRespType": "RESULT"})
	if r.Status != 200 || r.Result["executedQty"] == "0.000" {
		t.Fatalf("IOC: %s", r.raw)
	}
	var want uint64
	var bids, asks [][2]int64
	e.With(func() {
		want = m.book.UpdateID()
		bids, asks = m.book.Levels(nil, Buy, 50), m.book.Levels(nil, Sell, 50)
	})
	lb.until("the exchange's update id", func() bool { return lb.last >= want })
	if lb.last != want {
		t.Fatalf("local book at %d, exchange at %d with its market stopped", lb.last, want)
	}
	compare := func(side string, levels [][2]int64, book map[string]string) {
		for _, l := range levels {
			p, q := string(m.fut.price(nil, l[0])), string(m.fut.qty(nil, l[1]))
			if book[p] != q {
				t.Errorf("%s %s: local %q, exchange %s", side, p, book[p], q)
			}
		}
	}
	compare("bid", bids, lb.bids)
	compare("ask", asks, lb.asks)
	if lb.applied < 5 || lb.pus < 3 {
		t.Errorf("applied %d events, %d pu checks", lb.applied, lb.pus)
	}
}

// TestUSDMFundingAndMark opens a position, and sees the mark price stream (decoded by
// nanotick's own USD-M decoder), a funding payment of −position × mark × rate in
// ACCOUNT_UPDATE FUNDING_FEE, and the event in GET /fapi/v1/fundingRate.
func TestUSDMFundingAndMark(t *testing.T) {
	cfg := usdmConfig(43)
	cfg.USDM.FundingInterval = 2 * time.Second
	e := startExchange(t, cfg)
	c := newUSDMClient(t, e)

	mark := dial(t, e.FuturesMarketDataURL()+"/market/stream?streams=btcusdt@markPrice@1s")
	dec, err := binance.NewDecoder(binance.Instrument{Symbol: "BTCUSDT", PriceScale: 8, QtyScale: 8})
	if err != nil {
		t.Fatal(err)
	}
	mark.SetReadDeadline(time.Now().Add(20 * time.Second))
	_, msg, err := mark.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	ev, err := dec.Decode(msg)
	if err != nil || ev.Kind != binance.KindMarkPrice || ev.Mark.Price <= 0 || ev.Mark.Index <= 0 || ev.Mark.NextFunding <= ev.Mark.EventTime {
		t.Fatalf("markPriceUpdate %s: %+v %v", msg, ev, err)
	}

	r := c.call("order.place", map[string]string{"symbol": "BTCUSDT", "side": "SELL", "type": "MARKET", "quantity": "0.100", "newOrderRespType": "RESULT"})
	if r.Result["status"] != "FILLED" {
		t.Fatalf("market sell: %s", r.raw)
	}
	before, _, _ := e.USDMAccount(usdmKey)
	fee := c.waitEvent("FUNDING_FEE", func(ev map[string]any) bool {
		return ev["e"] == "ACCOUNT_UPDATE" && ev["a"].(map[string]any)["m"] == "FUNDING_FEE"
	})
	a := fee["a"].(map[string]any)
	b := a["B"].([]any)[0].(map[string]any)
	if a["S"] != "BTCUSDT" || len(a["P"].([]any)) != 0 || b["a"] != "USDT" {
		t.Fatalf("FUNDING_FEE (cross: balance only): %v", fee)
	}
	// The payment against the funding history's rate and mark.
	status, body := c.rest("GET", "/fapi/v1/fundingRate", url.Values{"symbol": {"BTCUSDT"}}, false)
	var hist []struct{ FundingRate, MarkPrice, Symbol string }
	if status != 200 || json.Unmarshal(body, &hist) != nil || len(hist) == 0 {
		t.Fatalf("fundingRate: %d %s", status, body)
	}
	found := false
	bc, _ := decimal.NewFromString(b["bc"].(string))
	for _, h := range hist {
		rate, _ := decimal.NewFromString(h.FundingRate)
		mk, _ := decimal.NewFromString(h.MarkPrice)
		// A short of 0.1 receives 0.1 × mark × rate.
		if decimal.RequireFromString("0.1").Mul(mk).Mul(rate).Round(8).Equal(bc) {
			found = true
		}
	}
	if !found || bc.IsZero() {
		t.Errorf("funding change %v matches no −position × mark × rate of %s", bc, body)
	}
	after, _, _ := e.USDMAccount(usdmKey)
	if after.Sub(before).IsZero() {
		t.Errorf("the wallet did not move: %v → %v", before, after)
	}
	status, body = c.rest("GET", "/fapi/v1/premiumIndex", url.Values{"symbol": {"BTCUSDT"}}, false)
	var pi struct{ MarkPrice, IndexPrice, LastFundingRate, InterestRate string }
	if status != 200 || json.Unmarshal(body, &pi) != nil || pi.InterestRate != "0.00010000" || pi.MarkPrice == "" {
		t.Errorf("premiumIndex: %d %s", status, body)
	}
}

// TestUSDMListenKeyExpires lets a listen key lapse: its stream gets listenKeyExpired,
// and keeping it alive afterwards is -1125.
func TestUSDMListenKeyExpires(t *testing.T) {
	cfg := usdmConfig(47)
	cfg.USDM.ListenKeyLifetime = time.Second
	e := startExchange(t, cfg)
	c := newUSDMClient(t, e)
	ev := c.waitEvent("listenKeyExpired", func(ev map[string]any) bool { return ev["e"] == "listenKeyExpired" })
	if ev["listenKey"] != c.key {
		t.Errorf("listenKeyExpired: %v", ev)
	}
	if status, body := c.rest("PUT", "/fapi/v1/listenKey", nil, false); status != 400 || !json.Valid(body) || !containsCode(body, -1125) {
		t.Errorf("keepalive after expiry: %d %s", status, body)
	}
	// A new key works again, and is not the old one.
	status, body := c.rest("POST", "/fapi/v1/listenKey", nil, false)
	if status != 200 || containsCode(body, -1125) || string(body) == `{"listenKey":"`+c.key+`"}` {
		t.Errorf("new key: %d %s", status, body)
	}
}

func containsCode(body []byte, code int) bool {
	var e struct{ Code int }
	return json.Unmarshal(body, &e) == nil && e.Code == code
}

// TestUSDMMarginCallAndLiquidation opens an isolated long at 125x and crashes the
// market under it: first MARGIN_CALL, then the liquidation's ORDER_TRADE_UPDATE
// (autoclose-, LIQUIDATION, CALCULATED) and ACCOUNT_UPDATE with the position flat
// and the isolated wallet spent.
func TestUSDMMarginCallAndLiquidation(t *testing.T) {
	e := startExchange(t, usdmConfig(53))
	c := newUSDMClient(t, e)
	if status, body := c.rest("POST", "/fapi/v1/leverage", url.Values{"symbol": {"BTCUSDT"}, "leverage": {"125"}}, true); status != 200 {
		t.Fatalf("leverage: %d %s", status, body)
	}
	if status, body := c.rest("POST", "/fapi/v1/marginType", url.Values{"symbol": {"BTCUSDT"}, "marginType": {"ISOLATED"}}, true); status != 200 {
		t.Fatalf("marginType: %d %s", status, body)
	}
	r := c.call("order.place", map[string]string{"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.100", "newOrderRespType": "RESULT"})
	if r.Result["status"] != "FILLED" {
		t.Fatalf("market buy: %s", r.raw)
	}
	// A resting order the liquidation must expire, far above a falling market.
	_, ask := bestFutures(e)
	rest := c.call("order.place", map[string]string{"symbol": "BTCUSDT", "side": "SELL", "type": "LIMIT", "timeInForce": "GTC", "price": ask.Add(decimal.NewFromInt(2000)).StringFixed(2), "quantity": "0.010"})
	if rest.Status != 200 {
		t.Fatalf("resting order: %s", rest.raw)
	}
	_, pos, _ := e.USDMAccount(usdmKey)
	if p := pos["BTCUSDT"]; !p.Isolated || p.Leverage != 125 || p.IsolatedWallet.IsZero() {
		t.Fatalf("position: %+v", p)
	}
	// Down in small steps until the margin call, then a crash. The margin call comes
	// at a fall of 0.3%, the liquidation at 0.4% (125x: initial margin 0.8%,
	// maintenance 0.4%); the mark price moves once a second, so the steps are a
	// second apart and well inside that band.
	called := false
	for i := 0; i < 40 && !called; i++ {
		if err := e.Shock("BTCUSDT", -0.0004); err != nil {
			t.Fatal(err)
		}
		time.Sleep(1050 * time.Millisecond)
		for _, ev := range c.drain() {
			if ev["e"] == "MARGIN_CALL" {
				called = true
			}
			if ev["e"] == "ORDER_TRADE_UPDATE" && ev["o"].(map[string]any)["o"] == "LIQUIDATION" {
				t.Fatalf("liquidated before any margin call: %v", c.events)
			}
		}
	}
	if !called {
		t.Fatalf("no MARGIN_CALL: %v", c.events)
	}
	mc := c.waitEvent("MARGIN_CALL", func(ev map[string]any) bool { return ev["e"] == "MARGIN_CALL" })
	p := mc["p"].([]any)[0].(map[string]any)
	if p["s"] != "BTCUSDT" || p["mt"] != "ISOLATED" || p["ps"] != "BOTH" || p["pa"] != "0.100" || p["mm"] == "" || p["mp"] == "" || mc["cw"] != nil {
		t.Errorf("MARGIN_CALL: %v", mc)
	}
	if err := e.Shock("BTCUSDT", -0.05); err != nil {
		t.Fatal(err)
	}
	liq := c.waitEvent("liquidation", func(ev map[string]any) bool {
		return ev["e"] == "ORDER_TRADE_UPDATE" && ev["o"].(map[string]any)["o"] == "LIQUIDATION"
	})
	o := liq["o"].(map[string]any)
	if o["x"] != "CALCULATED" || o["X"] != "FILLED" || o["S"] != "SELL" || o["ot"] != "LIQUIDATION" || o["z"] != "0.100" || o["f"] != "IOC" || len(o["c"].(string)) < 10 || o["c"].(string)[:10] != "autoclose-" {
		t.Errorf("liquidation order: %v", liq)
	}
	c.waitEvent("resting order expired", func(ev map[string]any) bool {
		if ev["e"] != "ORDER_TRADE_UPDATE" {
			return false
		}
		o := ev["o"].(map[string]any)
		return idStr(o["i"]) == idStr(rest.Result["orderId"]) && o["x"] == "EXPIRED" && o["er"] == "5"
	})
	au := c.waitEvent("ACCOUNT_UPDATE after liquidation", func(ev map[string]any) bool {
		if ev["e"] != "ACCOUNT_UPDATE" {
			return false
		}
		ps := ev["a"].(map[string]any)["P"].([]any)
		return len(ps) == 1 && ps[0].(map[string]any)["pa"] == "0.000"
	})
	if p := au["a"].(map[string]any)["P"].([]any)[0].(map[string]any); p["iw"] != "0.00000000" || p["mt"] != "isolated" {
		t.Errorf("position after liquidation: %v", au)
	}
	_, pos, _ = e.USDMAccount(usdmKey)
	if !pos["BTCUSDT"].Amount.IsZero() {
		t.Errorf("position not closed: %+v", pos["BTCUSDT"])
	}
}

// TestUSDMAuth checks the signature and timing rules on the WebSocket API and REST,
// and an Ed25519 session.
func TestUSDMAuth(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	cfg := usdmConfig(59)
	cfg.Accounts = append(cfg.Accounts, AccountConfig{APIKey: "ed-key", Ed25519: pub, Balances: map[string]string{"USDT": "1000"}})
	e := startExchange(t, cfg)
	api := dial(t, e.USDMWSAPIURL())
	send := func(method string, p map[string]string) usdmResp {
		t.Helper()
		msg, _ := json.Marshal(map[string]any{"id": "x", "method": method, "params": p})
		api.WriteMessage(websocket.TextMessage, msg)
		api.SetReadDeadline(time.Now().Add(20 * time.Second))
		_, b, err := api.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		var r usdmResp
		json.Unmarshal(b, &r)
		r.raw = b
		return r
	}
	ts := strconv.FormatInt(time.Now().UnixMilli(), 10)
	p := map[string]string{"apiKey": usdmKey, "timestamp": ts}
	p["signature"] = SignHMAC("wrong", SignaturePayload(p))
	if r := send("v2/account.status", p); r.code() != -1022 {
		t.Errorf("bad signature: %s", r.raw)
	}
	p = map[string]string{"apiKey": usdmKey, "timestamp": strconv.FormatInt(time.Now().Add(-time.Minute).UnixMilli(), 10)}
	p["signature"] = SignHMAC(usdmSecret, SignaturePayload(p))
	if r := send("v2/account.status", p); r.code() != -1021 {
		t.Errorf("old timestamp: %s", r.raw)
	}
	// session.logon with Ed25519, then unsigned requests on the session.
	p = map[string]string{"apiKey": "ed-key", "timestamp": ts}
	p["signature"] = base64.StdEncoding.EncodeToString(ed25519.Sign(priv, []byte(SignaturePayload(p))))
	if r := send("session.logon", p); r.Status != 200 || r.Result["apiKey"] != "ed-key" {
		t.Fatalf("session.logon: %s", r.raw)
	}
	r := send("v2/account.status", map[string]string{"timestamp": strconv.FormatInt(time.Now().UnixMilli(), 10)})
	if r.Status != 200 || r.Result["totalWalletBalance"] != "1000.00000000" {
		t.Errorf("account on the session: %s", r.raw)
	}
	if r := send("order.nope", map[string]string{}); r.code() != errUnknownMethod.Code {
		t.Errorf("unknown method: %s", r.raw)
	}
	// REST: a bad signature, then a good one.
	c := &usdmClient{t: t, e: e}
	q := url.Values{"timestamp": {ts}}.Encode()
	status, body := getWithKey(t, e.RESTURL()+"/fapi/v3/account?"+q+"&signature="+SignHMAC("wrong", q), usdmKey)
	if status != 400 || !containsCode(body, -1022) {
		t.Errorf("REST bad signature: %d %s", status, body)
	}
	if status, body := c.rest("GET", "/fapi/v3/account", nil, true); status != 200 {
		t.Errorf("REST account: %d %s", status, body)
	}
	if status, body := getWithKey(t, e.RESTURL()+"/fapi/v1/listenKey", "nobody"); status != 401 || !containsCode(body, -2015) {
		t.Errorf("unknown key: %d %s", status, body)
	}
}

// getWithKey GETs url with the X-MBX-APIKEY header.
func getWithKey(t *testing.T, u, key string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Set("X-MBX-APIKEY", key)
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}
