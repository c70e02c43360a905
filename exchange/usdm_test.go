package exchange

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/shopspring/decimal"
)

const (
	usdmKey    = "usdm-key"
	usdmSecret = "usdm-secret"
)

// usdmConfig lists spot BTCUSDT and the BTCUSDT perpetual, and one account with
// 10000 USDT.
func usdmConfig(seed uint64) Config {
	return Config{Seed: seed, Instruments: []Instrument{BTCUSDT()}, Futures: []FuturesInstrument{BTCUSDTPerp()},
		Commission: Commission{Maker: "0.0002", Taker: "0.0005"},
		Accounts:   []AccountConfig{{APIKey: usdmKey, Secret: usdmSecret, Balances: map[string]string{"USDT": "10000"}}}}
}

// usdmClient is a WebSocket API connection and a user data stream of one account.
type usdmClient struct {
	t      *testing.T
	e      *Exchange
	api    *websocket.Conn
	user   *websocket.Conn
	key    string
	n      int
	ch     chan map[string]any // the user data stream's events
	events []map[string]any    // the events read from ch so far
}

func newUSDMClient(t *testing.T, e *Exchange) *usdmClient {
	t.Helper()
	c := &usdmClient{t: t, e: e, api: dial(t, e.USDMWSAPIURL())}
	status, body := c.rest("POST", "/fapi/v1/listenKey", nil, false)
	if status != 200 {
		t.Fatalf("listenKey: %d %s", status, body)
	}
	var lk struct{ ListenKey string }
	if err := json.Unmarshal(body, &lk); err != nil || len(lk.ListenKey) != 64 {
		t.Fatalf("listenKey %s: %v", body, err)
	}
	c.key = lk.ListenKey
	c.user = dial(t, e.FuturesMarketDataURL()+"/private/ws/"+c.key)
	waitSubscribed(t, e, c.key)
	// The stream is read by one goroutine, which ends when the test closes it.
	c.ch = make(chan map[string]any, 10000)
	go func(ws *websocket.Conn, ch chan<- map[string]any) {
		defer close(ch)
		for {
			_, b, err := ws.ReadMessage()
			if err != nil {
				return
			}
			var ev map[string]any
			if json.Unmarshal(b, &ev) == nil {
				ch <- ev
			}
		}
	}(c.user, c.ch)
	return c
}

// waitSubscribed waits until some connection of the exchange is subscribed to
// stream: a subscription takes effect a moment after the handshake, as on Binance.
func waitSubscribed(t *testing.T, e *Exchange, stream string) {
	t.Helper()
	for i := 0; ; i++ {
		found := false
		e.With(func() {
			for c := range e.subs {
				found = found || c.streams[stream]
			}
		})
		if found {
			return
		}
		if i > 2000 {
			t.Fatalf("nothing subscribed to %s", stream)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// rest sends a REST request, signed when signed is set, with params in the query.
func (c *usdmClient) rest(method, path string, p url.Values, signed bool) (int, []byte) {
	c.t.Helper()
	if p == nil {
		p = url.Values{}
	}
	q := p.Encode()
	if signed {
		if q != "" {
			q += "&"
		}
		q += "timestamp=" + strconv.FormatInt(time.Now().UnixMilli(), 10)
		q += "&signature=" + SignHMAC(usdmSecret, q)
	}
	req, err := http.NewRequest(method, c.e.RESTURL()+path+"?"+q, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("X-MBX-APIKEY", usdmKey)
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// call sends a signed WebSocket API request and returns its response.
func (c *usdmClient) call(method string, p map[string]string) usdmResp {
	c.t.Helper()
	c.n++
	id := "r" + strconv.Itoa(c.n)
	p["apiKey"] = usdmKey
	p["timestamp"] = strconv.FormatInt(time.Now().UnixMilli(), 10)
	p["signature"] = SignHMAC(usdmSecret, SignaturePayload(p))
	msg, _ := json.Marshal(map[string]any{"id": id, "method": method, "params": p})
	if err := c.api.WriteMessage(websocket.TextMessage, msg); err != nil {
		c.t.Fatal(err)
	}
	c.api.SetReadDeadline(time.Now().Add(20 * time.Second))
	for {
		_, b, err := c.api.ReadMessage()
		if err != nil {
			c.t.Fatalf("%s: %v", method, err)
		}
		var r usdmResp
		if err := json.Unmarshal(b, &r); err != nil {
			c.t.Fatalf("%s: %s: %v", method, b, err)
		}
		if r.ID == id {
			r.raw = b
			return r
		}
	}
}

type usdmResp struct {
	ID     string         `json:"id"`
	Status int            `json:"status"`
	Result map[string]any `json:"result"`
	Error  *struct {
		Code int    `json:"code"`
		Msg  string `json:"msg"`
	} `json:"error"`
	RateLimits []map[string]any `json:"rateLimits"`
	raw        []byte
}

func (r usdmResp) code() int {
	if r.Error == nil {
		return 0
	}
	return r.Error.Code
}

// waitEvent reads the user data stream until an event matching pred arrives.
func (c *usdmClient) waitEvent(what string, pred func(map[string]any) bool) map[string]any {
	c.t.Helper()
	for _, ev := range c.events {
		if pred(ev) {
			return ev
		}
	}
	timeout := time.NewTimer(20 * time.Second)
	defer timeout.Stop()
	for {
		select {
		case ev, ok := <-c.ch:
			if !ok {
				c.t.Fatalf("waiting for %s: the stream closed (events so far: %v)", what, c.events)
			}
			c.events = append(c.events, ev)
			if pred(ev) {
				return ev
			}
		case <-timeout.C:
			c.t.Fatalf("waiting for %s: nothing in 20s (events so far: %v)", what, c.events)
		}
	}
}

// drain returns what the user data stream has delivered by now, without waiting.
func (c *usdmClient) drain() []map[string]any {
	var got []map[string]any
	for {
		select {
		case ev, ok := <-c.ch:
			if !ok {
				return got
			}
			c.events = append(c.events, ev)
			got = append(got, ev)
		default:
			return got
		}
	}
}

// orderEvent matches ORDER_TRADE_UPDATE of order id with execution type x.
func orderEvent(id any, x string) func(map[string]any) bool {
	return func(ev map[string]any) bool {
		if ev["e"] != "ORDER_TRADE_UPDATE" {
			return false
		}
		o := ev["o"].(map[string]any)
		return idStr(o["i"]) == idStr(id) && o["x"] == x
	}
}

// idStr prints a JSON number as decoded into an any.
func idStr(v any) string {
	if f, ok := v.(float64); ok {
		return strconv.FormatFloat(f, 'f', 0, 64)
	}
	return fmt.Sprint(v)
}

// best returns the perpetual's best bid and ask as printed decimals.
func bestFutures(e *Exchange) (bid, ask decimal.Decimal) {
	e.With(func() {
		m := e.FuturesMarket("BTCUSDT")
		b, _, _ := m.Book().Best(Buy)
		a, _, _ := m.Book().Best(Sell)
		bid, ask = wireScale.Decimal(b), wireScale.Decimal(a)
	})
	return bid, ask
}

func TestUSDMOrderLifecycle(t *testing.T) {
	e := startExchange(t, usdmConfig(3))
	c := newUSDMClient(t, e)
	bid, ask := bestFutures(e)

	// A post-only bid below the market rests.
	price := bid.Sub(decimal.NewFromInt(50)).StringFixed(2)
	r := c.call("order.place", map[string]string{"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTX",
		"price": price, "quantity": "0.010", "newClientOrderId": "gtx-1"})
	if r.Status != 200 || r.Result["status"] != "NEW" || r.Result["timeInForce"] != "GTX" || r.Result["positionSide"] != "BOTH" {
		t.Fatalf("place GTX: %s", r.raw)
	}
	if len(r.RateLimits) != 3 {
		t.Errorf("rateLimits: %v", r.RateLimits)
	}
	id := r.Result["orderId"]
	ev := c.waitEvent("NEW", orderEvent(id, "NEW"))
	if o := ev["o"].(map[string]any); o["X"] != "NEW" || o["c"] != "gtx-1" || o["f"] != "GTX" || o["ps"] != "BOTH" || o["q"] != "0.010" || o["p"] != price {
		t.Errorf("NEW event: %v", ev)
	}

	// A post-only that would take is refused, and not recorded.
	r = c.call("order.place", map[string]string{"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTX",
		"price": ask.Add(decimal.NewFromInt(5)).StringFixed(2), "quantity": "0.010"})
	if r.code() != -5022 {
		t.Errorf("GTX that takes: %s", r.raw)
	}

	// Status, then modify: same orderId, new price, an AMENDMENT event.
	r = c.call("order.status", map[string]string{"symbol": "BTCUSDT", "origClientOrderId": "gtx-1"})
	if r.Result["orderId"] != id || r.Result["status"] != "NEW" {
		t.Fatalf("status: %s", r.raw)
	}
	newPrice := bid.Sub(decimal.NewFromInt(60)).StringFixed(2)
	r = c.call("order.modify", map[string]string{"symbol": "BTCUSDT", "orderId": idStr(id), "side": "BUY", "price": newPrice, "quantity": "0.020"})
	if r.Status != 200 || r.Result["orderId"] != id || r.Result["price"] != newPrice || r.Result["origQty"] != "0.020" {
		t.Fatalf("modify: %s", r.raw)
	}
	ev = c.waitEvent("AMENDMENT", orderEvent(id, "AMENDMENT"))
	if o := ev["o"].(map[string]any); o["p"] != newPrice || o["q"] != "0.020" {
		t.Errorf("AMENDMENT: %v", ev)
	}
	if r := c.call("order.modify", map[string]string{"symbol": "BTCUSDT", "orderId": idStr(id), "side": "BUY", "price": newPrice, "quantity": "0.020"}); r.code() != -5027 {
		t.Errorf("modify to the same: %s", r.raw)
	}
	r = c.call("order.cancel", map[string]string{"symbol": "BTCUSDT", "orderId": idStr(id)})
	if r.Result["status"] != "CANCELED" {
		t.Fatalf("cancel: %s", r.raw)
	}
	c.waitEvent("CANCELED", orderEvent(id, "CANCELED"))
	if r := c.call("order.cancel", map[string]string{"symbol": "BTCUSDT", "orderId": idStr(id)}); r.code() != -2011 {
		t.Errorf("cancel again: %s", r.raw)
	}
	if r := c.call("order.status", map[string]string{"symbol": "BTCUSDT", "origClientOrderId": "never"}); r.code() != -2013 {
		t.Errorf("status of nothing: %s", r.raw)
	}

	// Reduce-only with no position is refused.
	if r := c.call("order.place", map[string]string{"symbol": "BTCUSDT", "side": "SELL", "type": "MARKET", "quantity": "0.010", "reduceOnly": "true"}); r.code() != -2022 {
		t.Errorf("reduce-only without a position: %s", r.raw)
	}
	// Below the minimum notional.
	if r := c.call("order.place", map[string]string{"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "price": price, "quantity": "0.001"}); r.code() != -4164 {
		t.Errorf("min notional: %s", r.raw)
	}
	// More than the wallet can margin at 20x.
	if r := c.call("order.place", map[string]string{"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "price": price, "quantity": "5.000"}); r.code() != -2019 {
		t.Errorf("margin: %s", r.raw)
	}

	// An IOC buy through the ask fills: TRADE with commission, then ACCOUNT_UPDATE.
	r = c.call("order.place", map[string]string{"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "IOC",
		"price": ask.Add(decimal.NewFromInt(20)).StringFixed(2), "quantity": "0.010", "newOrderRespType": "RESULT"})
	if r.Status != 200 || (r.Result["status"] != "FILLED" && r.Result["status"] != "EXPIRED") || r.Result["executedQty"] == "0.000" {
		t.Fatalf("IOC: %s", r.raw)
	}
	ev = c.waitEvent("TRADE", orderEvent(r.Result["orderId"], "TRADE"))
	if o := ev["o"].(map[string]any); o["N"] != "USDT" || o["m"] != false || o["n"] == "0" || o["rp"] != "0" {
		t.Errorf("TRADE: %v", ev)
	}
	au := c.waitEvent("ACCOUNT_UPDATE", func(ev map[string]any) bool { return ev["e"] == "ACCOUNT_UPDATE" })
	a := au["a"].(map[string]any)
	ps := a["P"].([]any)
	if a["m"] != "ORDER" || len(ps) != 1 || ps[0].(map[string]any)["pa"] != r.Result["executedQty"] || ps[0].(map[string]any)["mt"] != "cross" {
		t.Errorf("ACCOUNT_UPDATE: %v", au)
	}
	// Now reduce-only on the other side is allowed, and closes the position.
	r = c.call("order.place", map[string]string{"symbol": "BTCUSDT", "side": "SELL", "type": "MARKET", "quantity": r.Result["executedQty"].(string), "reduceOnly": "true", "newOrderRespType": "RESULT"})
	if r.Status != 200 || r.Result["status"] != "FILLED" || r.Result["reduceOnly"] != true {
		t.Fatalf("reduce-only close: %s", r.raw)
	}
	ev = c.waitEvent("closing TRADE", orderEvent(r.Result["orderId"], "TRADE"))
	if o := ev["o"].(map[string]any); o["R"] != true || o["rp"] == "0" {
		t.Errorf("closing TRADE: %v", ev)
	}
	_, pos, _ := e.USDMAccount(usdmKey)
	if !pos["BTCUSDT"].Amount.IsZero() {
		t.Errorf("position after closing: %+v", pos["BTCUSDT"])
	}
}
