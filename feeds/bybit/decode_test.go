package bybit

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/orderbook"
)

// linearBTC decodes BTCUSDT as Bybit's linear perpetual quotes it: tickSize
// 0.10 (two decimals on the wire), qtyStep 0.001.
var linearBTC = Decoder{PriceScale: 2, QtyScale: 3}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func lv(p, q int64) orderbook.Level { return orderbook.Level{Price: p, Qty: q} }

// TestDecodeDocExamples decodes each of Bybit's documented examples and
// checks every field nanotick reads against the page's values.
func TestDecodeDocExamples(t *testing.T) {
	tests := []struct {
		file string
		dec  Decoder
		want Message
	}{
		{"doc_snapshot.json", linearBTC, Message{
			Kind: KindSnapshot, Topic: []byte("orderbook.50.BTCUSDT"), Snapshot: true,
			Time: 1672304484978, MatchTime: 1672304484976, Symbol: []byte("BTCUSDT"),
			Bids:     []orderbook.Level{lv(1649350, 6), lv(1649300, 100)},
			Asks:     []orderbook.Level{lv(1661100, 29), lv(1661200, 213)},
			UpdateID: 18521288, Seq: 7961638724,
		}},
		{"doc_delta.json", linearBTC, Message{
			Kind: KindDelta, Topic: []byte("orderbook.50.BTCUSDT"),
			Time: 1687940967466, MatchTime: 1687940967464, Symbol: []byte("BTCUSDT"),
			Bids: []orderbook.Level{lv(3024720, 30028), lv(3024540, 224), lv(3024210, 1593), lv(3024030, 1305), lv(3024000, 0)},
			Asks: []orderbook.Level{lv(3024870, 0), lv(3024930, 892), lv(3024950, 1778), lv(3024960, 0),
				lv(3025190, 2947), lv(3025220, 659), lv(3025250, 4591)},
			UpdateID: 177400507, Seq: 66544703342,
		}},
		{"doc_trade.json", linearBTC, Message{
			Kind: KindTrade, Topic: []byte("publicTrade.BTCUSDT"), Snapshot: true,
			Time: 1672304486868, Symbol: []byte("BTCUSDT"),
			Trades: []Trade{{Time: 1672304486865, Price: 1657850, Qty: 1, Seq: 1783284617,
				ID: []byte("20f43950-d8dd-5b31-9112-a178eb6023af")}},
		}},
		{"doc_ticker_linear.json", linearBTC, Message{
			Kind: KindTicker, Topic: []byte("tickers.BTCUSDT"), Snapshot: true,
			Time: 1760325052630, Seq: 9532239429, Symbol: []byte("BTCUSDT"),
			Ticker: Ticker{
				Has: HasLastPrice | HasMarkPrice | HasIndexPrice | HasFundingRate | HasNextFundingTime |
					HasBid1Price | HasBid1Size | HasAsk1Price | HasAsk1Size,
				LastPrice: 6666660, MarkPrice: 6666660, IndexPrice: 11541819,
				FundingRate: -50_000_000, NextFundingTime: 1760342400000,
				Bid1Price: 6666660, Bid1Size: 23789165, Ask1Price: 6666670, Ask1Size: 23775469,
			},
		}},
		{"doc_ticker_spot.json", Decoder{PriceScale: 2, QtyScale: 6}, Message{
			Kind: KindTicker, Topic: []byte("tickers.BTCUSDT"), Snapshot: true,
			Time: 1673853746003, Seq: 2588407389, Symbol: []byte("BTCUSDT"),
			Ticker: Ticker{Has: HasLastPrice, LastPrice: 2110977},
		}},
		{"doc_subscribe_spot.json", linearBTC, Message{
			Kind: KindOp, Op: []byte("subscribe"), Success: true, RetMsg: []byte("subscribe"), ReqID: []byte("10001"),
		}},
		{"doc_pong_linear.json", linearBTC, Message{
			Kind: KindOp, Op: []byte("ping"), Success: true, RetMsg: []byte("pong"), ReqID: []byte(""),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			var m Message
			if err := tt.dec.Decode(readTestdata(t, tt.file), &m); err != nil {
				t.Fatal(err)
			}
			normalize(&m)
			normalize(&tt.want)
			if !reflect.DeepEqual(m, tt.want) {
				t.Errorf("got  %+v\nwant %+v", m, tt.want)
			}
		})
	}
}

// normalize makes empty slices nil so that DeepEqual compares contents.
func normalize(m *Message) {
	if len(m.Bids) == 0 {
		m.Bids = nil
	}
	if len(m.Asks) == 0 {
		m.Asks = nil
	}
	if len(m.Trades) == 0 {
		m.Trades = nil
	}
}

// TestDecodeFieldOrder: Bybit sends "ts" before "type" on spot and after it
// on linear; the data may even come before the topic. All decode alike.
func TestDecodeFieldOrder(t *testing.T) {
	frames := []string{
		`{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1,"data":{"s":"BTCUSDT","b":[["1.00","2.000"]],"a":[],"u":7,"seq":9},"cts":1}`,
		`{"topic":"orderbook.50.BTCUSDT","ts":"1","type":"delta","data":{"s":"BTCUSDT","b":[["1.00","2.000"]],"a":[],"u":7,"seq":9},"cts":1}`,
		`{"data":{"seq":9,"u":7,"a":[],"b":[["1.00","2.000"]],"s":"BTCUSDT"},"cts":1,"ts":1,"type":"delta","topic":"orderbook.50.BTCUSDT"}`,
	}
	for _, f := range frames {
		var m Message
		if err := linearBTC.Decode([]byte(f), &m); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if m.Kind != KindDelta || m.UpdateID != 7 || m.Seq != 9 || m.Time != 1 || len(m.Bids) != 1 || m.Bids[0] != lv(100, 2000) {
			t.Errorf("%s: %+v", f, m)
		}
	}
}

// TestDecodeErrors: each malformed message is an error naming its field,
// with the cause errors.Is finds.
func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name, frame, field string
		err                error
	}{
		{"not an object", `[]`, "", errObject},
		{"empty", ``, "", errObject},
		{"no topic or op", `{"success":true}`, "", errNoKind},
		{"book without type", `{"topic":"orderbook.1.BTCUSDT","data":{"s":"BTCUSDT","b":[],"a":[],"u":1,"seq":1}}`, "type", errNoType},
		{"bad type", `{"topic":"orderbook.1.BTCUSDT","type":"full","data":{"s":"BTCUSDT","b":[],"a":[],"u":1,"seq":1}}`, "type", errType},
		{"no data", `{"topic":"orderbook.1.BTCUSDT","type":"delta"}`, "data", errNoData},
		{"no u", `{"topic":"orderbook.1.BTCUSDT","type":"delta","data":{"s":"BTCUSDT","b":[],"a":[],"seq":1}}`, "data", errNoUpdateID},
		{"no symbol", `{"topic":"orderbook.1.BTCUSDT","type":"delta","data":{"b":[],"a":[],"u":1}}`, "data", errNoSymbol},
		{"too precise", `{"topic":"orderbook.1.BTCUSDT","type":"delta","data":{"s":"BTCUSDT","b":[["1.001","1"]],"u":1}}`, "data", fixed.ErrPrecision},
		{"zero price", `{"topic":"orderbook.1.BTCUSDT","type":"delta","data":{"s":"BTCUSDT","b":[["0","1"]],"u":1}}`, "data", errPrice},
		{"negative size", `{"topic":"orderbook.1.BTCUSDT","type":"delta","data":{"s":"BTCUSDT","b":[["1","-1"]],"u":1}}`, "data", errQty},
		{"level of three", `{"topic":"orderbook.1.BTCUSDT","type":"delta","data":{"s":"BTCUSDT","b":[["1","1","1"]],"u":1}}`, "data", errLevel},
		{"exponent in string", `{"topic":"orderbook.1.BTCUSDT","type":"delta","data":{"s":"BTCUSDT","b":[["1e2","1"]],"u":1}}`, "data", errNumber},
		{"duplicate u", `{"topic":"orderbook.1.BTCUSDT","type":"delta","data":{"s":"BTCUSDT","u":1,"u":2}}`, "data", errDuplicate},
		{"duplicate topic", `{"topic":"tickers.X","topic":"tickers.X","data":{"symbol":"X"}}`, "topic", errDuplicate},
		{"fractional u", `{"topic":"orderbook.1.BTCUSDT","type":"delta","data":{"s":"BTCUSDT","u":1.5}}`, "data", errInteger},
		{"huge u", `{"topic":"orderbook.1.BTCUSDT","type":"delta","data":{"s":"BTCUSDT","u":99999999999999999999}}`, "data", errOverflow},
		{"trade side", `{"topic":"publicTrade.BTCUSDT","type":"snapshot","data":[{"T":1,"s":"BTCUSDT","S":"buy","v":"1","p":"1"}]}`, "data", errSide},
		{"trade without price", `{"topic":"publicTrade.BTCUSDT","type":"snapshot","data":[{"T":1,"s":"BTCUSDT","S":"Buy","v":"1"}]}`, "data", errTradeFields},
		{"trades of two symbols", `{"topic":"publicTrade.BTCUSDT","type":"snapshot","data":[{"T":1,"s":"BTCUSDT","S":"Buy","v":"1","p":"1"},{"T":1,"s":"ETHUSDT","S":"Buy","v":"1","p":"1"}]}`, "data", errTradeSymbol},
		{"trailing", `{"op":"ping"} {}`, "", errTrailing},
		{"unterminated", `{"topic":"orderbook.1.BTCUSDT","type":"delta","data":{"s":"BTCUSDT","b":[["1","1"]`, "data", errEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m Message
			err := linearBTC.Decode([]byte(tt.frame), &m)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("got %v, want a *SyntaxError", err)
			}
			if se.Field != tt.field || !errors.Is(err, tt.err) {
				t.Errorf("got field %q err %v, want field %q err %v", se.Field, err, tt.field, tt.err)
			}
			if m.Kind != KindOther || len(m.Bids) != 0 || m.Topic != nil {
				t.Errorf("message not reset after an error: %+v", m)
			}
		})
	}
}

// TestDecodeTooMany: a side of more than 1000 levels is refused rather than
// grown into.
func TestDecodeTooMany(t *testing.T) {
	b := []byte(`{"topic":"orderbook.1000.BTCUSDT","type":"snapshot","data":{"s":"BTCUSDT","u":1,"b":[`)
	for i := 0; i <= maxLevels; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `["1","1"]`...)
	}
	b = append(b, `]}}`...)
	var m Message
	if err := linearBTC.Decode(b, &m); !errors.Is(err, errTooMany) {
		t.Fatalf("got %v, want errTooMany", err)
	}
}

// TestDecodeTickerEmptyFields: "" means no value and sets no flag.
func TestDecodeTickerEmptyFields(t *testing.T) {
	var m Message
	f := `{"topic":"tickers.BTC-26DEC25","type":"delta","data":{"symbol":"BTC-26DEC25","fundingRate":"","nextFundingTime":"","markPrice":"121144.63"},"cs":1,"ts":2}`
	if err := linearBTC.Decode([]byte(f), &m); err != nil {
		t.Fatal(err)
	}
	if m.Ticker.Has != HasMarkPrice || m.Ticker.MarkPrice != 12114463 || m.Snapshot {
		t.Errorf("%+v", m.Ticker)
	}
}
