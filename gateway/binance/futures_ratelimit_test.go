package binance

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/risk"
)

// TestFuturesBacksOffOn429: the local exchange's USD-M WebSocket API answers 429 (-1003,
// with when to retry) while the IP's weight is used up by others. The gateway's order
// is rejected with the venue's reason and counted; it sends nothing more until the
// venue's retry time (orders meanwhile fail at once, ErrRateLimited, without leaving),
// so the venue never bans it; afterwards orders go through again.
func TestFuturesBacksOffOn429(t *testing.T) {
	ex := startUSDMExchange(t, 0)
	g, _, err := startFuturesGateway(t, ex, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := &syncSink{}
	bid, _ := touch(t, ex)
	place := func(id uint64) error {
		o := risk.Order{ID: id, Side: orderbook.Bid, Price: bid - 50000, Qty: 2}
		return g.Place(&o, time.Now().UnixNano())
	}
	const busy = 3 * time.Second
	ex.USDMSaturate(busy)
	if err := place(1); err != nil {
		t.Fatal(err)
	}
	drainFut(t, g, s, "the 429's rejection", func() bool { return s.has("rejected 1") })
	if !s.has("rejected 1 venue error -1003") {
		t.Errorf("rejection %v: want the venue's -1003", s.got)
	}
	// Within the pause nothing leaves: more than five requests ignoring a 429 would be
	// banned (418).
	refused := 0
	for id := uint64(2); id <= 10; id++ {
		if err := place(id); errors.Is(err, ErrRateLimited) {
			refused++
		} else if err != nil {
			t.Fatalf("order %d: %v", id, err)
		}
	}
	if refused != 9 {
		t.Errorf("%d of 9 orders refused during the venue's pause", refused)
	}
	c := g.Counters()
	if c.RateLimited != 1 || c.RejectRateLimit != 1 || c.Banned != 0 || c.Placed != 1 {
		t.Errorf("counters after the pause began %+v", c)
	}
	// After the venue's retry time an order goes through.
	time.Sleep(busy + 200*time.Millisecond)
	deadline := time.Now().Add(30 * time.Second)
	for id := uint64(11); ; id++ {
		err := place(id)
		if err == nil {
			drainFut(t, g, s, "an order after the pause", func() bool { return s.has("ack " + itoa(int(id))) })
			break
		}
		if !errors.Is(err, ErrRateLimited) || time.Now().After(deadline) {
			t.Fatalf("order after the pause: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if c := g.Counters(); c.Banned != 0 || c.RateLimited != 1 {
		t.Errorf("counters at the end %+v", c)
	}
}

// TestFuturesHaltsOnBan: another client of the IP ignores the venue's 429s until the
// local exchange bans the IP (418); the gateway's next request is answered 418, and the
// gateway halts trading and refuses orders without sending them.
func TestFuturesHaltsOnBan(t *testing.T) {
	ex := startUSDMExchange(t, 0)
	var mu sync.Mutex
	var halts []string
	g, _, err := startFuturesGateway(t, ex, func(c *FuturesConfig) {
		c.OnHalt = func(r string) { mu.Lock(); halts = append(halts, r); mu.Unlock() }
	})
	if err != nil {
		t.Fatal(err)
	}
	ex.USDMSaturate(time.Minute)
	ws, _, err := websocket.DefaultDialer.Dial(ex.USDMWSAPIURL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	var last []byte
	for i := 0; i < 7; i++ { // pings that ignore the 429s: the sixth is banned
		if err := ws.WriteMessage(websocket.TextMessage, []byte(`{"id":"x","method":"ping"}`)); err != nil {
			t.Fatal(err)
		}
		if _, last, err = ws.ReadMessage(); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.Contains(string(last), `"status":418`) || !strings.Contains(string(last), `"retryAfter"`) {
		t.Fatalf("the seventh ping: %s, want 418 with retryAfter", last)
	}
	s := &syncSink{}
	bid, _ := touch(t, ex)
	o := risk.Order{ID: 1, Side: orderbook.Bid, Price: bid - 50000, Qty: 2}
	if err := g.Place(&o, time.Now().UnixNano()); err != nil {
		t.Fatal(err)
	}
	drainFut(t, g, s, "the ban's rejection", func() bool { return s.has("rejected 1") })
	mu.Lock()
	h := strings.Join(halts, "\n")
	mu.Unlock()
	if !strings.Contains(h, "banned by the venue (418)") || g.Counters().Banned != 1 {
		t.Errorf("halts %q, counters %+v", h, g.Counters())
	}
	o2 := risk.Order{ID: 2, Side: orderbook.Bid, Price: bid - 50000, Qty: 2}
	if err := g.Place(&o2, time.Now().UnixNano()); !errors.Is(err, ErrBanned) {
		t.Errorf("an order after the ban: %v, want ErrBanned (nothing sent)", err)
	}
}
