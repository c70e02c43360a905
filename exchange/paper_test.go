package exchange

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/nanotick/nanotick/internal/testdata"
	"github.com/nanotick/nanotick/orderbook"
)

// TestPaperTradingOnReplay replays the recorded Binance Spot file at 20x and trades
// against it through the WebSocket API: a marketable IOC takes the recorded levels at
// once, and resting post-only orders at the best bid and ask are filled by recorded
// trades once the queue ahead of them has traded, as the backtester's queue model
// decides; every fill comes with its execution report and moves the balances.
func TestPaperTradingOnReplay(t *testing.T) {
	path := testdata.SharedData(t, "binance-spot-btcusdt-20240808.gz")
	e := startExchange(t, Config{Seed: 1, Replay: path, Speed: 20,
		Accounts: []AccountConfig{{APIKey: "alice", Secret: "s", Balances: map[string]string{"USDT": "1000000", "BTC": "10"}}}})
	c := newAPIClient(t, e, "alice", "s")
	if r := c.call("userDataStream.subscribe.signature", map[string]any{}); r.Status != 200 {
		t.Fatal(r)
	}
	// Wait for the replayed book to be in sync: the depth endpoint then serves it.
	var snap struct {
		Bids, Asks [][2]string
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		code, body := getBody(t, e.RESTURL()+"/api/v3/depth?symbol=BTCUSDT&limit=5")
		if code == 200 && json.Unmarshal(body, &snap) == nil && len(snap.Bids) > 0 && len(snap.Asks) > 0 {
			var ok bool
			e.With(func() { ok = e.replay.paper.x.Book().Valid() })
			if ok {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the replay never had a book")
		}
		time.Sleep(50 * time.Millisecond)
	}
	var askNow int64
	e.With(func() { l, _ := e.replay.paper.x.Book().Best(orderbook.Ask); askNow = l.Price })
	ask := wireScale.String(askNow + 10*wireUnit) // through the ask, however it moves meanwhile
	res := result(t, c.call("order.place", map[string]any{"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "IOC",
		"price": ask, "quantity": "0.001", "newClientOrderId": "take"}))
	if res["status"] != "FILLED" && res["status"] != "EXPIRED" || res["executedQty"] == "0.00000000" {
		t.Fatalf("IOC at the ask: %v", res)
	}
	c.waitEvent("the IOC's TRADE", execReport("take", "TRADE"))
	// The resting orders join the touch as the backtester's book shows it now; the
	// replay moves on meanwhile, so a post-only order that would now take is sent
	// again at the new touch (a bounded number of times).
	touch := func() (bid, ask string) {
		e.With(func() {
			b := e.replay.paper.x.Book()
			bl, _ := b.Best(orderbook.Bid)
			al, _ := b.Best(orderbook.Ask)
			bid, ask = wireScale.String(bl.Price), wireScale.String(al.Price)
		})
		return bid, ask
	}
	for _, side := range []string{"BUY", "SELL"} {
		var r response
		for try := 0; try < 10; try++ {
			bid, ask := touch()
			price := bid
			if side == "SELL" {
				price = ask
			}
			r = c.call("order.place", map[string]any{"symbol": "BTCUSDT", "side": side, "type": "LIMIT_MAKER", "price": price, "quantity": "0.001", "newClientOrderId": "mk" + side})
			if r.code() != -2010 {
				break
			}
		}
		if r.Status != 200 {
			t.Fatalf("resting %s: %+v %+v", side, r, r.Error)
		}
	}
	// Within the replay, one of the two resting orders is reached by the recorded
	// trades (the market moves through one side or the other).
	deadline = time.Now().Add(20 * time.Second)
	var maker map[string]any
	for maker == nil && time.Now().Before(deadline) {
		for _, ev := range c.events {
			if ev["e"] == "executionReport" && ev["x"] == "TRADE" && ev["m"] == true {
				maker = ev
			}
		}
		if maker == nil {
			c.ws.SetReadDeadline(time.Now().Add(time.Second))
			if _, b, err := c.ws.ReadMessage(); err == nil {
				var env struct {
					Event map[string]any `json:"event"`
				}
				if json.Unmarshal(b, &env) == nil && env.Event != nil {
					c.events = append(c.events, env.Event)
				}
			}
		}
	}
	if maker == nil {
		t.Fatalf("no resting order filled in 20s of replay at 20x; events %v", c.events)
	}
	v, _ := e.Account("alice")
	if v.Position["BTCUSDT"].IsZero() && len(v.OpenOrders) == 2 {
		t.Errorf("account unchanged after fills: %+v", v)
	}
	t.Logf("maker fill %v %v at %v", maker["c"], maker["l"], maker["L"])
}
