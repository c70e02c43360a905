package main

// Backtests of the recordings of a venue read through its md.Feed (Bybit, Kraken): the
// files' instrument becomes the engine's, or must be a config's. What a venue accepts
// and gives is its recordingVenue's (scales, rules).

import (
	"fmt"
	"io"
)

// applyVenueData fits the settings to v's recordings. ok is false when the files are
// not v's; otherwise code is the exit status, 0 to go on. With a config, its instrument
// must be the recorded one, at scales v accepts; without one, v gives the recorded
// instrument's rules, or says why it cannot.
func (s *settings) applyVenueData(v *recordingVenue, heads *dataHeads, files []dataFile, haveConfig bool, stderr io.Writer) (code int, ok bool) {
	paths := make([]string, len(files))
	for i, f := range files {
		paths[i] = f.path
	}
	sp, ok, err := heads.venueInputs(v, paths)
	if !ok {
		return 0, false
	}
	if err != nil {
		fmt.Fprintf(stderr, "nanotick backtest: --data %v\n", err)
		return 2, true
	}
	ec := &s.bt.Engine
	if haveConfig {
		if ec.Venue != sp.ID.Venue || ec.Instrument.Symbol != sp.ID.Symbol {
			fmt.Fprintf(stderr, "nanotick backtest: --data holds %s, but the strategy trades %s:%s\n", sp.ID, ec.Venue, ec.Instrument.Symbol)
			return 2, true
		}
		if why := v.configScales(ec.Instrument.PriceScale, ec.Instrument.QtyScale, sp); why != "" {
			fmt.Fprintf(stderr, "nanotick backtest: the config reads %s at %d/%d decimals%s\n", sp.ID, ec.Instrument.PriceScale, ec.Instrument.QtyScale, why)
			return 2, true
		}
		return 0, true
	}
	inst, rules, why := v.rules(sp)
	if why != "" {
		fmt.Fprintf(stderr, "nanotick backtest: %s: give a config declaring it\n", why)
		return 2, true
	}
	ec.Venue, ec.Instrument, ec.Rules = sp.ID.Venue, inst, rules
	return 0, true
}
