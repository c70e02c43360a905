package main

import (
	"context"
	"fmt"

	"github.com/nanotick/nanotick/config"
	"github.com/nanotick/nanotick/engine"
	"github.com/nanotick/nanotick/feeds/binance/live"
	"github.com/nanotick/nanotick/instrument"
)

// checkVenueRules compares the session's instruments with the venue's exchangeInfo
// before anything is sent; a difference refuses the start.
func checkVenueRules(ctx context.Context, ecfg engine.Config, venue config.Venue, restURL string) error {
	table := ecfg.Instruments
	if table == nil {
		in, rules := ecfg.Instrument, ecfg.Rules
		kind := instrument.Spot
		if venue == config.VenueBinanceUSDM || venue == config.VenueBybitLinear {
			kind = instrument.Perpetual
		}
		base, quote, _ := instrument.SplitSymbol(in.Symbol)
		t, err := instrument.NewTable(instrument.Spec{
			ID: instrument.ID{Venue: string(venue), Symbol: in.Symbol}, Kind: kind, Base: base, Quote: quote,
			PriceScale: in.PriceScale, QtyScale: in.QtyScale, Tick: in.Tick, Lot: in.Lot,
			MinQty: rules.MinQty, MaxQty: rules.MaxQty, MinNotional: rules.MinNotional,
		})
		if err != nil {
			return fmt.Errorf("instrument: %w", err)
		}
		table = t
	}
	if err := live.CheckInstruments(ctx, nil, restURL, string(venue), table); err != nil {
		return fmt.Errorf("%w (refusing to trade)", err)
	}
	return nil
}
