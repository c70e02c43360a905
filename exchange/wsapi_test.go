package exchange

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/shopspring/decimal"
)

// The example of Binance's WebSocket API documentation, "SIGNED request
// example (HMAC)":
// https://developers.binance.com/docs/binance-spot-api-docs/websocket-api/request-security
const (
	docAPIKey    = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
	docSecret    = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
	docPayload   = "apiKey=vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A&newOrderRespType=ACK&price=52000.00&quantity=0.01000000&recvWindow=100&side=SELL&symbol=BTCUSDT&timeInForce=GTC&timestamp=1645423376532&type=LIMIT"
	docSignature = "cc15477742bd704c29492d96c7ead9414dfd8e0ec4a00f947bb5bb454ddbd08a"
	docRequest   = `{
  "id": "4885f793-e5ad-4c3b-8f6c-55d891472b71",
  "method": "order.place",
  "params": {
    "symbol":           "BTCUSDT",
    "side":             "SELL",
    "type":             "LIMIT",
    "timeInForce":      "GTC",
    "quantity":         "0.01000000",
    "price":            "52000.00",
    "newOrderRespType": "ACK",
    "recvWindow":       100,
    "timestamp":        1645423376532,
    "apiKey":           "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A",
    "signature":        "cc15477742bd704c29492d96c7ead9414dfd8e0ec4a00f947bb5bb454ddbd08a"
  }
}`
	docTimestamp = 1645423376532
)

// TestSignatureDocExample reproduces the documented signature: the payload
// built from the request's params, its HMAC, and the verification of the
// documented request as it is sent (numbers unquoted).
func TestSignatureDocExample(t *testing.T) {
	req, err := parseRequest([]byte(docRequest))
	if err != nil {
		t.Fatal(err)
	}
	if got := SignaturePayload(req.params); got != docPayload {
		t.Errorf("payload\n%s\nwant\n%s", got, docPayload)
	}
	if got := SignHMAC(docSecret, docPayload); got != docSignature {
		t.Errorf("signature %s, want %s", got, docSignature)
	}
	a, aerr := newAccount(AccountConfig{APIKey: docAPIKey, Secret: docSecret})
	if aerr != nil {
		t.Fatal(aerr)
	}
	tests := []struct {
		name   string
		change func(params)
		want   bool
	}{
		{"as documented", func(params) {}, true},
		{"upper-case hex", func(p params) { p["signature"] = strings.ToUpper(docSignature) }, true},
		{"price changed", func(p params) { p["price"] = "52000.01" }, false},
		{"signature changed", func(p params) { p["signature"] = "0" + docSignature[1:] }, false},
		{"extra param", func(p params) { p["icebergQty"] = "0" }, false},
	}
	for _, tt := range tests {
		p := params{}
		for k, v := range req.params {
			p[k] = v
		}
		tt.change(p)
		if got := a.verify(p); got != tt.want {
			t.Errorf("%s: verify %v, want %v", tt.name, got, tt.want)
		}
	}
}

// apiClient is a WebSocket API client for tests.
type apiClient struct {
	t      *testing.T
	ws     *websocket.Conn
	key    string
	secret string
	ed     ed25519.PrivateKey
	id     int
	events []map[string]any
	last   fullResponse // the last response, whole
}

func newAPIClient(t *testing.T, e *Exchange, key, secret string) *apiClient {
	return &apiClient{t: t, ws: dial(t, e.WSAPIURL()), key: key, secret: secret}
}

// response is a decoded WebSocket API response.
type response struct {
	ID     any             `json:"id"`
	Status int             `json:"status"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code int    `json:"code"`
		Msg  string `json:"msg"`
	} `json:"error"`
}

func (r response) code() int {
	if r.Error == nil {
		return 0
	}
	return r.Error.Code
}

// raw sends msg and returns the next response, collecting events meanwhile.
func (c *apiClient) raw(msg string) response {
	c.t.Helper()
	if err := c.ws.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
		c.t.Fatal(err)
	}
	for {
		c.ws.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, b, err := c.ws.ReadMessage()
		if err != nil {
			c.t.Fatalf("reading the response to %.100s: %v", msg, err)
		}
		var probe map[string]json.RawMessage
		if err := json.Unmarshal(b, &probe); err != nil {
			c.t.Fatalf("response %s: %v", b, err)
		}
		if ev, ok := probe["event"]; ok {
			var m map[string]any
			json.Unmarshal(ev, &m)
			c.events = append(c.events, m)
			continue
		}
		var r response
		if err := json.Unmarshal(b, &r); err != nil {
			c.t.Fatalf("response %s: %v", b, err)
		}
		c.last = fullResponse{}
		json.Unmarshal(b, &c.last)
		return r
	}
}

// call signs and sends a request; params values are strings or numbers.
func (c *apiClient) call(method string, p map[string]any) response {
	c.t.Helper()
	c.id++
	sp := params{}
	for k, v := range p {
		sp[k] = fmt.Sprint(v)
	}
	if _, ok := p["apiKey"]; !ok && c.key != "" {
		p["apiKey"] = c.key
		sp["apiKey"] = c.key
	}
	if _, ok := p["timestamp"]; !ok {
		ts := time.Now().UnixMilli()
		p["timestamp"] = ts
		sp["timestamp"] = strconv.FormatInt(ts, 10)
	}
	if _, ok := p["signature"]; !ok {
		if c.ed != nil {
			p["signature"] = base64.StdEncoding.EncodeToString(ed25519.Sign(c.ed, []byte(SignaturePayload(sp))))
		} else if c.secret != "" {
			p["signature"] = SignHMAC(c.secret, SignaturePayload(sp))
		}
	}
	b, _ := json.Marshal(map[string]any{"id": c.id, "method": method, "params": p})
	return c.raw(string(b))
}

// waitEvent reads until an event satisfying ok arrives, or fails.
func (c *apiClient) waitEvent(what string, ok func(map[string]any) bool) map[string]any {
	c.t.Helper()
	for i := 0; ; i++ {
		for _, ev := range c.events {
			if ok(ev) {
				return ev
			}
		}
		c.ws.SetReadDeadline(time.Now().Add(3 * time.Second))
		_, b, err := c.ws.ReadMessage()
		if err != nil {
			c.t.Fatalf("waiting for %s: %v (events %v)", what, err, c.events)
		}
		var env struct {
			Event map[string]any `json:"event"`
		}
		if json.Unmarshal(b, &env) == nil && env.Event != nil {
			c.events = append(c.events, env.Event)
		}
	}
}

func execReport(clientID, exec string) func(map[string]any) bool {
	return func(ev map[string]any) bool {
		return ev["e"] == "executionReport" && (ev["c"] == clientID || ev["C"] == clientID) && ev["x"] == exec
	}
}

func result(t *testing.T, r response) map[string]any {
	t.Helper()
	if r.Status != 200 {
		t.Fatalf("status %d error %+v", r.Status, r.Error)
	}
	var m map[string]any
	if err := json.Unmarshal(r.Result, &m); err != nil {
		t.Fatalf("result %s: %v", r.Result, err)
	}
	return m
}

// TestDocRequestOverWebsocket sends the documentation's request verbatim,
// with the exchange's clock at its timestamp: it is accepted, and a copy
// with a tampered signature is refused.
func TestDocRequestOverWebsocket(t *testing.T) {
	e := startExchange(t, Config{
		Seed:     3,
		Now:      func() time.Time { return time.UnixMilli(docTimestamp + 40) },
		Accounts: []AccountConfig{{APIKey: docAPIKey, Secret: docSecret, Balances: map[string]string{"BTC": "1"}}},
	})
	c := newAPIClient(t, e, "", "")
	res := result(t, c.raw(docRequest))
	if res["symbol"] != "BTCUSDT" || res["clientOrderId"] == nil {
		t.Errorf("ACK result %v", res)
	}
	tampered := strings.Replace(docRequest, `"price":            "52000.00"`, `"price":            "52000.01"`, 1)
	if r := c.raw(tampered); r.Status != 400 || r.code() != -1022 || r.Error.Msg != "Signature for this request is not valid." {
		t.Errorf("tampered request: %+v %+v", r, r.Error)
	}
}

// TestOrderEntry runs orders through the WebSocket API: resting, canceling,
// taking, being filled as a maker by another account, the errors, and the
// execution reports and balances that follow.
func TestOrderEntry(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	e := startExchange(t, Config{
		Seed: 4,
		Accounts: []AccountConfig{
			{APIKey: "alice", Secret: "alice-secret", Balances: map[string]string{"USDT": "100000", "BTC": "1"}},
			{APIKey: "bob", Secret: "bob-secret", Ed25519: pub, Balances: map[string]string{"USDT": "100000", "BTC": "1"}},
		},
	})
	alice := newAPIClient(t, e, "alice", "alice-secret")
	if r := alice.call("userDataStream.subscribe.signature", map[string]any{}); r.Status != 200 || string(r.Result) != `{"subscriptionId":0}` {
		t.Fatalf("subscribe: %+v %s", r, r.Result)
	}
	var bid, ask int64
	e.With(func() {
		m := e.Market("BTCUSDT")
		bid, _, _ = m.Book().Best(Buy)
		ask, _, _ = m.Book().Best(Sell)
	})
	px := func(v int64) string { return wireScale.String(v) }

	// A post-only buy far below the market rests, is listed, and cancels.
	r := alice.call("order.place", map[string]any{"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT_MAKER",
		"price": px(bid - 1000*1_000_000), "quantity": "0.01", "newClientOrderId": "rest-1", "newOrderRespType": "RESULT"})
	res := result(t, r)
	if res["status"] != "NEW" || res["clientOrderId"] != "rest-1" || res["executedQty"] != "0.00000000" {
		t.Errorf("place: %v", res)
	}
	alice.waitEvent("NEW report", execReport("rest-1", "NEW"))
	r = alice.call("openOrders.status", map[string]any{"symbol": "BTCUSDT"})
	if r.Status != 200 || !strings.Contains(string(r.Result), `"clientOrderId":"rest-1"`) {
		t.Errorf("openOrders.status: %+v %s", r, r.Result)
	}
	view, _ := e.Account("alice")
	if len(view.OpenOrders) != 1 || view.Balances["USDT"].Locked.IsZero() {
		t.Errorf("account view with one order: %+v", view)
	}
	res = result(t, alice.call("order.cancel", map[string]any{"symbol": "BTCUSDT", "origClientOrderId": "rest-1"}))
	if res["status"] != "CANCELED" || res["origClientOrderId"] != "rest-1" {
		t.Errorf("cancel: %v", res)
	}
	alice.waitEvent("CANCELED report", execReport("rest-1", "CANCELED"))
	view, _ = e.Account("alice")
	if len(view.OpenOrders) != 0 || !view.Balances["USDT"].Locked.IsZero() || !view.Balances["USDT"].Free.Equal(decimal.NewFromInt(100000)) {
		t.Errorf("account view after cancel: %+v", view)
	}

	// An IOC buy through the ask takes liquidity.
	res = result(t, alice.call("order.place", map[string]any{"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "IOC",
		"price": px(ask + 500*1_000_000), "quantity": "0.05", "newClientOrderId": "take-1"}))
	if res["status"] != "FILLED" && res["status"] != "EXPIRED" {
		t.Errorf("IOC: %v", res)
	}
	fills, _ := res["fills"].([]any)
	if len(fills) == 0 {
		t.Fatalf("IOC through the ask filled nothing: %v", res)
	}
	tr := alice.waitEvent("TRADE report", execReport("take-1", "TRADE"))
	if tr["m"] != false || tr["t"].(float64) <= 0 {
		t.Errorf("taker TRADE report %v", tr)
	}
	executed, _ := decimal.NewFromString(res["executedQty"].(string))
	view, _ = e.Account("alice")
	if !view.Position["BTCUSDT"].Equal(executed) || !view.Balances["BTC"].Free.Equal(executed.Add(decimal.NewFromInt(1))) {
		t.Errorf("position %v, BTC %+v, executed %v", view.Position, view.Balances["BTC"], executed)
	}

	// Alice improves the bid; Bob, logged on with Ed25519, sells into it:
	// Alice is filled as the maker. The synthetic participants are stopped
	// first, so that none of them takes her bid while Bob logs on (on a
	// loaded machine that takes long enough).
	e.With(func() { e.Market("BTCUSDT").enabled = false })
	e.With(func() { bid, _, _ = e.Market("BTCUSDT").Book().Best(Buy) })
	e.With(func() { ask, _, _ = e.Market("BTCUSDT").Book().Best(Sell) })
	price := bid + 1_000_000
	if price >= ask {
		price = bid
	}
	result(t, alice.call("order.place", map[string]any{"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
		"price": px(price), "quantity": "0.002", "newClientOrderId": "maker-1"}))
	bob := newAPIClient(t, e, "bob", "")
	bob.ed = priv
	if r := bob.call("session.logon", map[string]any{}); r.Status != 200 {
		t.Fatalf("logon: %+v %+v", r, r.Error)
	}
	bob.ed = nil
	if r := bob.raw(`{"id":"u1","method":"userDataStream.subscribe"}`); r.Status != 200 || string(r.Result) != `{"subscriptionId":0}` {
		t.Fatalf("subscribe after logon: %+v %s", r, r.Result)
	}
	bobRes := result(t, bob.raw(`{"id":"s1","method":"order.place","params":{"symbol":"BTCUSDT","side":"SELL","type":"LIMIT","timeInForce":"IOC","price":"`+px(price)+`","quantity":"0.002","timestamp":`+strconv.FormatInt(time.Now().UnixMilli(), 10)+`}}`))
	if bobRes["executedQty"] == "0.00000000" {
		t.Errorf("bob's sell at alice's bid filled nothing: %v", bobRes)
	}
	bob.waitEvent("bob's TRADE report", func(ev map[string]any) bool {
		return ev["e"] == "executionReport" && ev["x"] == "TRADE" && ev["S"] == "SELL" && ev["m"] == false
	})
	bob.waitEvent("bob's balances", func(ev map[string]any) bool { return ev["e"] == "outboundAccountPosition" })
	mr := alice.waitEvent("maker TRADE report", execReport("maker-1", "TRADE"))
	if mr["m"] != true || mr["L"] != string(wireScale.AppendFixed(nil, price)) {
		t.Errorf("maker report %v", mr)
	}
	if r := alice.call("account.status", map[string]any{}); r.Status != 200 || !strings.Contains(string(r.Result), `"asset":"BTC"`) {
		t.Errorf("account.status %+v %s", r, r.Result)
	}
	if r := alice.call("openOrders.cancelAll", map[string]any{"symbol": "BTCUSDT"}); r.code() != -2011 {
		t.Errorf("cancelAll with nothing open: %+v", r)
	}
	for _, id := range []string{"all-1", "all-2"} {
		result(t, alice.call("order.place", map[string]any{"symbol": "BTCUSDT", "side": "SELL", "type": "LIMIT_MAKER",
			"price": px(ask + 2000*1_000_000), "quantity": "0.001", "newClientOrderId": id}))
	}
	r = alice.call("openOrders.cancelAll", map[string]any{"symbol": "BTCUSDT"})
	if r.Status != 200 || strings.Count(string(r.Result), `"status":"CANCELED"`) != 2 {
		t.Errorf("cancelAll: %+v %s", r, r.Result)
	}
	alice.waitEvent("all-2 canceled", execReport("all-2", "CANCELED"))
	if view, _ := e.Account("alice"); len(view.OpenOrders) != 0 || !view.Balances["BTC"].Locked.IsZero() {
		t.Errorf("after cancelAll: %+v", view)
	}

	// Errors.
	future := time.Now().Add(10 * time.Second).UnixMilli()
	stale := time.Now().Add(-10 * time.Second).UnixMilli()
	base := func(kv ...any) map[string]any {
		p := map[string]any{"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "price": px(bid - 100_000_000), "quantity": "0.001"}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(p, kv[i].(string))
			} else {
				p[kv[i].(string)] = kv[i+1]
			}
		}
		return p
	}
	tests := []struct {
		name     string
		client   *apiClient
		method   string
		params   map[string]any
		wantCode int
		wantMsg  string
	}{
		{"bad signature", alice, "order.place", base("signature", strings.Repeat("ab", 32)), -1022, "Signature for this request is not valid."},
		{"stale timestamp", alice, "order.place", base("timestamp", stale), -1021, "Timestamp for this request is outside of the recvWindow."},
		{"future timestamp", alice, "order.place", base("timestamp", future), -1021, ""},
		{"recvWindow too large", alice, "order.place", base("recvWindow", 70000), -1131, ""},
		{"unknown api key", newAPIClient(t, e, "mallory", "x"), "order.place", base(), -2015, "Invalid API-key, IP, or permissions for action."},
		{"no signature", newAPIClient(t, e, "alice", ""), "order.place", base(), -1102, ""},
		{"post-only would take", alice, "order.place", base("type", "LIMIT_MAKER", "timeInForce", nil, "price", px(ask+100_000_000)), -2010, "Order would immediately match and take."},
		{"tick", alice, "order.place", base("price", "50000.001"), -1013, "Filter failure: PRICE_FILTER"},
		{"lot", alice, "order.place", base("quantity", "0.000011"), -1013, "Filter failure: LOT_SIZE"},
		{"notional", alice, "order.place", base("quantity", "0.00001"), -1013, "Filter failure: NOTIONAL"},
		{"balance", alice, "order.place", base("quantity", "100"), -2010, "Account has insufficient balance for requested action."},
		{"symbol", alice, "order.place", base("symbol", "ETHUSDT"), -1121, "Invalid symbol."},
		{"side", alice, "order.place", base("side", "HOLD"), -1117, ""},
		{"missing price", alice, "order.place", base("price", nil), -1102, "Mandatory parameter 'price' was not sent, was empty/null, or malformed."},
		{"bad price", alice, "order.place", base("price", "1e400x"), -1100, ""},
		{"market order with a price", alice, "order.place", base("type", "MARKET", "timeInForce", nil), -1106, "Parameter 'price' sent when not required."},
		{"market order without a quantity", alice, "order.place", base("type", "MARKET", "timeInForce", nil, "price", nil, "quantity", nil), -1102, ""},
		{"stop order", alice, "order.place", base("type", "STOP_LOSS"), -1020, ""},
		{"too much precision", alice, "order.place", base("quantity", "0.000000001"), -1111, "Parameter 'quantity' has too much precision."},
		{"status of an unknown order", alice, "order.status", map[string]any{"symbol": "BTCUSDT", "origClientOrderId": "nope"}, -2013, "Order does not exist."},
		{"cancel unknown", alice, "order.cancel", map[string]any{"symbol": "BTCUSDT", "origClientOrderId": "nope"}, -2011, "Unknown order sent."},
		{"cancel without id", alice, "order.cancel", map[string]any{"symbol": "BTCUSDT"}, -1102, ""},
		{"unknown method", alice, "order.teleport", map[string]any{}, -1020, ""},
	}
	for _, tt := range tests {
		r := tt.client.call(tt.method, tt.params)
		if r.Status < 400 || r.code() != tt.wantCode || (tt.wantMsg != "" && r.Error.Msg != tt.wantMsg) {
			t.Errorf("%s: status %d error %+v, want code %d %q", tt.name, r.Status, r.Error, tt.wantCode, tt.wantMsg)
		}
	}
	for _, msg := range []string{`{`, `[]`, `{"id":{},"method":"ping"}`, `{"id":1,"method":"order.place","params":{"price":[1]}}`, `{"id":1,"method":"order.place","params":"x"}`, "\x00\xff"} {
		if r := alice.raw(msg); r.Status != 400 || r.Error == nil {
			t.Errorf("malformed %q: %+v", msg, r)
		}
	}
	if r := alice.raw(`{"id":9,"method":"ping"}`); r.Status != 200 || fmt.Sprint(r.ID) != "9" {
		t.Errorf("ping after malformed requests: %+v", r)
	}
	// Duplicate client order id.
	result(t, alice.call("order.place", base("newClientOrderId", "dup")))
	if r := alice.call("order.place", base("newClientOrderId", "dup")); r.code() != -2010 || r.Error.Msg != "Duplicate order sent." {
		t.Errorf("duplicate: %+v", r.Error)
	}
}
