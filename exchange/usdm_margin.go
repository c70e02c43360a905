package exchange

// Margin calls and liquidation of USD-M positions.
//
// Binance's rules ("Liquidation" and "Leverage and Margin of USDⓈ-M Futures" in the
// Futures FAQ; "Event: Margin Call" and "Event: Order Update" of the user data
// stream): a position is liquidated when its margin balance falls to its maintenance
// margin — the cross margin balance (cross wallet + cross unrealized PnL) against the
// cross positions' maintenance margin, or an isolated position's wallet plus its
// unrealized PnL against its own. The liquidation engine first cancels the account's
// open orders on the symbol (expiry reason 5, "Order has expired when the account was
// liquidated"), then closes the position with a LIQUIDATION order whose client order
// id starts with "autoclose-", at the bankruptcy price, where the position's margin
// is exhausted; here the exchange's insurance fund takes that order over whole, so it
// leaves the public book untouched. MARGIN_CALL is pushed once when the margin ratio
// (maintenance margin / margin balance) first reaches 80%, again after it recovered.

import (
	"fmt"
	"math"
	"strconv"

	"github.com/shopspring/decimal"
)

// checkMargins margin-calls and liquidates what is due at now (ns). Called with e.mu
// held.
func (e *Exchange) checkMargins(now int64) {
	ms := now / 1e6
	for _, fa := range e.usdm.sortedAccounts() {
		var cross []*fPosition
		for _, sym := range fa.symbols() {
			p := fa.pos[sym]
			if p.amt == 0 {
				continue
			}
			if !p.isolated {
				cross = append(cross, p)
				continue
			}
			mb, mm := p.iw.Add(e.unrealized(p)), e.maint(p)
			if mb.LessThanOrEqual(mm) {
				e.liquidate(fa, []*fPosition{p}, ms)
				continue
			}
			e.maybeMarginCall(fa, []*fPosition{p}, &p.called, mm, mb, false, ms)
		}
		if len(cross) == 0 {
			fa.called = false
			continue
		}
		mb, mm := fa.crossWallet(), decimal.Zero
		for _, p := range cross {
			mb = mb.Add(e.unrealized(p))
			mm = mm.Add(e.maint(p))
		}
		if mb.LessThanOrEqual(mm) {
			e.liquidate(fa, cross, ms)
			continue
		}
		e.maybeMarginCall(fa, cross, &fa.called, mm, mb, true, ms)
	}
}

// maybeMarginCall pushes MARGIN_CALL when the ratio mm/mb first reaches 80%, and
// re-arms once it is back below.
func (e *Exchange) maybeMarginCall(fa *fAccount, ps []*fPosition, called *bool, mm, mb decimal.Decimal, cross bool, ms int64) {
	risky := mb.Sign() <= 0 || mm.Div(mb).GreaterThanOrEqual(marginCallRatio)
	switch {
	case risky && !*called:
		*called = true
		e.marginCall(fa, ps, cross, ms)
	case !risky:
		*called = false
	}
}

// liquidate closes positions at their bankruptcy prices, after expiring the account's
// open orders on their symbols.
func (e *Exchange) liquidate(fa *fAccount, ps []*fPosition, ms int64) {
	for _, p := range ps {
		for _, fo := range fa.sortedOrders(p.sym) {
			e.cancelF(fa, fo, "EXPIRED", StatusExpired, "5")
		}
	}
	for _, p := range ps {
		m := e.futures[p.sym]
		// The margin the position has: its isolated wallet, or the cross wallet with
		// the other cross positions' unrealized PnL.
		margin := p.iw
		if !p.isolated {
			margin = fa.crossWallet()
			for _, q := range ps {
				if q != p {
					margin = margin.Add(e.unrealized(q))
				}
			}
		}
		// Bankruptcy: entry − margin / position, where the margin is spent.
		bp := p.entry.Sub(margin.Div(qtyDec(p.amt)))
		price := roundToTick(bp, m.inst)
		side := Sell
		if p.amt < 0 {
			side = Buy
		}
		qty := abs64(p.amt)
		m.book.orderID++
		m.book.tradeID++
		o := &Order{ID: m.book.orderID, ClientID: "autoclose-" + strconv.FormatInt(ms, 10), Side: side, Type: MarketOrder, TIF: IOC,
			Price: price, Qty: qty, Filled: qty, Quote: quoteOf(price, qty), Status: StatusFilled, Created: ms, Updated: ms,
			account: fa.a, market: m, maker: -1}
		fo := &fOrder{o: o, m: m, origType: "LIQUIDATION"}
		realized := p.applyFill(side, price, qty)
		p.fees = decimal.Zero
		p.syncIsolated()
		fa.wallet = fa.wallet.Add(realized)
		fo.realized = realized
		p.updated, fa.updated = ms, ms
		e.track(fa, fo)
		e.orderUpdate(fa, fo, fEvent{exec: "CALCULATED", status: StatusFilled, lastQty: qty, lastPrice: price,
			cumQty: qty, cumQuote: o.Quote, tradeID: int64(m.book.tradeID), realized: realized}, ms)
		e.accountUpdate(fa, "ORDER", p.sym, decimal.Zero, ms)
		p.called = false
	}
	fa.called = false
	for _, p := range ps {
		e.futures[p.sym].publish()
	}
}

// roundToTick rounds a price to the instrument's tick, at least one tick.
func roundToTick(d decimal.Decimal, in Instrument) int64 {
	v, err := wireScale.FromDecimal(d.Round(8))
	if err != nil || v < in.TickSize {
		return in.TickSize
	}
	v = (v + in.TickSize/2) / in.TickSize * in.TickSize
	return min(max(v, in.MinPrice), in.MaxPrice)
}

// Shock moves a synthetic spot market's reference price by the relative move (−0.02
// is a 2% fall) at once, as a flash crash would: its makers requote around the new
// price at the next step and the markets that follow it, perpetuals included, move
// with it. It exists so that a short run can see a margin call and a liquidation.
func (e *Exchange) Shock(symbol string, move float64) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	m := e.markets[symbol]
	if m == nil {
		return fmt.Errorf("exchange: shock: no synthetic spot market %s", symbol)
	}
	if move <= -1 || math.IsNaN(move) || math.IsInf(move, 0) {
		return fmt.Errorf("exchange: shock: move %v: want above -1", move)
	}
	ref := int64(float64(m.ref) * (1 + move))
	ref -= ref % m.inst.TickSize
	m.ref = max(ref, m.inst.MinPrice+1000*m.inst.TickSize)
	// The perpetuals that follow it jump too: basis arbitrage is faster than the
	// reversion a follower's own walk models.
	for _, fm := range e.futures {
		if fm.lead != nil && fm.lead.leader == m {
			r := int64(float64(fm.ref) * (1 + move))
			r -= r % fm.inst.TickSize
			fm.ref = max(r, fm.inst.MinPrice+1000*fm.inst.TickSize)
			fm.lead.lastLead = m.ref
		}
	}
	return nil
}
