// Package venues is the explicit table of the venues nanotick has market-data feeds
// for: it maps an instrument's venue name to the venue package's md.NewFeed. It is the
// one place that imports every venue package, so that the engine, the backtester and the
// strategy API import none; adding a venue is one row here.
package venues

import (
	"fmt"
	"sort"
	"strings"

	"github.com/nanotick/nanotick/feeds/binance"
	"github.com/nanotick/nanotick/feeds/bybit"
	"github.com/nanotick/nanotick/feeds/kraken"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/md"
	"github.com/nanotick/nanotick/orderbook"
)

// feeds maps a venue name to its feed constructor.
var feeds = map[string]md.NewFeed{
	instrument.VenueBinanceSpot: binance.NewMDFeed,
	instrument.VenueBinanceUSDM: binance.NewMDFeed,
	instrument.VenueSim:         binance.NewMDFeed, // the local exchange speaks Binance Spot
	instrument.VenueKraken:      kraken.NewMDFeed,
	bybit.VenueSpot:             bybit.NewMDFeed,
	bybit.VenueLinear:           bybit.NewMDFeed,
}

// NewFeed is an md.NewFeed for every venue in the table: it builds the feed of spec's
// venue, or says which venues there are.
func NewFeed(spec *instrument.Spec, book *orderbook.Book, cfg md.Config) (md.Feed, error) {
	nf, ok := feeds[spec.ID.Venue]
	if !ok {
		return nil, fmt.Errorf("instrument %s: no market-data feed for venue %q (venues: %s)", spec.ID, spec.ID.Venue, strings.Join(Names(), ", "))
	}
	return nf(spec, book, cfg)
}

// Names returns the venues with a feed, sorted.
func Names() []string {
	out := make([]string, 0, len(feeds))
	for v := range feeds {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

// Known reports whether venue has a feed.
func Known(venue string) bool {
	_, ok := feeds[venue]
	return ok
}
