package exchange

import (
	"net/http"
	"strconv"

	"github.com/nanotick/nanotick/perp"
)

// restLeverageBracket serves GET /fapi/v1/leverageBracket (USDⓈ-M Futures, Account:
// "Notional and Leverage Brackets (USER_DATA)", weight 1): with symbol, that symbol's
// brackets as one object; without, every perpetual's in an array. Numbers are JSON
// numbers, as the documentation's example has them; notionalCoef is left out, as
// Binance does when the account's brackets are the symbol's defaults.
func (e *Exchange) restLeverageBracket(r *restReq) ([]byte, *apiError) {
	if r.method != http.MethodGet {
		return nil, errMethod
	}
	if _, err := e.signedReq(r); err != nil {
		return nil, err
	}
	if r.params["symbol"] != "" {
		m, err := e.symbolParam(r)
		if err != nil {
			return nil, err
		}
		return appendBrackets(nil, m.inst.Symbol, e.usdm.cfg.Brackets), nil
	}
	b := []byte{'['}
	for i, sym := range e.usdm.symbols() {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendBrackets(b, sym, e.usdm.cfg.Brackets)
	}
	return append(b, ']'), nil
}

// appendBrackets appends one symbol's {"symbol","brackets":[...]} object.
func appendBrackets(b []byte, sym string, brackets perp.Brackets) []byte {
	b = append(b, `{"symbol":`...)
	b = strconv.AppendQuote(b, sym)
	b = append(b, `,"brackets":[`...)
	for i, t := range brackets {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"bracket":`...)
		b = strconv.AppendInt(b, int64(i+1), 10)
		b = append(b, `,"initialLeverage":`...)
		b = strconv.AppendInt(b, int64(t.InitialLeverage), 10)
		b = append(b, `,"notionalCap":`...)
		b = append(b, t.NotionalCap.String()...)
		b = append(b, `,"notionalFloor":`...)
		b = append(b, t.NotionalFloor.String()...)
		b = append(b, `,"maintMarginRatio":`...)
		b = append(b, t.MaintMarginRatio.String()...)
		b = append(b, `,"cum":`...)
		b = append(b, t.Cum.String()...)
		b = append(b, '}')
	}
	return append(b, "]}"...)
}
