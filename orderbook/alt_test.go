package orderbook

// This file keeps the data structures that lost to Book's, so that the
// measurement in BenchmarkApplyRealDepth can be rerun:
//
//	go test -run '^$' -bench ApplyRealDepth -benchmem -count 5 ./orderbook
//
// Each alternative implements only what the replay needs, and each is checked
// against the model by TestAltAgainstModel, so that a fast wrong one cannot
// win.
//
// Measured on 2026-11-21 on a shared 2-core AMD EPYC, -count 5, medians of
// CPU ns per level update (wall time was up to 3 times higher and erratic
// under the other load on the machine):
//
//	                                  spot   usdm   spot, updates only
//	Book (ladder + hash table)          16     11     16
//	hashTop (hash table + sorted top)   41     30     42  (a separate copy; as Book with
//	                                                     its ladder off: 52, 35, 50 with
//	                                                     Book at 19, 14, 22 in that run)
//	chunked (B+tree, Book until now)    56     58     56
//	sortedEnd                           82     90    108
//	binaryEnd                           71     77     74
//	binaryFront                        176    216    187
//	map                                276    171    281
//
// The updates land deep (TestRealDepthProfile): on the futures file 47%
// of them 256 or more levels below the top of a side up to 5170 levels
// deep, and on spot 78% of them insert or delete a level, which is what
// every sorted structure pays for in searches and shifts, and what the hash
// table does in O(1). A sorted array caching the top over a table of all
// levels (hashTop) still pays a binary search and a shift of 40 to 60
// levels on average for the updates that land in it (57% of them on spot).
// The ladder sets them by index. Kept as a copy of the top over a table of
// all levels, it measured 24, 15 and 22, about what the table alone costs
// (21 and 15); taking its levels out of the table, so that the updates that
// land in it skip the hash, gave Book's 16, 11 and 16.
//
// Since then, setting a ladder level without a branch on whether its bucket
// was occupied (see setLadder) brought Book to 15.3, 10.5 and 15.9 (medians
// of 10, against 16.6, 10.5 and 16.5 before it in the same run; the last
// difference is within the noise).
//
// Book's ladder was also measured with 2048, 4096 and 8192 buckets (spot
// 45, 44 and 28 with the ladder as a copy: the top fitted in the window less
// often) and its table at load factors of 3/4 (slower: 29 and 28) and 1/3
// (no faster than 1/2).

import (
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/nanotick/nanotick/internal/testdata"
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

// sortedEnd is a flat sorted array per side, best level last, found by a
// linear scan of the top 16 levels and a binary search below: the first
// version of Book. It wins when updates cluster at the top, and loses on the
// recordings, where most land hundreds of levels down and every insert and
// delete there shifts them all.
type sortedEnd struct{ sides [2][]Level }

func newSortedEnd(n int) *sortedEnd {
	return &sortedEnd{[2][]Level{make([]Level, 0, n), make([]Level, 0, n)}}
}

func (b *sortedEnd) Set(side Side, price, qty int64) {
	lv := b.sides[side]
	i, found := b.search(lv, side, price)
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

func (*sortedEnd) search(lv []Level, side Side, price int64) (int, bool) {
	const linearScan = 16
	n := len(lv)
	stop := max(n-linearScan, 0)
	for i := n - 1; i >= stop; i-- {
		if p := lv[i].Price; !better(side, price, p) {
			if p == price {
				return i, true
			}
			continue
		}
		return i + 1, false
	}
	lo, hi := 0, stop
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if better(side, price, lv[m].Price) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, lo < stop && lv[lo].Price == price
}

func (b *sortedEnd) Best(side Side) (Level, bool) {
	lv := b.sides[side]
	if len(lv) == 0 {
		return Level{}, false
	}
	return lv[len(lv)-1], true
}

func (b *sortedEnd) Clear() { b.sides[0], b.sides[1] = b.sides[0][:0], b.sides[1][:0] }

func (b *sortedEnd) appendLevels(dst []Level, side Side) []Level {
	lv := b.sides[side]
	for i := len(lv) - 1; i >= 0; i-- {
		dst = append(dst, lv[i])
	}
	return dst
}

// binaryEnd is sortedEnd with a plain binary search and no linear scan from
// the top.
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

// alternatives lists every structure the benchmark compares, Book first.
var alternatives = []struct {
	name string
	new  func(capacity int) setter
}{
	{"Book", func(n int) setter { return New(n) }},
	{"chunked", func(n int) setter { return newChunked(n) }},
	{"hashTop", func(n int) setter { return newHashTop(n) }},
	{"sortedEnd", func(n int) setter { return newSortedEnd(n) }},
	{"binaryEnd", func(n int) setter { return newBinaryEnd(n) }},
	{"binaryFront", func(n int) setter { return newBinaryFront(n) }},
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
// recording into each structure: the REST snapshot (1000 levels a side),
// then every level of every depth update not covered by it. ns/level is the
// time per level update, snapshot included. The usdm sub-benchmarks do the
// same with the futures recording, whose book is deeper.
func BenchmarkApplyRealDepth(b *testing.B) {
	for _, rec := range []struct{ name, file string }{{"spot", spotFile}, {"usdm", usdmFile}} {
		d := loadDepth(b, rec.file)
		all := append(slices.Clip(d.snapshot), d.updates...)
		for _, alt := range alternatives {
			b.Run(rec.name+"/"+alt.name, func(b *testing.B) {
				book := alt.new(1024)
				replay := func() {
					book.Clear()
					for _, o := range all {
						book.Set(o.side, o.price, o.qty)
					}
				}
				replay() // grow to the working depth,
				replay() // and let Clear size the free list
				cpu := testdata.StartCPUTimer()
				for b.Loop() {
					replay()
				}
				reportPerLevel(b, cpu, len(all))
			})
		}
	}
}

// BenchmarkApplyRealUpdates is the spot case of BenchmarkApplyRealDepth
// without the snapshot load in the timing: the steady state of a live book.
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
			update := func() {
				for _, o := range d.updates {
					book.Set(o.side, o.price, o.qty)
				}
			}
			load() // grow to the working depth
			update()
			load()
			update()
			var cpuTime time.Duration
			for b.Loop() {
				b.StopTimer()
				load()
				b.StartTimer()
				cpu := testdata.StartCPUTimer()
				update()
				d, _ := cpu.Stop()
				cpuTime += d
			}
			levels := float64(b.N) * float64(len(d.updates))
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/levels, "ns/level")
			b.ReportMetric(float64(cpuTime.Nanoseconds())/levels, "cpu-ns/level")
		})
	}
}

// reportPerLevel reports the wall and CPU time per level update of a
// benchmark that applied levels updates per iteration. CPU time is steadier
// on a machine shared with other work.
func reportPerLevel(b *testing.B, cpu testdata.CPUTimer, levels int) {
	n := float64(b.N) * float64(levels)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/level")
	if d, ok := cpu.Stop(); ok {
		b.ReportMetric(float64(d.Nanoseconds())/n, "cpu-ns/level")
	}
}

// newHashTop is the book with its ladders turned off: the open-addressing table
// with a sorted cache of the best levels, the structure the ladder replaced as the
// common case and keeps as its fallback.
func newHashTop(capacityPerSide int) *Book {
	b := New(capacityPerSide)
	b.sides[Bid].noLadder = true
	b.sides[Ask].noLadder = true
	return b
}
