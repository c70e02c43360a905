package exchange

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/rs/zerolog"
	"github.com/shopspring/decimal"

	fk "github.com/nanotick/nanotick/feeds/kraken"
	gk "github.com/nanotick/nanotick/gateway/kraken"
	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/risk"
)

// krakenSecret is the test account's private key, base64 as Kraken gives it.
var krakenSecret = base64.StdEncoding.EncodeToString([]byte("a kraken private key for tests only"))

func krakenExchange(t *testing.T, faults Faults) *Exchange {
	return startExchange(t, Config{Seed: 11, Instruments: []Instrument{KrakenBTCUSD()}, Faults: faults,
		Commission: Commission{Maker: "0.0016", Taker: "0.0026"},
		Accounts: []AccountConfig{{APIKey: "kraken-key", Secret: krakenSecret,
			Balances: map[string]string{"USD": "100000", "BTC": "1"}}}})
}

// TestKrakenMarketData reads the local exchange's Kraken book, trade and instrument
// channels with feeds/kraken, which verifies the CRC32 checksum of every snapshot and
// update: a checksum computed differently by the exchange would turn the book invalid.
func TestKrakenMarketData(t *testing.T) {
	e := krakenExchange(t, Faults{})
	ws := dial(t, e.KrakenURL())
	read := func() []byte {
		t.Helper()
		ws.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, msg, err := ws.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		return msg
	}
	if err := ws.WriteMessage(websocket.TextMessage, []byte(`{"method":"subscribe","params":{"channel":"instrument"},"req_id":1}`)); err != nil {
		t.Fatal(err)
	}
	var ps, qs = -1, -1
	for i := 0; i < 10 && ps < 0; i++ {
		msg := read()
		if strings.Contains(string(msg), `"channel":"instrument","type":"snapshot"`) {
			p, q, err := fk.InstrumentScales(msg, "BTC/USD")
			if err != nil {
				t.Fatalf("%s: %v", msg, err)
			}
			ps, qs = int(p), int(q)
		}
	}
	if ps != 1 || qs != 8 {
		t.Fatalf("instrument scales %d/%d, want 1/8 (Kraken's BTC/USD)", ps, qs)
	}
	f, err := fk.NewFeed(fk.Config{Symbol: "BTC/USD", Depth: 10, PriceScale: 1, QtyScale: 8}, orderbook.New(64))
	if err != nil {
		t.Fatal(err)
	}
	if err := ws.WriteMessage(websocket.TextMessage, f.AppendSubscribe(nil, 2)); err != nil {
		t.Fatal(err)
	}
	if err := ws.WriteMessage(websocket.TextMessage, f.AppendSubscribeTrades(nil, 3)); err != nil {
		t.Fatal(err)
	}
	var snaps, updates, trades int
	deadline := time.Now().Add(30 * time.Second)
	for (updates < 100 || trades < 3) && time.Now().Before(deadline) {
		msg := read()
		ev, err := f.Handle(msg, time.Now().UnixNano())
		switch ev {
		case fk.EventSnapshot:
			snaps++
		case fk.EventUpdate:
			updates++
		case fk.EventTrade:
			trades++
		case fk.EventResubscribe:
			t.Fatalf("book invalid after %d updates: %v\n%s", updates, err, msg)
		}
	}
	if snaps != 1 || updates < 100 || trades < 3 {
		t.Fatalf("snapshots %d, updates %d, trades %d: want 1, >=100, >=3", snaps, updates, trades)
	}
	if st := f.Stats(); st.ChecksumMismatches != 0 || st.Malformed != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// krakenSink records the gateway's calls.
type krakenSink struct {
	mu    sync.Mutex
	calls []string
	fees  int64
}

func (s *krakenSink) add(c string)               { s.mu.Lock(); s.calls = append(s.calls, c); s.mu.Unlock() }
func (s *krakenSink) OnAck(id uint64, now int64) { s.add(fmt.Sprintf("ack %d", id)) }
func (s *krakenSink) OnFill(id uint64, price, qty, fee int64, maker bool, now int64) {
	s.fees += fee
	s.add(fmt.Sprintf("fill %d %d@%d maker=%v", id, qty, price, maker))
}
func (s *krakenSink) OnCancelled(id uint64, now int64) { s.add(fmt.Sprintf("cancelled %d", id)) }
func (s *krakenSink) OnRejected(id uint64, reason string, now int64) {
	s.add(fmt.Sprintf("rejected %d: %s", id, reason))
}

func (s *krakenSink) OnModified(id uint64, price, qty int64, now int64) {
	s.add(fmt.Sprintf("modified %d %d@%d", id, qty, price))
}
func (s *krakenSink) OnModifyRejected(id uint64, reason string, now int64) {
	s.add(fmt.Sprintf("modify rejected %d: %s", id, reason))
}

// has reports whether a call starting with prefix was made.
func (s *krakenSink) has(prefix string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.calls {
		if strings.HasPrefix(c, prefix) {
			return true
		}
	}
	return false
}

func krakenGateway(t *testing.T, e *Exchange, secret string, cfg func(*gk.Config)) (*gk.Gateway, error) {
	t.Helper()
	creds, err := gk.NewCredentials("kraken-key", secret)
	if err != nil {
		t.Fatal(err)
	}
	c := gk.Config{RESTURL: e.KrakenRESTURL(), WSURL: e.KrakenAuthURL(), Symbol: "BTC/USD", BaseAsset: "BTC", QuoteAsset: "USD",
		PriceScale: 1, QtyScale: 8, Credentials: creds, Prefix: "tst", Logger: zerolog.New(zerolog.NewTestWriter(t)),
		BackoffMin: 50 * time.Millisecond, BackoffMax: 500 * time.Millisecond, RequestTimeout: 10 * time.Second}
	if cfg != nil {
		cfg(&c)
	}
	g, err := gk.New(c)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := g.Start(ctx); err != nil {
		return nil, err
	}
	t.Cleanup(func() { g.Close() })
	return g, nil
}

// drainUntil drains g into s until a call starting with prefix is seen, failing after a
// generous deadline that only bounds a hang.
func drainUntil(t *testing.T, g *gk.Gateway, s *krakenSink, prefix string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !s.has(prefix) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q; calls: %q; counters %+v", prefix, s.calls, g.Counters())
		}
		g.Drain(s, time.Now().UnixNano())
		time.Sleep(2 * time.Millisecond)
	}
}

// TestKrakenTrading trades on the local exchange through gateway/kraken: token from
// GetWebSocketsToken, add_order post-only acknowledged and cancelled, a post-only order
// that would take rejected with Kraken's reason, an IOC order filled with its fee, an
// order beyond the balance rejected with "EOrder:Insufficient funds".
func TestKrakenTrading(t *testing.T) {
	e := krakenExchange(t, Faults{})
	e.With(func() { e.Market("BTCUSD").enabled = false }) // a still book: the test knows its prices
	g, err := krakenGateway(t, e, krakenSecret, nil)
	if err != nil {
		t.Fatal(err)
	}
	var bid, ask int64
	top := func() {
		e.With(func() {
			b := e.Market("BTCUSD").book.Levels(nil, Buy, 1)
			a := e.Market("BTCUSD").book.Levels(nil, Sell, 1)
			bid, ask = b[0][0]/10_000_000, a[0][0]/10_000_000 // at price_precision 1
		})
	}
	top()
	var s krakenSink
	now := time.Now().UnixNano()
	place := func(o risk.Order) {
		t.Helper()
		if err := g.Place(&o, now); err != nil {
			t.Fatal(err)
		}
	}
	place(risk.Order{ID: 1, Side: orderbook.Bid, Price: bid - 100, Qty: 100_000, PostOnly: true})
	drainUntil(t, g, &s, "ack 1")
	if err := g.Cancel(1, now); err != nil {
		t.Fatal(err)
	}
	drainUntil(t, g, &s, "cancelled 1")

	place(risk.Order{ID: 2, Side: orderbook.Bid, Price: ask, Qty: 100_000, PostOnly: true})
	drainUntil(t, g, &s, "rejected 2: Post only order")

	place(risk.Order{ID: 3, Side: orderbook.Bid, Price: ask, Qty: 1_000_000, IOC: true})
	drainUntil(t, g, &s, "fill 3 ")
	deadline := time.Now().Add(20 * time.Second)
	for g.Live() != 0 && time.Now().Before(deadline) {
		g.Drain(&s, time.Now().UnixNano())
		time.Sleep(2 * time.Millisecond)
	}
	var filled int64
	for _, c := range s.calls {
		var q, p int64
		var maker bool
		if n, _ := fmt.Sscanf(c, "fill 3 %d@%d maker=%t", &q, &p, &maker); n == 3 {
			filled += q
		}
	}
	if filled <= 0 || filled > 1_000_000 {
		t.Fatalf("IOC filled %d, want some of 1000000 (the rest expires): %q", filled, s.calls)
	}
	if s.fees <= 0 {
		t.Fatalf("fill without its fee: %q", s.calls)
	}

	// amend_order through engine.Modifier's Modify: a smaller quantity at the same price
	// is "amended" in place; a post-only order moved to a price that would take is
	// refused with Kraken's "EOrder:Post only order" and keeps its terms.
	top() // the IOC took the best ask
	place(risk.Order{ID: 5, Side: orderbook.Bid, Price: bid - 100, Qty: 200_000, PostOnly: true})
	drainUntil(t, g, &s, "ack 5")
	if err := g.Modify(5, orderbook.Bid, bid-100, 150_000, now); err != nil {
		t.Fatal(err)
	}
	drainUntil(t, g, &s, fmt.Sprintf("modified 5 150000@%d", bid-100))
	if err := g.Modify(5, orderbook.Bid, ask, 150_000, now); err != nil {
		t.Fatal(err)
	}
	drainUntil(t, g, &s, "modify rejected 5: EOrder:Post only order")
	if v, _ := e.Account("kraken-key"); len(v.OpenOrders) != 1 || v.OpenOrders[0].Price.String() != fmt.Sprintf("%d.%d", (bid-100)/10, (bid-100)%10) {
		t.Errorf("after a refused amend the order moved: %+v", v.OpenOrders)
	}
	if err := g.Cancel(5, now); err != nil {
		t.Fatal(err)
	}
	drainUntil(t, g, &s, "cancelled 5")

	// A price amend moves a resting order: amended to the best ask, it trades there at
	// once, at its new price.
	place(risk.Order{ID: 6, Side: orderbook.Bid, Price: bid - 100, Qty: 20_000})
	drainUntil(t, g, &s, "ack 6")
	if err := g.Modify(6, orderbook.Bid, ask, 20_000, now); err != nil {
		t.Fatal(err)
	}
	drainUntil(t, g, &s, fmt.Sprintf("modified 6 20000@%d", ask))
	drainUntil(t, g, &s, "fill 6 ")
	deadline = time.Now().Add(20 * time.Second)
	for g.Live() != 0 && time.Now().Before(deadline) {
		g.Drain(&s, time.Now().UnixNano())
		time.Sleep(2 * time.Millisecond)
	}
	var filled6 int64
	for _, c := range s.calls {
		var q, p int64
		var maker bool
		if n, _ := fmt.Sscanf(c, "fill 6 %d@%d maker=%t", &q, &p, &maker); n == 3 {
			if p != ask || maker {
				t.Errorf("amended order filled at %d maker=%v, want %d as taker: %q", p, maker, ask, c)
			}
			filled6 += q
		}
	}
	if filled6 != 20_000 {
		t.Fatalf("amended order filled %d, want 20000: %q", filled6, s.calls)
	}

	// A GTD order rests until its expire_time, then Kraken expires it and the engine
	// hears it cancelled.
	g.Encoder().GTDFor = 700 * time.Millisecond
	o7 := risk.Order{ID: 7, Side: orderbook.Bid, Price: bid - 100, Qty: 100_000, PostOnly: true}
	if err := g.PlaceTIF(&o7, gk.GTD, now); err != nil {
		t.Fatal(err)
	}
	drainUntil(t, g, &s, "ack 7")
	if v, _ := e.Account("kraken-key"); len(v.OpenOrders) != 1 {
		t.Errorf("the GTD order is not resting: %+v", v.OpenOrders)
	}
	drainUntil(t, g, &s, "cancelled 7")
	if v, _ := e.Account("kraken-key"); len(v.OpenOrders) != 0 || v.Balances["USD"].Locked.Sign() != 0 {
		t.Errorf("the GTD order did not expire: %+v", v)
	}

	place(risk.Order{ID: 4, Side: orderbook.Bid, Price: bid - 100, Qty: 1_000 * 100_000_000})
	drainUntil(t, g, &s, "rejected 4: EOrder:Insufficient funds")
	if c := g.Counters(); c.Rejects != 2 || c.AmendRejects != 1 || c.Fills < 2 || c.Malformed != 0 {
		t.Fatalf("counters %+v", c)
	}
	if g.Live() != 0 {
		t.Fatalf("%d orders still live; calls %q", g.Live(), s.calls)
	}
}

// TestKrakenBadSignature: a wrong private key gets no token, and the gateway refuses to
// start with Kraken's error string.
func TestKrakenBadSignature(t *testing.T) {
	e := krakenExchange(t, Faults{})
	_, err := krakenGateway(t, e, base64.StdEncoding.EncodeToString([]byte("not the key")), nil)
	if err == nil || !strings.Contains(err.Error(), "EAPI:Invalid signature") {
		t.Fatalf("start with a wrong key: %v", err)
	}
}

// TestKrakenReconnect: the exchange drops every connection every 1.5 s; the gateway
// reconnects with a new token, reconciles its resting order from the executions
// snapshot (it stays live, not lost), and can still cancel it.
func TestKrakenReconnect(t *testing.T) {
	e := krakenExchange(t, Faults{DisconnectEvery: 1500 * time.Millisecond})
	e.With(func() { e.Market("BTCUSD").enabled = false })
	g, err := krakenGateway(t, e, krakenSecret, nil)
	if err != nil {
		t.Fatal(err)
	}
	var bid int64
	e.With(func() { bid = e.Market("BTCUSD").book.Levels(nil, Buy, 1)[0][0] / 10_000_000 })
	var s krakenSink
	o := risk.Order{ID: 7, Side: orderbook.Bid, Price: bid - 50, Qty: 100_000, PostOnly: true}
	if err := g.Place(&o, time.Now().UnixNano()); err != nil {
		t.Fatal(err)
	}
	drainUntil(t, g, &s, "ack 7")
	deadline := time.Now().Add(20 * time.Second)
	for g.Counters().Reconnects < 1 {
		if time.Now().After(deadline) {
			t.Fatalf("no reconnect: %+v", g.Counters())
		}
		g.Drain(&s, time.Now().UnixNano())
		time.Sleep(5 * time.Millisecond)
	}
	g.Drain(&s, time.Now().UnixNano())
	if s.has("rejected 7") || s.has("cancelled 7") || g.Live() != 1 {
		t.Fatalf("resting order not reconciled as live: %q live %d", s.calls, g.Live())
	}
	for {
		err := g.Cancel(7, time.Now().UnixNano())
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	drainUntil(t, g, &s, "cancelled 7")
}

// recoverSink adds up what the gateway tells the engine about fills: position, gross
// quote amount and fees, and the fills of each order, as the engine would book them.
type recoverSink struct {
	krakenSink
	pos, gross, fills int64 // base units (1e-8), quote in 1e-9 USD (price unit 0.1 × qty 1e-8), count
}

func (s *recoverSink) OnFill(id uint64, price, qty, fee int64, maker bool, now int64) {
	s.krakenSink.OnFill(id, price, qty, fee, maker, now)
	s.pos -= qty // the order is a sell
	s.gross += price * qty
	s.fills++
}

// TestKrakenRecoverFills: a resting sell fills 10 times while the gateway listens, then
// the gateway's connection drops and the order fills 80 more times (to completion)
// before it can reconnect: more than the 50 fills an executions snapshot lists. The
// gateway reads the rest from TradesHistory, so every fill reaches the engine once, with
// its fee, and the engine's position, fees and PnL equal the exchange's.
func TestKrakenRecoverFills(t *testing.T) {
	e := startExchange(t, Config{Seed: 11, Instruments: []Instrument{KrakenBTCUSD()},
		Commission: Commission{Maker: "0.0016", Taker: "0.0026"},
		Accounts: []AccountConfig{
			{APIKey: "kraken-key", Secret: krakenSecret, Balances: map[string]string{"USD": "100000", "BTC": "1"}},
			{APIKey: "taker-key", Secret: krakenSecret, Balances: map[string]string{"USD": "100000", "BTC": "1"}},
		}})
	e.With(func() { e.Market("BTCUSD").enabled = false }) // only the test trades
	g, err := krakenGateway(t, e, krakenSecret, nil)
	if err != nil {
		t.Fatal(err)
	}
	var bid, ask int64
	e.With(func() {
		bid = e.Market("BTCUSD").book.Levels(nil, Buy, 1)[0][0] / 10_000_000
		ask = e.Market("BTCUSD").book.Levels(nil, Sell, 1)[0][0] / 10_000_000
	})
	if ask-bid < 2 {
		t.Fatalf("spread %d-%d too narrow to rest alone inside it", bid, ask)
	}
	price := ask - 1 // alone at the best ask: every taking buy at it fills this order
	const lot, live, away = 5_000, 10, 80
	var s recoverSink
	o := risk.Order{ID: 1, Side: orderbook.Ask, Price: price, Qty: lot * (live + away), PostOnly: true}
	if err := g.Place(&o, time.Now().UnixNano()); err != nil {
		t.Fatal(err)
	}
	drainUntil(t, g, &s.krakenSink, "ack 1")
	taker := e.accounts["taker-key"]
	take := func() {
		t.Helper()
		_, after, aerr, _ := e.trade(taker, "order.place", params{"symbol": "BTCUSD", "side": "BUY", "type": "LIMIT",
			"timeInForce": "IOC", "price": fmt.Sprintf("%d.%d", price/10, price%10), "quantity": "0.00005"})
		if aerr != nil {
			t.Fatal(aerr)
		}
		if after != nil {
			after()
		}
	}
	for range live {
		e.With(take)
	}
	deadline := time.Now().Add(30 * time.Second)
	for s.fills < live {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d fills seen live: %q", s.fills, live, s.calls)
		}
		g.Drain(&s, time.Now().UnixNano())
		time.Sleep(2 * time.Millisecond)
	}
	// The connection drops, and while the exchange is locked (no reconnect can get a
	// token) the order fills 80 more times.
	e.With(func() {
		for p := range e.kraken().subs {
			p.c.kill()
		}
		for range away {
			take()
		}
	})
	for s.fills < live+away || g.Live() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d fills heard, %d orders live; counters %+v", s.fills, g.Live(), g.Counters())
		}
		g.Drain(&s, time.Now().UnixNano())
		time.Sleep(2 * time.Millisecond)
	}
	// A while longer: the snapshot's repeats of the last 50 fills must change nothing.
	for end := time.Now().Add(300 * time.Millisecond); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		g.Drain(&s, time.Now().UnixNano())
	}

	c := g.Counters()
	if c.Reconnects < 1 || c.Recovered < away-krakenSnapTrades {
		t.Fatalf("reconnects %d, fills recovered from TradesHistory %d (want >= %d): %+v", c.Reconnects, c.Recovered, away-krakenSnapTrades, c)
	}
	// Every fill once: as many as the exchange made, adding up to the order.
	var made int64
	e.With(func() {
		for _, f := range e.kraken().history[e.accounts["kraken-key"]].fills {
			if f.order.ClientID == "tst1" {
				made++
			}
		}
	})
	if s.fills != made || made != live+away || -s.pos != o.Qty {
		t.Fatalf("engine heard %d fills (position %d), the exchange made %d for an order of %d", s.fills, s.pos, made, o.Qty)
	}
	v, _ := e.Account("kraken-key")
	if got := v.Position["BTCUSD"].Shift(8).IntPart(); got != s.pos {
		t.Fatalf("position: engine %d, exchange %d", s.pos, got)
	}
	// PnL: the exchange's USD is the gross less its fees; the engine books fees in
	// price units (0.1 USD), the remainder carried per order and rounded once at its
	// last fill, so they agree to half a price unit.
	usd := v.Balances["USD"].Free.Add(v.Balances["USD"].Locked).Sub(decimal.NewFromInt(100_000))
	gross := decimal.New(s.gross, -9)
	exchFee := gross.Sub(usd)
	engineFee := decimal.New(s.fees, -1)
	if exchFee.Sign() <= 0 || engineFee.Sub(exchFee).Abs().GreaterThan(decimal.New(5, -2)) {
		t.Fatalf("fees: engine %s USD, exchange %s USD (gross %s)", engineFee, exchFee, gross)
	}
	enginePnL := gross.Sub(engineFee)
	if enginePnL.Sub(usd).Abs().GreaterThan(decimal.New(5, -2)) {
		t.Fatalf("cash PnL: engine %s USD, exchange %s USD", enginePnL, usd)
	}
	t.Logf("%d fills (%d live, %d while away, %d recovered from TradesHistory): position %d, fees engine %s / exchange %s USD",
		s.fills, live, away, c.Recovered, s.pos, engineFee, exchFee)
}
