package parity

import (
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/backtest"
)

const ms = int64(1e6)

// TestCompare matches hand-built live events with a backtest report: the first two
// orders match (the second with a fill only live), the third differs in price.
func TestCompare(t *testing.T) {
	s := &Session{Meta: Meta{PriceScale: 2, QtyScale: 3}, Events: []Event{
		{T: 0, Kind: "order", ID: 1, Side: "buy", Price: 10000, Qty: 1000, PostOnly: true},
		{T: 10 * ms, Kind: "ack", ID: 1},
		{T: 0, Kind: "order", ID: 2, Side: "sell", Price: 10100, Qty: 1000, PostOnly: true},
		{T: 10 * ms, Kind: "ack", ID: 2},
		{T: 50 * ms, Kind: "fill", ID: 2, Price: 10100, Qty: 1000, Maker: true},
		{T: 60 * ms, Kind: "order", ID: 3, Side: "sell", Price: 10200, Qty: 1000},
	}}
	d := decimal.RequireFromString
	rep := &backtest.Report{OrderLog: []backtest.OrderRecord{
		{ID: 1, Side: "buy", Price: d("100"), Qty: d("1"), PostOnly: true, Sent: 0, Acked: 2 * ms},
		{ID: 2, Side: "sell", Price: d("101"), Qty: d("1"), PostOnly: true, Sent: 0, Acked: 2 * ms},
		{ID: 3, Side: "sell", Price: d("101.5"), Qty: d("1"), Sent: 60 * ms},
	}}
	r := Compare(s, rep)
	if r.Matched != 2 || r.FirstDivergence == nil || r.FirstDivergence.Index != 2 || !strings.Contains(r.FirstDivergence.Why, "price") {
		t.Fatalf("result %+v, divergence %+v", r, r.FirstDivergence)
	}
	if r.OnlyLive != 1 || r.OnlyBacktest != 0 || r.LiveFills != 1 || r.BacktestFills != 0 {
		t.Errorf("fills: %+v", r)
	}
	if r.AckTime.Count != 2 || r.AckTime.P50 != 8*ms {
		t.Errorf("ack time %+v, want 2 acks 8ms later live", r.AckTime)
	}
	ex := strings.Join(r.Explanations, "\n")
	for _, want := range []string{"latency: live acks", "queue: 1 fills", "decisions: the orders diverge from order 2"} {
		if !strings.Contains(ex, want) {
			t.Errorf("explanations lack %q:\n%s", want, ex)
		}
	}
	var b strings.Builder
	if err := r.Write(&b); err != nil || !strings.Contains(b.String(), "first divergence at order 2") {
		t.Errorf("text:\n%s", b.String())
	}
}
