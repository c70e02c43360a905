package exchange

import (
	"fmt"
	"strings"

	"github.com/nanotick/nanotick/fixed"
)

// wireScale is the decimal scale of every price and quantity on the wire and
// inside the exchange: Binance Spot pads both to 8 decimals.
const wireScale fixed.Scale = 8

// wireUnit is 1 at the wire scale.
const wireUnit = 100_000_000

func mulDiv(a, b, c int64) (int64, bool) { return fixed.MulDiv(a, b, c) }

// Instrument is one symbol the exchange lists and the trading rules its
// orders must obey, Binance's PRICE_FILTER, LOT_SIZE and NOTIONAL filters.
// Prices and quantities are in units of 10^-8.
type Instrument struct {
	Symbol      string // as Binance spells it: "BTCUSDT"
	Base, Quote string // assets: "BTC", "USDT"
	TickSize    int64  // price step
	StepSize    int64  // quantity step
	MinQty      int64
	MaxQty      int64
	MinPrice    int64
	MaxPrice    int64
	MinNotional int64 // minimum price×qty
	// RefPrice is where the synthetic market starts.
	RefPrice int64
}

// BTCUSDT returns the instrument rules of Binance Spot's BTCUSDT: tick 0.01,
// lot 0.00001, minimum notional 5 USDT, starting near 60000.
func BTCUSDT() Instrument {
	return Instrument{
		Symbol: "BTCUSDT", Base: "BTC", Quote: "USDT",
		TickSize: 1_000_000, StepSize: 1_000,
		MinQty: 1_000, MaxQty: 9000 * wireUnit,
		MinPrice: 1_000_000, MaxPrice: 1_000_000 * wireUnit,
		MinNotional: 5 * wireUnit,
		RefPrice:    60_000 * wireUnit,
	}
}

// validate checks the rules themselves.
func (in Instrument) validate() error {
	switch {
	case in.Symbol == "" || strings.ToUpper(in.Symbol) != in.Symbol:
		return fmt.Errorf("instrument %q: symbol must be non-empty upper case", in.Symbol)
	case in.Base == "" || in.Quote == "":
		return fmt.Errorf("instrument %s: base and quote assets are required", in.Symbol)
	case in.TickSize <= 0 || in.StepSize <= 0:
		return fmt.Errorf("instrument %s: tick and step sizes must be positive", in.Symbol)
	case in.MinQty <= 0 || in.MaxQty < in.MinQty || in.MinPrice <= 0 || in.MaxPrice < in.MinPrice:
		return fmt.Errorf("instrument %s: bad quantity or price bounds", in.Symbol)
	case in.RefPrice < in.MinPrice || in.RefPrice > in.MaxPrice || in.RefPrice%in.TickSize != 0:
		return fmt.Errorf("instrument %s: reference price must be a tick within the price bounds", in.Symbol)
	}
	return nil
}

// check applies the filters to an order, returning the Binance error for the
// first one it fails, or nil.
func (in Instrument) check(price, qty int64) *apiError {
	switch {
	case price < in.MinPrice || price > in.MaxPrice || price%in.TickSize != 0:
		return errFilter("PRICE_FILTER")
	case qty < in.MinQty || qty > in.MaxQty || qty%in.StepSize != 0:
		return errFilter("LOT_SIZE")
	}
	if n, ok := mulDiv(price, qty, wireUnit); !ok || n < in.MinNotional {
		return errFilter("NOTIONAL")
	}
	return nil
}

// checkQty applies the LOT_SIZE filter alone, as for a MARKET order, whose
// notional is checked as it fills.
func (in Instrument) checkQty(qty int64) *apiError {
	if qty < in.MinQty || qty > in.MaxQty || qty%in.StepSize != 0 {
		return errFilter("LOT_SIZE")
	}
	return nil
}
