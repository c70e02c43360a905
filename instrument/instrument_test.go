package instrument

import (
	"errors"
	"strings"
	"testing"
)

func TestParseID(t *testing.T) {
	for _, tc := range []struct {
		name    string
		want    ID
		wantErr string
	}{
		{"binance-spot:BTCUSDT", ID{"binance-spot", "BTCUSDT"}, ""},
		{"binance-usdm:BTCUSDT", ID{"binance-usdm", "BTCUSDT"}, ""},
		{"kraken:BTC/USD", ID{"kraken", "BTC/USD"}, ""},
		{"BTCUSDT", ID{}, "venue:SYMBOL"},
		{":BTCUSDT", ID{}, "venue:SYMBOL"},
		{"binance-spot:", ID{}, "venue:SYMBOL"},
		{"Binance:BTCUSDT", ID{}, "lower-case"},
		{"kraken:BTC USD", ID{}, "printable"},
		{"kraken:BTC:USD", ID{}, "printable"},
	} {
		got, err := ParseID(tc.name)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !errors.Is(err, ErrBadName) {
				t.Errorf("ParseID(%q) = %v, %v; want an ErrBadName mentioning %q", tc.name, got, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseID(%q) = %v, %v; want %v", tc.name, got, err, tc.want)
		}
		if got.String() != tc.name {
			t.Errorf("%v.String() = %q, want %q", got, got.String(), tc.name)
		}
	}
}

func TestTable(t *testing.T) {
	spot, perp := BinanceSpotBTCUSDT(), BinanceUSDMBTCUSDT()
	tab, err := NewTable(spot, perp)
	if err != nil {
		t.Fatal(err)
	}
	if tab.Len() != 2 || tab.At(1).ID != perp.ID {
		t.Fatalf("table: len %d, At(1) %v", tab.Len(), tab.At(1).ID)
	}
	if i, err := tab.Find("binance-usdm:BTCUSDT"); err != nil || i != 1 {
		t.Errorf("Find perp = %d, %v", i, err)
	}
	if _, err := tab.Find("kraken:BTC/USD"); err == nil || !strings.Contains(err.Error(), "binance-spot:BTCUSDT, binance-usdm:BTCUSDT") {
		t.Errorf("Find of an unconfigured instrument: %v", err)
	}
	if _, err := NewTable(spot, spot); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("duplicate: %v", err)
	}
	bad := spot
	bad.Tick = 0
	bad.Base = ""
	if _, err := NewTable(bad); err == nil || !strings.Contains(err.Error(), "tick") || !strings.Contains(err.Error(), "base") {
		t.Errorf("invalid spec: %v", err)
	}
	if _, err := NewTable(); err == nil {
		t.Error("empty table accepted")
	}
}

func TestDiffAndCheck(t *testing.T) {
	spec := BinanceSpotBTCUSDT()
	// The venue reports at its own precision: tick 0.01 at 2 decimals agrees with
	// 1000000 at 8.
	same := Spec{ID: spec.ID, Kind: Spot, Base: "btc", Quote: "USDT", PriceScale: 2, QtyScale: 5, Tick: 1, Lot: 1, MinNotional: 500}
	if d := spec.Diff(&same); d != nil {
		t.Errorf("agreeing venue rules differ: %v", d)
	}
	other := same
	other.Tick = 10 // 0.10
	other.Kind = Perpetual
	d := spec.Diff(&other)
	if len(d) != 2 || !strings.Contains(d[0], "kind") || !strings.Contains(d[1], "tick: configured 0.01, venue 0.1") {
		t.Errorf("Diff = %q", d)
	}
	tab := MustTable(spec, BinanceUSDMBTCUSDT())
	err := tab.Check(map[ID]Spec{spec.ID: other})
	if err == nil || !strings.Contains(err.Error(), "binance-usdm:BTCUSDT: the venue does not list it") || !strings.Contains(err.Error(), "tick") {
		t.Errorf("Check = %v", err)
	}
	if err := tab.Check(map[ID]Spec{spec.ID: same, BinanceUSDMBTCUSDT().ID: BinanceUSDMBTCUSDT()}); err != nil {
		t.Errorf("Check of agreeing rules: %v", err)
	}
}

func TestSplitSymbol(t *testing.T) {
	for _, tc := range []struct{ sym, base, quote string }{
		{"BTCUSDT", "BTC", "USDT"}, {"ETHBTC", "ETH", "BTC"}, {"BTCFDUSD", "BTC", "FDUSD"},
		{"BTC/USD", "BTC", "USD"}, {"btcusdc", "BTC", "USDC"},
	} {
		b, q, ok := SplitSymbol(tc.sym)
		if !ok || b != tc.base || q != tc.quote {
			t.Errorf("SplitSymbol(%q) = %q %q %v", tc.sym, b, q, ok)
		}
	}
	if _, _, ok := SplitSymbol("XYZ"); ok {
		t.Error("SplitSymbol(XYZ) guessed")
	}
}

// TestInverse: an inverse instrument is a perpetual, settled in its base coin.
func TestInverse(t *testing.T) {
	sp := Spec{ID: ID{Venue: "deribit", Symbol: "BTC-PERPETUAL"}, Kind: Perpetual, Inverse: true, Base: "BTC", Quote: "USD",
		PriceScale: 1, QtyScale: 0, Tick: 5, Lot: 10}
	if err := sp.Validate(); err != nil || sp.Settlement() != "BTC" {
		t.Fatalf("inverse perpetual: %v, settled in %s", err, sp.Settlement())
	}
	sp.Kind = Spot
	if err := sp.Validate(); err == nil || !strings.Contains(err.Error(), "inverse instrument is a perpetual") {
		t.Fatalf("inverse spot: %v", err)
	}
	lin := Spec{Base: "BTC", Quote: "USDT"}
	if lin.Settlement() != "USDT" {
		t.Fatalf("linear settles in %s", lin.Settlement())
	}
}
