package config

import (
	"sort"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// InstrumentRef names one declared [[instrument]] a strategy trades.
type InstrumentRef struct {
	Symbol string
	Venue  Venue
}

// String returns the instrument's name, venue:SYMBOL.
func (r InstrumentRef) String() string { return string(r.Venue) + ":" + r.Symbol }

// Portfolio is the [risk.portfolio] table: limits over all of a strategy's instruments
// together (risk.PortfolioConfig). Each is optional; a zero value sets no limit.
type Portfolio struct {
	// MaxGrossNotional bounds the sum over instruments of |position| plus working
	// orders, valued at the mark, in quote units.
	MaxGrossNotional decimal.Decimal
	// MaxNetPosition bounds the net position in each base asset across instruments
	// (a spot long hedged by a perpetual short is flat), in base units.
	MaxNetPosition decimal.Decimal
	// MaxTotalLoss halts every instrument when their PnL together falls below
	// -MaxTotalLoss, quote units.
	MaxTotalLoss decimal.Decimal
	// MaxDrawdown halts every instrument when their PnL together falls this far below
	// its peak, quote units.
	MaxDrawdown decimal.Decimal
}

// Enabled reports whether any portfolio limit is set.
func (p Portfolio) Enabled() bool {
	return !p.MaxGrossNotional.IsZero() || !p.MaxNetPosition.IsZero() || !p.MaxTotalLoss.IsZero() || !p.MaxDrawdown.IsZero()
}

// pendingRisk is an [instrument.risk] table waiting for [risk] to be decoded.
type pendingRisk struct {
	at int // index in Config.Instruments
	t  *table
}

// instrumentRisks decodes every [instrument.risk] table into its instrument's Risk:
// [risk] with the table's keys in place. Its amounts need only be exact at the
// instrument's own scales.
func (d *decoder) instrumentRisks(c *Config) {
	for _, p := range d.instRisk {
		in := &c.Instruments[p.at]
		own, set := d.riskLimits(p.t, []Instrument{*in}, true)
		p.t.done()
		r := c.Risk
		r.Portfolio = Portfolio{}
		for key, dst := range map[string]func(){
			"max_order_qty":      func() { r.MaxOrderQty = own.MaxOrderQty },
			"max_order_notional": func() { r.MaxOrderNotional = own.MaxOrderNotional },
			"price_band_bps":     func() { r.PriceBandBps = own.PriceBandBps },
			"max_position":       func() { r.MaxPosition = own.MaxPosition },
			"max_open_orders":    func() { r.MaxOpenOrders = own.MaxOpenOrders },
			"order_rate":         func() { r.OrdersPerSecond = own.OrdersPerSecond },
			"order_burst":        func() { r.OrderBurst = own.OrderBurst },
			"duplicate_window":   func() { r.DuplicateWindow = own.DuplicateWindow },
			"max_daily_loss":     func() { r.MaxDailyLoss = own.MaxDailyLoss },
			"max_drawdown":       func() { r.MaxDrawdown = own.MaxDrawdown },
			// The perpetual limits (perpRisk); set only on a perpetual instrument.
			"collateral":                   func() { r.Collateral = own.Collateral },
			"max_leverage":                 func() { r.MaxLeverage = own.MaxLeverage },
			"min_liquidation_distance_bps": func() { r.MinLiquidationDistanceBps = own.MinLiquidationDistanceBps },
			"max_funding_paid":             func() { r.MaxFundingPaid = own.MaxFundingPaid },
			"maint_margin_ratio":           func() { r.MaintMarginRatio = own.MaintMarginRatio },
		} {
			if set[key] {
				dst()
			}
		}
		for _, k := range perpKeys {
			if set[k] {
				d.perpNeeds(p.t, r, k, func(key string) string { return "risk." + key + " or " + p.t.child(key) })
				break
			}
		}
		in.Risk = &r
	}
}

// portfolio decodes [risk.portfolio]; every key is optional and, when present, a
// positive decimal.
func (d *decoder) portfolio(t *table, instruments []Instrument) Portfolio {
	var p Portfolio
	if t == nil {
		return p
	}
	defer t.done()
	get := func(key string) decimal.Decimal {
		if !t.has(key) {
			t.known = append(t.known, key)
			return decimal.Decimal{}
		}
		x, _ := t.positiveDec(key)
		return x
	}
	p.MaxGrossNotional = get("max_gross_notional")
	p.MaxNetPosition = get("max_net_position")
	p.MaxTotalLoss = get("max_total_loss")
	p.MaxDrawdown = get("max_drawdown")
	if len(t.m) == 0 {
		d.warnf(t.path, "empty: no portfolio limit is set")
	}
	return p
}

// strategyInstruments decodes [[strategy]] instruments: a non-empty list of declared
// instruments, each "SYMBOL" or "venue:SYMBOL", none twice; the first is the default.
func (d *decoder) strategyInstruments(t *table, instruments []Instrument) []InstrumentRef {
	key := t.child("instruments")
	a, ok := t.array("instruments")
	if !ok {
		return nil
	}
	if len(a) == 0 {
		d.errorf(key, "must list at least one instrument")
		return nil
	}
	var out []InstrumentRef
	seen := map[InstrumentRef]int{}
	for i, v := range a {
		ek := key + "[" + strconv.Itoa(i) + "]"
		ref, isStr := v.(string)
		if !isStr || strings.TrimSpace(ref) == "" {
			d.errorf(ek, "must be an instrument name like \"binance-spot:BTCUSDT\", got %s", describe(v))
			continue
		}
		sym, venue := d.resolveInstrument(ek, ref, instruments)
		if sym == "" {
			continue
		}
		r := InstrumentRef{Symbol: sym, Venue: venue}
		if first, dup := seen[r]; dup {
			d.errorf(ek, "%s is already listed at %s[%d]", r, key, first)
			continue
		}
		seen[r] = i
		out = append(out, r)
	}
	return out
}

// venueTableNames maps an instrument's venue to its [venue.<name>] table.
var venueTableNames = map[Venue]string{
	VenueBinanceSpot: "binance",
	VenueBinanceUSDM: "binance-usdm",
	VenueKraken:      "kraken",
	"bybit-spot":     "bybit",
	"bybit-linear":   "bybit",
}

// VenueTables returns the names of the [venue.<name>] tables, sorted.
func VenueTables() []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range venueTableNames {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// VenueTable returns the name of the [venue.<name>] table that configures venue's
// connections ("binance" for binance-spot), or "" for the sim venue, which has none.
func VenueTable(venue Venue) string { return venueTableNames[venue] }

// venueDecoders decode the keys of each [venue.<name>] table besides sim, which every
// table has. A venue's own file (venue_<name>.go) adds its row; a table without a row
// has no key but sim.
var venueDecoders = map[string]func(d *decoder, t *table, v *Venues){
	"binance":      func(d *decoder, t *table, v *Venues) { v.Binance = d.binance(t) },
	"binance-usdm": func(d *decoder, t *table, v *Venues) { v.BinanceUSDM = d.binanceUSDM(t) },
	"kraken":       func(d *decoder, t *table, v *Venues) { v.Kraken = d.kraken(t) },
	"bybit":        func(d *decoder, t *table, v *Venues) { v.Bybit = d.bybit(t) },
}

// IsSim reports whether instruments of venue trade against the local exchange: the sim
// venue, or a venue whose [venue.<name>] table sets sim = true.
func (v Venues) IsSim(venue Venue) bool {
	return venue == VenueSim || v.Sim[VenueTable(venue)]
}
