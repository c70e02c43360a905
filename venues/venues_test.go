package venues

import (
	"slices"
	"strings"
	"testing"

	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/md"
	"github.com/nanotick/nanotick/orderbook"
)

// Every venue an instrument name may carry has a feed, and every feed's venue is one
// an instrument name may carry.
func TestTableMatchesInstrumentVenues(t *testing.T) {
	known := instrument.Venues()
	slices.Sort(known)
	if !slices.Equal(known, Names()) {
		t.Errorf("instrument venues %v, feeds for %v", known, Names())
	}
}

func TestNewFeed(t *testing.T) {
	for _, spec := range []instrument.Spec{instrument.BinanceSpotBTCUSDT(), instrument.BinanceUSDMBTCUSDT(),
		{ID: instrument.ID{Venue: "kraken", Symbol: "BTC/USD"}, PriceScale: 1, QtyScale: 8},
		{ID: instrument.ID{Venue: "sim", Symbol: "BTCUSDT"}, PriceScale: 8, QtyScale: 8}} {
		f, err := NewFeed(&spec, orderbook.New(64), md.Config{})
		if err != nil || f.Status() != md.Resyncing {
			t.Errorf("%s: %v", spec.ID, err)
		}
	}
	spec := instrument.Spec{ID: instrument.ID{Venue: "bitmex", Symbol: "XBTUSD"}}
	if _, err := NewFeed(&spec, orderbook.New(64), md.Config{}); err == nil || !strings.Contains(err.Error(), "binance-spot, binance-usdm, bybit-linear, bybit-spot, kraken, sim") {
		t.Errorf("unknown venue: %v", err)
	}
}
