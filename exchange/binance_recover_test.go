package exchange

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/shopspring/decimal"

	gb "github.com/nanotick/nanotick/gateway/binance"
	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/risk"
)

// spotLedger is an engine's view of a gateway's fills, summed at the gateway's scales:
// spot's 8 and 8 decimals, the exchange's own, so that every sum compares exactly, or
// priceScale and qtyScale where set (usdmLedger).
type spotLedger struct {
	mu sync.Mutex
	spotSums
	ended                map[uint64]bool
	priceScale, qtyScale int32
}

// spotSums are the figures compared.
type spotSums struct {
	acks, fills   int
	makers        int
	qty, baseComm int64
	cost, fees    decimal.Decimal
}

func (l *spotLedger) OnAck(id uint64, now int64) { l.mu.Lock(); l.acks++; l.mu.Unlock() }
func (l *spotLedger) OnFill(id uint64, price, qty, fee int64, maker bool, now int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.fills++
	if maker {
		l.makers++
	}
	l.qty += qty
	ps, qs := l.scales()
	l.cost = l.cost.Add(decimal.New(price, -ps).Mul(decimal.New(qty, -qs)))
	l.fees = l.fees.Add(decimal.New(fee, -ps))
}

// scales returns the decimals of the gateway's prices (and fees) and quantities: 8
// and 8 unless set.
func (l *spotLedger) scales() (ps, qs int32) {
	if l.priceScale == 0 {
		return 8, 8
	}
	return l.priceScale, l.qtyScale
}
func (l *spotLedger) OnBaseCommission(id uint64, qty int64, now int64) {
	l.mu.Lock()
	l.baseComm += qty
	l.mu.Unlock()
}
func (l *spotLedger) OnCancelled(id uint64, now int64) { l.end(id) }
func (l *spotLedger) OnRejected(id uint64, reason string, now int64) {
	l.end(id)
}
func (l *spotLedger) end(id uint64) {
	l.mu.Lock()
	l.ended[id] = true
	l.mu.Unlock()
}
func (l *spotLedger) snapshot() spotSums {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.spotSums
}

// spotTrades sums the exchange's trade list of the account with key: the figures the
// engine must reach.
func spotTrades(e *Exchange, key string) (s spotSums) {
	e.With(func() {
		for _, t := range e.accounts[key].trades {
			s.fills++
			if t.maker {
				s.makers++
			}
			s.qty += t.qty
			px := decimal.New(t.price, -8)
			s.cost = s.cost.Add(px.Mul(decimal.New(t.qty, -8)))
			c := decimal.New(t.commission, -8)
			if t.commissionAsset == t.market.inst.Base {
				s.baseComm += t.commission
				c = c.Mul(px)
			}
			s.fees = s.fees.Add(c)
		}
	})
	return s
}

// spotRecoverVenue starts an exchange whose synthetic participants stand still, with
// the trader's account and a counterparty's, and a gateway of the trader's.
func spotRecoverVenue(t *testing.T) (*Exchange, *gb.Gateway, func(side, price, qty string)) {
	t.Helper()
	e := startExchange(t, Config{Seed: 5, Commission: Commission{Maker: "0.0002", Taker: "0.00075"},
		Accounts: []AccountConfig{
			{APIKey: "trader", Secret: "trader-secret", Balances: map[string]string{"USDT": "1000000", "BTC": "20"}},
			{APIKey: "other", Secret: "other-secret", Balances: map[string]string{"USDT": "1000000", "BTC": "20"}}}})
	e.With(func() { e.Market("BTCUSDT").enabled = false })
	creds, err := gb.NewCredentials("trader", "trader-secret")
	if err != nil {
		t.Fatal(err)
	}
	g, err := gb.New(gb.Config{URL: e.WSAPIURL(), Symbol: "BTCUSDT", BaseAsset: "BTC", QuoteAsset: "USDT",
		PriceScale: 8, QtyScale: 8, Credentials: creds, AckTimeout: 500 * time.Millisecond, ReconcileEvery: -1,
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
	// other places an IOC order of the counterparty, on the exchange's own path.
	other := func(side, price, qty string) {
		t.Helper()
		n++
		var perr *apiError
		e.With(func() {
			m := e.Market("BTCUSDT")
			_, after, err := e.place(e.accounts["other"], m, params{"symbol": "BTCUSDT", "side": side, "type": "LIMIT",
				"timeInForce": "IOC", "price": price, "quantity": qty, "newClientOrderId": "other-" + strconv.Itoa(n)}, "")
			perr = err
			if after != nil {
				after()
			}
		})
		if perr != nil {
			t.Fatalf("counterparty %s %s@%s: %v", side, qty, price, perr)
		}
	}
	return e, g, other
}

func spotDrain(t *testing.T, g *gb.Gateway, l *spotLedger, what string, cond func() bool) {
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

func checkSpotLedger(t *testing.T, got, want spotSums) {
	t.Helper()
	t.Logf("engine %d fills (%d maker), qty %d, cost %s, fees %s, base commission %d; exchange %d trades (%d maker), qty %d, cost %s, fees %s, base commission %d",
		got.fills, got.makers, got.qty, got.cost, got.fees, got.baseComm, want.fills, want.makers, want.qty, want.cost, want.fees, want.baseComm)
	if got.fills != want.fills || got.makers != want.makers || got.qty != want.qty || !got.cost.Equal(want.cost) ||
		!got.fees.Equal(want.fees.Round(8)) || got.baseComm != want.baseComm {
		t.Errorf("the engine's fills differ from the exchange's trade list")
	}
}

// TestBinanceSpotGatewayRecoversFillsFromMyTrades: the user data stream goes silent
// while the trader's two resting asks fill in 40 trades at two prices (maker) and an
// IOC sell of its own sweeps three bid levels (taker), then the connections drop. After
// the reconnect the order.status answers show more filled than the reports told, and
// the gateway learns each missed trade from myTrades with its own price, quantity,
// commission and liquidity, once: the engine's quantity, cost, fees and maker count
// equal the exchange's trade list, the 3 fills the stream told before it went silent
// included once.
func TestBinanceSpotGatewayRecoversFillsFromMyTrades(t *testing.T) {
	e, g, other := spotRecoverVenue(t)
	// The counterparty lifts the two best ask levels: room for asks of the trader's
	// inside the spread, at prices of their own.
	var asks [][2]int64
	e.With(func() { asks = e.Market("BTCUSDT").Book().Levels(nil, Sell, 2) })
	other("BUY", decimal.New(asks[1][0], -8).String(), decimal.New(asks[0][1]+asks[1][1], -8).String())
	bidW, askW := bestPrices(e)
	if askW-bidW < 3*1_000_000 {
		t.Fatalf("spread %d-%d: the test needs room for asks of its own", bidW, askW)
	}
	p1, p2 := askW-1_000_000, askW-2_000_000 // one and two ticks inside the ask
	l := &spotLedger{ended: map[uint64]bool{}}
	const milli = 100_000 // 0.001 BTC at 8 decimals
	for _, o := range []*risk.Order{
		{ID: 1, Side: orderbook.Ask, Price: p1, Qty: 30 * milli, PostOnly: true},
		{ID: 2, Side: orderbook.Ask, Price: p2, Qty: 13 * milli, PostOnly: true},
	} {
		if err := g.Place(o, time.Now().UnixNano()); err != nil {
			t.Fatal(err)
		}
	}
	spotDrain(t, g, l, "the two acks", func() bool { return l.snapshot().acks == 2 })
	px := func(p int64) string { return decimal.New(p, -8).String() }
	for range 3 {
		other("BUY", px(p2), "0.001")
	}
	spotDrain(t, g, l, "the stream's 3 fills", func() bool { return l.snapshot().fills == 3 })

	e.BinanceLoseStreams(true)
	for range 10 { // the rest of order 2
		other("BUY", px(p2), "0.001")
	}
	for range 30 { // order 1, one trade each
		other("BUY", px(p1), "0.001")
	}
	// A taker sell of the trader's own through three bid levels.
	var levels [][2]int64
	e.With(func() { levels = e.Market("BTCUSDT").Book().Levels(nil, Buy, 3) })
	var sweep int64
	for _, lv := range levels[:2] {
		sweep += lv[1]
	}
	sweep += 1_000 // into the third level
	if err := g.Place(&risk.Order{ID: 3, Side: orderbook.Ask, Price: levels[2][0], Qty: sweep, IOC: true}, time.Now().UnixNano()); err != nil {
		t.Fatal(err)
	}
	spotDrain(t, g, l, "the third ack", func() bool { return l.snapshot().acks == 3 })
	e.BinanceDropConnections()
	e.BinanceLoseStreams(false)
	want := spotTrades(e, "trader")
	spotDrain(t, g, l, "the recovered fills", func() bool { return l.snapshot().qty >= want.qty })
	// Exactly once: nothing more comes, whatever arrives later.
	time.Sleep(300 * time.Millisecond)
	g.Drain(l, time.Now().UnixNano())
	if want.makers != 43 || want.fills < 43+3 {
		t.Fatalf("the exchange lists %d trades (%d maker), want 43 maker and at least 3 taker", want.fills, want.makers)
	}
	checkSpotLedger(t, l.snapshot(), want)
	c := g.Counters()
	if int(c.Recovered) != want.fills-3 || c.RecoveredNoFee != 0 || c.TradeQueries < 3 || c.Reconnects < 1 {
		t.Errorf("counters %+v: want the %d fills the stream missed recovered from myTrades, none without fee", c, want.fills-3)
	}
	for id := uint64(1); id <= 3; id++ {
		if _, live := g.State(id); live {
			t.Errorf("order %d still live", id)
		}
	}
}

// TestBinanceSpotGatewayStatusOvertakesReports: the user data stream is held back while
// an IOC buy of the trader's sweeps four ask levels (taker, commission in BTC); a cancel
// of it is refused (-2011) and the order.status answer shows it done before any report
// came. The gateway learns the trades from myTrades; the reports that come afterwards
// are dropped: the engine's fills, fees and base commission equal the trade list's,
// each once.
func TestBinanceSpotGatewayStatusOvertakesReports(t *testing.T) {
	e, g, _ := spotRecoverVenue(t)
	l := &spotLedger{ended: map[uint64]bool{}}
	var levels [][2]int64
	e.With(func() { levels = e.Market("BTCUSDT").Book().Levels(nil, Sell, 4) })
	var qty int64
	for _, lv := range levels[:3] {
		qty += lv[1]
	}
	qty += 1_000
	e.BinanceDelayStreams(true)
	if err := g.Place(&risk.Order{ID: 1, Side: orderbook.Bid, Price: levels[3][0], Qty: qty, IOC: true}, time.Now().UnixNano()); err != nil {
		t.Fatal(err)
	}
	spotDrain(t, g, l, "the ack", func() bool { return l.snapshot().acks == 1 })
	if err := g.Cancel(1, time.Now().UnixNano()); err != nil {
		t.Fatal(err)
	}
	want := spotTrades(e, "trader")
	spotDrain(t, g, l, "the recovered fills", func() bool { _, live := g.State(1); return !live })
	if c := g.Counters(); int(c.Recovered) != want.fills {
		t.Fatalf("counters %+v: want the %d fills recovered before any report", c, want.fills)
	}
	e.BinanceDelayStreams(false)
	time.Sleep(300 * time.Millisecond)
	g.Drain(l, time.Now().UnixNano())
	if want.fills < 4 || want.makers != 0 || want.baseComm == 0 {
		t.Fatalf("the exchange lists %d trades (%d maker, base commission %d), want 4 or more takers paying in BTC", want.fills, want.makers, want.baseComm)
	}
	checkSpotLedger(t, l.snapshot(), want)
	if c := g.Counters(); int(c.Recovered) != want.fills || c.RecoveredNoFee != 0 || int(c.Dropped) < want.fills {
		t.Errorf("counters %+v: want %d recovered and the late reports dropped", c, want.fills)
	}
}

// TestBinanceSpotGatewayCancelReportRecoversFills: the user data stream drops the
// reports of 10 fills of a resting ask (no reconnect, so no status query follows),
// then the engine cancels the order. The cancel report says 0.010 filled (z) where the
// reports told none: the gateway learns the 10 trades from myTrades before the order
// ends, instead of ending it with its fills untold.
func TestBinanceSpotGatewayCancelReportRecoversFills(t *testing.T) {
	e, g, other := spotRecoverVenue(t)
	var asks [][2]int64
	e.With(func() { asks = e.Market("BTCUSDT").Book().Levels(nil, Sell, 2) })
	other("BUY", decimal.New(asks[1][0], -8).String(), decimal.New(asks[0][1]+asks[1][1], -8).String())
	bidW, askW := bestPrices(e)
	if askW-bidW < 2*1_000_000 {
		t.Fatalf("spread %d-%d: the test needs room for an ask of its own", bidW, askW)
	}
	p := askW - 1_000_000
	l := &spotLedger{ended: map[uint64]bool{}}
	const milli = 100_000 // 0.001 BTC at 8 decimals
	if err := g.Place(&risk.Order{ID: 1, Side: orderbook.Ask, Price: p, Qty: 30 * milli, PostOnly: true}, time.Now().UnixNano()); err != nil {
		t.Fatal(err)
	}
	spotDrain(t, g, l, "the ack", func() bool { return l.snapshot().acks == 1 })
	e.BinanceLoseStreams(true)
	for range 10 {
		other("BUY", decimal.New(p, -8).String(), "0.001")
	}
	e.BinanceLoseStreams(false)
	if err := g.Cancel(1, time.Now().UnixNano()); err != nil {
		t.Fatal(err)
	}
	spotDrain(t, g, l, "the order's end", func() bool { l.mu.Lock(); defer l.mu.Unlock(); return l.ended[1] })
	want := spotTrades(e, "trader")
	if want.fills != 10 || want.makers != 10 {
		t.Fatalf("the exchange lists %d trades (%d maker), want 10 maker", want.fills, want.makers)
	}
	checkSpotLedger(t, l.snapshot(), want)
	if c := g.Counters(); c.Recovered != 10 || c.RecoveredNoFee != 0 {
		t.Errorf("counters %+v: want the 10 fills recovered from myTrades", c)
	}
	// The balance ledger heard of the recovered trades too: the venue's balances are
	// what the session's fills and commissions explain (a drift is one seen twice).
	for range 2 {
		drifts, err := g.Reconcile(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(drifts) > 0 {
			t.Errorf("balance drift after the recovery: %+v", drifts)
		}
	}
}
