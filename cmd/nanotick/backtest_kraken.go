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

	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/risk"
	"github.com/nanotick/nanotick/strategy"
)

// applyKrakenData fits the settings to Kraken recordings (applyVenueData).
func (s *settings) applyKrakenData(heads *dataHeads, files []dataFile, haveConfig bool, stderr io.Writer) (code int, ok bool) {
	return s.applyVenueData(&krakenRecordings, heads, files, haveConfig, stderr)
}

// krakenConfigScales wants the recording's scales exactly: Kraken's precisions, at
// which its checksum is computed.
func krakenConfigScales(ps, qs fixed.Scale, sp *instrument.Spec) string {
	if ps != sp.PriceScale || qs != sp.QtyScale {
		return fmt.Sprintf(", the recording's instrument snapshot says %d/%d (Kraken's precisions, at which its checksum is computed)", sp.PriceScale, sp.QtyScale)
	}
	return ""
}

// krakenRules are the recorded instrument snapshot's. Kraken lists no largest order:
// the quantity bound is the risk limits'.
func krakenRules(sp *instrument.Spec) (strategy.Instrument, risk.Instrument, string) {
	if sp.Tick <= 0 || sp.Lot <= 0 {
		return strategy.Instrument{}, risk.Instrument{}, fmt.Sprintf("the recorded instrument snapshot gives %s no tick or lot", sp.ID)
	}
	return strategy.Instrument{Symbol: sp.ID.Symbol, PriceScale: sp.PriceScale, QtyScale: sp.QtyScale, Tick: sp.Tick, Lot: sp.Lot},
		risk.Instrument{PriceScale: sp.PriceScale, QtyScale: sp.QtyScale, Tick: sp.Tick, Lot: sp.Lot,
			MinQty: max(sp.MinQty, sp.Lot), MaxQty: 1 << 62, MinNotional: sp.MinNotional}, ""
}
