// Package perp owns the money rules of a linear perpetual futures position as Binance
// USD-M documents them: maintenance margin by notional bracket, initial margin at a
// leverage, the liquidation price in one-way mode under cross or isolated margin, and
// funding payments at each funding time.
//
// It computes; it keeps no position of its own and never trades. Callers (the backtest's
// account, the live reconciliation) hold the position, entry price and wallet balance and
// ask this package what they imply. Everything is in shopspring/decimal: these figures
// change once per fill, per mark price or per funding time, never per tick.
//
// Sources, checked 2026-12:
//   - "How to Calculate Liquidation Price of USDⓈ-M Futures Contracts" (Binance FAQ
//     b3c689c1f50a44cabb3a84e663b81d93): LP = (WB − TMM1 + UPNL1 + cumB − Side1·Position1·EP1)
//     / (Position1·MMR_B − Side1·Position1) in one-way mode, TMM1 = UPNL1 = 0 for isolated.
//   - "Leverage and Margin of USDⓈ-M Futures" and GET /fapi/v1/leverageBracket: maintenance
//     margin = notional × maintMarginRatio − cum, the bracket chosen by the position's notional.
//   - "Introduction to Binance Futures Funding Rates": funding amount = position notional at
//     the mark price × funding rate; a positive rate means longs pay shorts.
package perp

import (
	"errors"
	"fmt"

	"github.com/shopspring/decimal"
)

// MarginMode is how a position's margin is held.
type MarginMode uint8

// The margin modes.
const (
	// Cross shares the whole wallet balance among the account's positions.
	Cross MarginMode = iota
	// Isolated gives each position only the margin assigned to it.
	Isolated
)

func (m MarginMode) String() string {
	if m == Isolated {
		return "isolated"
	}
	return "cross"
}

// ParseMarginMode reads "cross" or "isolated" (Binance's marginType CROSSED and ISOLATED
// are accepted too).
func ParseMarginMode(s string) (MarginMode, error) {
	switch s {
	case "cross", "CROSSED", "crossed", "CROSS":
		return Cross, nil
	case "isolated", "ISOLATED":
		return Isolated, nil
	}
	return 0, fmt.Errorf("margin mode %q: want cross or isolated", s)
}

// Bracket is one notional tier of a symbol's leverage brackets, as GET
// /fapi/v1/leverageBracket returns it: positions with notional up to NotionalCap have
// maintenance margin notional × MaintMarginRatio − Cum and may use at most
// InitialLeverage.
type Bracket struct {
	NotionalFloor    decimal.Decimal // notionalFloor
	NotionalCap      decimal.Decimal // notionalCap
	MaintMarginRatio decimal.Decimal // maintMarginRatio
	Cum              decimal.Decimal // cum: the maintenance amount
	InitialLeverage  int             // initialLeverage: the highest leverage of the tier
}

// Brackets are a symbol's tiers in ascending notional.
type Brackets []Bracket

// Validate checks that the tiers ascend without gaps and have positive rates and leverage.
func (b Brackets) Validate() error {
	if len(b) == 0 {
		return errors.New("no leverage brackets")
	}
	for i, t := range b {
		if t.MaintMarginRatio.Sign() <= 0 || t.MaintMarginRatio.GreaterThanOrEqual(decimal.NewFromInt(1)) {
			return fmt.Errorf("bracket %d: maintMarginRatio %s is not in (0, 1)", i+1, t.MaintMarginRatio)
		}
		if t.InitialLeverage < 1 {
			return fmt.Errorf("bracket %d: initialLeverage %d is below 1", i+1, t.InitialLeverage)
		}
		if t.NotionalCap.LessThanOrEqual(t.NotionalFloor) {
			return fmt.Errorf("bracket %d: notionalCap %s is not above notionalFloor %s", i+1, t.NotionalCap, t.NotionalFloor)
		}
		if i > 0 && !t.NotionalFloor.Equal(b[i-1].NotionalCap) {
			return fmt.Errorf("bracket %d: notionalFloor %s does not continue the cap %s before it", i+1, t.NotionalFloor, b[i-1].NotionalCap)
		}
	}
	return nil
}

// For returns the tier that holds a position of the given notional (its absolute value);
// a notional beyond the last cap gets the last tier.
func (b Brackets) For(notional decimal.Decimal) Bracket {
	n := notional.Abs()
	for _, t := range b {
		if n.LessThanOrEqual(t.NotionalCap) {
			return t
		}
	}
	return b[len(b)-1]
}

// MaxLeverage returns the highest leverage a position of the given notional may use.
func (b Brackets) MaxLeverage(notional decimal.Decimal) int { return b.For(notional).InitialLeverage }

// MaintenanceMargin returns the maintenance margin of a position of notional (its
// absolute value): notional × maintMarginRatio − cum of its tier.
func (b Brackets) MaintenanceMargin(notional decimal.Decimal) decimal.Decimal {
	n := notional.Abs()
	t := b.For(n)
	return n.Mul(t.MaintMarginRatio).Sub(t.Cum)
}

// InitialMargin returns the margin a position of notional needs at leverage:
// |notional| / leverage.
func InitialMargin(notional decimal.Decimal, leverage int) decimal.Decimal {
	if leverage < 1 {
		leverage = 1
	}
	return notional.Abs().Div(decimal.NewFromInt(int64(leverage)))
}

// Unrealized returns the PnL of a signed position (positive long) entered at entry, at
// mark.
func Unrealized(position, entry, mark decimal.Decimal) decimal.Decimal {
	return position.Mul(mark.Sub(entry))
}

// Liquidation is what LiquidationPrice needs of the account besides the position.
type Liquidation struct {
	Mode MarginMode
	// WalletBalance is the cross wallet balance (Cross) or the position's isolated
	// wallet balance, its margin plus what was added (Isolated).
	WalletBalance decimal.Decimal
	// OtherMaintenance and OtherUnrealized are TMM1 and UPNL1: the maintenance margin
	// and unrealized PnL of the account's other positions. Ignored for Isolated.
	OtherMaintenance, OtherUnrealized decimal.Decimal
}

// LiquidationPrice returns the mark price at which a one-way position (signed quantity,
// positive long) entered at entry is liquidated, by Binance's formula. It reports false
// when the position is flat or cannot be liquidated (a long whose formula gives a price
// at or below zero: the wallet covers a fall to zero).
func LiquidationPrice(l Liquidation, brackets Brackets, position, entry decimal.Decimal) (decimal.Decimal, bool) {
	if position.IsZero() {
		return decimal.Zero, false
	}
	side := decimal.NewFromInt(int64(position.Sign()))
	size := position.Abs()
	t := brackets.For(size.Mul(entry))
	wb := l.WalletBalance
	if l.Mode == Cross {
		wb = wb.Sub(l.OtherMaintenance).Add(l.OtherUnrealized)
	}
	num := wb.Add(t.Cum).Sub(side.Mul(size).Mul(entry))
	den := size.Mul(t.MaintMarginRatio).Sub(side.Mul(size))
	if den.IsZero() {
		return decimal.Zero, false
	}
	lp := num.DivRound(den, 8)
	if lp.Sign() <= 0 {
		return decimal.Zero, false
	}
	return lp, true
}

// FundingPayment returns what a funding event adds to the wallet of a signed position at
// mark with rate: −position × mark × rate. A long pays (a negative amount) when the rate
// is positive; a short receives it.
func FundingPayment(position, mark, rate decimal.Decimal) decimal.Decimal {
	return position.Mul(mark).Mul(rate).Neg()
}
