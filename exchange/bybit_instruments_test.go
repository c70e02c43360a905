package exchange

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	gwbybit "github.com/nanotick/nanotick/gateway/bybit"
	"github.com/nanotick/nanotick/instrument"
)

// bybitDocExample is one of the response examples of Bybit's docs
// (v5/market/instrument.mdx), kept verbatim in gateway/bybit's testdata.
func bybitDocExample(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile("../gateway/bybit/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// keyDiff lists the keys of want missing from got and those of got not in want,
// recursively through objects (arrays: their first elements), as paths.
func keyDiff(path string, got, want any) (missing, extra []string) {
	g, gok := got.(map[string]any)
	w, wok := want.(map[string]any)
	if ga, ok := got.([]any); ok {
		if wa, ok := want.([]any); ok && len(ga) > 0 && len(wa) > 0 {
			return keyDiff(path+"[0]", ga[0], wa[0])
		}
		return nil, nil
	}
	if !gok || !wok {
		return nil, nil
	}
	for k, v := range w {
		if gv, ok := g[k]; !ok {
			missing = append(missing, path+"."+k)
		} else {
			m, e := keyDiff(path+"."+k, gv, v)
			missing, extra = append(missing, m...), append(extra, e...)
		}
	}
	for k := range g {
		if _, ok := w[k]; !ok {
			extra = append(extra, path+"."+k)
		}
	}
	slices.Sort(missing)
	slices.Sort(extra)
	return missing, extra
}

func getJSON(t *testing.T, u string) map[string]any {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v: %s", u, err, b)
	}
	return m
}

func bybitInstrumentsExchange(t *testing.T) *Exchange {
	eth := BTCUSDTPerp()
	eth.Symbol, eth.Base, eth.Follows, eth.RefPrice = "ETHUSDT", "ETH", "", 2500*wireUnit
	return startExchange(t, Config{Seed: 5, Instruments: []Instrument{BTCUSDT(), ETHUSDT()},
		Futures: []FuturesInstrument{BTCUSDTPerp(), eth}})
}

// TestBybitInstrumentsShape: the local exchange's instruments-info has exactly the
// fields of the docs' examples, for linear and spot (plus displayName and
// forbidUplWithdrawal, which the docs' linear table lists and its example leaves out;
// spot's forbidUplWithdrawal is in the typing of Bybit's Node SDK), with the rules of
// its markets printed as Bybit prints them.
func TestBybitInstrumentsShape(t *testing.T) {
	e := bybitInstrumentsExchange(t)
	base := e.RESTURL() + "/v5/market/instruments-info"
	for _, c := range []struct {
		category, doc string
		extra         []string
		entry         map[string]string // fields of BTCUSDT's entry: path -> value
	}{
		{"linear", "instruments_linear.json", []string{".result.list[0].displayName", ".result.list[0].forbidUplWithdrawal"},
			map[string]string{"status": "Trading", "contractType": "LinearPerpetual", "baseCoin": "BTC", "quoteCoin": "USDT", "priceScale": "1",
				"priceFilter.tickSize": "0.1", "priceFilter.minPrice": "0.1", "lotSizeFilter.qtyStep": "0.001", "lotSizeFilter.minOrderQty": "0.001",
				"lotSizeFilter.maxOrderQty": "1000.000", "lotSizeFilter.minNotionalValue": "100", "settleCoin": "USDT"}},
		{"spot", "instruments_spot.json", []string{".result.list[0].forbidUplWithdrawal"},
			map[string]string{"status": "Trading", "baseCoin": "BTC", "quoteCoin": "USDT", "priceFilter.tickSize": "0.01",
				"lotSizeFilter.basePrecision": "0.00001", "lotSizeFilter.minOrderAmt": "5", "lotSizeFilter.maxLimitOrderQty": "9000.00000"}},
	} {
		got := getJSON(t, base+"?category="+c.category+"&symbol=BTCUSDT")
		missing, extra := keyDiff("", got, bybitDocExample(t, c.doc))
		if len(missing) > 0 || !slices.Equal(extra, c.extra) {
			t.Errorf("%s: fields missing %q, extra %q (want extra %q)", c.category, missing, extra, c.extra)
		}
		res, _ := got["result"].(map[string]any)
		list, _ := res["list"].([]any)
		if got["retCode"] != 0.0 || len(list) != 1 {
			t.Fatalf("%s: %v", c.category, got)
		}
		entry := list[0].(map[string]any)
		for path, want := range c.entry {
			var v any = entry
			for _, k := range strings.Split(path, ".") {
				v = v.(map[string]any)[k]
			}
			if v != want {
				t.Errorf("%s BTCUSDT %s = %v, want %q", c.category, path, v, want)
			}
		}
	}
	// Without symbol: every market of the category.
	for cat, want := range map[string]int{"linear": 2, "spot": 2} {
		res := getJSON(t, base+"?category="+cat)["result"].(map[string]any)
		if n := len(res["list"].([]any)); n != want {
			t.Errorf("%s: %d instruments, want %d", cat, n, want)
		}
	}
	// An unknown symbol or another status is an empty list; a bad category or limit 10001.
	for q, wantCode := range map[string]float64{
		"category=linear&symbol=NOPEUSDT": 0, "category=linear&status=PreLaunch": 0,
		"category=option": 10001, "": 10001, "category=linear&limit=0": 10001, "category=linear&limit=1001": 10001,
	} {
		got := getJSON(t, base+"?"+q)
		if got["retCode"] != wantCode {
			t.Errorf("%q: retCode %v, want %v", q, got["retCode"], wantCode)
		}
		if res, _ := got["result"].(map[string]any); wantCode == 0 && len(res["list"].([]any)) != 0 {
			t.Errorf("%q: %v, want an empty list", q, res)
		}
	}
}

// TestBybitInstrumentsPages: linear pages with limit and nextPageCursor; following the
// cursor lists every perpetual once.
func TestBybitInstrumentsPages(t *testing.T) {
	e := bybitInstrumentsExchange(t)
	var seen []string
	cursor := ""
	for page := 0; ; page++ {
		if page > 3 {
			t.Fatalf("more pages than perpetuals: %v", seen)
		}
		res := getJSON(t, e.RESTURL()+"/v5/market/instruments-info?category=linear&limit=1&cursor="+cursor)["result"].(map[string]any)
		list := res["list"].([]any)
		if len(list) != 1 {
			t.Fatalf("page %d: %v", page, res)
		}
		seen = append(seen, list[0].(map[string]any)["symbol"].(string))
		cursor = res["nextPageCursor"].(string)
		if cursor == "" {
			break
		}
	}
	if !slices.Equal(seen, []string{"BTCUSDT", "ETHUSDT"}) {
		t.Errorf("pages listed %v", seen)
	}
}

// TestBybitInstrumentCheck: gateway/bybit's start check against the local exchange on
// loopback: the exchange's own rules pass, a wrong tick is refused with the field, the
// configured value and the venue's.
func TestBybitInstrumentCheck(t *testing.T) {
	e := bybitInstrumentsExchange(t)
	perp := &instrument.Spec{ID: instrument.ID{Venue: instrument.VenueBybitLinear, Symbol: "BTCUSDT"}, Kind: instrument.Perpetual,
		Base: "BTC", Quote: "USDT", PriceScale: 8, QtyScale: 8,
		Tick: 10_000_000, Lot: 100_000, MinQty: 100_000, MaxQty: 1000 * wireUnit, MinNotional: 100 * wireUnit}
	spot := &instrument.Spec{ID: instrument.ID{Venue: instrument.VenueBybitSpot, Symbol: "BTCUSDT"}, Kind: instrument.Spot,
		Base: "BTC", Quote: "USDT", PriceScale: 8, QtyScale: 8,
		Tick: 1_000_000, Lot: 1_000, MinQty: 1_000, MaxQty: 9000 * wireUnit, MinNotional: 5 * wireUnit}
	ctx := context.Background()
	if err := gwbybit.CheckInstruments(ctx, nil, e.RESTURL(), gwbybit.Linear, []*instrument.Spec{perp}); err != nil {
		t.Errorf("linear: %v", err)
	}
	if err := gwbybit.CheckInstruments(ctx, nil, e.RESTURL(), gwbybit.Spot, []*instrument.Spec{spot}); err != nil {
		t.Errorf("spot: %v", err)
	}
	wrong := *perp
	wrong.Tick = 20_000_000
	err := gwbybit.CheckInstruments(ctx, nil, e.RESTURL(), gwbybit.Linear, []*instrument.Spec{&wrong})
	if want := "instrument bybit-linear:BTCUSDT: tick: configured 0.2, venue 0.1 (priceFilter.tickSize)"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("wrong tick: %v\nwant %q", err, want)
	}
}
