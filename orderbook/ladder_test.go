package orderbook

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestLadderEdges drives the book through the cases the real feeds rarely
// reach: a best that jumps farther than the ladder's window, prices off the
// grid the ladder was built for (two levels in a bucket), books so sparse or
// so small that the side falls back to the sorted cache, and prices at the
// ends of int64. Everything is checked against the model.
func TestLadderEdges(t *testing.T) {
	cases := []struct {
		name  string
		base  int64 // the mid price at the start
		tick  int64
		depth int64 // ticks from the mid that levels spread over
		jump  int64 // ticks the mid may jump at once, now and then
		off   bool  // sometimes set a price off the tick grid
		keep  int   // delete more than insert above this many levels a side, an eighth of it in the second half
	}{
		{"dense", 1_000_000_000, 1000, 3000, 20, false, 2000},
		{"jumps", 1_000_000_000, 1000, 3000, 50_000, false, 2000},
		{"sparse", 1 << 40, 1 << 20, 1 << 16, 1 << 12, false, 400},
		{"off grid", 1_000_000_000, 1 << 10, 4000, 100, true, 1000},
		{"small", 5_000_000_000, 100, 400, 8000, false, 300},
		{"huge tick", 0, 1 << 45, 1000, 20, false, 600},
		{"top of int64", math.MaxInt64 - 1<<40, 1 << 20, 20_000, 500, true, 600},
		{"bottom of int64", math.MinInt64 + 1<<40, 1 << 20, 20_000, 500, true, 600},
		{"asks at the top of int64", math.MaxInt64 - 7_000_000_000, 1 << 20, 4000, 0, false, 600},
		{"bids at the bottom of int64", math.MinInt64 + 7_000_000_000, 1 << 20, 4000, 0, false, 600},
	}
	ops := 30_000
	if testing.Short() {
		ops = 5_000
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(tc.tick), uint64(tc.depth)))
			b := New(64)
			b.DeferUpkeep(true) // as the engine runs it: Level reads and Tidy below do the refills
			if _, ok := b.Best(Side(2)); ok {
				t.Fatal("Best of an unknown side reported a level")
			}
			m := model{{}, {}}
			mid := tc.base
			for i := range ops {
				switch {
				case r.IntN(500) == 0:
					mid += (r.Int64N(2*tc.jump+1) - tc.jump) * tc.tick
				case r.IntN(20) == 0 && tc.jump > 0:
					mid += (r.Int64N(5) - 2) * tc.tick
				}
				side := Side(r.IntN(2))
				dist := 1 + r.Int64N(tc.depth)
				if r.IntN(2) == 0 {
					dist = 1 + r.Int64N(40) // most activity near the top
				}
				price := mid + dist*tc.tick
				if side == Bid {
					price = mid - dist*tc.tick
				}
				if tc.off && r.IntN(50) == 0 {
					price += r.Int64N(tc.tick)
				}
				qty := 1 + r.Int64N(9)
				keep := tc.keep
				if i >= ops/2 {
					keep /= 8 // the book thins out: the ladder can end up holding all of it
				}
				if r.IntN(3) == 0 || len(m[side]) > keep && r.IntN(2) == 0 {
					qty = 0
					if r.IntN(2) == 0 && len(m[side]) > 0 {
						// delete the best or a near-best level: the top drains
						lv := m.levels(side)
						price = lv[r.IntN(min(len(lv), 3))].Price
					}
				}
				b.Set(side, price, qty)
				m.set(side, price, qty)
				if i%97 != 0 {
					continue // reads apply deferred updates: only now and then
				}
				checkInvariants(t, b) // as the updates left it
				if b.Len(side) != len(m[side]) {
					t.Fatalf("op %d: Len(%v) = %d, want %d", i, side, b.Len(side), len(m[side]))
				}
				if i%194 == 0 {
					b.Tidy()
					if b.sides[Bid].thin || b.sides[Ask].thin {
						t.Fatalf("op %d: a side is still thin after Tidy", i)
					}
				}
				if i%97 == 0 {
					checkInvariants(t, b)
					for _, s := range []Side{Bid, Ask} {
						want := m.levels(s)
						for _, j := range []int{0, 1, 10, 31, 40, 100, len(want) - 1} {
							got, ok := b.Level(s, j)
							if ok != (j >= 0 && j < len(want)) || ok && got != want[j] {
								t.Fatalf("op %d: Level(%v, %d) = %v, %v", i, s, j, got, ok)
							}
						}
						for _, n := range []int{1, 5, 20, 33, 70} {
							var sum int64
							for _, l := range want[:min(n, len(want))] {
								sum += l.Qty
							}
							if got := b.DepthQty(s, n); got != sum {
								t.Fatalf("op %d: DepthQty(%v, %d) = %d, want %d", i, s, n, got, sum)
							}
						}
						if got := b.AppendLevels(nil, s, 50); !slices.Equal(got, want[:min(50, len(want))]) {
							t.Fatalf("op %d: AppendLevels(%v, 50) differs", i, s)
						}
					}
				}
				if i%(97*20) == 0 {
					for _, s := range []Side{Bid, Ask} {
						if got, want := levels(b, s), m.levels(s); !slices.Equal(got, want) {
							t.Fatalf("op %d: %v side differs from the model", i, s)
						}
					}
				}
			}
		})
	}
}

// TestLadderCorners walks a side through the ladder's rarer transitions on
// purpose: a ladder that holds the whole side taking a level below its
// floor, and below its window; emptying it; and a best that sinks so close
// to math.MinInt64 that no window fits under it.
func TestLadderCorners(t *testing.T) {
	b := New(16)
	m := model{{}, {}}
	set := func(price, qty int64) {
		t.Helper()
		b.Set(Bid, price, qty)
		m.set(Bid, price, qty)
		checkInvariants(t, b)
		if got, want := levels(b, Bid), m.levels(Bid); !slices.Equal(got, want) {
			t.Fatalf("after Set(%d, %d):\n got %v\nwant %v", price, qty, got, want)
		}
	}
	for p := int64(1000); p < 1300; p++ {
		set(p, 1) // fills the sorted cache, which becomes a ladder
	}
	if !b.sides[Bid].ladder {
		t.Fatal("no ladder after 300 levels on a grid")
	}
	for p := int64(1000); p < 1280; p++ {
		set(p, 0) // from the bottom: the ladder ends up holding the whole side
	}
	set(1100, 2)              // below the floor, inside the window
	set(1299-2*ladderSize, 3) // below the window
	set(1299-2*ladderSize, 0)
	for p := int64(1280); p < 1300; p++ {
		set(p, 0)
	}
	set(1100, 0) // empty
	if b.Len(Bid) != 0 {
		t.Fatalf("Len = %d after deleting every level", b.Len(Bid))
	}

	// Buckets are one unit wide here, so the window spans about ladderSize
	// units below the best: start a little under the lowest best that fits.
	base := int64(math.MinInt64 + ladderSize - 1 - ladderMargin - 100)
	for i := int64(0); i < 300; i++ {
		set(base+i, 1)
	}
	for i := int64(299); i >= 0; i-- {
		set(base+i, 0) // the best sinks toward math.MinInt64
	}
}

// TestHighBit checks highBit against counting down bit by bit.
func TestHighBit(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for range 20_000 {
		w := r.Uint64()
		switch r.IntN(3) {
		case 0:
			w &= r.Uint64() & r.Uint64() // sparse
		case 1:
			w |= r.Uint64() | r.Uint64() // dense
		}
		i := 0
		for p := 63; p >= 0; p-- {
			if w>>p&1 == 0 {
				continue
			}
			if got := highBit(w, i); got != uint64(p) {
				t.Fatalf("highBit(%#x, %d) = %d, want %d", w, i, got, p)
			}
			i++
		}
	}
}

// bidLadder returns a book whose bids 1000 to 1400, one unit apart (so buckets one unit
// wide), make a ladder, with its upkeep deferred or not. With complete, the levels below
// the ladder's floor are deleted again, so that the ladder holds the whole side.
func bidLadder(deferred, complete bool) *Book {
	b := New(256)
	b.DeferUpkeep(deferred)
	for p := int64(1000); p <= 1400; p++ {
		b.Set(Bid, p, 1)
	}
	if complete {
		for p := int64(1000); p < b.sides[Bid].floor; p++ {
			b.Set(Bid, p, 0)
		}
		b.Tidy()
	}
	return b
}

// TestThinLadderTidiedLater checks that with DeferUpkeep, a jump of the best that
// leaves the ladder nearly empty defers the refill: the best is read at once, and the
// refill (a pass over the side) runs on Tidy or on the first read of a level that is not
// cached. Without it, the refill runs at once.
func TestThinLadderTidiedLater(t *testing.T) {
	t.Run("not deferred", func(t *testing.T) {
		b := bidLadder(false, false)
		b.Set(Bid, 20000, 2)
		if s := &b.sides[Bid]; s.thin || s.m < topLow {
			t.Fatalf("after the jump: thin %v, %d levels cached; want the refill done", s.thin, s.m)
		}
		checkInvariants(t, b)
	})
	for _, tidyBy := range []string{"Tidy", "Level", "DepthQty", "AppendLevels"} {
		t.Run(tidyBy, func(t *testing.T) {
			b := bidLadder(true, false)
			b.Set(Ask, 30000, 1)
			if s := &b.sides[Bid]; !s.ladder || s.thin {
				t.Fatalf("bids: ladder %v, thin %v; want a full ladder", s.ladder, s.thin)
			}
			// Far above the window: it slides past every level but the new one.
			b.Set(Bid, 20000, 2)
			s := &b.sides[Bid]
			if !s.thin || s.m != 1 {
				t.Fatalf("after the jump: thin %v, %d levels cached; want thin, 1", s.thin, s.m)
			}
			checkInvariants(t, b)
			if l, ok := b.Best(Bid); !ok || l != (Level{20000, 2}) {
				t.Fatalf("Best = %v, %v", l, ok)
			}
			if l, ok := b.Level(Bid, 0); !ok || l != (Level{20000, 2}) {
				t.Fatalf("Level(Bid, 0) = %v, %v", l, ok)
			}
			if mid, ok := b.Mid(); !ok || mid != 25000 || b.Crossed() {
				t.Fatalf("Mid = %v, %v; crossed %v", mid, ok, b.Crossed())
			}
			if !s.thin {
				t.Fatal("reading the best tidied the side")
			}
			switch tidyBy {
			case "Tidy":
				b.Tidy()
			case "Level":
				if l, ok := b.Level(Bid, 1); !ok || l != (Level{1400, 1}) {
					t.Fatalf("Level(Bid, 1) = %v, %v", l, ok)
				}
			case "DepthQty":
				if q := b.DepthQty(Bid, 3); q != 4 {
					t.Fatalf("DepthQty(Bid, 3) = %d, want 4", q)
				}
			case "AppendLevels":
				got := b.AppendLevels(nil, Bid, 2)
				if len(got) != 2 || got[1] != (Level{1400, 1}) {
					t.Fatalf("AppendLevels(Bid, 2) = %v", got)
				}
			}
			if s.thin || s.m < topLow {
				t.Fatalf("after %s: thin %v, %d levels cached", tidyBy, s.thin, s.m)
			}
			checkInvariants(t, b)
		})
	}
}

// TestDeferredTableUpdates checks that with DeferUpkeep, updates below the ladder wait
// for Tidy or for a read that needs them, in order, while the ladder's levels answer.
func TestDeferredTableUpdates(t *testing.T) {
	b := bidLadder(true, false)
	s := &b.sides[Bid]
	if !s.ladder || s.floor <= 500 || s.m <= 10 {
		t.Fatalf("ladder %v, floor %d, %d levels on it: want a ladder above 500 with more than 10", s.ladder, s.floor, s.m)
	}
	// Below the floor: a new level, changed twice, and one set and deleted again.
	b.SetLevels(Bid, []Level{{500, 3}, {400, 1}, {500, 5}, {400, 0}})
	if len(s.deferred) != 4 {
		t.Fatalf("%d updates deferred, want 4", len(s.deferred))
	}
	if l, ok := b.Best(Bid); !ok || l != (Level{1400, 1}) {
		t.Fatalf("Best = %v, %v", l, ok)
	}
	if l, ok := b.Level(Bid, 10); !ok || l != (Level{1390, 1}) || len(s.deferred) != 4 {
		t.Fatalf("Level(Bid, 10) = %v, %v with %d deferred; want {1390 1} without applying them", l, ok, len(s.deferred))
	}
	if n := b.Len(Bid); n != 402 || len(s.deferred) != 0 {
		t.Fatalf("Len = %d with %d deferred, want 402 and none", n, len(s.deferred))
	}
	if l, ok := b.Level(Bid, 401); !ok || l != (Level{500, 5}) {
		t.Fatalf("Level(Bid, 401) = %v, %v; want {500 5}", l, ok)
	}
	checkInvariants(t, b)

	// Tidy applies them; so does turning deferral off.
	b.SetLevels(Bid, []Level{{500, 0}})
	b.Tidy()
	if len(s.deferred) != 0 || s.n != 401 {
		t.Fatalf("after Tidy: %d deferred, %d levels", len(s.deferred), s.n)
	}
	b.Set(Bid, 300, 2)
	b.DeferUpkeep(false)
	if len(s.deferred) != 0 || s.n != 402 {
		t.Fatalf("after DeferUpkeep(false): %d deferred, %d levels", len(s.deferred), s.n)
	}
	checkInvariants(t, b)
}

// TestDeferredInsertsExtendCompleteLadder is a regression test: when the ladder holds
// the whole side, an insert below its floor extends it down instead of going to the
// table. Deferred inserts must be routed again as they are applied, or the second of two
// such inserts, now above the lowered floor, went through the table's path and raised
// the floor over the first.
func TestDeferredInsertsExtendCompleteLadder(t *testing.T) {
	b := bidLadder(true, true)
	s := &b.sides[Bid]
	if !s.ladder || s.tn != 0 || s.m != s.n {
		t.Fatalf("ladder %v, %d in the table, %d of %d on the ladder: want the whole side on it", s.ladder, s.tn, s.m, s.n)
	}
	b.SetLevels(Bid, []Level{{900, 1}, {950, 2}})
	b.Tidy()
	checkInvariants(t, b)
	for _, p := range []int64{900, 950} {
		found := false
		for _, l := range b.AppendLevels(nil, Bid, b.Len(Bid)) {
			found = found || l.Price == p
		}
		if !found {
			t.Fatalf("level %d missing", p)
		}
	}
}

// TestWarmReadsOnly checks that Warm changes nothing a read can see and allocates
// nothing, with a ladder on both sides.
func TestWarmReadsOnly(t *testing.T) {
	b := New(256)
	for p := int64(1000); p <= 1400; p++ {
		b.Set(Bid, p, p%7+1)
		b.Set(Ask, p+1000, p%5+1)
	}
	if !b.sides[Bid].ladder || !b.sides[Ask].ladder {
		t.Fatal("want a ladder on both sides")
	}
	bids, asks := levels(b, Bid), levels(b, Ask)
	if allocs := testing.AllocsPerRun(100, func() { b.Warm() }); allocs != 0 {
		t.Fatalf("Warm allocates %v times", allocs)
	}
	if !slices.Equal(levels(b, Bid), bids) || !slices.Equal(levels(b, Ask), asks) {
		t.Fatal("Warm changed the book")
	}
	checkInvariants(t, b)
}
