package exchange

import (
	"encoding/json"
	"testing"
	"time"
)

// TestUSDMUserStreamSubscribedAtHandshake: a user data stream is subscribed by the time
// its client has the handshake's answer, so the events of an order placed at once are
// all delivered. Regression: the exchange subscribed the connection a moment after
// answering the handshake; under load a gateway that connected, reconciled and placed
// an IOC order lost the order's fill and the position's ACCOUNT_UPDATE, then saw a
// FUNDING_FEE charged on a position it believed flat (issue 12's funding anomaly).
func TestUSDMUserStreamSubscribedAtHandshake(t *testing.T) {
	e := startExchange(t, usdmConfig(5))
	c := &usdmClient{t: t, e: e, api: dial(t, e.USDMWSAPIURL())}
	status, body := c.rest("POST", "/fapi/v1/listenKey", nil, false)
	var lk struct{ ListenKey string }
	if status != 200 || json.Unmarshal(body, &lk) != nil {
		t.Fatalf("listenKey: %d %s", status, body)
	}
	for i := 0; i < 20; i++ {
		ws := dial(t, e.FuturesMarketDataURL()+"/private/ws/"+lk.ListenKey)
		subscribed := false
		e.With(func() {
			for s := range e.subs {
				if s.streams[lk.ListenKey] {
					subscribed = true
				}
			}
		})
		if !subscribed {
			t.Fatalf("connection %d: not subscribed to its listen key when the handshake returned", i)
		}
		// An order placed at once: its events arrive.
		r := c.call("order.place", map[string]string{"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.002"})
		if r.Status != 200 {
			t.Fatalf("order: %s", r.raw)
		}
		ws.SetReadDeadline(time.Now().Add(20 * time.Second))
		var ev struct {
			Type string `json:"e"`
			Time int64  `json:"E"` // declared so that it does not land in Type
		}
		if _, b, err := ws.ReadMessage(); err != nil || json.Unmarshal(b, &ev) != nil || ev.Type != "ORDER_TRADE_UPDATE" {
			t.Fatalf("connection %d: first event %s, %v; want the order's ORDER_TRADE_UPDATE", i, b, err)
		}
		ws.Close()
	}
}
