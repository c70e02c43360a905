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
	f := venueFiles(t)
	kr, kr2, spot, linear, eth, bn := f["kraken"], f["kraken-2dp"], f["bybit-spot"], f["bybit-linear"], f["bybit-eth"], f["binance"]
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

// venueFiles writes Bybit, Kraken and Binance recordings of a record or two each, by
// name.
func venueFiles(t *testing.T) map[string]string {
	t.Helper()
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
	files := map[string]string{}
	for name, lines := range map[string][]string{
		"kraken": {krakenInst, krakenBook}, "kraken-2dp": {krakenInst2, krakenBook},
		"bybit-spot": {bybitBook}, "bybit-linear": {bybitBook, bybitTicker}, "bybit-eth": {bybitETHBook},
		"binance": {binance},
	} {
		files[name] = filepath.Join(dir, name+".gz")
		writeGzip(t, files[name], []byte(strings.Join(lines, "\n")+"\n"))
	}
	return files
}

// TestApplyVenueData: a backtest over Bybit or Kraken recordings trades the recorded
// instrument, with the venue's rules when there is no config (Bybit: BTCUSDT's only;
// Kraken: the recorded instrument snapshot's), and refuses a config of another
// instrument or at scales the venue cannot read (Bybit: fewer decimals; Kraken: any
// other than the checksum's).
func TestApplyVenueData(t *testing.T) {
	f := venueFiles(t)
	for _, tc := range []struct {
		name   string
		v      *recordingVenue
		file   string
		config *[3]string // venue, symbol, scales "p/q"; nil: no config
		ok     bool
		code   int
		want   string // stderr, or the instrument fitted: "venue symbol tick lot"
	}{
		{"bybit linear without a config", &bybitRecordings, f["bybit-linear"], nil, true, 0, "bybit-linear BTCUSDT 10000000 100000"},
		{"bybit spot without a config", &bybitRecordings, f["bybit-spot"], nil, true, 0, "bybit-spot BTCUSDT 1000000 100"},
		{"bybit other symbol without a config", &bybitRecordings, f["bybit-eth"], nil, true, 2,
			"nanotick backtest: --data holds bybit-spot:ETHUSDT, whose rules (tick, lot) the recording does not give: give a config declaring it\n"},
		{"bybit config at fewer decimals", &bybitRecordings, f["bybit-linear"], &[3]string{"bybit-linear", "BTCUSDT", "2/3"}, true, 2,
			"nanotick backtest: the config reads bybit-linear:BTCUSDT at 2/3 decimals; a Bybit recording is read at 8/8\n"},
		{"bybit config of the instrument", &bybitRecordings, f["bybit-linear"], &[3]string{"bybit-linear", "BTCUSDT", "8/8"}, true, 0, ""},
		{"bybit config of another venue", &bybitRecordings, f["bybit-linear"], &[3]string{"bybit-spot", "BTCUSDT", "8/8"}, true, 2,
			"nanotick backtest: --data holds bybit-linear:BTCUSDT, but the strategy trades bybit-spot:BTCUSDT\n"},
		{"kraken without a config", &krakenRecordings, f["kraken"], nil, true, 0, "kraken BTC/USD 1 1"},
		{"kraken config at more decimals", &krakenRecordings, f["kraken"], &[3]string{"kraken", "BTC/USD", "2/8"}, true, 2,
			"nanotick backtest: the config reads kraken:BTC/USD at 2/8 decimals, the recording's instrument snapshot says 1/8 (Kraken's precisions, at which its checksum is computed)\n"},
		{"kraken config of the instrument", &krakenRecordings, f["kraken"], &[3]string{"kraken", "BTC/USD", "1/8"}, true, 0, ""},
		{"kraken config of another symbol", &krakenRecordings, f["kraken"], &[3]string{"kraken", "ETH/USD", "1/8"}, true, 2,
			"nanotick backtest: --data holds kraken:BTC/USD, but the strategy trades kraken:ETH/USD\n"},
		{"binance is neither", &krakenRecordings, f["binance"], nil, false, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s settings
			ec := &s.bt.Engine
			if tc.config != nil {
				ec.Venue, ec.Instrument.Symbol = tc.config[0], tc.config[1]
				fmt.Sscanf(tc.config[2], "%d/%d", &ec.Instrument.PriceScale, &ec.Instrument.QtyScale)
			}
			heads := newDataHeads()
			defer heads.close()
			var stderr strings.Builder
			apply := s.applyBybitData
			if tc.v == &krakenRecordings {
				apply = s.applyKrakenData
			}
			code, ok := apply(heads, []dataFile{{path: tc.file}}, tc.config != nil, &stderr)
			got := stderr.String()
			if got == "" && tc.config == nil && ok && code == 0 {
				got = fmt.Sprintf("%s %s %d %d", ec.Venue, ec.Instrument.Symbol, ec.Instrument.Tick, ec.Instrument.Lot)
				if ec.Rules.Tick != ec.Instrument.Tick || ec.Rules.Lot != ec.Instrument.Lot || ec.Rules.PriceScale != ec.Instrument.PriceScale {
					t.Errorf("rules %+v differ from the instrument %+v", ec.Rules, ec.Instrument)
				}
			}
			if ok != tc.ok || code != tc.code || got != tc.want {
				t.Errorf("ok %v code %d %q; want %v %d %q", ok, code, got, tc.ok, tc.code, tc.want)
			}
		})
	}
}
