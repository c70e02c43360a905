package orderbook

import (
	"math"
	"slices"
	"testing"
)

// TestLadderPacksLevels checks the ladder's 8-byte slots: a level reads back with its
// key and quantity wherever it lies in its bucket, and a quantity too large to pack
// with the offset (2^(64-bs) units or more) takes the side off the ladder, by Set or by
// SetLevels, inserted or changed, and the book still reads right; once the quantity is
// gone, the side can build a ladder again.
func TestLadderPacksLevels(t *testing.T) {
	huge := int64(math.MaxInt64 - 2) // packs only with buckets of 1 unit
	for _, how := range []string{"Set", "SetLevels"} {
		for _, change := range []bool{false, true} {
			b := New(256)
			m := model{{}, {}}
			set := func(side Side, price, qty int64) {
				if how == "Set" {
					b.Set(side, price, qty)
				} else {
					b.SetLevels(side, []Level{{price, qty}})
				}
				m.set(side, price, qty)
			}
			// Levels 10 units apart, bids offset 3 in their 8-unit buckets (bs 3).
			for p := int64(1000); p <= 4000; p += 10 {
				set(Bid, p+3, p%7+1)
				set(Ask, p+5000, p%5+1)
			}
			s := &b.sides[Bid]
			if !s.ladder || s.bs != 3 {
				t.Fatalf("%s: ladder %v, bs %d; want a ladder of 8-unit buckets", how, s.ladder, s.bs)
			}
			check(t, b, m)
			price := int64(3903) // on the ladder, 10 levels below the best
			if !change {
				price = 3908 // a new level between two
			}
			set(Bid, price, huge)
			if s.ladder {
				t.Fatalf("%s (change %v): a quantity of %d packed with bs %d", how, change, huge, s.bs)
			}
			check(t, b, m)
			if q := b.QtyAt(Bid, price); q != huge {
				t.Fatalf("%s (change %v): QtyAt = %d, want %d", how, change, q, huge)
			}
			set(Bid, price, 0)
			for p := int64(4010); p < 6000; p += 10 { // inserts at the top, until a ladder is built again
				set(Bid, p+3, 1)
			}
			if !s.ladder {
				t.Fatalf("%s (change %v): no ladder once the quantity was gone", how, change)
			}
			check(t, b, m)
			if got, want := b.AppendLevels(nil, Bid, 5), m.levels(Bid)[:5]; !slices.Equal(got, want) {
				t.Fatalf("%s (change %v): top %v, want %v", how, change, got, want)
			}
		}
	}
}
