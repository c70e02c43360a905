package orderbook

// This file keeps the data structures that lost to Book's, so that the
// measurement in BenchmarkApplyRealDepth can be rerun:
//
//	go test -run '^$' -bench ApplyRealDepth -benchmem -count 5 ./orderbook
//
// Each alternative implements only what the replay needs, and each is checked
// against the model by TestAltAgainstModel, so that a fast wrong one cannot
// win.

import (
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
)

// setter is what the replay benchmark drives.
type setter interface {
	Set(side Side, price, qty int64)
	Best(side Side) (Level, bool)
	Clear()
	appendLevels(dst []Level, side Side) []Level // all levels, best first
}

// appendLevels lets Book itself be compared through setter.
func (b *Book) appendLevels(dst []Level, side Side) []Level {
	return b.AppendLevels(dst, side, b.Len(side))
}

// better reports whether price a is better than price b on side.
func better(side Side, a, b int64) bool {
	if side == Bid {
		return a > b
	}
	return a < b
}

// binaryEnd is Book's layout (best level last) with a plain binary search
// and no linear scan from the top.
type binaryEnd struct{ sides [2][]Level }

func newBinaryEnd(n int) *binaryEnd {
	return &binaryEnd{[2][]Level{make([]Level, 0, n), make([]Level, 0, n)}}
}

func (b *binaryEnd) Set(side Side, price, qty int64) {
	lv := b.sides[side]
	i := sort.Search(len(lv), func(i int) bool { return !better(side, price, lv[i].Price) })
	found := i < len(lv) && lv[i].Price == price
	switch {
	case qty <= 0:
		if found {
			b.sides[side] = append(lv[:i], lv[i+1:]...)
		}
	case found:
		lv[i].Qty = qty
	default:
		lv = append(lv, Level{})
		copy(lv[i+1:], lv[i:])
		lv[i] = Level{price, qty}
		b.sides[side] = lv
	}
}

func (b *binaryEnd) Best(side Side) (Level, bool) {
	lv := b.sides[side]
	if len(lv) == 0 {
		return Level{}, false
	}
	return lv[len(lv)-1], true
}

func (b *binaryEnd) Clear() { b.sides[0], b.sides[1] = b.sides[0][:0], b.sides[1][:0] }

func (b *binaryEnd) appendLevels(dst []Level, side Side) []Level {
	lv := b.sides[side]
	for i := len(lv) - 1; i >= 0; i-- {
		dst = append(dst, lv[i])
	}
	return dst
}

// binaryFront is the textbook layout: best level first, binary search. Every
// change near the top shifts the whole side.
type binaryFront struct{ sides [2][]Level }

func newBinaryFront(n int) *binaryFront {
	return &binaryFront{[2][]Level{make([]Level, 0, n), make([]Level, 0, n)}}
}

func (b *binaryFront) Set(side Side, price, qty int64) {
	lv := b.sides[side]
	i := sort.Search(len(lv), func(i int) bool { return !better(side, lv[i].Price, price) })
	found := i < len(lv) && lv[i].Price == price
	switch {
	case qty <= 0:
		if found {
			b.sides[side] = append(lv[:i], lv[i+1:]...)
		}
	case found:
		lv[i].Qty = qty
	default:
		lv = append(lv, Level{})
		copy(lv[i+1:], lv[i:])
		lv[i] = Level{price, qty}
		b.sides[side] = lv
	}
}

func (b *binaryFront) Best(side Side) (Level, bool) {
	lv := b.sides[side]
	if len(lv) == 0 {
		return Level{}, false
	}
	return lv[0], true
}

func (b *binaryFront) Clear() { b.sides[0], b.sides[1] = b.sides[0][:0], b.sides[1][:0] }

func (b *binaryFront) appendLevels(dst []Level, side Side) []Level {
	return append(dst, b.sides[side]...)
}

// mapBook is a map per side with the best price tracked and rescanned
// when the best is deleted: O(1) updates, O(n) on a best deletion, and no
// ordered access at all. It shows what hashing costs against a sorted array.
type mapBook struct {
	sides [2]map[int64]int64
	best  [2]int64
}

func newMapBook(n int) *mapBook {
	return &mapBook{sides: [2]map[int64]int64{make(map[int64]int64, n), make(map[int64]int64, n)}}
}

func (b *mapBook) Set(side Side, price, qty int64) {
	m := b.sides[side]
	if qty <= 0 {
		if _, ok := m[price]; !ok {
			return
		}
		delete(m, price)
		if price == b.best[side] {
			first := true
			for p := range m {
				if first || better(side, p, b.best[side]) {
					b.best[side], first = p, false
				}
			}
		}
		return
	}
	if len(m) == 0 || better(side, price, b.best[side]) {
		b.best[side] = price
	}
	m[price] = qty
}

func (b *mapBook) Best(side Side) (Level, bool) {
	m := b.sides[side]
	if len(m) == 0 {
		return Level{}, false
	}
	return Level{b.best[side], m[b.best[side]]}, true
}

func (b *mapBook) Clear() { clear(b.sides[0]); clear(b.sides[1]) }

func (b *mapBook) appendLevels(dst []Level, side Side) []Level {
	start := len(dst)
	for p, q := range b.sides[side] {
		dst = append(dst, Level{p, q})
	}
	slices.SortFunc(dst[start:], func(x, y Level) int {
		if better(side, x.Price, y.Price) {
			return -1
		}
		return 1
	})
	return dst
}

// chunked is a two-level B+tree: each side is a list of sorted chunks of at
// most chunkSize levels, best level last as in Book. Finding a chunk is a
// binary search over the chunks, and an insert or delete shifts at most one
// chunk, so its cost does not grow with the depth of the book. Emptied
// chunks go to a pool for reuse; chunks are split when full and never
// merged.
type chunked struct {
	sides [2][][]Level
	pool  [][]Level
}

const chunkSize = 64

func newChunked(n int) *chunked {
	c := &chunked{}
	for range 2 * (n/(chunkSize/2) + 1) {
		c.pool = append(c.pool, make([]Level, 0, chunkSize))
	}
	return c
}

func (c *chunked) chunk() []Level {
	if n := len(c.pool); n > 0 {
		ch := c.pool[n-1]
		c.pool = c.pool[:n-1]
		return ch[:0]
	}
	return make([]Level, 0, chunkSize)
}

func (c *chunked) Set(side Side, price, qty int64) {
	chs := c.sides[side]
	// The chunk for price: the last whose worst level is not better than it.
	k := sort.Search(len(chs), func(k int) bool { return better(side, chs[k][0].Price, price) }) - 1
	if k < 0 {
		k = 0
	}
	if len(chs) == 0 {
		if qty <= 0 {
			return
		}
		c.sides[side] = append(chs, append(c.chunk(), Level{price, qty}))
		return
	}
	lv := chs[k]
	i := sort.Search(len(lv), func(i int) bool { return !better(side, price, lv[i].Price) })
	found := i < len(lv) && lv[i].Price == price
	switch {
	case qty <= 0:
		if !found {
			return
		}
		lv = append(lv[:i], lv[i+1:]...)
		if len(lv) > 0 {
			chs[k] = lv
			return
		}
		c.pool = append(c.pool, lv)
		c.sides[side] = append(chs[:k], chs[k+1:]...)
	case found:
		lv[i].Qty = qty
	default:
		if len(lv) == chunkSize {
			// Split: the better half moves to a new chunk above k.
			hi := append(c.chunk(), lv[chunkSize/2:]...)
			lv = lv[:chunkSize/2]
			chs = append(chs, nil)
			copy(chs[k+2:], chs[k+1:])
			chs[k], chs[k+1] = lv, hi
			c.sides[side] = chs
			if i >= chunkSize/2 {
				k, i, lv = k+1, i-chunkSize/2, hi
			}
		}
		lv = append(lv, Level{})
		copy(lv[i+1:], lv[i:])
		lv[i] = Level{price, qty}
		chs[k] = lv
	}
}

func (c *chunked) Best(side Side) (Level, bool) {
	chs := c.sides[side]
	if len(chs) == 0 {
		return Level{}, false
	}
	top := chs[len(chs)-1]
	return top[len(top)-1], true
}

func (c *chunked) Clear() {
	for s := range c.sides {
		c.pool = append(c.pool, c.sides[s]...)
		c.sides[s] = c.sides[s][:0]
	}
}

func (c *chunked) appendLevels(dst []Level, side Side) []Level {
	chs := c.sides[side]
	for k := len(chs) - 1; k >= 0; k-- {
		for i := len(chs[k]) - 1; i >= 0; i-- {
			dst = append(dst, chs[k][i])
		}
	}
	return dst
}

// alternatives lists every structure the benchmark compares, Book first.
var alternatives = []struct {
	name string
	new  func(capacity int) setter
}{
	{"Book", func(n int) setter { return New(n) }},
	{"binaryEnd", func(n int) setter { return newBinaryEnd(n) }},
	{"binaryFront", func(n int) setter { return newBinaryFront(n) }},
	{"chunked", func(n int) setter { return newChunked(n) }},
	{"map", func(n int) setter { return newMapBook(n) }},
}

// TestAltAgainstModel checks every alternative against the model on random
// operations and on the real replay.
func TestAltAgainstModel(t *testing.T) {
	for _, alt := range alternatives {
		t.Run(alt.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(3, 5))
			b := alt.new(8)
			m := model{{}, {}}
			check := func(when string) {
				t.Helper()
				for _, s := range []Side{Bid, Ask} {
					if got, want := b.appendLevels(nil, s), m.levels(s); !slices.Equal(got, want) {
						t.Fatalf("%s: %v side differs from the model:\n got %v\nwant %v", when, s, got, want)
					}
					best, ok := b.Best(s)
					if want := m.levels(s); ok != (len(want) > 0) || ok && best != want[0] {
						t.Fatalf("%s: Best(%v) = %v, %v", when, s, best, ok)
					}
				}
			}
			for i := range 50_000 {
				side := Side(r.IntN(2))
				dist := r.Int64N(30)
				if r.IntN(3) == 0 {
					dist = r.Int64N(1500)
				}
				price := 10_001 + dist
				if side == Bid {
					price = 9_999 - dist
				}
				qty := r.Int64N(3)
				b.Set(side, price, qty)
				m.set(side, price, qty)
				if i%500 == 0 {
					check("random")
				}
			}
			check("random")
			b.Clear()
			m = model{{}, {}}
			check("cleared")
		})
	}
}

// BenchmarkApplyRealDepth replays the real depth levels of the spot
// recording: the REST snapshot (1000 levels a side), then every level of
// every depth update not covered by it, into each structure. ns/level is the
// time per level update, snapshot included; ns/update-level excludes the
// snapshot load.
func BenchmarkApplyRealDepth(b *testing.B) {
	d := loadSpotDepth(b)
	all := append(slices.Clip(d.snapshot), d.updates...)
	for _, alt := range alternatives {
		b.Run(alt.name, func(b *testing.B) {
			book := alt.new(1024)
			replay := func(ops []op) {
				for _, o := range ops {
					book.Set(o.side, o.price, o.qty)
				}
			}
			book.Clear()
			replay(all) // reach the working depth and capacity
			b.ResetTimer()
			for b.Loop() {
				book.Clear()
				replay(all)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(all)), "ns/level")
		})
	}
}

// BenchmarkApplyRealUpdates is BenchmarkApplyRealDepth without the snapshot
// load in the timing: the steady state of a live book.
func BenchmarkApplyRealUpdates(b *testing.B) {
	d := loadSpotDepth(b)
	for _, alt := range alternatives {
		b.Run(alt.name, func(b *testing.B) {
			book := alt.new(1024)
			load := func() {
				book.Clear()
				for _, o := range d.snapshot {
					book.Set(o.side, o.price, o.qty)
				}
			}
			for b.Loop() {
				b.StopTimer()
				load()
				b.StartTimer()
				for _, o := range d.updates {
					book.Set(o.side, o.price, o.qty)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(d.updates)), "ns/level")
		})
	}
}
