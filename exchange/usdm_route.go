package exchange

// USD-M's routed stream paths, as Binance serves fstream.binance.com since
// 2026-04-23 (developers.binance.com, "Market Data Streams": "USD-M Futures routes
// streams by path"; USD-M "User Data Streams", Connect: "Base Url:
// wss://fstream.binance.com/private", "/ws/<listenKey>"):
//   - /fstream/public/{stream,ws}: high-frequency public market data, the depth
//     streams and the book tickers;
//   - /fstream/market/{stream,ws}: regular market data: trades, aggregate trades,
//     the mark price, liquidation orders, tickers, klines;
//   - /fstream/private/{stream,ws}: user data (listen keys), /ws/<listenKey> or
//     /ws?listenKey=<key>;
//   - the unrouted /fstream/stream and /fstream/ws/... deliver /public streams only:
//     a subscription to a /market stream or a listen key there is accepted and never
//     delivers ("This fails silently rather than erroring"), so that a client still
//     on the retired URLs fails here the way it fails on Binance.
// The split follows Binance's official SDK (@binance/derivatives-trading-usds-futures
// 38.1.1: its stream methods are grouped "public", "market" and "private"); @trade,
// which neither the SDK nor the route table names, goes with the documented rule for
// trades ("regular market data, for example @aggTrade"): /market.

import "strings"

// The routes of a USD-M stream connection: routeNone is the unrouted path.
const (
	routeNone    = ""
	routePublic  = "public"
	routeMarket  = "market"
	routePrivate = "private"
)

// usdmRoute is the route that carries stream: private for a listen key (a name with
// no '@'), public for the depth streams and book tickers, market for the rest.
func usdmRoute(stream string) string {
	_, kind, ok := strings.Cut(stream, "@")
	if !ok {
		return routePrivate
	}
	if kind == "bookTicker" || strings.HasPrefix(kind, "depth") || strings.HasPrefix(kind, "rpiDepth") {
		return routePublic
	}
	return routeMarket
}

// routeCarries reports whether a connection on route receives a stream of route
// streamRoute: its own route's streams, and on the unrouted path the public ones.
func routeCarries(route, streamRoute string) bool {
	return route == streamRoute || (route == routeNone && streamRoute == routePublic)
}
