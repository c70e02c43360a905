package live

// Binance USD-M's routed stream paths. Since 2026-04-23 fstream.binance.com serves its
// streams by path (developers.binance.com, "Market Data Streams": "USD-M Futures
// routes streams by path"; USD-M "User Data Streams", Connect): /public carries the
// high-frequency public market data (the depth streams and book tickers), /market the
// regular market data (trades, aggregate trades, the mark price, liquidations,
// tickers, klines), /private the user data streams (/private/ws/<listenKey>). A
// connection with no routed path receives /public data only: a mark price or a
// listen key asked for there is accepted and never delivered. The split of the
// streams follows Binance's official SDK (@binance/derivatives-trading-usds-futures,
// whose stream methods are grouped public, market and private); @trade, which neither
// names, goes with the documented rule for trades: /market.

import (
	"fmt"
	"strings"
)

// The routed paths, appended to the USD-M stream host ("wss://fstream.binance.com").
const (
	USDMPublicPath  = "/public"
	USDMMarketPath  = "/market"
	USDMPrivatePath = "/private"
)

// USDMRoute returns the routed path that carries a USD-M stream, named without its
// symbol ("depth@100ms", "bookTicker", "trade", "markPrice@1s"): USDMPublicPath for the
// depth streams and book tickers, USDMMarketPath for every other market stream.
func USDMRoute(stream string) string {
	if stream == "bookTicker" || strings.HasPrefix(stream, "depth") || strings.HasPrefix(stream, "rpiDepth") {
		return USDMPublicPath
	}
	return USDMMarketPath
}

// USDMSplit splits streams (named without the symbol) by the routed path that carries
// them, each group in its given order; a group may be empty.
func USDMSplit(streams []string) (public, market []string) {
	for _, s := range streams {
		if USDMRoute(s) == USDMPublicPath {
			public = append(public, s)
		} else {
			market = append(market, s)
		}
	}
	return public, market
}

// CheckUSDMHost reports an error when base, the USD-M stream host, already ends in a
// routed path or a stream path: the routed paths are derived from the host, so
// "wss://fstream.binance.com/market" would become ".../market/public".
func CheckUSDMHost(base string) error {
	b := strings.TrimRight(base, "/")
	for _, p := range []string{USDMPublicPath, USDMMarketPath, USDMPrivatePath, "/ws", "/stream"} {
		if strings.HasSuffix(b, p) {
			return fmt.Errorf("ends in %s: give the stream host (\"wss://fstream.binance.com\"); nanotick derives the routed paths /public, /market and /private from it", p)
		}
	}
	return nil
}
