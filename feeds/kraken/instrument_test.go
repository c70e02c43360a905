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
