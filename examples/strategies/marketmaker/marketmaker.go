// Package marketmaker is the example market maker written in Go, the twin of
// examples/strategies/market_maker.js: the same logic, so that the two can be compared
// for behaviour and for what the script VM costs.
//
// It quotes one bid and one ask around the mid, shifted against its inventory so that a
// long position is offered more aggressively and bid less (and the reverse when short),
// and it requotes a side only when that side's target price has moved by more than a
// threshold, because every cancel and replace costs queue position and rate limit.
package marketmaker

import (
	"github.com/nanotick/nanotick/strategy"
)

// MarketMaker is the strategy. Its fields are its parameters and state.
type MarketMaker struct {
	strategy.Base

	halfSpreadBps float64 // distance of each quote from the fair price, in basis points
	size          float64 // quantity of each quote
	maxPosition   float64 // inventory beyond which the side that grows it stops quoting
	skewBps       float64 // fair-price shift at full inventory, in basis points
	requoteBps    float64 // target move that justifies a requote, in basis points

	bidID, askID uint64
	bidPx, askPx float64
}

// New returns a market maker; its parameters are read in Init.
func New() *MarketMaker { return &MarketMaker{} }

// Init declares the parameters and their defaults.
func (m *MarketMaker) Init(ctx *strategy.Context) error {
	m.halfSpreadBps = ctx.Param("halfSpreadBps", 1.5)
	m.size = ctx.Param("size", 0.001)
	m.maxPosition = ctx.Param("maxPosition", 0.01)
	m.skewBps = ctx.Param("skewBps", 2)
	m.requoteBps = ctx.Param("requoteBps", 0.5)
	return nil
}

// OnBook requotes each side whose target has moved, and pulls both quotes when the book
// cannot be trusted.
func (m *MarketMaker) OnBook(ctx *strategy.Context) error {
	if !ctx.BookValid() {
		ctx.CancelAll()
		return nil
	}
	mid := ctx.Mid()
	bestBid := ctx.Price(strategy.Buy, 0)
	bestAsk := ctx.Price(strategy.Sell, 0)
	tick := ctx.TickSize()

	// Inventory in [-1, 1] shifts the fair price against the position.
	inventory := ctx.Position() / m.maxPosition
	inventory = max(-1, min(1, inventory))
	fair := mid * (1 - m.skewBps*inventory/1e4)
	bid := fair * (1 - m.halfSpreadBps/1e4)
	ask := fair * (1 + m.halfSpreadBps/1e4)
	// Post-only quotes must not cross: stay at least a tick inside the other side.
	bid = min(bid, bestAsk-tick)
	ask = max(ask, bestBid+tick)

	threshold := mid * m.requoteBps / 1e4
	m.bidID, m.bidPx = m.quote(ctx, strategy.Buy, m.bidID, m.bidPx, bid, inventory < 1, threshold)
	m.askID, m.askPx = m.quote(ctx, strategy.Sell, m.askID, m.askPx, ask, inventory > -1, threshold)
	return nil
}

// quote keeps one side's order at target: it places one if there is none, replaces it if
// the target moved past threshold, and cancels it if the side should not quote.
func (m *MarketMaker) quote(ctx *strategy.Context, side strategy.Side, id uint64, px, target float64, want bool, threshold float64) (uint64, float64) {
	switch {
	case !want:
		if id != 0 {
			ctx.Cancel(id)
		}
		return 0, 0
	case id == 0:
		return m.place(ctx, side, target), target
	case abs(target-px) > threshold:
		return ctx.Replace(id, target, m.size, strategy.PostOnly), target
	}
	return id, px
}

func (m *MarketMaker) place(ctx *strategy.Context, side strategy.Side, px float64) uint64 {
	if side == strategy.Buy {
		return ctx.Buy(px, m.size, strategy.PostOnly)
	}
	return ctx.Sell(px, m.size, strategy.PostOnly)
}

// OnOrder forgets a quote once it is gone, so the next book update places a new one.
func (m *MarketMaker) OnOrder(ctx *strategy.Context, u *strategy.OrderUpdate) error {
	switch u.Status {
	case strategy.Rejected, strategy.Cancelled, strategy.Filled:
		if u.OrderID == m.bidID {
			m.bidID = 0
		}
		if u.OrderID == m.askID {
			m.askID = 0
		}
	}
	return nil
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
