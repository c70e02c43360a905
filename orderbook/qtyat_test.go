package orderbook

import (
	"math/rand/v2"
	"testing"
)

// TestQtyAtAgainstModel sets random levels, near the top and deep, on books with their
// upkeep deferred or not (tidied now and then), and wants QtyAt to give the model's
// quantity at present and absent prices alike, on both sides, and to leave every
// level as it was.
func TestQtyAtAgainstModel(t *testing.T) {
	for _, deferred := range []bool{false, true} {
		r := rand.New(rand.NewPCG(3, 5))
		b := New(16)
		b.DeferUpkeep(deferred)
		m := model{{}, {}}
		const mid = 100_000
		for i := range 100_000 {
			side := Side(r.IntN(2))
			dist := r.Int64N(20)
			if r.IntN(4) == 0 {
				dist = r.Int64N(3000) // deep
			}
			price := int64(mid + 1 + dist)
			if side == Bid {
				price = mid - 1 - dist
			}
			qty := r.Int64N(4) // 0 deletes a quarter of the time
			b.Set(side, price, qty)
			m.set(side, price, qty)
			if deferred && r.IntN(50) == 0 {
				b.Tidy()
			}
			if i%97 != 0 {
				continue
			}
			for range 20 {
				s := Side(r.IntN(2))
				p := int64(mid + r.Int64N(3200) - 100) // absent beyond the top too
				if got, want := b.QtyAt(s, p), m[s][p]; got != want {
					t.Fatalf("deferred %v, op %d: QtyAt(%v, %d) = %d, want %d", deferred, i, s, p, got, want)
				}
			}
			if i%9700 == 0 {
				for _, s := range []Side{Bid, Ask} {
					for j, want := range m.levels(s) {
						if got, ok := b.Level(s, j); !ok || got != want {
							t.Fatalf("deferred %v, op %d: after QtyAt, Level(%v, %d) = %v, want %v", deferred, i, s, j, got, want)
						}
					}
				}
			}
		}
		if b.QtyAt(Side(2), mid) != 0 {
			t.Fatal("an unknown side has a quantity")
		}
	}
}
