package config

import (
	_ "embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/nanotick/nanotick/fixed"
	"github.com/pelletier/go-toml/v2"
	"github.com/shopspring/decimal"
)

// Config is a validated nanotick configuration. Every field holds its final value:
// defaults are applied and paths are resolved, so consumers never re-interpret it.
type Config struct {
	// File is the path the config was parsed from, as given to Parse.
	File string

	Engine      Engine
	Instruments []Instrument
	Strategies  []Strategy
	Risk        Risk
	Latency     Latency
	Venues      Venues
	// Backtest is nil when the file has no [backtest] table.
	Backtest *Backtest
	Admin    Admin

	// Warnings are legal but suspicious settings, for "config check" to print.
	Warnings []Warning
}

// Engine is the [engine] table.
type Engine struct {
	LogLevel          string        // trace|debug|info|warn|error
	LogFormat         string        // auto|json|console
	TimerInterval     time.Duration // period of onTimer
	InstructionBudget int64         // VM instructions per strategy call
	StaleBookAfter    time.Duration // a book without updates for this long is stale
}

// Venue names an exchange connector.
type Venue string

// The venues nanotick has connectors for.
const (
	VenueBinanceSpot Venue = "binance-spot"
	VenueBinanceUSDM Venue = "binance-usdm"
	VenueKraken      Venue = "kraken"
	VenueSim         Venue = "sim"
)

// venueDecimals are the default fixed-point scales (price, quantity) used to decode each
// venue's numbers when an instrument does not set its own.
var venueDecimals = map[Venue][2]fixed.Scale{
	VenueBinanceSpot: {8, 8},
	VenueBinanceUSDM: {2, 3},
	VenueKraken:      {8, 8},
	// Bybit prints at most 8 decimals in any market: every price and size is exact.
	VenueBybitSpot:   {8, 8},
	VenueBybitLinear: {8, 8},
	VenueSim:         {8, 8},
}

// Instrument is one [[instrument]] table.
type Instrument struct {
	Symbol      string
	Venue       Venue
	TickSize    decimal.Decimal
	LotSize     decimal.Decimal
	MinQty      decimal.Decimal // defaults to LotSize
	MaxQty      decimal.Decimal
	MinNotional decimal.Decimal // zero means none
	// PriceDecimals and QtyDecimals are the fixed-point scales of the venue's numbers;
	// every decimal above is exactly representable at its scale.
	PriceDecimals fixed.Scale
	QtyDecimals   fixed.Scale
	// Risk is the instrument's own limits when it has an [instrument.risk] table: [risk]
	// with that table's keys in its place. nil: [risk] applies as it is.
	Risk *Risk
	// Kind is KindSpot, KindPerpetual (a linear perpetual) or KindInverse; Base and
	// Quote are the assets; ContractSize is the base quantity of one contract for a
	// venue whose data counts contracts (OKX swaps), zero otherwise (the quote value of
	// one contract for an inverse perpetual: OKX's BTC-USD-SWAP is 100 USD). A venue with a connector defaults
	// them; a venue known only from its data must give what its symbol cannot tell.
	Kind         string
	Base, Quote  string
	ContractSize decimal.Decimal
}

// Language is what a strategy is written in.
type Language string

// The strategy languages.
const (
	LanguageJS Language = "js"
	LanguageGo Language = "go"
)

// BuiltinPrefix marks a strategy file embedded in the binary ("builtin:market_maker")
// rather than read from disk; the engine resolves it.
const BuiltinPrefix = "builtin:"

// Strategy is one [[strategy]] table.
type Strategy struct {
	Name string
	// File is the script path resolved against the config file's directory, or a
	// "builtin:" name. Empty for Go strategies.
	File string
	// Instrument is the Symbol of the declared instrument the strategy trades.
	Instrument string
	// Venue is the venue of that instrument, so the pair identifies it uniquely.
	Venue Venue
	// Instruments are all the instruments the strategy trades, the default one
	// (Instrument, Venue) first: [[strategy]] instruments, or the one instrument.
	Instruments []InstrumentRef
	Language    Language
	GoName      string // registered Go strategy, for Language "go"
	// Params are the [strategy.params] values sorted by name.
	Params []Param
}

// Builtin returns the name of a builtin strategy script and true, or "" and false when
// File is a path on disk.
func (s *Strategy) Builtin() (string, bool) {
	if len(s.File) > len(BuiltinPrefix) && s.File[:len(BuiltinPrefix)] == BuiltinPrefix {
		return s.File[len(BuiltinPrefix):], true
	}
	return "", false
}

// Param returns the parameter called name.
func (s *Strategy) Param(name string) (Param, bool) {
	for _, p := range s.Params {
		if p.Name == name {
			return p, true
		}
	}
	return Param{}, false
}

// ParamKind says which field of a Param holds its value.
type ParamKind uint8

// The kinds of strategy parameter.
const (
	ParamNumber ParamKind = iota + 1
	ParamString
	ParamBool
)

// Param is one strategy parameter. Exactly one of Number, String and Bool is meaningful,
// as Kind says; integers in the file become Number, since the script sees JS numbers.
type Param struct {
	Name   string
	Kind   ParamKind
	Number float64
	String string
	Bool   bool
}

// StartState is the risk layer's state when the engine starts.
type StartState string

// The risk states.
const (
	StateActive   StartState = "active"
	StateReducing StartState = "reducing"
	StateHalted   StartState = "halted"
)

// Risk is the [risk] table. Every limit is required and positive: a missing limit is an
// error, never an implicit "unlimited". Field names and types match risk.Config, and
// every amount is exactly representable at every instrument's scales, so the engine's
// conversion cannot fail on a config that parsed.
type Risk struct {
	MaxOrderQty      decimal.Decimal // base units, at every instrument's qty_decimals
	MaxOrderNotional decimal.Decimal // quote units, at every instrument's price_decimals
	PriceBandBps     decimal.Decimal // distance from mid, basis points, at most 2 decimals, < 10000
	MaxPosition      decimal.Decimal // base units
	MaxOpenOrders    int             // 1..256 (risk.MaxOpenOrdersLimit)
	OrdersPerSecond  decimal.Decimal // order_rate: at most 3 decimals, at most 1e6
	OrderBurst       int             // 1..1e6
	DuplicateWindow  time.Duration   // > 0
	MaxDailyLoss     decimal.Decimal // quote units
	MaxDrawdown      decimal.Decimal // quote units
	StartState       StartState
	// Portfolio is [risk.portfolio]: limits over all of a strategy's instruments
	// together; zero values set none.
	Portfolio Portfolio
	// The perpetual limits are optional and apply to perpetual instruments
	// (binance-usdm) only; setting any requires Collateral. Zero means unset.
	Collateral                decimal.Decimal // quote units: the wallet balance the position trades on
	MaxLeverage               decimal.Decimal // position notional / equity, at most 3 decimals
	MinLiquidationDistanceBps decimal.Decimal // mark to liquidation price, bps, at most 2 decimals, < 10000
	MaxFundingPaid            decimal.Decimal // quote units, net
	MaintMarginRatio          decimal.Decimal // maintenance margin rate of the symbol's first bracket, in (0, 1)
}

// Latency is the [latency] table.
type Latency struct {
	HistogramMax      time.Duration
	SlowTickThreshold time.Duration // zero means off
	ReportPercentiles []float64     // ascending, each in (0, 100]
	// BusyPoll makes the live feed poll its socket instead of sleeping between frames:
	// a core spent to take the goroutine's wake-up out of every tick-to-order.
	BusyPoll bool
	// KeepWarm, with BusyPoll, runs the parts of the tick path that have no effect
	// (decoding a canned frame, reading the book) between polls, so that the next tick
	// finds them in the caches. Default true.
	KeepWarm bool
}

// Venues holds the live venue tables; a nil entry means the venue is not configured.
type Venues struct {
	Binance *Binance
	// Sim holds the names of the [venue.<name>] tables that set sim = true: their
	// venues' instruments trade against the local exchange, which the session starts
	// in-process, instead of the venue.
	Sim map[string]bool
	// BinanceUSDM is [venue.binance-usdm] (venue_usdm.go).
	BinanceUSDM *BinanceUSDM
	// Kraken is [venue.kraken] (venue_kraken.go).
	Kraken *Kraken
	// Bybit is [venue.bybit] (venue_bybit.go), for bybit-spot and bybit-linear.
	Bybit *Bybit
}

// Binance is the [venue.binance] table. It names where the credentials are, never the
// credentials themselves.
type Binance struct {
	WSURL     string
	RESTURL   string
	WSAPIURL  string
	APIKeyEnv string // environment variable holding the API key
	// APISecretFile is the path of the file holding the API secret, resolved against the
	// config file's directory; empty if not set.
	APISecretFile string
}

// QueueModel is how the backtester estimates queue position.
type QueueModel string

// The queue models.
const (
	QueueRiskAverse QueueModel = "risk_averse"
	QueuePowerLaw   QueueModel = "power_law"
)

// Backtest is the [backtest] table.
type Backtest struct {
	Data            []string // recording paths, resolved against the config file's directory
	OrderLatency    time.Duration
	ResponseLatency time.Duration
	LatencyFile     string // resolved; empty if the fixed latencies are used
	MakerFeeBps     float64
	TakerFeeBps     float64
	QueueModel      QueueModel
	QueuePower      float64
	PartialFills    bool
	InitialBalance  decimal.Decimal
	EquityInterval  time.Duration
	// MaxTimeJump is how far a recorded receive time may leap ahead of the previous
	// line's before the next line must confirm it.
	MaxTimeJump time.Duration
}

// Admin is the [admin] table.
type Admin struct {
	Listen  string
	Enabled bool
}

// Load reads and parses the config file at path.
func Load(path string) (*Config, error) {
	return LoadWith(path, Options{})
}

// Options relax what Parse checks, for a command line that replaces part of the file.
type Options struct {
	// DataGiven says that the command line gives the recordings to replay, replacing
	// [backtest] data: those files are resolved but not required to exist.
	DataGiven bool
	// Live says the config is for trading (nanotick run): an instrument on a venue
	// without a live connector is an error.
	Live bool
}

// LoadWith is Load with options.
func LoadWith(path string, o Options) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return ParseWith(path, data, o)
}

//go:embed default.toml
var defaultTOML []byte

// DefaultTOML returns the text of the embedded default config.
func DefaultTOML() []byte {
	return append([]byte(nil), defaultTOML...)
}

// Default returns the embedded default config: a simulated BTCUSDT market with the
// builtin market maker and conservative risk limits. It is what "nanotick run" uses when
// given no config.
func Default() *Config {
	c, err := Parse("builtin:default.toml", DefaultTOML())
	if err != nil {
		// The embedded text is fixed at build time and TestDefault parses it, so this
		// cannot happen in a tested binary.
		panic(fmt.Sprintf("config: embedded default config is invalid: %v", err))
	}
	return c
}

// MaxFileSize is the largest config Parse accepts. Real configs are a few kilobytes; the
// bound exists because go-toml checks duplicate keys in time quadratic in the keys of a
// table, so a huge generated or mistaken file would stall start-up for minutes.
const MaxFileSize = 256 << 10

// Parse parses and validates a config. filename is used in error messages and to resolve
// the relative paths the file names. On failure the error is an ErrorList holding every
// problem found, each naming its key and, where known, its line.
//
// The document is decoded by go-toml into a generic map and then walked against the
// schema here, rather than decoded into structs with DisallowUnknownFields: the strict
// struct decoder stops at the first type mismatch and cannot tell a float from a decimal
// string usefully, while the walk reports unknown keys, wrong types and invalid values
// together, each with the line recovered from go-toml's AST (see positions.go).
func Parse(filename string, data []byte) (*Config, error) {
	return ParseWith(filename, data, Options{})
}

// ParseWith is Parse with options.
func ParseWith(filename string, data []byte, o Options) (*Config, error) {
	if len(data) > MaxFileSize {
		return nil, ErrorList{{File: filename, Msg: fmt.Sprintf(
			"config is %d bytes, more than the %d a config can be; is this the right file?", len(data), MaxFileSize)}}
	}
	var raw map[string]any
	if err := toml.Unmarshal(data, &raw); err != nil {
		return nil, syntaxError(filename, err)
	}
	d := &decoder{file: filename, dir: filepath.Dir(filename), pos: indexPositions(data), opts: o}
	c := d.config(&table{d: d, m: raw})
	c.File = filename
	if len(d.errs) > 0 {
		sortErrors(d.errs)
		return nil, ErrorList(d.errs)
	}
	sortWarnings(d.warns)
	c.Warnings = d.warns
	return c, nil
}

// syntaxError converts a go-toml error into an ErrorList with its position.
func syntaxError(filename string, err error) error {
	e := &Error{File: filename, Msg: err.Error()}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		e.Line, e.Col = de.Position()
		e.Msg = trimTOMLPrefix(de.Error())
		if k := de.Key(); len(k) > 0 {
			p := ""
			for _, part := range k {
				p = joinPath(p, part)
			}
			// go-toml's messages already name the key, so it is not prefixed again.
			e.Key = p
		}
	}
	return ErrorList{e}
}

func trimTOMLPrefix(s string) string {
	const prefix = "toml: "
	if len(s) >= len(prefix) && s[:len(prefix)] == prefix {
		return s[len(prefix):]
	}
	return s
}
