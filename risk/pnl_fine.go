package risk

import "github.com/nanotick/nanotick/fixed"

// PnLFine returns realized PnL (before fees) and unrealized PnL at the last mark as the
// account keeps them, in fine units, with the scale of those units (at least the price
// scale). PnL truncates both to price units, which for a coarse price unit hides what a
// small position makes: USD-M BTCUSDT's unit is 0.01 USDT, so a 0.002 BTC round trip
// 1.2 USDT apart (0.0024 USDT) read as 0. Every read-out of PnL (the strategy's, the
// run's summary and JSON report) takes it from here; limits keep using price units.
func (c *Checker) PnLFine() (realized, unrealized int64, scale fixed.Scale) {
	u, _ := c.acct.unrealizedFine()
	scale = c.inst.PriceScale // plus one digit per factor of ten in sub (a power of ten)
	for f := c.acct.sub; f > 1; f /= 10 {
		scale++
	}
	return c.acct.realized, u, scale
}
