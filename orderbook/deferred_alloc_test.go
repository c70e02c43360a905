package orderbook

import "testing"

// TestDeferredUpkeepAllocatesNothing checks the deferred paths in steady state: deep
// updates deferred and applied by Tidy, Len or a deep read; a sweep of the top that
// leaves the ladder thin; a slide of the window; and a queue that overflows.
func TestDeferredUpkeepAllocatesNothing(t *testing.T) {
	b := steadyBook(1000)
	b.DeferUpkeep(true)
	var sink int64
	deep := make([]Level, 0, 600)
	for i := range int64(300) {
		deep = append(deep, Level{998_000 - i, 5})
	}
	for i := range int64(300) {
		deep = append(deep, Level{998_000 - i, 0})
	}
	sweep := make([]Level, 0, 200)
	restore := make([]Level, 0, 200)
	for i := range int64(200) {
		sweep = append(sweep, Level{1_000_000 - 1 - i, 0})
		restore = append(restore, Level{1_000_000 - 1 - i, 1 + i})
	}
	tests := []struct {
		name string
		f    func()
	}{
		{"deep deferred + Tidy", func() { b.SetLevels(Bid, deep); b.Tidy() }},
		{"deep deferred + Len", func() { b.SetLevels(Bid, deep); sink += int64(b.Len(Bid)) }},
		{"deep deferred + Level deep", func() { b.SetLevels(Bid, deep); l, _ := b.Level(Bid, 700); sink += l.Price }},
		{"sweep top (thin) + reads + Tidy", func() {
			b.SetLevels(Bid, sweep)
			l, _ := b.Best(Bid)
			sink += l.Price + b.DepthQty(Bid, 5)
			b.Tidy()
			b.SetLevels(Bid, restore)
			b.Tidy()
		}},
		{"jump (slide) + Tidy", func() {
			b.Set(Ask, 900_000, 1) // far below: slides the ask ladder's window
			b.Set(Ask, 900_000, 0)
			b.Tidy()
		}},
		{"queue overflow", func() {
			for range 3 {
				b.SetLevels(Bid, deep)
			}
			b.Tidy()
		}},
	}
	for _, tt := range tests {
		tt.f()
		if got := testing.AllocsPerRun(200, tt.f); got != 0 {
			t.Errorf("%s: %v allocs per run, want 0", tt.name, got)
		}
		checkInvariants(t, b)
	}
	_ = sink
}
