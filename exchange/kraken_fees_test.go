package exchange

import (
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/risk"
)

// TestKrakenFeesAddUpToTheVenuesFees sells 0.002 BTC ten times through gateway/kraken
// at a 2 bp taker fee (about 0.024 USD an order at 60,000, a quarter of the 0.1 USD
// price unit): the engine's fees are the fees the account paid, rounded once to the
// price unit, where rounding each order's fee on its own (the gateway's former carry
// per order) told it nothing at all, as rounding each fill's would have.
func TestKrakenFeesAddUpToTheVenuesFees(t *testing.T) {
	e := startExchange(t, Config{Seed: 11, Instruments: []Instrument{KrakenBTCUSD()},
		Commission: Commission{Taker: "0.0002"},
		Accounts: []AccountConfig{{APIKey: "kraken-key", Secret: krakenSecret,
			Balances: map[string]string{"USD": "100000", "BTC": "1"}}}})
	e.With(func() { e.Market("BTCUSD").enabled = false }) // a still book
	g, err := krakenGateway(t, e, krakenSecret, nil)
	if err != nil {
		t.Fatal(err)
	}
	var s krakenSink
	for id := uint64(1); id <= 10; id++ {
		var bid int64
		e.With(func() { bid = e.Market("BTCUSD").book.Levels(nil, Buy, 1)[0][0] / 10_000_000 })
		if err := g.Place(&risk.Order{ID: id, Side: orderbook.Ask, Price: bid - 1000, Qty: 200_000, IOC: true}, time.Now().UnixNano()); err != nil {
			t.Fatal(err)
		}
		drainUntil(t, g, &s, fmt.Sprintf("fill %d ", id))
		deadline := time.Now().Add(20 * time.Second)
		for g.Live() != 0 && time.Now().Before(deadline) {
			g.Drain(&s, time.Now().UnixNano())
			time.Sleep(2 * time.Millisecond)
		}
	}
	quote, fills, naive := decimal.Zero, 0, int64(0)
	for _, c := range s.calls {
		var id, q, p int64
		var maker bool
		if n, _ := fmt.Sscanf(c, "fill %d %d@%d maker=%t", &id, &q, &p, &maker); n == 4 {
			v := decimal.New(p, -1).Mul(decimal.New(q, -8))
			quote = quote.Add(v)
			naive += v.Mul(decimal.RequireFromString("0.0002")).Shift(1).Round(0).IntPart()
			fills++
		}
	}
	v, _ := e.Account("kraken-key")
	// Sells only: the USD balance grew by the quote less the fees.
	paid := decimal.NewFromInt(100000).Add(quote).Sub(v.Balances["USD"].Free.Add(v.Balances["USD"].Locked))
	want := paid.Shift(1).Round(0).IntPart()
	t.Logf("%d fills: venue fees %s USD; engine %d units of 0.1; each fill rounded %d", fills, paid, s.fees, naive)
	if naive == want {
		t.Fatalf("rounding each fill's fee gives the total too (%d): the fills do not test the carry", want)
	}
	if s.fees != want {
		t.Errorf("engine fees %d price units, the venue's %s round to %d", s.fees, paid, want)
	}
}
