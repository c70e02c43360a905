package risk

import (
	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/orderbook"
)

// dayNanos is the length of a UTC day; Unix time has no leap seconds, so
// UTC midnight is a multiple of it.
const dayNanos = 86_400_000_000_000

// account is risk's own view of position and PnL, from fills and marks. It is
// deliberately independent of the engine's accounting: the loss limits must
// hold even if that one is wrong.
//
// Fees, funding and every figure the account gives out are in price units
// (the quote currency at the price scale). The notionals it sums (basis and
// realized) are kept sub times finer, because a fill's notional is rarely a
// whole number of price units: at Kraken's BTC/USD price unit of 0.1 USD a
// fill of 0.00001 BTC is worth 0.6 USD, and truncating each fill to the unit
// moved the average entry of a position of such fills by 2% (regression:
// TestAccountFineNotional).
type account struct {
	qUnit int64
	sub   int64 // fine units per price unit: notionals are price × qty / div
	div   int64 // qUnit / sub

	pos      int64 // net filled position, quantity units
	basis    int64 // entry notional of the open position, ≥ 0, fine units
	realized int64 // realized PnL before fees, fine units
	fees     int64 // fees paid (rebates negative)
	funding  int64 // a perpetual's funding received (negative: paid)

	mark   int64
	marked bool

	// inv is set for an inverse perpetual (see Instrument.Inverse): basis is then the
	// coin value of the open position (Σ qty / price) in units of 10^-inverseCoinDigits
	// coin, coinK turns qty / price into those units, and coin PnL is valued in fine
	// units at the price of the fill or mark that realizes or values it.
	inv   bool
	coinK int64 // 10^(price scale + inverseCoinDigits − qty scale)

	day      int64 // UTC day number of dayStart
	dayInit  bool
	dayStart int64 // equity at the day's start
	peak     int64 // highest equity seen (since New or the last Resume)
}

// fineDigits is how many decimals of the quote currency the account's notionals keep
// at least: finer than any venue's fee or price unit that matters for PnL.
const fineDigits = 8

// init sets the instrument's quantity unit and, from its price scale, how much finer
// than a price unit the notionals are kept: 10^(fineDigits − price scale), at most
// the quantity unit (then a notional is price × qty exactly).
func (a *account) init(qUnit int64, priceScale fixed.Scale) {
	a.qUnit, a.sub = qUnit, 1
	for d := int(priceScale); d < fineDigits && a.sub < qUnit; d++ {
		a.sub *= 10
	}
	a.div = qUnit / a.sub
}

// inverse switches the account to an inverse perpetual's accounting (Checker.New
// validated the scales).
func (a *account) inverse(priceScale, qtyScale fixed.Scale) {
	a.inv = true
	a.coinK = fixed.Scale(int(priceScale) + inverseCoinDigits - int(qtyScale)).Unit()
	// No price × qty product is kept, so the fine units need not divide the quantity
	// unit: always fineDigits decimals of the quote.
	a.sub = fixed.Scale(max(0, fineDigits-int(priceScale))).Unit()
}

// notional returns price × qty in fine units; for an inverse perpetual, the coin value
// qty / price in units of 10^-inverseCoinDigits coin.
func (a *account) notional(price, qty int64) (int64, bool) {
	if a.inv {
		if price <= 0 {
			return 0, false
		}
		return fixed.MulDiv(qty, a.coinK, price)
	}
	return fixed.MulDiv(price, qty, a.div)
}

// coinValue values a coin amount (units of 10^-inverseCoinDigits coin) at price, in
// fine units of the quote.
func (a *account) coinValue(coin, price int64) (int64, bool) {
	// coin × 10^-12 × price / 10^ps quote = coin × price × sub / 10^12 fine units.
	return fixed.MulDiv(coin, price, fixed.Scale(inverseCoinDigits).Unit()/a.sub)
}

// toPrice turns fine units into price units, truncating toward zero.
func (a *account) toPrice(fine int64) int64 { return fine / a.sub }

// realizedPrice returns realized PnL before fees in price units.
func (a *account) realizedPrice() int64 { return a.toPrice(a.realized) }

// fill applies one fill at the average-cost method: a fill that grows the
// position adds to its basis; one that shrinks it realizes the difference
// between the closed share of the basis and the fill's notional; one that
// flips it closes everything and opens the rest at the fill price. It
// returns false on overflow, leaving the account partly updated (the caller
// halts).
func (a *account) fill(side orderbook.Side, price, qty, fee int64) bool {
	var ok bool
	if a.fees, ok = add(a.fees, fee); !ok {
		return false
	}
	// p is the position seen from the fill's side (pos for a buy, −pos for
	// a sell), so that one code path serves both sides.
	p := a.pos
	if side == orderbook.Ask {
		p = -p
	}
	if p >= 0 { // the fill grows the position (or opens one)
		n, ok1 := a.notional(price, qty)
		b, ok2 := add(a.basis, n)
		np, ok3 := add(p, qty)
		if !ok1 || !ok2 || !ok3 {
			return false
		}
		a.basis, p = b, np
	} else {
		open := -p // opposite position being closed
		closeQty := min(qty, open)
		part, ok1 := fixed.MulDiv(a.basis, closeQty, open)
		n, ok2 := a.notional(price, closeQty)
		if !ok1 || !ok2 {
			return false
		}
		// Closing a long (a sell) gains n − part; closing a short (a buy)
		// gains part − n.
		pnl := n - part // closing a long
		if side == orderbook.Bid {
			pnl = part - n // closing a short
		}
		if a.inv {
			// In coin the signs turn: a long of Q USD gains Q/entry − Q/exit, and the
			// coin made is valued at the price it is made at.
			var ok bool
			if pnl, ok = a.coinValue(-pnl, price); !ok {
				return false
			}
		}
		r, ok3 := add(a.realized, pnl)
		if !ok3 {
			return false
		}
		a.realized = r
		a.basis -= part
		p += closeQty
		if rest := qty - closeQty; rest > 0 {
			n, ok := a.notional(price, rest)
			if !ok {
				return false
			}
			p, a.basis = rest, n
		} else if p == 0 {
			a.basis = 0
		}
	}
	if side == orderbook.Ask {
		p = -p
	}
	a.pos = p
	return true
}

// unrealized returns the open position's PnL at the last mark in price units;
// zero before the first mark (the position is then valued at its entry).
func (a *account) unrealized() (int64, bool) {
	u, ok := a.unrealizedFine()
	return a.toPrice(u), ok
}

// unrealizedFine is unrealized in fine units.
func (a *account) unrealizedFine() (int64, bool) {
	if a.pos == 0 || !a.marked {
		return 0, true
	}
	if a.inv {
		v, ok := a.notional(a.mark, abs64(a.pos))
		if !ok {
			return 0, false
		}
		u, ok := sub(a.basis, v) // a long's coin PnL
		if !ok {
			return 0, false
		}
		if a.pos < 0 {
			u = -u
		}
		return a.coinValue(u, a.mark)
	}
	if a.pos > 0 {
		v, ok := a.notional(a.mark, a.pos)
		if !ok {
			return 0, false
		}
		return sub(v, a.basis)
	}
	v, ok := a.notional(a.mark, -a.pos)
	if !ok {
		return 0, false
	}
	return sub(a.basis, v)
}

// equity returns realized − fees + funding + unrealized in price units, the
// notionals summed in fine units before they are truncated once.
func (a *account) equity() (int64, bool) {
	u, ok := a.unrealizedFine()
	if !ok {
		return 0, false
	}
	pnl, ok := add(a.realized, u)
	if !ok {
		return 0, false
	}
	e, ok := sub(a.toPrice(pnl), a.fees)
	if !ok {
		return 0, false
	}
	return add(e, a.funding)
}

// rollDay starts a new day's loss budget when now is in a later UTC day than
// the current one. The first day starts at the equity New began with (zero),
// so losses before the first mark still count.
func (a *account) rollDay(now int64) {
	d := now / dayNanos
	if now < 0 && now%dayNanos != 0 {
		d-- // floor, for clocks before 1970 in tests
	}
	if !a.dayInit {
		a.day, a.dayInit = d, true
		return
	}
	if d <= a.day {
		return
	}
	if eq, ok := a.equity(); ok {
		a.day, a.dayStart = d, eq
	}
}
