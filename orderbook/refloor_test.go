package orderbook

import (
	"slices"
	"testing"
)

// TestSnapshotFillsLadder checks that a ladder built while a snapshot is applied holds,
// after Tidy, every level of the side that fits its window, not only the 128 to 256
// best that the sorted cache held when it was built: the levels below those went to the
// table, and so did every later update of them. Without DeferUpkeep the fill waits for
// the first tidy too; the book reads the same before and after it.
func TestSnapshotFillsLadder(t *testing.T) {
	// A snapshot as Binance sends it, best first: 1000 bids a tick apart, the ticks
	// 10 units apart as USD-M's at scale 2, and the same asks above them.
	var bids, asks []Level
	for i := range int64(1000) {
		bids = append(bids, Level{6_000_000 - 10*i, 1 + i%7})
		asks = append(asks, Level{6_000_010 + 10*i, 1 + i%5})
	}
	for _, deferred := range []bool{true, false} {
		b := New(1024)
		b.DeferUpkeep(deferred)
		b.SetLevels(Bid, bids)
		b.SetLevels(Ask, asks)
		for side := range b.sides {
			s := &b.sides[side]
			if !s.ladder || !s.refloor || s.m >= 1000 || s.tn == 0 {
				t.Fatalf("deferred %v, %v before Tidy: ladder %v, refloor %v, %d levels on it, %d in the table; want a ladder of the best few hundred, the rest in the table",
					deferred, Side(side), s.ladder, s.refloor, s.m, s.tn)
			}
		}
		before := [2][]Level{b.AppendLevels(nil, Bid, 1000), b.AppendLevels(nil, Ask, 1000)}
		b.Tidy()
		checkInvariants(t, b)
		for side := range b.sides {
			s := &b.sides[side]
			if !s.ladder || s.refloor || s.m != 1000 || s.tn != 0 {
				t.Fatalf("deferred %v, %v after Tidy: ladder %v, refloor %v, %d levels on it, %d in the table; want all 1000 on the ladder",
					deferred, Side(side), s.ladder, s.refloor, s.m, s.tn)
			}
		}
		after := [2][]Level{b.AppendLevels(nil, Bid, 1000), b.AppendLevels(nil, Ask, 1000)}
		if !slices.Equal(before[0], after[0]) || !slices.Equal(before[1], after[1]) || len(after[0]) != 1000 {
			t.Fatalf("deferred %v: the levels changed with Tidy", deferred)
		}
		// Updates of the deep levels now land on the ladder, not in the table.
		b.DeferUpkeep(true)
		b.SetLevels(Bid, []Level{{bids[900].Price, 9}, {bids[990].Price, 0}})
		if s := &b.sides[Bid]; len(s.deferred) != 0 || s.n != 999 {
			t.Fatalf("deferred %v: %d updates deferred, %d levels; want none deferred and 999", deferred, len(s.deferred), s.n)
		}
		checkInvariants(t, b)
	}
}
