package resub

import (
	"testing"

	"github.com/nanotick/nanotick/md"
	"github.com/nanotick/nanotick/orderbook"
)

// TestCycle: each move from each state, with the book's validity, md.Status and
// NeedSnapshot after it.
func TestCycle(t *testing.T) {
	type move int
	const (
		synced move = iota
		fail
		resubscribing
		reset
	)
	for _, tc := range []struct {
		name      string
		from      State
		move      move
		to        State
		first     bool // Fail's answer
		valid     bool
		status    md.Status
		needsSnap bool
	}{
		{"snapshot makes a waiting book live", WaitingSnapshot, synced, Live, false, true, md.Valid, false},
		{"snapshot repairs a failed book", NeedResubscribe, synced, Live, false, true, md.Valid, false},
		{"a live book fails once", Live, fail, NeedResubscribe, true, false, md.Gap, true},
		{"a failed book fails again quietly", NeedResubscribe, fail, NeedResubscribe, false, false, md.Gap, true},
		{"a waiting book fails", WaitingSnapshot, fail, NeedResubscribe, true, false, md.Gap, true},
		{"resubscribing waits for the snapshot", NeedResubscribe, resubscribing, WaitingSnapshot, false, false, md.Resyncing, false},
		{"resubscribing leaves a live book", Live, resubscribing, Live, false, true, md.Valid, false},
		{"reset invalidates a live book", Live, reset, WaitingSnapshot, false, false, md.Resyncing, false},
		{"reset ends a pending resubscription", NeedResubscribe, reset, WaitingSnapshot, false, false, md.Resyncing, false},
	} {
		b := orderbook.New(8)
		s := tc.from
		b.SetSynced(s == Live)
		var first bool
		switch tc.move {
		case synced:
			s.Synced(b)
		case fail:
			first = s.Fail(b)
		case resubscribing:
			s.Resubscribing()
		case reset:
			s.Reset(b)
		}
		if s != tc.to || first != tc.first || b.Synced() != tc.valid || s.Status() != tc.status || s.NeedSnapshot() != tc.needsSnap {
			t.Errorf("%s: %v (first %v), synced %v, status %v, need snapshot %v; want %v (%v) %v %v %v", tc.name,
				s, first, b.Synced(), s.Status(), s.NeedSnapshot(), tc.to, tc.first, tc.valid, tc.status, tc.needsSnap)
		}
	}
	if got := State(7).String(); got != "State(7)" || NeedResubscribe.String() != "need-resubscribe" {
		t.Errorf("names %q %q", got, NeedResubscribe.String())
	}
}

// TestTruncate: the worst levels go, the best stay, a short side is left alone.
func TestTruncate(t *testing.T) {
	for _, tc := range []struct {
		side   orderbook.Side
		prices []int64
		depth  int
		best   int64
		worst  int64
		n      int
	}{
		{orderbook.Bid, []int64{100, 105, 99, 103}, 2, 105, 103, 2},
		{orderbook.Ask, []int64{100, 105, 99, 103}, 3, 99, 103, 3},
		{orderbook.Ask, []int64{100, 101}, 10, 100, 101, 2},
	} {
		b := orderbook.New(8)
		for _, p := range tc.prices {
			b.Set(tc.side, p, 1)
		}
		Truncate(b, tc.side, tc.depth)
		best, _ := b.Level(tc.side, 0)
		worst, _ := b.Level(tc.side, b.Len(tc.side)-1)
		if b.Len(tc.side) != tc.n || best.Price != tc.best || worst.Price != tc.worst {
			t.Errorf("%v %v to %d: %d levels, best %d worst %d", tc.side, tc.prices, tc.depth, b.Len(tc.side), best.Price, worst.Price)
		}
	}
}
