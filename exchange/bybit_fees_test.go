package exchange

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/risk"
)

// feeAnswers is a syncAnswers that adds up the fees the engine's risk layer would book
// (risk.Checker.OnFill adds each as is), and what rounding each fill's exact fee on
// its own would have given.
type feeAnswers struct {
	syncAnswers
	fills  map[uint64]bool
	fees   int64
	naive  int64
	rate   decimal.Decimal
	ps, qs int32
}

func (s *feeAnswers) OnFill(id uint64, price, qty, fee int64, maker bool, now int64) {
	s.syncAnswers.OnFill(id, price, qty, fee, maker, now)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fills == nil {
		s.fills = map[uint64]bool{}
	}
	s.fills[id] = true
	s.fees += fee
	s.naive += decimal.New(price, -s.ps).Mul(decimal.New(qty, -s.qs)).Mul(s.rate).Shift(s.ps).Round(0).IntPart()
}

func (s *feeAnswers) filled(id uint64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fills[id]
}

// TestBybitLinearFeesAddUpToTheVenuesCommissions buys 0.002 BTC ten times through
// gateway/bybit at a 2 bp taker fee (about 0.024 USDT a fill at 60,000): the engine's
// fees are the fees the wallet paid, rounded once to the 0.01 price unit, where
// truncating each fill's told it 0.02 a fill.
func TestBybitLinearFeesAddUpToTheVenuesCommissions(t *testing.T) {
	e, g := linearGateway(t, BybitLinear{}, Commission{Taker: "0.0002"})
	got := &feeAnswers{rate: decimal.RequireFromString("0.0002"), ps: 2, qs: 3}
	for id := uint64(1); id <= 10; id++ {
		_, ask := best(e)
		if err := g.Place(&risk.Order{ID: id, Side: orderbook.Bid, Price: ask + 5000, Qty: 2, IOC: true}, time.Now().UnixNano()); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(20 * time.Second)
		for !got.filled(id) {
			if time.Now().After(deadline) {
				t.Fatalf("no fill of order %d; answers:\n%s", id, &got.syncAnswers)
			}
			g.Drain(got, time.Now().UnixNano())
			time.Sleep(2 * time.Millisecond)
		}
	}
	v, _ := e.Account("bybit-key")
	// Buys that only open a long realize nothing: the wallet paid the fees.
	paid := decimal.NewFromInt(100000).Sub(v.Balances["USDT"].Free.Add(v.Balances["USDT"].Locked))
	want := paid.Shift(2).Round(0).IntPart()
	t.Logf("venue fees %s; engine %d units; each fill rounded %d", paid, got.fees, got.naive)
	if got.naive == want {
		t.Fatalf("rounding each fill's fee gives the total too (%d): the fills do not test the carry", want)
	}
	if got.fees != want {
		t.Errorf("engine fees %d price units, the venue's %s round to %d", got.fees, paid, want)
	}
}
