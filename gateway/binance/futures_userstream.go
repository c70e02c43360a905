package binance

import "strings"

// futuresUserStreamURL returns the user data stream of listenKey under base, the USD-M
// websocket host ("wss://fstream.binance.com"): <base>/private/ws/<listenKey>. Since
// 2026-04-23 Binance routes USD-M websocket traffic by path (/public, /market, /private;
// the USDⓈ-M "Websocket Market Streams" page, and the official SDK
// @binance/derivatives-trading-usds-futures, whose userData() subscribes the listen key
// on /private); on the unrouted /ws/<listenKey> the connection opens and no event ever
// arrives. A base that already ends in /private is taken as it is.
func futuresUserStreamURL(base, listenKey string) string {
	base = strings.TrimRight(base, "/")
	if !strings.HasSuffix(base, "/private") {
		base += "/private"
	}
	return base + "/ws/" + listenKey
}
