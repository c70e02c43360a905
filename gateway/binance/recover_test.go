package binance

import (
	"fmt"
	"strings"
	"testing"
)

// TestOrderRecovery runs the order table through fills learnt from a status answer and
// the order's trade list: each missed trade reaches the engine with its own price, fee
// and liquidity, once, whichever of the reports, the status and the list comes first;
// the status's end waits for them; a list that cannot be had is asked again with
// backoff, then the fills are told at the limit price with no fee, as maker.
func TestOrderRecovery(t *testing.T) {
	const id, venue = 1, 77
	type ev struct {
		a     answer
		sweep int64
	}
	rep := func(x execType, cum, price, fee int64, maker bool) ev {
		return ev{a: answer{kind: ansReport, id: id, exec: x, cum: cum, price: price, fee: fee, maker: maker}}
	}
	status := func(vs venueStatus, cum int64) ev {
		return ev{a: answer{kind: ansStatus, id: id, status: vs, cum: cum, venueID: venue}}
	}
	tr := func(tid, qty, price, fee int64, maker bool) trade {
		return trade{id: tid, qty: qty, price: price, fee: fee, maker: maker}
	}
	// cancelled is a cancel report that says the order filled cum in all (z), with the
	// venue's orderId (i) when venueID is set.
	cancelled := func(cum, venueID int64) ev {
		return ev{a: answer{kind: ansReport, id: id, exec: exCanceled, cum: cum, venueID: venueID}}
	}
	trades := func(ts ...trade) ev { return ev{a: answer{kind: ansTrades, id: id, trades: ts}} }
	refused := ev{a: answer{kind: ansTradesErr, id: id, reason: "busy"}}
	sweep := func(at int64) ev { return ev{sweep: at} }
	all := []trade{tr(11, 2, 100, 3, true), tr(12, 5, 101, 7, false), tr(13, 3, 99, 4, true)}
	tests := []struct {
		name      string
		evs       []ev
		want      string
		asked     string // the trade list requests: venue id/from id
		live      bool
		recovered uint64
		noFee     uint64
	}{
		{"status ahead of reports: each trade once, then filled",
			[]ev{rep(exTrade, 2, 100, 3, true), status(vsFilled, 10), trades(all...), rep(exTrade, 7, 101, 7, false), rep(exTrade, 10, 99, 4, true)},
			"ack 1; fill 1 2@100 fee 3 maker true; fill 1 5@101 fee 7 maker false; fill 1 3@99 fee 4 maker true",
			"77/0", false, 2, 0},
		{"a report between the status and the list is not told twice",
			[]ev{status(vsPartial, 7), rep(exTrade, 2, 100, 3, true), trades(all[:2]...)},
			"ack 1; fill 1 2@100 fee 3 maker true; fill 1 5@101 fee 7 maker false",
			"77/0", true, 1, 0},
		{"the list lags the status: asked again after the backoff",
			[]ev{status(vsPartial, 7), trades(all[:1]...), sweep(1), trades(all[:2]...)},
			"ack 1; fill 1 2@100 fee 3 maker true; fill 1 5@101 fee 7 maker false",
			"77/0 77/0", true, 2, 0},
		{"cancelled: the end waits for the fills",
			[]ev{status(vsCanceled, 7), trades(all[:2]...)},
			"ack 1; fill 1 2@100 fee 3 maker true; fill 1 5@101 fee 7 maker false; cancelled 1",
			"77/0", false, 2, 0},
		{"a cancel report during the recovery waits too",
			[]ev{status(vsPartial, 2), rep(exCanceled, 0, 0, 0, false), trades(all[:1]...)},
			"ack 1; fill 1 2@100 fee 3 maker true; cancelled 1",
			"77/0", false, 1, 0},
		{"a cancel report with fills no report told: they are learnt first",
			[]ev{rep(exTrade, 2, 100, 3, true), cancelled(7, venue), trades(all[:2]...)},
			"ack 1; fill 1 2@100 fee 3 maker true; fill 1 5@101 fee 7 maker false; cancelled 1",
			"77/0", false, 1, 0},
		{"a cancel report with untold fills and no orderId: the limit price, no fee",
			[]ev{cancelled(7, 0)},
			"ack 1; fill 1 7@50 fee 0 maker true; cancelled 1",
			"", false, 0, 1},
		{"a cancel answer whose executedQty is beyond the reports: they are learnt first",
			[]ev{rep(exTrade, 2, 100, 3, true), {a: answer{kind: ansCancelOK, id: id, cum: 7, venueID: venue}}, trades(all[:2]...)},
			"ack 1; fill 1 2@100 fee 3 maker true; fill 1 5@101 fee 7 maker false; cancelled 1",
			"77/0", false, 1, 0},
		{"reports that cover a recovery end it before the list answers",
			[]ev{status(vsCanceled, 7), rep(exTrade, 2, 100, 3, true), rep(exTrade, 7, 101, 7, false)},
			"ack 1; fill 1 2@100 fee 3 maker true; fill 1 5@101 fee 7 maker false; cancelled 1",
			"77/0", false, 0, 0},
		{"a cancel report that adds nothing ends the order",
			[]ev{rep(exTrade, 2, 100, 3, true), cancelled(2, venue)},
			"ack 1; fill 1 2@100 fee 3 maker true; cancelled 1",
			"", false, 0, 0},
		{"refused until the attempts run out: the limit price, no fee",
			[]ev{status(vsFilled, 10), refused, sweep(1), refused, sweep(2), refused, sweep(3)},
			"ack 1; fill 1 10@50 fee 0 maker true",
			"77/0 77/0 77/0", false, 0, 1},
		{"unanswered requests time out and are sent again",
			[]ev{status(vsPartial, 2), sweep(3), sweep(8), trades(all[:1]...)},
			"ack 1; fill 1 2@100 fee 3 maker true",
			"77/0 77/0", true, 1, 0},
		{"no recovery without a gap",
			[]ev{rep(exTrade, 2, 100, 3, true), status(vsPartial, 2)},
			"ack 1; fill 1 2@100 fee 3 maker true", "", true, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab := newOrders(4, 4)
			tab.retry = retryPolicy{min: 0, max: 0, maxAttempts: 3, lostAfter: 1000, minMissing: 3}
			var asked []string
			tab.trades = func(oid uint64, v, from int64, now int64) bool {
				asked = append(asked, fmt.Sprintf("%d/%d", v, from))
				return true
			}
			tab.add(id, 50, 10, 0)
			s := &recSink{}
			for _, e := range tt.evs {
				if e.sweep != 0 {
					tab.sweep(e.sweep, s)
					continue
				}
				a := e.a
				if _, ok := tab.get(a.id); ok {
					tab.apply(&a, s, 0)
				}
			}
			if got := strings.Join(s.got, "; "); got != tt.want {
				t.Errorf("callbacks\n got %q\nwant %q", got, tt.want)
			}
			if got := strings.Join(asked, " "); got != tt.asked {
				t.Errorf("trade list requests %q, want %q", got, tt.asked)
			}
			if _, live := tab.get(id); live != tt.live {
				t.Errorf("live %v, want %v", live, tt.live)
			}
			if r, n := tab.recovered.Load(), tab.recoveredNoFee.Load(); r != tt.recovered || n != tt.noFee {
				t.Errorf("recovered %d, without fee %d; want %d, %d", r, n, tt.recovered, tt.noFee)
			}
		})
	}
}

// TestOrderRecoveryPages: an order of more trades than a page is read page by page
// (fromId after the last trade of a full page), each trade told once.
func TestOrderRecoveryPages(t *testing.T) {
	tab := newOrders(4, 4)
	tab.retry = retryPolicy{maxAttempts: 2, lostAfter: 1000, minMissing: 3}
	var from []int64
	tab.trades = func(oid uint64, v, f int64, now int64) bool { from = append(from, f); return true }
	const n = maxTradePage + 500
	tab.add(1, 50, n, 0)
	page := func(first, count int64) answer {
		a := answer{kind: ansTrades, id: 1}
		for i := range count {
			a.trades = append(a.trades, trade{id: first + i, qty: 1, price: 60 + i%3, fee: 1})
		}
		return a
	}
	s := &feeCount{}
	tab.apply(&answer{kind: ansStatus, id: 1, status: vsFilled, cum: n, venueID: 5}, s, 0)
	a := page(1000, maxTradePage)
	tab.apply(&a, s, 0)
	a = page(1000+maxTradePage, 500)
	tab.apply(&a, s, 0)
	if fmt.Sprint(from) != fmt.Sprint([]int64{0, 1000 + maxTradePage}) || s.fills != n || s.qty != n || s.fees != n {
		t.Errorf("from ids %v; %d fills of %d, fees %d; want pages from 0 and %d, %d fills", from, s.fills, s.qty, s.fees, 1000+maxTradePage, n)
	}
	if _, live := tab.get(1); live {
		t.Errorf("the order is still live")
	}
}

// feeCount sums fills.
type feeCount struct{ fills, qty, fees int64 }

func (s *feeCount) OnAck(uint64, int64) {}
func (s *feeCount) OnFill(id uint64, price, qty, fee int64, maker bool, now int64) {
	s.fills++
	s.qty += qty
	s.fees += fee
}
func (s *feeCount) OnCancelled(uint64, int64)        {}
func (s *feeCount) OnRejected(uint64, string, int64) {}

// TestNormalAnswersDoNotAllocate: the order table's handling of the answers of normal
// trading (the place answer, trade reports, the final one) allocates nothing, the
// recovery's fields and the answer's trade list notwithstanding.
func TestNormalAnswersDoNotAllocate(t *testing.T) {
	tab := newOrders(4, 4)
	s := &feeCount{}
	id := uint64(0)
	if a := testing.AllocsPerRun(1000, func() {
		id++
		tab.add(id, 50, 10, 0)
		for _, a := range [...]answer{{kind: ansPlaceOK, id: id}, {kind: ansReport, id: id, exec: exNew},
			{kind: ansReport, id: id, exec: exTrade, cum: 4, price: 50, fee: 3},
			{kind: ansReport, id: id, exec: exTrade, cum: 10, price: 49, fee: 4, maker: true}} {
			tab.apply(&a, s, 0)
		}
	}); a != 0 {
		t.Errorf("%v allocs per order placed, acknowledged and filled in two", a)
	}
	if len(tab.live) != 0 {
		t.Errorf("%d orders left in the table", len(tab.live))
	}
}

// TestCancelAnswerWaitsForLateReports: a cancel answer whose executedQty is beyond the
// reports (their connection is slower than the answers') gives the reports the retry
// policy's first delay before the trade list is asked: reports that come within it end
// the order with no request; without them the list is asked once the delay is over.
func TestCancelAnswerWaitsForLateReports(t *testing.T) {
	const delay = 100
	for _, late := range []bool{false, true} {
		tab := newOrders(4, 1000)
		tab.retry = retryPolicy{min: delay, max: delay, maxAttempts: 3, lostAfter: 10_000, minMissing: 3}
		asked := 0
		tab.trades = func(uint64, int64, int64, int64) bool { asked++; return true }
		tab.cancel = func(uint64, int64) bool { return true }
		s := &recSink{}
		tab.add(1, 50, 10, 0)
		tab.apply(&answer{kind: ansPlaceOK, id: 1}, s, 0)
		o, _ := tab.get(1)
		tab.requestCancel(o, 0)
		tab.apply(&answer{kind: ansCancelOK, id: 1, cum: 4, venueID: 9}, s, 10)
		tab.sweep(50, s)
		if asked != 0 {
			t.Fatalf("late %v: the list asked within the delay", late)
		}
		if !late {
			tab.apply(&answer{kind: ansReport, id: 1, exec: exTrade, cum: 4, price: 49, fee: 2}, s, 60)
		}
		tab.sweep(200, s)
		want, wantAsked := "ack 1; fill 1 4@49 fee 2 maker false; cancelled 1", 0
		if late {
			want, wantAsked = "ack 1", 1
		}
		if got := strings.Join(s.got, "; "); got != want || asked != wantAsked {
			t.Errorf("late %v: %q, %d list requests; want %q, %d", late, got, asked, want, wantAsked)
		}
	}
}
