package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/nanotick/nanotick/exchange"
)

// simSpot and simPerps are the instruments the local exchange can list, by symbol.
var (
	simSpot  = map[string]func() exchange.Instrument{"BTCUSDT": exchange.BTCUSDT, "ETHUSDT": exchange.ETHUSDT, "BTCUSD": exchange.KrakenBTCUSD}
	simPerps = map[string]func() exchange.FuturesInstrument{"BTCUSDT": exchange.BTCUSDTPerp}
)

func simSpotNames() []string { return sortedKeys(simSpot) }
func simPerpNames() []string { return sortedKeys(simPerps) }

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// simMarkets reads the --symbols and --perps lists.
func simMarkets(symbols, perps string) ([]exchange.Instrument, []exchange.FuturesInstrument, error) {
	var spot []exchange.Instrument
	var fut []exchange.FuturesInstrument
	for _, s := range strings.Split(symbols, ",") {
		if s = strings.ToUpper(strings.TrimSpace(s)); s == "" {
			continue
		}
		f, ok := simSpot[s]
		if !ok {
			return nil, nil, fmt.Errorf("--symbols: unknown spot symbol %q (known: %s)", s, strings.Join(simSpotNames(), ", "))
		}
		spot = append(spot, f())
	}
	if len(spot) == 0 {
		return nil, nil, fmt.Errorf("--symbols: list at least one spot symbol")
	}
	for _, s := range strings.Split(perps, ",") {
		if s = strings.ToUpper(strings.TrimSpace(s)); s == "" {
			continue
		}
		f, ok := simPerps[s]
		if !ok {
			return nil, nil, fmt.Errorf("--perps: unknown perpetual %q (known: %s)", s, strings.Join(simPerpNames(), ", "))
		}
		fi := f()
		if _, listed := simSpot[fi.Follows]; listed && !hasSymbol(spot, fi.Follows) {
			fi.Follows = "" // its spot market is not listed: it walks on its own
		}
		fut = append(fut, fi)
	}
	return spot, fut, nil
}

func hasSymbol(list []exchange.Instrument, sym string) bool {
	for _, in := range list {
		if in.Symbol == sym {
			return true
		}
	}
	return false
}

func simListed(spot []exchange.Instrument, fut []exchange.FuturesInstrument) []string {
	var out []string
	for _, in := range spot {
		out = append(out, in.Symbol)
	}
	for _, fi := range fut {
		out = append(out, fi.Symbol+" perpetual")
	}
	return out
}

// printSimURLs prints where each market's data is served.
func printSimURLs(w io.Writer, ex *exchange.Exchange, spot []exchange.Instrument, fut []exchange.FuturesInstrument) {
	for _, in := range spot {
		l := strings.ToLower(in.Symbol)
		fmt.Fprintf(w, "market data  %s/stream?streams=%s@depth@100ms/%s@trade/%s@bookTicker\n", ex.MarketDataURL(), l, l, l)
		fmt.Fprintf(w, "REST         %s/api/v3/depth?symbol=%s&limit=1000\n", ex.RESTURL(), in.Symbol)
	}
	for _, fi := range fut {
		l := strings.ToLower(fi.Symbol)
		// Routed as Binance routes USD-M (exchange/usdm_route.go): the unrouted
		// /stream delivers the depth only.
		fmt.Fprintf(w, "USD-M data   %s/public/stream?streams=%s@depth@0ms/%s@bookTicker\n", ex.FuturesMarketDataURL(), l, l)
		fmt.Fprintf(w, "USD-M market %s/market/stream?streams=%s@trade/%s@markPrice@1s\n", ex.FuturesMarketDataURL(), l, l)
		fmt.Fprintf(w, "USD-M REST   %s/fapi/v1/depth?symbol=%s&limit=1000\n", ex.RESTURL(), fi.Symbol)
	}
}
