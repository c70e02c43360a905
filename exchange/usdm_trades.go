package exchange

import (
	"net/http"

	"github.com/shopspring/decimal"
)

// USD-M's account trade list, GET /fapi/v1/userTrades ("Account Trade List (USER_DATA)"
// of the USDⓈ-M Futures REST API; the WebSocket API has no trade list): each account's
// last maxAccountTrades fills, the oldest dropped first, with the commission and the
// realized profit its ORDER_TRADE_UPDATE carried.

// usdmTrade is one fill of one of an account's perpetual orders.
type usdmTrade struct {
	id, orderID  uint64
	m            *Market
	price, qty   int64 // wire scale
	quote        int64
	commission   decimal.Decimal // USDT
	realized     decimal.Decimal
	time         int64 // ms
	buyer, maker bool
}

func (fa *fAccount) recordTrade(t usdmTrade) { fa.trades = appendTrade(fa.trades, t) }

// userTradesWeight is GET /fapi/v1/userTrades' weight ("Weight: 5").
const userTradesWeight = 5

// sevenDays is userTrades' longest time range, in ms.
const sevenDays = 7 * 24 * 3_600_000

// restUserTrades serves GET /fapi/v1/userTrades (signed): symbol (mandatory), orderId,
// startTime, endTime, fromId, limit (default 500, at most 1000), by the documented rules:
// "If startTime and endTime are both not sent, then the last 7 days' data will be
// returned"; "The time between startTime and endTime cannot be longer than 7 days";
// "The parameter fromId cannot be sent with startTime or endTime". Trades come oldest
// first.
func (e *Exchange) restUserTrades(r *restReq) ([]byte, *apiError) {
	if r.method != http.MethodGet {
		return nil, errMethod
	}
	r.weight = userTradesWeight
	fa, err := e.signedReq(r)
	if err != nil {
		return nil, err
	}
	m, err := e.symbolParam(r)
	if err != nil {
		return nil, err
	}
	orderID, hasOrder, err := int64Param(r.params, "orderId")
	if err != nil {
		return nil, err
	}
	start, hasStart, err := int64Param(r.params, "startTime")
	if err != nil {
		return nil, err
	}
	end, hasEnd, err := int64Param(r.params, "endTime")
	if err != nil {
		return nil, err
	}
	fromID, hasFrom, err := int64Param(r.params, "fromId")
	if err != nil {
		return nil, err
	}
	limit, hasLimit, err := int64Param(r.params, "limit")
	if err != nil {
		return nil, err
	}
	switch {
	case hasFrom && (hasStart || hasEnd):
		return nil, errTradesCombo
	case hasStart && hasEnd && (end < start || end-start > sevenDays):
		return nil, &apiError{400, -1127, "More than 168 hours between startTime and endTime."}
	case hasLimit && (limit < 1 || limit > 1000):
		return nil, &apiError{400, -1130, "Data sent for parameter 'limit' is not valid."}
	}
	if !hasLimit {
		limit = 500
	}
	switch {
	case hasStart && !hasEnd:
		end, hasEnd = start+sevenDays, true
	case hasEnd && !hasStart:
		start, hasStart = end-sevenDays, true
	case !hasStart && !hasEnd && !hasFrom && !hasOrder:
		end = e.cfg.Now().UnixMilli()
		start, hasStart, hasEnd = end-sevenDays, true, true
	}
	var sel []*usdmTrade
	for i := range fa.trades {
		t := &fa.trades[i]
		if t.m != m || hasOrder && t.orderID != uint64(orderID) || hasFrom && t.id < uint64(fromID) ||
			hasStart && t.time < start || hasEnd && t.time > end {
			continue
		}
		sel = append(sel, t)
	}
	if int64(len(sel)) > limit {
		if hasFrom || hasStart && r.params["endTime"] == "" {
			sel = sel[:limit]
		} else {
			sel = sel[int64(len(sel))-limit:]
		}
	}
	w := &jw{b: []byte{'['}, first: true}
	for _, t := range sel {
		side, pos := "SELL", "BOTH"
		if t.buyer {
			side = "BUY"
		}
		w.elem().bool("buyer", t.buyer).str("commission", money(t.commission)).str("commissionAsset", usdmMarginAsset)
		w.uint("id", t.id).bool("maker", t.maker).uint("orderId", t.orderID)
		w.raw("price", m.fprice(t.price)).raw("qty", m.fqty(t.qty)).str("quoteQty", money(wireScale.Decimal(t.quote)))
		w.str("realizedPnl", money(t.realized)).str("side", side).str("positionSide", pos)
		w.str("symbol", m.inst.Symbol).int("time", t.time)
		w.close()
	}
	return append(w.b, ']'), nil
}

// USDMLoseStreams makes the USD-M user data streams lose every event while on is set,
// as if the client's stream had been down: a client learns what it missed only by
// asking (order.status, userTrades).
func (e *Exchange) USDMLoseStreams(on bool) {
	e.mu.Lock()
	e.usdm.lose = on
	e.mu.Unlock()
}

// USDMDropStreams closes every USD-M user data stream connection, as a network fault
// would: clients must reconnect and ask about their orders.
func (e *Exchange) USDMDropStreams() {
	e.mu.Lock()
	var kill []*conn
	e.usdm.keysMu.RLock()
	for c := range e.subs {
		if !c.futures {
			continue
		}
		for s := range c.streams {
			if e.usdm.keys[s] != nil {
				kill = append(kill, c)
				break
			}
		}
	}
	e.usdm.keysMu.RUnlock()
	e.mu.Unlock()
	for _, c := range kill {
		c.kill()
	}
}
