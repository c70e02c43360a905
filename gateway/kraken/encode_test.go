package kraken

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/risk"
)

func testEncoder(t *testing.T) *Encoder {
	t.Helper()
	e, err := NewEncoder("BTC/USD", 1, 8, "nt5x")
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestEncodeGolden checks every request against the text Kraken's pages show
// (docs.kraken.com/api/docs/websocket-v2/add_order, amend_order, cancel_order).
func TestEncodeGolden(t *testing.T) {
	e := testEncoder(t)
	now := time.Date(2026, 12, 7, 4, 0, 0, 0, time.UTC).UnixNano()
	add := func(o risk.Order, tif TimeInForce) string {
		b, err := e.AppendAdd(nil, &o, tif, "TOKEN", now)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	amend, err := e.AppendAmend(nil, 7, 600001, 150_000, true, "TOKEN")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ got, want string }{
		{add(risk.Order{ID: 7, Side: orderbook.Bid, Price: 600001, Qty: 100_000, PostOnly: true}, GTC),
			`{"method":"add_order","params":{"order_type":"limit","side":"buy","order_qty":0.001,"limit_price":60000.1,"time_in_force":"gtc","post_only":true,"cl_ord_id":"nt5x7","symbol":"BTC/USD","token":"TOKEN"},"req_id":29}`},
		{add(risk.Order{ID: 40, Side: orderbook.Ask, Price: 600000, Qty: 123_456_789}, IOC),
			`{"method":"add_order","params":{"order_type":"limit","side":"sell","order_qty":1.23456789,"limit_price":60000,"time_in_force":"ioc","cl_ord_id":"nt5x14","symbol":"BTC/USD","token":"TOKEN"},"req_id":161}`},
		{add(risk.Order{ID: 1, Side: orderbook.Bid, Price: 10, Qty: 1}, GTD),
			`{"method":"add_order","params":{"order_type":"limit","side":"buy","order_qty":0.00000001,"limit_price":1,"time_in_force":"gtd","expire_time":"2026-12-07T04:01:00.000Z","cl_ord_id":"nt5x1","symbol":"BTC/USD","token":"TOKEN"},"req_id":5}`},
		{string(amend), `{"method":"amend_order","params":{"cl_ord_id":"nt5x7","order_qty":0.0015,"limit_price":60000.1,"post_only":true,"token":"TOKEN"},"req_id":30}`},
		{string(e.AppendCancel(nil, 7, "TOKEN")), `{"method":"cancel_order","params":{"cl_ord_id":["nt5x7"],"token":"TOKEN"},"req_id":31}`},
		{string(AppendSubscribeExecutions(nil, "TOKEN", 4)), `{"method":"subscribe","params":{"channel":"executions","snap_orders":true,"snap_trades":true,"token":"TOKEN"},"req_id":4}`},
		{string(AppendCancelAll(nil, "TOKEN", 8)), `{"method":"cancel_all","params":{"token":"TOKEN"},"req_id":8}`},
		{string(AppendPing(nil, 12)), `{"method":"ping","req_id":12}`},
	} {
		if tc.got != tc.want {
			t.Errorf("got  %s\nwant %s", tc.got, tc.want)
		}
		if !json.Valid([]byte(tc.got)) {
			t.Errorf("not JSON: %s", tc.got)
		}
	}
	if id, ok := e.IDOf("nt5x14"); !ok || id != 40 {
		t.Fatal(id, ok)
	}
	if _, ok := e.IDOf("other14"); ok {
		t.Fatal("a foreign cl_ord_id was taken for ours")
	}
	if id, k := SplitReqID(161); id != 40 || k != reqAdd {
		t.Fatal(id, k)
	}
}

func TestEncodeRefusals(t *testing.T) {
	e := testEncoder(t)
	if _, err := e.AppendAdd(nil, &risk.Order{ID: 1, Price: 0, Qty: 1}, GTC, "T", 0); err != ErrBadOrder {
		t.Fatal(err)
	}
	if _, err := e.AppendAmend(nil, 1, 5, 0, false, "T"); err != ErrNothingToAmend {
		t.Fatal(err)
	}
	for _, p := range []string{"", "toolong", "a b", `a"`} {
		if _, err := NewEncoder("BTC/USD", 1, 8, p); err == nil {
			t.Errorf("prefix %q taken", p)
		}
	}
	if _, err := NewEncoder(`BTC"USD`, 1, 8, "nt"); err == nil {
		t.Error("a symbol needing escapes was taken")
	}
}

// TestEncodeAllocs: encoding an order, an amend and a cancel allocates nothing.
func TestEncodeAllocs(t *testing.T) {
	e := testEncoder(t)
	buf := make([]byte, 0, 512)
	o := risk.Order{ID: 12345, Side: orderbook.Bid, Price: 600001, Qty: 100_000, PostOnly: true}
	n := testing.AllocsPerRun(1000, func() {
		buf, _ = e.AppendAdd(buf[:0], &o, GTD, "TOKEN-abcdefghijklmnopqrstuvwxyz", 1)
		buf, _ = e.AppendAmend(buf[:0], o.ID, o.Price, o.Qty, true, "TOKEN-abcdefghijklmnopqrstuvwxyz")
		buf = e.AppendCancel(buf[:0], o.ID, "TOKEN-abcdefghijklmnopqrstuvwxyz")
	})
	if n != 0 {
		t.Fatalf("%v allocations per order", n)
	}
}

func BenchmarkEncodeAdd(b *testing.B) {
	e, _ := NewEncoder("BTC/USD", 1, 8, "nt5x")
	buf := make([]byte, 0, 512)
	o := risk.Order{ID: 12345, Side: orderbook.Bid, Price: 600001, Qty: 100_000, PostOnly: true}
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = e.AppendAdd(buf[:0], &o, GTC, "TOKEN-abcdefghijklmnopqrstuvwxyz", 1)
	}
}
