package exchange

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/rs/zerolog"
	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/feeds/bybit"
	gw "github.com/nanotick/nanotick/gateway/bybit"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/md"
	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/risk"
)

// syncAnswers records the engine's answers from Drain; the test goroutine plays the
// engine's.
type syncAnswers struct {
	mu      sync.Mutex
	calls   []string
	funding int64 // OnFunding's amounts, summed
}

// OnFunding makes syncAnswers a gateway/bybit FundingSink, as the engine is.
func (s *syncAnswers) OnFunding(i instrument.Index, amount int64, now int64) {
	s.mu.Lock()
	s.funding += amount
	s.mu.Unlock()
}

func (s *syncAnswers) add(f string, a ...any) {
	s.mu.Lock()
	s.calls = append(s.calls, fmt.Sprintf(f, a...))
	s.mu.Unlock()
}
func (s *syncAnswers) OnAck(id uint64, now int64) { s.add("ack %d", id) }
func (s *syncAnswers) OnFill(id uint64, price, qty, fee int64, maker bool, now int64) {
	s.add("fill %d %d@%d fee %d maker %v", id, qty, price, fee, maker)
}
func (s *syncAnswers) OnCancelled(id uint64, now int64) { s.add("cancelled %d", id) }
func (s *syncAnswers) OnRejected(id uint64, reason string, now int64) {
	s.add("rejected %d: %s", id, reason)
}

// has reports whether a call starts with prefix.
func (s *syncAnswers) has(prefix string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.calls {
		if strings.HasPrefix(c, prefix) {
			return true
		}
	}
	return false
}

func (s *syncAnswers) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.calls, "\n")
}

// linearGateway starts an exchange serving the BTCUSDT perpetual (still: the test
// knows its prices) and a started linear gateway on it.
func linearGateway(t *testing.T, fund BybitLinear, commission Commission) (*Exchange, *gw.Gateway) {
	t.Helper()
	e := startExchange(t, Config{Seed: 9, Futures: []FuturesInstrument{BTCUSDTPerp()}, BybitLinear: fund, Commission: commission,
		Accounts: []AccountConfig{{APIKey: "bybit-key", Secret: "bybit-secret", Balances: map[string]string{"USDT": "100000"}}}})
	e.With(func() { e.FuturesMarket("BTCUSDT").enabled = false })
	creds, err := gw.NewCredentials("bybit-key", "bybit-secret")
	if err != nil {
		t.Fatal(err)
	}
	g, err := gw.New(gw.Config{TradeURL: e.BybitTradeURL(), PrivateURL: e.BybitPrivateURL(), RESTURL: e.RESTURL(),
		Category: gw.Linear, Symbol: "BTCUSDT", BaseAsset: "BTC", QuoteAsset: "USDT", PriceScale: 2, QtyScale: 3,
		Credentials: creds, BackoffMin: 20 * time.Millisecond, BackoffMax: 200 * time.Millisecond, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	acct, err := g.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	if !acct.HasWallet || !acct.Wallet.WalletBalance.Equal(decimal.NewFromInt(100000)) || !acct.HasPosition || !acct.Position.Size.IsZero() {
		t.Fatalf("account at start: %+v", acct)
	}
	return e, g
}

// waitFor drains the gateway into got until cond holds; the deadline only bounds a hang.
func waitFor(t *testing.T, g *gw.Gateway, got *syncAnswers, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s; answers:\n%s\ncounters %+v", what, got, g.Counters())
		}
		g.Drain(got, time.Now().UnixNano())
		time.Sleep(5 * time.Millisecond)
	}
}

// best returns the perpetual's best bid and ask at the engine's scale (2 decimals).
func best(e *Exchange) (bid, ask int64) {
	e.With(func() {
		b := e.FuturesMarket("BTCUSDT").Book()
		bp, _, _ := b.Best(Buy)
		ap, _, _ := b.Best(Sell)
		bid, ask = bp/1_000_000, ap/1_000_000
	})
	return bid, ask
}

// TestBybitLinearGateway trades the perpetual through gateway/bybit's connection loop:
// a post-only order is acknowledged and cancelled; a post-only order that would take is
// rejected with EC_PostOnlyWillTakeLiquidity; an IOC buy fills and the position stream
// shows the long; a reduce-only sell larger than the position is cut to it and closes
// it; a reduce-only order with no position and an order beyond the available balance
// are refused with Bybit's retCodes, counted and not retried.
func TestBybitLinearGateway(t *testing.T) {
	e, g := linearGateway(t, BybitLinear{}, Commission{Maker: "0.0002", Taker: "0.00055"})
	var got syncAnswers
	bid, ask := best(e)
	now := func() int64 { return time.Now().UnixNano() }
	order := func(id uint64, side orderbook.Side, price, qty int64, postOnly, ioc bool) *risk.Order {
		return &risk.Order{ID: id, Side: side, Price: price, Qty: qty, PostOnly: postOnly, IOC: ioc}
	}
	if err := g.Place(order(1, orderbook.Bid, bid-1000, 10, true, false), now()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, g, &got, "ack", func() bool { return got.has("ack 1") })
	if err := g.Cancel(1, now()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, g, &got, "cancel", func() bool { return got.has("cancelled 1") })

	if err := g.Place(order(2, orderbook.Bid, ask, 10, true, false), now()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, g, &got, "post-only reject", func() bool { return got.has("rejected 2: EC_PostOnlyWillTakeLiquidity") })

	if err := g.Place(order(3, orderbook.Bid, ask+5000, 10, false, true), now()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, g, &got, "IOC fill and the long position", func() bool {
		a := g.Account()
		return got.has("fill 3 10@") && a.Position.Size.Equal(decimal.RequireFromString("0.01"))
	})
	a := g.Account()
	if !a.Position.Entry.IsPositive() || a.Position.Mark.IsZero() || !a.Wallet.WalletBalance.LessThan(decimal.NewFromInt(100000)) {
		t.Fatalf("position %+v wallet %+v", a.Position, a.Wallet)
	}
	if !a.Position.LiqPrice.IsPositive() || !a.Position.LiqPrice.LessThan(a.Position.Entry) {
		t.Fatalf("liquidation price %s of a long entered at %s", a.Position.LiqPrice, a.Position.Entry)
	}

	if err := g.PlaceReduceOnly(order(4, orderbook.Ask, bid-5000, 20, false, true), gw.IOC, now()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, g, &got, "reduce-only fill closing the position", func() bool {
		return got.has("fill 4 10@") && g.Account().Position.Size.IsZero() && g.Account().Position.Entry.IsZero()
	})

	if err := g.PlaceReduceOnly(order(5, orderbook.Ask, bid, 10, false, false), gw.GTC, now()); err != nil {
		t.Fatal(err)
	}
	if err := g.Place(order(6, orderbook.Bid, bid-1000, 100_000, false, false), now()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, g, &got, "refusals", func() bool {
		return got.has("rejected 5: 110017: ") && got.has("rejected 6: 110007: Available balance is insufficient")
	})
	c := g.Counters()
	if c.Rejects != 3 || c.RejectCodes[110017] != 1 || c.RejectCodes[110007] != 1 || c.Placed != 6 {
		t.Fatalf("counters %+v", c)
	}
}

// TestBybitGatewayReconnect: the connections drop while a resting order fills and the
// private streams lose the news; the gateway reconnects, logs in again, and its
// reconciliation (/v5/order/realtime) recovers the fill exactly once and reads the
// position again.
func TestBybitGatewayReconnect(t *testing.T) {
	e, g := linearGateway(t, BybitLinear{}, Commission{})
	var got syncAnswers
	bid, ask := best(e)
	if ask-bid < 20 {
		t.Fatalf("spread %d-%d: the test needs room for a best bid of its own", bid, ask)
	}
	bid += 10 // one tick better than the book: the seller meets this order first
	now := func() int64 { return time.Now().UnixNano() }
	if err := g.Place(&risk.Order{ID: 1, Side: orderbook.Bid, Price: bid, Qty: 10, PostOnly: true}, now()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, g, &got, "ack", func() bool { return got.has("ack 1") })

	// The streams go quiet; a seller takes the order; then the connections drop.
	e.BybitLoseStreams(true)
	seller, _ := startSeller(t, e)
	seller(bid, "0.01")
	e.BybitDropConnections()
	e.BybitLoseStreams(false)
	waitFor(t, g, &got, "recovered fill", func() bool { return got.has("fill 1 10@") })
	c := g.Counters()
	if c.Reconnects < 1 || c.Recovered != 1 || c.Reconciled < 1 {
		t.Fatalf("counters %+v", c)
	}
	waitFor(t, g, &got, "position after reconcile", func() bool {
		return g.Account().Position.Size.Equal(decimal.RequireFromString("0.01"))
	})
	// The order is done: no second fill arrives, whatever the venue says later.
	time.Sleep(100 * time.Millisecond)
	g.Drain(&got, now())
	if n := strings.Count(got.String(), "fill 1 "); n != 1 {
		t.Fatalf("%d fills of order 1:\n%s", n, &got)
	}
}

// startSeller returns a function that sells qty at price on the perpetual from a
// second account of the exchange, through the trade API.
func startSeller(t *testing.T, e *Exchange) (func(price int64, qty string), func()) {
	t.Helper()
	e.With(func() {
		a, _ := newAccount(AccountConfig{APIKey: "seller", Secret: "seller-secret", Balances: map[string]string{"USDT": "1000000"}})
		e.accounts["seller"] = a
	})
	ws := dial(t, e.BybitTradeURL())
	expires := time.Now().Add(time.Minute).UnixMilli()
	creds, _ := gw.NewCredentials("seller", "seller-secret")
	if err := ws.WriteMessage(1, creds.AppendAuth(nil, expires)); err != nil {
		t.Fatal(err)
	}
	ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, msg, err := ws.ReadMessage(); err != nil || !strings.Contains(string(msg), `"retCode":0`) {
		t.Fatalf("seller auth: %s %v", msg, err)
	}
	n := 0
	return func(price int64, qty string) {
		n++
		req := fmt.Sprintf(`{"reqId":"s%d","op":"order.create","args":[{"category":"linear","symbol":"BTCUSDT","side":"Sell","orderType":"Limit","qty":%q,"price":"%d.%02d","timeInForce":"IOC"}]}`,
			n, qty, price/100, price%100)
		if err := ws.WriteMessage(1, []byte(req)); err != nil {
			t.Fatal(err)
		}
		_, msg, err := ws.ReadMessage()
		if err != nil || !strings.Contains(string(msg), `"retCode":0`) {
			t.Fatalf("seller order: %s %v", msg, err)
		}
	}, func() { ws.Close() }
}

// TestBybitLinearFunding: with a funding time every second, a long position pays
// size × mark × rate; the gateway sees each payment on the execution stream (execType
// Funding), adds it up, and finds it equal to package perp's FundingPayment.
func TestBybitLinearFunding(t *testing.T) {
	e, g := linearGateway(t, BybitLinear{FundingInterval: time.Second, FundingRate: "0.0001"}, Commission{})
	var got syncAnswers
	_, ask := best(e)
	if err := g.Place(&risk.Order{ID: 1, Side: orderbook.Bid, Price: ask + 5000, Qty: 100, IOC: true}, time.Now().UnixNano()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, g, &got, "long position", func() bool { return g.Account().Position.Size.Equal(decimal.RequireFromString("0.1")) })
	waitFor(t, g, &got, "funding", func() bool { return g.Counters().FundingPayments >= 2 })
	c, a := g.Counters(), g.Account()
	if c.FundingMismatches != 0 || !a.FundingPaid.IsPositive() {
		t.Fatalf("funding: counters %+v paid %s", c, a.FundingPaid)
	}
	// The engine is told each payment, at the venue's amount in price units (a
	// payment may land between two reads: the condition is polled).
	waitFor(t, g, &got, "funding booked at the venue's amount", func() bool {
		got.mu.Lock()
		booked := got.funding
		got.mu.Unlock()
		return booked < 0 && booked == -g.Account().FundingPaid.Shift(2).IntPart()
	})
	// 0.1 BTC at about 60000 at 0.01%: about 0.6 USDT a payment.
	per := a.FundingPaid.Div(decimal.NewFromInt(int64(c.FundingPayments)))
	if per.LessThan(decimal.RequireFromString("0.3")) || per.GreaterThan(decimal.RequireFromString("1.2")) {
		t.Fatalf("%s paid in %d payments", a.FundingPaid, c.FundingPayments)
	}
}

// TestBybitLinearTickers: the perpetual's tickers topic, read by feeds/bybit's md.Feed,
// gives the mark price (the book's mid), the index price (spot's mid), the configured
// funding rate and the next funding time on the configured grid.
func TestBybitLinearTickers(t *testing.T) {
	e := startExchange(t, Config{Seed: 4, Futures: []FuturesInstrument{BTCUSDTPerp()},
		BybitLinear: BybitLinear{FundingInterval: time.Hour, FundingRate: "0.00025"}})
	ws := dial(t, e.BybitURL("linear"))
	spec := instrument.Spec{ID: instrument.ID{Venue: bybit.VenueLinear, Symbol: "BTCUSDT"}, PriceScale: 2, QtyScale: 3}
	f, err := bybit.NewMDFeed(&spec, orderbook.New(64), md.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := ws.WriteMessage(websocket.TextMessage, bybit.AppendSubscribe(nil, 1, "tickers.BTCUSDT")); err != nil {
		t.Fatal(err)
	}
	var mark md.PerpMark
	deadline := time.Now().Add(10 * time.Second)
	for mark.Fields != md.HasMarkPrice|md.HasIndexPrice|md.HasFundingRate|md.HasNextFunding {
		ws.SetReadDeadline(deadline)
		_, msg, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("mark so far %+v: %v", mark, err)
		}
		ev, err := f.Decode(msg)
		if err != nil {
			t.Fatalf("%s: %v", msg, err)
		}
		if ev.Kind == md.Mark {
			mark.Fields |= ev.Mark.Fields
			if ev.Mark.Fields&md.HasFundingRate != 0 {
				mark.FundingRate = ev.Mark.FundingRate
			}
			if ev.Mark.Fields&md.HasNextFunding != 0 {
				mark.NextFunding = ev.Mark.NextFunding
			}
			if ev.Mark.Fields&md.HasMarkPrice != 0 {
				mark.Price = ev.Mark.Price
			}
		}
	}
	if mark.FundingRate != 2_500_000 || mark.NextFunding%int64(time.Hour) != 0 || mark.NextFunding <= time.Now().UnixNano() ||
		mark.Price < 40_000e8 || mark.Price > 80_000e8 {
		t.Fatalf("mark %+v", mark)
	}
}

// TestBybitLinearAmend: order.amend moves a resting order's price (it keeps its id and
// rests at the new price) and lowers its quantity.
func TestBybitLinearAmend(t *testing.T) {
	e, g := linearGateway(t, BybitLinear{}, Commission{})
	var got syncAnswers
	bid, _ := best(e)
	now := func() int64 { return time.Now().UnixNano() }
	if err := g.Place(&risk.Order{ID: 1, Side: orderbook.Bid, Price: bid - 1000, Qty: 50, PostOnly: true}, now()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, g, &got, "ack", func() bool { return got.has("ack 1") })
	resting := func() (price, qty int64, n int) {
		for _, o := range e.BybitLinearOrders("bybit-key") {
			if o.ClientID == g.Prefix()+"1" {
				n++
				price, qty = o.Price.Shift(2).IntPart(), o.Qty.Shift(3).IntPart()
			}
		}
		return price, qty, n
	}
	if err := g.Amend(1, bid-500, 0, now()); err != nil {
		t.Fatal(err)
	}
	if err := g.Amend(1, 0, 20, now()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, g, &got, "amended order", func() bool { p, q, n := resting(); return p == bid-500 && q == 20 && n == 1 })
	if c := g.Counters(); c.Amends != 2 || c.RejectCodes[10001] != 0 {
		t.Fatalf("counters %+v", c)
	}
}

// OnModified and OnModifyRejected make syncAnswers a gateway/bybit ModifySink, as the
// engine is.
func (s *syncAnswers) OnModified(id uint64, price, qty int64, now int64) {
	s.add("modified %d %d@%d", id, qty, price)
}
func (s *syncAnswers) OnModifyRejected(id uint64, reason string, now int64) {
	s.add("modify rejected %d: %s", id, reason)
}

// TestBybitLinearModify: the gateway's engine.Modifier over the local exchange's
// order.amend. An accepted amend is OnModified with the new terms, and the order rests
// at them; a refused one (a PostOnly moved to a price that would take) is
// OnModifyRejected with Bybit's retCode and retMsg, and the order keeps its terms; a
// Modify of an order not open, or while one is awaiting its answer, sends nothing.
func TestBybitLinearModify(t *testing.T) {
	e, g := linearGateway(t, BybitLinear{}, Commission{})
	var got syncAnswers
	bid, ask := best(e)
	now := func() int64 { return time.Now().UnixNano() }
	if err := g.Place(&risk.Order{ID: 1, Side: orderbook.Bid, Price: bid - 1000, Qty: 50, PostOnly: true}, now()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, g, &got, "ack", func() bool { return got.has("ack 1") })
	resting := func() (price, qty int64, n int) {
		for _, o := range e.BybitLinearOrders("bybit-key") {
			if o.ClientID == g.Prefix()+"1" {
				n++
				price, qty = o.Price.Shift(2).IntPart(), o.Qty.Shift(3).IntPart()
			}
		}
		return price, qty, n
	}
	if err := g.Modify(1, orderbook.Bid, bid-500, 20, now()); err != nil {
		t.Fatal(err)
	}
	if err := g.Modify(1, orderbook.Bid, bid-400, 20, now()); !errors.Is(err, gw.ErrModifyPending) {
		t.Fatalf("second modify in flight: %v", err)
	}
	want := fmt.Sprintf("modified 1 20@%d", bid-500)
	waitFor(t, g, &got, want, func() bool { return got.has(want) })
	if p, q, n := resting(); p != bid-500 || q != 20 || n != 1 {
		t.Fatalf("resting %d@%d (%d orders)", q, p, n)
	}
	if err := g.Modify(1, orderbook.Bid, ask+1000, 20, now()); err != nil {
		t.Fatal(err)
	}
	want = "modify rejected 1: 10001: params error: the amended PostOnly order would take liquidity"
	waitFor(t, g, &got, want, func() bool { return got.has(want) })
	if p, q, n := resting(); p != bid-500 || q != 20 || n != 1 {
		t.Fatalf("after the refused modify: resting %d@%d (%d orders)", q, p, n)
	}
	if err := g.Modify(99, orderbook.Bid, bid, 10, now()); !errors.Is(err, gw.ErrUnknownOrder) {
		t.Fatalf("modify of an unknown order: %v", err)
	}
	if c := g.Counters(); c.Amends != 2 {
		t.Fatalf("counters %+v (want 2 amends sent)", c)
	}
	// The order is still the gateway's to cancel, at its modified terms.
	if err := g.Cancel(1, now()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, g, &got, "cancel", func() bool { return got.has("cancelled 1") })
}
