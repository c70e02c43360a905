package main

import "testing"

// TestRecordURLs: USD-M streams are recorded from Binance's routed paths, depth and
// book tickers from <url>/public, trades and the mark price from <url>/market; a --url
// already routed is refused; Spot keeps one URL.
func TestRecordURLs(t *testing.T) {
	usdm, spot := recordVenues["binance-usdm"], recordVenues["binance-spot"]
	for _, tc := range []struct {
		name         string
		rv           recordVenue
		base         string
		streams      []string
		main, market string
		err          bool
	}{
		{"usdm default", usdm, "wss://fstream.binance.com", []string{"depth@0ms", "trade", "bookTicker", "markPrice@1s"},
			"wss://fstream.binance.com/public/stream?streams=btcusdt@depth@0ms/btcusdt@bookTicker",
			"wss://fstream.binance.com/market/stream?streams=btcusdt@trade/btcusdt@markPrice@1s", false},
		{"usdm depth only", usdm, "ws://127.0.0.1:9/fstream", []string{"depth@100ms"},
			"ws://127.0.0.1:9/fstream/public/stream?streams=btcusdt@depth@100ms", "", false},
		{"usdm mark only", usdm, "wss://fstream.binance.com/", []string{"markPrice@1s"},
			"wss://fstream.binance.com/market/stream?streams=btcusdt@markPrice@1s", "", false},
		{"usdm routed url", usdm, "wss://fstream.binance.com/market", []string{"markPrice@1s"}, "", "", true},
		{"usdm unrouted ws", usdm, "wss://fstream.binance.com/ws", []string{"depth@0ms"}, "", "", true},
		{"spot", spot, "wss://stream.binance.com:9443", []string{"depth@100ms", "trade"},
			"wss://stream.binance.com:9443/stream?streams=btcusdt@depth@100ms/btcusdt@trade", "", false},
	} {
		main, market, err := recordURLs(tc.rv, tc.base, "BTCUSDT", tc.streams)
		if (err != nil) != tc.err || main != tc.main || market != tc.market {
			t.Errorf("%s: %q, %q, %v; want %q, %q, error %v", tc.name, main, market, err, tc.main, tc.market, tc.err)
		}
	}
}
