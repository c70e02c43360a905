package live

import (
	"context"
	"strings"
	"testing"

	"github.com/nanotick/nanotick/exchange"
	"github.com/nanotick/nanotick/instrument"
)

func krakenSpec(priceScale int, tick, minQty int64) instrument.Spec {
	return instrument.Spec{ID: instrument.ID{Venue: instrument.VenueKraken, Symbol: "BTC/USD"}, Kind: instrument.Spot,
		Base: "BTC", Quote: "USD", PriceScale: 1, QtyScale: 8, Tick: tick, Lot: 1, MinQty: minQty, MinNotional: 5}
}

// TestCheckInstruments reads the local exchange's instrument channel: the rules of
// exchange.KrakenBTCUSD pass; other scales, another tick, or a pair it does not list
// refuse, naming the difference.
func TestCheckInstruments(t *testing.T) {
	ex, err := exchange.Start(context.Background(), exchange.Config{Seed: 1, Instruments: []exchange.Instrument{exchange.KrakenBTCUSD()}})
	if err != nil {
		t.Fatal(err)
	}
	defer ex.Close()
	check := func(specs ...instrument.Spec) error {
		t.Helper()
		tb, err := instrument.NewTable(specs...)
		if err != nil {
			t.Fatal(err)
		}
		return CheckInstruments(context.Background(), ex.KrakenURL(), tb)
	}
	if err := check(krakenSpec(1, 1, 5000)); err != nil {
		t.Fatalf("the exchange's own rules: %v", err)
	}
	bad := krakenSpec(1, 2, 5000)
	bad.PriceScale = 2
	err = check(bad)
	if err == nil || !strings.Contains(err.Error(), "price scale: configured 2 decimals, Kraken's price_precision 1 (the book checksum needs them equal)") {
		t.Fatalf("other scale: %v", err)
	}
	if err := check(krakenSpec(1, 5, 5000)); err == nil || !strings.Contains(err.Error(), "tick: configured 0.5, venue 0.1") {
		t.Fatalf("other tick: %v", err)
	}
	other := krakenSpec(1, 1, 5000)
	other.ID.Symbol, other.Base, other.Quote = "ETH/EUR", "ETH", "EUR"
	if err := check(other); err == nil || !strings.Contains(err.Error(), "instrument kraken:ETH/EUR: Kraken does not list it") {
		t.Fatalf("unlisted: %v", err)
	}
}
