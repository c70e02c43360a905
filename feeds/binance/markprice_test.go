package binance

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/md"
	"github.com/nanotick/nanotick/orderbook"
)

// usdmMarkFrame is the example of Binance's USD-M "Mark Price Stream" page, in the
// combined-stream wrapper of <symbol>@markPrice@1s.
const usdmMarkFrame = `{"stream":"btcusdt@markPrice@1s","data":{"e":"markPriceUpdate","E":1562305380000,"s":"BTCUSDT","p":"11794.15000000","i":"11784.62659091","P":"11784.25641265","r":"0.00038167","T":1562306400000}}`

func TestDecodeMarkPrice(t *testing.T) {
	want := MarkPrice{EventTime: 1562305380000, Price: 1179415000000, Index: 1178462659091, FundingRate: 3816700, NextFunding: 1562306400000}
	for _, c := range []struct{ name, frame string }{
		{"combined", usdmMarkFrame},
		{"bare", `{"e":"markPriceUpdate","E":1562305380000,"s":"BTCUSDT","p":"11794.15000000","i":"11784.62659091","P":"11784.25641265","r":"0.00038167","T":1562306400000}`},
		{"fields reordered", `{"stream":"btcusdt@markPrice","data":{"T":1562306400000,"r":"0.00038167","p":"11794.15000000","E":1562305380000,"i":"11784.62659091","s":"BTCUSDT","e":"markPriceUpdate"}}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, _ := NewDecoder(usdmBTC)
			ev, err := d.Decode([]byte(c.frame))
			if err != nil {
				t.Fatal(err)
			}
			if ev.Kind != KindMarkPrice || ev.Mark != want {
				t.Fatalf("got %v %+v, want %+v", ev.Kind, ev.Mark, want)
			}
			if et, ok := ev.EventTime(); !ok || et != want.EventTime {
				t.Fatalf("EventTime = %d, %v", et, ok)
			}
		})
	}
	// Rates may be negative.
	d0, _ := NewDecoder(usdmBTC)
	if ev, err := d0.Decode([]byte(`{"e":"markPriceUpdate","E":1,"s":"BTCUSDT","p":"1.5","i":"1.5","P":"1.5","r":"-0.00012500","T":2}`)); err != nil || ev.Mark.FundingRate != -1250000 {
		t.Fatalf("negative rate: %+v, %v", ev.Mark, err)
	}
	// A delivery contract sends an empty funding rate and T 0.
	d, _ := NewDecoder(Instrument{PriceScale: 1, QtyScale: 3})
	ev, err := d.Decode([]byte(`{"e":"markPriceUpdate","E":1,"s":"BTCUSDT_240927","p":"60000.1","i":"60000.2","P":"0","r":"","T":0}`))
	if err != nil || ev.Mark.FundingRate != 0 || ev.Mark.NextFunding != 0 {
		t.Fatalf("delivery mark: %+v, %v", ev.Mark, err)
	}
}

func TestDecodeMarkPriceErrors(t *testing.T) {
	for _, c := range []struct{ name, frame, want string }{
		{"missing rate", `{"e":"markPriceUpdate","E":1,"s":"BTCUSDT","p":"1.5","i":"1.5","T":2}`, `missing field`},
		{"zero mark", `{"e":"markPriceUpdate","E":1,"s":"BTCUSDT","p":"0","i":"1.5","r":"0.0001","T":2}`, "zero mark price"},
		{"negative index", `{"e":"markPriceUpdate","E":1,"s":"BTCUSDT","p":"1","i":"-1.5","r":"0.0001","T":2}`, ""},
		{"rate too precise", `{"e":"markPriceUpdate","E":1,"s":"BTCUSDT","p":"1","i":"1","r":"0.000000000001","T":2}`, ""},
		{"other symbol", `{"e":"markPriceUpdate","E":1,"s":"ETHUSDT","p":"1","i":"1","r":"0.0001","T":2}`, "symbol"},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, _ := NewDecoder(usdmBTC)
			ev, err := d.Decode([]byte(c.frame))
			var e *Error
			if err == nil || !errors.As(err, &e) || ev.Kind != KindNone || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, kind %v; want an *Error saying %q", err, ev.Kind, c.want)
			}
		})
	}
}

// TestMDFeedMark checks that the md feed turns a mark price frame into an md.Mark event
// that touches no book, and does so without allocating.
func TestMDFeedMark(t *testing.T) {
	spec := instrument.BinanceUSDMBTCUSDT()
	book := orderbook.New(64)
	f, err := NewMDFeed(&spec, book, md.Config{})
	if err != nil {
		t.Fatal(err)
	}
	frame := []byte(usdmMarkFrame)
	ev, err := f.Decode(frame)
	if err != nil {
		t.Fatal(err)
	}
	want := md.PerpMark{Price: 1179415000000, Index: 1178462659091, FundingRate: 3816700,
		NextFunding: 1562306400000 * int64(time.Millisecond), Fields: md.HasMarkPrice | md.HasIndexPrice | md.HasFundingRate | md.HasNextFunding}
	if ev.Kind != md.Mark || ev.Mark != want || ev.Exchange != 1562305380000*int64(time.Millisecond) {
		t.Fatalf("event %v %+v, want %+v", ev.Kind, ev.Mark, want)
	}
	if err := f.Apply(1); err != nil || ev.Applied != 0 || book.Len(orderbook.Bid) != 0 {
		t.Fatalf("apply: %v, applied %d", err, ev.Applied)
	}
	if allocs := testing.AllocsPerRun(200, func() {
		if _, err := f.Decode(frame); err == nil {
			_ = f.Apply(2)
		}
	}); allocs != 0 {
		t.Errorf("%v allocations per mark frame", allocs)
	}
}
