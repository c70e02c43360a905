package main

// Backtests of Kraken WebSocket v2 recordings (nanotick record --venue kraken). The
// venue-neutral backtester decodes them with feeds/kraken's md.Feed, checksums and all;
// what this file adds is the instrument: the recorded instrument snapshot at the head of
// each file gives the pair's precisions and rules (feeds/detect.Kraken), so a run
// without a config trades the recorded pair, and a config's instrument must be the
// recorded one at the recorded scales.

import (
	"fmt"
	"io"

	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/risk"
	"github.com/nanotick/nanotick/strategy"
)

// applyKrakenData fits the settings to Kraken recordings. ok is false when the files are
// not Kraken's; otherwise code is the exit status, 0 to go on.
func (s *settings) applyKrakenData(heads *dataHeads, files []dataFile, haveConfig bool, stderr io.Writer) (code int, ok bool) {
	paths := make([]string, len(files))
	for i, f := range files {
		paths[i] = f.path
	}
	sp, ok, err := heads.krakenInputs(paths)
	if !ok {
		return 0, false
	}
	if err != nil {
		fmt.Fprintf(stderr, "nanotick backtest: --data %v\n", err)
		return 2, true
	}
	ec := &s.bt.Engine
	if haveConfig {
		switch {
		case ec.Venue != instrument.VenueKraken || ec.Instrument.Symbol != sp.ID.Symbol:
			fmt.Fprintf(stderr, "nanotick backtest: --data holds %s, but the strategy trades %s:%s\n", sp.ID, ec.Venue, ec.Instrument.Symbol)
			return 2, true
		case ec.Instrument.PriceScale != sp.PriceScale || ec.Instrument.QtyScale != sp.QtyScale:
			fmt.Fprintf(stderr, "nanotick backtest: the config reads %s at %d/%d decimals, the recording's instrument snapshot says %d/%d (Kraken's precisions, at which its checksum is computed)\n",
				sp.ID, ec.Instrument.PriceScale, ec.Instrument.QtyScale, sp.PriceScale, sp.QtyScale)
			return 2, true
		}
		return 0, true
	}
	if sp.Tick <= 0 || sp.Lot <= 0 {
		fmt.Fprintf(stderr, "nanotick backtest: the recorded instrument snapshot gives %s no tick or lot: give a config declaring it\n", sp.ID)
		return 2, true
	}
	ec.Venue = instrument.VenueKraken
	ec.Instrument = strategy.Instrument{Symbol: sp.ID.Symbol, PriceScale: sp.PriceScale, QtyScale: sp.QtyScale, Tick: sp.Tick, Lot: sp.Lot}
	// Kraken lists no largest order: the quantity bound is the risk limits'.
	ec.Rules = risk.Instrument{PriceScale: sp.PriceScale, QtyScale: sp.QtyScale, Tick: sp.Tick, Lot: sp.Lot,
		MinQty: max(sp.MinQty, sp.Lot), MaxQty: 1 << 62, MinNotional: sp.MinNotional}
	return 0, true
}
