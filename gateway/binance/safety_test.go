package binance

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/nanotick/nanotick/exchange"
	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/risk"
	"github.com/rs/zerolog"
)

// startVenue starts a local exchange with cfg plus the test account, closed at the
// end of the test unless the test closes it first.
func startVenue(t *testing.T, cfg exchange.Config) *exchange.Exchange {
	t.Helper()
	cfg.Seed = 1
	cfg.Accounts = []exchange.AccountConfig{{APIKey: docKey, Secret: docSecret, Balances: map[string]string{"USDT": "100000", "BTC": "1"}}}
	ex, err := exchange.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ex.Close() })
	return ex
}

// TestVenueRestartResolvesEveryOrder restarts the venue under a gateway with resting
// orders while an engine-like loop drains it and asks to cancel every live order on
// every pass (what a strategy or a halted risk layer does). The new venue does not
// know the orders: the gateway queries them with backoff, never writes one off on a
// single -2013, and resolves every one as lost within a bounded time and a bounded
// number of requests.
func TestVenueRestartResolvesEveryOrder(t *testing.T) {
	ex := startVenue(t, exchange.Config{})
	addr := ex.Addr()
	logs := &lockedBuffer{}
	g := newGateway(t, ex, logs, func(c *Config) {
		c.RetryMin, c.RetryMax, c.LostAfter, c.MaxAttempts = 100*time.Millisecond, 400*time.Millisecond, time.Second, 20
	})
	if _, err := g.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	s := &recSink{}
	bid, _ := best(ex)
	const n = 5
	for i := uint64(1); i <= n; i++ {
		if err := g.Place(&risk.Order{ID: i, Side: orderbook.Bid, Price: bid - 10000 - int64(i)*100, Qty: 100, PostOnly: true}, time.Now().UnixNano()); err != nil {
			t.Fatal(err)
		}
	}
	drainUntil(t, g, s, 3*time.Second, "5 acks", func() bool { return strings.Count(strings.Join(s.got, ";"), "ack") == n })

	ex.Close()
	ex2 := startVenue(t, exchange.Config{Listen: addr})
	_ = ex2
	before := g.Counters()
	start := time.Now()
	resolved := func() bool {
		for i := uint64(1); i <= n; i++ {
			if _, live := g.State(i); live {
				return false
			}
		}
		return true
	}
	var lostAt time.Duration
	for time.Since(start) < 8*time.Second {
		now := time.Now().UnixNano()
		for i := uint64(1); i <= n; i++ {
			g.Cancel(i, now) // asked again and again: must not storm the venue
		}
		g.Drain(s, now)
		if resolved() {
			lostAt = time.Since(start)
			break
		}
		time.Sleep(time.Millisecond)
	}
	after := g.Counters()
	if !resolved() {
		t.Fatalf("orders still live after 8s: callbacks %q counters %+v", s.got, after)
	}
	requests := (after.Queries - before.Queries) + (after.Cancels - before.Cancels)
	perOrder := float64(requests) / n
	t.Logf("resolved in %v with %d requests (%.1f per order); counters %+v", lostAt, requests, perOrder, after)
	if lostAt < time.Second {
		t.Errorf("orders written off after %v, before LostAfter", lostAt)
	}
	// Each order: at most MaxAttempts queries and MaxAttempts cancels, and in practice
	// far fewer; the rate over the whole episode stays low.
	if perOrder > 16 {
		t.Errorf("%d requests for %d orders", requests, n)
	}
	if rate := float64(requests) / lostAt.Seconds(); rate > 60 {
		t.Errorf("%.0f requests/s while resolving: a storm", rate)
	}
	if after.Lost-before.Lost != n {
		t.Errorf("lost %d, want %d", after.Lost-before.Lost, n)
	}
	for i := 1; i <= n; i++ {
		if !strings.Contains(strings.Join(s.got, ";"), "rejected "+itoa(i)+" lost: unknown to the venue (-2013)") {
			t.Errorf("order %d not reported lost: %q", i, s.got)
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// TestWeightBudgetNeverExceeded: with a venue limit of 60 weight a minute (learnt from
// the responses' rateLimits), the gateway refuses new orders itself before the venue
// would, keeping a reserve for cancels; the venue never answers 429.
func TestWeightBudgetNeverExceeded(t *testing.T) {
	ex := startVenue(t, exchange.Config{Limits: exchange.RateLimits{WeightPerMinute: 60}})
	logs := &lockedBuffer{}
	g := newGateway(t, ex, logs, nil)
	if _, err := g.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if c := g.Counters(); c.WeightLimit != 60 {
		t.Fatalf("weight limit %d, want the venue's 60", c.WeightLimit)
	}
	bid, _ := best(ex)
	s := &recSink{}
	var placed, refused int
	for i := uint64(1); i <= 60; i++ {
		err := g.Place(&risk.Order{ID: i, Side: orderbook.Bid, Price: bid - 10000 - int64(i), Qty: 100, PostOnly: true}, time.Now().UnixNano())
		switch {
		case err == nil:
			placed++
		case errors.Is(err, ErrRateLimited):
			refused++
		default:
			t.Fatal(err)
		}
		g.Drain(s, time.Now().UnixNano())
	}
	c := g.Counters()
	if refused == 0 || c.WeightUsed > 60 || c.RateLimited != 0 {
		t.Fatalf("placed %d refused %d; counters %+v", placed, refused, c)
	}
	// The reserve: a cancel still goes out past the orders' share.
	if float64(c.WeightUsed) > 60*orderShare+1 {
		t.Errorf("orders used %d of 60", c.WeightUsed)
	}
	before := c.Cancels
	g.Cancel(1, time.Now().UnixNano())
	if g.Counters().Cancels != before+1 {
		t.Error("a cancel was held back by the orders' share")
	}
}

// TestPauseOn429AndHaltOn418: another client of the same IP exhausts the venue's
// weight; the gateway's next request is answered 429 and it sends nothing more until
// retryAfter; when the other client keeps going and gets the IP banned, the gateway's
// next request is answered 418: OnBan is called and new orders are refused for good.
func TestPauseOn429AndHaltOn418(t *testing.T) {
	ex := startVenue(t, exchange.Config{Limits: exchange.RateLimits{WeightPerMinute: 100, BanAfter: 3}})
	logs := &lockedBuffer{}
	var bans atomic.Int32
	g := newGateway(t, ex, logs, func(c *Config) { c.OnBan = func(string) { bans.Add(1) } })
	if _, err := g.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	bid, _ := best(ex)
	// The other client uses up the weight with pings (weight 1 each).
	d := websocket.Dialer{HandshakeTimeout: 3 * time.Second}
	other, _, err := d.Dial(ex.WSAPIURL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	ping := func() int {
		other.WriteMessage(websocket.TextMessage, []byte(`{"id":1,"method":"ping"}`))
		other.SetReadDeadline(time.Now().Add(3 * time.Second))
		_, b, err := other.ReadMessage()
		if err != nil {
			return -1
		}
		switch {
		case strings.Contains(string(b), `"status":429`):
			return 429
		case strings.Contains(string(b), `"status":418`):
			return 418
		}
		return 200
	}
	for i := 0; i < 100 && ping() == 200; i++ {
	}
	s := &recSink{}
	if err := g.Place(&risk.Order{ID: 1, Side: orderbook.Bid, Price: bid - 10000, Qty: 100, PostOnly: true}, time.Now().UnixNano()); err != nil {
		t.Fatal(err) // the gateway's own budget did not know: it is sent
	}
	drainUntil(t, g, s, 3*time.Second, "the 429", func() bool { return g.Counters().RateLimited == 1 })
	drainUntil(t, g, s, 3*time.Second, "order 1 rejected", has(s, "rejected 1"))
	placed := g.Counters().Placed
	if err := g.Place(&risk.Order{ID: 2, Side: orderbook.Bid, Price: bid - 10000, Qty: 100, PostOnly: true}, time.Now().UnixNano()); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("order during the pause: %v", err)
	}
	if g.Counters().Placed != placed {
		t.Fatal("an order was sent during the pause")
	}
	// The other client ignores its 429s and earns the IP a ban.
	for i := 0; i < 10 && ping() != 418; i++ {
	}
	// The gateway's next control request meets the ban.
	_, err = g.request(context.Background(), g.conn.Load(), "openOrders.status", "open", []Param{{"symbol", "BTCUSDT"}})
	if err == nil {
		// Still paused by the 429: the budget held it back; lift the pause to reach the venue.
		t.Log("request held back by the pause")
	}
	// The minute rolls over: the pause and the weight count end (the ban does not).
	g.limits.mu.Lock()
	g.limits.pauseTo, g.limits.weight.count = 0, 0
	g.limits.mu.Unlock()
	_, err = g.request(context.Background(), g.conn.Load(), "openOrders.status", "open", []Param{{"symbol", "BTCUSDT"}})
	if err == nil || !strings.Contains(err.Error(), "418") {
		t.Fatalf("request while banned: %v", err)
	}
	if bans.Load() != 1 || g.Counters().Banned == 0 {
		t.Fatalf("OnBan called %d times, counters %+v", bans.Load(), g.Counters())
	}
	if err := g.Place(&risk.Order{ID: 3, Side: orderbook.Bid, Price: bid - 10000, Qty: 100, PostOnly: true}, time.Now().UnixNano()); !errors.Is(err, ErrBanned) {
		t.Fatalf("order after the ban: %v", err)
	}
}

// TestReportBeforeResponse: a venue that sends the execution reports before the
// response (Binance gives no order between them) leaves every order in the same
// state as one that answers first.
func TestReportBeforeResponse(t *testing.T) {
	for _, rate := range []float64{0, 1} {
		ex := startVenue(t, exchange.Config{ReportsFirstRate: rate})
		logs := &lockedBuffer{}
		g := newGateway(t, ex, logs, nil)
		if _, err := g.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		s := &recSink{}
		bid, ask := best(ex)
		g.Place(&risk.Order{ID: 1, Side: orderbook.Bid, Price: bid - 10000, Qty: 100, PostOnly: true}, time.Now().UnixNano())
		g.Place(&risk.Order{ID: 2, Side: orderbook.Bid, Price: ask + 5000, Qty: 100, IOC: true}, time.Now().UnixNano())
		drainUntil(t, g, s, 3*time.Second, "both settled", func() bool {
			st, _ := g.State(1)
			_, live2 := g.State(2)
			return st == StateAcked && !live2
		})
		g.Cancel(1, time.Now().UnixNano())
		drainUntil(t, g, s, 3*time.Second, "cancelled 1", has(s, "cancelled 1"))
		got := strings.Join(s.got, ";")
		if strings.Count(got, "ack 1") != 1 || strings.Count(got, "ack 2") != 1 || !strings.Contains(got, "fill 2") {
			t.Errorf("reports first %v: callbacks %q", rate, s.got)
		}
		g.Close()
	}
}

var _ = zerolog.Nop
