package bybit

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/instrument"
)

// The testdata files are the response examples of Bybit's docs
// (github.com/bybit-exchange/docs at 072c197, v5/market/instrument.mdx), verbatim:
// linear BTCUSDT, the pre-market linear BIOUSDT, and spot BTCUSDT.

func readDoc(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// spec returns a configured instrument at 8/8 decimals (the scales a Bybit instrument
// gets from the config) from its rules in text.
func spec(t *testing.T, kind instrument.Kind, tick, lot, minQty, maxQty, minNotional string) *instrument.Spec {
	t.Helper()
	const s fixed.Scale = 8
	num := func(v string) int64 {
		if v == "" {
			return 0
		}
		n, err := s.ParseString(v)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	name := instrument.VenueBybitSpot
	if kind == instrument.Perpetual {
		name = instrument.VenueBybitLinear
	}
	return &instrument.Spec{ID: instrument.ID{Venue: name, Symbol: "BTCUSDT"}, Kind: kind, Base: "BTC", Quote: "USDT",
		PriceScale: s, QtyScale: s, Tick: num(tick), Lot: num(lot), MinQty: num(minQty), MaxQty: num(maxQty), MinNotional: num(minNotional)}
}

func TestParseInstrumentsInfoDocs(t *testing.T) {
	lin, err := ParseInstrumentsInfo(Linear, readDoc(t, "instruments_linear.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := InstrumentInfo{Symbol: "BTCUSDT", Status: "Trading", ContractType: "LinearPerpetual", BaseCoin: "BTC", QuoteCoin: "USDT",
		TickSize: "0.10", QtyStep: "0.001", MinOrderQty: "0.001", MaxOrderQty: "1190.000", MinNotional: "5"}
	if len(lin) != 1 || lin[0] != want {
		t.Errorf("linear: %+v\nwant %+v", lin, want)
	}
	spot, err := ParseInstrumentsInfo(Spot, readDoc(t, "instruments_spot.json"))
	if err != nil {
		t.Fatal(err)
	}
	// Spot: the step is basePrecision, the minimum is minOrderAmt (minOrderQty is
	// deprecated), the maximum maxLimitOrderQty.
	want = InstrumentInfo{Symbol: "BTCUSDT", Status: "Trading", BaseCoin: "BTC", QuoteCoin: "USDT",
		TickSize: "0.1", QtyStep: "0.000001", MaxOrderQty: "83", MinNotional: "5"}
	if len(spot) != 1 || spot[0] != want {
		t.Errorf("spot: %+v\nwant %+v", spot, want)
	}
	// Asked for linear, an answer of another category is not read as linear.
	if _, err := ParseInstrumentsInfo(Linear, readDoc(t, "instruments_spot.json")); err == nil {
		t.Error("a spot answer read as linear")
	}
}

func TestParseInstrumentsInfoErrors(t *testing.T) {
	for _, body := range []string{
		``, `{`, `{"retMsg":"no retCode"}`,
		`{"retCode":10001,"retMsg":"params error: category is invalid","result":{}}`,
		`{"retCode":0,"retMsg":"OK","result":{"category":"linear","list":[{"status":"Trading"}]}}`,
		`{"retCode":0,"retMsg":"OK","result":{"category":"linear","list":{}}}`,
	} {
		if list, err := ParseInstrumentsInfo(Linear, []byte(body)); err == nil {
			t.Errorf("%q: read as %+v", body, list)
		}
	}
}

func TestCheckInstrument(t *testing.T) {
	lin, err := ParseInstrumentsInfo(Linear, readDoc(t, "instruments_linear.json"))
	if err != nil {
		t.Fatal(err)
	}
	pre, err := ParseInstrumentsInfo(Linear, readDoc(t, "instruments_prelaunch.json"))
	if err != nil {
		t.Fatal(err)
	}
	spot, err := ParseInstrumentsInfo(Spot, readDoc(t, "instruments_spot.json"))
	if err != nil {
		t.Fatal(err)
	}
	perp := func(tick, lot, minQty, maxQty, minNotional string) *instrument.Spec {
		return spec(t, instrument.Perpetual, tick, lot, minQty, maxQty, minNotional)
	}
	sp := func(tick, lot, minQty, maxQty, minNotional string) *instrument.Spec {
		return spec(t, instrument.Spot, tick, lot, minQty, maxQty, minNotional)
	}
	bio := perp("0.0001", "1", "1", "", "5")
	bio.ID.Symbol, bio.Base = "BIOUSDT", "BIO"
	wrongBase := sp("0.1", "0.000001", "", "", "5")
	wrongBase.Base = "ETH"
	cases := []struct {
		name     string
		sp       *instrument.Spec
		category Category
		in       InstrumentInfo
		want     []string // each a substring of one difference, in order; none: agrees
	}{
		{"linear agrees", perp("0.1", "0.001", "0.001", "1000", "5"), Linear, lin[0], nil},
		{"linear max below the venue's", perp("0.1", "0.001", "0.001", "1", "5"), Linear, lin[0], nil},
		{"linear no max configured", perp("0.1", "0.001", "0.001", "", "5"), Linear, lin[0], nil},
		{"linear min qty 0 means lot", perp("0.1", "0.001", "", "", "5"), Linear, lin[0], nil},
		{"linear wrong tick", perp("0.2", "0.001", "0.001", "", "5"), Linear, lin[0],
			[]string{"tick: configured 0.2, venue 0.10 (priceFilter.tickSize)"}},
		{"linear wrong lot and min qty", perp("0.1", "0.01", "0.01", "", "5"), Linear, lin[0],
			[]string{"lot: configured 0.01, venue 0.001 (lotSizeFilter.qtyStep)", "min qty: configured 0.01, venue 0.001 (lotSizeFilter.minOrderQty)"}},
		{"linear wrong min notional", perp("0.1", "0.001", "0.001", "", "100"), Linear, lin[0],
			[]string{"min notional: configured 100, venue 5 (lotSizeFilter.minNotionalValue)"}},
		{"linear max above the venue's", perp("0.1", "0.001", "0.001", "2000", "5"), Linear, lin[0],
			[]string{"max qty: configured 2000, above the venue's 1190.000 (lotSizeFilter.maxOrderQty)"}},
		{"linear pre-launch", bio, Linear, pre[0], []string{`status: venue "PreLaunch" (status)`}},
		{"linear not a perpetual", perp("0.1", "0.001", "0.001", "", "5"), Linear,
			func() InstrumentInfo { in := lin[0]; in.ContractType = "LinearFutures"; return in }(),
			[]string{`kind: configured perpetual, venue "LinearFutures" (contractType)`}},
		{"linear no tick", perp("0.1", "0.001", "0.001", "", "5"), Linear,
			func() InstrumentInfo { in := lin[0]; in.TickSize = ""; return in }(),
			[]string{"tick: the venue gives no priceFilter.tickSize"}},
		{"linear tick not a number", perp("0.1", "0.001", "0.001", "", "5"), Linear,
			func() InstrumentInfo { in := lin[0]; in.TickSize = "0.1x"; return in }(),
			[]string{`tick: venue "0.1x" (priceFilter.tickSize) is not a number`}},
		// Spot's minOrderQty (0.000011 in the example) is deprecated and not compared.
		{"spot agrees", sp("0.1", "0.000001", "0.000001", "83", "5"), Spot, spot[0], nil},
		{"spot wrong step", sp("0.1", "0.00001", "", "", "5"), Spot, spot[0],
			[]string{"lot: configured 0.00001, venue 0.000001 (lotSizeFilter.basePrecision)"}},
		{"spot wrong min notional", sp("0.1", "0.000001", "", "", "1"), Spot, spot[0],
			[]string{"min notional: configured 1, venue 5 (lotSizeFilter.minOrderAmt)"}},
		{"spot max above", sp("0.1", "0.000001", "", "100", "5"), Spot, spot[0],
			[]string{"max qty: configured 100, above the venue's 83 (lotSizeFilter.maxLimitOrderQty)"}},
		{"spot wrong base", wrongBase, Spot, spot[0], []string{"base: configured ETH, venue BTC (baseCoin)"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := CheckInstrument(c.sp, c.category, c.in)
			if len(got) != len(c.want) {
				t.Fatalf("differences %q, want %d like %q", got, len(c.want), c.want)
			}
			for i := range got {
				if !strings.Contains(got[i], c.want[i]) {
					t.Errorf("difference %d: %q, want %q", i, got[i], c.want[i])
				}
			}
		})
	}
}

// TestCheckInstrumentsHTTP runs the check over HTTP on loopback against a server
// answering with the docs' examples: it asks the documented query, agrees with a right
// table, names every difference of a wrong one, and refuses to start when Bybit cannot
// be asked or does not list the symbol.
func TestCheckInstrumentsHTTP(t *testing.T) {
	linear, spotDoc := readDoc(t, "instruments_linear.json"), readDoc(t, "instruments_spot.json")
	var queries []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		queries = append(queries, r.URL.Path+"?"+r.URL.RawQuery)
		switch {
		case r.URL.Path != "/v5/market/instruments-info":
			http.NotFound(w, r)
		case r.URL.Query().Get("symbol") == "BROKEN":
			w.WriteHeader(http.StatusBadGateway)
		case r.URL.Query().Get("symbol") != "BTCUSDT":
			w.Write([]byte(`{"retCode":0,"retMsg":"OK","result":{"category":"linear","list":[],"nextPageCursor":""},"retExtInfo":{},"time":1}`))
		case r.URL.Query().Get("category") == "spot":
			w.Write(spotDoc)
		default:
			w.Write(linear)
		}
	}))
	defer srv.Close()
	ctx := context.Background()
	right := spec(t, instrument.Perpetual, "0.1", "0.001", "0.001", "100", "5")
	if err := CheckInstruments(ctx, srv.Client(), srv.URL, Linear, []*instrument.Spec{right}); err != nil {
		t.Fatalf("a right table: %v", err)
	}
	if want := "/v5/market/instruments-info?category=linear&symbol=BTCUSDT"; len(queries) != 1 || queries[0] != want {
		t.Errorf("queries %q, want %q", queries, want)
	}
	wrong := spec(t, instrument.Perpetual, "0.5", "0.001", "0.001", "", "10")
	err := CheckInstruments(ctx, srv.Client(), srv.URL, Linear, []*instrument.Spec{wrong})
	for _, want := range []string{"instruments-info", "instrument bybit-linear:BTCUSDT: tick: configured 0.5, venue 0.10 (priceFilter.tickSize)",
		"instrument bybit-linear:BTCUSDT: min notional: configured 10, venue 5 (lotSizeFilter.minNotionalValue)"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("a wrong table: %v\nwant %q", err, want)
		}
	}
	spotRight := spec(t, instrument.Spot, "0.1", "0.000001", "", "", "5")
	if err := CheckInstruments(ctx, srv.Client(), srv.URL, Spot, []*instrument.Spec{spotRight}); err != nil {
		t.Errorf("a right spot table: %v", err)
	}
	unlisted := spec(t, instrument.Perpetual, "0.1", "0.001", "0.001", "", "5")
	unlisted.ID.Symbol = "ZZZUSDT"
	if err := CheckInstruments(ctx, srv.Client(), srv.URL, Linear, []*instrument.Spec{unlisted}); err == nil || !strings.Contains(err.Error(), "Bybit does not list it") {
		t.Errorf("an unlisted symbol: %v", err)
	}
	broken := spec(t, instrument.Perpetual, "0.1", "0.001", "0.001", "", "5")
	broken.ID.Symbol = "BROKEN"
	if err := CheckInstruments(ctx, srv.Client(), srv.URL, Linear, []*instrument.Spec{broken}); err == nil || !strings.Contains(err.Error(), "HTTP 502") {
		t.Errorf("an HTTP error: %v", err)
	}
}
