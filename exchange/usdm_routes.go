package exchange

// Binance routes USD-M websocket traffic by path since 2026-04-23 (the notice of
// 2026-03-06; the USDⓈ-M "Websocket Market Streams" page: wss://fstream.binance.com/public
// for high-frequency public data such as depth and bookTicker, /market for regular
// market data such as aggTrade and markPrice, /private for user data; the official SDK,
// @binance/derivatives-trading-usds-futures, routes its streams so). A user data stream
// on the unrouted path (/ws/<listenKey>) opens and never delivers an event. This
// exchange refuses it instead, with a message, so that a client still using the old path
// fails at once rather than waiting for fills that never come. Market streams are still
// served on every path (nanotick's own feed reads markPrice on the unrouted one: see the
// s9-audit12 note).

import "net/http"

// refuseUnroutedUserData answers 400 and reports true when names, asked on an unrouted
// /fstream path, hold a live listen key.
func (e *Exchange) refuseUnroutedUserData(w http.ResponseWriter, names []string) bool {
	for _, n := range names {
		if e.listenKeyValid(n) {
			writeJSON(w, http.StatusBadRequest, []byte(`{"code":-1121,"msg":"User data streams are served on /private since 2026-04-23: connect to <base>/private/ws/<listenKey>."}`))
			return true
		}
	}
	return false
}
