package engine

import (
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/orderbook"
)

// OnForcedFill books on instrument i a fill the venue forced on the account, with no
// order of the strategy behind it: a liquidation or an auto-deleveraging closing a
// perpetual's position (side Ask: sold, Bid: bought), at price and quantity in the
// instrument's units, fee in price units. Risk's position and PnL take it, so that the
// engine's position stays the venue's; the strategy sees the position change, not a
// fill of one of its orders (the gateway has halted it already). It is counted apart
// from the strategy's fills.
func (e *Engine) OnForcedFill(i instrument.Index, side orderbook.Side, price, qty, fee int64, now int64) {
	if int(i) >= len(e.slots) {
		return
	}
	e.advance(now)
	e.counters.ForcedFills++
	if err := e.slots[i].risk.OnForcedFill(side, price, qty, fee); err != nil {
		e.log.Error().Err(err).Msg("forced fill risk could not apply")
	}
	e.afterEvent()
}
