package engine

import (
	"fmt"

	"github.com/rs/zerolog"
	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/config"
	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/risk"
)

// multiFromConfig fills in what a strategy over several instruments needs beyond the
// single-instrument Config: the instrument table (Instruments), each instrument's own
// limits from its [instrument.risk] (InstrumentRisk) and the [risk.portfolio] limits.
// A strategy with one instrument, no limits of its own and no portfolio limits keeps
// the single-instrument Config exactly as before.
func multiFromConfig(c *config.Config, s *config.Strategy, ec *Config) error {
	// The default instrument is Instrument and Venue, which a caller may have set after
	// parsing; Instruments adds the others.
	refs := []config.InstrumentRef{{Symbol: s.Instrument, Venue: s.Venue}}
	if len(s.Instruments) > 1 {
		refs = append(refs, s.Instruments[1:]...)
	}
	ins := make([]*config.Instrument, len(refs))
	own := false
	for k, ref := range refs {
		in, err := instrumentOf(c, &config.Strategy{Name: s.Name, Instrument: ref.Symbol, Venue: ref.Venue})
		if err != nil {
			return err
		}
		ins[k] = in
		own = own || in.Risk != nil
	}
	if len(refs) == 1 && !own && !c.Risk.Portfolio.Enabled() {
		return nil
	}
	specs := make([]instrument.Spec, len(ins))
	for k, in := range ins {
		sp, err := SpecOf(in)
		if err != nil {
			return fmt.Errorf("strategy %q: %w", s.Name, err)
		}
		specs[k] = sp
	}
	table, err := instrument.NewTable(specs...)
	if err != nil {
		return fmt.Errorf("strategy %q: %w", s.Name, err)
	}
	ec.Instruments = table
	// Every instrument gets its limits spelled out: its own or [risk]'s, with the
	// perpetual limits on perpetuals only (ec.Risk has them when the default
	// instrument is one).
	ec.InstrumentRisk = make([]*risk.Config, len(ins))
	for k, in := range ins {
		r := &c.Risk
		if in.Risk != nil {
			r = in.Risk
		}
		rc := riskConfig(c, r, ec.Risk.Logger)
		if in.Perpetual() {
			rc.Perp = perpRisk(r)
		}
		ec.InstrumentRisk[k] = &rc
	}
	p := c.Risk.Portfolio
	ec.Portfolio = risk.PortfolioConfig{MaxGrossNotional: p.MaxGrossNotional, MaxNetPosition: p.MaxNetPosition,
		MaxTotalLoss: p.MaxTotalLoss, MaxDrawdown: p.MaxDrawdown}
	return nil
}

// SpecOf returns the instrument.Spec of a declared [[instrument]]: its venue and
// symbol, kind (a binance-usdm instrument is a perpetual), base and quote assets, and
// rules at its scales.
func SpecOf(in *config.Instrument) (instrument.Spec, error) {
	kind := instrument.Spot
	if in.Perpetual() {
		kind = instrument.Perpetual
	}
	base, quote, ok := instrument.SplitSymbol(in.Symbol)
	if !ok {
		return instrument.Spec{}, fmt.Errorf("instrument %s: cannot tell its base and quote assets apart", in.Symbol)
	}
	sp := instrument.Spec{ID: instrument.ID{Venue: string(in.Venue), Symbol: in.Symbol}, Kind: kind,
		Base: base, Quote: quote, PriceScale: in.PriceDecimals, QtyScale: in.QtyDecimals,
		Inverse: in.Kind == config.KindInverse}
	var err error
	for _, f := range []struct {
		scale fixed.Scale
		d     decimal.Decimal
		dst   *int64
	}{
		{in.PriceDecimals, in.TickSize, &sp.Tick},
		{in.QtyDecimals, in.LotSize, &sp.Lot},
		{in.QtyDecimals, in.MinQty, &sp.MinQty},
		{in.QtyDecimals, in.MaxQty, &sp.MaxQty},
		{in.PriceDecimals, in.MinNotional, &sp.MinNotional},
	} {
		if err == nil {
			*f.dst, err = f.scale.FromDecimal(f.d)
		}
	}
	if err != nil {
		return instrument.Spec{}, fmt.Errorf("instrument %s: %w", in.Symbol, err)
	}
	return sp, nil
}

// riskConfig returns the risk layer's limits of r.
func riskConfig(c *config.Config, r *config.Risk, log zerolog.Logger) risk.Config {
	return risk.Config{
		MaxOrderQty: r.MaxOrderQty, MaxOrderNotional: r.MaxOrderNotional, PriceBandBps: r.PriceBandBps,
		StaleAfter: c.Engine.StaleBookAfter, MaxPosition: r.MaxPosition, MaxOpenOrders: r.MaxOpenOrders,
		OrdersPerSecond: r.OrdersPerSecond, OrderBurst: r.OrderBurst, DuplicateWindow: r.DuplicateWindow,
		MaxDailyLoss: r.MaxDailyLoss, MaxDrawdown: r.MaxDrawdown, Logger: log,
	}
}
