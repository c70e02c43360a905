package risk

import "github.com/nanotick/nanotick/fixed"

// AvgEntry returns the average entry price of the open position in price units, truncated
// toward zero, or 0 when flat. Strategies read it; risk itself works from the basis.
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
	// basis is the entry notional in price units: basis × qUnit / |pos| is the price.
	p, ok := fixed.MulDiv(a.basis, a.qUnit, pos)
	if !ok {
		return 0
	}
	return p
}
