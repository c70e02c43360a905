package risk

import "github.com/nanotick/nanotick/fixed"

// AvgEntry returns the average entry price of the open position in price units, rounded
// to the nearest unit, or 0 when flat. Strategies read it; risk itself works from the basis.
// Like the other accessors, it belongs to the tick goroutine.
func (c *Checker) AvgEntry() int64 {
	a := &c.acct
	if a.pos == 0 {
		return 0
	}
	pos := a.pos
	if pos < 0 {
		pos = -pos
	}
	if a.inv {
		// basis is the coin cost, Σ qty × coinK / price: the entry is the harmonic mean
		// of the fills' prices, |pos| × coinK / basis, rounded to the nearest unit.
		if a.basis <= 0 {
			return 0
		}
		p, ok := fixed.MulDiv(pos, 2*a.coinK, a.basis)
		if !ok {
			return 0
		}
		return (p + 1) / 2
	}
	// basis is the entry notional in fine units: basis × div / |pos| is the price,
	// rounded to the nearest unit (each fill's notional was truncated by less than a
	// fine unit, so truncating here would show 60000.0 for fills all at 60000.1).
	p, ok := fixed.MulDiv(2*a.basis+pos/a.div, a.div, 2*pos)
	if !ok {
		return 0
	}
	return p
}
