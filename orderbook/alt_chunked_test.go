package orderbook

// This file keeps the two-level B+tree of sorted chunks that was Book
// before the hash and top cache replaced it, as a measured alternative in
// BenchmarkApplyRealDepth: see the table in alt_test.go.

// better reports whether price a is better than price b on side: higher
// for bids, lower for asks.
func better(side Side, a, b int64) bool {
	if side == Bid {
		return a > b
	}
	return a < b
}

// chunkSize is the most levels a chunk holds. Smaller chunks make the
// search over chunks longer, larger ones make every shift longer; on the
// recordings 32, 64 and 128 measured the same within noise (see
// BenchmarkApplyRealDepth), and 64 levels make a chunk 1 KiB.
const chunkSize = 64

// chunked is the two-level B+tree that was Book until 2026-11-21.
type chunked struct {
	sides [2]chunkedSide
	free  [][]Level // empty chunks with capacity chunkSize, for reuse
}

// chunkedSide is one side of the book.
type chunkedSide struct {
	// chunks is ordered from the worst prices to the best, and each chunk
	// from its worst level to its best. No chunk is empty.
	chunks [][]Level
	n      int // total levels
}

// newChunked returns an empty book with room for capacityPerSide levels on each
// side. A side that outgrows its capacity allocates more chunks: amortized
// growth, which stops once the book has reached its working depth, because
// chunks emptied by deletes are kept for reuse. A negative capacity is
// treated as zero.
func newChunked(capacityPerSide int) *chunked {
	// Chunks are split in halves, so a side needs up to one chunk per
	// chunkSize/2 levels, and one for the remainder.
	perSide := max(capacityPerSide, 0)/(chunkSize/2) + 1
	b := &chunked{free: make([][]Level, 2*perSide)}
	levels := make([]Level, 2*perSide*chunkSize)
	for i := range b.free {
		b.free[i] = levels[i*chunkSize : i*chunkSize : (i+1)*chunkSize]
	}
	for s := range b.sides {
		b.sides[s].chunks = make([][]Level, 0, perSide)
	}
	return b
}

// Set sets the quantity at price on side. A quantity of zero deletes the
// level; deleting an absent level is a no-op. A negative quantity cannot rest
// in a book and is treated as zero, so it deletes the level too.
// An unknown side (neither Bid nor Ask) is ignored.
func (b *chunked) Set(side Side, price, qty int64) {
	if side > Ask {
		return
	}
	s := &b.sides[side]
	if len(s.chunks) == 0 {
		if qty > 0 {
			s.chunks = append(s.chunks, append(b.chunk(), Level{price, qty}))
			s.n = 1
		}
		return
	}
	k := s.chunkFor(side, price)
	lv := s.chunks[k]
	// i is the first level of the chunk not worse than price.
	lo, hi := 0, len(lv)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if better(side, price, lv[m].Price) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	i, found := lo, lo < len(lv) && lv[lo].Price == price
	switch {
	case qty <= 0:
		if found {
			s.chunks[k] = append(lv[:i], lv[i+1:]...)
			s.n--
			b.merge(s, k)
		}
	case found:
		lv[i].Qty = qty
	default:
		if len(lv) == chunkSize {
			// Split: the better half moves to a new chunk above k.
			upper := append(b.chunk(), lv[chunkSize/2:]...)
			lv = lv[:chunkSize/2]
			s.chunks = append(s.chunks, nil)
			copy(s.chunks[k+2:], s.chunks[k+1:])
			s.chunks[k], s.chunks[k+1] = lv, upper
			if i > chunkSize/2 {
				k, i, lv = k+1, i-chunkSize/2, upper
			}
		}
		lv = append(lv, Level{})
		copy(lv[i+1:], lv[i:])
		lv[i] = Level{price, qty}
		s.chunks[k] = lv
		s.n++
	}
}

// chunkFor returns the index of the chunk that holds price or would hold it:
// the last chunk whose worst level is not better than price, or the first
// chunk if price is worse than every level. s must have a chunk.
func (s *chunkedSide) chunkFor(side Side, price int64) int {
	top := len(s.chunks) - 1
	if !better(side, s.chunks[top][0].Price, price) {
		return top // near the top of the book: the common case on a live feed
	}
	// Binary search in chunks[:top] for the first chunk whose worst level
	// is better than price; the one before it is the answer.
	lo, hi := 0, top
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if better(side, s.chunks[m][0].Price, price) {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return max(lo-1, 0)
}

// merge keeps the chunks of s from fragmenting after a delete from chunk k:
// an emptied chunk is freed, and a small chunk is merged with a neighbour
// when the two fit in half a chunk. Without it, deletes could leave many
// near-empty chunks and slow down the search over chunks.
func (b *chunked) merge(s *chunkedSide, k int) {
	if len(s.chunks[k]) == 0 {
		b.free = append(b.free, s.chunks[k])
		s.chunks = append(s.chunks[:k], s.chunks[k+1:]...)
		return
	}
	if len(s.chunks[k]) >= chunkSize/4 || len(s.chunks) < 2 {
		return
	}
	// Merge chunk j into the chunk below it, j-1, whose levels are worse.
	j := max(k, 1)
	lower, upper := s.chunks[j-1], s.chunks[j]
	if len(lower)+len(upper) > chunkSize/2 {
		return
	}
	s.chunks[j-1] = append(lower, upper...)
	b.free = append(b.free, upper)
	s.chunks = append(s.chunks[:j], s.chunks[j+1:]...)
}

// chunk returns an empty chunk, from the free list if it has one.
func (b *chunked) chunk() []Level {
	n := len(b.free)
	if n == 0 {
		return make([]Level, 0, chunkSize) // growth beyond the capacity
	}
	c := b.free[n-1]
	b.free = b.free[:n-1]
	return c[:0]
}

// Clear removes every level and resets the sync status and the update
// metadata to those of a new book. It keeps the capacity.
func (b *chunked) Clear() {
	for i := range b.sides {
		s := &b.sides[i]
		b.free = append(b.free, s.chunks...)
		clear(s.chunks) // the free list owns them now
		s.chunks, s.n = s.chunks[:0], 0
	}
}

// Best returns the best level of side.
func (b *chunked) Best(side Side) (Level, bool) {
	if len(b.sides[side].chunks) == 0 {
		return Level{}, false
	}
	chunks := b.sides[side].chunks
	top := chunks[len(chunks)-1]
	return top[len(top)-1], true
}

func (b *chunked) appendLevels(dst []Level, side Side) []Level {
	chunks := b.sides[side].chunks
	for k := len(chunks) - 1; k >= 0; k-- {
		c := chunks[k]
		for i := len(c) - 1; i >= 0; i-- {
			dst = append(dst, c[i])
		}
	}
	return dst
}
