package binance

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/nanotick/nanotick/exchange"
	"github.com/nanotick/nanotick/internal/testdata"
	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/risk"
)

// The example key pair and request of Binance's WebSocket API documentation ("SIGNED
// request example (HMAC)", websocket-api request security).
const (
	docKey       = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
	docSecret    = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
	docPayload   = "apiKey=" + docKey + "&newOrderRespType=ACK&price=52000.00&quantity=0.01000000&recvWindow=100&side=SELL&symbol=BTCUSDT&timeInForce=GTC&timestamp=1645423376532&type=LIMIT"
	docSignature = "cc15477742bd704c29492d96c7ead9414dfd8e0ec4a00f947bb5bb454ddbd08a"
)

func docSigner(t testing.TB) *Signer {
	c, err := NewCredentials(docKey, docSecret)
	if err != nil {
		t.Fatal(err)
	}
	return NewSigner(c)
}

func TestSignDocumentedExample(t *testing.T) {
	s := docSigner(t)
	if got := string(s.Sign([]byte(docPayload))); got != docSignature {
		t.Fatalf("signature %s, want %s", got, docSignature)
	}
	// The same request built from unsorted parameters.
	req := s.AppendSignedRequest(nil, "4885f793-e5ad-4c3b-8f6c-55d891472b71", "order.place", []Param{
		{"symbol", "BTCUSDT"}, {"side", "SELL"}, {"type", "LIMIT"}, {"timeInForce", "GTC"},
		{"quantity", "0.01000000"}, {"price", "52000.00"}, {"newOrderRespType", "ACK"}, {"recvWindow", "100"},
	}, 1645423376532)
	if string(s.payload) != docPayload {
		t.Fatalf("payload\n got %s\nwant %s", s.payload, docPayload)
	}
	var m struct {
		Params map[string]any `json:"params"`
	}
	if err := json.Unmarshal(req, &m); err != nil {
		t.Fatalf("%v: %s", err, req)
	}
	if m.Params["signature"] != docSignature || m.Params["apiKey"] != docKey || m.Params["timestamp"] != float64(1645423376532) {
		t.Fatalf("request %s", req)
	}
	// Typed as the documented example types them: recvWindow a number, the decimals
	// strings.
	if m.Params["recvWindow"] != float64(100) || m.Params["quantity"] != "0.01000000" || m.Params["price"] != "52000.00" {
		t.Fatalf("parameter types differ from the documented request: %s", req)
	}
}

// TestSignedRequestParamTypes: integers Binance documents as INT or LONG go as JSON
// numbers, its booleans as booleans, everything else (and anything that does not read
// as its type) as a string; the signature is over the same text.
func TestSignedRequestParamTypes(t *testing.T) {
	s := docSigner(t)
	req := s.AppendSignedRequest(nil, "t1", "myTrades", []Param{
		{"symbol", "BTCUSDT"}, {"orderId", "12569099453"}, {"fromId", "7"}, {"limit", "1000"},
		{"omitZeroBalances", "true"}, {"origClientOrderId", "123"}, {"startTime", "x1"},
	}, 1661955123341)
	var m struct {
		Params map[string]any `json:"params"`
	}
	if err := json.Unmarshal(req, &m); err != nil {
		t.Fatalf("%v: %s", err, req)
	}
	want := map[string]any{"symbol": "BTCUSDT", "orderId": float64(12569099453), "fromId": float64(7), "limit": float64(1000),
		"omitZeroBalances": true, "origClientOrderId": "123", "startTime": "x1", "timestamp": float64(1661955123341)}
	for k, v := range want {
		if m.Params[k] != v {
			t.Errorf("%s: %#v, want %#v", k, m.Params[k], v)
		}
	}
	checkSigned(t, req)
}

// checkSigned verifies a request's signature the way the local exchange (and Binance)
// does, from the JSON alone.
func checkSigned(t *testing.T, req []byte) map[string]string {
	t.Helper()
	var m struct {
		Params map[string]json.RawMessage `json:"params"`
	}
	if err := json.Unmarshal(req, &m); err != nil {
		t.Fatalf("%v: %s", err, req)
	}
	p := map[string]string{}
	for k, v := range m.Params {
		var s string
		if json.Unmarshal(v, &s) != nil {
			s = string(v)
		}
		p[k] = s
	}
	sig := p["signature"]
	delete(p, "signature")
	if want := exchange.SignHMAC(docSecret, exchange.SignaturePayload(p)); sig != want {
		t.Fatalf("signature %s, want %s for %s", sig, want, req)
	}
	return p
}

func TestSignedOrderRequests(t *testing.T) {
	s := docSigner(t)
	e := NewEncoder("BTCUSDT", 2, 5, "nt1-")
	for _, o := range []risk.Order{
		{ID: 7, Side: orderbook.Bid, Price: 6183763, Qty: 100},
		{ID: 8, Side: orderbook.Ask, Price: 6183764, Qty: 150, PostOnly: true},
		{ID: 9, Side: orderbook.Ask, Price: 6100000, Qty: 100000, IOC: true},
	} {
		req := e.AppendSignedPlace(nil, &o, 1723161254206, s)
		p := checkSigned(t, req)
		if p["newClientOrderId"] != fmt.Sprint("nt1-", o.ID) || p["apiKey"] != docKey || p["timestamp"] != "1723161254206" {
			t.Errorf("params %v", p)
		}
		if !strings.HasPrefix(string(req), fmt.Sprintf(`{"id":"p%d","method":"order.place"`, o.ID)) {
			t.Errorf("request %s", req)
		}
		if o.PostOnly != (p["type"] == "LIMIT_MAKER") || o.PostOnly == (p["timeInForce"] != "") {
			t.Errorf("type/timeInForce %v", p)
		}
	}
	p := checkSigned(t, e.AppendSignedCancel(nil, 7, 1723161254300, s))
	if p["origClientOrderId"] != "nt1-7" || len(p) != 4 {
		t.Errorf("cancel params %v", p)
	}
	checkSigned(t, e.AppendSignedStatus(nil, 7, 1723161254300, s))
}

func TestSignedEncodingDoesNotAllocate(t *testing.T) {
	s := docSigner(t)
	e := NewEncoder("BTCUSDT", 2, 5, "nt1-")
	buf := make([]byte, 0, 1024)
	o := risk.Order{ID: 123456, Side: orderbook.Bid, Price: 6183763, Qty: 100}
	for i := 0; i < 10; i++ {
		buf = e.AppendSignedPlace(buf[:0], &o, 1723161254206, s)
	}
	if a := testing.AllocsPerRun(1000, func() {
		buf = e.AppendSignedPlace(buf[:0], &o, 1723161254206, s)
		buf = e.AppendSignedCancel(buf[:0], o.ID, 1723161254206, s)
	}); a != 0 {
		t.Fatalf("%v allocs per signed place+cancel", a)
	}
}

// BenchmarkSignedPlace is order.place end to end into a buffer: encoding, signature
// payload, HMAC-SHA256 and hex.
func BenchmarkSignedPlace(b *testing.B) {
	s := docSigner(b)
	e := NewEncoder("BTCUSDT", 2, 5, "nt1-")
	buf := make([]byte, 0, 1024)
	o := risk.Order{ID: 123456, Side: orderbook.Bid, Price: 6183763, Qty: 100}
	b.ReportAllocs()
	cpu := testdata.StartCPUTimer()
	for i := 0; i < b.N; i++ {
		o.ID++
		buf = e.AppendSignedPlace(buf[:0], &o, 1723161254206, s)
	}
	if d, ok := cpu.Stop(); ok {
		b.ReportMetric(float64(d.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}
