package exchange

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/shopspring/decimal"
)

// The tests of this file check the exchange against Binance's documentation
// of the WebSocket API (web-socket-api.md), its errors (errors.md), the user
// data stream (user-data-stream.md) and the commission FAQ
// (faqs/commission_faq.md). Each names the section it follows.

// alignedClock returns a clock that runs with the wall clock but starts one
// second into a minute, so that a test's requests all fall in one
// clock-aligned rate limit window however slow the machine.
func alignedClock() func() time.Time {
	now := time.Now()
	offset := time.Duration(now.UnixNano()%int64(time.Minute)) - time.Second
	return func() time.Time { return time.Now().Add(-offset) }
}

// fullResponse is a response with the fields response leaves out.
type fullResponse struct {
	ID     any             `json:"id"`
	Status int             `json:"status"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code int             `json:"code"`
		Msg  string          `json:"msg"`
		Data json.RawMessage `json:"data"`
	} `json:"error"`
	RateLimits []struct {
		RateLimitType string `json:"rateLimitType"`
		Interval      string `json:"interval"`
		IntervalNum   int    `json:"intervalNum"`
		Limit         int    `json:"limit"`
		Count         int    `json:"count"`
	} `json:"rateLimits"`
}

// callFull signs and sends a request stamped with clock, and decodes the
// whole response; events met meanwhile are kept.
func (c *apiClient) callFull(clock func() time.Time, method string, p map[string]any) fullResponse {
	c.t.Helper()
	if p == nil {
		p = map[string]any{}
	}
	if _, ok := p["timestamp"]; !ok && clock != nil {
		p["timestamp"] = clock().UnixMilli()
	}
	r := c.call(method, p)
	_ = r
	return c.last
}

func TestRateLimits(t *testing.T) {
	clock := alignedClock()
	e := startExchange(t, Config{Seed: 5, Now: clock,
		Limits:   RateLimits{WeightPerMinute: 30, OrdersPer10s: 3, OrdersPerDay: 1000, BanAfter: 3, BanFor: time.Minute},
		Accounts: []AccountConfig{{APIKey: "alice", Secret: "s", Balances: map[string]string{"USDT": "100000", "BTC": "1"}}}})
	c := newAPIClient(t, e, "alice", "s")
	var bid int64
	e.With(func() { bid, _, _ = e.Market("BTCUSDT").Book().Best(Buy) })
	order := func(id string) map[string]any {
		return map[string]any{"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT_MAKER", "price": wireScale.String(bid - 500*1_000_000),
			"quantity": "0.001", "newClientOrderId": id}
	}
	// "rateLimits field is included with every response by default": an
	// order shows the two ORDERS limits and the weight, in that order.
	r := c.callFull(clock, "order.place", order("o1"))
	if r.Status != 200 || len(r.RateLimits) != 3 {
		t.Fatalf("order.place: %+v", r)
	}
	want := []string{"ORDERS SECOND 10 3 1", "ORDERS DAY 1 1000 1", "REQUEST_WEIGHT MINUTE 1 30 1"}
	for i, rl := range r.RateLimits {
		if got := strings.Join([]string{rl.RateLimitType, rl.Interval, itoa(rl.IntervalNum), itoa(rl.Limit), itoa(rl.Count)}, " "); got != want[i] {
			t.Errorf("rateLimits[%d] = %s, want %s", i, got, want[i])
		}
	}
	// A query shows the weight alone; order.status weighs 4.
	r = c.callFull(clock, "order.status", map[string]any{"symbol": "BTCUSDT", "origClientOrderId": "o1"})
	if len(r.RateLimits) != 1 || r.RateLimits[0].Count != 5 {
		t.Errorf("order.status rateLimits %+v", r.RateLimits)
	}
	// returnRateLimits=false hides them ("How to show/hide rate limit
	// information").
	r = c.callFull(clock, "order.status", map[string]any{"symbol": "BTCUSDT", "origClientOrderId": "o1", "returnRateLimits": false})
	if r.Status != 200 || r.RateLimits != nil {
		t.Errorf("returnRateLimits=false: %+v", r)
	}
	// The unfilled order count: 3 per 10 s. The 4th order is refused with
	// 429 -1015 and a retryAfter at the next 10 s boundary.
	c.callFull(clock, "order.place", order("o2"))
	c.callFull(clock, "order.place", order("o3"))
	r = c.callFull(clock, "order.place", order("o4"))
	if r.Status != 429 || r.Error == nil || r.Error.Code != -1015 || !strings.HasPrefix(r.Error.Msg, "Too many new orders; current limit is 3 orders per 10 SECOND.") {
		t.Fatalf("4th order in 10 s: %+v %+v", r, r.Error)
	}
	var data struct{ ServerTime, RetryAfter int64 }
	if err := json.Unmarshal(r.Error.Data, &data); err != nil || data.RetryAfter <= data.ServerTime || data.RetryAfter%10_000 != 0 {
		t.Errorf("429 data %s: %+v", r.Error.Data, data)
	}
	// The weight: past 30 a request is refused with 429 -1003 and a
	// retryAfter at the next minute.
	for i := 0; ; i++ {
		r = c.callFull(clock, "order.status", map[string]any{"symbol": "BTCUSDT", "origClientOrderId": "o1"})
		if r.Status != 200 || i > 10 {
			break
		}
	}
	if r.Status != 429 || r.Error.Code != -1003 || !strings.Contains(r.Error.Msg, "current limit is 30 request weight per 1 MINUTE") {
		t.Fatalf("past the weight: %+v %+v", r, r.Error)
	}
	json.Unmarshal(r.Error.Data, &data)
	if data.RetryAfter%60_000 != 0 || data.RetryAfter <= data.ServerTime {
		t.Errorf("weight 429 data %s", r.Error.Data)
	}
	// A client that keeps sending after 429s is banned: 418, the ban's end
	// as retryAfter, and the connection is closed.
	var banned fullResponse
	for range 5 {
		banned = c.callFull(clock, "ping", nil)
		if banned.Status == 418 {
			break
		}
	}
	if banned.Status != 418 || banned.Error.Code != -1003 || !strings.Contains(banned.Error.Msg, "IP banned until") {
		t.Fatalf("no ban: %+v %+v", banned, banned.Error)
	}
	c.ws.SetReadDeadline(time.Now().Add(3 * time.Second))
	if _, _, err := c.ws.ReadMessage(); err == nil {
		t.Error("connection still open after the ban")
	}
	// A new connection is still banned: the ban is per IP.
	c2 := newAPIClient(t, e, "alice", "s")
	if r := c2.callFull(clock, "ping", nil); r.Status != 418 {
		t.Errorf("after the ban, another connection: %+v", r)
	}
}

func itoa(n int) string { return decimal.NewFromInt(int64(n)).String() }

func TestRateLimitFault(t *testing.T) {
	e := startExchange(t, Config{Seed: 6, Faults: Faults{RateLimitRate: 1}, Limits: RateLimits{BanAfter: 100}})
	c := newAPIClient(t, e, "", "")
	r := c.callFull(nil, "ping", nil)
	if r.Status != 429 || r.Error.Code != -1003 || len(r.Error.Data) == 0 {
		t.Errorf("injected 429: %+v", r)
	}
}

func TestSessionAndVersionPrefix(t *testing.T) {
	e := startExchange(t, Config{Seed: 7})
	ws := dial(t, e.WSAPIURL()+"?returnRateLimits=false")
	c := &apiClient{t: t, ws: ws}
	// "Request method names may be prefixed with explicit version".
	r := c.raw(`{"id":"a","method":"v3/ping"}`)
	if r.Status != 200 || string(r.Result) != "{}" {
		t.Errorf("v3/ping: %+v", r)
	}
	if c.last.RateLimits != nil {
		t.Errorf("rateLimits with returnRateLimits=false in the URL: %+v", c.last.RateLimits)
	}
	// With the parameter true, they are shown anyway.
	c.raw(`{"id":"b","method":"time","params":{"returnRateLimits":true}}`)
	if len(c.last.RateLimits) != 1 {
		t.Errorf("returnRateLimits true: %+v", c.last)
	}
	r = c.raw(`{"id":"c","method":"session.status"}`)
	var st map[string]any
	json.Unmarshal(r.Result, &st)
	for _, k := range []string{"apiKey", "authorizedSince", "connectedSince", "returnRateLimits", "serverTime", "userDataStream"} {
		if _, ok := st[k]; !ok {
			t.Errorf("session.status lacks %s: %s", k, r.Result)
		}
	}
	if st["apiKey"] != nil || st["authorizedSince"] != nil || st["returnRateLimits"] != false {
		t.Errorf("session.status of an anonymous connection: %s", r.Result)
	}
}

// venueWith starts an exchange with alice and bob funded (BNB too) and
// alice subscribed to her user data.
func venueWith(t *testing.T, cfg Config) (*Exchange, *apiClient) {
	t.Helper()
	cfg.Accounts = []AccountConfig{
		{APIKey: "alice", Secret: "s", Balances: map[string]string{"USDT": "100000000", "BTC": "1", "BNB": "10"}},
		{APIKey: "bob", Secret: "s", Balances: map[string]string{"USDT": "100000", "BTC": "1"}},
	}
	e := startExchange(t, cfg)
	e.With(func() { e.Market("BTCUSDT").enabled = false }) // a still market: the book is what the test sees
	c := newAPIClient(t, e, "alice", "s")
	if r := c.call("userDataStream.subscribe.signature", map[string]any{}); r.Status != 200 {
		t.Fatal(r)
	}
	return e, c
}

func bestPrices(e *Exchange) (bid, ask int64) {
	e.With(func() {
		b := e.Market("BTCUSDT").Book()
		bid, _, _ = b.Best(Buy)
		ask, _, _ = b.Best(Sell)
	})
	return bid, ask
}

func dec(s any) decimal.Decimal {
	d, _ := decimal.NewFromString(s.(string))
	return d
}

// TestCommission follows faqs/commission_faq.md: the received amount times
// the rate, taken from the received asset (base on a buy, quote on a sell),
// shown as n and N in the TRADE report and in the FULL response's fills, and
// taken from the balance; in BNB when so configured.
func TestCommission(t *testing.T) {
	e, alice := venueWith(t, Config{Seed: 8, Commission: Commission{Maker: "0.001", Taker: "0.002"}})
	_, ask := bestPrices(e)
	res := result(t, alice.call("order.place", map[string]any{"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.01", "newClientOrderId": "mb"}))
	if res["status"] != "FILLED" || res["type"] != "MARKET" {
		t.Fatalf("market buy: %v", res)
	}
	var comm decimal.Decimal
	for _, f := range res["fills"].([]any) {
		f := f.(map[string]any)
		if f["commissionAsset"] != "BTC" {
			t.Errorf("buy fill commission asset %v", f)
		}
		want := dec(f["qty"]).Mul(decimal.RequireFromString("0.002"))
		if !dec(f["commission"]).Equal(want) {
			t.Errorf("fill commission %v, want %v", f["commission"], want)
		}
		comm = comm.Add(dec(f["commission"]))
	}
	tr := alice.waitEvent("TRADE", execReport("mb", "TRADE"))
	if tr["N"] != "BTC" || dec(tr["n"]).IsZero() {
		t.Errorf("TRADE report commission n=%v N=%v", tr["n"], tr["N"])
	}
	view, _ := e.Account("alice")
	wantBTC := decimal.NewFromInt(1).Add(decimal.RequireFromString("0.01")).Sub(comm)
	if !view.Balances["BTC"].Free.Equal(wantBTC) {
		t.Errorf("BTC after a buy with commission: %v, want %v", view.Balances["BTC"].Free, wantBTC)
	}
	_ = ask
	// A sell pays in the quote asset.
	res = result(t, alice.call("order.place", map[string]any{"symbol": "BTCUSDT", "side": "SELL", "type": "MARKET", "quantity": "0.005", "newClientOrderId": "ms"}))
	f := res["fills"].([]any)[0].(map[string]any)
	if f["commissionAsset"] != "USDT" {
		t.Errorf("sell commission asset: %v", f)
	}

	// In BNB, at the configured BNB price, from the BNB balance.
	e2, bob := venueWith(t, Config{Seed: 9, Commission: Commission{Taker: "0.001", Asset: "BNB", BNBPrice: "500", BNBFactor: "0.75"}})
	res = result(t, bob.call("order.place", map[string]any{"symbol": "BTCUSDT", "side": "SELL", "type": "MARKET", "quantity": "0.01", "newClientOrderId": "bnb"}))
	f = res["fills"].([]any)[0].(map[string]any)
	notional := dec(f["price"]).Mul(dec(f["qty"]))
	want := notional.Mul(decimal.RequireFromString("0.001")).Div(decimal.NewFromInt(500)).Mul(decimal.RequireFromString("0.75")).Truncate(8)
	if f["commissionAsset"] != "BNB" || !dec(f["commission"]).Sub(want).Abs().LessThanOrEqual(decimal.New(1, -8)) {
		t.Errorf("BNB commission %v, want about %v", f, want)
	}
	tr = bob.waitEvent("TRADE in BNB", execReport("bnb", "TRADE"))
	if tr["N"] != "BNB" {
		t.Errorf("report N %v", tr["N"])
	}
	bob.waitEvent("BNB balance", func(ev map[string]any) bool {
		return ev["e"] == "outboundAccountPosition" && strings.Contains(mustJSON(ev), `"a":"BNB"`)
	})
	v, _ := e2.Account("alice")
	if !v.Balances["BNB"].Free.Equal(decimal.NewFromInt(10).Sub(dec(f["commission"]))) {
		t.Errorf("BNB balance %v", v.Balances["BNB"])
	}
	if r := bob.call("account.commission", map[string]any{"symbol": "BTCUSDT"}); r.Status != 200 || !strings.Contains(string(r.Result), `"taker":"0.00100000"`) {
		t.Errorf("account.commission %+v %s", r, r.Result)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestOrderTypes checks MARKET by quantity and by quoteOrderQty, FOK, the
// response type defaults, order.test, and unique execution ids
// (web-socket-api.md, "Place new order", "Test new order";
// user-data-stream.md, "Order Update").
func TestOrderTypes(t *testing.T) {
	e, c := venueWith(t, Config{Seed: 10})
	bid, ask := bestPrices(e)
	px := func(v int64) string { return wireScale.String(v) }

	res := result(t, c.call("order.place", map[string]any{"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quoteOrderQty": "100", "newClientOrderId": "q"}))
	spent := dec(res["cummulativeQuoteQty"])
	if res["status"] != "FILLED" || spent.GreaterThan(decimal.NewFromInt(100)) || spent.LessThan(decimal.NewFromInt(99)) || res["origQuoteOrderQty"] != "100.00000000" {
		t.Errorf("quoteOrderQty 100: %v", res)
	}
	if !dec(res["executedQty"]).Equal(dec(res["origQty"])) {
		t.Errorf("quote order: executed %v of %v", res["executedQty"], res["origQty"])
	}
	// FOK larger than the whole book side expires with no fill; a small one
	// fills whole.
	var askQty int64
	e.With(func() { ask, askQty, _ = e.Market("BTCUSDT").Book().Best(Sell) })
	res = result(t, c.call("order.place", map[string]any{"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "FOK", "price": px(ask), "quantity": px(askQty + 1000), "newClientOrderId": "fok1"}))
	if res["status"] != "EXPIRED" || res["executedQty"] != "0.00000000" {
		t.Errorf("FOK too large: %v", res)
	}
	_, ask = bestPrices(e)
	res = result(t, c.call("order.place", map[string]any{"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "FOK", "price": px(ask), "quantity": "0.0001", "newClientOrderId": "fok2"}))
	if res["status"] != "FILLED" {
		t.Errorf("FOK small: %v", res)
	}
	// LIMIT answers FULL by default, LIMIT_MAKER ACK.
	res = result(t, c.call("order.place", map[string]any{"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT_MAKER", "price": px(bid - 100_000_000), "quantity": "0.001", "newClientOrderId": "lm"}))
	if _, has := res["status"]; has {
		t.Errorf("LIMIT_MAKER default response is not ACK: %v", res)
	}
	res = result(t, c.call("order.place", map[string]any{"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "price": px(bid - 100_000_000), "quantity": "0.001", "newClientOrderId": "lg"}))
	if _, has := res["fills"]; !has {
		t.Errorf("LIMIT default response is not FULL: %v", res)
	}
	// order.test validates and places nothing.
	if r := c.call("order.test", map[string]any{"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "price": px(bid), "quantity": "0.001"}); r.Status != 200 || string(r.Result) != "{}" {
		t.Errorf("order.test: %+v %s", r, r.Result)
	}
	if r := c.call("order.test", map[string]any{"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "price": px(bid), "quantity": "0.0000001"}); r.code() != -1013 {
		t.Errorf("order.test of a bad order: %+v", r)
	}
	if r := c.call("order.test", map[string]any{"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "price": px(bid), "quantity": "0.001", "computeCommissionRates": true}); !strings.Contains(string(r.Result), "standardCommissionForOrder") {
		t.Errorf("order.test computeCommissionRates: %s", r.Result)
	}
	if v, _ := e.Account("alice"); len(v.OpenOrders) != 2 {
		t.Errorf("open orders after order.test: %d, want 2", len(v.OpenOrders))
	}
	// Every execution report has its own execution id.
	c.waitEvent("lg NEW", execReport("lg", "NEW"))
	seen := map[float64]bool{}
	for _, ev := range c.events {
		if ev["e"] != "executionReport" {
			continue
		}
		id := ev["I"].(float64)
		if seen[id] {
			t.Errorf("execution id %v repeated", id)
		}
		seen[id] = true
	}
	if len(seen) < 5 {
		t.Errorf("only %d reports", len(seen))
	}
}

// TestCancelReplaceAndAmend follows "Cancel and replace order" and "Order
// Amend Keep Priority" (and faqs/order_amend_keep_priority.md): an amended
// order keeps its place in the queue; a cancel-replaced one goes to its back.
func TestCancelReplaceAndAmend(t *testing.T) {
	e, c := venueWith(t, Config{Seed: 11})
	bid, _ := bestPrices(e)
	price := wireScale.String(bid - 300*1_000_000)
	for _, id := range []string{"first", "second"} {
		result(t, c.call("order.place", map[string]any{"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "price": price, "quantity": "0.002", "newClientOrderId": id}))
	}
	queue := func() []string {
		var ids []string
		e.With(func() {
			l := e.Market("BTCUSDT").Book().side(Buy).get(bid - 300*1_000_000)
			for _, o := range l.orders {
				if o.account != nil {
					ids = append(ids, o.ClientID)
				}
			}
		})
		return ids
	}
	res := result(t, c.call("order.amend.keepPriority", map[string]any{"symbol": "BTCUSDT", "origClientOrderId": "first", "newQty": "0.001", "newClientOrderId": "first-a"}))
	am := res["amendedOrder"].(map[string]any)
	if am["qty"] != "0.00100000" || am["clientOrderId"] != "first-a" || am["origClientOrderId"] != "first" {
		t.Errorf("amend: %v", res)
	}
	if q := queue(); strings.Join(q, ",") != "first-a,second" {
		t.Errorf("queue after amend: %v", q)
	}
	rep := c.waitEvent("REPLACED", execReport("first-a", "REPLACED"))
	if rep["q"] != "0.00100000" || rep["C"] != "first" {
		t.Errorf("REPLACED report %v", rep)
	}
	if r := c.call("order.amend.keepPriority", map[string]any{"symbol": "BTCUSDT", "origClientOrderId": "first-a", "newQty": "0.01"}); r.code() != -2038 {
		t.Errorf("amend up: %+v", r)
	}
	res = result(t, c.call("order.cancelReplace", map[string]any{"symbol": "BTCUSDT", "cancelReplaceMode": "STOP_ON_FAILURE", "cancelOrigClientOrderId": "first-a",
		"side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "price": price, "quantity": "0.001", "newClientOrderId": "first-r"}))
	if res["cancelResult"] != "SUCCESS" || res["newOrderResult"] != "SUCCESS" {
		t.Errorf("cancelReplace: %v", res)
	}
	if q := queue(); strings.Join(q, ",") != "second,first-r" {
		t.Errorf("queue after cancelReplace: %v", q)
	}
	r := c.callFull(nil, "order.cancelReplace", map[string]any{"symbol": "BTCUSDT", "cancelReplaceMode": "STOP_ON_FAILURE", "cancelOrigClientOrderId": "gone",
		"side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "price": price, "quantity": "0.001"})
	if r.Status != 400 || r.Error.Code != -2022 || !strings.Contains(string(r.Error.Data), `"newOrderResult":"NOT_ATTEMPTED"`) {
		t.Errorf("cancelReplace of an unknown order: %+v %+v", r, r.Error)
	}
	r = c.callFull(nil, "order.cancelReplace", map[string]any{"symbol": "BTCUSDT", "cancelReplaceMode": "ALLOW_FAILURE", "cancelOrigClientOrderId": "gone",
		"side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "price": price, "quantity": "0.001", "newClientOrderId": "third"})
	if r.Status != 409 || r.Error.Code != -2021 || !strings.Contains(string(r.Error.Data), `"newOrderResult":"SUCCESS"`) {
		t.Errorf("cancelReplace ALLOW_FAILURE: %+v %+v", r, r.Error)
	}
}

// TestReportOrderAndStatusLag: with ReportsFirstRate 1 the execution report
// comes before the response; with StatusLag a just-placed order is unknown
// to order.status (-2013) for a moment.
func TestReportOrderAndStatusLag(t *testing.T) {
	e, c := venueWith(t, Config{Seed: 12, ReportsFirstRate: 1, StatusLag: time.Hour})
	bid, _ := bestPrices(e)
	c.call("order.place", map[string]any{"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT_MAKER", "price": wireScale.String(bid - 100_000_000), "quantity": "0.001", "newClientOrderId": "x"})
	if len(c.events) == 0 || c.events[0]["x"] != "NEW" {
		t.Errorf("the NEW report did not come before the response: %v", c.events)
	}
	if r := c.call("order.status", map[string]any{"symbol": "BTCUSDT", "origClientOrderId": "x"}); r.code() != -2013 {
		t.Errorf("order.status within the lag: %+v", r)
	}
}

var _ = websocket.TextMessage

// TestFilledOrdersLeaveTheUnfilledCount: an order's first fill takes it off the
// unfilled order count (faqs/order_count_decrement.md, "How do filled orders affect the
// unfilled order count?"), so a trader whose orders trade keeps trading; cancelled
// orders keep counting.
func TestFilledOrdersLeaveTheUnfilledCount(t *testing.T) {
	clock := alignedClock()
	e := startExchange(t, Config{Seed: 5, Now: clock,
		Limits:   RateLimits{WeightPerMinute: 1000, OrdersPer10s: 3, OrdersPerDay: 1000},
		Accounts: []AccountConfig{{APIKey: "alice", Secret: "s", Balances: map[string]string{"USDT": "100000", "BTC": "1"}}}})
	c := newAPIClient(t, e, "alice", "s")
	var bid int64
	e.With(func() { bid, _, _ = e.Market("BTCUSDT").Book().Best(Buy) })
	resting := func(id string) map[string]any {
		return map[string]any{"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT_MAKER", "price": wireScale.String(bid / 2 / 1_000_000 * 1_000_000), // far from the market: never filled
			"quantity": "0.001", "newClientOrderId": id}
	}
	count := func(r fullResponse) int {
		for _, rl := range r.RateLimits {
			if rl.RateLimitType == "ORDERS" && rl.Interval == "SECOND" {
				return rl.Count
			}
		}
		return -1
	}
	c.callFull(clock, "order.place", resting("a"))
	if r := c.callFull(clock, "order.cancel", map[string]any{"symbol": "BTCUSDT", "origClientOrderId": "a"}); r.Status != 200 {
		t.Fatalf("cancel: %+v", r)
	}
	c.callFull(clock, "order.place", resting("b"))
	// A market order fills at once: counted, then taken off by its first fill.
	r := c.callFull(clock, "order.place", map[string]any{"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.001", "newClientOrderId": "m"})
	if r.Status != 200 {
		t.Fatalf("market order: %+v %+v", r, r.Error)
	}
	// The cancelled and the resting order count, the filled one not: a third resting
	// order still fits in the limit of 3, and a fourth does not.
	if r := c.callFull(clock, "order.place", resting("c")); r.Status != 200 || count(r) != 3 {
		t.Fatalf("third unfilled order: %+v %+v, count %d (want 3)", r, r.Error, count(r))
	}
	if r := c.callFull(clock, "order.place", resting("d")); r.Status != 429 || r.Error.Code != -1015 {
		t.Fatalf("fourth unfilled order: %+v", r)
	}
}
