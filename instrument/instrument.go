// Package instrument owns what nanotick knows of a tradable instrument: its name
// (ID, written venue:SYMBOL), its static description (Spec: kind, base and quote
// assets, price and quantity scales, tick, lot and order limits) and the read-only
// Table of the instruments one engine trades, whose dense Index is how the tick path
// names an instrument.
//
// It is the one place an instrument is described: the engine, risk, the strategy API
// and the venues read a Spec rather than keeping their own partial copies. It imports
// no venue package and performs no I/O: checking a Spec against what a venue reports
// (Binance exchangeInfo, Kraken's instrument channel) is the venue's job, with
// Spec.Diff as the comparison. A Table never changes once built, so it may be shared by
// goroutines.
package instrument

import (
	"errors"
	"fmt"
	"strings"

	"github.com/nanotick/nanotick/fixed"
)

// The venues nanotick knows, as they appear before the colon of an instrument name.
// VenueSim is nanotick's local exchange, which speaks Binance Spot's protocols.
const (
	VenueBinanceSpot = "binance-spot"
	VenueBinanceUSDM = "binance-usdm"
	VenueKraken      = "kraken"
	VenueSim         = "sim"
	VenueBybitSpot   = "bybit-spot"
	VenueBybitLinear = "bybit-linear" // USDT and USDC perpetuals
)

// Venues returns the venue names nanotick knows.
func Venues() []string {
	return []string{VenueBinanceSpot, VenueBinanceUSDM, VenueBybitSpot, VenueBybitLinear, VenueKraken, VenueSim}
}

// CheckName parses name as ParseID does and also requires its venue to be one nanotick
// knows (Venues), saying which those are otherwise.
func CheckName(name string) (ID, error) {
	id, err := ParseID(name)
	if err != nil {
		return ID{}, err
	}
	for _, v := range Venues() {
		if id.Venue == v {
			return id, nil
		}
	}
	return ID{}, fmt.Errorf("instrument %s: unknown venue %q (venues: %s)", id, id.Venue, strings.Join(Venues(), ", "))
}

// ID names an instrument: the venue and the symbol as that venue spells it
// ("BTCUSDT" on Binance, "BTC/USD" on Kraken). Its text form is venue:SYMBOL.
type ID struct {
	Venue  string
	Symbol string
}

// String returns venue:SYMBOL.
func (id ID) String() string { return id.Venue + ":" + id.Symbol }

// ErrBadName reports an instrument name that is not venue:SYMBOL.
var ErrBadName = errors.New(`instrument name must be "venue:SYMBOL"`)

// ParseID parses venue:SYMBOL, e.g. "binance-spot:BTCUSDT" or "kraken:BTC/USD". The
// venue is lower case letters, digits and '-'; the symbol is one or more printable
// ASCII characters without spaces or colons. It does not check that the venue is one
// nanotick has a connector for: Table and the venue registry do.
func ParseID(name string) (ID, error) {
	venue, symbol, ok := strings.Cut(name, ":")
	if !ok || venue == "" || symbol == "" {
		return ID{}, fmt.Errorf("%w, got %q", ErrBadName, name)
	}
	for i := 0; i < len(venue); i++ {
		c := venue[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return ID{}, fmt.Errorf("%w: venue %q: only lower-case letters, digits and '-'", ErrBadName, venue)
		}
	}
	for i := 0; i < len(symbol); i++ {
		c := symbol[i]
		if c <= ' ' || c >= 0x7f || c == ':' {
			return ID{}, fmt.Errorf("%w: symbol %q: only printable ASCII without spaces or ':'", ErrBadName, symbol)
		}
	}
	return ID{Venue: venue, Symbol: symbol}, nil
}

// Kind is what an instrument is.
type Kind uint8

// The kinds of instrument.
const (
	Spot      Kind = iota + 1 // the asset itself; a position is a holding of the base asset
	Perpetual                 // a linear perpetual future settled in the quote asset
)

// String returns "spot" or "perpetual".
func (k Kind) String() string {
	switch k {
	case Spot:
		return "spot"
	case Perpetual:
		return "perpetual"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Spec is the static description of one instrument. Prices are in units of PriceScale
// (a price p means p / 10^PriceScale quote per base), quantities in units of QtyScale
// (base asset, or contracts of ContractSize base for a perpetual; the quote asset for
// an Inverse one), and notional values in PriceScale units of the quote asset.
type Spec struct {
	ID    ID
	Kind  Kind
	Base  string // base asset, "BTC"
	Quote string // quote asset, "USDT"
	// PriceScale and QtyScale are the fixed-point scales the venue's numbers are
	// decoded at; every price and quantity below is exact at them.
	PriceScale, QtyScale fixed.Scale
	Tick                 int64 // price increment
	Lot                  int64 // quantity increment
	MinQty               int64 // smallest order quantity; 0 means Lot
	MaxQty               int64 // largest order quantity; 0 means no limit
	MinNotional          int64 // smallest price x quantity, in price units; 0 means none
	// ContractSize is the base quantity of one contract, in QtyScale units, for a
	// venue whose data counts contracts (OKX swaps: 0.01 BTC); 0 means its quantities
	// are base quantities. A feed reading such data converts amounts with it, so that
	// everything past the feed (book, orders, positions, Lot) counts base.
	//
	// For an Inverse perpetual it is the quote value of one contract instead (OKX's
	// BTC-USD-SWAP: 100 USD), and quantities past the feed count quote.
	ContractSize int64
	// Inverse marks an inverse (coin-margined) perpetual, such as Deribit's
	// BTC-PERPETUAL, BitMEX's XBTUSD, Bybit's BTCUSD or OKX's BTC-USD-SWAP: its
	// quantities are the contracts' face value in the quote asset (USD), and its PnL,
	// fees and funding are settled in the base asset (BTC). A long of Q USD from entry
	// price E to exit price X makes Q × (1/E − 1/X) BTC; its notional in the quote is Q
	// itself. Kind is Perpetual.
	Inverse bool
}

// Settlement returns the asset an instrument's PnL, fees and funding are in: the base
// asset for an inverse perpetual, the quote asset otherwise.
func (s *Spec) Settlement() string {
	if s.Inverse {
		return s.Base
	}
	return s.Quote
}

// Validate reports what makes s unusable, or nil.
func (s *Spec) Validate() error {
	var errs []error
	if s.ID.Venue == "" || s.ID.Symbol == "" {
		errs = append(errs, errors.New("no venue or symbol"))
	}
	if s.Kind != Spot && s.Kind != Perpetual {
		errs = append(errs, fmt.Errorf("kind %v: want spot or perpetual", s.Kind))
	}
	if s.Base == "" || s.Quote == "" {
		errs = append(errs, errors.New("base and quote assets are required"))
	}
	if !s.PriceScale.Valid() || !s.QtyScale.Valid() {
		errs = append(errs, fmt.Errorf("scales %d and %d: at most %d", s.PriceScale, s.QtyScale, fixed.MaxScale))
	}
	if s.Tick <= 0 || s.Lot <= 0 {
		errs = append(errs, fmt.Errorf("tick %d and lot %d must be positive", s.Tick, s.Lot))
	}
	if s.Inverse && s.Kind != Perpetual {
		errs = append(errs, fmt.Errorf("an inverse instrument is a perpetual, not %v", s.Kind))
	}
	if s.ContractSize < 0 {
		errs = append(errs, fmt.Errorf("contract size %d must not be negative", s.ContractSize))
	}
	if s.MinQty < 0 || s.MaxQty < 0 || s.MinNotional < 0 || (s.MaxQty > 0 && s.MaxQty < s.MinQty) {
		errs = append(errs, fmt.Errorf("limits min qty %d, max qty %d, min notional %d", s.MinQty, s.MaxQty, s.MinNotional))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("instrument %s: %w", s.ID, err)
	}
	return nil
}

// TickSize returns the tick as a number.
func (s *Spec) TickSize() float64 { return s.PriceScale.Float(s.Tick) }

// LotSize returns the lot as a number.
func (s *Spec) LotSize() float64 { return s.QtyScale.Float(s.Lot) }

// Diff compares s, the configured description, with what the venue itself reports for
// the same instrument, and returns one line per field that differs (nil when they
// agree). Scales are compared through the values they give: a venue reporting tick
// 0.01 at scale 2 agrees with a tick of 1000000 at scale 8. A venue that does not
// report a field leaves it zero, and a zero field in venue is not compared.
func (s *Spec) Diff(venue *Spec) []string {
	var out []string
	if venue.ID != (ID{}) && venue.ID != s.ID {
		out = append(out, fmt.Sprintf("name: configured %s, venue %s", s.ID, venue.ID))
	}
	if venue.Kind != 0 && venue.Kind != s.Kind {
		out = append(out, fmt.Sprintf("kind: configured %s, venue %s", s.Kind, venue.Kind))
	}
	if venue.Base != "" && !strings.EqualFold(venue.Base, s.Base) {
		out = append(out, fmt.Sprintf("base: configured %s, venue %s", s.Base, venue.Base))
	}
	if venue.Quote != "" && !strings.EqualFold(venue.Quote, s.Quote) {
		out = append(out, fmt.Sprintf("quote: configured %s, venue %s", s.Quote, venue.Quote))
	}
	cmp := func(name string, scale fixed.Scale, v int64, vscale fixed.Scale, vv int64) {
		if vv == 0 {
			return
		}
		if scale.Decimal(v).Equal(vscale.Decimal(vv)) {
			return
		}
		out = append(out, fmt.Sprintf("%s: configured %s, venue %s", name, scale.String(v), vscale.String(vv)))
	}
	cmp("tick", s.PriceScale, s.Tick, venue.PriceScale, venue.Tick)
	cmp("lot", s.QtyScale, s.Lot, venue.QtyScale, venue.Lot)
	cmp("min qty", s.QtyScale, s.MinQty, venue.QtyScale, venue.MinQty)
	cmp("max qty", s.QtyScale, s.MaxQty, venue.QtyScale, venue.MaxQty)
	cmp("min notional", s.PriceScale, s.MinNotional, venue.PriceScale, venue.MinNotional)
	return out
}

// knownQuotes are the quote assets SplitSymbol recognizes at the end of a symbol
// without a separator, longest first so that "FDUSD" wins over "USD".
var knownQuotes = []string{"FDUSD", "USDT", "USDC", "TUSD", "BUSD", "EUR", "USD", "BTC", "ETH", "BNB", "TRY"}

// SplitSymbol returns the base and quote assets of a symbol: "BTC/USD" splits at the
// slash, "BTCUSDT" by its known quote suffix. It reports false when it cannot tell,
// and then the assets must be configured.
func SplitSymbol(symbol string) (base, quote string, ok bool) {
	if b, q, found := strings.Cut(symbol, "/"); found {
		return b, q, b != "" && q != ""
	}
	up := strings.ToUpper(symbol)
	for _, q := range knownQuotes {
		if len(up) > len(q) && strings.HasSuffix(up, q) {
			return up[:len(up)-len(q)], q, true
		}
	}
	return "", "", false
}
