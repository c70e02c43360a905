package engine

import (
	"fmt"

	"github.com/rs/zerolog"
	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/config"
	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/perp"
	"github.com/nanotick/nanotick/risk"
	"github.com/nanotick/nanotick/strategy"
)

// FromConfig builds the engine configuration for strategy s of a validated config: its
// instrument's scales and trading rules in fixed-point units, the risk limits, the
// strategy's numeric parameters and the timer. Errors name the config key at fault. It
// leaves NewFeed to the caller (venues.NewFeed), since the engine names no venue.
func FromConfig(c *config.Config, s *config.Strategy, log zerolog.Logger) (Config, error) {
	in, err := instrumentOf(c, s)
	if err != nil {
		return Config{}, err
	}
	// Any venue: whoever builds the feeds and the gateway refuses what it cannot serve
	// (venues.NewFeed names the venues with a feed; run, those with a connector).
	venue := string(in.Venue)
	conv := func(key string, scale fixed.Scale, d decimal.Decimal) (int64, error) {
		v, err := scale.FromDecimal(d)
		if err != nil {
			return 0, fmt.Errorf("instrument %s: %s %s: %w", in.Symbol, key, d, err)
		}
		return v, nil
	}
	var rules risk.Instrument
	rules.PriceScale, rules.QtyScale = in.PriceDecimals, in.QtyDecimals
	for _, f := range []struct {
		key   string
		scale fixed.Scale
		d     decimal.Decimal
		dst   *int64
	}{
		{"tick_size", in.PriceDecimals, in.TickSize, &rules.Tick},
		{"lot_size", in.QtyDecimals, in.LotSize, &rules.Lot},
		{"min_qty", in.QtyDecimals, in.MinQty, &rules.MinQty},
		{"max_qty", in.QtyDecimals, in.MaxQty, &rules.MaxQty},
		{"min_notional", in.PriceDecimals, in.MinNotional, &rules.MinNotional},
	} {
		if *f.dst, err = conv(f.key, f.scale, f.d); err != nil {
			return Config{}, err
		}
	}
	params := strategy.Params{}
	for _, p := range s.Params {
		if p.Kind != config.ParamNumber {
			return Config{}, fmt.Errorf("strategy %q: params.%s: only numeric parameters are supported", s.Name, p.Name)
		}
		params[p.Name] = p.Number
	}
	r := c.Risk
	start := risk.Active
	switch r.StartState {
	case config.StateReducing:
		start = risk.Reducing
	case config.StateHalted:
		start = risk.Halted
	}
	rc := riskConfig(c, &r, log)
	if in.Perpetual() {
		rc.Perp = perpRisk(&r)
	}
	ec := Config{
		StartState: start,
		Venue:      venue,
		Instrument: strategy.Instrument{
			Symbol: in.Symbol, PriceScale: in.PriceDecimals, QtyScale: in.QtyDecimals,
			Tick: rules.Tick, Lot: rules.Lot,
		},
		Rules:         rules,
		Risk:          rc,
		Params:        params,
		TimerInterval: c.Engine.TimerInterval,
		LatencyMax:    c.Latency.HistogramMax,
		Logger:        log,
	}
	if err := multiFromConfig(c, s, &ec); err != nil {
		return Config{}, err
	}
	return ec, nil
}

// perpRisk returns the perpetual limits of [risk]. The maintenance margin rate is the
// symbol's first bracket's, taken for every notional: the live gateway, which reads the
// whole leverage bracket table from the venue, can give risk the real tiers.
func perpRisk(r *config.Risk) risk.PerpConfig {
	p := risk.PerpConfig{
		Collateral: r.Collateral, MaxLeverage: r.MaxLeverage,
		MinLiquidationDistanceBps: r.MinLiquidationDistanceBps, MaxFundingPaid: r.MaxFundingPaid,
	}
	if r.MaintMarginRatio.IsPositive() {
		p.Brackets = perp.Brackets{{NotionalFloor: decimal.Zero, NotionalCap: decimal.New(1, 18),
			MaintMarginRatio: r.MaintMarginRatio, InitialLeverage: 125}}
	}
	return p
}

func instrumentOf(c *config.Config, s *config.Strategy) (*config.Instrument, error) {
	for i := range c.Instruments {
		in := &c.Instruments[i]
		if in.Symbol == s.Instrument && (s.Venue == "" || in.Venue == s.Venue) {
			return in, nil
		}
	}
	return nil, fmt.Errorf("strategy %q: instrument %q is not declared", s.Name, s.Instrument)
}
