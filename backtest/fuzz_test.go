package backtest

import (
	"testing"

	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/risk"
	"github.com/nanotick/nanotick/venues"
)

// FuzzExchangeFrame feeds arbitrary frames to an exchange holding resting orders: it
// must never panic, and never answer for an order it does not know.
func FuzzExchangeFrame(f *testing.F) {
	for _, s := range []string{
		`{"e":"depthUpdate","E":1,"s":"TEST","U":101,"u":101,"b":[["100.00","0"]],"a":[["100.00","1"]]}`,
		`{"e":"trade","E":1,"s":"TEST","t":1,"p":"99.00","q":"3","T":1,"m":true,"M":true}`,
		`{"e":"trade","E":1,"s":"TEST","t":1,"p":"102.00","q":"-3","T":1,"m":false,"M":true}`,
		`{"lastUpdateId":200,"bids":[["101.50","1"]],"asks":[["101.60","1"]]}`,
		`{"stream":"test@bookTicker","data":{"u":1}}`,
		`{"stream":"x","data":{"e":"depthUpdate","E":99999999999999999999}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		lat, _ := ConstantLatency(0, 0)
		x, err := NewExchange(ExchangeConfig{
			Instrument: testSpec("TEST", ps, qs), NewFeed: venues.NewFeed,
			Lot: lot, Latency: lat, Queue: PowerLaw, PartialFills: true, BookCapacity: 16,
		})
		if err != nil {
			t.Fatal(err)
		}
		x.OnMarket([]byte(`{"lastUpdateId":100,"bids":[["100.00","5"]],"asks":[["101.00","5"]]}`), base)
		x.OnMarket([]byte(`{"e":"depthUpdate","E":1,"s":"TEST","U":101,"u":101,"b":[],"a":[]}`), base)
		for id, side := range []orderbook.Side{orderbook.Bid, orderbook.Ask, orderbook.Bid} {
			o := risk.Order{ID: uint64(id + 1), Side: side, Price: px(100 + float64(id)/2), Qty: qty(2)}
			_ = x.Place(&o, base)
		}
		var r nopReceiver
		x.RunUntil(base, &r)
		_, _ = eventTime(frame)
		x.OnMarket(frame, base+1)
		x.OnMarket(frame, base+2)
		x.RunUntil(base+2, &r)
		if x.Resting() > 3 {
			t.Fatalf("%d resting of 3 orders", x.Resting())
		}
	})
}
