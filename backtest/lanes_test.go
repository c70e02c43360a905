package backtest

import (
	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/venues"
)

// testReplay is a replay of one instrument reading src, decoded as BTCUSDT spot,
// through its clock guard, with a ring of the given size: enough of a replay to read
// frames into.
func testReplay(src Source, ring int) *replay {
	spec := instrument.BinanceSpotBTCUSDT()
	dec, err := newEventDecoder(venues.NewFeed, &spec, 0)
	if err != nil {
		panic(err)
	}
	g := newClockGuard(&inlineEvents{src: src, dec: dec}, 0)
	return &replay{
		src: g, clock: g, clocks: []*clockGuard{g},
		lanes: []*lane{{}}, which: func() int { return 0 },
		ring: make([]slot, ring), maxFeed: int64(1e9),
	}
}

// testSpec is a Binance Spot instrument of the given symbol and scales.
func testSpec(symbol string, ps, qs fixed.Scale) instrument.Spec {
	return instrument.Spec{
		ID: instrument.ID{Venue: instrument.VenueBinanceSpot, Symbol: symbol}, Kind: instrument.Spot,
		PriceScale: ps, QtyScale: qs,
	}
}
