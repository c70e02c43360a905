package risk

import (
	"errors"
	"fmt"
	"time"

	"github.com/nanotick/nanotick/fixed"
	"github.com/rs/zerolog"
	"github.com/shopspring/decimal"
)

// MaxOpenOrdersLimit is the largest accepted Config.MaxOpenOrders. The
// working-order table is scanned linearly on every Check (for self-trade and
// duplicate IDs), which is the fastest layout up to a few dozen entries and
// still well under a microsecond at this bound.
const MaxOpenOrdersLimit = 256

// Bounds that keep the token-bucket arithmetic inside int64 (see bucket).
const (
	maxOrdersPerSecond = 1_000_000
	maxBurst           = 1_000_000
)

// defaultLogQuiet is the burst-logging quiet period when Config.LogQuiet is
// zero. It is the only defaulted field: it is not a risk limit.
const defaultLogQuiet = time.Second

// Config is the risk configuration as an operator writes it: decimal amounts
// in the instrument's natural units and durations. Every limit is required
// and must be positive; there is no "zero means unlimited", because a
// forgotten key must fail closed at start, not trade without a limit.
//
// Quantities are in the base asset (e.g. BTC), amounts in the quote currency
// (e.g. USDT). New converts them exactly into the instrument's fixed-point
// scales and rejects a value with more decimals than the scale holds.
type Config struct {
	// MaxOrderQty is the largest quantity of one order, in base units.
	MaxOrderQty decimal.Decimal
	// MaxOrderNotional is the largest price × quantity of one order, in
	// quote units.
	MaxOrderNotional decimal.Decimal
	// PriceBandBps is how far from the book's mid an order's price may be,
	// in basis points of the mid (1 bp = 0.01%), at most 2 decimals.
	PriceBandBps decimal.Decimal
	// StaleAfter is how old the book's last update (its LocalTime) may be
	// before the price band fails closed.
	StaleAfter time.Duration
	// MaxPosition is the largest absolute net position, in base units,
	// counting every working order on the side that grows it.
	MaxPosition decimal.Decimal
	// MaxOpenOrders is the largest number of working orders,
	// 1..MaxOpenOrdersLimit.
	MaxOpenOrders int
	// OrdersPerSecond is the token bucket's refill rate, at most 3 decimals
	// and at most 1e6.
	OrdersPerSecond decimal.Decimal
	// OrderBurst is the token bucket's size: how many orders may leave at
	// once after a quiet period, 1..1e6.
	OrderBurst int
	// DuplicateWindow is how long an accepted side/price/quantity blocks an
	// identical new order.
	DuplicateWindow time.Duration
	// MaxDailyLoss is the largest loss since the UTC day's start equity, in
	// quote units, fees included; beyond it risk halts.
	MaxDailyLoss decimal.Decimal
	// MaxDrawdown is the largest fall from the peak equity, in quote units;
	// beyond it risk halts.
	MaxDrawdown decimal.Decimal
	// LogQuiet is how long a rejection reason must stay quiet before its
	// burst is closed with a "suppressed N" summary. Zero means one second.
	LogQuiet time.Duration
	// Perp are the limits of a perpetual futures position (leverage, distance to
	// liquidation, funding paid); the zero value sets none.
	Perp PerpConfig
	// Logger receives the rejection bursts and state changes. The zero
	// Logger discards everything, like zerolog.Nop().
	Logger zerolog.Logger
}

// Instrument is the exchange's trading rules for the one instrument a
// Checker guards, already in fixed-point units.
type Instrument struct {
	// PriceScale and QtyScale are the decimals of prices and quantities.
	// Amounts (notional, PnL, fees) are in price units.
	PriceScale, QtyScale fixed.Scale
	// Tick is the price increment, in price units; > 0.
	Tick int64
	// Lot is the quantity increment, in quantity units; > 0.
	Lot int64
	// MinQty and MaxQty bound an order's quantity, in quantity units;
	// 0 <= MinQty <= MaxQty, MaxQty > 0.
	MinQty, MaxQty int64
	// MinNotional is the smallest price × quantity, in price units; >= 0.
	MinNotional int64
	// Inverse marks an inverse (coin-margined) perpetual: quantities are the quote
	// value of its contracts, so an order's notional is its quantity, and its PnL is
	// made in the base coin, Q × (1/entry − 1/exit) for a long. Risk's money stays in
	// the quote currency: coin PnL is valued at the price it is realized or marked at,
	// and the loss limits compare that. The liquidation-distance check, whose formula
	// is USD-M's linear one, is refused for it.
	Inverse bool
}

// inverseCoinDigits is how many decimals of the base coin risk keeps the coin value
// of an inverse position at.
const inverseCoinDigits = 12

// Limits is Config converted to the fixed-point integers the hot path
// compares against. New builds it; it is exposed read-only via
// Checker.Limits for logging and tests.
type Limits struct {
	MaxOrderQty      int64 // quantity units
	MaxOrderNotional int64 // price units
	PriceBandMicro   int64 // millionths of the mid (1 bp = 100)
	StaleAfter       int64 // nanoseconds
	MaxPosition      int64 // quantity units
	MaxOpenOrders    int
	RateMilli        int64 // thousandths of an order per second
	Burst            int64 // orders
	DuplicateWindow  int64 // nanoseconds
	MaxDailyLoss     int64 // price units
	MaxDrawdown      int64 // price units
	LogQuiet         int64 // nanoseconds
}

// errNotPositive is the error for a field that must be positive.
var errNotPositive = errors.New("must be positive")

// validate checks the instrument's rules.
func (in Instrument) validate() error {
	switch {
	case !in.PriceScale.Valid():
		return fmt.Errorf("risk: instrument PriceScale %d: above %d", in.PriceScale, fixed.MaxScale)
	case !in.QtyScale.Valid():
		return fmt.Errorf("risk: instrument QtyScale %d: above %d", in.QtyScale, fixed.MaxScale)
	case in.Tick <= 0:
		return fmt.Errorf("risk: instrument Tick %d: %w", in.Tick, errNotPositive)
	case in.Lot <= 0:
		return fmt.Errorf("risk: instrument Lot %d: %w", in.Lot, errNotPositive)
	case in.MaxQty <= 0:
		return fmt.Errorf("risk: instrument MaxQty %d: %w", in.MaxQty, errNotPositive)
	case in.MinQty < 0 || in.MinQty > in.MaxQty:
		return fmt.Errorf("risk: instrument MinQty %d: must be within 0..MaxQty (%d)", in.MinQty, in.MaxQty)
	case in.MinNotional < 0:
		return fmt.Errorf("risk: instrument MinNotional %d: must not be negative", in.MinNotional)
	case in.Inverse && (int(in.QtyScale) > int(in.PriceScale)+inverseCoinDigits || int(in.PriceScale)+inverseCoinDigits-int(in.QtyScale) > 18):
		return fmt.Errorf("risk: inverse instrument scales %d (price) and %d (quantity): the quantity scale must be within the price scale + %d, and the price scale at most %d above it",
			in.PriceScale, in.QtyScale, inverseCoinDigits, 18-inverseCoinDigits)
	}
	return nil
}

// limits validates cfg and converts it at the instrument's scales. Each error
// names the Config field.
func (cfg *Config) limits(in Instrument) (Limits, error) {
	var l Limits
	var err error
	// amount converts one positive decimal field at scale s.
	amount := func(name string, d decimal.Decimal, s fixed.Scale) int64 {
		if err != nil {
			return 0
		}
		if !d.IsPositive() {
			err = fmt.Errorf("risk: config %s %s: %w", name, d, errNotPositive)
			return 0
		}
		v, e := s.FromDecimal(d)
		if e != nil {
			err = fmt.Errorf("risk: config %s %s at %d decimals: %w", name, d, s, e)
			return 0
		}
		return v
	}
	duration := func(name string, d time.Duration) int64 {
		if err == nil && d <= 0 {
			err = fmt.Errorf("risk: config %s %s: %w", name, d, errNotPositive)
		}
		return int64(d)
	}
	l.MaxOrderQty = amount("MaxOrderQty", cfg.MaxOrderQty, in.QtyScale)
	l.MaxOrderNotional = amount("MaxOrderNotional", cfg.MaxOrderNotional, in.PriceScale)
	// 1 bp = 1e-4 = 100 millionths: two decimals of bps are exact.
	l.PriceBandMicro = amount("PriceBandBps", cfg.PriceBandBps, 2)
	l.StaleAfter = duration("StaleAfter", cfg.StaleAfter)
	l.MaxPosition = amount("MaxPosition", cfg.MaxPosition, in.QtyScale)
	l.RateMilli = amount("OrdersPerSecond", cfg.OrdersPerSecond, 3)
	l.DuplicateWindow = duration("DuplicateWindow", cfg.DuplicateWindow)
	l.MaxDailyLoss = amount("MaxDailyLoss", cfg.MaxDailyLoss, in.PriceScale)
	l.MaxDrawdown = amount("MaxDrawdown", cfg.MaxDrawdown, in.PriceScale)
	if err != nil {
		return Limits{}, err
	}
	switch {
	case l.PriceBandMicro >= 1_000_000:
		return Limits{}, fmt.Errorf("risk: config PriceBandBps %s: must be below 10000", cfg.PriceBandBps)
	case l.RateMilli > maxOrdersPerSecond*1000:
		return Limits{}, fmt.Errorf("risk: config OrdersPerSecond %s: above %d", cfg.OrdersPerSecond, maxOrdersPerSecond)
	case cfg.MaxOpenOrders < 1 || cfg.MaxOpenOrders > MaxOpenOrdersLimit:
		return Limits{}, fmt.Errorf("risk: config MaxOpenOrders %d: must be within 1..%d", cfg.MaxOpenOrders, MaxOpenOrdersLimit)
	case cfg.OrderBurst < 1 || cfg.OrderBurst > maxBurst:
		return Limits{}, fmt.Errorf("risk: config OrderBurst %d: must be within 1..%d", cfg.OrderBurst, maxBurst)
	case cfg.LogQuiet < 0:
		return Limits{}, fmt.Errorf("risk: config LogQuiet %s: must not be negative", cfg.LogQuiet)
	}
	l.MaxOpenOrders = cfg.MaxOpenOrders
	l.Burst = int64(cfg.OrderBurst)
	l.LogQuiet = int64(cfg.LogQuiet)
	if l.LogQuiet == 0 {
		l.LogQuiet = int64(defaultLogQuiet)
	}
	return l, nil
}
