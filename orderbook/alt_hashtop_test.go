package orderbook

// This file keeps hashTop, the hash table of every level plus a sorted array
// caching the top levels, which was Book before the ladder replaced the
// sorted array (see the table in alt_test.go). It shares the constants and
// helpers of book.go.

import (
	"math/bits"
	"slices"
)

// hashTop is the hash table and sorted top cache.
type hashTop struct {
	sides [2]hashTopSide
}

// hashTopSide is one side of the book. It stores keys, not prices: the key of
// a bid is its price and the key of an ask is ^price, so that on both sides
// a better level has a greater key and the code has no branch on the side.
// ^ rather than unary minus, which would overflow on math.MinInt64.
type hashTopSide struct {
	// table is an open-addressing hash table with linear probing of every
	// level of the side, Price holding the key; a slot with Qty 0 is empty.
	// Its length is a power of two, at least twice n.
	table []Level
	shift uint // 64 - log2(len(table)), for the multiplicative hash
	n     int  // levels in table

	// top holds the best m levels of the side, by ascending key: best last,
	// so that inserting or deleting at the best shifts nothing. Every level
	// of the table not in top[:m] has a smaller key than top[0]. m is at
	// least min(n, topLow).
	top []Level
	m   int

	// sorted is all levels of the side, best first, with real prices, when
	// sortedOK: the slow path of Level, DepthQty and AppendLevels beyond the
	// top cache, rebuilt on demand after any change.
	sorted   []Level
	sortedOK bool
}

// New returns an empty book with room for capacityPerSide levels on each
// side. A side that outgrows its capacity allocates a table twice as large:
// amortized growth, which stops once the book has reached its working depth,
// because Clear keeps the tables. A negative capacity is treated as zero.
func newHashTop(capacityPerSide int) *hashTop {
	c := max(capacityPerSide, 0)
	b := &hashTop{}
	for i := range b.sides {
		s := &b.sides[i]
		s.setTable(make([]Level, tableSize(c)))
		s.top = make([]Level, topCap)
		s.sorted = make([]Level, 0, c)
	}
	return b
}

func (s *hashTopSide) setTable(t []Level) {
	s.table = t
	s.shift = uint(64 - bits.TrailingZeros(uint(len(t))))
}

// home returns the slot where key's probe sequence starts: Fibonacci
// hashing, whose top bits spread an arithmetic progression of prices (a tick
// grid) evenly over the table.
func (s *hashTopSide) home(key int64) int {
	return int((uint64(key) * 0x9E3779B97F4A7C15) >> s.shift)
}

// lookup returns the slot holding key and true, or the empty slot where
// key would be inserted and false.
func (s *hashTopSide) lookup(key int64) (int, bool) {
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
func (s *hashTopSide) remove(i int) {
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
func (s *hashTopSide) grow() {
	old := s.table
	s.setTable(make([]Level, 2*len(old)))
	for _, e := range old {
		if e.Qty != 0 {
			i, _ := s.lookup(e.Price)
			s.table[i] = e
		}
	}
}

// Set sets the quantity at price on side. A quantity of zero deletes the
// level; deleting an absent level is a no-op. A negative quantity cannot rest
// in a book and is treated as zero, so it deletes the level too.
// An unknown side (neither Bid nor Ask) is ignored.
func (b *hashTop) Set(side Side, price, qty int64) {
	if side > Ask {
		return
	}
	s := &b.sides[side]
	key := price ^ keyMask(side)
	i, found := s.lookup(key)
	switch {
	case qty <= 0:
		if found {
			s.delete(i, key)
		}
	case found:
		s.table[i].Qty = qty
		s.sortedOK = false
		if s.m > 0 && key >= s.top[0].Price {
			s.top[s.find(key)].Qty = qty
		}
	default:
		s.insert(i, key, qty)
	}
}

// insert adds key, absent from the side, at the empty slot i.
func (s *hashTopSide) insert(i int, key, qty int64) {
	s.sortedOK = false
	if 2*(s.n+1) > len(s.table) {
		s.grow()
		i, _ = s.lookup(key)
	}
	s.table[i] = Level{key, qty}
	complete := s.m == s.n // the cache holds the whole side
	s.n++
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
		if j -= h; j < 0 {
			return // the new level is among the dropped
		}
	}
	copy(top[j+1:s.m+1], top[j:s.m])
	top[j] = Level{key, qty}
	s.m++
}

// delete removes key, present at slot i.
func (s *hashTopSide) delete(i int, key int64) {
	s.sortedOK = false
	s.remove(i)
	s.n--
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
func (s *hashTopSide) above(key int64) int {
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
func (s *hashTopSide) find(key int64) int { return s.above(key) }

// refill rebuilds the top cache with the best topRefill levels of the
// table: a min-heap of that many keys, one pass over the table, then a sort.
func (s *hashTopSide) refill() {
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
	s.m = len(h)
}

// all returns every level of side, best first: the slow path for reads
// beyond the top cache. It sorts the table into a buffer reused until the
// side changes, which allocates only when the side has outgrown the buffer.
func (b *hashTop) all(side Side) []Level {
	s := &b.sides[side]
	if !s.sortedOK {
		all := s.sorted[:0]
		for _, e := range s.table {
			if e.Qty != 0 {
				all = append(all, e)
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
func (b *hashTop) Clear() {
	for i := range b.sides {
		s := &b.sides[i]
		clear(s.table)
		s.n, s.m, s.sortedOK = 0, 0, false
	}
}

// Best returns the best level of side: the highest bid or the lowest ask.
// It reports false if the side is empty.
func (b *hashTop) Best(side Side) (Level, bool) {
	if side > Ask {
		return Level{}, false
	}
	s := &b.sides[side]
	if s.m == 0 {
		return Level{}, false
	}
	l := s.top[s.m-1]
	l.Price ^= keyMask(side)
	return l, true
}

// Level returns the i-th level of side counting from the top, 0 being the
// best. It reports false if i is out of range. The top levels (at least 32)
// are an array lookup; deeper ones sort the side once per change of it.
func (b *hashTop) Level(side Side, i int) (Level, bool) {
	if side > Ask || i < 0 || i >= b.sides[side].n {
		return Level{}, false
	}
	s := &b.sides[side]
	if i < s.m {
		l := s.top[s.m-1-i]
		l.Price ^= keyMask(side)
		return l, true
	}
	return b.all(side)[i], true
}

// Len returns the number of levels on side.
func (b *hashTop) Len(side Side) int {
	if side > Ask {
		return 0
	}
	return b.sides[side].n
}

// DepthQty returns the total quantity of the top n levels of side, or of the
// whole side if it has fewer than n levels. The sum is not checked for
// overflow: a book's total quantity fits in int64 by a wide margin.
func (b *hashTop) DepthQty(side Side, n int) int64 {
	if side > Ask || n <= 0 {
		return 0
	}
	s := &b.sides[side]
	var sum int64
	if n > s.m && s.m < s.n {
		all := b.all(side)
		for _, l := range all[:min(n, len(all))] {
			sum += l.Qty
		}
		return sum
	}
	for _, l := range s.top[max(s.m-n, 0):s.m] {
		sum += l.Qty
	}
	return sum
}

// AppendLevels appends the top n levels of side to dst, best first, and
// returns the extended slice. It is meant for printing and snapshots; it
// allocates only if dst lacks room.
func (b *hashTop) AppendLevels(dst []Level, side Side, n int) []Level {
	if side > Ask || n <= 0 {
		return dst
	}
	s := &b.sides[side]
	if n > s.m && s.m < s.n {
		all := b.all(side)
		return append(dst, all[:min(n, len(all))]...)
	}
	mask := keyMask(side)
	for i := s.m - 1; i >= max(s.m-n, 0); i-- {
		l := s.top[i]
		l.Price ^= mask
		dst = append(dst, l)
	}
	return dst
}

func (b *hashTop) appendLevels(dst []Level, side Side) []Level {
	return b.AppendLevels(dst, side, b.Len(side))
}
