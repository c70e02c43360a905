package kraken

import (
	"fmt"
	"strings"
	"testing"
)

func readAll(t testing.TB, r *reader, msgs ...string) ([]string, error) {
	var out []string
	var errs []string
	for _, m := range msgs {
		_, _, err := r.read([]byte(m), 1, func(a answer) {
			out = append(out, fmt.Sprintf("%d/%d id=%d snap=%v open=%v p=%d q=%d cum=%d fee=%d maker=%v %q",
				a.kind, a.exec, a.id, a.snapshot, a.open, a.price, a.qty, a.cum, a.fee, a.maker, a.reason))
		})
		if err != nil {
			errs = append(errs, err.Error())
		}
	}
	if len(errs) > 0 {
		return out, fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return out, nil
}

// TestReaderKrakenShapes reads messages shaped as docs.kraken.com's examples
// (websocket-v2/add_order, cancel_order, executions) with our cl_ord_ids.
func TestReaderKrakenShapes(t *testing.T) {
	e, _ := NewEncoder("BTC/USD", 1, 8, "nt5x")
	r := newReader(e, "BTC", "USD", nil)
	got, err := readAll(t, r,
		`{"method":"add_order","req_id":29,"result":{"order_id":"AA5JGQ-SBMRC-SCJ7J7","cl_ord_id":"nt5x7"},"success":true,"time_in":"2023-09-26T12:27:27.434425Z","time_out":"2023-09-26T12:27:27.438394Z"}`,
		`{"error":"EOrder:Insufficient funds","method":"add_order","req_id":33,"success":false,"time_in":"2023-09-26T12:27:27.434425Z","time_out":"2023-09-26T12:27:27.438394Z"}`,
		`{"error":"EOrder:Unknown order","method":"cancel_order","req_id":31,"success":false,"time_in":"2023-09-26T12:27:27.434425Z","time_out":"2023-09-26T12:27:27.438394Z"}`,
		`{"channel":"heartbeat"}`,
		`{"method":"pong","req_id":4,"time_in":"2023-09-26T12:27:27.434425Z","time_out":"2023-09-26T12:27:27.438394Z"}`,
		`{"channel":"executions","type":"snapshot","data":[{"order_id":"OK4GJX-KSTLS-7DZZO5","cl_ord_id":"nt5x7","symbol":"BTC/USD","side":"buy","order_type":"limit","order_qty":0.001,"limit_price":60000.1,"order_status":"new","cum_qty":0,"time_in_force":"GTC","post_only":true,"timestamp":"2023-09-22T10:33:05.709950Z","exec_type":"new"},{"order_id":"X","cl_ord_id":"someone-else","symbol":"BTC/USD","order_status":"new","exec_type":"new"}],"sequence":1}`,
		`{"channel":"executions","type":"update","data":[{"order_id":"OK4GJX-KSTLS-7DZZO5","cl_ord_id":"nt5x7","symbol":"BTC/USD","exec_type":"trade","exec_id":"TL3RRD-WZNWP-XQUUPQ","trade_id":1,"last_qty":0.0005,"last_price":60000.1,"liquidity_ind":"m","cost":30.00005,"order_status":"partially_filled","cum_qty":0.0005,"fees":[{"asset":"USD","qty":0.0480001}],"timestamp":"2023-09-22T10:33:05.709993Z"}],"sequence":2}`,
		// The same fill again, as a snapshot after a reconnect repeats it: passed over.
		`{"channel":"executions","type":"update","data":[{"order_id":"OK4GJX-KSTLS-7DZZO5","cl_ord_id":"nt5x7","symbol":"BTC/USD","exec_type":"trade","exec_id":"TL3RRD-WZNWP-XQUUPQ","last_qty":0.0005,"last_price":60000.1,"order_status":"partially_filled","fees":[{"asset":"USD","qty":0.0480001}]}],"sequence":3}`,
		`{"channel":"executions","type":"update","data":[{"order_id":"OK4GJX-KSTLS-7DZZO5","cl_ord_id":"nt5x7","exec_type":"canceled","order_status":"canceled","cum_qty":0.0005,"reason":"User requested","timestamp":"2023-09-22T10:33:06Z"}],"sequence":4}`,
	)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`1/0 id=7 snap=false open=false p=0 q=0 cum=0 fee=0 maker=false ""`,
		`2/0 id=8 snap=false open=false p=0 q=0 cum=0 fee=0 maker=false "EOrder:Insufficient funds"`,
		`6/0 id=7 snap=false open=false p=0 q=0 cum=0 fee=0 maker=false "EOrder:Unknown order"`,
		`8/0 id=0 snap=false open=false p=0 q=0 cum=0 fee=0 maker=false ""`,
		`7/2 id=7 snap=true open=true p=0 q=0 cum=0 fee=0 maker=false ""`,
		`9/0 id=0 snap=false open=false p=0 q=0 cum=0 fee=0 maker=false ""`,
		`7/3 id=7 snap=false open=true p=600001 q=50000 cum=50000 fee=480001 maker=true ""`,
		`7/5 id=7 snap=false open=false p=0 q=0 cum=50000 fee=0 maker=false "User requested"`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if r.foreign != 1 {
		t.Fatalf("foreign %d", r.foreign)
	}
}

func TestReaderBaseFee(t *testing.T) {
	e, _ := NewEncoder("BTC/USD", 1, 8, "nt5x")
	r := newReader(e, "BTC", "USD", nil)
	got, err := readAll(t, r, `{"channel":"executions","type":"update","data":[{"cl_ord_id":"nt5x7","symbol":"BTC/USD","exec_type":"trade","exec_id":"E1","last_qty":0.01,"last_price":60000,"fees":[{"asset":"BTC","qty":0.000026}]}]}`)
	if err != nil {
		t.Fatal(err)
	}
	// 0.000026 BTC at 60000 is 1.56 USD: 15.6 price units, in millionths.
	if !strings.Contains(got[0], "fee=15600000 ") {
		t.Fatal(got)
	}
	if _, err := readAll(t, r, `{"channel":"executions","type":"update","data":[{"cl_ord_id":"nt5x8","symbol":"BTC/USD","exec_type":"trade","exec_id":"E2","last_qty":0.01,"last_price":60000,"fees":[{"asset":"KFEE","qty":1}]}]}`); err == nil || r.unpriced != 1 {
		t.Fatalf("a fee in KFEE: %v, unpriced %d", err, r.unpriced)
	}
}

func TestReaderMalformed(t *testing.T) {
	e, _ := NewEncoder("BTC/USD", 1, 8, "nt5x")
	r := newReader(e, "BTC", "USD", nil)
	for _, m := range []string{
		`not json`,
		`{}`,
		`{"method":"add_order","req_id":29}`,
		`{"method":"add_order","req_id":30,"success":true}`,
		`{"channel":"executions","type":"update","data":{}}`,
		`{"channel":"executions","type":"sideways","data":[]}`,
		`{"channel":"executions","type":"update","data":[{"cl_ord_id":"nt5x7","exec_type":"trade","last_qty":"x","last_price":1}]}`,
		`{"channel":"executions","type":"update","data":[{"cl_ord_id":"nt5x7","exec_type":"trade","last_qty":0,"last_price":1}]}`,
		`{"channel":"executions","type":"update","data":[{"cl_ord_id":"nt5x7","exec_type":"trade","last_qty":0.000000001,"last_price":1}]}`,
	} {
		got, err := readAll(t, r, m)
		if err == nil || len(got) > 0 && !strings.Contains(m, "executions") {
			t.Errorf("%s: %v %q", m, err, got)
		}
	}
}

// FuzzReader: no input makes the reader panic, emit a fill without a positive price and
// quantity, or emit an answer for an order that is not ours.
func FuzzReader(f *testing.F) {
	for _, s := range []string{
		`{"method":"add_order","req_id":29,"result":{"order_id":"A","cl_ord_id":"nt5x7"},"success":true}`,
		`{"error":"EOrder:Insufficient funds","method":"add_order","req_id":33,"success":false}`,
		`{"channel":"executions","type":"snapshot","data":[{"cl_ord_id":"nt5x7","symbol":"BTC/USD","order_status":"new","exec_type":"new"}]}`,
		`{"channel":"executions","type":"update","data":[{"cl_ord_id":"nt5x7","symbol":"BTC/USD","exec_type":"trade","exec_id":"E","last_qty":0.0005,"last_price":60000.1,"fees":[{"asset":"USD","qty":0.048}]}]}`,
		`{"channel":"heartbeat"}`,
	} {
		f.Add([]byte(s))
	}
	e, _ := NewEncoder("BTC/USD", 1, 8, "nt5x")
	f.Fuzz(func(t *testing.T, b []byte) {
		r := newReader(e, "BTC", "USD", nil)
		_, _, _ = r.read(b, 1, func(a answer) {
			if a.kind == ansExec && a.exec == exTrade && (a.price <= 0 || a.qty <= 0) {
				t.Fatalf("fill %+v from %q", a, b)
			}
			if len(r.rec.seen) > maxRecovery || len(r.rec.orders) > maxRecovery {
				t.Fatalf("recovery tables grew to %d and %d", len(r.rec.seen), len(r.rec.orders))
			}
		})
	})
}
