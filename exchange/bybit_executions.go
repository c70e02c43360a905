package exchange

// Bybit v5 GET /v5/execution/list (github.com/bybit-exchange/docs at 072c197,
// v5/order/execution.mdx, "Get Trade History"): the account's executions, which a
// client reads after a reconnect to recover the fills its private stream missed, with
// their price, quantity and fee.
//
//   - signed like every private REST query (bybit_rest.go); category spot or linear
//     (10001 otherwise);
//   - "orderId > orderLinkId > symbol": with orderId or orderLinkId the other filters
//     are ignored, else symbol narrows; execType filters by execution type (Trade,
//     Funding); startTime and endTime (ms) bound execTime, "endTime - startTime <= 7
//     days" (10001 otherwise); without either Bybit lists the last 7 days, the local
//     exchange every execution it keeps;
//   - "sorted by execTime in descending order", limit [1, 100] (default 50) per page,
//     cursor the nextPageCursor of the previous page ("" after the last);
//   - entries: symbol, orderId, orderLinkId, side, orderPrice, orderQty, leavesQty,
//     createType (linear only: "Spot does not have this key"), orderType,
//     stopOrderType, execFee, execFeeV2, execId, execPrice, execQty, execType,
//     execValue, execTime, feeCurrency, isMaker, feeRate, tradeIv, markIv, markPrice,
//     indexPrice, underlyingPrice, blockTradeId, closedSize, seq, extraFees.
//
// The local exchange keeps the last maxBybitExecs executions of each account (Bybit
// keeps two years): every spot trade of the account, and its Bybit perpetual trades and
// funding payments. Executions are recorded whatever happens to the private stream
// (BybitLoseStreams loses the stream's messages, not the executions).

import (
	"strconv"
	"time"
)

// maxBybitExecs bounds the executions kept per account.
const maxBybitExecs = 10_000

// bybitExec is one execution as /v5/execution/list lists it, numbers as Bybit prints
// them.
type bybitExec struct {
	seq                                         uint64 // exchange-wide, increasing
	category, symbol, orderID, link, side       string
	orderType, execID, execType                 string
	orderPrice, orderQty, leavesQty             string
	execPrice, execQty, execValue, execFee      string
	feeRate, feeCurrency, markPrice, closedSize string
	maker                                       bool
	execTime                                    int64 // ms
}

// recordBybitExec keeps x for /v5/execution/list. Called with the exchange locked.
func (e *Exchange) recordBybitExec(a *Account, x bybitExec) {
	if e.bybitExecs == nil {
		e.bybitExecs = map[*Account][]bybitExec{}
	}
	e.bybitExecSeq++
	x.seq = e.bybitExecSeq
	log := e.bybitExecs[a]
	if len(log) >= maxBybitExecs {
		log = append(log[:0], log[len(log)-maxBybitExecs+1:]...)
	}
	e.bybitExecs[a] = append(log, x)
}

// recordLinearExec keeps a perpetual fill of a Bybit order.
func (e *Exchange) recordLinearExec(lo *linOrder, x linExec) {
	o := lo.o
	m := o.market
	pd, qd := stepDecimals(m.inst.TickSize), stepDecimals(m.inst.StepSize)
	e.recordBybitExec(lo.a, bybitExec{category: "linear", symbol: m.inst.Symbol, orderID: strconv.FormatUint(o.ID, 10), link: lo.link,
		side: bybitSide(o.Side), orderType: "Limit", execID: strconv.FormatUint(x.tradeID, 10) + "-" + strconv.FormatUint(o.ID, 10), execType: "Trade",
		orderPrice: wireAt(pd, o.Price), orderQty: wireAt(qd, o.Qty), leavesQty: wireAt(qd, x.leaves),
		execPrice: wireAt(pd, x.price), execQty: wireAt(qd, x.qty), execValue: decText(quoteOf(x.price, x.qty)), execFee: decText(x.fee),
		feeRate: decText(x.rate), feeCurrency: "USDT", markPrice: wireAt(pd, markOf(m)), closedSize: wireAt(qd, x.closed),
		maker: x.maker, execTime: m.nowMs()})
}

// recordSpotExec keeps a spot trade of the account.
func (e *Exchange) recordSpotExec(a *Account, o *Order, r report) {
	m := o.market
	pd, qd := stepDecimals(m.inst.TickSize), stepDecimals(m.inst.StepSize)
	asset := r.commissionAsset
	if asset == "" {
		asset = m.inst.Quote
	}
	e.recordBybitExec(a, bybitExec{category: "spot", symbol: m.inst.Symbol, orderID: strconv.FormatUint(o.ID, 10), link: o.ClientID,
		side: bybitSide(o.Side), orderType: "Limit", execID: strconv.FormatInt(r.tradeID, 10), execType: "Trade",
		orderPrice: wireAt(pd, o.Price), orderQty: wireAt(qd, o.Qty), leavesQty: wireAt(qd, max(o.Qty-r.cumQty, 0)),
		execPrice: wireAt(pd, r.lastPrice), execQty: wireAt(qd, r.lastQty), execValue: decText(quoteOf(r.lastPrice, r.lastQty)),
		execFee: decText(r.commission), feeCurrency: asset, maker: r.maker, execTime: m.nowMs()})
}

// recordFundingExec keeps a funding payment (execType Funding).
func (e *Exchange) recordFundingExec(a *Account, m *Market, size, pay, mark int64) {
	pd, qd := stepDecimals(m.inst.TickSize), stepDecimals(m.inst.StepSize)
	now := m.nowMs()
	side := "Buy"
	if size < 0 {
		side = "Sell"
	}
	notional, _ := mulDiv(abs64(size), mark, wireUnit)
	e.recordBybitExec(a, bybitExec{category: "linear", symbol: m.inst.Symbol, side: side, orderType: "UNKNOWN",
		execID: "funding-" + m.inst.Symbol + "-" + strconv.FormatInt(now, 10), execType: "Funding",
		orderPrice: "0", orderQty: "0", leavesQty: "0",
		execPrice: wireAt(pd, mark), execQty: wireAt(qd, abs64(size)), execValue: decText(notional), execFee: decText(pay),
		feeRate: decText(e.linear.rate), feeCurrency: "USDT", markPrice: wireAt(pd, mark), execTime: now})
}

// bybitExecutions answers /v5/execution/list.
func (e *Exchange) bybitExecutions(a *Account, q func(string) string, w *jw) (int, string) {
	cat := q("category")
	if cat != "spot" && cat != "linear" {
		return codeBybitParam, "params error: category must be spot or linear on the local exchange"
	}
	limit := 50
	if v := q("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return codeBybitParam, "params error: limit must be within [1, 100]"
		}
		limit = n
	}
	const week = int64(7 * 24 * time.Hour / time.Millisecond)
	start, end := int64(0), int64(0)
	for k, dst := range map[string]*int64{"startTime": &start, "endTime": &end} {
		if v := q(k); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				return codeBybitParam, "params error: " + k + " must be a timestamp in ms"
			}
			*dst = n
		}
	}
	switch {
	case start == 0 && end == 0:
		// Bybit lists the last 7 days; the local exchange all it keeps, since its
		// markets' clock may be a replay's, days from the wall clock.
		end = 1<<63 - 1
	case start == 0:
		start = end - week
	case end == 0:
		end = start + week
	case end < start || end-start > week:
		return codeBybitParam, "params error: endTime - startTime must be within 7 days"
	}
	cursor := uint64(0)
	if v := q("cursor"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return codeBybitParam, "params error: cursor invalid"
		}
		cursor = n
	}
	oid, link, sym, typ := q("orderId"), q("orderLinkId"), q("symbol"), q("execType")
	log := e.bybitExecs[a]
	var page []*bybitExec
	more := false
	// Newest first: the log is in execution order, so by execTime and then seq.
	for i := len(log) - 1; i >= 0; i-- {
		x := &log[i]
		switch {
		case x.category != cat, cursor != 0 && x.seq >= cursor, x.execTime < start || x.execTime > end:
			continue
		case oid != "" && x.orderID != oid, oid == "" && link != "" && x.link != link:
			continue
		case oid == "" && link == "" && sym != "" && x.symbol != sym, typ != "" && x.execType != typ:
			continue
		}
		if len(page) == limit {
			more = true
			break
		}
		page = append(page, x)
	}
	w.str("category", cat)
	w.arr("list")
	for _, x := range page {
		w.elem().str("symbol", x.symbol).str("orderId", x.orderID).str("orderLinkId", x.link).str("side", x.side)
		w.str("orderPrice", x.orderPrice).str("orderQty", x.orderQty).str("leavesQty", x.leavesQty)
		if cat != "spot" {
			w.str("createType", "CreateByUser")
		}
		w.str("orderType", x.orderType).str("stopOrderType", "UNKNOWN").str("execFee", x.execFee).str("execFeeV2", "")
		w.str("execId", x.execID).str("execPrice", x.execPrice).str("execQty", x.execQty).str("execType", x.execType)
		w.str("execValue", x.execValue).str("execTime", strconv.FormatInt(x.execTime, 10)).str("feeCurrency", x.feeCurrency)
		w.bool("isMaker", x.maker).str("feeRate", x.feeRate).str("tradeIv", "").str("markIv", "").str("markPrice", x.markPrice)
		w.str("indexPrice", "").str("underlyingPrice", "").str("blockTradeId", "").str("closedSize", x.closedSize)
		w.uint("seq", x.seq).str("extraFees", "")
		w.close()
	}
	w.endArr()
	next := ""
	if more {
		next = strconv.FormatUint(page[len(page)-1].seq, 10)
	}
	w.str("nextPageCursor", next)
	return 0, "OK"
}
