package exchange

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestUSDMRouteOfStream checks which routed path carries each USD-M stream, as
// Binance's official SDK 38.1.1 groups them (public: depth and book tickers;
// market: the rest; private: listen keys).
func TestUSDMRouteOfStream(t *testing.T) {
	for _, tc := range []struct{ stream, route string }{
		{"btcusdt@depth", routePublic},
		{"btcusdt@depth@0ms", routePublic},
		{"btcusdt@depth@100ms", routePublic},
		{"btcusdt@depth@500ms", routePublic},
		{"btcusdt@depth20@100ms", routePublic},
		{"btcusdt@rpiDepth@500ms", routePublic},
		{"btcusdt@bookTicker", routePublic},
		{"btcusdt@trade", routeMarket},
		{"btcusdt@aggTrade", routeMarket},
		{"btcusdt@markPrice", routeMarket},
		{"btcusdt@markPrice@1s", routeMarket},
		{"btcusdt@forceOrder", routeMarket},
		{"btcusdt@kline_1m", routeMarket},
		{strings.Repeat("A", 64), routePrivate},
	} {
		if got := usdmRoute(tc.stream); got != tc.route {
			t.Errorf("usdmRoute(%q) = %q, want %q", tc.stream, got, tc.route)
		}
	}
	for _, tc := range []struct {
		conn, stream string
		want         bool
	}{
		{routeNone, routePublic, true}, {routeNone, routeMarket, false}, {routeNone, routePrivate, false},
		{routePublic, routePublic, true}, {routePublic, routeMarket, false}, {routePublic, routePrivate, false},
		{routeMarket, routeMarket, true}, {routeMarket, routePublic, false}, {routeMarket, routePrivate, false},
		{routePrivate, routePrivate, true}, {routePrivate, routePublic, false}, {routePrivate, routeMarket, false},
	} {
		if got := routeCarries(tc.conn, tc.stream); got != tc.want {
			t.Errorf("routeCarries(%q, %q) = %v, want %v", tc.conn, tc.stream, got, tc.want)
		}
	}
}

// TestUSDMRetiredPathsFailSilently connects as a client still on the URLs Binance
// retired on 2026-04-23 and checks that it fails here as it fails on Binance: the
// unrouted /fstream/stream and /fstream/ws/<listenKey> accept the mark price stream
// and the listen key and deliver neither, while depth still arrives; /public does not
// carry the mark either. The routed /market and /private connections, opened beside
// them, get both. No wall-clock bound: once the routed connections have a mark and
// an order event, a LIST_SUBSCRIPTIONS request on each old connection is answered
// after anything the exchange had queued for it, so its answer closes the window.
func TestUSDMRetiredPathsFailSilently(t *testing.T) {
	e := startExchange(t, usdmConfig(11))
	c := newUSDMClient(t, e) // user data on /fstream/private/ws/<listenKey>
	base := e.FuturesMarketDataURL()
	old := map[string]*websocket.Conn{
		"unrouted combined":        dial(t, base+"/stream?streams=btcusdt@depth@0ms/btcusdt@markPrice@1s/"+c.key),
		"unrouted raw listen key":  dial(t, base+"/ws/"+c.key),
		"public with a mark":       dial(t, base+"/public/stream?streams=btcusdt@depth@0ms/btcusdt@markPrice@1s"),
		"unrouted raw mark stream": dial(t, base+"/ws/btcusdt@markPrice@1s"),
	}
	waitSubscribed(t, e, "btcusdt@markPrice@1s")
	market := dial(t, base+"/market/stream?streams=btcusdt@markPrice@1s")
	market.SetReadDeadline(time.Now().Add(30 * time.Second))
	for {
		_, b, err := market.ReadMessage()
		if err != nil {
			t.Fatalf("/market: no mark price: %v", err)
		}
		if bytes.Contains(b, []byte(`"e":"markPriceUpdate"`)) {
			break
		}
	}
	if r := c.call("order.place", map[string]string{"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.002"}); r.Status != 200 {
		t.Fatalf("order: %s", r.raw)
	}
	c.waitEvent("the order's ORDER_TRADE_UPDATE on /private", func(ev map[string]any) bool { return ev["e"] == "ORDER_TRADE_UPDATE" })
	c.waitEvent("ACCOUNT_UPDATE on /private", func(ev map[string]any) bool { return ev["e"] == "ACCOUNT_UPDATE" })
	for name, ws := range old {
		if err := ws.WriteMessage(websocket.TextMessage, []byte(`{"method":"LIST_SUBSCRIPTIONS","id":4242}`)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		ws.SetReadDeadline(time.Now().Add(30 * time.Second))
		depth := 0
		for {
			_, b, err := ws.ReadMessage()
			if err != nil {
				t.Fatalf("%s: no answer to LIST_SUBSCRIPTIONS: %v", name, err)
			}
			for _, bad := range []string{"markPriceUpdate", "ORDER_TRADE_UPDATE", "ACCOUNT_UPDATE"} {
				if bytes.Contains(b, []byte(`"e":"`+bad+`"`)) {
					t.Errorf("%s: delivered %s, which Binance does not deliver there: %s", name, bad, b)
				}
			}
			if bytes.Contains(b, []byte(`"e":"depthUpdate"`)) {
				depth++
			}
			if bytes.Contains(b, []byte(`"id":4242`)) {
				break
			}
		}
		if strings.Contains(name, "combined") || strings.HasPrefix(name, "public") {
			if depth == 0 {
				t.Errorf("%s: no depth before the answer: /public streams must still arrive there", name)
			}
		}
	}
}
