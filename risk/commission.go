package risk

import (
	"fmt"

	"github.com/nanotick/nanotick/fixed"
)

// OnBaseCommission takes a commission the venue charged in the base asset out of the
// position: a buy whose commission Binance takes in the bought asset (faqs/
// commission_faq.md) delivers the fill's quantity less the commission, so the account
// holds less than the fill added, and a later sell of the whole position would fail
// for insufficient balance. The qty units (quantity units, > 0) leave the position at
// its average entry price, so no PnL is realized: their value is the fee the fill
// already reported, valued in the quote currency at the fill price. A short grows by
// qty at its average entry likewise. It halts with ReasonBookkeeping on overflow.
func (c *Checker) OnBaseCommission(qty int64) error {
	c.observe()
	if qty <= 0 {
		return fmt.Errorf("risk: base commission %d: %w", qty, ErrInvalidFill)
	}
	a := &c.acct
	switch {
	case a.pos > 0:
		take := min(qty, a.pos)
		part, ok := fixed.MulDiv(a.basis, take, a.pos)
		if !ok {
			c.halt(ReasonBookkeeping)
			return fmt.Errorf("risk: base commission: %w", ErrOverflow)
		}
		a.basis -= part
		a.pos -= take
		if rest := qty - take; rest > 0 {
			a.pos -= rest // beyond a flat position: a short at no basis
		}
	default:
		// Flat or short: the short grows at its average entry.
		var add int64
		if a.pos < 0 {
			var ok bool
			if add, ok = fixed.MulDiv(a.basis, qty, -a.pos); !ok {
				c.halt(ReasonBookkeeping)
				return fmt.Errorf("risk: base commission: %w", ErrOverflow)
			}
		}
		a.basis += add
		a.pos -= qty
	}
	c.evaluate()
	return nil
}
