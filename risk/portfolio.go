package risk

import (
	"errors"
	"fmt"
	"math/bits"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/orderbook"
)

// PortfolioConfig are the limits over all of one strategy's instruments together. Every
// amount is in the quote asset the instruments share (USDT for Binance's BTCUSDT spot
// and perpetual), and positions in base asset units. A zero limit is not enforced.
type PortfolioConfig struct {
	// MaxGrossNotional bounds the sum over instruments of |position| plus every
	// working order, valued at the instrument's mark (working orders at their price).
	MaxGrossNotional decimal.Decimal
	// MaxNetPosition bounds the net position in each base asset across instruments,
	// worst case (every working order on the order's side fills): a spot long hedged by
	// a perpetual short of the same size is flat.
	MaxNetPosition decimal.Decimal
	// MaxTotalLoss halts every instrument when their PnL together (realized, minus fees,
	// plus unrealized) falls below -MaxTotalLoss.
	MaxTotalLoss decimal.Decimal
	// MaxDrawdown halts every instrument when their PnL together falls MaxDrawdown
	// below its peak.
	MaxDrawdown decimal.Decimal
}

// Enabled reports whether any portfolio limit is set.
func (c PortfolioConfig) Enabled() bool {
	return !c.MaxGrossNotional.IsZero() || !c.MaxNetPosition.IsZero() || !c.MaxTotalLoss.IsZero() || !c.MaxDrawdown.IsZero()
}

// Portfolio is the thin layer above the instruments' Checkers: it checks each order a
// Checker has passed against the limits over all instruments, and halts every
// instrument when the loss or drawdown over all of them is breached. Each instrument's
// own checks are unchanged. It belongs to the engine's tick goroutine, like the Checkers,
// and never allocates after NewPortfolio.
//
// Amounts are summed in common units: notional at the largest price scale of the
// instruments, positions at the largest quantity scale among the instruments of each
// base asset. Every conversion and sum is overflow-checked and fails closed.
type Portfolio struct {
	legs           []leg
	maxGross       int64 // at the common price scale; 0 = none
	grossLimit     wide  // maxGross × the common quantity unit, for the exact sum
	maxNet         int64 // at the common quantity scale; 0 = none
	maxLoss, maxDD int64 // at the common price scale; 0 = none
	peak           int64
	halted         Reason // the breach that halted every instrument, or ReasonOK
}

// leg is one instrument in the portfolio.
type leg struct {
	c     *Checker
	asset int   // index of its base asset
	pMul  int64 // multiplies its price units into the common price scale
	qMul  int64 // multiplies its quantity units into the common quantity scale
}

// ErrQuoteMismatch refuses instruments quoted in different assets: their amounts
// cannot be summed without a conversion, which is not configured.
var ErrQuoteMismatch = errors.New("instruments are quoted in different assets")

// NewPortfolio returns the portfolio layer over checkers, checkers[i] guarding
// table's instrument i, and attaches it to them: from then on each Checker's Check
// consults it after its own checks pass, and each fill and mark evaluates the total
// loss. The common scales are the largest price and quantity scales of the instruments.
func NewPortfolio(cfg PortfolioConfig, table *instrument.Table, checkers []*Checker) (*Portfolio, error) {
	if table == nil || table.Len() != len(checkers) {
		return nil, errors.New("risk: portfolio: one checker per instrument is required")
	}
	first := table.At(0)
	var pScale, qScale fixed.Scale
	for i, c := range checkers {
		s := table.At(instrument.Index(i))
		if s.Quote != first.Quote {
			return nil, fmt.Errorf("risk: portfolio: %w: %s in %s, %s in %s", ErrQuoteMismatch, first.ID, first.Quote, s.ID, s.Quote)
		}
		if c == nil || c.inst.PriceScale != s.PriceScale || c.inst.QtyScale != s.QtyScale {
			return nil, fmt.Errorf("risk: portfolio: instrument %s: its checker is missing or has other scales", s.ID)
		}
		pScale, qScale = max(pScale, s.PriceScale), max(qScale, s.QtyScale)
	}
	p := &Portfolio{}
	assets := map[string]int{}
	for i, c := range checkers {
		s := table.At(instrument.Index(i))
		a, ok := assets[s.Base]
		if !ok {
			a = len(assets)
			assets[s.Base] = a
		}
		p.legs = append(p.legs, leg{c: c, asset: a,
			pMul: pScale.Unit() / s.PriceScale.Unit(), qMul: qScale.Unit() / s.QtyScale.Unit()})
	}
	var err error
	conv := func(name string, d decimal.Decimal, scale fixed.Scale) int64 {
		if err != nil || d.IsZero() {
			return 0
		}
		if d.IsNegative() {
			err = fmt.Errorf("risk: portfolio: %s %s: must not be negative", name, d)
			return 0
		}
		v, e := scale.FromDecimal(d)
		if e != nil {
			err = fmt.Errorf("risk: portfolio: %s %s: %w", name, d, e)
		}
		return v
	}
	p.maxGross = conv("max gross notional", cfg.MaxGrossNotional, pScale)
	p.grossLimit.hi, p.grossLimit.lo = bits.Mul64(uint64(p.maxGross), uint64(qScale.Unit()))
	p.maxNet = conv("max net position", cfg.MaxNetPosition, qScale)
	p.maxLoss = conv("max total loss", cfg.MaxTotalLoss, pScale)
	p.maxDD = conv("max drawdown", cfg.MaxDrawdown, pScale)
	if err != nil {
		return nil, err
	}
	for i := range checkers {
		if s := table.At(instrument.Index(i)); s.Inverse && p.maxNet > 0 {
			// The net position sums base quantities; an inverse perpetual's position is
			// the quote value of its contracts.
			return nil, fmt.Errorf("risk: portfolio: max net position: instrument %s is inverse (its position is in %s, not %s): leave the limit unset", s.ID, s.Quote, s.Base)
		}
	}
	for i, c := range checkers {
		c.port, c.portIdx = p, instrument.Index(i)
	}
	return p, nil
}

// Resume clears a portfolio loss halt and restarts the drawdown from the current
// total; each instrument's Checker is resumed on its own (Checker.Resume).
func (p *Portfolio) Resume() {
	p.halted, p.peak = ReasonOK, 0
	p.evaluate()
}

// Breach returns the loss limit that halted every instrument, or ReasonOK.
func (p *Portfolio) Breach() Reason { return p.halted }

// check decides whether order o of instrument i, already passed by its Checker, fits
// the portfolio's limits. It has no side effect.
func (p *Portfolio) check(i instrument.Index, o *Order) Reason {
	if p.halted != ReasonOK {
		return p.halted
	}
	me := &p.legs[i]
	if p.maxNet > 0 {
		// Worst case on the order's side: every working order on that side fills.
		var net int64
		ok := true
		for k := range p.legs {
			l := &p.legs[k]
			if l.asset != me.asset {
				continue
			}
			var side int64               // this leg's worst case on the order's side, its units
			if o.Side == orderbook.Bid { // a buy: the long side
				side, ok = add(l.c.acct.pos, l.c.pendBuy)
			} else {
				side, ok = add(-l.c.acct.pos, l.c.pendSell)
			}
			if !ok {
				return ReasonPortfolioPosition
			}
			v, ok := mul64(side, l.qMul)
			if !ok {
				return ReasonPortfolioPosition
			}
			if net, ok = add(net, v); !ok {
				return ReasonPortfolioPosition
			}
		}
		q, ok := mul64(o.Qty, me.qMul)
		if !ok {
			return ReasonPortfolioPosition
		}
		if net, ok = add(net, q); !ok || net > p.maxNet {
			return ReasonPortfolioPosition
		}
	}
	if p.maxGross > 0 {
		// Summed exactly, in price units at the common price scale times quantity
		// units at the common quantity scale (128 bits): a notional truncated to the
		// price scale of each term would let the total past the limit by a unit a term
		// (seen: a perp at 2 decimals beside spot at 8, 0.002 over).
		var gross wide
		for k := range p.legs {
			l := &p.legs[k]
			c := l.c
			pos := c.acct.pos
			if pos < 0 {
				pos = -pos
			}
			if pos != 0 {
				if !c.acct.marked {
					return ReasonPortfolioNotional // a position with no price: fail closed
				}
				if !gross.addNotional(c.acct.mark, pos, l) {
					return ReasonPortfolioNotional
				}
			}
			for w := range c.work {
				if !gross.addNotional(c.work[w].price, c.work[w].rem, l) {
					return ReasonPortfolioNotional
				}
			}
		}
		if !gross.addNotional(o.Price, o.Qty, me) || gross.greater(p.grossLimit) {
			return ReasonPortfolioNotional
		}
	}
	return ReasonOK
}

// evaluate halts every instrument when the total loss or drawdown is breached. The
// Checkers call it after each fill and mark.
func (p *Portfolio) evaluate() {
	if p.halted != ReasonOK || p.maxLoss == 0 && p.maxDD == 0 {
		return
	}
	var total int64
	for k := range p.legs {
		eq, ok := p.legs[k].c.acct.equity()
		if ok {
			total, ok = addScaled(total, eq, p.legs[k].pMul)
		}
		if !ok {
			p.haltAll(ReasonBookkeeping)
			return
		}
	}
	if total > p.peak {
		p.peak = total
	}
	switch {
	case p.maxLoss > 0 && -total > p.maxLoss:
		p.haltAll(ReasonPortfolioLoss)
	case p.maxDD > 0 && p.peak-total > p.maxDD:
		p.haltAll(ReasonPortfolioDrawdown)
	}
}

func (p *Portfolio) haltAll(cause Reason) {
	p.halted = cause
	for k := range p.legs {
		p.legs[k].c.halt(cause)
	}
}

// addScaled returns a + v×mul, overflow-checked.
func addScaled(a, v, mul int64) (int64, bool) {
	m, ok := mul64(v, mul)
	if !ok {
		return 0, false
	}
	return add(a, m)
}

// mul64 returns a×b and false on overflow.
func mul64(a, b int64) (int64, bool) {
	if a == 0 || b == 0 {
		return 0, true
	}
	c := a * b
	if c/b != a || (a == -1 && b == -1<<63) || (b == -1 && a == -1<<63) {
		return 0, false
	}
	return c, true
}

// wide is an unsigned 128-bit sum of notionals.
type wide struct{ hi, lo uint64 }

// addNotional adds |price × qty| of leg l, both converted to the common scales, and
// reports false on overflow (or a negative price, which no notional has). An inverse
// leg's quantity is its notional: the price counts as one unit.
func (w *wide) addNotional(price, qty int64, l *leg) bool {
	if price < 0 {
		return false
	}
	price = l.c.notionalPrice(price)
	if qty < 0 {
		qty = -qty
	}
	pc, ok := mul64(price, l.pMul)
	if !ok {
		return false
	}
	qc, ok := mul64(qty, l.qMul)
	if !ok {
		return false
	}
	hi, lo := bits.Mul64(uint64(pc), uint64(qc))
	var carry uint64
	w.lo, carry = bits.Add64(w.lo, lo, 0)
	w.hi, carry = bits.Add64(w.hi, hi, carry)
	return carry == 0
}

// greater reports whether w > v.
func (w wide) greater(v wide) bool { return w.hi > v.hi || w.hi == v.hi && w.lo > v.lo }
