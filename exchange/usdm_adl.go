package exchange

import (
	"fmt"

	"github.com/shopspring/decimal"
)

// AutoDeleverage closes the whole USD-M position of the account with apiKey on symbol as
// Binance's auto-deleveraging does when a liquidation elsewhere cannot be absorbed by
// the book or the insurance fund: the account has margin enough, but its profitable
// position is closed against the liquidated one. The user data stream shows it as the
// "Event: Order Update" page describes: an order whose client id is "adl_autoclose",
// pushed first with X NEW, then its execution (CALCULATED, FILLED) at the mark price,
// and an ACCOUNT_UPDATE (reason ORDER) with the position gone. Open orders are left
// alone. The local exchange never deleverages by itself: this is for tests.
func (e *Exchange) AutoDeleverage(apiKey, symbol string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	a := e.accounts[apiKey]
	if a == nil || e.usdm == nil || e.faccount(a) == nil {
		return fmt.Errorf("exchange: auto-deleverage: no USD-M account %q", apiKey)
	}
	fa, m := e.faccount(a), e.futures[symbol]
	p := fa.pos[symbol]
	if m == nil || p == nil || p.amt == 0 {
		return fmt.Errorf("exchange: auto-deleverage: no %s position to close", symbol)
	}
	ms := e.cfg.Now().UnixMilli()
	price := roundToTick(e.markPrice(symbol), m.inst)
	side := Sell
	if p.amt < 0 {
		side = Buy
	}
	qty := abs64(p.amt)
	m.book.orderID++
	m.book.tradeID++
	o := &Order{ID: m.book.orderID, ClientID: "adl_autoclose", Side: side, Type: MarketOrder, TIF: IOC,
		Price: price, Qty: qty, Status: StatusNew, Created: ms, Updated: ms, account: fa.a, market: m, maker: -1}
	fo := &fOrder{o: o, m: m, origType: "MARKET"}
	e.track(fa, fo)
	e.orderUpdate(fa, fo, fEvent{exec: "NEW", status: StatusNew}, ms)
	realized := p.applyFill(side, price, qty)
	p.syncIsolated()
	fa.wallet = fa.wallet.Add(realized)
	o.Filled, o.Quote, o.Status = qty, quoteOf(price, qty), StatusFilled
	fo.realized = realized
	p.updated, fa.updated = ms, ms
	e.orderUpdate(fa, fo, fEvent{exec: "CALCULATED", status: StatusFilled, lastQty: qty, lastPrice: price,
		cumQty: qty, cumQuote: o.Quote, tradeID: int64(m.book.tradeID), realized: realized}, ms)
	e.accountUpdate(fa, "ORDER", symbol, decimal.Zero, ms)
	return nil
}
