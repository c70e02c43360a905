package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestVenueInputs: which Bybit and Kraken recordings inspect, book and backtest read
// together, each venue by its own rule (Bybit: one symbol, a linear file making the
// whole linear; Kraken: one pair at the same scales), and how a mix is refused.
func TestVenueInputs(t *testing.T) {
	const (
		krakenInst   = `1 {"channel":"instrument","type":"snapshot","data":{"assets":[],"pairs":[{"symbol":"BTC/USD","base":"BTC","quote":"USD","status":"online","qty_precision":8,"qty_increment":0.00000001,"price_precision":1,"price_increment":0.1,"cost_precision":5,"cost_min":"0.5","qty_min":0.0001}]}}`
		krakenInst2  = `1 {"channel":"instrument","type":"snapshot","data":{"assets":[],"pairs":[{"symbol":"BTC/USD","base":"BTC","quote":"USD","status":"online","qty_precision":8,"qty_increment":0.00000001,"price_precision":2,"price_increment":0.01,"cost_precision":5,"cost_min":"0.5","qty_min":0.0001}]}}`
		krakenBook   = `2 {"channel":"book","type":"snapshot","data":[{"symbol":"BTC/USD","bids":[{"price":60000.1,"qty":1.5}],"asks":[{"price":60000.2,"qty":0.5}],"checksum":1}]}`
		bybitBook    = `1 {"topic":"orderbook.50.BTCUSDT","type":"snapshot","ts":1,"data":{"s":"BTCUSDT","b":[["60000.10","0.001"]],"a":[["60000.20","0.002"]],"u":1,"seq":1},"cts":1}`
		bybitETHBook = `1 {"topic":"orderbook.50.ETHUSDT","type":"snapshot","ts":1,"data":{"s":"ETHUSDT","b":[["2500.10","0.001"]],"a":[["2500.20","0.002"]],"u":1,"seq":1},"cts":1}`
		bybitTicker  = `2 {"topic":"tickers.BTCUSDT","type":"snapshot","data":{"symbol":"BTCUSDT","markPrice":"60000.0","fundingRate":"0.0001"},"cs":1,"ts":1}`
		binance      = `1 {"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[["60000.12","1.5000"]],"a":[]}}`
	)
	dir := t.TempDir()
	file := func(name string, lines ...string) string {
		p := filepath.Join(dir, name+".gz")
		writeGzip(t, p, []byte(strings.Join(lines, "\n")+"\n"))
		return p
	}
	kr, kr2 := file("kraken", krakenInst, krakenBook), file("kraken-2dp", krakenInst2, krakenBook)
	spot, linear, eth := file("bybit-spot", bybitBook), file("bybit-linear", bybitBook, bybitTicker), file("bybit-eth", bybitETHBook)
	bn := file("binance", binance)
	for _, tc := range []struct {
		name  string
		v     *recordingVenue
		files []string
		ok    bool
		want  string // the instrument, or the error
	}{
		{"one kraken file", &krakenRecordings, []string{kr, kr}, true, "kraken:BTC/USD 1/8"},
		{"kraken at other scales", &krakenRecordings, []string{kr, kr2}, true, "kraken-2dp.gz holds kraken:BTC/USD at scales 2/8, " + kr + " holds kraken:BTC/USD at 1/8"},
		{"kraken then binance", &krakenRecordings, []string{kr, bn}, true, "binance.gz is not a Kraken recording, " + kr + " is"},
		{"binance is not kraken", &krakenRecordings, []string{bn, kr}, false, ""},
		{"bybit spot", &bybitRecordings, []string{spot, spot}, true, "bybit-spot:BTCUSDT 8/8"},
		{"a linear file makes it linear", &bybitRecordings, []string{spot, linear, spot}, true, "bybit-linear:BTCUSDT 8/8"},
		{"bybit of two symbols", &bybitRecordings, []string{linear, eth}, true, "bybit-eth.gz holds bybit-spot:ETHUSDT, " + linear + " holds bybit-linear:BTCUSDT"},
		{"bybit then kraken", &bybitRecordings, []string{spot, kr}, true, "kraken.gz is not a Bybit recording, " + spot + " is"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			heads := newDataHeads()
			defer heads.close()
			sp, ok, err := heads.venueInputs(tc.v, tc.files)
			var got string
			switch {
			case err != nil:
				got = err.Error()
			case sp != nil:
				got = fmt.Sprintf("%s %d/%d", sp.ID, sp.PriceScale, sp.QtyScale)
			}
			if ok != tc.ok || !strings.HasSuffix(got, tc.want) || tc.want == "" && got != "" {
				t.Errorf("ok %v, %q; want %v, ...%q", ok, got, tc.ok, tc.want)
			}
		})
	}
}
