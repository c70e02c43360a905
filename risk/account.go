package risk

import (
	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/orderbook"
)

// dayNanos is the length of a UTC day; Unix time has no leap seconds, so
// UTC midnight is a multiple of it.
const dayNanos = 86_400_000_000_000

// account is risk's own view of position and PnL, from fills and marks, in
// price units (the quote currency at the price scale). It is deliberately
// independent of the engine's accounting: the loss limits must hold even if
// that one is wrong.
type account struct {
	qUnit int64

	pos      int64 // net filled position, quantity units
	basis    int64 // entry notional of the open position, ≥ 0
	realized int64 // realized PnL before fees
	fees     int64 // fees paid (rebates negative)
	funding  int64 // a perpetual's funding received (negative: paid)

	mark   int64
	marked bool

	day      int64 // UTC day number of dayStart
	dayInit  bool
	dayStart int64 // equity at the day's start
	peak     int64 // highest equity seen (since New or the last Resume)
}

func (a *account) init(qUnit int64) { a.qUnit = qUnit }

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
		n, ok1 := fixed.MulDiv(price, qty, a.qUnit)
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
		n, ok2 := fixed.MulDiv(price, closeQty, a.qUnit)
		if !ok1 || !ok2 {
			return false
		}
		// Closing a long (a sell) gains n − part; closing a short (a buy)
		// gains part − n.
		pnl := n - part // closing a long
		if side == orderbook.Bid {
			pnl = part - n // closing a short
		}
		r, ok3 := add(a.realized, pnl)
		if !ok3 {
			return false
		}
		a.realized = r
		a.basis -= part
		p += closeQty
		if rest := qty - closeQty; rest > 0 {
			n, ok := fixed.MulDiv(price, rest, a.qUnit)
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

// unrealized returns the open position's PnL at the last mark; zero before
// the first mark (the position is then valued at its entry).
func (a *account) unrealized() (int64, bool) {
	if a.pos == 0 || !a.marked {
		return 0, true
	}
	if a.pos > 0 {
		v, ok := fixed.MulDiv(a.mark, a.pos, a.qUnit)
		if !ok {
			return 0, false
		}
		return sub(v, a.basis)
	}
	v, ok := fixed.MulDiv(a.mark, -a.pos, a.qUnit)
	if !ok {
		return 0, false
	}
	return sub(a.basis, v)
}

// equity returns realized − fees + funding + unrealized.
func (a *account) equity() (int64, bool) {
	u, ok := a.unrealized()
	if !ok {
		return 0, false
	}
	e, ok := sub(a.realized, a.fees)
	if !ok {
		return 0, false
	}
	if e, ok = add(e, a.funding); !ok {
		return 0, false
	}
	return add(e, u)
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
