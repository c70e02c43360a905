// Package orderbook owns the local L2 order book of one instrument: the
// aggregated quantity at each price on each side, plus the sync status the
// feed writes and risk and strategy read.
//
// Prices and quantities are fixed-point int64 units in the instrument's
// scales (see package fixed); the book never parses, rounds or converts them.
// The book must never allocate on the hot path: New preallocates, and Set,
// SetLevels, Best, Level, DepthQty, Crossed and Mid allocate nothing in
// steady state.
// A Book is not safe for concurrent use; it belongs to the goroutine that
// applies the feed.
//
// Each side has two homes for its levels. The top of the side, which is
// what is read in order (Best, Level(0..10), DepthQty(5..20) after each
// frame), is normally a ladder: a window of price buckets around the best,
// each narrower than the closest two levels so that it holds at most one,
// with a bitmap of the occupied ones. A level in the window is set by index,
// the next best after a delete is a bit scan, and Level and DepthQty walk
// the bitmap from the best. On the recordings the window spans thousands of
// ticks and takes 70% (spot) to 90% (futures) of the updates.
//
// Every level below the window is in a hash table keyed by price (open
// addressing with linear probing, preallocated, not a Go map), where it is
// found, changed, inserted or deleted in O(1), however deep. The recorded
// Binance feeds need this: on spot 56% of the updates land 64 or more levels
// below the top of a side thousands of levels deep, and 78% of them insert
// or delete a level (9% delete an absent one, only 13% change a quantity),
// which any sorted array, flat or chunked, pays for in a search and a shift.
//
// Where the prices do not suit a ladder (a top spread wider than the window,
// prices near the ends of int64), the table holds every level and the top
// is cached in a sorted array instead. Either way the best 32 levels or more
// are at hand; deeper reads sort the side into a buffer that is reused until
// the side changes. DeferUpkeep lets the engine send a frame's orders before
// the updates below the ladder and the refill of a ladder a large move left
// with fewer levels, and Tidy after them.
//
// Measured on the recordings (BenchmarkApplyRealDepth, CPU time per level
// update, medians of 10): 15 ns on spot and 11 ns on futures, against 59 and
// 58 ns for the two-level B+tree of sorted chunks this replaced; the sync
// checks and book updates of an average spot depth frame went from 2.2 to
// 0.51 us (BenchmarkDepthApply in feeds/binance). The price is paid by
// ordered reads, which walk a bitmap instead of indexing an array:
// Level(10) costs 9 ns instead of 2, DepthQty(10) 18 instead of 8. The
// structures that lost, and their numbers, are in alt_test.go.
package orderbook

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
	"strconv"
)

// Side is the side of the book: Bid or Ask.
type Side uint8

// The two sides of a book.
const (
	Bid Side = 0
	Ask Side = 1
)

// String returns "bid" or "ask".
func (s Side) String() string {
	switch s {
	case Bid:
		return "bid"
	case Ask:
		return "ask"
	}
	return "Side(" + strconv.Itoa(int(s)) + ")"
}

// Opposite returns the other side: Ask for Bid, Bid for Ask.
func (s Side) Opposite() Side { return s ^ 1 }

// Level is one price level: the total quantity resting at a price.
type Level struct{ Price, Qty int64 }

// The sizes of a side's sorted top cache, and its guarantee. topCap is the
// most levels the sorted cache holds (4 KiB); when an insert finds it full,
// its worse half is dropped (those levels stay in the table). A delete that
// leaves fewer than topLow levels in either cache, while the side has more,
// refills it from the table, the sorted cache with the best topRefill
// levels. So the best topLow levels of a side are always cached, which
// covers what strategies read after a frame, and a refill, which scans the
// whole table, waits until the top of the book has lost about
// topRefill-topLow levels net.
const (
	topCap    = 256
	topRefill = 128
	topLow    = 32
)

// ladderSize is the number of buckets in a side's ladder, a power of two
// (128 KiB of 8-byte slots, of which only those near levels are ever touched). A
// bucket is the widest power of two of price units not wider than the
// closest two levels of the top: on the spot recording 2^19 units, about
// half a tick of 0.01, so the window spans about 8600 ticks, and the side
// stayed on the ladder for all but the first updates of both recordings.
// With 8192 buckets the spot top outgrew the window for 13% of the
// updates, which then took the sorted cache, and the replay cost a fifth
// more. With 65536 (1 MiB a side) the window took 86% of the spot updates
// instead of 66%, and the book alone was faster (BenchmarkApplyRealDepth
// spot 13.1 ns a level instead of 14.7), but decoding and applying real
// frames (BenchmarkDepth in feeds/binance), whose bytes pass through the
// same caches, was slower: median 1544 ns against 1423, and 1468 with
// 32768 buckets (measured with 16-byte slots, before pack).
const ladderSize = 16384

// ladderMargin is the number of empty buckets left above the best when the
// ladder is built, so that a rising best does not slide the window at once.
const ladderMargin = ladderSize / 8

// minTable is the smallest hash table of a side, in slots.
const minTable = 16

// Book is an L2 order book. The zero value is not usable; call New.
type Book struct {
	sides [2]bookSide

	synced    bool
	updateID  uint64
	exchTime  int64
	localTime int64
}

// bookSide is one side of the book. It stores keys, not prices: the key of
// a bid is its price and the key of an ask is ^price, so that on both sides
// a better level has a greater key and the code has no branch on the side.
// ^ rather than unary minus, which would overflow on math.MinInt64.
type bookSide struct {
	// table is an open-addressing hash table with linear probing of the
	// levels of the side that are not on the ladder: all of them without
	// it. Price holds the key; a slot with Qty 0 is empty. Its length is a
	// power of two, at least twice tn.
	table []Level
	shift uint // 64 - log2(len(table)), for the multiplicative hash
	tn    int  // levels in table
	n     int  // levels on the side: tn, plus m on the ladder

	// m is the number of levels cached, in the ladder or in top: the best
	// m of the side, m at least min(n, topLow) unless thin. Without the
	// ladder, top[:m] holds them by ascending key: best last, so that
	// inserting or deleting at the best shifts nothing. Every level of the
	// table not in top[:m] has a smaller key than top[0].
	top []Level
	m   int

	// ladder, when set, replaces top as the cache of the best m levels: a
	// window of ladderSize buckets of width 1<<bs keys, bucket b holding
	// the level whose key is in [kref + b<<bs, kref + (b+1)<<bs), at
	// slots[b%ladderSize] (a ring, so that the window slides up without
	// moving anything), with a bit per slot in occ. bs is small enough that
	// no two levels share a bucket (see buildLadder). The window is buckets
	// [blo, blo+ladderSize); it holds every level whose key is at least
	// floor, and no other, and those levels are not in the table. bbest is
	// the bucket of the best level.
	ladder bool
	slots  *[ladderSize]uint64 // packed levels (see pack); arrays, so that indexing mod ladderSize needs no bounds check
	occ    *[ladderSize / 64]uint64
	kref   int64
	bs     uint
	blo    uint64
	floor  int64
	bbest  uint64
	// With deferUpkeep (see Book.DeferUpkeep), updates of the table wait in
	// deferred, in order, and a ladder left thin (fewer than topLow levels
	// while the side has more) waits for its refill (rebuild, a pass over the
	// whole table), until tidy. While any wait, n may be off by the deferred
	// inserts and deletes: only reads of the ladder's levels, which the
	// deferred updates, all below its floor, cannot change, go without tidy.
	deferUpkeep, thin bool
	deferred          []Level // keys and quantities
	// refloor asks tidy to fill a ladder that buildLadder made from the
	// sorted cache, whose floor is the lowest cached level, with every level
	// of the table that fits its window (rebuild, a pass over the table).
	// Without it, the ladder built while a snapshot of a thousand levels a
	// side was applied held only the best 128 to 256 of them, a few dollars
	// of USD-M's book, until a move of the price left it thin: the updates
	// below them, 13% of USD-M's and 35% of spot's on the recordings, went
	// to the table (6% and 33% with it).
	refloor bool

	// sorted is all levels of the side, best first, with real prices, when
	// sortedOK: the slow path of Level, DepthQty and AppendLevels beyond the
	// top cache, rebuilt on demand after any change.
	sorted   []Level
	sortedOK bool

	// noLadder keeps the side on the sorted cache, never building a ladder: the
	// "hash table + sorted top" structure that alt_test.go measures the ladder
	// against is this very code with the ladder turned off.
	noLadder bool
}

// New returns an empty book with room for capacityPerSide levels on each
// side. A side that outgrows its capacity allocates a table twice as large:
// amortized growth, which stops once the book has reached its working depth,
// because Clear keeps the tables. Besides the tables, a book holds two
// ladders of 128 KiB each, of which only the slots near levels are touched.
// A negative capacity is treated as zero.
func New(capacityPerSide int) *Book {
	c := max(capacityPerSide, 0)
	b := &Book{}
	for i := range b.sides {
		s := &b.sides[i]
		s.setTable(make([]Level, tableSize(c)))
		s.top = make([]Level, topCap)
		s.slots = new([ladderSize]uint64)
		s.occ = new([ladderSize / 64]uint64)
		s.sorted = make([]Level, 0, c)
		s.deferred = make([]Level, 0, maxDeferred)
	}
	return b
}

// maxDeferred is the most table updates a side defers; more are applied at
// once. A spot depth frame brings a few hundred levels at most.
const maxDeferred = 1024

// tableSize returns the table length for n levels: a power of two at least
// twice n, so that linear probes stay short.
func tableSize(n int) int {
	size := minTable
	for size < 2*n {
		size *= 2
	}
	return size
}

func (s *bookSide) setTable(t []Level) {
	s.table = t
	s.shift = uint(64 - bits.TrailingZeros(uint(len(t))))
}

// home returns the slot where key's probe sequence starts: Fibonacci
// hashing, whose top bits spread an arithmetic progression of prices (a tick
// grid) evenly over the table.
func (s *bookSide) home(key int64) int {
	return int((uint64(key) * 0x9E3779B97F4A7C15) >> s.shift)
}

// lookup returns the slot holding key and true, or the empty slot where
// key would be inserted and false.
func (s *bookSide) lookup(key int64) (int, bool) {
	t := s.table
	mask := len(t) - 1
	for i := s.home(key); ; i = (i + 1) & mask {
		e := &t[i]
		if e.Qty == 0 {
			return i, false
		}
		if e.Price == key {
			return i, true
		}
	}
}

// remove empties slot i of the table by backward shifting: each later entry
// of the probe run that may move into the hole does, so that no tombstones
// are needed and lookups stop at the first empty slot.
func (s *bookSide) remove(i int) {
	t := s.table
	mask := len(t) - 1
	for j := (i + 1) & mask; t[j].Qty != 0; j = (j + 1) & mask {
		// The entry at j may fill the hole at i unless its home lies
		// cyclically in (i, j].
		if (j-s.home(t[j].Price))&mask >= (j-i)&mask {
			t[i] = t[j]
			i = j
		}
	}
	t[i] = Level{}
}

// grow moves the table into one twice as large.
func (s *bookSide) grow() {
	old := s.table
	s.setTable(make([]Level, 2*len(old)))
	for _, e := range old {
		if e.Qty != 0 {
			i, _ := s.lookup(e.Price)
			s.table[i] = e
		}
	}
}

// keyMask returns the mask whose xor turns a price of side into its key and
// back: 0 for bids, all ones for asks.
func keyMask(side Side) int64 { return -int64(side) }

// Set sets the quantity at price on side. A quantity of zero deletes the
// level; deleting an absent level is a no-op. A negative quantity cannot rest
// in a book and is treated as zero, so it deletes the level too.
// An unknown side (neither Bid nor Ask) is ignored.
func (b *Book) Set(side Side, price, qty int64) {
	if side > Ask {
		return
	}
	s := &b.sides[side]
	key := price ^ keyMask(side)
	if s.ladder && key >= s.floor {
		s.setLadder(key, qty)
		return
	}
	s.setBelow(key, qty)
}

// setBelow is Set for a key below the ladder's floor, or on a side without a
// ladder. The key waits in deferred when the side defers its upkeep and there
// is room. Otherwise it goes where it belongs after what waits there, in
// order: applying that may have moved the floor down to key, which then
// belongs on the ladder.
func (s *bookSide) setBelow(key, qty int64) {
	switch {
	case s.deferUpkeep && s.ladder && len(s.deferred) < cap(s.deferred):
		s.deferred = append(s.deferred, Level{key, qty}) // below every cached level
	case len(s.deferred) > 0:
		s.applyDeferred()
		s.place(key, qty)
	default:
		s.setInTable(key, qty)
	}
}

// place sets key where it belongs now: on the ladder at or above its floor,
// else in the table.
func (s *bookSide) place(key, qty int64) {
	if s.ladder && key >= s.floor {
		s.setLadder(key, qty)
	} else {
		s.setInTable(key, qty)
	}
}

// setInTable is Set for a key in the table: below the ladder's floor, or
// anywhere on a side without a ladder.
func (s *bookSide) setInTable(key, qty int64) {
	i, found := s.lookup(key)
	switch {
	case qty <= 0:
		if found {
			s.delete(i, key)
		}
	case found:
		s.table[i].Qty = qty
		s.sortedOK = false
		if !s.ladder && s.m > 0 && key >= s.top[0].Price {
			s.top[s.find(key)].Qty = qty
		}
	default:
		s.insert(i, key, qty)
	}
}

// SetLevels sets each level of levels on side, in order, as Set would: the
// way to apply the levels of one side of a depth update, with the checks
// that do not depend on the level made once. The common case of setLadder
// (an update in the window, of an empty bucket or of key's own, that leaves
// the best and the ladder's depth alone) is written out here, without a call
// per level; anything else goes through setLadder or ladderRare as Set's
// levels do. On the futures recording, whose updates land on the ladder for
// 90%, this takes about an eighth off applying its depth frames (ratio of
// the times over chunks of 100 sides, alternated with a call per level).
func (b *Book) SetLevels(side Side, levels []Level) {
	if side > Ask {
		return
	}
	s := &b.sides[side]
	mask := keyMask(side)
	for _, l := range levels {
		key, qty := l.Price^mask, l.Qty
		if !s.ladder || key < s.floor {
			s.setBelow(key, qty)
			continue
		}
		d := uint64(key) - uint64(s.kref)
		bk, off := d>>s.bs, d&(1<<s.bs-1)
		e := &s.slots[bk%ladderSize]
		if bk >= s.blo+ladderSize || min(*e, (*e^off)&(1<<s.bs-1)) != 0 || uint64(qty)>>(64-s.bs) != 0 {
			s.setLadder(key, qty) // a slide, another level in the bucket, or a quantity that does not pack
			continue
		}
		// setLadder from here on, written out.
		was, now := b2i(*e != 0), b2i(qty > 0)
		keep := -int64(now)
		*e = (uint64(qty)<<s.bs | off) & uint64(keep)
		bit := uint64(1) << (bk % 64)
		w := &s.occ[bk%ladderSize/64]
		*w = *w&^bit | bit&uint64(keep)
		s.m += now - was
		s.n += now - was
		s.sortedOK = s.sortedOK && was|now == 0
		s.bbest = max(s.bbest, bk*uint64(now&^was))
		if s.m == 1 && now > was || bk == s.bbest && now < was || s.m < topLow && s.m < s.n {
			s.ladderRare(bk, was, now)
		}
	}
}

// applyDeferred applies the deferred table updates, in order. Everything
// that reads or rebuilds from the table calls it first. Each is routed again
// as Set would route it now: an earlier one may have extended the ladder down
// over it (an insert below the floor of a ladder that holds the whole side
// does), and must then be set on the ladder.
func (s *bookSide) applyDeferred() {
	if len(s.deferred) == 0 {
		return
	}
	d := s.deferred
	s.deferred = s.deferred[:0] // first: what follows may lead back here
	for _, l := range d {
		s.place(l.Price, l.Qty)
	}
}

// insert adds key, absent from the side and below the ladder's floor if
// there is a ladder, at the empty slot i of the table; or onto the ladder,
// if the ladder holds the whole side and key falls in its window.
func (s *bookSide) insert(i int, key, qty int64) {
	s.sortedOK = false
	complete := s.m == s.n // the cache holds the whole side
	if s.ladder && complete && key >= s.windowStart() {
		s.floor = key // below the floor but in the window: keep holding it all
		s.setLadder(key, qty)
		return
	}
	if 2*(s.tn+1) > len(s.table) {
		s.grow()
		i, _ = s.lookup(key)
	}
	s.table[i] = Level{key, qty}
	s.tn++
	s.n++
	if s.ladder {
		if complete && s.m < topLow { // m >= min(n, topLow) would break
			s.toSorted()
		}
		return
	}
	if !complete && key < s.top[0].Price {
		return // below the cache: in the table only
	}
	top := s.top
	j := s.above(key)
	if s.m == len(top) {
		// Full: drop the worse half, which stays in the table.
		h := len(top) / 2
		copy(top, top[h:])
		s.m -= h
		if j -= h; j >= 0 {
			copy(top[j+1:s.m+1], top[j:s.m])
			top[j] = Level{key, qty}
			s.m++
		}
		s.buildLadder() // the top has moved: try the ladder again
		return
	}
	copy(top[j+1:s.m+1], top[j:s.m])
	top[j] = Level{key, qty}
	s.m++
}

// delete removes key, present at slot i.
func (s *bookSide) delete(i int, key int64) {
	s.sortedOK = false
	s.remove(i)
	s.tn--
	s.n--
	if s.ladder {
		return // below the floor: not cached
	}
	if s.m == 0 || key < s.top[0].Price {
		return // not cached
	}
	j := s.find(key)
	copy(s.top[j:s.m-1], s.top[j+1:s.m])
	s.m--
	if s.m < topLow && s.m < s.n {
		s.refill()
	}
}

// above returns the number of cached levels with a smaller key than key:
// where key is, or goes, in top[:m]. The binary search is branch-free (the
// conditional add compiles to a conditional move): the cache is up to
// topCap levels and updates land anywhere in it, so a scan from the best
// and a branchy search both measured slower.
func (s *bookSide) above(key int64) int {
	top := s.top[:s.m]
	if len(top) == 0 {
		return 0
	}
	base, n := 0, len(top)
	for n > 1 {
		half := n / 2
		if top[base+half-1].Price < key {
			base += half
		}
		n -= half
	}
	if top[base].Price < key {
		base++
	}
	return base
}

// find returns the index of key in top[:m]; key must be there.
func (s *bookSide) find(key int64) int { return s.above(key) }

// refill rebuilds the top cache with the best topRefill levels of the
// table: a min-heap of that many keys, one pass over the table, then a sort.
func (s *bookSide) refill() {
	h := s.top[:0]
	for _, e := range s.table {
		switch {
		case e.Qty == 0:
		case len(h) < topRefill:
			h = append(h, e)
			for c := len(h) - 1; c > 0; { // sift up
				p := (c - 1) / 2
				if h[p].Price <= h[c].Price {
					break
				}
				h[p], h[c] = h[c], h[p]
				c = p
			}
		case e.Price > h[0].Price:
			h[0] = e
			for p := 0; ; { // sift down
				c := 2*p + 1
				if c >= len(h) {
					break
				}
				if c+1 < len(h) && h[c+1].Price < h[c].Price {
					c++
				}
				if h[p].Price <= h[c].Price {
					break
				}
				h[p], h[c] = h[c], h[p]
				p = c
			}
		}
	}
	slices.SortFunc(h, byKey)
	s.m, s.ladder = len(h), false
	s.buildLadder()
}

// bucket returns the ladder bucket of key, which must be at least kref.
func (s *bookSide) bucket(key int64) uint64 {
	return (uint64(key) - uint64(s.kref)) >> s.bs // exact even if key-kref overflows int64
}

// A ladder slot packs the level of its bucket in 8 bytes: the quantity
// shifted up by bs, and below it the key's offset from the bucket's start,
// which is less than 1<<bs; 0 is an empty bucket. Half the 16 bytes of a
// Level, so that the futures recording's updates, a few ticks of 0.1 apart
// over a thousand dollars of the ladder, touch half the cache lines. A
// quantity of 2^(64-bs) units or more does not pack (bs is 23 on the
// futures recording at scale 8, 19 on spot's: 2^41 and 2^45 units); a side
// that has one among the levels its ladder would hold keeps the sorted cache
// instead.

// pack returns the slot of the level of key and qty, qty positive and
// packable, in its bucket.
func (s *bookSide) pack(key, qty int64) uint64 {
	return uint64(qty)<<s.bs | (uint64(key)-uint64(s.kref))&s.offMask()
}

// packs reports whether the positive quantity qty packs into a slot.
func (s *bookSide) packs(qty int64) bool { return uint64(qty)>>(64-s.bs) == 0 }

// offMask returns the mask of a key's offset in its bucket.
func (s *bookSide) offMask() uint64 { return 1<<s.bs - 1 }

// slotLevel returns the level in bucket b of the window, as a key and a
// quantity; b must hold one.
func (s *bookSide) slotLevel(b uint64) Level {
	v := s.slots[b%ladderSize]
	return Level{Price: int64(uint64(s.kref) + b<<s.bs + v&s.offMask()), Qty: int64(v >> s.bs)}
}

// ringBucket returns the bucket of the window whose slot is slots[i].
func (s *bookSide) ringBucket(i uint64) uint64 { return s.blo + (i-s.blo)%ladderSize }

// windowStart returns the smallest key of the ladder's window.
func (s *bookSide) windowStart() int64 {
	// The window only slides up to hold a key, so this fits in int64.
	return int64(uint64(s.kref) + s.blo<<s.bs)
}

// buildLadder moves the levels of the sorted cache top[:m] from the table
// onto the ladder if they fit: buckets narrower than the closest two levels, so that each bucket
// holds at most one, and enough of the best levels within the window that
// the ladder will not need a refill again soon. Otherwise the side keeps the
// sorted cache, which has no such conditions: a sparse top, or prices that
// are not on a grid, cost speed, never correctness.
func (s *bookSide) buildLadder() {
	m := s.m
	if m < 2 || s.noLadder {
		return
	}
	top := s.top[:m]
	dmin := uint64(math.MaxUint64)
	for j := 1; j < m; j++ {
		dmin = min(dmin, uint64(top[j].Price)-uint64(top[j-1].Price))
	}
	bs := uint(bits.Len64(dmin) - 1)
	if bs > 40 {
		return // too coarse a grid for the window to fit in int64
	}
	best := top[m-1].Price
	span := int64(ladderSize-1-ladderMargin) << bs
	if best < math.MinInt64+span {
		return
	}
	kref := best - span
	lo := s.above(kref) // the levels from top[lo] up fit in the window
	if m-lo < min(s.n, 2*topLow) {
		return
	}
	for _, l := range top[lo:] {
		if uint64(l.Qty)>>(64-bs) != 0 {
			return // a quantity too large to pack (see setLadder)
		}
	}
	s.clearLadder()
	s.kref, s.bs, s.blo, s.floor = kref, bs, 0, top[lo].Price
	for _, l := range top[lo:] {
		b := s.bucket(l.Price)
		s.slots[b%ladderSize] = s.pack(l.Price, l.Qty)
		s.occ[b%ladderSize/64] |= 1 << (b % 64)
		i, _ := s.lookup(l.Price) // the ladder's levels leave the table
		s.remove(i)
		s.tn--
	}
	s.bbest = s.bucket(best)
	s.m, s.ladder = m-lo, true
	s.refloor = s.tn > 0 // the table may hold levels between kref and the floor
}

// setLadder is Set for a key at or above the floor of the ladder, whose
// levels are not in the table.
//
// Whether the bucket already holds the level is the one thing about an
// update that no branch predictor can guess: on the recordings most updates
// insert or delete a level, in no pattern. So the common cases (insert,
// change, delete, or delete an absent level, in a bucket that is empty or
// holds key) share one path without a branch on the bucket's contents: the
// slot, its bit and the counts are written with values computed from
// whether it was and will be occupied. Only rare events branch: another
// level in the bucket, a slide of the window, a delete of the best level,
// and a ladder left too thin.
func (s *bookSide) setLadder(key, qty int64) {
	b := s.bucket(key)
	if b >= s.blo+ladderSize {
		if qty <= 0 {
			return // absent
		}
		s.slide(b - ladderSize + 1)
	}
	e := &s.slots[b%ladderSize]
	off := (uint64(key) - uint64(s.kref)) & s.offMask()
	// The minimum of two unsigned numbers is non-zero only if both are:
	// the bucket holds a level and its key is not key (another offset in
	// the bucket). One comparison, so that an empty bucket and key's own
	// take the same branch.
	if min(*e, (*e^off)&s.offMask()) != 0 {
		if qty <= 0 {
			return // absent: its bucket holds another level
		}
		// Two levels in a bucket: rebuild, with buckets narrow enough.
		s.put(Level{key, qty})
		s.n++
		s.sortedOK = false
		s.toSorted()
		return
	}
	if qty > 0 && !s.packs(qty) {
		// A quantity too large to pack with the offset (2^(64-bs) units or
		// more): the side leaves the ladder, as for two levels in a bucket,
		// and buildLadder builds none while such a level is cached. Key's own
		// level, if any, leaves the ladder first; toSorted recounts the rest.
		if *e != 0 {
			*e = 0
			s.occ[b%ladderSize/64] &^= 1 << (b % 64)
			s.m--
			s.n--
		}
		s.put(Level{key, qty})
		s.n++
		s.sortedOK = false
		s.toSorted()
		return
	}
	was := b2i(*e != 0) // the bucket holds key
	now := b2i(qty > 0) // and will hold it
	keep := -int64(now) // all ones if it will, else zero
	*e = (uint64(qty)<<s.bs | off) & uint64(keep)
	bit := uint64(1) << (b % 64)
	w := &s.occ[b%ladderSize/64]
	*w = *w&^bit | bit&uint64(keep)
	s.m += now - was
	s.n += now - was
	s.sortedOK = s.sortedOK && was|now == 0 // unchanged only by deleting an absent level
	// An inserted level above the best is the new best: the maximum with b
	// if the level is new, else with 0, which changes nothing.
	s.bbest = max(s.bbest, b*uint64(now&^was))
	s.ladderRare(b, was, now)
}

// ladderRare ends setLadder's update of bucket b, which held key's level if
// was is 1 and holds it if now is 1, with the rare events: the first level of
// an emptied ladder, a delete of the best level, and a ladder left too thin.
// Each check is false for most updates, and SetLevels calls it only when one
// is true.
func (s *bookSide) ladderRare(b uint64, was, now int) {
	// After a slide emptied the ladder, a new level is the best wherever it is.
	if s.m == 1 && now > was {
		s.bbest = b
	}
	if b == s.bbest && now < was { // the best level was deleted
		if s.m == 0 {
			s.toSorted()
			return
		}
		s.bbest = s.below(b)
	}
	if s.m < topLow && s.m < s.n {
		// A delete, or a slide, left too few levels on the ladder. The ladder
		// still holds the best m levels, so the book is right; the refill
		// only restores the cached top, and costs a pass over the table.
		s.thin = true
		if !s.deferUpkeep {
			s.tidy()
		}
	}
}

// untidy reports whether upkeep waits for tidy.
func (s *bookSide) untidy() bool { return s.thin || len(s.deferred) > 0 }

// tidy applies the deferred table updates, fills a new ladder with the
// levels of the table that fit its window (see refloor), and refills a thin
// ladder around the best level.
func (s *bookSide) tidy() {
	s.applyDeferred()
	if s.refloor {
		if s.ladder && s.m > 0 && s.tn > 0 && s.floor > s.windowStart() {
			s.rebuild(s.slotLevel(s.bbest).Price)
		}
		// Cleared after rebuild: if rebuild left for the sorted cache, whose
		// refill built a ladder again, that one keeps its floor until the next
		// build, so that a book whose levels do not fit a ladder is not scanned
		// at every tidy.
		s.refloor = false
	}
	if !s.thin {
		return
	}
	s.thin = false
	if s.ladder && s.m > 0 && s.m < topLow && s.m < s.n {
		s.rebuild(s.slotLevel(s.bbest).Price)
	}
}

// b2i returns 1 for true and 0 for false. The compiler makes it a flag
// set, not a branch.
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// put adds e, absent from the table, to it.
func (s *bookSide) put(e Level) {
	if 2*(s.tn+1) > len(s.table) {
		s.grow()
	}
	i, _ := s.lookup(e.Price)
	s.table[i] = e
	s.tn++
}

// ladderToTable moves every level of the ladder into the table.
func (s *bookSide) ladderToTable() {
	for k, w := range s.occ {
		for ; w != 0; w &= w - 1 {
			i := uint64(k*64 + bits.TrailingZeros64(w))
			s.put(s.slotLevel(s.ringBucket(i)))
			s.slots[i] = 0
		}
		s.occ[k] = 0
	}
	s.m = 0
}

// rebuild puts the ladder's levels back in the table, recentres the ladder
// on best, the best key, with room above it, and moves onto it every level
// of the table that fits: the refill of the ladder, one pass over the table.
// If the levels are then too few, the side goes back to the sorted cache.
func (s *bookSide) rebuild(best int64) {
	s.applyDeferred()
	s.thin = false
	s.ladderToTable() // unpacked with the window it was packed in
	for {
		span := int64(ladderSize-1-ladderMargin) << s.bs
		if best < math.MinInt64+span {
			s.toSorted()
			return
		}
		s.kref, s.blo = best-span, 0
		s.floor = s.kref
		collided := false
		for i := 0; i < len(s.table); {
			e := s.table[i]
			if e.Qty == 0 || e.Price < s.floor {
				i++
				continue
			}
			b := s.bucket(e.Price)
			slot := &s.slots[b%ladderSize]
			if *slot != 0 {
				// Two levels in a bucket: narrow the buckets and start over,
				// the ladder emptied with the buckets it was filled with.
				other := s.slotLevel(b).Price
				bs := uint(bits.Len64(uint64(max(e.Price, other))-uint64(min(e.Price, other))) - 1)
				s.ladderToTable()
				s.bs = bs
				collided = true
				break
			}
			if !s.packs(e.Qty) {
				s.toSorted() // see setLadder
				return
			}
			*slot = s.pack(e.Price, e.Qty)
			s.occ[b%ladderSize/64] |= 1 << (b % 64)
			s.m++
			// Out of the table. The backward shift may move a later entry
			// into slot i, so i is looked at again; it never moves one that
			// is still to be looked at below i.
			s.remove(i)
			s.tn--
		}
		if !collided {
			break
		}
	}
	if s.m < min(s.n, 2*topLow) {
		s.toSorted() // too sparse for the window
		return
	}
	s.bbest = s.bucket(best)
}

// toSorted puts the ladder's levels back in the table and leaves the ladder
// for the sorted cache, refilled from the table, which may build a new
// ladder at once.
func (s *bookSide) toSorted() {
	s.applyDeferred()
	s.thin = false
	s.ladderToTable()
	s.ladder = false
	if s.n > 0 {
		s.refill()
	}
}

// slide moves the window up to start at bucket blo, dropping the levels
// below it from the ladder into the table.
func (s *bookSide) slide(blo uint64) {
	if blo-s.blo >= ladderSize {
		s.ladderToTable()
	} else {
		// Clear buckets [s.blo, blo) a bitmap word at a time.
		for b := s.blo; b < blo; {
			pos := b % ladderSize
			k, off := pos/64, pos%64
			n := min(64-off, blo-b) // buckets of this word to clear
			mask := (uint64(1)<<n - 1) << off
			if n == 64 {
				mask = ^uint64(0)
			}
			for w := s.occ[k] & mask; w != 0; w &= w - 1 {
				i := k*64 + uint64(bits.TrailingZeros64(w))
				s.put(s.slotLevel(s.ringBucket(i)))
				s.slots[i] = 0
				s.m--
			}
			s.occ[k] &^= mask
			b += n
		}
	}
	s.blo = blo
	s.floor = max(s.floor, s.windowStart())
}

// clearLadder empties the ladder, visiting only the occupied slots.
func (s *bookSide) clearLadder() {
	for k, w := range s.occ {
		for ; w != 0; w &= w - 1 {
			s.slots[k*64+bits.TrailingZeros64(w)] = 0
		}
		s.occ[k] = 0
	}
	s.m = 0
}

// below returns the highest occupied bucket under b, which must exist.
func (s *bookSide) below(b uint64) uint64 {
	c := b - 1
	for {
		pos := c % ladderSize
		if w := s.occ[pos/64] & (uint64(2)<<(pos%64) - 1); w != 0 {
			return c - pos%64 + uint64(63-bits.LeadingZeros64(w))
		}
		c -= pos%64 + 1
	}
}

// cached returns the i-th cached level of s counting from the best, i < m,
// with its key. On the ladder it counts set bits a word at a time from the
// best down: the ring holds nothing above the best, so the walk meets the
// levels in order.
func (s *bookSide) cached(i int) Level {
	if !s.ladder {
		return s.top[s.m-1-i]
	}
	pos := s.bbest % ladderSize
	k := pos / 64
	w := s.occ[k] & (uint64(2)<<(pos%64) - 1)
	for {
		if c := bits.OnesCount64(w); i < c {
			return s.slotLevel(s.ringBucket(k*64 + highBit(w, i)))
		} else {
			i -= c
		}
		k = (k - 1) % (ladderSize / 64)
		w = s.occ[k]
	}
}

// sumTop returns the total quantity of the best n levels of the ladder,
// n <= m, walking it like cached. Within a word it adds from the lowest
// bit up, which keeps the loop's dependency chain short.
func (s *bookSide) sumTop(n int) int64 {
	var sum int64
	pos := s.bbest % ladderSize
	k := pos / 64
	w := s.occ[k] & (uint64(2)<<(pos%64) - 1)
	for n > 0 {
		c := bits.OnesCount64(w)
		if c > n { // only the top n levels of this word count
			w &^= uint64(1)<<highBit(w, n-1) - 1
			c = n
		}
		for ; w != 0; w &= w - 1 {
			sum += int64(s.slots[k*64+uint64(bits.TrailingZeros64(w))] >> s.bs)
		}
		n -= c
		k = (k - 1) % (ladderSize / 64)
		w = s.occ[k]
	}
	return sum
}

// highBit returns the position of the i-th highest set bit of w, 0 being
// the highest; w must have more than i set bits. It skips whole bytes from
// the top by their population count before stepping bit by bit.
func highBit(w uint64, i int) uint64 {
	top := uint(64)
	for {
		c := bits.OnesCount64(w >> (top - 8) & 0xff)
		if i < c {
			break
		}
		i -= c
		top -= 8
	}
	w &= uint64(1)<<top - 1
	for ; i > 0; i-- {
		w &^= 1 << (63 - bits.LeadingZeros64(w))
	}
	return uint64(63 - bits.LeadingZeros64(w))
}

// byKey orders levels by ascending key.
func byKey(a, b Level) int { return cmp.Compare(a.Price, b.Price) }

// all returns every level of side, best first: the slow path for reads
// beyond the top cache. It sorts the table into a buffer reused until the
// side changes, which allocates only when the side has outgrown the buffer.
func (b *Book) all(side Side) []Level {
	s := &b.sides[side]
	s.applyDeferred()
	if !s.sortedOK {
		all := s.sorted[:0]
		for _, e := range s.table {
			if e.Qty != 0 {
				all = append(all, e)
			}
		}
		if s.ladder {
			for k, w := range s.occ {
				for ; w != 0; w &= w - 1 {
					all = append(all, s.slotLevel(s.ringBucket(uint64(k*64+bits.TrailingZeros64(w)))))
				}
			}
		}
		slices.SortFunc(all, byKey)
		slices.Reverse(all)
		mask := keyMask(side)
		for i := range all {
			all[i].Price ^= mask
		}
		s.sorted, s.sortedOK = all, true
	}
	return s.sorted
}

// Clear removes every level and resets the sync status and the update
// metadata to those of a new book. It keeps the capacity.
func (b *Book) Clear() {
	for i := range b.sides {
		s := &b.sides[i]
		clear(s.table)
		s.clearLadder()
		s.tn, s.n, s.m, s.sortedOK, s.ladder, s.thin, s.refloor = 0, 0, 0, false, false, false, false
		s.deferred = s.deferred[:0]
	}
	b.synced = false
	b.updateID, b.exchTime, b.localTime = 0, 0, 0
}

// Best returns the best level of side: the highest bid or the lowest ask.
// It reports false if the side is empty.
func (b *Book) Best(side Side) (Level, bool) {
	if side > Ask {
		return Level{}, false
	}
	s := &b.sides[side]
	if s.m == 0 {
		return Level{}, false
	}
	var l Level
	if s.ladder {
		l = s.slotLevel(s.bbest)
	} else {
		l = s.top[s.m-1]
	}
	l.Price ^= keyMask(side)
	return l, true
}

// Level returns the i-th level of side counting from the top, 0 being the
// best. It reports false if i is out of range. The cached top levels (at
// least topLow of them) cost a walk of the ladder's bitmap from the best, or
// an index into the sorted cache; deeper ones sort the whole side, once per
// change of it, into a reused buffer.
func (b *Book) Level(side Side, i int) (Level, bool) {
	if side > Ask || i < 0 {
		return Level{}, false
	}
	s := &b.sides[side]
	if i >= s.m && s.untidy() {
		s.tidy()
	}
	if i >= s.n {
		return Level{}, false
	}
	if i == 0 && s.ladder { // the best level, which strategies ask for most, needs no walk
		l := s.slotLevel(s.bbest)
		l.Price ^= keyMask(side)
		return l, true
	}
	if i < s.m {
		l := s.cached(i)
		l.Price ^= keyMask(side)
		return l, true
	}
	return b.all(side)[i], true
}

// Len returns the number of levels on side.
func (b *Book) Len(side Side) int {
	if side > Ask {
		return 0
	}
	s := &b.sides[side]
	s.applyDeferred() // the count depends on which deferred updates insert or delete
	return s.n
}

// DepthQty returns the total quantity of the top n levels of side, or of the
// whole side if it has fewer than n levels. The sum is not checked for
// overflow: a book's total quantity fits in int64 by a wide margin. Like
// Level, it is fast within the cached top levels and sorts the side beyond.
func (b *Book) DepthQty(side Side, n int) int64 {
	if side > Ask || n <= 0 {
		return 0
	}
	s := &b.sides[side]
	if n > s.m && s.untidy() {
		s.tidy()
	}
	var sum int64
	if n > s.m && s.m < s.n {
		all := b.all(side)
		for _, l := range all[:min(n, len(all))] {
			sum += l.Qty
		}
		return sum
	}
	if !s.ladder {
		for _, l := range s.top[max(s.m-n, 0):s.m] {
			sum += l.Qty
		}
		return sum
	}
	return s.sumTop(min(n, s.m))
}

// AppendLevels appends the top n levels of side to dst, best first, and
// returns the extended slice. It is meant for printing and snapshots; it
// allocates only if dst lacks room, or to grow the buffer that levels beyond
// the cached top are sorted into, when a side outgrows it.
func (b *Book) AppendLevels(dst []Level, side Side, n int) []Level {
	if side > Ask || n <= 0 {
		return dst
	}
	s := &b.sides[side]
	if n > s.m && s.untidy() {
		s.tidy()
	}
	if n > s.m && s.m < s.n {
		all := b.all(side)
		return append(dst, all[:min(n, len(all))]...)
	}
	mask := keyMask(side)
	for i := range min(n, s.m) {
		l := s.cached(i)
		l.Price ^= mask
		dst = append(dst, l)
	}
	return dst
}

// DeferUpkeep, when on, makes Set and SetLevels leave for Tidy what cannot
// change the top of the book while the side is on a ladder: updates of the
// levels below the ladder (a third of the real updates, and the costlier
// ones: a hash table thousands of levels deep), and refilling a ladder that a
// large move left holding fewer than the best 32 levels of a deeper side (a
// pass over the whole side, tens of microseconds). A price-moving frame, the
// kind that makes a strategy send orders, is the kind that brings the most of
// both. So the engine turns this on, applies a frame, runs the strategy,
// sends its orders, and then calls Tidy. Meanwhile Best, Mid, Crossed and the
// cached levels answer at once, and any other read (Len, Level, DepthQty and
// AppendLevels beyond the cached levels) tidies first: Tidy is never needed
// for a right answer, only to keep the next updates and reads fast. A side
// without a ladder defers nothing: its top is in the table.
func (b *Book) DeferUpkeep(on bool) {
	for i := range b.sides {
		s := &b.sides[i]
		if !on {
			s.tidy()
		}
		s.deferUpkeep = on
	}
}

// warmBuckets is how many ladder buckets below the best Warm reads.
const warmBuckets = ladderSize / 4

// Warm reads the memory that the next updates near the top of the book will write:
// each side's ladder slots for warmBuckets buckets below its best, and its bitmap. It
// changes nothing, and returns a sum of what it read so that the reads are not optimized
// away. A feed that busy-polls calls it between frames (engine.Warm): on a shared
// machine the caches lose what the book used within milliseconds, and against the local
// exchange the book stage's median went from 5.3-6.3 us to 4.1-4.2 us with it.
func (b *Book) Warm() int64 {
	var sum int64
	for i := range b.sides {
		s := &b.sides[i]
		if !s.ladder {
			continue
		}
		// One read per cache line: a slot is 8 bytes.
		for k := uint64(0); k < warmBuckets; k += 8 {
			sum += int64(s.slots[(s.bbest-k)%ladderSize])
		}
		for _, w := range s.occ {
			sum += int64(w & 1)
		}
	}
	return sum
}

// Tidy does the upkeep DeferUpkeep left for later, if any.
func (b *Book) Tidy() {
	b.sides[Bid].tidy()
	b.sides[Ask].tidy()
}

// Crossed reports whether the best bid is at or above the best ask, both
// sides being present. A crossed book is stale or corrupt: a real market
// would have matched those orders.
func (b *Book) Crossed() bool {
	bid, okb := b.Best(Bid)
	ask, oka := b.Best(Ask)
	return okb && oka && bid.Price >= ask.Price
}

// Mid returns (best bid + best ask) / 2 in price units, truncated toward
// zero. It reports false if either side is empty.
func (b *Book) Mid() (int64, bool) {
	bid, okb := b.Best(Bid)
	ask, oka := b.Best(Ask)
	if !okb || !oka {
		return 0, false
	}
	// floor((p+q)/2) without overflowing int64, then toward zero like
	// integer division when the sum is negative and odd.
	p, q := bid.Price, ask.Price
	m := p&q + (p^q)>>1
	if m < 0 && (p^q)&1 != 0 {
		m++
	}
	return m, true
}

// SetSynced records whether the book is in sync with the exchange. Only the
// feed's sync machine calls it.
func (b *Book) SetSynced(ok bool) { b.synced = ok }

// Synced reports the flag last set by SetSynced.
func (b *Book) Synced() bool { return b.synced }

// Valid reports whether the book can be traded on: synced, both sides
// present, and not crossed.
func (b *Book) Valid() bool {
	return b.synced && b.sides[Bid].n > 0 && b.sides[Ask].n > 0 && !b.Crossed()
}

// SetUpdate records the last applied update: its exchange update id, its
// exchange event time and its local receive time, both in Unix nanoseconds.
func (b *Book) SetUpdate(id uint64, exchTime, localTime int64) {
	b.updateID, b.exchTime, b.localTime = id, exchTime, localTime
}

// UpdateID returns the id of the last applied update.
func (b *Book) UpdateID() uint64 { return b.updateID }

// ExchTime returns the exchange event time of the last applied update, in
// Unix nanoseconds.
func (b *Book) ExchTime() int64 { return b.exchTime }

// LocalTime returns the local receive time of the last applied update, in
// Unix nanoseconds.
func (b *Book) LocalTime() int64 { return b.localTime }
