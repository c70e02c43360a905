package exchange

import (
	"strconv"
)

// The account trade lists of Binance's spot venue: the WebSocket API's myTrades
// ("Account trade history (USER_DATA)", web-socket-api.md of binance-spot-api-docs),
// which a client asks after losing execution reports to learn each missed fill with its
// own price, quantity and commission. The exchange keeps each account's last
// maxAccountTrades trades, the oldest dropped first, so that a long demo run's memory
// stays bounded.

// maxAccountTrades bounds each account's trade list.
const maxAccountTrades = 10_000

// accountTrade is one fill of one of an account's orders, as myTrades answers it.
type accountTrade struct {
	id              uint64 // the trade's id, shared by its two sides
	orderID         uint64
	market          *Market
	price, qty      int64 // wire scale
	quote           int64
	commission      int64 // wire scale, in commissionAsset
	commissionAsset string
	time            int64 // ms
	buyer, maker    bool
}

// recordTrade keeps one side of a fill on the account's trade list (with the exchange
// locked, from settle).
func (a *Account) recordTrade(t accountTrade) { a.trades = appendTrade(a.trades, t) }

// appendTrade appends t to a trade list of at most maxAccountTrades, dropping the
// oldest tenth at once when it is full: one copy per thousand trades, not per trade.
func appendTrade[T any](list []T, t T) []T {
	if len(list) >= maxAccountTrades {
		n := copy(list, list[maxAccountTrades/10:])
		clear(list[n:])
		list = list[:n]
	}
	return append(list, t)
}

// Binance's errors for myTrades' parameters (errors.md: -1127 MORE_THAN_XX_HOURS,
// -1128 OPTIONAL_PARAMS_BAD_COMBO, -1130 INVALID_PARAMETER).
var (
	errTradesCombo = &apiError{400, -1128, "Combination of optional parameters invalid."}
	errTradesSpan  = &apiError{400, -1127, "More than 24 hours between startTime and endTime."}
)

// int64Param parses an optional integer parameter: -1100 for anything but digits.
func int64Param(p params, name string) (int64, bool, *apiError) {
	s, ok := p[name]
	if !ok {
		return 0, false, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 0 {
		return 0, true, errIllegal(name)
	}
	return v, true, nil
}

// myTrades answers the WebSocket API's myTrades on market m: the account's trades,
// oldest first, filtered as web-socket-api.md documents: orderId alone or with fromId
// (startTime and endTime "cannot be used together with orderId"), fromId ("trades with
// trade ID >= fromId"; not with startTime or endTime), a time range of at most 24 hours;
// limit defaults to 500 and is at most 1000. Without fromId or a start the most recent
// trades are returned.
func (e *Exchange) myTrades(a *Account, m *Market, p params) ([]byte, *apiError) {
	orderID, hasOrder, err := int64Param(p, "orderId")
	if err != nil {
		return nil, err
	}
	start, hasStart, err := int64Param(p, "startTime")
	if err != nil {
		return nil, err
	}
	end, hasEnd, err := int64Param(p, "endTime")
	if err != nil {
		return nil, err
	}
	fromID, hasFrom, err := int64Param(p, "fromId")
	if err != nil {
		return nil, err
	}
	limit, hasLimit, err := int64Param(p, "limit")
	if err != nil {
		return nil, err
	}
	switch {
	case hasOrder && (hasStart || hasEnd), hasFrom && (hasStart || hasEnd):
		return nil, errTradesCombo
	case hasStart && hasEnd && (end < start || end-start > 24*3_600_000):
		return nil, errTradesSpan
	case hasLimit && (limit < 1 || limit > 1000):
		return nil, &apiError{400, -1130, "Data sent for parameter 'limit' is not valid."}
	}
	if !hasLimit {
		limit = 500
	}
	var sel []*accountTrade
	for i := range a.trades {
		t := &a.trades[i]
		if t.market != m || hasOrder && t.orderID != uint64(orderID) || hasFrom && t.id < uint64(fromID) ||
			hasStart && t.time < start || hasEnd && t.time > end {
			continue
		}
		sel = append(sel, t)
	}
	if int64(len(sel)) > limit {
		if hasFrom || hasStart && !hasEnd {
			sel = sel[:limit] // from the first one asked for
		} else {
			sel = sel[int64(len(sel))-limit:] // the most recent
		}
	}
	w := &jw{b: []byte{'['}, first: true}
	for _, t := range sel {
		w.elem().str("symbol", m.inst.Symbol).uint("id", t.id).uint("orderId", t.orderID).int("orderListId", -1)
		w.dec("price", t.price).dec("qty", t.qty).dec("quoteQty", t.quote)
		w.dec("commission", t.commission).str("commissionAsset", commissionAssetOr(t.commissionAsset, m.inst.Quote))
		w.int("time", t.time).bool("isBuyer", t.buyer).bool("isMaker", t.maker).bool("isBestMatch", true)
		w.close()
	}
	return append(w.b, ']'), nil
}

// commissionAssetOr returns asset, or def when no commission was charged: Binance
// names an asset on every trade.
func commissionAssetOr(asset, def string) string {
	if asset == "" {
		return def
	}
	return asset
}

// BinanceLoseStreams makes the spot user data streams lose every execution report and
// balance update while on is set, as if the client's subscription had been down: a
// client learns what it missed only by asking (order.status, myTrades).
func (e *Exchange) BinanceLoseStreams(on bool) {
	e.mu.Lock()
	e.binanceLose = on
	e.mu.Unlock()
}

// BinanceDelayStreams holds the spot user data events back while on is set and sends
// them, in order, to the subscribers of the moment when it is cleared: reports that a
// client's order.status answer overtakes.
func (e *Exchange) BinanceDelayStreams(on bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.binanceDelay = on
	if on {
		return
	}
	held := e.binanceDelayed
	e.binanceDelayed = nil
	for _, h := range held {
		e.sendEvent(h.a, h.event)
	}
}

// BinanceDropConnections closes every spot WebSocket API connection, as a network fault
// would: clients must reconnect, subscribe again and ask about their orders.
func (e *Exchange) BinanceDropConnections() {
	e.connMu.Lock()
	var kill []*conn
	for c := range e.conns {
		if c.wsapi {
			kill = append(kill, c)
		}
	}
	e.connMu.Unlock()
	for _, c := range kill {
		c.kill()
	}
}
