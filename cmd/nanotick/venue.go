package main

import "github.com/nanotick/nanotick/feeds/binance"

// binanceVenue returns the Binance venue of an engine's venue name; an engine without
// one (a config that predates venue names) is on Spot, as the engine itself assumes.
func binanceVenue(name string) binance.Venue {
	if v, ok := binance.VenueOf(name); ok {
		return v
	}
	return binance.Spot
}
