package exchange

import (
	"fmt"
	"strings"
)

// Commission is what each fill costs an account, as Binance charges it
// (faqs/commission_faq.md, "How is the commission calculated?"): the
// received amount (the base quantity of a buy, the quote notional of a sell)
// times the maker or taker rate, taken from the received asset, or, with
// Asset "BNB" and enough BNB on the account, converted to BNB and taken from
// the BNB balance instead. Rates and prices are decimal strings; empty rates
// charge nothing.
type Commission struct {
	// Maker and Taker are the rates ("0.001" is 0.1%).
	Maker, Taker string
	// Asset is "" to pay in the received asset, or "BNB" to pay in BNB
	// whenever the BNB balance covers it (falling back to the received
	// asset otherwise, as Binance does).
	Asset string
	// BNBPrice is the price of 1 BNB in the instrument's quote asset, used
	// to convert the commission to BNB; required with Asset "BNB".
	BNBPrice string
	// BNBFactor multiplies a commission paid in BNB: "0.75" is a 25%
	// discount. Default "1".
	BNBFactor string
}

// commission is Commission parsed to the wire scale.
type commission struct {
	maker, taker int64
	bnb          bool
	bnbPrice     int64
	bnbFactor    int64
}

func (c Commission) parse() (commission, error) {
	var out commission
	num := func(name, s string, def int64) (int64, error) {
		if s == "" {
			return def, nil
		}
		v, err := wireScale.ParseString(s)
		if err != nil || v < 0 {
			return 0, fmt.Errorf("%s %q: want a non-negative decimal with at most 8 places", name, s)
		}
		return v, nil
	}
	var err error
	if out.maker, err = num("maker rate", c.Maker, 0); err != nil {
		return out, err
	}
	if out.taker, err = num("taker rate", c.Taker, 0); err != nil {
		return out, err
	}
	if out.maker >= wireUnit || out.taker >= wireUnit {
		return out, fmt.Errorf("rates must be below 1")
	}
	switch strings.ToUpper(c.Asset) {
	case "":
	case "BNB":
		out.bnb = true
		if out.bnbPrice, err = num("BNB price", c.BNBPrice, 0); err != nil {
			return out, err
		}
		if out.bnbPrice <= 0 {
			return out, fmt.Errorf("paying in BNB needs a positive BNB price")
		}
		if out.bnbFactor, err = num("BNB factor", c.BNBFactor, wireUnit); err != nil {
			return out, err
		}
	default:
		return out, fmt.Errorf("asset %q: want empty (the received asset) or BNB", c.Asset)
	}
	return out, nil
}

// charge returns the commission of a fill of qty at price for an account on
// side s (maker or not): the amount and its asset, zero and "" when nothing
// is charged. It does not move balances.
func (c *commission) charge(a *Account, in Instrument, s Side, maker bool, price, qty int64) (int64, string) {
	rate := c.taker
	if maker {
		rate = c.maker
	}
	if rate == 0 {
		return 0, ""
	}
	received, asset := qty, in.Base
	if s == Sell {
		received, asset = quoteOf(price, qty), in.Quote
	}
	amount, _ := mulDiv(received, rate, wireUnit)
	if amount <= 0 {
		return 0, ""
	}
	if c.bnb && in.Base != "BNB" && in.Quote != "BNB" {
		inQuote := amount
		if asset == in.Base {
			inQuote = quoteOf(price, amount)
		}
		bnb, _ := mulDiv(inQuote, wireUnit, c.bnbPrice)
		bnb, _ = mulDiv(bnb, c.bnbFactor, wireUnit)
		if bnb > 0 && a.bal("BNB").free >= bnb {
			return bnb, "BNB"
		}
	}
	return amount, asset
}
