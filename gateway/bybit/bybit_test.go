package bybit

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/risk"
)

func linearEncoder(t testing.TB) *Encoder {
	e, err := NewEncoder(Linear, "BTCUSDT", 2, 3, "nt-", 5000)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestAuth: the signature is the documented hex(HMAC-SHA256(secret,
// "GET/realtime"+expires)), computed here with the standard library from the text of
// v5/ws/connect, and the request is the documented {"op":"auth","args":[...]}.
func TestAuth(t *testing.T) {
	c, err := NewCredentials("XXXXXX", "my-secret")
	if err != nil {
		t.Fatal(err)
	}
	m := hmac.New(sha256.New, []byte("my-secret"))
	m.Write([]byte("GET/realtime1711010121452"))
	want := hex.EncodeToString(m.Sum(nil))
	got := c.AppendAuth(nil, 1711010121452)
	var v struct {
		ReqID string `json:"reqId"`
		Op    string `json:"op"`
		Args  []any  `json:"args"`
	}
	if err := json.Unmarshal(got, &v); err != nil {
		t.Fatalf("%s: %v", got, err)
	}
	if v.Op != "auth" || len(v.Args) != 3 || v.Args[0] != "XXXXXX" || v.Args[1] != float64(1711010121452) || v.Args[2] != want {
		t.Fatalf("%s, want signature %s", got, want)
	}
	for _, s := range []string{fmt.Sprint(c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c)} {
		if strings.Contains(s, "my-secret") || strings.Contains(s, "XXXXXX") {
			t.Errorf("credentials printed: %s", s)
		}
	}
	if j, _ := json.Marshal(c); strings.Contains(string(j), "secret") {
		t.Errorf("credentials in JSON: %s", j)
	}
	for _, bad := range [][2]string{{"", "s"}, {"k", ""}, {"k\"", "s"}} {
		if _, err := NewCredentials(bad[0], bad[1]); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestEncode: each request against the shape of the trade guideline's example, read
// back with encoding/json.
func TestEncode(t *testing.T) {
	e := linearEncoder(t)
	buy := &risk.Order{ID: 7, Side: orderbook.Bid, Price: 6000010, Qty: 1, PostOnly: true}
	sell := &risk.Order{ID: 8, Side: orderbook.Ask, Price: 6000020, Qty: 250, IOC: true}
	create1, err := e.AppendCreate(nil, buy, TIFOf(buy), false, 1711001595207)
	if err != nil {
		t.Fatal(err)
	}
	create2, err := e.AppendCreate(nil, sell, FOK, true, 1711001595208)
	if err != nil {
		t.Fatal(err)
	}
	amend, err := e.AppendAmend(nil, 7, 6000000, 0, 1711001595209)
	if err != nil {
		t.Fatal(err)
	}
	cancel := e.AppendCancel(nil, 8, 1711001595210)
	type req struct {
		ReqID  string            `json:"reqId"`
		Header map[string]string `json:"header"`
		Op     string            `json:"op"`
		Args   []map[string]any  `json:"args"`
	}
	hdr := func(ts string) map[string]string {
		return map[string]string{"X-BAPI-TIMESTAMP": ts, "X-BAPI-RECV-WINDOW": "5000"}
	}
	tests := []struct {
		got  []byte
		want req
	}{
		{create1, req{"c7.1", hdr("1711001595207"), "order.create", []map[string]any{{"category": "linear", "symbol": "BTCUSDT",
			"side": "Buy", "orderType": "Limit", "qty": "0.001", "price": "60000.1", "timeInForce": "PostOnly", "orderLinkId": "nt-7"}}}},
		{create2, req{"c8.2", hdr("1711001595208"), "order.create", []map[string]any{{"category": "linear", "symbol": "BTCUSDT",
			"side": "Sell", "orderType": "Limit", "qty": "0.25", "price": "60000.2", "timeInForce": "FOK", "reduceOnly": true, "orderLinkId": "nt-8"}}}},
		{amend, req{"a7.3", hdr("1711001595209"), "order.amend", []map[string]any{{"category": "linear", "symbol": "BTCUSDT",
			"price": "60000", "orderLinkId": "nt-7"}}}},
		{cancel, req{"x8.4", hdr("1711001595210"), "order.cancel", []map[string]any{{"category": "linear", "symbol": "BTCUSDT",
			"orderLinkId": "nt-8"}}}},
	}
	for _, tt := range tests {
		var got req
		if err := json.Unmarshal(tt.got, &got); err != nil {
			t.Fatalf("%s: %v", tt.got, err)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("got  %s\nwant %+v", tt.got, tt.want)
		}
	}
}

// TestEncodeRefuses: what Bybit would refuse or read otherwise is refused here.
func TestEncodeRefuses(t *testing.T) {
	spot, err := NewEncoder(Spot, "BTCUSDT", 2, 6, "nt-", 0)
	if err != nil {
		t.Fatal(err)
	}
	o := &risk.Order{ID: 1, Side: orderbook.Bid, Price: 100, Qty: 1}
	if _, err := spot.AppendCreate(nil, o, GTC, true, 1); !errors.Is(err, ErrReduceOnlySpot) {
		t.Errorf("reduce-only spot: %v", err)
	}
	if _, err := spot.AppendCreate(nil, &risk.Order{ID: 1, Price: 0, Qty: 1}, GTC, false, 1); !errors.Is(err, ErrBadOrder) {
		t.Errorf("zero price: %v", err)
	}
	if _, err := spot.AppendAmend(nil, 1, 0, 0, 1); !errors.Is(err, ErrNothingToAmend) {
		t.Errorf("empty amend: %v", err)
	}
	for _, c := range []struct {
		cat         Category
		sym, prefix string
	}{{"inverse", "BTCUSD", "nt"}, {Spot, "BTC\"USDT", "nt"}, {Spot, "BTCUSDT", "this-prefix-is-too-long"}, {Spot, "BTCUSDT", "n t"}} {
		if _, err := NewEncoder(c.cat, c.sym, 2, 6, c.prefix, 0); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
	if got, _ := spot.AppendCreate(nil, o, GTC, false, 1); strings.Contains(string(got), "RECV-WINDOW") {
		t.Errorf("receive window written when not set: %s", got)
	}
}

// TestEncodeAllocs: encoding a create and a cancel into a buffer with room allocates
// nothing.
func TestEncodeAllocs(t *testing.T) {
	e := linearEncoder(t)
	buf := make([]byte, 0, 512)
	o := &risk.Order{ID: 123456, Side: orderbook.Bid, Price: 6000010, Qty: 1, PostOnly: true}
	if a := testing.AllocsPerRun(1000, func() {
		buf, _ = e.AppendCreate(buf[:0], o, TIFOf(o), false, 1711001595207)
		buf = e.AppendCancel(buf[:0], o.ID, 1711001595207)
	}); a != 0 {
		t.Fatalf("%v allocs per create and cancel", a)
	}
}

// sink records the calls.
type sink struct{ calls []string }

func (s *sink) OnAck(id uint64, now int64) { s.calls = append(s.calls, fmt.Sprintf("ack %d", id)) }
func (s *sink) OnFill(id uint64, price, qty, fee int64, maker bool, now int64) {
	s.calls = append(s.calls, fmt.Sprintf("fill %d %d@%d fee %d maker %v", id, qty, price, fee, maker))
}
func (s *sink) OnCancelled(id uint64, now int64) {
	s.calls = append(s.calls, fmt.Sprintf("cancelled %d", id))
}
func (s *sink) OnRejected(id uint64, reason string, now int64) {
	s.calls = append(s.calls, fmt.Sprintf("rejected %d: %s", id, reason))
}

// errCancelRefused marks the case whose error is a refusal text, not a sentinel.
var errCancelRefused = errors.New("cancel refused")

// TestReader: answers and stream messages in Bybit's documented shapes become the
// engine's answers; other orders, other symbols and pongs become nothing.
func TestReader(t *testing.T) {
	e := linearEncoder(t)
	r := NewReader(e, "BTC", "USDT")
	tests := []struct {
		name, msg string
		want      []string
		err       error
	}{
		{"create ok", `{"reqId":"c7.1","retCode":0,"retMsg":"OK","op":"order.create","data":{"orderId":"a4c1718e","orderLinkId":"nt-7"},"retExtInfo":{},"header":{"Timenow":"1711001595209"},"connId":"x"}`,
			[]string{"ack 7"}, nil},
		{"create refused", `{"reqId":"c8.2","retCode":10001,"retMsg":"position idx not match position mode","op":"order.create","data":{},"retExtInfo":{},"header":{},"connId":"x"}`,
			[]string{"rejected 8: 10001: position idx not match position mode"}, nil},
		{"cancel refused", `{"reqId":"x7.5","retCode":110001,"retMsg":"order not exists or too late to cancel","op":"order.cancel","data":{}}`,
			nil, errCancelRefused},
		{"order rejected", `{"id":"1","topic":"order","creationTime":1,"data":[{"category":"linear","symbol":"BTCUSDT","orderLinkId":"nt-9","orderStatus":"Rejected","rejectReason":"EC_PostOnlyWillTakeLiquidity","cancelType":"UNKNOWN"}]}`,
			[]string{"rejected 9: EC_PostOnlyWillTakeLiquidity"}, nil},
		{"orders cancelled, filled, foreign", `{"topic":"order.linear","data":[` +
			`{"symbol":"BTCUSDT","orderLinkId":"nt-10","orderStatus":"Cancelled","cancelType":"CancelByUser"},` +
			`{"symbol":"BTCUSDT","orderLinkId":"nt-11","orderStatus":"Filled"},` +
			`{"symbol":"ETHUSDT","orderLinkId":"nt-12","orderStatus":"Cancelled"},` +
			`{"symbol":"BTCUSDT","orderLinkId":"other-13","orderStatus":"Cancelled"}]}`,
			[]string{"cancelled 10"}, nil},
		{"execution", `{"topic":"execution","id":"1","creationTime":1746270400355,"data":[{"category":"linear","symbol":"BTCUSDT","execFee":"26.3725275","execId":"0ab1","execPrice":"95900.1","execQty":"0.5","execType":"Trade","orderLinkId":"nt-11","side":"Sell","isMaker":false,"feeCurrency":"USDT"},` +
			`{"category":"linear","symbol":"BTCUSDT","execFee":"-0.1","execPrice":"95900","execQty":"0","execType":"Funding","orderLinkId":"nt-11"}]}`,
			[]string{"fill 11 500@9590010 fee 2637 maker false"}, nil},
		{"spot buy fee in base", `{"topic":"execution","data":[{"symbol":"BTCUSDT","execFee":"0.0001","execPrice":"60000","execQty":"0.1","execType":"Trade","orderLinkId":"nt-14","isMaker":true,"feeCurrency":"BTC"}]}`,
			[]string{"fill 14 100@6000000 fee 600 maker true"}, nil},
		{"unreadable execution", `{"topic":"execution","data":[{"symbol":"BTCUSDT","execPrice":"x","execQty":"1","execType":"Trade","orderLinkId":"nt-15"}]}`,
			nil, ErrMalformed},
		{"auth refused", `{"retCode":10004,"retMsg":"error sign!","op":"auth","connId":"x"}`, nil, ErrAuth},
		{"private auth refused", `{"success":false,"ret_msg":"error sign","op":"auth","conn_id":"x"}`, nil, ErrAuth},
		{"pong", `{"retCode":0,"retMsg":"OK","op":"pong","data":["1711002002529"],"connId":"x"}`, nil, nil},
		{"not json", `{"topic":`, nil, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s sink
			err := r.Handle([]byte(tt.msg), 1, &s)
			if tt.err == errCancelRefused {
				if err == nil || !strings.Contains(err.Error(), "order.cancel of order 7 refused: 110001") {
					t.Fatalf("err %v, want the refusal with its code", err)
				}
			} else if tt.err != nil && !errors.Is(err, tt.err) || tt.err == nil && err != nil {
				t.Fatalf("err %v, want %v", err, tt.err)
			}
			if !reflect.DeepEqual(s.calls, tt.want) {
				t.Fatalf("calls %q, want %q", s.calls, tt.want)
			}
		})
	}
}

// TestReaderCarriesFees: a reader's fills tell a plain Sink their fees in price units,
// the exact total rounded once (half away from zero): ten 0.024 USDT fees at 0.01
// units are 0.24, where truncating each told 0.20; rebates are their opposites.
func TestReaderCarriesFees(t *testing.T) {
	for _, tt := range []struct {
		fee  string
		want string
	}{
		{"0.024", "2 3 2 3 2 2 3 2 3 2"},
		{"-0.024", "-2 -3 -2 -3 -2 -2 -3 -2 -3 -2"},
	} {
		r := NewReader(linearEncoder(t), "BTC", "USDT")
		var s sink
		for i := range 10 {
			msg := fmt.Sprintf(`{"topic":"execution","data":[{"category":"linear","symbol":"BTCUSDT","execFee":%q,"execId":"e%d","execPrice":"60000","execQty":"0.002","execType":"Trade","orderLinkId":"nt-1","isMaker":true,"feeCurrency":"USDT"}]}`, tt.fee, i)
			if err := r.Handle([]byte(msg), 1, &s); err != nil {
				t.Fatal(err)
			}
		}
		var fees []string
		for _, c := range s.calls {
			var id, qty, price, fee int64
			var maker bool
			if _, err := fmt.Sscanf(c, "fill %d %d@%d fee %d maker %v", &id, &qty, &price, &fee, &maker); err != nil {
				t.Fatalf("%q: %v", c, err)
			}
			fees = append(fees, strconv.FormatInt(fee, 10))
		}
		if got := strings.Join(fees, " "); got != tt.want {
			t.Errorf("fees %s each: %s, want %s", tt.fee, got, tt.want)
		}
	}
}

// FuzzReader: no input panics, and an input that is an error makes no call.
func FuzzReader(f *testing.F) {
	f.Add(`{"topic":"execution","data":[{"symbol":"BTCUSDT","execFee":"0.0001","execPrice":"60000","execQty":"0.1","execType":"Trade","orderLinkId":"nt-14","feeCurrency":"BTC"}]}`)
	f.Add(`{"reqId":"c7.1","retCode":0,"op":"order.create"}`)
	f.Add(`{"topic":"order","data":[{"symbol":"BTCUSDT","orderLinkId":"nt-9","orderStatus":"Rejected"}]}`)
	f.Add(`{"topic":"position","data":[{"category":"linear","symbol":"BTCUSDT","side":"Buy","size":"0.01","positionIdx":0,"entryPrice":"60000","markPrice":"60001","liqPrice":"","unrealisedPnl":"0.01","seq":8327597863}]}`)
	f.Add(`{"topic":"wallet","data":[{"totalEquity":"100","totalAvailableBalance":"90","coin":[{"coin":"USDT","walletBalance":"100","equity":"100","unrealisedPnl":"0"}]}]}`)
	f.Add(`{"topic":"execution","data":[{"category":"linear","symbol":"BTCUSDT","execType":"Funding","execFee":"0.6","feeRate":"0.0001","execPrice":"60000","execQty":"0.1","side":"Buy"}]}`)
	e := linearEncoder(f)
	r := NewReader(e, "BTC", "USDT")
	f.Fuzz(func(t *testing.T, msg string) {
		var s sink
		err := r.Handle([]byte(msg), 1, &s)
		if errors.Is(err, ErrMalformed) && len(s.calls) > 0 && !strings.Contains(msg, "execution") {
			t.Fatalf("malformed %q made calls %q", msg, s.calls)
		}
	})
}
