// Package spotperp is the example spot market maker hedged on the perpetual, written in
// Go: the twin of examples/strategies/spot_perp_mm.js, the same logic, so that the two
// can be compared for behaviour and for what the script VM costs.
//
// It quotes Binance Spot BTCUSDT around a fair price taken from the USD-M perpetual's
// book, which leads the spot market: the perp's mid plus the basis (spot mid minus perp
// mid) averaged over time, so that a move of the perp moves the quotes at once while the
// slow premium between the two markets is kept. The quotes are skewed against the net
// inventory, and the spot inventory is hedged with IOC orders on the perp whenever the
// net position over both instruments reaches the hedge size. A side is requoted only
// when its target moved by more than a threshold: every replace loses queue position.
package spotperp

import (
	"math"

	"github.com/nanotick/nanotick/strategy"
)

// The instruments, as the engine names them.
const (
	Spot = "binance-spot:BTCUSDT"
	Perp = "binance-usdm:BTCUSDT"
)

// MM is the strategy. Its fields are its parameters and state.
type MM struct {
	strategy.Base

	halfSpreadBps float64 // distance of each spot quote from the fair price
	size          float64 // quantity of each spot quote
	maxPosition   float64 // net inventory beyond which the side that grows it stops quoting
	skewBps       float64 // fair-price shift at full inventory
	requoteBps    float64 // target move that justifies a requote
	hedgeSize     float64 // net position that triggers a hedge on the perp (its minimum order)
	hedgeSlipBps  float64 // how far through the perp's touch a hedge may fill
	basisAlpha    float64 // weight of each new basis observation in its average

	spot, perp   *strategy.Market
	basis        float64 // average of spot mid − perp mid
	haveBasis    bool
	bidID, askID uint64
	bidPx, askPx float64
	hedgeID      uint64 // the hedge in flight, 0 when none
}

// New returns the strategy; its parameters are read in Init.
func New() *MM { return &MM{} }

// Init binds the two instruments and declares the parameters.
func (m *MM) Init(ctx *strategy.Context) error {
	var err error
	if m.spot, err = ctx.Bind(Spot); err != nil {
		return err
	}
	if m.perp, err = ctx.Bind(Perp); err != nil {
		return err
	}
	m.halfSpreadBps = ctx.Param("halfSpreadBps", 1.5)
	m.size = ctx.Param("size", 0.001)
	m.maxPosition = ctx.Param("maxPosition", 0.01)
	m.skewBps = ctx.Param("skewBps", 2)
	m.requoteBps = ctx.Param("requoteBps", 0.5)
	m.hedgeSize = ctx.Param("hedgeSize", 0.002)
	m.hedgeSlipBps = ctx.Param("hedgeSlipBps", 5)
	m.basisAlpha = ctx.Param("basisAlpha", 0.01)
	return nil
}

// OnBook requotes spot after a book update of either instrument, and hedges.
func (m *MM) OnBook(ctx *strategy.Context) error {
	spot, perp := m.spot, m.perp
	if !spot.BookValid() || !perp.BookValid() {
		// Never quote off a book that may be wrong: the fair price needs both.
		spot.CancelAll()
		m.bidID, m.askID = 0, 0
		return nil
	}
	spotMid, perpMid := spot.Mid(), perp.Mid()
	if !m.haveBasis {
		m.basis, m.haveBasis = spotMid-perpMid, true
	} else if ctx.Event() == spot {
		m.basis += m.basisAlpha * (spotMid - perpMid - m.basis)
	}
	net := spot.Position() + perp.Position()
	m.hedge(net)

	fair := perpMid + m.basis
	inventory := max(-1, min(1, spot.Position()/m.maxPosition))
	fair *= 1 - m.skewBps*inventory/1e4
	tick := spot.TickSize()
	// Post-only quotes must stay at least a tick inside the other side.
	bid := min(fair*(1-m.halfSpreadBps/1e4), spot.Price(strategy.Sell, 0)-tick)
	ask := max(fair*(1+m.halfSpreadBps/1e4), spot.Price(strategy.Buy, 0)+tick)
	threshold := spotMid * m.requoteBps / 1e4
	m.bidID, m.bidPx = m.quote(strategy.Buy, m.bidID, m.bidPx, bid, inventory < 1, threshold)
	m.askID, m.askPx = m.quote(strategy.Sell, m.askID, m.askPx, ask, inventory > -1, threshold)
	return nil
}

// hedge sends an IOC on the perp against the net position once it reaches the hedge
// size, one at a time, in whole perp lots, priced hedgeSlipBps through the touch.
func (m *MM) hedge(net float64) {
	if m.hedgeID != 0 || math.Abs(net) < m.hedgeSize {
		return
	}
	perp := m.perp
	lot := perp.LotSize()
	qty := math.Floor(math.Abs(net)/lot+1e-9) * lot
	if net > 0 {
		px := perp.Price(strategy.Buy, 0) * (1 - m.hedgeSlipBps/1e4)
		m.hedgeID = perp.Sell(px, qty, strategy.IOC)
	} else {
		px := perp.Price(strategy.Sell, 0) * (1 + m.hedgeSlipBps/1e4)
		m.hedgeID = perp.Buy(px, qty, strategy.IOC)
	}
}

// quote keeps one spot side's order at target: it places one if there is none, replaces
// it if the target moved past threshold, and cancels it if the side should not quote.
func (m *MM) quote(side strategy.Side, id uint64, px, target float64, want bool, threshold float64) (uint64, float64) {
	spot := m.spot
	switch {
	case !want:
		if id != 0 {
			spot.Cancel(id)
		}
		return 0, 0
	case id == 0:
		if side == strategy.Buy {
			return spot.Buy(target, m.size, strategy.PostOnly), target
		}
		return spot.Sell(target, m.size, strategy.PostOnly), target
	case math.Abs(target-px) > threshold:
		return spot.Replace(id, target, m.size, strategy.PostOnly), target
	}
	return id, px
}

// OnFill hedges at once when a spot fill takes the net position to the hedge size.
func (m *MM) OnFill(ctx *strategy.Context, f *strategy.Fill) error {
	if f.Instrument == m.spot.Index() && m.perp.BookValid() {
		m.hedge(m.spot.Position() + m.perp.Position())
	}
	return nil
}

// OnOrder forgets an order once it is gone.
func (m *MM) OnOrder(ctx *strategy.Context, u *strategy.OrderUpdate) error {
	switch u.Status {
	case strategy.Rejected, strategy.Cancelled, strategy.Filled:
		switch u.OrderID {
		case m.bidID:
			m.bidID = 0
		case m.askID:
			m.askID = 0
		case m.hedgeID:
			m.hedgeID = 0
		}
	}
	return nil
}
