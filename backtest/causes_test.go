package backtest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nanotick/nanotick/orderbook"
)

// fillsText formats the exchange's fill log with causes and queue positions, one
// line a fill: "t id qty@price cause ahead@place ahead@fill".
func fillsText(x *Exchange) string {
	var b strings.Builder
	for _, f := range x.fillLog(ps, qs) {
		fmt.Fprintf(&b, "%d %d %s@%s %s %s %s\n", (f.Time-base)/ms, f.OrderID, f.Qty, f.Price, f.Cause, f.QueueAheadAtPlace, f.QueueAheadAtFill)
	}
	return b.String()
}

// TestFillCauses checks that every way the exchange fills an order is named in the
// fill log, with the queue estimate when the order joined its level and just before
// the event that filled it.
func TestFillCauses(t *testing.T) {
	for _, tc := range []struct {
		name string
		run  func(h *harness)
		want string
	}{{
		name: "taker on arrival",
		run: func(h *harness) {
			h.place(1, 1, orderbook.Bid, 102, 2.5, false, false)
		},
		want: "1 1 1@101 taker 0 0\n1 1 1.5@102 taker 0 0\n",
	}, {
		name: "queue drained to our order",
		run: func(h *harness) {
			h.place(1, 1, orderbook.Bid, 100, 2, true, false) // behind 5 at 100
			h.trade(2, 100, 3, true)                          // 2 ahead left
			h.trade(3, 100, 3, true)                          // 1 past us
			h.trade(4, 100, 4, true)                          // the rest
		},
		want: "3 1 1@100 queue 5 2\n4 1 1@100 queue 5 0\n",
	}, {
		name: "price traded through",
		run: func(h *harness) {
			h.place(1, 1, orderbook.Bid, 100, 2, true, false)
			h.trade(2, 100, 1, true)  // 4 ahead
			h.trade(3, 99.5, 1, true) // through our bid: all of it
		},
		want: "3 1 2@100 trade_through 5 4\n",
	}, {
		name: "book crossed it",
		run: func(h *harness) {
			h.place(1, 1, orderbook.Ask, 102, 1, true, false) // behind 2 at 102
			// The asks at and below our price go, and a bid appears at it.
			h.depth(2, []lv{{102, 1}}, []lv{{101, 0}, {102, 0}})
		},
		want: "2 1 1@102 book_crossed 2 0\n",
	}, {
		name: "taker then resting remainder traded through",
		run: func(h *harness) {
			h.place(1, 1, orderbook.Bid, 101, 3, false, false)
			h.trade(2, 100.5, 0.1, true)
		},
		want: "1 1 1@101 taker 0 0\n2 1 2@101 trade_through 0 0\n",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, opts{partial: true})
			h.snapshot(0, bids, asks)
			tc.run(h)
			h.x.RunUntil(base+int64(time.Hour), &h.r)
			if got := fillsText(h.x); got != tc.want {
				t.Errorf("fills:\n%swant:\n%s", got, tc.want)
			}
		})
	}
}

// TestOrderLog checks each order's record: times at the strategy and the exchange,
// status, filled quantity, and rejection reason.
func TestOrderLog(t *testing.T) {
	h := newHarness(t, opts{entry: 2 * time.Millisecond, response: 3 * time.Millisecond, partial: true})
	h.snapshot(0, bids, asks)
	h.place(10, 1, orderbook.Bid, 100, 1, true, false)  // rests, then cancelled
	h.place(10, 2, orderbook.Bid, 101, 1, true, false)  // post-only crosses: rejected
	h.place(10, 3, orderbook.Bid, 102, 10, false, true) // IOC: fills 3, expires
	h.place(10, 4, orderbook.Ask, 103, 1, true, false)  // rests to the end
	h.place(10, 5, orderbook.Ask, 102, 1, true, false)  // filled by a trade through
	h.trade(20, 102.5, 1, false)
	h.cancel(30, 1)
	h.place(40, 6, orderbook.Bid, 90, 1, true, false) // in flight at the end
	h.at(41, "")
	var b strings.Builder
	for _, o := range h.x.orderLog(ps, qs) {
		rel := func(t int64) int64 {
			if t == 0 {
				return -1
			}
			return (t - base) / ms
		}
		fmt.Fprintf(&b, "%d %s %s@%s filled %s sent %d arrived %d acked %d ended %d %s %s\n", o.ID, o.Side, o.Qty, o.Price, o.Filled,
			rel(o.Sent), rel(o.Arrived), rel(o.Acked), rel(o.Ended), o.Status, o.Reason)
	}
	want := `1 buy 1@100 filled 0 sent 10 arrived 12 acked 15 ended 32 cancelled 
2 buy 1@101 filled 0 sent 10 arrived 12 acked -1 ended 12 rejected post-only order would cross
3 buy 10@102 filled 3 sent 10 arrived 12 acked 15 ended 12 expired 
4 sell 1@103 filled 0 sent 10 arrived 12 acked 15 ended -1 resting 
5 sell 1@102 filled 1 sent 10 arrived 12 acked 15 ended 20 filled 
6 buy 1@90 filled 0 sent 40 arrived -1 acked -1 ended -1 in_flight 
`
	if got := b.String(); got != want {
		t.Errorf("order log:\n%swant:\n%s", got, want)
	}
}

// TestMarkoutsAndTouch checks that each fill carries the mid at the fill and at each
// markout horizon after it (null past the data's end), and that the touch clock
// counts the time an order rested at the best price apart from the time it rested.
func TestMarkoutsAndTouch(t *testing.T) {
	h := newHarness(t, opts{partial: true})
	h.snapshot(0, bids, asks)                            // mid 100.5
	h.place(1000, 1, orderbook.Bid, 100, 1, true, false) // at the touch, behind 5
	h.place(1000, 2, orderbook.Ask, 103, 1, true, false) // away from it
	h.trade(1050, 99, 1, true)                           // fills the bid at mid 100.5
	h.depth(1100, []lv{{100, 0}}, nil)                   // mid (99 + 101) / 2 = 100 from 1100 ms
	h.depth(1500, nil, []lv{{101, 0}})                   // mid (99 + 102) / 2 = 100.5 from 1500 ms
	h.depth(2100, []lv{{99, 0}}, nil)                    // bids empty: the book has no mid
	h.depth(2200, []lv{{98, 1}}, nil)                    // mid 100 from 2200 ms
	h.depth(3000, []lv{{97, 1}}, nil)
	f := h.x.fillLog(ps, qs)
	if len(f) != 1 {
		t.Fatalf("%d fills, want 1", len(f))
	}
	got := fmt.Sprintf("mid %v after %v %v %v", f[0].Mid.Decimal, f[0].MidAfter[0].Decimal, f[0].MidAfter[1].Decimal, f[0].MidAfter[2].Valid)
	// At 1150 ms the mid is 100; at 2050 ms it is 100.5; 11 050 ms is past the data.
	if want := "mid 100.5 after 100 100.5 false"; got != want {
		t.Errorf("%s, want %s", got, want)
	}
	q := h.x.quoting()
	// The bid rested from 1000 to 1050 ms, at the touch all along; the ask from 1000
	// ms to the last event at 3000 ms, never at the touch (102 is better than 103).
	// The book was valid from 0 to 3000 ms but for the 100 ms it had no bids.
	wantQ := Quoting{BookValidNs: 2900 * ms, BidRestingNs: 50 * ms, BidAtTouchNs: 50 * ms, AskRestingNs: 2000 * ms, AskAtTouchNs: 0}
	if q != wantQ {
		t.Errorf("quoting %+v, want %+v", q, wantQ)
	}
}
