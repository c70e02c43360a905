package binance

import (
	"encoding/json"
	"testing"

	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/risk"
)

func TestAppendPlace(t *testing.T) {
	e := NewEncoder("BTCUSDT", 8, 8, "nt1-")
	tests := []struct {
		o    risk.Order
		want string
	}{
		{risk.Order{ID: 7, Side: orderbook.Bid, Price: 6183763000000, Qty: 100000},
			`{"id":"1","method":"order.place","params":{"symbol":"BTCUSDT","side":"BUY","type":"LIMIT","timeInForce":"GTC","price":"61837.63","quantity":"0.001","newClientOrderId":"nt1-7","timestamp":1723161254206}}`},
		{risk.Order{ID: 8, Side: orderbook.Ask, Price: 6183764000000, Qty: 150000, PostOnly: true},
			`{"id":"2","method":"order.place","params":{"symbol":"BTCUSDT","side":"SELL","type":"LIMIT_MAKER","price":"61837.64","quantity":"0.0015","newClientOrderId":"nt1-8","timestamp":1723161254206}}`},
		{risk.Order{ID: 9, Side: orderbook.Ask, Price: 6100000000000, Qty: 100000000, IOC: true},
			`{"id":"3","method":"order.place","params":{"symbol":"BTCUSDT","side":"SELL","type":"LIMIT","timeInForce":"IOC","price":"61000","quantity":"1","newClientOrderId":"nt1-9","timestamp":1723161254206}}`},
	}
	for _, tt := range tests {
		got := string(e.AppendPlace(nil, &tt.o, 1723161254206))
		if got != tt.want {
			t.Errorf("AppendPlace(%+v)\n got %s\nwant %s", tt.o, got, tt.want)
		}
		if !json.Valid([]byte(got)) {
			t.Errorf("not valid JSON: %s", got)
		}
	}
	got := string(e.AppendCancel(nil, 7, 1723161254300))
	want := `{"id":"4","method":"order.cancel","params":{"symbol":"BTCUSDT","origClientOrderId":"nt1-7","timestamp":1723161254300}}`
	if got != want {
		t.Errorf("AppendCancel\n got %s\nwant %s", got, want)
	}
}

func TestEncodeDoesNotAllocate(t *testing.T) {
	e := NewEncoder("BTCUSDT", 8, 8, "nt1-")
	buf := make([]byte, 0, 512)
	o := risk.Order{ID: 123456, Side: orderbook.Bid, Price: 6183763000000, Qty: 100000}
	allocs := testing.AllocsPerRun(1000, func() {
		buf = e.AppendPlace(buf[:0], &o, 1723161254206)
		buf = e.AppendCancel(buf[:0], o.ID, 1723161254206)
	})
	if allocs != 0 {
		t.Errorf("encoding allocated %v times per order", allocs)
	}
}

func BenchmarkAppendPlace(b *testing.B) {
	e := NewEncoder("BTCUSDT", 8, 8, "nt1-")
	buf := make([]byte, 0, 512)
	o := risk.Order{ID: 123456, Side: orderbook.Bid, Price: 6183763000000, Qty: 100000}
	b.ReportAllocs()
	for b.Loop() {
		buf = e.AppendPlace(buf[:0], &o, 1723161254206)
	}
}

// TestAppendPlaceFutures: USD-M has no LIMIT_MAKER; post-only is timeInForce GTX, and
// prices and quantities print at the perpetual's precision.
func TestAppendPlaceFutures(t *testing.T) {
	e := NewFuturesEncoder("BTCUSDT", 2, 3, "nt1-")
	for _, tt := range []struct {
		o    risk.Order
		want string
	}{
		{risk.Order{ID: 8, Side: orderbook.Ask, Price: 6183760, Qty: 2, PostOnly: true},
			`{"id":"1","method":"order.place","params":{"symbol":"BTCUSDT","side":"SELL","type":"LIMIT","timeInForce":"GTX","price":"61837.6","quantity":"0.002","newClientOrderId":"nt1-8","timestamp":1723161254206}}`},
		{risk.Order{ID: 9, Side: orderbook.Bid, Price: 6100000, Qty: 1000, IOC: true},
			`{"id":"2","method":"order.place","params":{"symbol":"BTCUSDT","side":"BUY","type":"LIMIT","timeInForce":"IOC","price":"61000","quantity":"1","newClientOrderId":"nt1-9","timestamp":1723161254206}}`},
	} {
		if got := string(e.AppendPlace(nil, &tt.o, 1723161254206)); got != tt.want {
			t.Errorf("AppendPlace(%+v)\n got %s\nwant %s", tt.o, got, tt.want)
		}
	}
}
