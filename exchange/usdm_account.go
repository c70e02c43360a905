package exchange

// The USD-M account and position answers: account.status (v1 and v2 shapes, GET
// /fapi/v2/account and /fapi/v3/account), account.position (GET /fapi/v2/positionRisk
// and /fapi/v3/positionRisk), account.balance. Field sets are the USDⓈ-M Futures
// documentation's ("Account Information V2/V3", "Position Information V2/V3",
// "Futures Account Balance V2") as the SDK types them.

import (
	"strconv"

	"github.com/nanotick/nanotick/perp"
	"github.com/shopspring/decimal"
)

// appendAccount appends an account's information: v1 is the older, fuller shape
// (account.status, GET /fapi/v2/account), otherwise the v2/v3 one (v2/account.status,
// GET /fapi/v3/account), which lists only symbols with a position or open orders.
func (e *Exchange) appendAccount(dst []byte, fa *fAccount, v1 bool) []byte {
	t := e.totals(fa)
	w := &jw{b: dst}
	w.open()
	if v1 {
		w.int("feeTier", 0).bool("canTrade", true).bool("canDeposit", true).bool("canWithdraw", true).bool("feeBurn", false)
		w.int("updateTime", 0).bool("multiAssetsMargin", false).int("tradeGroupId", -1)
	}
	im := t.positionIM.Add(t.orderIM)
	w.str("totalInitialMargin", money(im)).str("totalMaintMargin", money(t.maint)).str("totalWalletBalance", money(fa.wallet))
	w.str("totalUnrealizedProfit", money(t.upnl)).str("totalMarginBalance", money(t.marginBalance))
	w.str("totalPositionInitialMargin", money(t.positionIM)).str("totalOpenOrderInitialMargin", money(t.orderIM))
	w.str("totalCrossWalletBalance", money(t.crossWBal)).str("totalCrossUnPnl", money(t.crossUPnL))
	avail := decimal.Max(t.available, decimal.Zero)
	w.str("availableBalance", money(avail)).str("maxWithdrawAmount", money(avail))
	w.arr("assets")
	w.elem().str("asset", usdmMarginAsset).str("walletBalance", money(fa.wallet)).str("unrealizedProfit", money(t.upnl))
	w.str("marginBalance", money(t.marginBalance)).str("maintMargin", money(t.maint)).str("initialMargin", money(im))
	w.str("positionInitialMargin", money(t.positionIM)).str("openOrderInitialMargin", money(t.orderIM))
	w.str("crossWalletBalance", money(t.crossWBal)).str("crossUnPnl", money(t.crossUPnL))
	w.str("availableBalance", money(avail)).str("maxWithdrawAmount", money(avail))
	if v1 {
		w.bool("marginAvailable", true)
	}
	w.int("updateTime", fa.updated).close()
	w.endArr()
	w.arr("positions")
	for _, sym := range e.usdm.symbols() {
		p := e.position(fa, sym)
		orders := len(fa.sortedOrders(sym)) > 0
		if !v1 && p.amt == 0 && !orders {
			continue
		}
		m := e.futures[sym]
		up := e.unrealized(p)
		oim := e.openOrderIM(fa, sym)
		pim := e.positionIM(p)
		w.elem().str("symbol", sym)
		if v1 {
			bids, asks := fa.sideNotional(sym)
			w.str("initialMargin", money(pim.Add(oim))).str("maintMargin", money(e.maint(p))).str("unrealizedProfit", money(up))
			w.str("positionInitialMargin", money(pim)).str("openOrderInitialMargin", money(oim))
			w.str("leverage", strconv.Itoa(p.leverage)).bool("isolated", p.isolated).str("entryPrice", p.entry.StringFixed(8))
			w.str("maxNotional", e.maxNotional(p.leverage).String()).str("bidNotional", money(bids)).str("askNotional", money(asks))
			w.str("positionSide", "BOTH").raw("positionAmt", m.fsqty(p.amt)).int("updateTime", p.updated)
			w.str("breakEvenPrice", e.breakeven(p).StringFixed(8))
		} else {
			isoMargin := decimal.Zero
			if p.isolated {
				isoMargin = p.iw.Add(up)
			}
			w.str("positionSide", "BOTH").raw("positionAmt", m.fsqty(p.amt)).str("unrealizedProfit", money(up))
			w.str("isolatedMargin", money(isoMargin)).str("notional", money(e.notional(p))).str("isolatedWallet", money(p.iw))
			w.str("initialMargin", money(pim.Add(oim))).str("maintMargin", money(e.maint(p))).int("updateTime", p.updated)
		}
		w.close()
	}
	w.endArr()
	w.close()
	return w.b
}

// maxNotional is the highest notional the brackets allow at leverage.
func (e *Exchange) maxNotional(leverage int) decimal.Decimal {
	capN := decimal.Zero
	for _, b := range e.usdm.cfg.Brackets {
		if b.InitialLeverage >= leverage {
			capN = b.NotionalCap
		}
	}
	return capN
}

// liquidationPrice is a position's liquidation price by Binance's formula (package
// perp), zero when it has none.
func (e *Exchange) liquidationPrice(fa *fAccount, p *fPosition) decimal.Decimal {
	if p.amt == 0 {
		return decimal.Zero
	}
	l := perp.Liquidation{Mode: perp.Cross, WalletBalance: fa.crossWallet()}
	if p.isolated {
		l = perp.Liquidation{Mode: perp.Isolated, WalletBalance: p.iw}
	} else {
		for _, q := range fa.pos {
			if q != p && !q.isolated && q.amt != 0 {
				l.OtherMaintenance = l.OtherMaintenance.Add(e.maint(q))
				l.OtherUnrealized = l.OtherUnrealized.Add(e.unrealized(q))
			}
		}
	}
	lp, ok := perp.LiquidationPrice(l, e.usdm.cfg.Brackets, qtyDec(p.amt), p.entry)
	if !ok {
		return decimal.Zero
	}
	return lp
}

// appendPositions appends the account's positions: v1 is the position risk shape of
// account.position and GET /fapi/v2/positionRisk (every symbol, or the one asked),
// otherwise the v2/v3 shape (v2/account.position, GET /fapi/v3/positionRisk), which
// lists only symbols with a position or open orders.
func (e *Exchange) appendPositions(dst []byte, fa *fAccount, symbol string, v1 bool) []byte {
	dst = append(dst, '[')
	first := true
	for _, sym := range e.usdm.symbols() {
		if symbol != "" && sym != symbol {
			continue
		}
		p := e.position(fa, sym)
		if !v1 && p.amt == 0 && len(fa.sortedOrders(sym)) == 0 {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		m := e.futures[sym]
		up := e.unrealized(p)
		isoMargin := decimal.Zero
		if p.isolated {
			isoMargin = p.iw.Add(up)
		}
		w := &jw{b: dst}
		w.open()
		if v1 {
			mt := "cross"
			if p.isolated {
				mt = "isolated"
			}
			w.str("entryPrice", p.entry.StringFixed(8)).str("breakEvenPrice", e.breakeven(p).StringFixed(8)).str("marginType", mt)
			w.str("isAutoAddMargin", "false").str("isolatedMargin", money(isoMargin)).str("leverage", strconv.Itoa(p.leverage))
			w.str("liquidationPrice", e.liquidationPrice(fa, p).StringFixed(8)).str("markPrice", money(e.markPrice(sym)))
			w.str("maxNotionalValue", e.maxNotional(p.leverage).String()).raw("positionAmt", m.fsqty(p.amt))
			w.str("notional", money(e.notional(p))).str("isolatedWallet", money(p.iw)).str("symbol", sym)
			w.str("unRealizedProfit", money(up)).str("positionSide", "BOTH").int("updateTime", p.updated)
		} else {
			bids, asks := fa.sideNotional(sym)
			oim := e.openOrderIM(fa, sym)
			pim := e.positionIM(p)
			w.str("symbol", sym).str("positionSide", "BOTH").raw("positionAmt", m.fsqty(p.amt))
			w.str("entryPrice", p.entry.StringFixed(8)).str("breakEvenPrice", e.breakeven(p).StringFixed(8))
			w.str("markPrice", money(e.markPrice(sym))).str("unRealizedProfit", money(up))
			w.str("liquidationPrice", e.liquidationPrice(fa, p).StringFixed(8)).str("isolatedMargin", money(isoMargin))
			w.str("notional", money(e.notional(p))).str("marginAsset", usdmMarginAsset).str("isolatedWallet", money(p.iw))
			w.str("initialMargin", money(pim.Add(oim))).str("maintMargin", money(e.maint(p)))
			w.str("positionInitialMargin", money(pim)).str("openOrderInitialMargin", money(oim)).int("adl", 0)
			w.str("bidNotional", money(bids)).str("askNotional", money(asks)).int("updateTime", p.updated)
		}
		w.close()
		dst = w.b
	}
	return append(dst, ']')
}

// appendBalance appends account.balance's and GET /fapi/v2/balance's answer: one
// entry, the USDT wallet.
func (e *Exchange) appendBalance(dst []byte, fa *fAccount) []byte {
	t := e.totals(fa)
	avail := decimal.Max(t.available, decimal.Zero)
	w := &jw{b: append(dst, '[')}
	w.open()
	w.str("accountAlias", "SgsR").str("asset", usdmMarginAsset).str("balance", money(fa.wallet))
	w.str("crossWalletBalance", money(t.crossWBal)).str("crossUnPnl", money(t.crossUPnL))
	w.str("availableBalance", money(avail)).str("maxWithdrawAmount", money(avail)).bool("marginAvailable", true)
	w.int("updateTime", fa.updated)
	w.close()
	return append(w.b, ']')
}
