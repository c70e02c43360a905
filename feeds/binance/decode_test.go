package binance

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/orderbook"
)

// Real frames, one of each kind and venue, from the shared recordings.
const (
	spotDepthFrame    = `{"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":1723161255308,"s":"BTCUSDT","U":50093239203,"u":50093239207,"b":[["55653.87000000","0.00000000"]],"a":[["61838.04000000","0.32332000"],["61844.30000000","0.40163000"]]}}`
	spotTickerFrame   = `{"stream":"btcusdt@bookTicker","data":{"u":50093239212,"s":"BTCUSDT","b":"61837.63000000","B":"3.78826000","a":"61837.64000000","A":"1.54698000"}}`
	spotTradeFrame    = `{"stream":"btcusdt@trade","data":{"e":"trade","E":1723161255343,"s":"BTCUSDT","t":3735683259,"p":"61837.63000000","q":"0.02000000","T":1723161255342,"m":true,"M":true}}`
	spotSnapshotFrame = `{"lastUpdateId":50093239218,"bids":[["61837.63000000","3.78826000"],["61837.62000000","0.61700000"]],"asks":[["61837.64000000","1.92853000"]]}`
	usdmDepthFrame    = `{"stream":"btcusdt@depth@0ms","data":{"e":"depthUpdate","E":1723161256299,"T":1723161256298,"s":"BTCUSDT","U":5123107832006,"u":5123107837557,"pu":5123107831937,"b":[["58710.20","0.014"]],"a":[["61800.30","3.330"],["65880.70","15.918"]]}}`
	usdmTickerFrame   = `{"stream":"btcusdt@bookTicker","data":{"e":"bookTicker","u":5123107839020,"s":"BTCUSDT","b":"61800.20","B":"2.507","a":"61800.30","A":"2.510","T":1723161256313,"E":1723161256313}}`
	usdmTradeFrame    = `{"stream":"btcusdt@trade","data":{"e":"trade","E":1723161256322,"T":1723161256322,"s":"BTCUSDT","t":5266583935,"p":"61800.30","q":"0.006","X":"MARKET","m":false}}`
	usdmSnapshotFrame = `{"lastUpdateId":5123107852948,"E":1723161256501,"T":1723161256493,"bids":[["61800.20","2.909"]],"asks":[["61800.30","0.696"]]}`
	aggTradeFrame     = `{"e":"aggTrade","E":123456789,"s":"BTCUSDT","a":12345,"p":"0.00100000","q":"100.00000000","f":100,"l":105,"T":123456785,"m":true,"M":true}`
)

func lv(p, q int64) orderbook.Level { return orderbook.Level{Price: p, Qty: q} }

func TestDecode(t *testing.T) {
	tests := []struct {
		name  string
		inst  Instrument
		frame string
		want  Event
	}{
		{"spot depth", spotBTC, spotDepthFrame, Event{Kind: KindDepth, Stream: []byte("btcusdt@depth@100ms"),
			Depth: DepthUpdate{EventTime: 1723161255308, First: 50093239203, Final: 50093239207,
				Bids: []orderbook.Level{lv(5565387000000, 0)},
				Asks: []orderbook.Level{lv(6183804000000, 32332000), lv(6184430000000, 40163000)}}}},
		{"spot bookTicker", spotBTC, spotTickerFrame, Event{Kind: KindBookTicker, Stream: []byte("btcusdt@bookTicker"),
			Ticker: BookTicker{UpdateID: 50093239212, BidPrice: 6183763000000, BidQty: 378826000, AskPrice: 6183764000000, AskQty: 154698000}}},
		{"spot trade", spotBTC, spotTradeFrame, Event{Kind: KindTrade, Stream: []byte("btcusdt@trade"),
			Trade: Trade{EventTime: 1723161255343, TradeTime: 1723161255342, ID: 3735683259, Price: 6183763000000, Qty: 2000000, BuyerMaker: true}}},
		{"spot snapshot", spotBTC, spotSnapshotFrame, Event{Kind: KindSnapshot,
			Snapshot: Snapshot{LastUpdateID: 50093239218,
				Bids: []orderbook.Level{lv(6183763000000, 378826000), lv(6183762000000, 61700000)},
				Asks: []orderbook.Level{lv(6183764000000, 192853000)}}}},
		{"usdm depth", usdmBTC, usdmDepthFrame, Event{Kind: KindDepth, Stream: []byte("btcusdt@depth@0ms"),
			Depth: DepthUpdate{EventTime: 1723161256299, TxTime: 1723161256298, First: 5123107832006, Final: 5123107837557,
				Prev: 5123107831937, HasPrev: true,
				Bids: []orderbook.Level{lv(5871020, 14)},
				Asks: []orderbook.Level{lv(6180030, 3330), lv(6588070, 15918)}}}},
		{"usdm bookTicker", usdmBTC, usdmTickerFrame, Event{Kind: KindBookTicker, Stream: []byte("btcusdt@bookTicker"),
			Ticker: BookTicker{UpdateID: 5123107839020, EventTime: 1723161256313, TxTime: 1723161256313,
				BidPrice: 6180020, BidQty: 2507, AskPrice: 6180030, AskQty: 2510}}},
		{"usdm trade", usdmBTC, usdmTradeFrame, Event{Kind: KindTrade, Stream: []byte("btcusdt@trade"),
			Trade: Trade{EventTime: 1723161256322, TradeTime: 1723161256322, ID: 5266583935, Price: 6180030, Qty: 6}}},
		{"usdm snapshot", usdmBTC, usdmSnapshotFrame, Event{Kind: KindSnapshot,
			Snapshot: Snapshot{LastUpdateID: 5123107852948, EventTime: 1723161256501, TxTime: 1723161256493,
				Bids: []orderbook.Level{lv(6180020, 2909)}, Asks: []orderbook.Level{lv(6180030, 696)}}}},
		{"bare aggTrade", spotBTC, aggTradeFrame, Event{Kind: KindAggTrade,
			Trade: Trade{EventTime: 123456789, TradeTime: 123456785, ID: 12345, FirstID: 100, LastID: 105,
				Price: 100000, Qty: 10000000000, BuyerMaker: true}}},
		{"bare spot bookTicker, no e", spotBTC,
			`{"u":7,"s":"BTCUSDT","b":"1.5","B":"2","a":"1.6","A":"3"}`,
			Event{Kind: KindBookTicker, Ticker: BookTicker{UpdateID: 7, BidPrice: 150000000, BidQty: 200000000, AskPrice: 160000000, AskQty: 300000000}}},
		{"data before stream, keys reordered, whitespace, unknown nested values", spotBTC,
			" {\"data\" : {\"x\":{\"y\":[1,-2.5e3,{\"z\":\"q\\\"\\u00e9\"}],\"w\":null},\"u\":9, \"b\":[ [\"1.0\" , \"2\" ] ],\"a\":[],\"U\":8,\"e\":\"depthUpdate\",\"ok\":true},\n\"stream\":\"btcusdt@depth\"}\t",
			Event{Kind: KindDepth, Stream: []byte("btcusdt@depth"),
				Depth: DepthUpdate{First: 8, Final: 9, Bids: []orderbook.Level{lv(100000000, 200000000)}, Asks: []orderbook.Level{}}}},
		{"symbol case and empty instrument symbol", Instrument{PriceScale: 2, QtyScale: 0},
			`{"e":"trade","s":"ethbtc","t":1,"p":"3","q":"4"}`,
			Event{Kind: KindTrade, Trade: Trade{ID: 1, Price: 300, Qty: 4}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := NewDecoder(tt.inst)
			if err != nil {
				t.Fatal(err)
			}
			// Decode something else first: nothing may leak between frames.
			if _, err := d.Decode([]byte(usdmDepthFrame)); err != nil && tt.inst.QtyScale >= 3 {
				t.Fatal(err)
			}
			ev, err := d.Decode([]byte(tt.frame))
			if err != nil {
				t.Fatal(err)
			}
			got := project(ev)
			want := project(&tt.want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
		})
	}
}

// project keeps only the member of an event that its Kind names, with nil
// and empty level slices made equal.
func project(e *Event) Event {
	p := Event{Kind: e.Kind, Stream: e.Stream}
	norm := func(l []orderbook.Level) []orderbook.Level { return append([]orderbook.Level{}, l...) }
	switch e.Kind {
	case KindDepth:
		p.Depth = e.Depth
		p.Depth.Bids, p.Depth.Asks = norm(e.Depth.Bids), norm(e.Depth.Asks)
	case KindTrade, KindAggTrade:
		p.Trade = e.Trade
	case KindBookTicker:
		p.Ticker = e.Ticker
	case KindSnapshot:
		p.Snapshot = e.Snapshot
		p.Snapshot.Bids, p.Snapshot.Asks = norm(e.Snapshot.Bids), norm(e.Snapshot.Asks)
	case KindMarkPrice:
		p.Mark = e.Mark
	}
	return p
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name  string
		frame string
		want  string // substring of the error
		is    error  // if set, errors.Is must hold
	}{
		{"empty", ``, "unexpected end of frame", nil},
		{"not an object", `[1,2]`, "expected an object", nil},
		{"empty object", `{}`, "unknown event type", ErrUnknownEvent},
		{"unknown event", `{"e":"kline","k":{}}`, `field "e"`, ErrUnknownEvent},
		{"partial depth stream", `{"stream":"btcusdt@depth5@100ms","data":{"lastUpdateId":1,"bids":[],"asks":[]}}`, "unknown event type", ErrUnknownEvent},
		{"wrapper without data", `{"stream":"btcusdt@trade"}`, `no "data"`, nil},
		{"bad u", `{"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","U":1,"u":x,"b":[],"a":[]}}`, `binance: depthUpdate: field "u"`, nil},
		{"float u", `{"e":"depthUpdate","U":1,"u":2.5,"b":[],"a":[]}`, `field "u"`, nil},
		{"negative U", `{"e":"depthUpdate","U":-1,"u":2,"b":[],"a":[]}`, `field "U"`, nil},
		{"u overflows", `{"e":"depthUpdate","U":1,"u":18446744073709551616,"b":[],"a":[]}`, "overflows", nil},
		{"U after u", `{"e":"depthUpdate","U":3,"u":2,"b":[],"a":[]}`, "first update id after final", nil},
		{"missing u", `{"e":"depthUpdate","U":1,"b":[],"a":[]}`, `field "u": offset 39: missing field`, nil},
		{"missing a", `{"e":"depthUpdate","U":1,"u":1,"b":[]}`, `field "a"`, nil},
		{"price precision", `{"e":"depthUpdate","U":1,"u":1,"b":[["1.000000001","1"]],"a":[]}`, `field "b"`, fixed.ErrPrecision},
		{"price range", `{"e":"trade","t":1,"p":"99999999999.1","q":"1"}`, `field "p"`, fixed.ErrRange},
		{"negative qty", `{"e":"trade","t":1,"p":"1","q":"-1"}`, "negative", nil},
		{"number not string", `{"e":"trade","t":1,"p":1.5,"q":"1"}`, "expected a string", nil},
		{"empty fraction", `{"e":"trade","t":1,"p":"1.","q":"1"}`, `field "p"`, fixed.ErrSyntax},
		{"exponent in price", `{"e":"trade","t":1,"p":"1e3","q":"1"}`, `field "p"`, fixed.ErrSyntax},
		{"level not a pair", `{"e":"depthUpdate","U":1,"u":1,"b":[["1"]],"a":[]}`, "level", nil},
		{"level with a third field", `{"e":"depthUpdate","U":1,"u":1,"b":[["1.00000000","2.00000000",[]]],"a":[]}`, `field "b": offset 63: level has more than a price and a quantity`, nil},
		{"level with a third string", `{"e":"depthUpdate","U":1,"u":1,"b":[],"a":[["1","2","3"]]}`, `field "a"`, nil},
		{"spot depth level with a third field", `{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":1,"b":[["1.00000000","2.00000000"],["1.1","2",[]]],"a":[]}`, "more than a price and a quantity", nil},
		{"zero bid price, spot layout", `{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":1,"b":[["0.00000000","2.00000000"]],"a":[]}`, `field "b": offset 84: zero price`, nil},
		{"zero ask price", `{"e":"depthUpdate","U":1,"u":1,"b":[["1","1"]],"a":[["2","1"],["0","3"]]}`, `field "a"`, nil},
		{"zero price, other spelling", `{"e":"depthUpdate","U":1,"u":1,"b":[[ "0.0" , "1" ]],"a":[]}`, "zero price", nil},
		{"zero snapshot price", `{"lastUpdateId":1,"bids":[["0","1"]],"asks":[]}`, "zero price", nil},
		{"zero trade price", `{"e":"trade","t":1,"p":"0.00000000","q":"1"}`, `field "p": offset 35: zero price`, nil},
		{"wrong symbol", `{"e":"trade","s":"ETHUSDT","t":1,"p":"1","q":"1"}`, `field "s"`, ErrSymbol},
		{"e disagrees with stream", `{"stream":"btcusdt@trade","data":{"e":"aggTrade","a":1,"p":"1","q":"1"}}`, `trade: field "e"`, ErrUnknownEvent},
		{"trailing data", spotTradeFrame + `x`, "data after the end", nil},
		{"truncated", spotDepthFrame[:len(spotDepthFrame)/2], "unexpected end of frame", nil},
		{"bad escape in unknown key", `{"e":"trade","z":"\q","t":1,"p":"1","q":"1"}`, "invalid escape", nil},
		{"control char", "{\"e\":\"trade\",\"z\":\"a\nb\",\"t\":1,\"p\":\"1\",\"q\":\"1\"}", "control character", nil},
		{"unterminated nested", `{"e":"trade","z":[[[{"a":1}]],"t":1,"p":"1","q":"1"}`, "invalid character", nil},
		{"too deep", `{"e":"trade","z":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `,"t":1,"p":"1","q":"1"}`, "nesting too deep", nil},
		{"missing colon", `{"e" "trade"}`, "invalid character", nil},
		{"bad bool", `{"e":"trade","t":1,"p":"1","q":"1","m":tru}`, `field "m"`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, _ := NewDecoder(spotBTC)
			ev, err := d.Decode([]byte(tt.frame))
			if err == nil {
				t.Fatalf("no error, event %+v", project(ev))
			}
			if ev.Kind != KindNone {
				t.Errorf("kind %v on error, want none", ev.Kind)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Errorf("error %T is not an *Error", err)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "binance: ") {
				t.Errorf("error %q, want it to contain %q", err, tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %q is not %v", err, tt.is)
			}
		})
	}
}

func TestNewDecoderScale(t *testing.T) {
	if _, err := NewDecoder(Instrument{PriceScale: 19}); err == nil {
		t.Error("scale 19 accepted")
	}
}

// TestDecimal checks the decoder's number parser against fixed.Scale.Parse:
// whatever it accepts, fixed accepts with the same value.
func TestDecimal(t *testing.T) {
	tests := []struct {
		in    string
		scale fixed.Scale
		want  int64
		err   error
	}{
		{"61837.63000000", 8, 6183763000000, nil},
		{"61837.63000000", 2, 6183763, nil},
		{"61837.63000001", 2, 0, fixed.ErrPrecision},
		{"0.00100000", 8, 100000, nil},
		{"0", 0, 0, nil},
		{"15.918", 3, 15918, nil},
		{"15.918", 8, 1591800000, nil},
		{"92233720368.54775807", 8, 9223372036854775807, nil},
		{"92233720368.54775808", 8, 0, fixed.ErrRange},
		{"9223372036854775807", 0, 9223372036854775807, nil},
		{"9223372036854775808", 0, 0, fixed.ErrRange},
		{"1.123456789012345678", 18, 1123456789012345678, nil},
		{"10", 18, 0, fixed.ErrRange},
		{"", 8, 0, fixed.ErrSyntax},
		{".5", 8, 0, fixed.ErrSyntax},
		{"1.", 8, 0, fixed.ErrSyntax},
		{"1.2.3", 8, 0, fixed.ErrSyntax},
		{"1234567.12345678", 8, 123456712345678, nil},
		{"12345678.12345678", 8, 1234567812345678, nil},
		{"1.10000000", 2, 110, nil},
		{"1.123456789", 8, 0, fixed.ErrPrecision},
		{"1.123456780", 8, 112345678, nil},
		{"61800.2", 11, 6180020000000000, nil},
		{"7", 8, 700000000, nil},
		{"007.5", 1, 75, nil},
		{"1:00000000", 8, 0, fixed.ErrSyntax},
		{"1./0000000", 8, 0, fixed.ErrSyntax},
		{"-1.00000000", 8, 0, errNegative},
	}
	for _, tt := range tests {
		q := []byte(`"` + tt.in + `"`)
		// Alone, and followed by the rest of a frame, which gives
		// decimalFast room for its 8-byte loads.
		for _, in := range [][]byte{q, append(slices.Clip(q), `,"0.00100000"]],"a":[]}}`...)} {
			got, end, err := decimal(in, 0, tt.scale)
			if err != tt.err || got != tt.want {
				t.Errorf("decimal(%s, %d) = %d, %v; want %d, %v", in, tt.scale, got, err, tt.want, tt.err)
			}
			if err == nil {
				if end != len(q) {
					t.Errorf("decimal(%s) ended at %d, want %d", in, end, len(q))
				}
				if f, ferr := tt.scale.Parse([]byte(tt.in)); ferr != nil || f != got {
					t.Errorf("fixed.Scale(%d).Parse(%s) = %d, %v; decoder says %d", tt.scale, tt.in, f, ferr, got)
				}
			}
		}
	}
}

func TestIgnore(t *testing.T) {
	d, err := NewDecoder(Instrument{Symbol: "BTCUSDT", PriceScale: 8, QtyScale: 8})
	if err != nil {
		t.Fatal(err)
	}
	d.Ignore(KindBookTicker)
	ticker := []byte(`{"stream":"btcusdt@bookTicker","data":{"u":50093239212,"s":"BTCUSDT","b":"61837.63000000","B":"3.78826000","a":"61837.64000000","A":"1.54698000"}}`)
	ev, err := d.Decode(ticker)
	if err != nil || ev.Kind != KindBookTicker || ev.Ticker.UpdateID != 0 {
		t.Errorf("ignored bookTicker: kind %v, ticker %+v, err %v; want the kind and nothing parsed", ev.Kind, ev.Ticker, err)
	}
	trade := []byte(`{"stream":"btcusdt@trade","data":{"e":"trade","E":1723161255343,"s":"BTCUSDT","t":3735683259,"p":"61837.63000000","q":"0.02000000","T":1723161255342,"m":true,"M":true}}`)
	if ev, err := d.Decode(trade); err != nil || ev.Kind != KindTrade || ev.Trade.Price != 6183763000000 {
		t.Errorf("trade after Ignore(bookTicker): %+v, %v", ev.Trade, err)
	}
}

// TestUintValue checks the integer reader at the edges of 64 bits, where it
// switches from summing unchecked to checking every digit.
func TestUintValue(t *testing.T) {
	tests := []struct {
		in   string
		want uint64
		end  int
		err  error
	}{
		{"0", 0, 1, nil},
		{"1723161255308,", 1723161255308, 13, nil},
		{"9999999999999999999", 9999999999999999999, 19, nil},
		{"10000000000000000000", 10000000000000000000, 20, nil},
		{"18446744073709551615}", 18446744073709551615, 20, nil},
		{"18446744073709551616", 0, 19, errOverflow},
		{"99999999999999999999", 0, 19, errOverflow},
		{"184467440737095516150", 0, 20, errOverflow},
		{"00000000000000000001", 0, 0, errInteger},
		{"01", 0, 0, errInteger},
		{"1.5", 0, 1, errInteger},
		{"1e3", 0, 1, errInteger},
		{"-1", 0, 0, errInteger},
		{"", 0, 0, errEOF},
	}
	for _, tt := range tests {
		got, end, err := uintValue([]byte(tt.in), 0)
		if got != tt.want || end != tt.end || err != tt.err {
			t.Errorf("uintValue(%q) = %d, %d, %v; want %d, %d, %v", tt.in, got, end, err, tt.want, tt.end, tt.err)
		}
	}
}

// TestUSDMZeroPrice checks that a zero price is reported in USD-M's spelling,
// which shortLevels reads, wherever it stands in an array: the reader
// declines the level, and levels reads it again and reports it.
func TestUSDMZeroPrice(t *testing.T) {
	const head = `{"e":"depthUpdate","E":1,"T":1,"s":"BTCUSDT","U":1,"u":2,"pu":0,`
	lv := `["61809.50","1.889"]`
	tests := []struct{ name, frame, want string }{
		{"first bid", head + `"b":[["0.00","1.000"],` + lv + `],"a":[]}`, `field "b"`},
		{"middle bid", head + `"b":[` + lv + `,["0.00","1.000"],` + lv + `],"a":[]}`, `field "b"`},
		{"last ask", head + `"b":[],"a":[` + lv + `,` + lv + `,["00000.00","1.000"]]}`, `field "a"`},
		{"wide zero", head + `"b":[],"a":[` + lv + `,["0000000.0","1.000"]]}`, `field "a"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, _ := NewDecoder(usdmBTC)
			_, err := d.Decode([]byte(tt.frame))
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "zero price") {
				t.Fatalf("error %v, want a zero price in %s", err, tt.want)
			}
		})
	}
	d, _ := NewDecoder(usdmBTC)
	if _, err := d.Decode([]byte(head + `"b":[` + lv + `,["0.01","0.000"]],"a":[]}`)); err != nil {
		t.Fatalf("a price of 0.01 with a zero quantity: %v", err)
	}
}
