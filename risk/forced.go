package risk

import (
	"fmt"

	"github.com/nanotick/nanotick/orderbook"
)

// OnForcedFill books a fill the venue made on the account without an order of ours: a
// perpetual's liquidation or auto-deleveraging closing the position (side Ask sells,
// Bid buys), at price, with fee in price units. The position, PnL and the perpetual
// limits move as for any fill; no working order changes.
func (c *Checker) OnForcedFill(side orderbook.Side, price, qty, fee int64) error {
	c.observe()
	if price <= 0 || qty <= 0 {
		c.halt(ReasonBookkeeping)
		return fmt.Errorf("risk: forced fill (price %d, qty %d): %w", price, qty, ErrInvalidFill)
	}
	if !c.acct.fill(side, price, qty, fee) {
		c.halt(ReasonBookkeeping)
		return fmt.Errorf("risk: forced fill: %w", ErrOverflow)
	}
	c.evaluatePerp()
	c.evaluate()
	if c.port != nil {
		c.port.evaluate()
	}
	return nil
}
