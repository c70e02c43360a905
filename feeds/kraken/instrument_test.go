package kraken

import (
	"errors"
	"testing"

	"github.com/nanotick/nanotick/fixed"
)

func TestInstrumentScales(t *testing.T) {
	const msg = `{"channel":"instrument","type":"snapshot","data":{
		"assets":[{"id":"BTC","status":"enabled","precision":10,"precision_display":5,"borrowable":true,"collateral_value":1.0,"margin_rate":0.01}],
		"pairs":[
			{"symbol":"ETH/USD","base":"ETH","quote":"USD","status":"online","qty_precision":8,"qty_increment":0.00000001,"price_precision":2,"price_increment":0.01,"cost_precision":5,"cost_min":"0.5","marginable":true,"has_index":true,"qty_min":0.002},
			{"symbol":"BTC/USD","base":"BTC","quote":"USD","status":"online","qty_precision":8,"qty_increment":0.00000001,"price_precision":1,"price_increment":0.1,"cost_precision":5,"cost_min":"0.5","marginable":true,"has_index":true,"qty_min":0.0001}
		]}}`
	tests := []struct {
		name, msg, symbol string
		price, qty        fixed.Scale
		wantErr           bool
	}{
		{"btc", msg, "BTC/USD", 1, 8, false},
		{"eth", msg, "ETH/USD", 2, 8, false},
		{"absent", msg, "DOGE/USD", 0, 0, true},
		{"other channel", `{"channel":"book","data":{"pairs":[]}}`, "BTC/USD", 0, 0, true},
		{"not json", `{"channel":`, "BTC/USD", 0, 0, true},
		{"missing precision", `{"channel":"instrument","data":{"pairs":[{"symbol":"BTC/USD","price_precision":1}]}}`, "BTC/USD", 0, 0, true},
		{"precision out of range", `{"channel":"instrument","data":{"pairs":[{"symbol":"BTC/USD","price_precision":19,"qty_precision":8}]}}`, "BTC/USD", 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, q, err := InstrumentScales([]byte(tt.msg), tt.symbol)
			if (err != nil) != tt.wantErr || p != tt.price || q != tt.qty {
				t.Errorf("InstrumentScales = %d, %d, %v; want %d, %d, error %v", p, q, err, tt.price, tt.qty, tt.wantErr)
			}
		})
	}
	if _, _, err := InstrumentScales([]byte(msg), "DOGE/USD"); !errors.Is(err, ErrNoInstrument) {
		t.Errorf("absent symbol: %v, want ErrNoInstrument", err)
	}
}

// TestParsePairs reads an instrument snapshot shaped as Kraken's page shows it
// (docs.kraken.com/api/docs/websocket-v2/instrument), numbers with exponents included.
func TestParsePairs(t *testing.T) {
	msg := []byte(`{"channel":"instrument","type":"snapshot","data":{"assets":[{"id":"USD","status":"enabled","precision":4,"precision_display":2,"borrowable":true,"collateral_value":1.0,"margin_rate":0.025}],"pairs":[{"symbol":"BTC/USD","base":"BTC","quote":"USD","status":"online","qty_precision":8,"qty_increment":1e-08,"price_precision":1,"cost_precision":5,"marginable":true,"has_index":true,"cost_min":0.5,"margin_initial":0.2,"position_limit_long":250,"position_limit_short":200,"tick_size":0.1,"price_increment":0.1,"qty_min":0.00005}]}}`)
	pairs, err := ParsePairs(msg)
	if err != nil {
		t.Fatal(err)
	}
	p := pairs["BTC/USD"]
	sp := p.Spec
	if p.Status != "online" || sp.PriceScale != 1 || sp.QtyScale != 8 || sp.Tick != 1 || sp.Lot != 1 || sp.MinQty != 5000 || sp.MinNotional != 5 || sp.Base != "BTC" || sp.Quote != "USD" {
		t.Fatalf("%+v", p)
	}
	cfg := sp
	cfg.PriceScale, cfg.Tick, cfg.MinNotional = 2, 10, 50
	if d := CheckPair(&cfg, p); len(d) != 1 || d[0] != "price scale: configured 2 decimals, Kraken's price_precision 1 (the book checksum needs them equal)" {
		t.Fatalf("%q", d)
	}
	if _, err := ParsePairs([]byte(`{"channel":"instrument","data":{"pairs":[{"symbol":"X/Y","price_precision":1,"qty_precision":8,"qty_min":"abc"}]}}`)); err == nil {
		t.Fatal("a bad qty_min was taken")
	}
}

// FuzzParsePairs: no instrument message makes ParsePairs panic or return a pair whose
// numbers are not at its own scales' range.
func FuzzParsePairs(f *testing.F) {
	f.Add([]byte(`{"channel":"instrument","type":"snapshot","data":{"pairs":[{"symbol":"BTC/USD","base":"BTC","quote":"USD","status":"online","qty_precision":8,"qty_increment":1e-08,"price_precision":1,"price_increment":0.1,"qty_min":0.00005,"cost_min":0.5}]}}`))
	f.Add([]byte(`{"channel":"instrument","data":{"pairs":[{"symbol":"X","price_precision":-1,"qty_precision":99}]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		pairs, err := ParsePairs(b)
		if err != nil {
			return
		}
		for _, p := range pairs {
			if !p.Spec.PriceScale.Valid() || !p.Spec.QtyScale.Valid() {
				t.Fatalf("%+v from %q", p, b)
			}
		}
	})
}
