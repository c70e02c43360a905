package live

import (
	"slices"
	"testing"
)

// TestUSDMRoute checks the routed path of each stream nanotick may ask USD-M for,
// against the split of Binance's official SDK (public: depth and book tickers;
// market: the rest) and the documented rule for trades (/market).
func TestUSDMRoute(t *testing.T) {
	for _, tc := range []struct{ stream, path string }{
		{"depth", USDMPublicPath}, {"depth@0ms", USDMPublicPath}, {"depth@100ms", USDMPublicPath},
		{"depth@500ms", USDMPublicPath}, {"depth20@100ms", USDMPublicPath}, {"rpiDepth@500ms", USDMPublicPath},
		{"bookTicker", USDMPublicPath},
		{"trade", USDMMarketPath}, {"aggTrade", USDMMarketPath}, {"markPrice", USDMMarketPath},
		{"markPrice@1s", USDMMarketPath}, {"forceOrder", USDMMarketPath}, {"kline_1m", USDMMarketPath},
	} {
		if got := USDMRoute(tc.stream); got != tc.path {
			t.Errorf("USDMRoute(%q) = %q, want %q", tc.stream, got, tc.path)
		}
	}
	pub, mkt := USDMSplit([]string{"depth@0ms", "trade", "bookTicker", "markPrice@1s"})
	if !slices.Equal(pub, []string{"depth@0ms", "bookTicker"}) || !slices.Equal(mkt, []string{"trade", "markPrice@1s"}) {
		t.Errorf("USDMSplit: public %v, market %v", pub, mkt)
	}
}

func TestCheckUSDMHost(t *testing.T) {
	for _, tc := range []struct {
		base string
		ok   bool
	}{
		{"wss://fstream.binance.com", true}, {"wss://fstream.binance.com/", true},
		{"ws://127.0.0.1:9000/fstream", true}, {"wss://fstream.binancefuture.com", true},
		{"wss://fstream.binance.com/public", false}, {"wss://fstream.binance.com/market/", false},
		{"wss://fstream.binance.com/private", false}, {"wss://fstream.binance.com/ws", false},
		{"wss://fstream.binance.com/stream", false},
	} {
		if err := CheckUSDMHost(tc.base); (err == nil) != tc.ok {
			t.Errorf("CheckUSDMHost(%q) = %v, want ok %v", tc.base, err, tc.ok)
		}
	}
}
