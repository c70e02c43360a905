package exchange

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/shopspring/decimal"

	gb "github.com/nanotick/nanotick/gateway/binance"
	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/perp"
	"github.com/nanotick/nanotick/risk"
)

// usdmTradeSums sums the exchange's userTrades list of the account with key at the
// gateway's scales (price 2, quantity 3 decimals): the figures the engine must reach.
// Fees are the exact commissions; the engine's are them rounded once.
func usdmTradeSums(e *Exchange, key string) (s spotSums) {
	e.With(func() {
		for _, t := range e.faccount(e.accounts[key]).trades {
			s.fills++
			if t.maker {
				s.makers++
			}
			s.qty += t.qty / 100_000
			s.cost = s.cost.Add(decimal.New(t.price, -8).Mul(decimal.New(t.qty, -8)))
			s.fees = s.fees.Add(t.commission)
		}
	})
	return s
}

// usdmLedger is spotLedger at the USD-M gateway's scales, 2 and 3 decimals.
func usdmLedger() *spotLedger {
	return &spotLedger{ended: map[uint64]bool{}, priceScale: 2, qtyScale: 3}
}

// usdmRecoverVenue starts a USD-M exchange whose synthetic participants stand still,
// with the trader's account and a counterparty's, and a futures gateway of the trader's;
// other places an IOC order of the counterparty's, book reads the book's best n levels.
func usdmRecoverVenue(t *testing.T) (e *Exchange, g *gb.FuturesGateway, pi FuturesInstrument, other func(side string, price int64, qty string), book func(s Side, n int) [][2]int64) {
	t.Helper()
	pi = BTCUSDTPerp()
	pi.MinNotional = 5 * wireUnit // trades of 0.001 BTC
	e = startExchange(t, Config{Seed: 5, Futures: []FuturesInstrument{pi},
		Commission: Commission{Maker: "0.0002", Taker: "0.00075"},
		Accounts: []AccountConfig{
			{APIKey: "trader", Secret: "trader-secret", Balances: map[string]string{"USDT": "100000000"}},
			{APIKey: "other", Secret: "other-secret", Balances: map[string]string{"USDT": "100000000"}}}})
	e.With(func() { e.FuturesMarket("BTCUSDT").enabled = false })
	creds, err := gb.NewCredentials("trader", "trader-secret")
	if err != nil {
		t.Fatal(err)
	}
	g, err = gb.NewFutures(gb.FuturesConfig{APIURL: e.USDMWSAPIURL(), RESTURL: e.RESTURL(), StreamURL: e.FuturesMarketDataURL(),
		Symbol: "BTCUSDT", MarginAsset: "USDT", PriceScale: 2, QtyScale: 3, Credentials: creds,
		Leverage: 20, MarginMode: perp.Cross, SetMargin: true, AckTimeout: 500 * time.Millisecond,
		RetryMin: 20 * time.Millisecond, RetryMax: 200 * time.Millisecond,
		BackoffMin: 20 * time.Millisecond, BackoffMax: 200 * time.Millisecond, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	n := 0
	other = func(side string, price int64, qty string) {
		t.Helper()
		n++
		var perr *apiError
		e.With(func() {
			_, perr = e.usdmPlace(e.faccount(e.accounts["other"]), e.FuturesMarket("BTCUSDT"), params{"symbol": "BTCUSDT",
				"side": side, "type": "LIMIT", "timeInForce": "IOC", "price": decimal.New(price, -8).String(), "quantity": qty,
				"newClientOrderId": "other-" + strconv.Itoa(n)})
		})
		if perr != nil {
			t.Fatalf("counterparty %s %s@%d: %v", side, qty, price, perr)
		}
	}
	book = func(s Side, n int) (lv [][2]int64) {
		e.With(func() { lv = e.FuturesMarket("BTCUSDT").Book().Levels(nil, s, n) })
		return lv
	}
	return e, g, pi, other, book
}

// usdmDrain drains g into l until cond holds, failing the test after 30 s.
func usdmDrain(t *testing.T, g *gb.FuturesGateway, l *spotLedger, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s: engine %+v; counters %+v", what, l.snapshot(), g.Counters())
		}
		g.Drain(l, time.Now().UnixNano())
		time.Sleep(2 * time.Millisecond)
	}
}

// TestUSDMGatewayRecoversFillsFromUserTrades: the USD-M user data stream goes silent
// while the trader's two resting asks fill in 40 trades at two prices (maker) and an IOC
// sell of its own sweeps three bid levels (taker), then the stream drops. After the
// reconnect the order.status answers show more filled than the events told, and the
// gateway learns each missed trade from GET /fapi/v1/userTrades with its own price,
// quantity, commission and liquidity, once: the engine's quantity, cost, fees and maker
// count equal the exchange's trade list, the 3 fills the stream told included once.
func TestUSDMGatewayRecoversFillsFromUserTrades(t *testing.T) {
	e, g, pi, other, book := usdmRecoverVenue(t)
	asks := book(Sell, 2)
	other("BUY", asks[1][0], decimal.New(asks[0][1]+asks[1][1], -8).String())
	bids, asks := book(Buy, 1), book(Sell, 1)
	if asks[0][0]-bids[0][0] < 3*pi.TickSize {
		t.Fatalf("spread %d-%d: the test needs room for asks of its own", bids[0][0], asks[0][0])
	}
	p1, p2 := asks[0][0]-pi.TickSize, asks[0][0]-2*pi.TickSize
	l := usdmLedger()
	drain := func(what string, cond func() bool) { t.Helper(); usdmDrain(t, g, l, what, cond) }
	for _, o := range []*risk.Order{
		{ID: 1, Side: orderbook.Ask, Price: p1 / 1_000_000, Qty: 30, PostOnly: true},
		{ID: 2, Side: orderbook.Ask, Price: p2 / 1_000_000, Qty: 13, PostOnly: true},
	} {
		if err := g.Place(o, time.Now().UnixNano()); err != nil {
			t.Fatal(err)
		}
	}
	drain("the two acks", func() bool { return l.snapshot().acks == 2 })
	for range 3 {
		other("BUY", p2, "0.001")
	}
	drain("the stream's 3 fills", func() bool { return l.snapshot().fills == 3 })

	e.USDMLoseStreams(true)
	for range 10 {
		other("BUY", p2, "0.001")
	}
	for range 30 {
		other("BUY", p1, "0.001")
	}
	bidLv := book(Buy, 3)
	sweep := (bidLv[0][1]+bidLv[1][1])/100_000 + 1
	if err := g.Place(&risk.Order{ID: 3, Side: orderbook.Ask, Price: bidLv[2][0] / 1_000_000, Qty: sweep, IOC: true}, time.Now().UnixNano()); err != nil {
		t.Fatal(err)
	}
	drain("the third ack", func() bool { return l.snapshot().acks == 3 })
	e.USDMDropStreams()
	e.USDMLoseStreams(false)
	want := usdmTradeSums(e, "trader")
	drain("the recovered fills", func() bool { return l.snapshot().qty >= want.qty })
	time.Sleep(300 * time.Millisecond)
	g.Drain(l, time.Now().UnixNano())
	if want.makers != 43 || want.fills < 43+3 {
		t.Fatalf("the exchange lists %d trades (%d maker), want 43 maker and at least 3 taker", want.fills, want.makers)
	}
	got := l.snapshot()
	t.Logf("engine %d fills (%d maker), qty %d, cost %s, fees %s; exchange %d trades (%d maker), qty %d, cost %s, fees %s",
		got.fills, got.makers, got.qty, got.cost, got.fees, want.fills, want.makers, want.qty, want.cost, want.fees)
	if got.fills != want.fills || got.makers != want.makers || got.qty != want.qty || !got.cost.Equal(want.cost) ||
		!got.fees.Equal(want.fees.Round(2)) {
		t.Errorf("the engine's fills differ from the exchange's trade list")
	}
	c := g.Counters()
	if int(c.Recovered) != want.fills-3 || c.RecoveredNoFee != 0 || c.TradeQueries < 3 {
		t.Errorf("counters %+v: want the %d fills the stream missed recovered from userTrades, none without fee", c, want.fills-3)
	}
}

// TestUSDMGatewayCancelRecoversFills: the USD-M user data stream drops the events of 10
// fills of a resting ask (no reconnect, so no status query follows), then the engine
// cancels the order. The cancel's answer says 0.010 executed where the events told
// none: the gateway learns the 10 trades from userTrades before the order ends,
// instead of ending it with its fills untold.
func TestUSDMGatewayCancelRecoversFills(t *testing.T) {
	e, g, pi, other, book := usdmRecoverVenue(t)
	asks := book(Sell, 2)
	other("BUY", asks[1][0], decimal.New(asks[0][1]+asks[1][1], -8).String())
	bids, asks := book(Buy, 1), book(Sell, 1)
	if asks[0][0]-bids[0][0] < 2*pi.TickSize {
		t.Fatalf("spread %d-%d: the test needs room for an ask of its own", bids[0][0], asks[0][0])
	}
	p := asks[0][0] - pi.TickSize
	l := usdmLedger()
	if err := g.Place(&risk.Order{ID: 1, Side: orderbook.Ask, Price: p / 1_000_000, Qty: 30, PostOnly: true}, time.Now().UnixNano()); err != nil {
		t.Fatal(err)
	}
	usdmDrain(t, g, l, "the ack", func() bool { return l.snapshot().acks == 1 })
	e.USDMLoseStreams(true)
	for range 10 {
		other("BUY", p, "0.001")
	}
	e.USDMLoseStreams(false)
	if err := g.Cancel(1, time.Now().UnixNano()); err != nil {
		t.Fatal(err)
	}
	usdmDrain(t, g, l, "the order's end", func() bool { l.mu.Lock(); defer l.mu.Unlock(); return l.ended[1] })
	want, got := usdmTradeSums(e, "trader"), l.snapshot()
	t.Logf("engine %d fills (%d maker), qty %d, cost %s, fees %s; exchange %d trades (%d maker), qty %d, cost %s, fees %s",
		got.fills, got.makers, got.qty, got.cost, got.fees, want.fills, want.makers, want.qty, want.cost, want.fees)
	if want.fills != 10 || want.makers != 10 {
		t.Fatalf("the exchange lists %d trades (%d maker), want 10 maker", want.fills, want.makers)
	}
	if got.fills != want.fills || got.makers != want.makers || got.qty != want.qty || !got.cost.Equal(want.cost) ||
		!got.fees.Equal(want.fees.Round(2)) {
		t.Errorf("the engine's fills differ from the exchange's trade list")
	}
	if c := g.Counters(); c.Recovered != 10 || c.RecoveredNoFee != 0 {
		t.Errorf("counters %+v: want the 10 fills recovered from userTrades", c)
	}
}
