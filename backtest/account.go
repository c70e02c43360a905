package backtest

import (
	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/orderbook"
)

// Account is the backtest's money, kept exactly in decimal and updated once per fill
// (never per tick): position, the cost basis of the open position, realized PnL, fees,
// cash, turnover and volume.
//
// The open position's cost is kept as a basis (signed quantity × entry price, summed)
// rather than as an average price, so that nothing is lost to division: a reduction
// removes the basis in proportion, and whatever rounding that division makes moves
// between realized and unrealized PnL without changing equity. So, exactly,
//
//	equity(mark) = initial + realized + unrealized(mark) − fees + funding = cash + position × mark.
type Account struct {
	initial                 decimal.Decimal
	pos, basis, cash        decimal.Decimal
	realized, fees          decimal.Decimal
	turnover, volume        decimal.Decimal
	makerVolume, takerVolme decimal.Decimal
	funding                 decimal.Decimal
	fills                   uint64
	priceScale, qtyScale    fixed.Scale
	inverse                 bool // see NewInverseAccount
}

// NewAccount returns a flat account holding initial in the quote currency, reading
// fixed-point fills at the given scales.
func NewAccount(initial decimal.Decimal, priceScale, qtyScale fixed.Scale) *Account {
	return &Account{initial: initial, cash: initial, priceScale: priceScale, qtyScale: qtyScale}
}

// NewInverseAccount returns a flat account of an inverse (coin-margined) perpetual
// holding initial in the base coin: quantities are the contracts' value in the quote
// (USD), and PnL, fees, funding, cash and equity are in the coin. The open position's
// cost is kept as its coin value (Σ signed qty / price), so a long of Q USD from entry
// E marked at M is worth Q × (1/E − 1/M) coin, and
//
//	equity(mark) = initial + realized + unrealized(mark) − fees + funding = cash + unrealized(mark).
//
// Turnover and volume are in the quote (USD).
func NewInverseAccount(initial decimal.Decimal, priceScale, qtyScale fixed.Scale) *Account {
	a := NewAccount(initial, priceScale, qtyScale)
	a.inverse = true
	return a
}

// coinDigits are the decimals of the coin an inverse account divides to: ten orders
// below a satoshi.
const coinDigits = 18

// Inverse reports whether the account is an inverse perpetual's.
func (a *Account) Inverse() bool { return a.inverse }

// Fill books a fill in fixed-point units, qty at price on side, charging feeBps basis
// points of its notional exactly: the fee is not rounded to the price scale (the
// engine's int64 fee is; see Exchange). An inverse account's notional, and fee, are in
// the coin: qty / price.
func (a *Account) Fill(side orderbook.Side, price, qty int64, feeBps decimal.Decimal, maker bool) {
	p, q := a.priceScale.Decimal(price), a.qtyScale.Decimal(qty)
	if a.inverse {
		a.FillDecimal(side, p, q, q.Mul(feeBps).Shift(-4).DivRound(p, coinDigits), maker)
		return
	}
	a.FillDecimal(side, p, q, p.Mul(q).Mul(feeBps).Shift(-4), maker)
}

// FillDecimal books a fill of qty (> 0) at price on side, paying fee (negative for a
// rebate).
func (a *Account) FillDecimal(side orderbook.Side, price, qty, fee decimal.Decimal, maker bool) {
	notional := qty // an inverse account's contracts: their USD value is the notional
	if !a.inverse {
		notional = price.Mul(qty)
	}
	a.fills++
	a.turnover = a.turnover.Add(notional)
	a.volume = a.volume.Add(qty)
	if maker {
		a.makerVolume = a.makerVolume.Add(qty)
	} else {
		a.takerVolme = a.takerVolme.Add(qty)
	}
	a.fees = a.fees.Add(fee)
	a.cash = a.cash.Sub(fee)
	q := qty // signed quantity
	if side == orderbook.Ask {
		q = qty.Neg()
	}
	if a.inverse {
		a.fillInverse(q, price)
		return
	}
	a.cash = a.cash.Sub(q.Mul(price))
	if closeSigned, removed, ok := a.closing(q, 18); ok {
		a.realized = a.realized.Add(closeSigned.Neg().Mul(price)).Sub(removed)
		a.reduce(closeSigned, removed)
		q = q.Sub(closeSigned)
	}
	if !q.IsZero() {
		a.basis = a.basis.Add(q.Mul(price))
		a.pos = a.pos.Add(q)
	}
}

// fillInverse books the signed quantity q of an inverse account's fill: the position is
// in USD, its cost and everything it makes in the coin. Closing c USD of a long entered
// at basis b/pos realizes the closed share of the basis minus c / price (for a long of Q
// from E sold at X: Q/E − Q/X); a short the same with the signs turned.
func (a *Account) fillInverse(q, price decimal.Decimal) {
	if closeSigned, removed, ok := a.closing(q, coinDigits); ok {
		// −closeSigned is the closed position (positive for a long): its coin value
		// at the price leaves, its basis is realized.
		pnl := removed.Sub(closeSigned.Neg().DivRound(price, coinDigits))
		a.realized = a.realized.Add(pnl)
		a.cash = a.cash.Add(pnl)
		a.reduce(closeSigned, removed)
		q = q.Sub(closeSigned)
	}
	if !q.IsZero() {
		a.basis = a.basis.Add(q.DivRound(price, coinDigits))
		a.pos = a.pos.Add(q)
	}
}

// closing returns the part of a fill of signed quantity q that reduces the position
// (signed as q, at most the position) and the share of the basis it removes, rounded to
// digits; ok is false when the fill adds to the position or it is flat.
func (a *Account) closing(q decimal.Decimal, digits int32) (closeSigned, removed decimal.Decimal, ok bool) {
	if a.pos.IsZero() || a.pos.Sign() == q.Sign() {
		return decimal.Zero, decimal.Zero, false
	}
	posAbs := a.pos.Abs()
	closeAbs := decimal.Min(q.Abs(), posAbs)
	closeSigned = closeAbs
	if q.Sign() < 0 {
		closeSigned = closeAbs.Neg()
	}
	if closeAbs.Equal(posAbs) {
		return closeSigned, a.basis, true
	}
	return closeSigned, a.basis.Mul(closeAbs).DivRound(posAbs, digits), true
}

// reduce takes the closed quantity and the basis it carried out of the position.
func (a *Account) reduce(closeSigned, removed decimal.Decimal) {
	a.basis = a.basis.Sub(removed)
	a.pos = a.pos.Add(closeSigned)
	if a.pos.IsZero() {
		a.basis = decimal.Zero
	}
}

// Initial returns the starting balance.
func (a *Account) Initial() decimal.Decimal { return a.initial }

// Position returns the net position in base units.
func (a *Account) Position() decimal.Decimal { return a.pos }

// Basis returns the signed cost of the open position (position × average entry).
func (a *Account) Basis() decimal.Decimal { return a.basis }

// AvgEntry returns the average entry price of the open position, rounded to 8 decimals
// for display, or zero when flat (an inverse position's is the harmonic mean of its
// entries: its USD value over its coin cost).
func (a *Account) AvgEntry() decimal.Decimal {
	if a.pos.IsZero() {
		return decimal.Zero
	}
	if a.inverse {
		return a.pos.DivRound(a.basis, 8)
	}
	return a.basis.DivRound(a.pos, 8)
}

// Cash returns the quote balance: initial − buys + sells − fees (an inverse account's
// coin balance: initial + realized − fees + funding).
func (a *Account) Cash() decimal.Decimal { return a.cash }

// Realized returns realized PnL before fees.
func (a *Account) Realized() decimal.Decimal { return a.realized }

// Fees returns the fees paid (negative for net rebates).
func (a *Account) Fees() decimal.Decimal { return a.fees }

// Turnover returns the traded notional in quote units (an inverse account's contracts'
// USD value).
func (a *Account) Turnover() decimal.Decimal { return a.turnover }

// Volume returns the traded quantity in base units, and its maker and taker parts.
func (a *Account) Volume() (total, maker, taker decimal.Decimal) {
	return a.volume, a.makerVolume, a.takerVolme
}

// Fills returns the number of fills booked.
func (a *Account) Fills() uint64 { return a.fills }

// Unrealized returns the open position's PnL at mark (in the coin for an inverse
// account: its coin cost less its coin value at mark).
func (a *Account) Unrealized(mark decimal.Decimal) decimal.Decimal {
	if a.inverse {
		if a.pos.IsZero() || mark.Sign() <= 0 {
			return decimal.Zero
		}
		return a.basis.Sub(a.pos.DivRound(mark, coinDigits))
	}
	return a.pos.Mul(mark).Sub(a.basis)
}

// Equity returns initial + realized + unrealized(mark) − fees + funding.
func (a *Account) Equity(mark decimal.Decimal) decimal.Decimal {
	return a.initial.Add(a.realized).Add(a.Unrealized(mark)).Sub(a.fees).Add(a.funding)
}

// Funding books a perpetual's funding payment: amount is added to the cash (negative:
// paid).
func (a *Account) Funding(amount decimal.Decimal) {
	a.funding = a.funding.Add(amount)
	a.cash = a.cash.Add(amount)
}

// FundingTotal returns the funding received (negative: paid) so far.
func (a *Account) FundingTotal() decimal.Decimal { return a.funding }
