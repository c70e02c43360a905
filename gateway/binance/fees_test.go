package binance

import (
	"context"
	"testing"
	"time"

	"github.com/nanotick/nanotick/exchange"
	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/risk"
	"github.com/shopspring/decimal"
)

// feeTally is a Sink that adds up what the engine's risk layer would book from the
// fills: their fees in price units (risk.Checker.OnFill adds each to its total as is)
// and the quote they traded.
type feeTally struct {
	syncSink
	fills       int
	fees        int64
	quote       decimal.Decimal // Σ price × qty
	naive       int64           // Σ each fill's commission rounded on its own
	rate        decimal.Decimal
	ps, qs      int32
	filledOrder map[uint64]bool
}

func (s *feeTally) OnFill(id uint64, price, qty, fee int64, maker bool, now int64) {
	s.syncSink.OnFill(id, price, qty, fee, maker, now)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fills++
	s.fees += fee
	q := decimal.New(price, -s.ps).Mul(decimal.New(qty, -s.qs))
	s.quote = s.quote.Add(q)
	s.naive += q.Mul(s.rate).Shift(s.ps).Round(0).IntPart()
	if s.filledOrder == nil {
		s.filledOrder = map[uint64]bool{}
	}
	s.filledOrder[id] = true
}

func (s *feeTally) filled(id uint64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.filledOrder[id]
}

// checkFeeTotal checks the engine's fees against the venue's commissions, total, in
// price units: their exact sum rounded once, where each fill's own rounding would
// have been off (the fills must show the difference for the test to mean anything).
func checkFeeTotal(t *testing.T, s *feeTally, total decimal.Decimal) {
	t.Helper()
	want := total.Shift(s.ps).Round(0).IntPart()
	t.Logf("%d fills: venue commissions %s, engine fees %d units, each fill rounded %d", s.fills, total, s.fees, s.naive)
	if s.naive == want {
		t.Fatalf("rounding each fill's commission gives the total too (%d): the fills do not test the carry", want)
	}
	if s.fees != want {
		t.Errorf("engine fees %d price units, venue's commissions %s round to %d", s.fees, total, want)
	}
}

// TestSpotFeesAddUpToTheVenuesCommissions sells 0.002 BTC ten times on the local
// exchange's spot venue at a 2 bp taker commission (about 0.024 USDT a fill at 60,000,
// charged in USDT): the engine's fees are the venue's total commission rounded once to
// the 0.01 price unit, where rounding each fill's told it 0.02 a fill.
func TestSpotFeesAddUpToTheVenuesCommissions(t *testing.T) {
	ex := startFeeVenue(t, exchange.Commission{Taker: "0.0002"})
	g := newGateway(t, ex, &lockedBuffer{}, func(c *Config) { c.ReconcileEvery = -1 })
	if _, err := g.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	s := &feeTally{rate: decimal.RequireFromString("0.0002"), ps: 2, qs: 5}
	for id := uint64(1); id <= 10; id++ {
		bid, _ := best(ex)
		if err := g.Place(&risk.Order{ID: id, Side: orderbook.Ask, Price: bid - 5000, Qty: 200, IOC: true}, time.Now().UnixNano()); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for _, live := g.State(id); live; _, live = g.State(id) {
			if time.Now().After(deadline) {
				t.Fatalf("order %d still live; sink %v", id, s.got)
			}
			g.Drain(s, time.Now().UnixNano())
			time.Sleep(time.Millisecond)
		}
		if !s.filled(id) {
			t.Fatalf("order %d did not fill; sink %v", id, s.got)
		}
	}
	v, _ := ex.Account(docKey)
	usdt := v.Balances["USDT"].Free.Add(v.Balances["USDT"].Locked)
	// Sells only: the USDT balance grew by the quote less the commissions.
	checkFeeTotal(t, s, decimal.NewFromInt(100000).Add(s.quote).Sub(usdt))
}

// TestFuturesFeesAddUpToTheVenuesCommissions buys 0.002 BTC ten times on the local
// exchange's USD-M venue at a 2 bp taker commission: the engine's fees are the
// commissions the wallet paid, rounded once to the 0.01 price unit.
func TestFuturesFeesAddUpToTheVenuesCommissions(t *testing.T) {
	ex, err := exchange.Start(context.Background(), exchange.Config{Seed: 3,
		Futures:    []exchange.FuturesInstrument{exchange.BTCUSDTPerp()},
		Commission: exchange.Commission{Taker: "0.0002"},
		Accounts:   []exchange.AccountConfig{{APIKey: docKey, Secret: docSecret, Balances: map[string]string{"USDT": "100000"}}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ex.Close() })
	g, _, err := startFuturesGateway(t, ex, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := &feeTally{rate: decimal.RequireFromString("0.0002"), ps: 2, qs: 3}
	for id := uint64(1); id <= 10; id++ {
		_, ask := touch(t, ex)
		if err := g.Place(&risk.Order{ID: id, Side: orderbook.Bid, Price: ask + 5000, Qty: 2, IOC: true}, time.Now().UnixNano()); err != nil {
			t.Fatal(err)
		}
		drainFut(t, g, s, "the fill", func() bool { return s.filled(id) })
		drainFut(t, g, s, "the order's end", func() bool { _, live := g.State(id); return !live })
	}
	wallet, _, _ := ex.USDMAccount(docKey)
	// Buys that only open a long realize nothing: the wallet paid the commissions.
	checkFeeTotal(t, s, decimal.NewFromInt(100000).Sub(wallet))
}
