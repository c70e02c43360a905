package orderbook

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// op is one Set call, for table-driven tests.
type op struct {
	side       Side
	price, qty int64
}

func apply(b *Book, ops []op) {
	for _, o := range ops {
		b.Set(o.side, o.price, o.qty)
	}
}

// levels returns all levels of side, best first.
func levels(b *Book, side Side) []Level {
	return b.AppendLevels(nil, side, b.Len(side))
}

func TestSet(t *testing.T) {
	tests := []struct {
		name     string
		ops      []op
		bid, ask []Level // best first
	}{
		{name: "empty"},
		{
			name: "insert bids out of order",
			ops:  []op{{Bid, 100, 1}, {Bid, 102, 2}, {Bid, 101, 3}},
			bid:  []Level{{102, 2}, {101, 3}, {100, 1}},
		},
		{
			name: "insert asks out of order",
			ops:  []op{{Ask, 101, 1}, {Ask, 100, 2}, {Ask, 102, 3}},
			ask:  []Level{{100, 2}, {101, 1}, {102, 3}},
		},
		{
			name: "insert at top",
			ops:  []op{{Bid, 100, 1}, {Bid, 101, 1}, {Bid, 102, 5}},
			bid:  []Level{{102, 5}, {101, 1}, {100, 1}},
		},
		{
			name: "insert at bottom",
			ops:  []op{{Ask, 100, 1}, {Ask, 101, 1}, {Ask, 99, 1}, {Ask, 150, 7}},
			ask:  []Level{{99, 1}, {100, 1}, {101, 1}, {150, 7}},
		},
		{
			name: "insert in middle",
			ops:  []op{{Bid, 100, 1}, {Bid, 110, 1}, {Bid, 105, 4}},
			bid:  []Level{{110, 1}, {105, 4}, {100, 1}},
		},
		{
			name: "update existing",
			ops:  []op{{Bid, 100, 1}, {Bid, 101, 1}, {Bid, 100, 9}},
			bid:  []Level{{101, 1}, {100, 9}},
		},
		{
			name: "delete best",
			ops:  []op{{Ask, 100, 1}, {Ask, 101, 2}, {Ask, 100, 0}},
			ask:  []Level{{101, 2}},
		},
		{
			name: "delete bottom",
			ops:  []op{{Bid, 100, 1}, {Bid, 101, 2}, {Bid, 100, 0}},
			bid:  []Level{{101, 2}},
		},
		{
			name: "delete middle",
			ops:  []op{{Bid, 100, 1}, {Bid, 101, 2}, {Bid, 102, 3}, {Bid, 101, 0}},
			bid:  []Level{{102, 3}, {100, 1}},
		},
		{
			name: "delete absent is a no-op",
			ops:  []op{{Bid, 100, 1}, {Bid, 99, 0}, {Bid, 101, 0}, {Ask, 100, 0}},
			bid:  []Level{{100, 1}},
		},
		{
			name: "delete on empty book",
			ops:  []op{{Bid, 100, 0}, {Ask, 100, 0}},
		},
		{
			name: "negative quantity deletes",
			ops:  []op{{Ask, 100, 1}, {Ask, 101, 1}, {Ask, 100, -5}, {Ask, 102, -1}},
			ask:  []Level{{101, 1}},
		},
		{
			name: "unknown side ignored",
			ops:  []op{{Side(2), 100, 1}, {Side(255), 100, 1}},
		},
		{
			name: "sides are independent",
			ops:  []op{{Bid, 100, 1}, {Ask, 100, 2}, {Bid, 100, 0}},
			ask:  []Level{{100, 2}},
		},
		{
			name: "extreme prices",
			ops:  []op{{Bid, math.MaxInt64, 1}, {Bid, math.MinInt64, 2}, {Bid, 0, 3}},
			bid:  []Level{{math.MaxInt64, 1}, {0, 3}, {math.MinInt64, 2}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := New(2) // small, so that some cases grow the book
			apply(b, tt.ops)
			if got := levels(b, Bid); !slices.Equal(got, tt.bid) {
				t.Errorf("bids = %v, want %v", got, tt.bid)
			}
			if got := levels(b, Ask); !slices.Equal(got, tt.ask) {
				t.Errorf("asks = %v, want %v", got, tt.ask)
			}
			if got := b.Len(Bid); got != len(tt.bid) {
				t.Errorf("Len(Bid) = %d, want %d", got, len(tt.bid))
			}
			if got := b.Len(Ask); got != len(tt.ask) {
				t.Errorf("Len(Ask) = %d, want %d", got, len(tt.ask))
			}
		})
	}
}

func TestBestAndLevel(t *testing.T) {
	b := New(8)
	apply(b, []op{{Bid, 100, 1}, {Bid, 99, 2}, {Ask, 102, 3}, {Ask, 103, 4}})
	tests := []struct {
		side   Side
		i      int
		want   Level
		wantOK bool
	}{
		{Bid, 0, Level{100, 1}, true},
		{Bid, 1, Level{99, 2}, true},
		{Bid, 2, Level{}, false},
		{Bid, -1, Level{}, false},
		{Ask, 0, Level{102, 3}, true},
		{Ask, 1, Level{103, 4}, true},
		{Ask, 2, Level{}, false},
		{Ask, math.MaxInt, Level{}, false},
		{Ask, math.MinInt, Level{}, false},
		{Side(7), 0, Level{}, false},
	}
	for _, tt := range tests {
		got, ok := b.Level(tt.side, tt.i)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("Level(%v, %d) = %v, %v; want %v, %v", tt.side, tt.i, got, ok, tt.want, tt.wantOK)
		}
	}
	for _, side := range []Side{Bid, Ask} {
		best, ok := b.Best(side)
		lvl0, ok0 := b.Level(side, 0)
		if best != lvl0 || ok != ok0 || !ok {
			t.Errorf("Best(%v) = %v, %v; Level(%v, 0) = %v, %v", side, best, ok, side, lvl0, ok0)
		}
	}
	if got := b.Len(Side(2)); got != 0 {
		t.Errorf("Len(Side(2)) = %d, want 0", got)
	}
	if got, ok := New(0).Best(Bid); ok || got != (Level{}) {
		t.Errorf("Best on empty book = %v, %v; want zero, false", got, ok)
	}
}

func TestDepthQty(t *testing.T) {
	b := New(8)
	apply(b, []op{{Ask, 100, 1}, {Ask, 101, 2}, {Ask, 102, 4}, {Bid, 99, 8}})
	tests := []struct {
		side Side
		n    int
		want int64
	}{
		{Ask, 0, 0},
		{Ask, -1, 0},
		{Ask, 1, 1},
		{Ask, 2, 3},
		{Ask, 3, 7},
		{Ask, 4, 7},
		{Ask, math.MaxInt, 7},
		{Bid, 1, 8},
		{Bid, 10, 8},
		{Side(2), 10, 0},
	}
	for _, tt := range tests {
		if got := b.DepthQty(tt.side, tt.n); got != tt.want {
			t.Errorf("DepthQty(%v, %d) = %d, want %d", tt.side, tt.n, got, tt.want)
		}
	}
}

func TestAppendLevels(t *testing.T) {
	b := New(8)
	apply(b, []op{{Ask, 100, 1}, {Ask, 101, 2}, {Ask, 102, 4}})
	dst := []Level{{1, 1}}
	got := b.AppendLevels(dst, Ask, 2)
	want := []Level{{1, 1}, {100, 1}, {101, 2}}
	if !slices.Equal(got, want) {
		t.Errorf("AppendLevels = %v, want %v", got, want)
	}
	if got := b.AppendLevels(nil, Ask, -1); len(got) != 0 {
		t.Errorf("AppendLevels(n=-1) = %v, want none", got)
	}
	if got := b.AppendLevels(nil, Side(3), 5); len(got) != 0 {
		t.Errorf("AppendLevels(bad side) = %v, want none", got)
	}
}

func TestCrossedMidValid(t *testing.T) {
	tests := []struct {
		name    string
		ops     []op
		synced  bool
		crossed bool
		mid     int64
		midOK   bool
		valid   bool
	}{
		{name: "empty", synced: true},
		{name: "bid only", ops: []op{{Bid, 100, 1}}, synced: true},
		{name: "ask only", ops: []op{{Ask, 100, 1}}, synced: true},
		{name: "normal", ops: []op{{Bid, 100, 1}, {Ask, 102, 1}}, synced: true, mid: 101, midOK: true, valid: true},
		{name: "normal unsynced", ops: []op{{Bid, 100, 1}, {Ask, 102, 1}}, mid: 101, midOK: true},
		{name: "odd spread truncates", ops: []op{{Bid, 100, 1}, {Ask, 101, 1}}, synced: true, mid: 100, midOK: true, valid: true},
		{name: "touching", ops: []op{{Bid, 100, 1}, {Ask, 100, 1}}, synced: true, crossed: true, mid: 100, midOK: true},
		{name: "crossed", ops: []op{{Bid, 101, 1}, {Ask, 100, 1}}, synced: true, crossed: true, mid: 100, midOK: true},
		{
			name:   "uncrossed by delete",
			ops:    []op{{Bid, 99, 1}, {Bid, 101, 1}, {Ask, 100, 1}, {Bid, 101, 0}},
			synced: true, mid: 99, midOK: true, valid: true,
		},
		{name: "negative odd truncates toward zero", ops: []op{{Bid, -3, 1}, {Ask, 0, 1}}, synced: true, mid: -1, midOK: true, valid: true},
		{name: "negative -1 and 0", ops: []op{{Bid, -1, 1}, {Ask, 0, 1}}, synced: true, mid: 0, midOK: true, valid: true},
		{
			name:   "no overflow near MaxInt64",
			ops:    []op{{Bid, math.MaxInt64 - 2, 1}, {Ask, math.MaxInt64, 1}},
			synced: true, mid: math.MaxInt64 - 1, midOK: true, valid: true,
		},
		{
			name:   "no overflow near MinInt64",
			ops:    []op{{Bid, math.MinInt64, 1}, {Ask, math.MinInt64 + 1, 1}},
			synced: true, mid: math.MinInt64 + 1, midOK: true, valid: true, // -(2^63 - 0.5) truncated
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := New(4)
			apply(b, tt.ops)
			b.SetSynced(tt.synced)
			if got := b.Crossed(); got != tt.crossed {
				t.Errorf("Crossed() = %v, want %v", got, tt.crossed)
			}
			if got, ok := b.Mid(); got != tt.mid || ok != tt.midOK {
				t.Errorf("Mid() = %d, %v; want %d, %v", got, ok, tt.mid, tt.midOK)
			}
			if got := b.Valid(); got != tt.valid {
				t.Errorf("Valid() = %v, want %v", got, tt.valid)
			}
		})
	}
}

// TestMidMatchesBigArithmetic checks Mid against the obvious formula on
// random prices small enough for it not to overflow.
func TestMidMatchesDivision(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	b := New(2)
	for range 10000 {
		bid := r.Int64N(1<<40) - 1<<39
		ask := r.Int64N(1<<40) - 1<<39
		b.Clear()
		b.Set(Bid, bid, 1)
		b.Set(Ask, ask, 1)
		if got, _ := b.Mid(); got != (bid+ask)/2 {
			t.Fatalf("Mid of %d and %d = %d, want %d", bid, ask, got, (bid+ask)/2)
		}
	}
}

func TestSyncAndUpdate(t *testing.T) {
	b := New(4)
	if b.Synced() || b.UpdateID() != 0 || b.ExchTime() != 0 || b.LocalTime() != 0 {
		t.Fatal("new book is not in its zero sync state")
	}
	b.SetSynced(true)
	b.SetUpdate(42, -7, 1723161253937085768)
	if !b.Synced() {
		t.Error("Synced() = false after SetSynced(true)")
	}
	if b.UpdateID() != 42 || b.ExchTime() != -7 || b.LocalTime() != 1723161253937085768 {
		t.Errorf("update = %d, %d, %d; want 42, -7, 1723161253937085768", b.UpdateID(), b.ExchTime(), b.LocalTime())
	}
	b.SetSynced(false)
	if b.Synced() {
		t.Error("Synced() = true after SetSynced(false)")
	}
}

func TestClearKeepsCapacity(t *testing.T) {
	b := New(4)
	for i := range int64(100) { // grow past the initial capacity
		b.Set(Bid, i, 1)
		b.Set(Ask, 1000+i, 1)
	}
	b.SetSynced(true)
	b.SetUpdate(1, 2, 3)
	capacity := b.capacity()
	b.Clear()
	if b.Len(Bid) != 0 || b.Len(Ask) != 0 {
		t.Errorf("after Clear: Len = %d, %d; want 0, 0", b.Len(Bid), b.Len(Ask))
	}
	if b.Synced() || b.Valid() || b.UpdateID() != 0 || b.ExchTime() != 0 || b.LocalTime() != 0 {
		t.Error("Clear did not reset the sync state and update metadata")
	}
	if got := b.capacity(); got != capacity {
		t.Errorf("Clear changed the capacity from %d to %d", capacity, got)
	}
	allocs := testing.AllocsPerRun(10, func() {
		b.Clear()
		for i := range int64(100) {
			b.Set(Bid, i, 1)
			b.Set(Ask, 1000+i, 1)
		}
	})
	if allocs != 0 {
		t.Errorf("refilling a cleared book allocated %v times, want 0", allocs)
	}
}

func TestSide(t *testing.T) {
	tests := []struct {
		s        Side
		str      string
		opposite Side
	}{
		{Bid, "bid", Ask},
		{Ask, "ask", Bid},
	}
	for _, tt := range tests {
		if got := tt.s.String(); got != tt.str {
			t.Errorf("%d.String() = %q, want %q", tt.s, got, tt.str)
		}
		if got := tt.s.Opposite(); got != tt.opposite {
			t.Errorf("%v.Opposite() = %v, want %v", tt.s, got, tt.opposite)
		}
	}
	if got := Side(9).String(); got != "Side(9)" {
		t.Errorf("Side(9).String() = %q", got)
	}
}

// model is a trivially correct order book: a map per side, sorted on demand.
type model [2]map[int64]int64

func (m model) set(side Side, price, qty int64) {
	if qty <= 0 {
		delete(m[side], price)
	} else {
		m[side][price] = qty
	}
}

func (m model) levels(side Side) []Level {
	var out []Level
	for p, q := range m[side] {
		out = append(out, Level{p, q})
	}
	slices.SortFunc(out, func(a, b Level) int {
		if side == Bid {
			return int(b.Price - a.Price) // prices here are small
		}
		return int(a.Price - b.Price)
	})
	return out
}

// TestAgainstModel applies many random operations, concentrated near the top
// of the book like a real feed but reaching deep too, and compares every
// observable with the model.
func TestAgainstModel(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	b := New(16) // small, so that growth is exercised
	m := model{{}, {}}
	const mid = 100_000
	for i := range 200_000 {
		side := Side(r.IntN(2))
		var dist int64
		switch r.IntN(4) {
		case 0:
			dist = r.Int64N(2000) // deep
		default:
			dist = r.Int64N(20) // near the top
		}
		price := int64(mid + 1 + dist)
		if side == Bid {
			price = mid - 1 - dist
		}
		qty := r.Int64N(4) // 0 deletes a quarter of the time
		if r.IntN(1000) == 0 {
			qty = -1
		}
		b.Set(side, price, qty)
		m.set(side, price, qty)

		if i%1000 == 0 || i < 500 {
			checkInvariants(t, b)
			for _, s := range []Side{Bid, Ask} {
				want := m.levels(s)
				if got := levels(b, s); !slices.Equal(got, want) {
					t.Fatalf("op %d: %v levels differ from the model:\n got %v\nwant %v", i, s, got, want)
				}
				n := r.IntN(len(want) + 3)
				var sum int64
				for _, l := range want[:min(n, len(want))] {
					sum += l.Qty
				}
				if got := b.DepthQty(s, n); got != sum {
					t.Fatalf("op %d: DepthQty(%v, %d) = %d, want %d", i, s, n, got, sum)
				}
				for range 10 {
					j := r.IntN(len(want) + 2)
					got, ok := b.Level(s, j)
					if ok != (j < len(want)) || ok && got != want[j] {
						t.Fatalf("op %d: Level(%v, %d) = %v, %v", i, s, j, got, ok)
					}
				}
			}
		}
		// The best levels are checked after every operation.
		for _, s := range []Side{Bid, Ask} {
			if b.Len(s) != len(m[s]) {
				t.Fatalf("op %d: Len(%v) = %d, want %d", i, s, b.Len(s), len(m[s]))
			}
		}
	}
}

// steadyBook returns a book with depth levels a side around 1_000_000.
func steadyBook(depth int) *Book {
	b := New(depth + 16)
	for i := range int64(depth) {
		b.Set(Bid, 1_000_000-1-i, 1+i)
		b.Set(Ask, 1_000_000+1+i, 1+i)
	}
	return b
}

func TestZeroAllocs(t *testing.T) {
	b := steadyBook(1000)
	var sink int64
	tests := []struct {
		name string
		f    func()
	}{
		{"Set update", func() { b.Set(Bid, 999_990, 7) }},
		{"Set insert and delete at top", func() { b.Set(Ask, 999_999, 3); b.Set(Ask, 999_999, 0) }},
		{"Set insert and delete deep", func() { b.Set(Bid, 998_500, 3); b.Set(Bid, 998_500, 0) }},
		{"SetLevels", func() {
			b.SetLevels(Ask, []Level{{1_000_000, 3}, {999_999, 3}, {1_001_500, 3}, {1_000_000, 0}, {999_999, 0}, {1_001_500, 0}})
		}},
		{"Best", func() { l, _ := b.Best(Ask); sink += l.Price }},
		{"Level", func() { l, _ := b.Level(Bid, 500); sink += l.Price }},
		{"DepthQty", func() { sink += b.DepthQty(Bid, 10) }},
		{"Crossed Mid Valid", func() {
			m, _ := b.Mid()
			sink += m
			if b.Crossed() || b.Valid() {
				sink++
			}
		}},
	}
	for _, tt := range tests {
		if got := testing.AllocsPerRun(1000, tt.f); got != 0 {
			t.Errorf("%s: %v allocs per run, want 0", tt.name, got)
		}
	}
	_ = sink
}

// capacity returns the number of table slots the book owns.
func (b *Book) capacity() int {
	return len(b.sides[Bid].table) + len(b.sides[Ask].table)
}

// checkInvariants fails t if the tables or top caches of b break the
// invariants that Set maintains.
func checkInvariants(t *testing.T, b *Book) {
	t.Helper()
	for side := range b.sides {
		s := &b.sides[side]
		n := 0
		for i, e := range s.table {
			if e.Qty < 0 {
				t.Fatalf("%v slot %d: quantity %d", Side(side), i, e.Qty)
			}
			if e.Qty == 0 {
				if e.Price != 0 {
					t.Fatalf("%v slot %d: empty slot with key %d", Side(side), i, e.Price)
				}
				continue
			}
			n++
			if j, ok := s.lookup(e.Price); !ok || j != i {
				t.Fatalf("%v slot %d: key %d not found by lookup (%d, %v)", Side(side), i, e.Price, j, ok)
			}
			if s.ladder {
				if e.Price >= s.floor {
					t.Fatalf("%v slot %d: %v at or above the floor %d is in the table", Side(side), i, e, s.floor)
				}
				continue
			}
			if s.m > 0 && e.Price < s.top[0].Price {
				continue
			}
			j := slices.IndexFunc(s.top[:s.m], func(l Level) bool { return l.Price == e.Price })
			if j < 0 || s.top[j] != e {
				t.Fatalf("%v slot %d: %v at or above the cache's worst key is not cached", Side(side), i, e)
			}
		}
		want := s.n // with the sorted cache, the table holds every level
		if s.ladder {
			want = s.n - s.m // with the ladder, those below its floor
		}
		if n != s.tn || n != want || 2*n > len(s.table) {
			t.Fatalf("%v: n = %d, tn = %d, m = %d (ladder %v), table holds %d in %d slots", Side(side), s.n, s.tn, s.m, s.ladder, n, len(s.table))
		}
		// A thin ladder, whose refill Tidy does, may cache fewer.
		if s.m > s.n || s.m < min(s.n, topLow) && !s.thin {
			t.Fatalf("%v: %d levels cached of %d (ladder %v)", Side(side), s.m, s.n, s.ladder)
		}
		if s.thin && !s.ladder {
			t.Fatalf("%v: thin without a ladder", Side(side))
		}
		if s.ladder {
			checkLadder(t, Side(side), s)
			continue
		}
		if *s.occ != [ladderSize / 64]uint64{} {
			t.Fatalf("%v: levels left in the ladder while unused", Side(side))
		}
		if s.m > len(s.top) {
			t.Fatalf("%v: %d levels cached in %d", Side(side), s.m, len(s.top))
		}
		for j := 1; j < s.m; j++ {
			if s.top[j-1].Price >= s.top[j].Price {
				t.Fatalf("%v: cache not in ascending key order at %d", Side(side), j)
			}
		}
		for j := range s.m {
			if i, ok := s.lookup(s.top[j].Price); !ok || s.table[i] != s.top[j] {
				t.Fatalf("%v: cached %v not in the table", Side(side), s.top[j])
			}
		}
	}
}

// checkLadder checks the ladder of s against its table.
func checkLadder(t *testing.T, side Side, s *bookSide) {
	t.Helper()
	if s.m == 0 {
		t.Fatalf("%v: empty ladder", side)
	}
	if s.floor < s.windowStart() {
		t.Fatalf("%v: floor %d below the window's start %d", side, s.floor, s.windowStart())
	}
	count, best := 0, uint64(0)
	for b := s.blo; b < s.blo+ladderSize; b++ {
		v := s.slots[b%ladderSize]
		bit := s.occ[b%ladderSize/64]>>(b%64)&1 != 0
		if bit != (v != 0) {
			t.Fatalf("%v: bucket %d: bit %v, slot %#x", side, b, bit, v)
		}
		if v == 0 {
			continue
		}
		e := s.slotLevel(b)
		if e.Qty <= 0 {
			t.Fatalf("%v: bucket %d: slot %#x holds %v", side, b, v, e)
		}
		count++
		best = b
		if e.Price < s.floor || s.bucket(e.Price) != b {
			t.Fatalf("%v: bucket %d holds %v (floor %d, bucket %d)", side, b, e, s.floor, s.bucket(e.Price))
		}
		if _, ok := s.lookup(e.Price); ok {
			t.Fatalf("%v: ladder level %v also in the table", side, e)
		}
	}
	if count != s.m || best != s.bbest {
		t.Fatalf("%v: ladder holds %d levels, best bucket %d; want %d, %d", side, count, best, s.m, s.bbest)
	}
}
