package exchange

// Bybit v5 GET /v5/market/instruments-info (github.com/bybit-exchange/docs at 072c197,
// v5/market/instrument): the rules of the local exchange's spot markets
// (category=spot) and perpetuals (category=linear), in Bybit's documented shape, so that
// a client checks its configuration against them before trading as it would against
// Bybit. Public: not signed.
//
//   - category is required: spot or linear here (10001 otherwise); symbol narrows the
//     list to one symbol (an unknown one gives an empty list); status filters by status
//     (every market here is "Trading", the default filter);
//   - linear pages with limit ([1, 1000], default 500) and cursor (the nextPageCursor
//     of the previous page, "" after the last); "Spot does not support pagination, so
//     limit, cursor are invalid": spot ignores them and has no nextPageCursor;
//   - linear entries: symbol, symbolId, contractType LinearPerpetual, status, baseCoin,
//     quoteCoin, symbolType, launchTime, deliveryTime, deliveryFeeRate, priceScale,
//     leverageFilter, priceFilter (minPrice, maxPrice, tickSize), lotSizeFilter
//     (minNotionalValue, maxOrderQty, maxMktOrderQty, minOrderQty, qtyStep,
//     postOnlyMaxOrderQty), unifiedMarginTrade, fundingInterval (minutes, the local
//     exchange's funding grid rounded up), settleCoin, copyTrading, upperFundingRate,
//     lowerFundingRate, displayName, forbidUplWithdrawal, riskParameters, isPreListing,
//     preListingInfo (null);
//   - spot entries: symbolId, symbol, baseCoin, quoteCoin, innovation, symbolType,
//     status, marginTrading, stTag, lotSizeFilter (basePrecision, quotePrecision,
//     minOrderQty, maxOrderQty, minOrderAmt, maxOrderAmt, maxLimitOrderQty,
//     maxMarketOrderQty, postOnlyMaxLimitOrderSize), priceFilter (tickSize),
//     riskParameters, and forbidUplWithdrawal (not in the spot table of the docs, but
//     in the typing of Bybit's Node SDK).
//
// Numbers are printed as Bybit prints them: prices at the tick's decimals, quantities at
// the step's.

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"
)

func (e *Exchange) handleBybitInstruments(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	out := &jw{}
	out.open()
	code, msg := 0, "OK"
	var res jw
	res.open()
	switch cat := q.Get("category"); {
	case r.Method != http.MethodGet:
		code, msg = codeBybitParam, "the local exchange serves GET only here"
	case cat != "spot" && cat != "linear":
		code, msg = codeBybitParam, "params error: category must be spot or linear on the local exchange"
	default:
		code, msg = e.bybitInstruments(cat, q, &res)
	}
	res.close()
	out.int("retCode", int64(code)).str("retMsg", msg)
	if code == 0 {
		out.raw("result", res.b)
	} else {
		out.raw("result", []byte("{}"))
	}
	out.raw("retExtInfo", []byte("{}")).int("time", time.Now().UnixMilli())
	out.close()
	writeJSON(w, 200, out.b)
}

// bybitInstruments writes the result of an instruments-info query of cat.
func (e *Exchange) bybitInstruments(cat string, q url.Values, w *jw) (int, string) {
	limit := 500
	if v := q.Get("limit"); v != "" && cat == "linear" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return codeBybitParam, "params error: limit must be within [1, 1000]"
		}
		limit = n
	}
	sym, status := q.Get("symbol"), q.Get("status")
	if status != "" && status != "Trading" {
		sym = "\x00" // nothing here has another status
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	var list []Instrument
	var perps []FuturesInstrument
	if cat == "spot" {
		for _, in := range e.listed() {
			if sym == "" || in.Symbol == sym {
				list = append(list, in)
			}
		}
	} else {
		for _, fi := range e.cfg.Futures {
			if sym == "" || fi.Symbol == sym {
				perps = append(perps, fi)
			}
		}
		slices.SortFunc(perps, func(a, b FuturesInstrument) int { return cmpString(a.Symbol, b.Symbol) })
	}
	w.str("category", cat)
	w.arr("list")
	next := ""
	if cat == "spot" {
		for i, in := range list {
			w.elem()
			appendBybitSpotInstrument(w, in, i+1)
			w.close()
		}
	} else {
		// The cursor is the last symbol of the previous page.
		start := 0
		if c := q.Get("cursor"); c != "" {
			start = len(perps)
			for i, fi := range perps {
				if fi.Symbol > c {
					start = i
					break
				}
			}
		}
		end := min(start+limit, len(perps))
		for i := start; i < end; i++ {
			w.elem()
			e.appendBybitLinearInstrument(w, perps[i], i+1)
			w.close()
		}
		if end < len(perps) {
			next = perps[end-1].Symbol
		}
	}
	w.endArr()
	if cat == "linear" {
		w.str("nextPageCursor", next)
	}
	return 0, "OK"
}

func appendBybitSpotInstrument(w *jw, in Instrument, id int) {
	pd, qd := stepDecimals(in.TickSize), stepDecimals(in.StepSize)
	w.int("symbolId", int64(id)).str("symbol", in.Symbol).str("baseCoin", in.Base).str("quoteCoin", in.Quote)
	w.str("innovation", "0").str("symbolType", "").str("status", "Trading").str("marginTrading", "none").str("stTag", "0")
	w.obj("lotSizeFilter")
	w.str("basePrecision", wireAt(qd, in.StepSize)).str("quotePrecision", "0.00000001")
	w.str("minOrderQty", wireAt(qd, in.MinQty)).str("maxOrderQty", wireAt(qd, in.MaxQty))
	w.str("minOrderAmt", decText(in.MinNotional)).str("maxOrderAmt", "9000000")
	w.str("maxLimitOrderQty", wireAt(qd, in.MaxQty)).str("maxMarketOrderQty", wireAt(qd, in.MaxQty))
	w.str("postOnlyMaxLimitOrderSize", wireAt(qd, in.MaxQty))
	w.close()
	w.obj("priceFilter").str("tickSize", wireAt(pd, in.TickSize)).close()
	w.obj("riskParameters").str("priceLimitRatioX", "0.05").str("priceLimitRatioY", "0.1").close()
	w.bool("forbidUplWithdrawal", false)
}

func (e *Exchange) appendBybitLinearInstrument(w *jw, fi FuturesInstrument, id int) {
	pd, qd := stepDecimals(fi.TickSize), stepDecimals(fi.StepSize)
	interval := int64(8 * time.Hour)
	if e.linear != nil {
		interval = e.linear.interval
	}
	minutes := (interval + int64(time.Minute) - 1) / int64(time.Minute)
	w.str("symbol", fi.Symbol).int("symbolId", int64(id)).str("contractType", "LinearPerpetual").str("status", "Trading")
	w.str("baseCoin", fi.Base).str("quoteCoin", fi.Quote).str("symbolType", "")
	w.str("launchTime", strconv.FormatInt(e.start.UnixMilli(), 10)).str("deliveryTime", "0").str("deliveryFeeRate", "")
	w.str("priceScale", strconv.Itoa(int(pd)))
	w.obj("leverageFilter").str("minLeverage", "1").str("maxLeverage", "100.00").str("leverageStep", "0.01").close()
	w.obj("priceFilter").str("minPrice", wireAt(pd, fi.MinPrice)).str("maxPrice", wireAt(pd, fi.MaxPrice)).str("tickSize", wireAt(pd, fi.TickSize)).close()
	w.obj("lotSizeFilter")
	w.str("maxOrderQty", wireAt(qd, fi.MaxQty)).str("minOrderQty", wireAt(qd, fi.MinQty)).str("qtyStep", wireAt(qd, fi.StepSize))
	w.str("postOnlyMaxOrderQty", wireAt(qd, fi.MaxQty)).str("maxMktOrderQty", wireAt(qd, fi.MaxQty)).str("minNotionalValue", decText(fi.MinNotional))
	w.close()
	w.bool("unifiedMarginTrade", true).int("fundingInterval", minutes).str("settleCoin", fi.Quote).str("copyTrading", "none")
	w.str("upperFundingRate", "0.00375").str("lowerFundingRate", "-0.00375").str("displayName", "").bool("forbidUplWithdrawal", false)
	w.obj("riskParameters").str("priceLimitRatioX", "0.01").str("priceLimitRatioY", "0.02").close()
	w.bool("isPreListing", false).raw("preListingInfo", []byte("null"))
}
