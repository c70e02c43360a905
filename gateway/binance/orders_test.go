package binance

import (
	"fmt"
	"strings"
	"testing"
)

// recSink records the engine callbacks as text.
type recSink struct{ got []string }

func (s *recSink) OnAck(id uint64, now int64) { s.got = append(s.got, fmt.Sprintf("ack %d", id)) }
func (s *recSink) OnFill(id uint64, price, qty, fee int64, maker bool, now int64) {
	s.got = append(s.got, fmt.Sprintf("fill %d %d@%d fee %d maker %v", id, qty, price, fee, maker))
}
func (s *recSink) OnCancelled(id uint64, now int64) {
	s.got = append(s.got, fmt.Sprintf("cancelled %d", id))
}
func (s *recSink) OnRejected(id uint64, reason string, now int64) {
	s.got = append(s.got, fmt.Sprintf("rejected %d %s", id, reason))
}

// step is one event of a state machine scenario: an answer, or a clock sweep.
type step struct {
	a     answer
	sweep int64 // if non-zero, sweep at this time instead
}

func TestOrderStateMachine(t *testing.T) {
	const id = 1
	rep := func(x execType, cum, price int64) step {
		return step{a: answer{kind: ansReport, id: id, exec: x, cum: cum, price: price, fee: 3, maker: true}}
	}
	ans := func(k answerKind, code int) step { return step{a: answer{kind: k, id: id, code: code, reason: "nope"}} }
	status := func(vs venueStatus, cum int64) step {
		return step{a: answer{kind: ansStatus, id: id, status: vs, cum: cum}}
	}
	tests := []struct {
		name    string
		steps   []step
		want    string // callbacks, joined with "; "
		state   OrderState
		queries int
	}{
		{"ack then fill in two", []step{ans(ansPlaceOK, 0), rep(exNew, 0, 0), rep(exTrade, 4, 100), rep(exTrade, 10, 101)},
			"ack 1; fill 1 4@100 fee 3 maker true; fill 1 6@101 fee 3 maker true", StateFilled, 0},
		{"report before response", []step{rep(exNew, 0, 0), ans(ansPlaceOK, 0)}, "ack 1", StateAcked, 0},
		{"trade without ack acks first", []step{rep(exTrade, 3, 100)}, "ack 1; fill 1 3@100 fee 3 maker true", StatePartial, 0},
		{"duplicate trade report ignored", []step{rep(exTrade, 3, 100), rep(exTrade, 3, 100)}, "ack 1; fill 1 3@100 fee 3 maker true", StatePartial, 0},
		{"rejected", []step{ans(ansPlaceErr, -2010)}, "rejected 1 nope", StateRejected, 0},
		{"cancelled by answer then report", []step{ans(ansPlaceOK, 0), ans(ansCancelOK, 0), rep(exCanceled, 0, 0)}, "ack 1; cancelled 1", StateCancelled, 0},
		{"ioc partial then expired", []step{rep(exNew, 0, 0), rep(exTrade, 2, 100), rep(exExpired, 0, 0)},
			"ack 1; fill 1 2@100 fee 3 maker true; cancelled 1", StateCancelled, 0},
		{"timeout makes unknown and queries", []step{{sweep: 5}}, "", StateUnknown, 1},
		{"no query before timeout", []step{{sweep: 1}}, "", StateNew, 0},
		{"unknown resolved as resting", []step{{sweep: 5}, status(vsNew, 0)}, "ack 1", StateAcked, 1},
		{"unknown resolved as filled with lost reports", []step{{sweep: 5}, status(vsFilled, 10)}, "ack 1; fill 1 10@50 fee 0 maker true", StateFilled, 1},
		{"one -2013 writes nothing off", []step{{sweep: 5}, ans(ansStatusErr, codeNoSuchOrder)}, "", StateUnknown, 1},
		{"venue send status unknown", []step{ans(ansPlaceErr, codeUnknownSend)}, "", StateUnknown, 0},
		{"venue send status unknown, then queried", []step{ans(ansPlaceErr, codeUnknownSend), {sweep: 1}}, "", StateUnknown, 1},
		{"query unanswered is repeated", []step{{sweep: 5}, {sweep: 6}, {sweep: 10}}, "", StateUnknown, 2},
		{"disconnect makes unknown, reconnect queries", []step{ans(ansPlaceOK, 0), {a: answer{kind: ansDisconnected}}, {a: answer{kind: ansConnected}}, {sweep: 2}},
			"ack 1", StateUnknown, 1},
		{"cancel refused then status says filled", []step{ans(ansPlaceOK, 0), ans(ansCancelErr, codeCancelReject), {sweep: 2}, status(vsFilled, 10)},
			"ack 1; fill 1 10@50 fee 0 maker true", StateFilled, 1},
		{"stale place error after a report", []step{rep(exNew, 0, 0), ans(ansPlaceErr, -1)}, "ack 1", StateAcked, 0},
		{"expired by status", []step{{sweep: 5}, status(vsExpired, 0)}, "ack 1; cancelled 1", StateCancelled, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab := newOrders(4, 4)
			tab.retry = retryPolicy{min: 0, max: 0, maxAttempts: 100, lostAfter: 1000, minMissing: 3}
			queries := 0
			tab.query = func(uint64, int64) bool { queries++; return true }
			tab.add(id, 50, 10, 0)
			s := &recSink{}
			for _, st := range tt.steps {
				if st.sweep != 0 {
					tab.sweep(st.sweep, s)
					continue
				}
				a := st.a
				tab.apply(&a, s, 0)
			}
			if got := strings.Join(s.got, "; "); got != tt.want {
				t.Errorf("callbacks\n got %q\nwant %q", got, tt.want)
			}
			state := OrderState(0)
			if o, ok := tab.get(id); ok {
				state = o.state
			} else if tt.state.final() {
				state = tt.state // final orders leave the table
			}
			if state != tt.state {
				t.Errorf("state %v, want %v", state, tt.state)
			}
			if queries != tt.queries {
				t.Errorf("%d queries, want %d", queries, tt.queries)
			}
			if tt.state.final() && len(tab.live) != 0 {
				t.Errorf("final order still in the table")
			}
		})
	}
}

func TestOrderTableFullAndReused(t *testing.T) {
	tab := newOrders(2, 4)
	if !tab.add(1, 1, 1, 0) || !tab.add(2, 1, 1, 0) || tab.add(3, 1, 1, 0) {
		t.Fatal("capacity 2 not enforced")
	}
	s := &recSink{}
	tab.apply(&answer{kind: ansPlaceErr, id: 1}, s, 0)
	if !tab.add(3, 1, 1, 0) {
		t.Fatal("slot of a final order not reused")
	}
	if a := testing.AllocsPerRun(100, func() {
		tab.add(9, 1, 1, 0)
		tab.apply(&answer{kind: ansPlaceErr, id: 9}, s, 0)
	}); a > 0 {
		t.Logf("add+reject: %v allocs (recording sink)", a)
	}
}

// TestOrderLostOnlyAfterPersistentNoSuchOrder: an order the venue denies (-2013) is
// queried again with growing delays, and written off (rejected "lost: ...", counted)
// only once the denials span lostAfter over at least three answers; a status that
// knows the order in between starts the count again.
func TestOrderLostOnlyAfterPersistentNoSuchOrder(t *testing.T) {
	const ms = int64(1e6)
	tab := newOrders(4, 100*ms)
	tab.retry = retryPolicy{min: 10 * ms, max: 80 * ms, maxAttempts: 50, lostAfter: 500 * ms, minMissing: 3}
	var sent []int64
	tab.query = func(_ uint64, now int64) bool { sent = append(sent, now); return true }
	s := &recSink{}
	tab.add(1, 50, 10, 0)
	// Every millisecond for 2 s: sweep, and answer each query with -2013 at once.
	var lostAt int64
	for now := int64(0); now <= 2000*ms; now += ms {
		n := len(sent)
		tab.sweep(now, s)
		if len(sent) > n {
			tab.apply(&answer{kind: ansStatusErr, id: 1, code: codeNoSuchOrder, reason: "Order does not exist."}, s, now)
		}
		if _, live := tab.get(1); !live && lostAt == 0 {
			lostAt = now
		}
	}
	if lostAt < 500*ms || lostAt > 700*ms {
		t.Errorf("lost at %dms, want soon after 500ms", lostAt/ms)
	}
	if len(s.got) != 1 || !strings.HasPrefix(s.got[0], "rejected 1 lost: unknown to the venue (-2013)") || tab.lost.Load() != 1 {
		t.Errorf("callbacks %q lost %d", s.got, tab.lost.Load())
	}
	// The queries were spaced by the backoff: never two within the minimum, and the
	// gaps grew to the cap.
	for i := 1; i < len(sent); i++ {
		if gap := sent[i] - sent[i-1]; gap < 5*ms || gap > 80*ms+ms {
			t.Errorf("gap %d: %dms", i, gap/ms)
		}
	}
	if len(sent) > 20 {
		t.Errorf("%d queries in %dms: a storm", len(sent), lostAt/ms)
	}

	// Denied, then known, then denied again: the clock restarts.
	tab2 := newOrders(4, 100*ms)
	tab2.retry = tab.retry
	s2 := &recSink{}
	tab2.add(2, 50, 10, 0)
	tab2.apply(&answer{kind: ansStatusErr, id: 2, code: codeNoSuchOrder}, s2, 0)
	tab2.apply(&answer{kind: ansStatus, id: 2, status: vsNew}, s2, 400*ms)
	tab2.apply(&answer{kind: ansStatusErr, id: 2, code: codeNoSuchOrder}, s2, 600*ms)
	if _, live := tab2.get(2); !live {
		t.Errorf("written off though the venue knew it 200ms earlier: %q", s2.got)
	}
}

// TestOrderQueriesRunOut: an order whose status queries go unanswered is queried at
// most maxAttempts times, then written off as lost.
func TestOrderQueriesRunOut(t *testing.T) {
	const ms = int64(1e6)
	tab := newOrders(4, 20*ms)
	tab.retry = retryPolicy{min: 10 * ms, max: 40 * ms, maxAttempts: 5, lostAfter: 1e12, minMissing: 3}
	queries := 0
	tab.query = func(uint64, int64) bool { queries++; return true }
	s := &recSink{}
	tab.add(1, 50, 10, 0)
	for now := int64(0); now <= 5000*ms; now += ms {
		tab.sweep(now, s)
	}
	if queries != 5 || tab.lost.Load() != 1 || len(s.got) != 1 || !strings.Contains(s.got[0], "lost: no answer to 5 status queries") {
		t.Errorf("queries %d lost %d callbacks %q", queries, tab.lost.Load(), s.got)
	}
}

// TestCancelResentWithBackoff: a refused cancel (-2011) leads to a status query; an
// order still open is cancelled again, no sooner than the backoff, and never more than
// maxAttempts times however often the engine asks.
func TestCancelResentWithBackoff(t *testing.T) {
	const ms = int64(1e6)
	tab := newOrders(4, 50*ms)
	tab.retry = retryPolicy{min: 20 * ms, max: 100 * ms, maxAttempts: 4, lostAfter: 1e12, minMissing: 3}
	var cancels, queries []int64
	tab.cancel = func(_ uint64, now int64) bool { cancels = append(cancels, now); return true }
	tab.query = func(_ uint64, now int64) bool { queries = append(queries, now); return true }
	s := &recSink{}
	tab.add(1, 50, 10, 0)
	tab.apply(&answer{kind: ansPlaceOK, id: 1}, s, 0)
	for now := int64(0); now <= 3000*ms; now += ms {
		nc, nq := len(cancels), len(queries)
		if o, ok := tab.get(1); ok {
			tab.requestCancel(o, now) // the engine asks on every tick
		}
		tab.sweep(now, s)
		if len(cancels) > nc {
			tab.apply(&answer{kind: ansCancelErr, id: 1, code: codeCancelReject, reason: "Unknown order sent."}, s, now)
		}
		if len(queries) > nq {
			tab.apply(&answer{kind: ansStatus, id: 1, status: vsNew}, s, now)
		}
	}
	if len(cancels) != 4 {
		t.Errorf("%d cancels sent, want the limit 4: %v", len(cancels), cancels)
	}
	for i := 1; i < len(cancels); i++ {
		if cancels[i]-cancels[i-1] < 10*ms {
			t.Errorf("cancels %d and %d only %dms apart", i-1, i, (cancels[i]-cancels[i-1])/ms)
		}
	}
}

// TestBaseCommissionAddsUpOverFills: a buy filled in three pieces whose base-asset
// commissions are 1.45, 7.202 and 1.348 quantity units takes exactly 10 units off the
// position, not 1 + 7 + 1 (regression: rounding each fill's commission on its own, seen
// under load when the local exchange's book split an IOC buy into three fills).
func TestBaseCommissionAddsUpOverFills(t *testing.T) {
	tab := newOrders(2, 4)
	tab.add(1, 100, 10000, 0)
	s := &commSink{}
	cum := int64(0)
	for _, f := range []struct{ qty, fine int64 }{{1450, 1_450_000}, {7202, 7_202_000}, {1348, 1_348_000}} {
		cum += f.qty
		tab.apply(&answer{kind: ansReport, exec: exTrade, status: vsPartial, id: 1, price: 100, last: f.qty, cum: cum, baseFee: f.fine}, s, 0)
	}
	var base int64
	for _, c := range s.got {
		var id, q int64
		if n, _ := fmt.Sscanf(c, "basefee %d %d", &id, &q); n == 2 {
			base += q
		}
	}
	if base != 10 {
		t.Fatalf("base commissions %d units, want 10: %q", base, s.got)
	}
}

// TestFillBeatsCancelNoted: an order the venue fills while the engine's cancel is on
// its way (the cancel then comes back -2011) is noted at Info as that race, once; an
// order filled with no cancel asked, or cancelled, is not.
func TestFillBeatsCancelNoted(t *testing.T) {
	tab := newOrders(4, 4)
	var notes []string
	tab.note = func(id uint64, msg string) { notes = append(notes, fmt.Sprintf("%d %s", id, msg)) }
	tab.cancel = func(uint64, int64) bool { return true }
	s := &recSink{}
	for id := uint64(1); id <= 3; id++ {
		tab.add(id, 50, 10, 0)
		tab.apply(&answer{kind: ansPlaceOK, id: id}, s, 0)
	}
	o1, _ := tab.get(1)
	tab.requestCancel(o1, 0)
	tab.apply(&answer{kind: ansReport, id: 1, exec: exTrade, cum: 10, price: 50}, s, 0)
	tab.apply(&answer{kind: ansCancelErr, id: 1, code: codeCancelReject}, s, 0) // the -2011, after
	tab.apply(&answer{kind: ansReport, id: 2, exec: exTrade, cum: 10, price: 50}, s, 0)
	o3, _ := tab.get(3)
	tab.requestCancel(o3, 0)
	tab.apply(&answer{kind: ansCancelOK, id: 3}, s, 0)
	if got := strings.Join(notes, "; "); got != "1 order filled before its cancel reached the venue" {
		t.Errorf("notes %q", got)
	}
}
