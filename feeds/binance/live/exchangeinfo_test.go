package live

import (
	"context"
	"strings"
	"testing"

	"github.com/nanotick/nanotick/exchange"
	"github.com/nanotick/nanotick/instrument"
)

// Payloads in the shapes of Binance's documentation examples, trimmed to the fields read.
const (
	spotInfo = `{"timezone":"UTC","serverTime":1565246363776,"rateLimits":[],"exchangeFilters":[],"symbols":[{"symbol":"BTCUSDT","status":"TRADING","baseAsset":"BTC","baseAssetPrecision":8,"quoteAsset":"USDT","quotePrecision":8,"filters":[{"filterType":"PRICE_FILTER","minPrice":"0.01000000","maxPrice":"1000000.00000000","tickSize":"0.01000000"},{"filterType":"LOT_SIZE","minQty":"0.00001000","maxQty":"9000.00000000","stepSize":"0.00001000"},{"filterType":"ICEBERG_PARTS","limit":10},{"filterType":"NOTIONAL","minNotional":"5.00000000","applyMinToMarket":true,"maxNotional":"9000000.00000000","applyMaxToMarket":false,"avgPriceMins":5}]}]}`
	usdmInfo = `{"timezone":"UTC","serverTime":1565246363776,"futuresType":"U_MARGINED","symbols":[{"symbol":"BTCUSDT","pair":"BTCUSDT","contractType":"PERPETUAL","status":"TRADING","baseAsset":"BTC","quoteAsset":"USDT","marginAsset":"USDT","pricePrecision":2,"quantityPrecision":3,"filters":[{"filterType":"PRICE_FILTER","maxPrice":"4529764","minPrice":"556.80","tickSize":"0.10"},{"filterType":"LOT_SIZE","maxQty":"1000","minQty":"0.001","stepSize":"0.001"},{"filterType":"MARKET_LOT_SIZE","maxQty":"120","minQty":"0.001","stepSize":"0.001"},{"filterType":"MIN_NOTIONAL","notional":"100"}]},{"symbol":"BTCUSDT_250627","contractType":"CURRENT_QUARTER","baseAsset":"BTC","quoteAsset":"USDT","filters":[]}]}`
)

func TestParseExchangeInfo(t *testing.T) {
	for _, tc := range []struct {
		venue, body string
		want        instrument.Spec
	}{
		{instrument.VenueBinanceSpot, spotInfo, instrument.BinanceSpotBTCUSDT()},
		{instrument.VenueBinanceUSDM, usdmInfo, instrument.BinanceUSDMBTCUSDT()},
	} {
		got, err := ParseExchangeInfo(tc.venue, []byte(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 {
			t.Errorf("%s: %d symbols, want the perpetual or spot one only", tc.venue, len(got))
		}
		v, ok := got[tc.want.ID]
		if !ok {
			t.Fatalf("%s: %v", tc.venue, got)
		}
		if d := tc.want.Diff(&v); d != nil {
			t.Errorf("%s: the venue's own rules differ from the fixture: %v", tc.venue, d)
		}
		wrong := tc.want
		wrong.Tick *= 10
		wrong.Quote = "USDC"
		if d := wrong.Diff(&v); len(d) != 2 || !strings.Contains(strings.Join(d, ";"), "tick") {
			t.Errorf("%s: a wrong tick and quote give %v", tc.venue, d)
		}
	}
	for _, bad := range []string{`{"symbols":[{"symbol":"X","filters":[{"filterType":"PRICE_FILTER","tickSize":"abc"}]}]}`, `{"symbols":[{}]}`, `[`, `{"symbols":[{"symbol":"X","filters":[{"filterType":"LOT_SIZE","stepSize":"0.000000001"}]}]}`} {
		if _, err := ParseExchangeInfo("binance-spot", []byte(bad)); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}

func FuzzParseExchangeInfo(f *testing.F) {
	f.Add([]byte(spotInfo))
	f.Add([]byte(usdmInfo))
	f.Fuzz(func(t *testing.T, body []byte) {
		specs, err := ParseExchangeInfo("binance-spot", body)
		if err != nil {
			return
		}
		for id, sp := range specs {
			if id != sp.ID || id.Symbol == "" {
				t.Fatalf("spec %+v under %v", sp, id)
			}
		}
	})
}

// TestCheckInstrumentsLocal asks the local exchange, which serves exchangeInfo as
// Binance does, for spot BTCUSDT and ETHUSDT and the BTCUSDT perpetual.
func TestCheckInstrumentsLocal(t *testing.T) {
	ex, err := exchange.Start(t.Context(), exchange.Config{
		Instruments: []exchange.Instrument{exchange.BTCUSDT(), exchange.ETHUSDT()},
		Futures:     []exchange.FuturesInstrument{exchange.BTCUSDTPerp()},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer ex.Close()
	spot := instrument.BinanceSpotBTCUSDT()
	spot.ID.Venue = instrument.VenueSim
	eth := instrument.Spec{ID: instrument.ID{Venue: instrument.VenueSim, Symbol: "ETHUSDT"}, Kind: instrument.Spot, Base: "ETH", Quote: "USDT",
		PriceScale: 8, QtyScale: 8, Tick: 1_000_000, Lot: 10_000, MinQty: 10_000, MaxQty: 9000e8, MinNotional: 5e8}
	perp := instrument.BinanceUSDMBTCUSDT()
	table := instrument.MustTable(spot, eth, perp)
	ctx := context.Background()
	if err := CheckInstruments(ctx, nil, ex.RESTURL(), instrument.VenueSim, table); err != nil {
		t.Errorf("sim: %v", err)
	}
	if err := CheckInstruments(ctx, nil, ex.RESTURL(), instrument.VenueBinanceUSDM, table); err != nil {
		t.Errorf("usdm: %v", err)
	}
	eth.Lot *= 10
	sol := spot
	sol.ID.Symbol = "SOLUSDT"
	err = CheckInstruments(ctx, nil, ex.RESTURL(), instrument.VenueSim, instrument.MustTable(spot, eth, sol))
	if err == nil || !strings.Contains(err.Error(), "sim:ETHUSDT: lot") || !strings.Contains(err.Error(), "sim:SOLUSDT: the venue does not list it") {
		t.Errorf("mismatches: %v", err)
	}
	if err := CheckInstruments(ctx, nil, "http://127.0.0.1:1", instrument.VenueSim, table); err == nil {
		t.Error("an unreachable venue passed the check")
	}
}
