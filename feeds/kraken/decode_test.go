package kraken

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/orderbook"
)

// btc is BTC/USD's precision on Kraken: price_precision 1, qty_precision 8.
var btc = Decoder{PriceScale: 1, QtyScale: 8}

func lv(p, q int64) orderbook.Level { return orderbook.Level{Price: p, Qty: q} }

func mustTime(t *testing.T, s string) int64 {
	t.Helper()
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm.UnixNano()
}

func TestDecode(t *testing.T) {
	ts := mustTime(t, "2023-10-06T17:35:55.440295Z")
	tests := []struct {
		name string
		in   string
		want Message
	}{
		{
			name: "snapshot",
			in: `{"channel":"book","type":"snapshot","data":[{"symbol":"BTC/USD",
				"bids":[{"price":45283.5,"qty":0.1},{"price":45283.4,"qty":1.54582015}],
				"asks":[{"price":45285.2,"qty":0.001}],
				"checksum":3310070434,"timestamp":"2023-10-06T17:35:55.440295Z"}]}`,
			want: Message{Kind: KindSnapshot, Symbol: []byte("BTC/USD"),
				Bids:     []orderbook.Level{lv(452835, 10000000), lv(452834, 154582015)},
				Asks:     []orderbook.Level{lv(452852, 100000)},
				Checksum: 3310070434, Time: ts},
		},
		{
			name: "snapshot without timestamp",
			in:   `{"channel":"book","type":"snapshot","data":[{"symbol":"BTC/USD","bids":[],"asks":[],"checksum":0}]}`,
			want: Message{Kind: KindSnapshot, Symbol: []byte("BTC/USD")},
		},
		{
			name: "update with a delete",
			in: `{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[{"price":45283.5,"qty":0}],
				"asks":[],"checksum":2114181697,"timestamp":"2023-10-06T17:35:55.440295Z"}]}`,
			want: Message{Kind: KindUpdate, Symbol: []byte("BTC/USD"),
				Bids: []orderbook.Level{lv(452835, 0)}, Checksum: 2114181697, Time: ts},
		},
		{
			name: "exponents, repeated price, unknown fields, whitespace",
			in: " {\"channel\" : \"book\", \"type\":\"update\", \"extra\":{\"a\":[1,{\"b\":null}]},\n\t\"data\":[{\"symbol\":\"BTC/USD\"," +
				`"bids":[{"qty":1.5e-05,"price":4.52835E4,"x":"y"},{"price":45283.5,"qty":2e0}],"checksum":7}]} `,
			want: Message{Kind: KindUpdate, Symbol: []byte("BTC/USD"),
				Bids: []orderbook.Level{lv(452835, 1500), lv(452835, 200000000)}, Checksum: 7},
		},
		{
			name: "data before channel and type",
			in:   `{"data":[{"symbol":"BTC/USD","asks":[{"price":1,"qty":2}],"checksum":5}],"type":"update","channel":"book"}`,
			want: Message{Kind: KindUpdate, Symbol: []byte("BTC/USD"), Asks: []orderbook.Level{lv(10, 200000000)}, Checksum: 5},
		},
		{
			name: "heartbeat",
			in:   `{"channel":"heartbeat"}`,
			want: Message{Kind: KindHeartbeat},
		},
		{
			name: "status",
			in: `{"channel":"status","type":"update","data":[{"version":"2.0.0","system":"online",
				"api_version":"v2","connection_id":12393906104898154338}]}`,
			want: Message{Kind: KindStatus},
		},
		{
			name: "subscribe ack",
			in: `{"method":"subscribe","result":{"channel":"book","depth":10,"snapshot":true,"symbol":"BTC/USD"},
				"success":true,"time_in":"2023-10-06T17:35:55.219022Z","time_out":"2023-10-06T17:35:55.219067Z"}`,
			want: Message{Kind: KindSubscribe, Symbol: []byte("BTC/USD"), Channel: []byte("book"), Depth: 10, Success: true},
		},
		{
			name: "subscribe rejected",
			in:   `{"error":"Already subscribed","method":"subscribe","req_id":7,"success":false,"symbol":"BTC/USD"}`,
			want: Message{Kind: KindSubscribe, Symbol: []byte("BTC/USD"), Error: []byte("Already subscribed")},
		},
		{
			name: "pong",
			in:   `{"method":"pong","req_id":1,"time_in":"x","time_out":"y"}`,
			want: Message{Kind: KindOther},
		},
		{
			name: "other channel",
			in:   `{"channel":"ticker","type":"update","data":[{"symbol":"BTC/USD","price":"not ours"}]}`,
			want: Message{Kind: KindOther},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m Message
			if err := btc.Decode([]byte(tt.in), &m); err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if !equalMessage(&m, &tt.want) {
				t.Errorf("Decode:\n got %+v\nwant %+v", m, tt.want)
			}
		})
	}
}

func equalMessage(a, b *Message) bool {
	return a.Kind == b.Kind && string(a.Symbol) == string(b.Symbol) &&
		slices.Equal(a.Bids, b.Bids) && slices.Equal(a.Asks, b.Asks) &&
		a.Checksum == b.Checksum && a.Time == b.Time &&
		string(a.Channel) == string(b.Channel) && a.Depth == b.Depth &&
		a.Success == b.Success && string(a.Error) == string(b.Error)
}

// book wraps one data item in a book update envelope.
func book(item string) string {
	return `{"channel":"book","type":"update","data":[` + item + `]}`
}

func TestDecodeMalformed(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr error  // nil: any *SyntaxError
		field   string // expected SyntaxError.Field, "-" to skip the check
	}{
		{"empty", ``, errObject, ""},
		{"not an object", `[1,2]`, errObject, ""},
		{"truncated", `{"channel":"book"`, errEOF, ""},
		{"trailing data", `{"channel":"heartbeat"} x`, errTrailing, ""},
		{"trailing comma", `{"channel":"heartbeat",}`, errString, ""},
		{"no kind", `{"foo":1}`, errNoKind, ""},
		{"book without type", `{"channel":"book","data":[]}`, errBookType, "type"},
		{"book unknown type", `{"channel":"book","type":"delta","data":[]}`, errBookType, "type"},
		{"book without data", `{"channel":"book","type":"update"}`, errNoData, "data"},
		{"data not array", `{"channel":"book","type":"update","data":{}}`, errArray, "data"},
		{"data empty", `{"channel":"book","type":"update","data":[]}`, errDataCount, "data"},
		{"data two items", book(`{"symbol":"A","checksum":1},{"symbol":"B","checksum":1}`), errDataCount, "data"},
		{"no symbol", book(`{"bids":[],"checksum":1}`), errNoSymbol, "data"},
		{"no checksum", book(`{"symbol":"BTC/USD","bids":[]}`), errNoChecksum, "data"},
		{"checksum too big", book(`{"symbol":"BTC/USD","checksum":4294967296}`), errInteger, "data"},
		{"checksum negative", book(`{"symbol":"BTC/USD","checksum":-1}`), errInteger, "data"},
		{"checksum fraction", book(`{"symbol":"BTC/USD","checksum":1.5}`), errInteger, "data"},
		{"checksum string", book(`{"symbol":"BTC/USD","checksum":"1"}`), errInteger, "data"},
		{"checksum leading zero", book(`{"symbol":"BTC/USD","checksum":01}`), errInteger, "data"},
		{"price as string", book(`{"symbol":"BTC/USD","bids":[{"price":"1.0","qty":1}],"checksum":1}`), errNumber, "data"},
		{"level as array", book(`{"symbol":"BTC/USD","bids":[["1.0","1"]],"checksum":1}`), errObject, "data"},
		{"level without qty", book(`{"symbol":"BTC/USD","bids":[{"price":1}],"checksum":1}`), errLevelFields, "data"},
		{"level duplicate price", book(`{"symbol":"BTC/USD","bids":[{"price":1,"price":2,"qty":1}],"checksum":1}`), errDuplicate, "data"},
		{"duplicate bids", book(`{"symbol":"BTC/USD","bids":[],"bids":[],"checksum":1}`), errDuplicate, "data"},
		{"duplicate channel", `{"channel":"book","channel":"book"}`, errDuplicate, "channel"},
		{"zero price", book(`{"symbol":"BTC/USD","asks":[{"price":0,"qty":1}],"checksum":1}`), errPrice, "data"},
		{"negative price", book(`{"symbol":"BTC/USD","asks":[{"price":-1,"qty":1}],"checksum":1}`), errPrice, "data"},
		{"negative qty", book(`{"symbol":"BTC/USD","asks":[{"price":1,"qty":-1}],"checksum":1}`), errQty, "data"},
		{"price beyond precision", book(`{"symbol":"BTC/USD","asks":[{"price":45285.25,"qty":1}],"checksum":1}`), fixed.ErrPrecision, "data"},
		{"qty beyond precision", book(`{"symbol":"BTC/USD","asks":[{"price":1,"qty":1e-9}],"checksum":1}`), fixed.ErrPrecision, "data"},
		{"qty out of range", book(`{"symbol":"BTC/USD","asks":[{"price":1,"qty":1e300}],"checksum":1}`), fixed.ErrRange, "data"},
		{"number leading zero", book(`{"symbol":"BTC/USD","asks":[{"price":01,"qty":1}],"checksum":1}`), errNumber, "data"},
		{"number trailing dot", book(`{"symbol":"BTC/USD","asks":[{"price":1.,"qty":1}],"checksum":1}`), errNumber, "data"},
		{"number leading dot", book(`{"symbol":"BTC/USD","asks":[{"price":.5,"qty":1}],"checksum":1}`), errNumber, "data"},
		{"number plus", book(`{"symbol":"BTC/USD","asks":[{"price":+5,"qty":1}],"checksum":1}`), errNumber, "data"},
		{"number bare exponent", book(`{"symbol":"BTC/USD","asks":[{"price":5e,"qty":1}],"checksum":1}`), errNumber, "data"},
		{"NaN", book(`{"symbol":"BTC/USD","asks":[{"price":NaN,"qty":1}],"checksum":1}`), errNumber, "data"},
		{"bad timestamp", book(`{"symbol":"BTC/USD","checksum":1,"timestamp":"2023-13-06T17:35:55Z"}`), errTimestamp, "data"},
		{"bad escape", `{"channel":"heart\x"}`, errEscape, "channel"},
		{"control character", "{\"channel\":\"heart\nbeat\"}", errControl, "channel"},
		{"unterminated string", `{"channel":"heartbeat`, errEOF, "channel"},
		{"bad literal in skipped value", `{"x":nul,"channel":"heartbeat"}`, errSyntax, "x"},
		{"mismatched brackets in skipped value", `{"x":[1,2},"channel":"heartbeat"}`, errSyntax, "x"},
		{"deep nesting", `{"x":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `,"channel":"heartbeat"}`, errDeep, "x"},
		{"success not bool", `{"method":"subscribe","success":1}`, errBool, "success"},
		{"ack depth not integer", `{"method":"subscribe","result":{"depth":1.5}}`, errDepth, "result"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := Message{Kind: KindUpdate, Bids: make([]orderbook.Level, 3)}
			err := btc.Decode([]byte(tt.in), &m)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Decode(%q) = %v, want a *SyntaxError", tt.in, err)
			}
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("Decode(%q) = %v, want %v", tt.in, err, tt.wantErr)
			}
			if se.Field != tt.field {
				t.Errorf("Decode(%q) field = %q, want %q", tt.in, se.Field, tt.field)
			}
			if !strings.HasPrefix(err.Error(), "kraken: malformed message at offset ") {
				t.Errorf("error text %q", err)
			}
			if m.Kind != KindOther || len(m.Bids) != 0 {
				t.Errorf("failed Decode left %+v, want a reset message", m)
			}
		})
	}
}

// TestDecodeTruncated cuts a valid update at every byte: every proper prefix
// must fail cleanly.
func TestDecodeTruncated(t *testing.T) {
	in := `{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[{"price":45283.5,"qty":0.5}],` +
		`"asks":[{"price":45285.2,"qty":1.5e-05}],"checksum":2114181697,"timestamp":"2023-10-06T17:35:55.440295Z"}]}`
	var m Message
	if err := btc.Decode([]byte(in), &m); err != nil {
		t.Fatal(err)
	}
	for i := range len(in) {
		if err := btc.Decode([]byte(in[:i]), &m); err == nil {
			t.Errorf("Decode(%q) succeeded", in[:i])
		}
	}
}

func TestParseTime(t *testing.T) {
	valid := []string{
		"2023-10-06T17:35:55.440295Z",
		"2023-10-06T17:35:55Z",
		"2023-10-06T17:35:55.1Z",
		"2023-10-06T17:35:55.123456789Z",
		"2024-02-29T23:59:59.999999999Z",
		"2000-02-29T00:00:00Z",
		"1970-01-01T00:00:00Z",
		"1969-12-31T23:59:59.5Z",
		"1700-03-01T00:00:00Z",
		"2200-12-31T12:00:00.000001+05:30",
		"2023-10-06T17:35:55-07:00",
	}
	for _, s := range valid {
		got, ok := parseTime([]byte(s))
		want, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatalf("time.Parse(%q): %v", s, err)
		}
		if !ok || got != want.UnixNano() {
			t.Errorf("parseTime(%q) = %d, %v; want %d", s, got, ok, want.UnixNano())
		}
	}
	invalid := []string{
		"",
		"2023-10-06",
		"2023-10-06T17:35:55",
		"2023-10-06 17:35:55Z",
		"2023-10-06T17:35:55.Z",
		"2023-10-06T17:35:55.1234567891Z",
		"2023-02-29T00:00:00Z",
		"1900-02-29T00:00:00Z",
		"2023-04-31T00:00:00Z",
		"2023-00-01T00:00:00Z",
		"2023-10-00T00:00:00Z",
		"2023-10-06T24:00:00Z",
		"2023-10-06T23:60:00Z",
		"2023-10-06T23:59:60Z",
		"2023-10-06T23:59:59+24:00",
		"2023-10-06T23:59:59+0100",
		"2023-10-06T23:59:59ZZ",
		"2023-10-06t17:35:55Z", // RFC 3339 allows lower case; time.Parse and Kraken do not
		"2023-10-06T17:35:55z",
		"2023-1a-06T23:59:59Z",
		"1677-01-01T00:00:00Z",
		"2262-12-31T00:00:00Z",
	}
	for _, s := range invalid {
		if got, ok := parseTime([]byte(s)); ok {
			t.Errorf("parseTime(%q) = %d, want failure", s, got)
		}
	}
}

// TestParseTimeRoundTrip formats random instants the ways Kraken and Go
// write them and requires parseTime to read back the same instant.
func TestParseTimeRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	lo := time.Date(1700, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	hi := time.Date(2260, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	layouts := []string{time.RFC3339Nano, time.RFC3339, "2006-01-02T15:04:05.000000Z07:00"}
	for range 20000 {
		tm := time.Unix(lo+rng.Int64N(hi-lo), rng.Int64N(1e9))
		if rng.IntN(2) == 0 {
			tm = tm.In(time.FixedZone("", (rng.IntN(48)-24)*1800))
		}
		layout := layouts[rng.IntN(len(layouts))]
		s := tm.Format(layout)
		want, err := time.Parse(layout, s)
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := parseTime([]byte(s)); !ok || got != want.UnixNano() {
			t.Fatalf("parseTime(%q) = %d, %v; want %d", s, got, ok, want.UnixNano())
		}
	}
}

// FuzzParseTime checks parseTime against time.Parse: whatever parseTime
// accepts, time.Parse must accept with the same instant.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2023-10-06T17:35:55.440295Z", "2024-02-29T23:59:59.999999999+05:30", "1969-12-31T23:59:59.5Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseTime([]byte(s))
		if !ok {
			return
		}
		want, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatalf("parseTime(%q) = %d but time.Parse fails: %v", s, got, err)
		}
		if got != want.UnixNano() {
			t.Fatalf("parseTime(%q) = %d, time.Parse says %d", s, got, want.UnixNano())
		}
	})
}
