package risk

import (
	"fmt"
	"math"
	"time"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/perp"
)

// PerpConfig are the limits of a perpetual futures position, beside Config's. Each limit
// is optional: a zero value leaves it unchecked, because a spot instrument has none of
// them. Set any of them and Collateral is required, since each is measured against the
// money the position trades on.
type PerpConfig struct {
	// Collateral is the wallet balance the position trades on, in quote units: the
	// isolated margin, or the part of the cross wallet given to this instrument. The
	// equity the limits use is Collateral + realized − fees + funding + unrealized PnL.
	Collateral decimal.Decimal
	// MaxLeverage is the largest position notional (at the mark, or at the order's
	// price when that is higher) over the equity, counting every working order on the
	// order's side as filled. At most 3 decimals.
	MaxLeverage decimal.Decimal
	// MinLiquidationDistanceBps is the smallest distance from the mark to the
	// position's liquidation price, in basis points of the mark. When the mark comes
	// closer, risk goes to Reducing: no new exposure, only orders that shrink the
	// position. An order that would bring it closer is rejected. Needs Brackets.
	MinLiquidationDistanceBps decimal.Decimal
	// MaxFundingPaid is the largest funding the position may pay in total, net of
	// what it received, in quote units; beyond it risk goes to Reducing.
	MaxFundingPaid decimal.Decimal
	// Brackets are the symbol's maintenance margin tiers (GET
	// /fapi/v1/leverageBracket) for the liquidation price.
	Brackets perp.Brackets
	// MarkStaleAfter, when positive, refuses every new order and modify of the
	// perpetual (ReasonStaleMark) while the venue's mark price has not arrived
	// (OnMarkPriceAt) or the last one is older than this. It needs no Collateral: it
	// guards a live feed (Binance serves markPrice on its /market path only, and a feed
	// on the wrong path gets none, silently), not the position.
	MarkStaleAfter time.Duration
}

// enabled reports whether any perpetual limit is set.
func (p *PerpConfig) enabled() bool {
	return !p.MaxLeverage.IsZero() || !p.MinLiquidationDistanceBps.IsZero() || !p.MaxFundingPaid.IsZero()
}

// perpLimits is PerpConfig in the units the checks use. The liquidation price is
// computed in float64 from the brackets (closed form, no allocation), so that a mark on
// every tick can be checked; TestLiquidationPriceMatchesPerp holds it to perp's
// decimal LiquidationPrice.
type perpLimits struct {
	on          bool
	collateral  int64 // price units
	levMilli    int64 // thousandths; 0: unchecked
	liqMicro    int64 // millionths of the mark; 0: unchecked
	maxFunding  int64 // price units; 0: unchecked
	brackets    []floatBracket
	priceUnit   float64
	qtyUnit     float64
	fundingPaid int64 // net funding paid so far, price units
	// mark is the venue's mark price (OnMarkPrice), on which it liquidates, in price
	// units; 0 before the first, when the book's mid stands in.
	mark int64
	// markStale is MarkStaleAfter in ns (0: unchecked); markAt the local time of the
	// last mark (OnMarkPriceAt), 0 before the first.
	markStale, markAt int64
}

type floatBracket struct{ cap, mmr, cum float64 }

// perpLimits validates and converts cfg; each error names the field.
func (cfg *PerpConfig) limits(in Instrument) (perpLimits, error) {
	var l perpLimits
	if cfg.MarkStaleAfter < 0 {
		return l, fmt.Errorf("risk: config Perp.MarkStaleAfter %v: %w", cfg.MarkStaleAfter, errNotPositive)
	}
	l.markStale = int64(cfg.MarkStaleAfter)
	if !cfg.enabled() {
		return l, nil
	}
	conv := func(name string, d decimal.Decimal, s fixed.Scale, need bool) (int64, error) {
		if d.IsZero() && !need {
			return 0, nil
		}
		if !d.IsPositive() {
			return 0, fmt.Errorf("risk: config %s %s: %w", name, d, errNotPositive)
		}
		v, err := s.FromDecimal(d)
		if err != nil {
			return 0, fmt.Errorf("risk: config %s %s at %d decimals: %w", name, d, s, err)
		}
		return v, nil
	}
	var err error
	l.on = true
	if l.collateral, err = conv("Perp.Collateral", cfg.Collateral, in.PriceScale, true); err != nil {
		return l, fmt.Errorf("%w (the perpetual limits are measured against it)", err)
	}
	if l.levMilli, err = conv("Perp.MaxLeverage", cfg.MaxLeverage, 3, false); err != nil {
		return l, err
	}
	// 1 bp = 100 millionths: two decimals of bps are exact.
	if l.liqMicro, err = conv("Perp.MinLiquidationDistanceBps", cfg.MinLiquidationDistanceBps, 2, false); err != nil {
		return l, err
	}
	if l.liqMicro >= 1_000_000 {
		return l, fmt.Errorf("risk: config Perp.MinLiquidationDistanceBps %s: must be below 10000", cfg.MinLiquidationDistanceBps)
	}
	if l.maxFunding, err = conv("Perp.MaxFundingPaid", cfg.MaxFundingPaid, in.PriceScale, false); err != nil {
		return l, err
	}
	if l.liqMicro > 0 && in.Inverse {
		return l, fmt.Errorf("risk: config Perp.MinLiquidationDistanceBps: the liquidation price follows Binance USD-M's linear formula, which does not hold for an inverse perpetual: leave it unset")
	}
	if l.liqMicro > 0 {
		if err := cfg.Brackets.Validate(); err != nil {
			return l, fmt.Errorf("risk: config Perp.Brackets (needed by MinLiquidationDistanceBps): %w", err)
		}
	}
	for _, b := range cfg.Brackets {
		c, _ := b.NotionalCap.Float64()
		m, _ := b.MaintMarginRatio.Float64()
		k, _ := b.Cum.Float64()
		l.brackets = append(l.brackets, floatBracket{cap: c, mmr: m, cum: k})
	}
	l.priceUnit = float64(in.PriceScale.Unit())
	l.qtyUnit = float64(in.QtyScale.Unit())
	return l, nil
}

// checkLeverage rejects an order that, with every working order on its side filled
// (already of that side's pending not counted, see checkPosition), would take the
// position's notional over MaxLeverage times the equity, or bring the mark closer to
// the liquidation price than MinLiquidationDistanceBps. It is a no-op for an
// instrument without perpetual limits.
func (c *Checker) checkLeverage(o *Order, already int64) Reason {
	if !c.perp.on {
		return ReasonOK // small enough to inline: spot pays a test, not a call
	}
	return c.checkPerpOrder(o, already)
}

func (c *Checker) checkPerpOrder(o *Order, already int64) Reason {
	p := &c.perp
	if p.levMilli == 0 && p.liqMicro == 0 {
		return ReasonOK
	}
	// The worst case on the order's side: the position after every order on that side
	// (this one included) fills.
	pos := c.acct.pos
	var worst int64
	var ok bool
	if o.Side == orderbook.Bid {
		worst, ok = add3(pos, c.pendBuy-already, o.Qty)
	} else {
		worst, ok = add3(-pos, c.pendSell-already, o.Qty)
		worst = -worst
	}
	if !ok {
		return ReasonMaxLeverage
	}
	if abs64(worst) <= abs64(pos) {
		return ReasonOK // the side's orders cannot grow the position: no new exposure
	}
	eq, ok := c.walletEquity(true)
	if !ok || eq <= 0 {
		return ReasonMaxLeverage // no equity to measure against: fail closed
	}
	price := o.Price
	if c.acct.marked && c.acct.mark > price {
		price = c.acct.mark
	}
	if p.levMilli > 0 {
		notional, ok := fixed.MulDiv(abs64(worst), c.notionalPrice(price), c.qUnit)
		if !ok || cmpMul(notional, 1000, p.levMilli, eq) > 0 {
			return ReasonMaxLeverage
		}
	}
	if p.liqMicro > 0 {
		mark := float64(o.Price)
		if m := c.markPrice(); m > 0 {
			mark = float64(m)
		}
		// The entry after the fills, valuing every added unit at the order's price.
		added := float64(abs64(worst)-max(abs64(pos), 0)) / p.qtyUnit
		basis := float64(c.acct.basis) / float64(c.acct.sub) / p.priceUnit
		if (worst > 0) != (pos > 0) || pos == 0 {
			basis, added = 0, float64(abs64(worst))/p.qtyUnit
		}
		size := float64(abs64(worst)) / p.qtyUnit
		entry := (basis + added*float64(o.Price)/p.priceUnit) / size
		wb, _ := c.walletEquity(false)
		if lp, ok := p.liquidation(float64(wb)/p.priceUnit, sign64(worst), size, entry); ok &&
			math.Abs(mark/p.priceUnit-lp)*1e6 < float64(p.liqMicro)*mark/p.priceUnit {
			return ReasonLiquidationDistance
		}
	}
	return ReasonOK
}

// walletEquity returns Collateral + realized − fees + funding, plus the unrealized PnL
// at the mark when withUnrealized.
func (c *Checker) walletEquity(withUnrealized bool) (int64, bool) {
	e, ok := sub(c.acct.realizedPrice(), c.acct.fees)
	if !ok {
		return 0, false
	}
	if e, ok = add(e, c.acct.funding); !ok {
		return 0, false
	}
	if e, ok = add(e, c.perp.collateral); !ok {
		return 0, false
	}
	if !withUnrealized {
		return e, true
	}
	u, ok := c.acct.unrealized()
	if !ok {
		return 0, false
	}
	return add(e, u)
}

// liquidation returns the liquidation price of a one-way position of size (base
// units, positive) on side (+1 long, −1 short) entered at entry, with wallet balance
// wb, by Binance's formula (see perp.LiquidationPrice): LP = (WB + cum − side·size·EP)
// / (size·MMR − side·size), the tier chosen by the notional size·EP. It reports false
// when the position cannot be liquidated (a long whose formula gives a price ≤ 0).
func (p *perpLimits) liquidation(wb float64, side int64, size, entry float64) (float64, bool) {
	if size <= 0 || len(p.brackets) == 0 {
		return 0, false
	}
	n := size * entry
	t := p.brackets[len(p.brackets)-1]
	for _, b := range p.brackets {
		if n <= b.cap {
			t = b
			break
		}
	}
	s := float64(side)
	den := size*t.mmr - s*size
	if den == 0 {
		return 0, false
	}
	lp := (wb + t.cum - s*size*entry) / den
	return lp, lp > 0
}

// LiquidationPrice returns the liquidation price of the current position at the
// instrument's price scale as a number, and false when flat, when no brackets are
// configured, when the position cannot be liquidated, or for an inverse perpetual.
func (c *Checker) LiquidationPrice() (float64, bool) {
	p := &c.perp
	pos := c.acct.pos
	if !p.on || pos == 0 || c.inst.Inverse {
		return 0, false // USD-M's linear formula says nothing of an inverse position
	}
	size := float64(abs64(pos)) / p.qtyUnit
	entry := float64(c.acct.basis) / float64(c.acct.sub) / p.priceUnit / size
	wb, ok := c.walletEquity(false)
	if !ok {
		return 0, false
	}
	return p.liquidation(float64(wb)/p.priceUnit, sign64(pos), size, entry)
}

// evaluatePerp moves an Active checker to Reducing when the mark has come closer to
// the liquidation price than MinLiquidationDistanceBps or the funding paid exceeds
// MaxFundingPaid. It runs after each fill, mark and funding payment.
func (c *Checker) evaluatePerp() {
	if c.perp.on && c.state == Active {
		c.evaluatePerpLimits() // inlined test, so that spot pays no call
	}
}

func (c *Checker) evaluatePerpLimits() {
	p := &c.perp
	if p.maxFunding > 0 && p.fundingPaid > p.maxFunding {
		c.setState(Reducing, ReasonFundingPaid)
		c.log.Error().Str("cause", ReasonFundingPaid.String()).Msg("risk reducing: funding paid over the limit")
		return
	}
	if p.liqMicro == 0 || c.acct.pos == 0 || c.markPrice() <= 0 {
		return
	}
	lp, ok := c.LiquidationPrice()
	if !ok {
		return
	}
	mark := float64(c.markPrice()) / p.priceUnit
	if math.Abs(mark-lp)*1e6 < float64(p.liqMicro)*mark {
		c.setState(Reducing, ReasonLiquidationDistance)
		c.log.Error().Str("cause", ReasonLiquidationDistance.String()).Float64("mark", mark).Float64("liquidation", lp).
			Msg("risk reducing: mark too close to the liquidation price")
	}
}

// markPrice is the venue's mark price, or the book's mid before the venue sent one
// (0 before either).
func (c *Checker) markPrice() int64 {
	if c.perp.mark > 0 {
		return c.perp.mark
	}
	if c.acct.marked {
		return c.acct.mark
	}
	return 0
}

// OnMarkPrice records a perpetual's mark price from the venue, in price units: the
// price the venue liquidates on, which the distance to liquidation is measured from,
// and which values the position from then on (unrealized PnL, equity, the loss limits),
// as the venue values it; Mark's mid values it only until the first mark. A
// non-positive price is ignored.
func (c *Checker) OnMarkPrice(mark int64) {
	c.observe()
	if mark > 0 {
		c.perp.mark = mark
		c.acct.mark, c.acct.marked = mark, true
		c.evaluatePerp()
		c.evaluate()
	}
}

// OnMarkPriceAt is OnMarkPrice for a mark received at local time now (Unix ns, the
// clock Check is given): MarkStaleAfter measures from it.
func (c *Checker) OnMarkPriceAt(mark, now int64) {
	if mark > 0 {
		c.perp.markAt = now
	}
	c.OnMarkPrice(mark)
}

// checkMark refuses an order while a watched mark is missing or stale: no mark yet, or
// the last older than MarkStaleAfter. A clock that went backwards counts as fresh.
func (c *Checker) checkMark(now int64) Reason {
	if p := &c.perp; p.markStale > 0 && (p.markAt == 0 || now-p.markAt > p.markStale) {
		return ReasonStaleMark
	}
	return ReasonOK
}

// OnFunding books a perpetual's funding payment: amount in price units, positive when
// received, negative when paid (as perp.FundingPayment gives it). It counts toward
// MaxFundingPaid and the equity, and may move the state to Reducing.
func (c *Checker) OnFunding(amount int64) error {
	c.observe()
	f, ok := add(c.acct.funding, amount)
	paid, ok2 := sub(c.perp.fundingPaid, amount)
	if !ok || !ok2 {
		c.halt(ReasonBookkeeping)
		return fmt.Errorf("risk: funding of %d: %w", amount, ErrOverflow)
	}
	c.acct.funding, c.perp.fundingPaid = f, paid
	c.evaluatePerp()
	c.evaluate()
	return nil
}

// FundingPaid returns the net funding paid so far (negative: received), in price units.
func (c *Checker) FundingPaid() int64 { return c.perp.fundingPaid }

// ReducingCause returns why risk moved itself to Reducing (a perpetual limit), or
// ReasonOK when it is not Reducing or was set there deliberately.
func (c *Checker) ReducingCause() Reason {
	if c.state != Reducing {
		return ReasonOK
	}
	return c.haltCause
}

func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

func sign64(v int64) int64 {
	if v < 0 {
		return -1
	}
	return 1
}

// SetPerpAccount gives a perpetual's limits the venue's own figures, as the live gateway
// learns them at start and after each reconnect: collateral, the wallet balance the
// position trades on now (price units), and the symbol's leverage brackets (GET
// /fapi/v1/leverageBracket). It replaces Collateral and Brackets from the config. The
// venue's wallet already holds what was realized, paid in fees and received in funding
// since start, which the checker books on top of its collateral: the collateral is set
// to the wallet less those (Booked), so that the equity the limits see is the venue's
// wallet once, not the session's PnL twice. It converts the brackets once, so it
// allocates: call it on reconciliation, never per tick. It is an error on a checker
// without perpetual limits.
func (c *Checker) SetPerpAccount(collateral int64, brackets perp.Brackets) error {
	if !c.perp.on {
		return fmt.Errorf("risk: perpetual account on an instrument without perpetual limits")
	}
	if collateral <= 0 {
		return fmt.Errorf("risk: perpetual collateral %d: %w", collateral, errNotPositive)
	}
	if err := brackets.Validate(); err != nil {
		return fmt.Errorf("risk: perpetual brackets: %w", err)
	}
	fb := make([]floatBracket, 0, len(brackets))
	for _, b := range brackets {
		cp, _ := b.NotionalCap.Float64()
		m, _ := b.MaintMarginRatio.Float64()
		k, _ := b.Cum.Float64()
		fb = append(fb, floatBracket{cap: cp, mmr: m, cum: k})
	}
	booked, ok := c.Booked()
	base, ok2 := sub(collateral, booked)
	if !ok || !ok2 {
		return fmt.Errorf("risk: perpetual collateral %d less %d booked: %w", collateral, booked, ErrOverflow)
	}
	c.perp.collateral, c.perp.brackets = base, fb
	c.evaluatePerp()
	return nil
}
