package config

import (
	"strings"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/instrument"
)

// connectorVenues are the venues nanotick can trade live (nanotick run). Any other
// venue name ("okx-swap", "coinbase", "deribit": venues known only from their data,
// such as Tardis.dev files) is accepted for backtests, with the instrument's rules all
// from its [[instrument]] table.
var connectorVenues = []Venue{VenueBinanceSpot, VenueBinanceUSDM, VenueBybitSpot, VenueBybitLinear, VenueKraken, VenueSim}

// HasConnector reports whether nanotick has a live connector for v.
func (v Venue) HasConnector() bool {
	for _, c := range connectorVenues {
		if v == c {
			return true
		}
	}
	return false
}

func connectorNames() string {
	names := make([]string, len(connectorVenues))
	for i, v := range connectorVenues {
		names[i] = string(v)
	}
	return strings.Join(names, ", ")
}

// Instrument kinds of an [[instrument]] table's kind key.
const (
	KindSpot      = "spot"
	KindPerpetual = "perpetual"
	// KindInverse is an inverse (coin-margined) perpetual: quantities are the quote
	// value of its contracts (USD), PnL, fees and funding are in the base coin. Only a
	// backtest models it: no connector trades one.
	KindInverse = "inverse_perpetual"
)

// Perpetual reports whether the instrument is a perpetual, linear or inverse.
func (in *Instrument) Perpetual() bool {
	return in.Kind == KindPerpetual || in.Kind == KindInverse || in.Venue == VenueBinanceUSDM
}

// venue decodes an [[instrument]]'s venue: a venue with a connector, or any name of
// lower-case letters, digits and '-' for a venue known only from its data. With
// Options.Live, such a venue is refused: nothing can trade it.
func (d *decoder) venue(t *table) Venue {
	s, ok := t.text("venue")
	if !ok {
		return ""
	}
	v := Venue(s)
	if v.HasConnector() {
		return v
	}
	if _, err := instrument.ParseID(s + ":X"); err != nil {
		d.errorf(t.child("venue"), "must be a venue with a connector (%s) or the name of one known from its data (lower-case letters, digits and '-', such as okx-swap), got %q", connectorNames(), truncate(s))
		return ""
	}
	if d.opts.Live {
		d.errorf(t.child("venue"), "venue %q has no live connector (venues with one: %s): it can only be backtested from its data (nanotick backtest --data FILE)", s, connectorNames())
	}
	return v
}

// requireDecimals reports whether a venue without a connector's instrument gives its
// price_decimals and qty_decimals, which no connector can default; each missing one is
// an error.
func (d *decoder) requireDecimals(t *table, v Venue) bool {
	why := "no connector gives the decimals of " + string(v) + "'s numbers"
	p := t.required("price_decimals", why)
	q := t.required("qty_decimals", why)
	return p && q
}

// instrumentKind decodes what an [[instrument]] is beyond its trading rules: kind,
// base and quote assets, and contract size. A venue with a connector defaults them
// (binance-usdm is perpetual, the rest spot; the assets split from the symbol); a
// venue without one must give what cannot be told, and the error names the key.
func (d *decoder) instrumentKind(t *table, in *Instrument, qtyOK bool) {
	def := ""
	if in.Venue.HasConnector() {
		def = KindSpot
		if in.Venue == VenueBinanceUSDM || in.Venue == VenueBybitLinear {
			def = KindPerpetual
		}
	} else if in.Venue != "" {
		t.required("kind", "spot, perpetual or inverse_perpetual: no connector tells it for venue "+string(in.Venue))
	}
	in.Kind = t.enum("kind", def, KindSpot, KindPerpetual, KindInverse)
	if in.Kind == KindInverse {
		switch {
		case in.Venue.HasConnector():
			d.errorf(t.child("kind"), "%q is not an inverse venue: inverse perpetuals are backtested from their data only, under a venue name of their own (deribit, bitmex, bybit-inverse, okx-swap)", in.Venue)
		case d.opts.Live:
			d.errorf(t.child("kind"), "inverse perpetuals can only be backtested: no live connector trades them, and live risk and accounting are linear")
		}
	}
	base, quote, split := instrument.SplitSymbol(in.Symbol)
	// "BTC-USD" splits by its suffix as "BTC-" and "USD": an asset is letters and
	// digits, and a symbol that splits otherwise does not tell its assets.
	split = split && alnum(base) && alnum(quote)
	for _, a := range []struct {
		key  string
		dst  *string
		def  string
		what string
	}{{"base", &in.Base, base, "base asset"}, {"quote", &in.Quote, quote, "quote asset"}} {
		if t.has(a.key) {
			if s, ok := t.text(a.key); ok {
				*a.dst = strings.ToUpper(s)
			}
			continue
		}
		t.known = append(t.known, a.key)
		if !split && in.Venue != "" && in.Symbol != "" {
			d.errorf(t.child(a.key), "required (the %s: symbol %q does not tell it)", a.what, truncate(in.Symbol))
		}
		*a.dst = a.def
	}
	if t.has("contract_size") {
		if x, ok := t.positiveDec("contract_size"); ok {
			in.ContractSize = x
			if qtyOK {
				d.representable(t.child("contract_size"), x, in.QtyDecimals, "qty_decimals")
			}
		}
	} else {
		t.known = append(t.known, "contract_size")
		in.ContractSize = decimal.Zero
	}
}

func alnum(s string) bool {
	for _, c := range s {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return s != ""
}
