package config

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/nanotick/nanotick/fixed"
	"github.com/shopspring/decimal"
)

// Defaults of the optional settings. The example configs document the same values;
// TestExampleDefaults keeps them in sync.
const (
	DefaultLogLevel          = "info"
	DefaultLogFormat         = "auto"
	DefaultTimerInterval     = time.Second
	DefaultInstructionBudget = 1_000_000
	DefaultStaleBookAfter    = 5 * time.Second
	DefaultHistogramMax      = time.Second
	DefaultAPIKeyEnv         = "BINANCE_API_KEY"
	DefaultBinanceWSURL      = "wss://stream.binance.com:9443"
	DefaultBinanceRESTURL    = "https://api.binance.com"
	DefaultBinanceWSAPIURL   = "wss://ws-api.binance.com:443/ws-api/v3"
	DefaultQueuePower        = 2.0
	DefaultEquityInterval    = time.Second
	DefaultAdminListen       = "127.0.0.1:6060"
	// DefaultMaxTimeJump is [backtest] max_time_jump: a recorded receive time leaping
	// further ahead than this must be confirmed by the next line's (see docs/backtesting.md).
	DefaultMaxTimeJump = time.Minute
)

// DefaultReportPercentiles returns the default latency percentiles.
func DefaultReportPercentiles() []float64 { return []float64{50, 90, 99, 99.9} }

// config decodes the top-level table.
func (d *decoder) config(top *table) *Config {
	c := &Config{}
	c.Engine = d.engine(top.table("engine"))
	c.Instruments = d.instruments(top)
	c.Risk = d.risk(top, c.Instruments)
	d.instrumentRisks(c)
	c.Strategies = d.strategies(top, c.Instruments)
	c.Latency = d.latency(top.table("latency"))
	c.Venues = d.venues(top.table("venue"))
	d.bybitCategories(c)
	if bt := top.table("backtest"); bt != nil {
		c.Backtest = d.backtest(bt)
	}
	c.Admin = d.admin(top.table("admin"))
	top.done()
	return c
}

// orEmpty lets optional tables that are absent be decoded for their defaults.
func (d *decoder) orEmpty(t *table, path string) *table {
	if t == nil {
		return &table{d: d, path: path}
	}
	return t
}

func (d *decoder) engine(t *table) Engine {
	t = d.orEmpty(t, "engine")
	defer t.done()
	e := Engine{
		LogLevel:          t.enum("log_level", DefaultLogLevel, "trace", "debug", "info", "warn", "error"),
		LogFormat:         t.enum("log_format", DefaultLogFormat, "auto", "json", "console"),
		TimerInterval:     t.duration("timer_interval", DefaultTimerInterval),
		InstructionBudget: t.integer("instruction_budget", DefaultInstructionBudget),
		StaleBookAfter:    t.duration("stale_book_after", DefaultStaleBookAfter),
	}
	if t.has("timer_interval") && e.TimerInterval < time.Millisecond {
		d.errorf(t.child("timer_interval"), "must be at least 1ms, got %q", e.TimerInterval)
	}
	if e.InstructionBudget <= 0 {
		d.errorf(t.child("instruction_budget"), "must be positive, got %d", e.InstructionBudget)
	}
	if t.has("stale_book_after") && e.StaleBookAfter <= 0 {
		d.errorf(t.child("stale_book_after"), "must be positive, got %q", e.StaleBookAfter)
	}
	return e
}

func (d *decoder) instruments(top *table) []Instrument {
	if !top.has("instrument") {
		top.known = append(top.known, "instrument")
		d.errorf("instrument", "at least one [[instrument]] is required")
		return nil
	}
	var out []Instrument
	seen := map[string]string{} // venue:symbol -> path of first declaration
	for _, t := range top.tables("instrument") {
		in, ok := d.instrument(t)
		rt := t.table("risk") // decoded once [risk] is, which it refines
		t.done()
		if !ok {
			d.brokenInstrument = true
			continue
		}
		id := string(in.Venue) + ":" + in.Symbol
		if first, dup := seen[id]; dup {
			d.errorf(t.child("symbol"), "instrument %s on %s is already declared at %s", in.Symbol, in.Venue, first)
			continue
		}
		seen[id] = t.path
		if rt != nil {
			d.instRisk = append(d.instRisk, pendingRisk{at: len(out), t: rt})
		}
		out = append(out, in)
	}
	return out
}

// instrument decodes one [[instrument]]; ok is false if it is too broken to be referred to.
func (d *decoder) instrument(t *table) (Instrument, bool) {
	var in Instrument
	ok := true
	if t.required("symbol", "") {
		var valid bool
		in.Symbol, valid = t.text("symbol")
		if valid && strings.ContainsAny(in.Symbol, ": \t\r\n") {
			d.errorf(t.child("symbol"), "must be a symbol without spaces or ':', got %q", truncate(in.Symbol))
			valid = false
		}
		ok = ok && valid
	} else {
		ok = false
	}
	if t.required("venue", "") {
		in.Venue = d.venue(t)
		if in.Venue == "" {
			ok = false
		}
	} else {
		ok = false
	}
	scales := venueDecimals[in.Venue]
	var priceOK, qtyOK bool
	known := in.Venue != "" && (in.Venue.HasConnector() || d.requireDecimals(t, in.Venue))
	in.PriceDecimals, priceOK = d.decimals(t, "price_decimals", scales[0], known)
	in.QtyDecimals, qtyOK = d.decimals(t, "qty_decimals", scales[1], known)
	if in.Venue == VenueKraken {
		d.krakenInstrument(t, &in)
	}
	if !priceOK || !qtyOK {
		if d.badScale == nil {
			d.badScale = map[string]bool{}
		}
		d.badScale[string(in.Venue)+":"+in.Symbol] = true
	}

	// price checks x against the price scale, when the scale itself is sound.
	price := func(key string, x decimal.Decimal) {
		if priceOK {
			d.representable(t.child(key), x, in.PriceDecimals, "price_decimals")
		}
	}
	qty := func(key string, x decimal.Decimal) {
		if qtyOK {
			d.representable(t.child(key), x, in.QtyDecimals, "qty_decimals")
		}
	}

	var tickOK, lotOK bool
	if t.required("tick_size", "") {
		if in.TickSize, tickOK = t.positiveDec("tick_size"); tickOK {
			price("tick_size", in.TickSize)
		}
	}
	if t.required("lot_size", "") {
		if in.LotSize, lotOK = t.positiveDec("lot_size"); lotOK {
			qty("lot_size", in.LotSize)
		}
	}
	// multiple checks that a quantity limit is a whole number of lots, as venues
	// guarantee; a limit between lots would be unreachable or misleading.
	multiple := func(key string, x decimal.Decimal) {
		if lotOK && !x.Mod(in.LotSize).IsZero() {
			d.errorf(t.child(key), "%s is not a multiple of lot_size %s", x, in.LotSize)
		}
	}

	in.MinQty = in.LotSize
	if t.has("min_qty") {
		if x, ok := t.positiveDec("min_qty"); ok {
			in.MinQty = x
			qty("min_qty", x)
			multiple("min_qty", x)
		}
	} else {
		t.known = append(t.known, "min_qty")
	}
	if t.required("max_qty", "the venue's largest order quantity") {
		if x, ok := t.positiveDec("max_qty"); ok {
			in.MaxQty = x
			qty("max_qty", x)
			multiple("max_qty", x)
			if x.LessThan(in.MinQty) {
				d.errorf(t.child("max_qty"), "%s is less than min_qty %s", x, in.MinQty)
			}
		}
	}
	if t.has("min_notional") {
		if x, ok := t.dec("min_notional"); ok {
			if x.IsNegative() {
				d.errorf(t.child("min_notional"), "must not be negative, got %q", x.String())
			} else {
				price("min_notional", x)
			}
			in.MinNotional = x
		}
	} else {
		t.known = append(t.known, "min_notional")
	}
	d.instrumentKind(t, &in, qtyOK)
	return in, ok
}

// representable records an error unless x converts exactly to an int64 at scale s, which
// is what the engine does with it; scaleKey names the setting that fixes it.
func (d *decoder) representable(path string, x decimal.Decimal, s fixed.Scale, scaleKey string) bool {
	_, err := s.FromDecimal(x)
	switch {
	case err == nil:
		return true
	case errors.Is(err, fixed.ErrPrecision):
		d.errorf(path, "%s has more decimals than %s = %d holds; raise %s", x, scaleKey, s, scaleKey)
	default:
		d.errorf(path, "%s is too large for a 64-bit integer at %s = %d", x, scaleKey, s)
	}
	return false
}

// decimals decodes a fixed-point scale, defaulting to the venue's. ok is false when the
// scale is unknown (bad value or unknown venue), which skips the checks that need it.
func (d *decoder) decimals(t *table, key string, def fixed.Scale, haveVenue bool) (fixed.Scale, bool) {
	if !t.has(key) {
		t.known = append(t.known, key)
		return def, haveVenue
	}
	n := t.integer(key, math.MinInt64)
	if n == math.MinInt64 {
		return 0, false
	}
	if n < 0 || n > int64(fixed.MaxScale) {
		d.errorf(t.child(key), "must be between 0 and %d, got %d", fixed.MaxScale, n)
		return 0, false
	}
	return fixed.Scale(n), true
}

func (d *decoder) strategies(top *table, instruments []Instrument) []Strategy {
	if !top.has("strategy") {
		top.known = append(top.known, "strategy")
		d.errorf("strategy", "at least one [[strategy]] is required")
		return nil
	}
	var out []Strategy
	names := map[string]string{}
	for _, t := range top.tables("strategy") {
		s := d.strategy(t, instruments)
		t.done()
		if s.Name != "" {
			if first, dup := names[s.Name]; dup {
				d.errorf(t.child("name"), "strategy %q is already declared at %s", s.Name, first)
			}
			names[s.Name] = t.path
		}
		out = append(out, s)
	}
	return out
}

func (d *decoder) strategy(t *table, instruments []Instrument) Strategy {
	var s Strategy
	if t.required("name", "") {
		s.Name, _ = t.text("name")
	}
	s.Language = Language(t.enum("language", string(LanguageJS), string(LanguageJS), string(LanguageGo)))
	switch s.Language {
	case LanguageJS:
		if t.has("go_name") {
			t.known = append(t.known, "go_name")
			d.errorf(t.child("go_name"), "only applies to language = \"go\"")
		}
		if t.required("file", "the strategy script") {
			s.File = d.scriptFile(t)
		}
	case LanguageGo:
		if t.has("file") {
			t.known = append(t.known, "file")
			d.errorf(t.child("file"), "only applies to language = \"js\"; a Go strategy is named by go_name")
		}
		if t.required("go_name", "the registered Go strategy") {
			s.GoName, _ = t.text("go_name")
		}
	}
	if t.has("instruments") {
		s.Instruments = d.strategyInstruments(t, instruments)
		if t.has("instrument") {
			t.known = append(t.known, "instrument")
			d.errorf(t.child("instrument"), "give instrument or instruments, not both")
		}
		if len(s.Instruments) > 0 {
			s.Instrument, s.Venue = s.Instruments[0].Symbol, s.Instruments[0].Venue
		}
	} else if t.required("instrument", "the symbol of a declared [[instrument]]") {
		if ref, ok := t.text("instrument"); ok {
			s.Instrument, s.Venue = d.resolveInstrument(t.child("instrument"), ref, instruments)
			if s.Instrument != "" {
				s.Instruments = []InstrumentRef{{Symbol: s.Instrument, Venue: s.Venue}}
			}
		}
	}
	s.Params = d.params(t)
	return s
}

// scriptFile resolves the strategy file against the config's directory and checks it
// exists, so a typo in a path fails at start-up, not at the first tick.
func (d *decoder) scriptFile(t *table) string {
	f, ok := t.text("file")
	p := t.child("file")
	if !ok {
		return ""
	}
	if strings.HasPrefix(f, BuiltinPrefix) {
		if len(f) == len(BuiltinPrefix) {
			d.errorf(p, "builtin strategy name missing after %q", BuiltinPrefix)
		}
		return f
	}
	return d.existingFile(p, f)
}

// existingFile resolves path against the config directory and records an error unless
// it names a regular file.
func (d *decoder) existingFile(key, path string) string {
	resolved := d.resolve(path)
	fi, err := os.Stat(resolved)
	switch {
	case err != nil:
		d.errorf(key, "file %q not found (resolved to %s)", truncate(path), resolved)
	case !fi.Mode().IsRegular():
		d.errorf(key, "%q is not a regular file", truncate(path))
	}
	return resolved
}

// resolve makes path relative to the config file's directory, which is what a user
// means when they write a relative path next to the config, whatever the working
// directory of the engine.
func (d *decoder) resolve(path string) string {
	if filepath.IsAbs(path) {
		return filepath.Clean(path)
	}
	return filepath.Join(d.dir, path)
}

// resolveInstrument finds the instrument a strategy refers to: by "SYMBOL" when only one
// venue has that symbol, or by "venue:SYMBOL".
func (d *decoder) resolveInstrument(key, ref string, instruments []Instrument) (string, Venue) {
	venue, sym, qualified := strings.Cut(ref, ":")
	if !qualified {
		sym, venue = ref, ""
	}
	var matches []Instrument
	var symbols []string
	for _, in := range instruments {
		symbols = append(symbols, in.Symbol)
		if in.Symbol == sym && (venue == "" || string(in.Venue) == venue) {
			matches = append(matches, in)
		}
	}
	switch len(matches) {
	case 1:
		return matches[0].Symbol, matches[0].Venue
	case 0:
		if d.brokenInstrument {
			break // the broken instrument's own error says it all
		}
		msg := fmt.Sprintf("%q is not a declared [[instrument]]", truncate(ref))
		if s := suggest(sym, symbols); s != "" && !qualified {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
		d.errorf(key, "%s", msg)
	default:
		d.errorf(key, "%q is declared on several venues; write \"venue:%s\"", ref, sym)
	}
	return "", ""
}

// params decodes [strategy.params], the one table where any key is allowed: the script
// declares its own parameters and checks them when it loads.
func (d *decoder) params(t *table) []Param {
	pt := t.table("params")
	if pt == nil {
		return nil
	}
	names := make([]string, 0, len(pt.m))
	for k := range pt.m {
		names = append(names, k)
	}
	sort.Strings(names)
	out := make([]Param, 0, len(names))
	for _, k := range names {
		p := Param{Name: k}
		switch v := pt.m[k].(type) {
		case string:
			p.Kind, p.String = ParamString, v
		case bool:
			p.Kind, p.Bool = ParamBool, v
		case int64, float64:
			x, ok := toNumber(v)
			if !ok {
				d.errorf(pt.child(k), "integer %d is too large to be a script number exactly", v)
				continue
			}
			if math.IsNaN(x) || math.IsInf(x, 0) {
				d.errorf(pt.child(k), "must be a finite number, got %s", formatFloat(x))
				continue
			}
			p.Kind, p.Number = ParamNumber, x
		default:
			d.errorf(pt.child(k), "must be a number, string or boolean, got %s", describe(v))
			continue
		}
		out = append(out, p)
	}
	return out
}

// Bounds of the risk layer (package risk), enforced here too so that a config that
// parses is one the risk layer accepts; TestRiskBounds keeps them equal.
const (
	maxOpenOrdersLimit = 256
	maxOrdersPerSecond = 1_000_000
	maxBurst           = 1_000_000
)

func (d *decoder) risk(top *table, instruments []Instrument) (r Risk) {
	t := top.table("risk")
	if t == nil {
		if !top.has("risk") {
			d.errorf("risk", "[risk] table is required: nanotick never trades without limits")
		}
		return r
	}
	defer t.done()
	r, _ = d.riskLimits(t, instruments, false)
	r.StartState = StartState(t.enum("start_state", string(StateActive),
		string(StateActive), string(StateReducing), string(StateHalted)))
	r.Portfolio = d.portfolio(t.table("portfolio"), instruments)
	return r
}

// riskLimits decodes the limits of a [risk] table, or with optional set those of an
// [instrument.risk] table, where each key present replaces [risk]'s for the instrument
// and set names the keys present. Amounts must be exact at the scales of instruments.
func (d *decoder) riskLimits(t *table, instruments []Instrument, optional bool) (r Risk, set map[string]bool) {
	set = map[string]bool{}
	const why = "fail closed: there is no implicit unlimited"
	present := func(key string) bool {
		if optional {
			if !t.has(key) {
				t.known = append(t.known, key)
				return false
			}
			set[key] = true
			return true
		}
		return t.required(key, why)
	}
	// amount decodes a positive decimal limit that must be exact at every instrument's
	// price or quantity scale.
	amount := func(key string, qty bool) decimal.Decimal {
		if !present(key) {
			return decimal.Decimal{}
		}
		x, ok := t.positiveDec(key)
		if !ok {
			return x
		}
		for _, in := range instruments {
			if d.badScale[string(in.Venue)+":"+in.Symbol] {
				continue
			}
			s, scaleKey := in.PriceDecimals, "price_decimals"
			if qty {
				s, scaleKey = in.QtyDecimals, "qty_decimals"
			}
			if _, err := s.FromDecimal(x); err != nil {
				d.errorf(t.child(key), "%s is not exact at instrument %s's %s = %d", x, in.Symbol, scaleKey, s)
				break
			}
		}
		return x
	}
	// exact decodes a positive number with at most places decimals and at most limit.
	exact := func(key string, places int32, limit decimal.Decimal) decimal.Decimal {
		if !present(key) {
			return decimal.Decimal{}
		}
		x, ok := t.exactNumber(key)
		switch {
		case !ok:
		case !x.IsPositive():
			d.errorf(t.child(key), "must be positive, got %s", x)
		case !x.Shift(places).IsInteger():
			d.errorf(t.child(key), "must have at most %d decimals, got %s", places, x)
		case x.GreaterThan(limit):
			d.errorf(t.child(key), "must be at most %s, got %s", limit, x)
		}
		return x
	}
	count := func(key string, limit int64) int {
		if !present(key) {
			return 0
		}
		x := t.integer(key, math.MinInt64)
		if x == math.MinInt64 {
			return 0
		}
		if x < 1 || x > limit {
			d.errorf(t.child(key), "must be between 1 and %d, got %d", limit, x)
			return 0
		}
		return int(x)
	}
	r.MaxOrderQty = amount("max_order_qty", true)
	r.MaxOrderNotional = amount("max_order_notional", false)
	r.PriceBandBps = exact("price_band_bps", 2, decimal.NewFromInt(10_000))
	if r.PriceBandBps.Equal(decimal.NewFromInt(10_000)) {
		d.errorf(t.child("price_band_bps"), "must be below 10000 (100%%), got %s", r.PriceBandBps)
	}
	r.MaxPosition = amount("max_position", true)
	r.MaxOpenOrders = count("max_open_orders", maxOpenOrdersLimit)
	r.OrdersPerSecond = exact("order_rate", 3, decimal.NewFromInt(maxOrdersPerSecond))
	r.OrderBurst = count("order_burst", maxBurst)
	if present("duplicate_window") {
		r.DuplicateWindow = t.duration("duplicate_window", -1)
		if r.DuplicateWindow == 0 {
			d.errorf(t.child("duplicate_window"), "must be positive, got \"0s\"")
		}
	}
	r.MaxDailyLoss = amount("max_daily_loss", false)
	r.MaxDrawdown = amount("max_drawdown", false)
	d.perpRisk(t, &r, instruments, exact, optional, set)
	return r, set
}

// perpKeys are the optional limits of a perpetual position, in [risk] or an
// [instrument.risk] of a perpetual instrument.
var perpKeys = []string{"collateral", "max_leverage", "min_liquidation_distance_bps", "max_funding_paid", "maint_margin_ratio"}

// perpRisk decodes the optional limits of a perpetual position in [risk]: leverage,
// distance to liquidation and funding paid, measured against collateral. With
// optional, t is an [instrument.risk] table of instruments[0]: the keys present are
// added to set, and the checks that need [risk] too wait for instrumentPerpRisk.
func (d *decoder) perpRisk(t *table, r *Risk, instruments []Instrument, exact func(string, int32, decimal.Decimal) decimal.Decimal, optional bool, own map[string]bool) {
	t.known = append(t.known, perpKeys...) // known whether set or not, so a misspelling gets a suggestion
	var set []string
	for _, k := range perpKeys {
		if t.has(k) {
			set = append(set, k)
		}
	}
	if len(set) == 0 {
		return
	}
	perpetual := false
	for _, in := range instruments {
		perpetual = perpetual || in.Kind == KindPerpetual || in.Kind == KindInverse
	}
	switch {
	case optional && !perpetual:
		d.errorf(t.child(set[0]), "applies to perpetual instruments only (venue %q), and instrument %s is on venue %q",
			VenueBinanceUSDM, instruments[0].Symbol, instruments[0].Venue)
		return
	case !perpetual:
		d.errorf(t.child(set[0]), "applies to perpetual instruments only (venue %q), and none is declared", VenueBinanceUSDM)
		return
	}
	if optional {
		for _, k := range set {
			own[k] = true
		}
	}
	value := func(key string, places int32, limit decimal.Decimal) decimal.Decimal {
		if !t.has(key) {
			return decimal.Decimal{}
		}
		return exact(key, places, limit)
	}
	huge := decimal.New(1, 15)
	r.Collateral = value("collateral", 8, huge)
	r.MaxLeverage = value("max_leverage", 3, decimal.NewFromInt(1000))
	r.MinLiquidationDistanceBps = value("min_liquidation_distance_bps", 2, decimal.NewFromInt(10_000))
	if r.MinLiquidationDistanceBps.Equal(decimal.NewFromInt(10_000)) {
		d.errorf(t.child("min_liquidation_distance_bps"), "must be below 10000 (100%%), got %s", r.MinLiquidationDistanceBps)
	}
	r.MaxFundingPaid = value("max_funding_paid", 8, huge)
	r.MaintMarginRatio = value("maint_margin_ratio", 6, decimal.NewFromInt(1))
	if r.MaintMarginRatio.Equal(decimal.NewFromInt(1)) {
		d.errorf(t.child("maint_margin_ratio"), "must be below 1, got %s", r.MaintMarginRatio)
	}
	if !optional {
		d.perpNeeds(t, *r, set[0], func(key string) string { return "risk." + key })
	}
}

// perpNeeds checks that the perpetual limits of r have what they are measured with:
// collateral, and the maintenance margin rate for the distance to liquidation. first is
// the first perpetual key of t, where a missing collateral is reported; where names
// where a missing key may be given.
func (d *decoder) perpNeeds(t *table, r Risk, first string, where func(key string) string) {
	limits := r.MaxLeverage.IsPositive() || r.MinLiquidationDistanceBps.IsPositive() || r.MaxFundingPaid.IsPositive()
	switch {
	case limits && !r.Collateral.IsPositive():
		d.errorf(t.child(first), "needs %s: the perpetual limits are measured against the wallet balance the position trades on", where("collateral"))
	case r.MinLiquidationDistanceBps.IsPositive() && !r.MaintMarginRatio.IsPositive():
		d.errorf(t.child("min_liquidation_distance_bps"), "needs %s (the symbol's maintenance margin rate, e.g. 0.004 for BTCUSDT's first bracket) to compute the liquidation price", where("maint_margin_ratio"))
	}
}

func (d *decoder) latency(t *table) Latency {
	t = d.orEmpty(t, "latency")
	defer t.done()
	l := Latency{
		HistogramMax:      t.duration("histogram_max", DefaultHistogramMax),
		SlowTickThreshold: t.duration("slow_tick_threshold", 0),
		ReportPercentiles: DefaultReportPercentiles(),
		BusyPoll:          t.boolean("busy_poll", false),
		KeepWarm:          t.boolean("keep_warm", true),
	}
	if t.has("histogram_max") && l.HistogramMax <= 0 {
		d.errorf(t.child("histogram_max"), "must be positive, got %q", l.HistogramMax)
	}
	if a, ok := t.array("report_percentiles"); ok {
		key := t.child("report_percentiles")
		if len(a) == 0 {
			d.errorf(key, "must list at least one percentile")
		}
		ps := make([]float64, 0, len(a))
		for i, v := range a {
			ek := key + "[" + strconv.Itoa(i) + "]"
			x, ok := toNumber(v)
			if !ok {
				d.errorf(ek, "must be a number, got %s", describe(v))
				continue
			}
			if !(x > 0 && x <= 100) {
				d.errorf(ek, "must be in (0, 100], got %s", formatFloat(x))
				continue
			}
			if len(ps) > 0 && x <= ps[len(ps)-1] {
				d.errorf(ek, "percentiles must be strictly ascending, got %s after %s", formatFloat(x), formatFloat(ps[len(ps)-1]))
				continue
			}
			ps = append(ps, x)
		}
		l.ReportPercentiles = ps
	}
	return l
}

func (d *decoder) venues(t *table) Venues {
	var v Venues
	if t == nil {
		return v
	}
	defer t.done()
	for _, name := range VenueTables() {
		vt := t.table(name)
		if vt == nil {
			continue
		}
		if vt.boolean("sim", false) {
			if v.Sim == nil {
				v.Sim = map[string]bool{}
			}
			v.Sim[name] = true
		}
		if dec := venueDecoders[name]; dec != nil {
			dec(d, vt, &v)
		} else {
			vt.done()
		}
	}
	return v
}

// secretKeys are keys people write when they paste credentials into a config. They are
// rejected by name, with the fix, instead of as merely unknown.
var secretKeys = []string{"api_key", "api_secret", "secret", "secret_key", "api_secret_key", "private_key", "password"}

func (d *decoder) binance(t *table) *Binance {
	defer t.done()
	for _, k := range secretKeys {
		if t.has(k) {
			t.known = append(t.known, k)
			// The value is deliberately not echoed: it is a secret.
			d.errorf(t.child(k), "secrets must not be in the config; set api_key_env or api_secret_file")
		}
	}
	b := &Binance{
		WSURL:     d.url(t, "ws_url", DefaultBinanceWSURL, "ws", "wss"),
		RESTURL:   d.url(t, "rest_url", DefaultBinanceRESTURL, "http", "https"),
		WSAPIURL:  d.url(t, "ws_api_url", DefaultBinanceWSAPIURL, "ws", "wss"),
		APIKeyEnv: t.str("api_key_env", DefaultAPIKeyEnv),
	}
	if !validEnvName(b.APIKeyEnv) {
		d.errorf(t.child("api_key_env"), "must be an environment variable name like %q, got %q", DefaultAPIKeyEnv, truncate(b.APIKeyEnv))
	}
	if f := t.str("api_secret_file", ""); f != "" {
		b.APISecretFile = d.resolve(f)
		key := t.child("api_secret_file")
		// A missing secret file is only a warning: configs are checked on machines that
		// rightly do not hold production secrets.
		if fi, err := os.Stat(b.APISecretFile); err != nil {
			d.warnf(key, "secret file %q not found (resolved to %s); live trading will fail to authenticate", truncate(f), b.APISecretFile)
		} else if fi.Mode().Perm()&0o077 != 0 {
			d.warnf(key, "secret file %q is readable by group or others (mode %v); chmod 600 it", truncate(f), fi.Mode().Perm())
		}
	} else if t.has("api_secret_file") {
		d.errorf(t.child("api_secret_file"), "must not be empty; omit it instead")
	}
	return b
}

// url decodes an endpoint URL at key whose scheme must be one of schemes.
func (d *decoder) url(t *table, key, def string, schemes ...string) string {
	s := t.str(key, def)
	u, err := url.Parse(s)
	if err != nil || !contains(schemes, u.Scheme) || u.Host == "" {
		d.errorf(t.child(key), "must be a %s:// URL with a host, got %q", strings.Join(schemes, ":// or "), truncate(s))
	}
	return s
}

func validEnvName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

func (d *decoder) backtest(t *table) *Backtest {
	defer t.done()
	b := &Backtest{
		OrderLatency:    t.duration("order_latency", 0),
		ResponseLatency: t.duration("response_latency", 0),
		MakerFeeBps:     t.number("maker_fee_bps", 0),
		TakerFeeBps:     t.number("taker_fee_bps", 0),
		QueueModel:      QueueModel(t.enum("queue_model", string(QueueRiskAverse), string(QueueRiskAverse), string(QueuePowerLaw))),
		QueuePower:      t.number("queue_power", DefaultQueuePower),
		PartialFills:    t.boolean("partial_fills", true),
		EquityInterval:  t.duration("equity_interval", DefaultEquityInterval),
		MaxTimeJump:     t.duration("max_time_jump", DefaultMaxTimeJump),
	}
	if a, ok := t.array("data"); ok {
		key := t.child("data")
		for i, v := range a {
			ek := key + "[" + strconv.Itoa(i) + "]"
			s, ok := v.(string)
			if !ok || s == "" {
				d.errorf(ek, "must be a file path, got %s", describe(v))
				continue
			}
			if d.opts.DataGiven {
				b.Data = append(b.Data, d.resolve(s)) // replaced by the command line's
				continue
			}
			b.Data = append(b.Data, d.existingFile(ek, s))
		}
	}
	if len(b.Data) == 0 && !t.has("data") {
		d.warnf("backtest", "no data files; \"nanotick backtest\" will need them on its command line")
	}
	if f := t.str("latency_file", ""); f != "" {
		if t.has("order_latency") || t.has("response_latency") {
			d.errorf(t.child("latency_file"), "conflicts with order_latency/response_latency; use one or the other")
		}
		b.LatencyFile = d.existingFile(t.child("latency_file"), f)
	} else if t.has("latency_file") {
		d.errorf(t.child("latency_file"), "must not be empty; omit it instead")
	} else if !t.has("order_latency") && !t.has("response_latency") {
		d.warnf("backtest", "no order_latency, response_latency or latency_file: the backtest assumes zero latency, which flatters any strategy")
	}
	if t.has("taker_fee_bps") && b.TakerFeeBps < 0 {
		d.errorf(t.child("taker_fee_bps"), "must not be negative (only maker rebates exist), got %s", formatFloat(b.TakerFeeBps))
	}
	for key, fee := range map[string]float64{"maker_fee_bps": b.MakerFeeBps, "taker_fee_bps": b.TakerFeeBps} {
		if math.Abs(fee) > 1000 {
			d.errorf(t.child(key), "%s bps is 10%% or more of the notional, surely a unit mistake; fees are in basis points", formatFloat(fee))
		}
	}
	if t.has("queue_power") && !(b.QueuePower > 0) {
		d.errorf(t.child("queue_power"), "must be positive, got %s", formatFloat(b.QueuePower))
	}
	if t.has("queue_power") && b.QueueModel != QueuePowerLaw {
		d.warnf(t.child("queue_power"), "has no effect unless queue_model = \"power_law\"")
	}
	if t.has("max_time_jump") && b.MaxTimeJump <= 0 {
		d.errorf(t.child("max_time_jump"), "must be positive, got %q", b.MaxTimeJump)
	}
	if t.has("equity_interval") && b.EquityInterval <= 0 {
		d.errorf(t.child("equity_interval"), "must be positive, got %q", b.EquityInterval)
	}
	if t.required("initial_balance", "the quote balance the backtest starts with") {
		b.InitialBalance, _ = t.positiveDec("initial_balance")
	}
	return b
}

func (d *decoder) admin(t *table) Admin {
	t = d.orEmpty(t, "admin")
	defer t.done()
	a := Admin{
		Listen:  t.str("listen", DefaultAdminListen),
		Enabled: t.boolean("enabled", false),
	}
	key := t.child("listen")
	host, port, err := net.SplitHostPort(a.Listen)
	if err != nil {
		d.errorf(key, "must be host:port, got %q", truncate(a.Listen))
		return a
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		d.errorf(key, "port must be a number between 0 and 65535, got %q", truncate(port))
		return a
	}
	if !isLoopback(host) {
		d.warnf(key, "%q is not a loopback address; the admin endpoint can change risk state, keep it on 127.0.0.1 or put it behind authentication", a.Listen)
	}
	return a
}

// isLoopback reports whether host only accepts local connections. An empty host listens
// on every interface.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
