// Package orderbook owns the local L2 order book of one instrument: the
// aggregated quantity at each price on each side, plus the sync status the
// feed writes and risk and strategy read.
//
// Prices and quantities are fixed-point int64 units in the instrument's
// scales (see package fixed); the book never parses, rounds or converts them.
// The book must never allocate on the hot path: New preallocates, and Set,
// Best, Level, DepthQty, Crossed and Mid allocate nothing in steady state.
// A Book is not safe for concurrent use; it belongs to the goroutine that
// applies the feed.
//
// Each side is a short list of sorted chunks of at most chunkSize levels
// each, a two-level B+tree: the best level is the last of the last chunk, so
// Best and Crossed are O(1), and an insert or delete shifts the levels of one
// chunk only, whatever the depth. The recorded Binance feeds need this: most
// updates land tens to thousands of levels below the top, where a flat sorted
// array pays a long shift on every insert and delete. The measurement and the
// structures that lost are in alt_test.go.
package orderbook

import "strconv"

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

// chunkSize is the most levels a chunk holds. Smaller chunks make the
// search over chunks longer, larger ones make every shift longer; on the
// recordings 32, 64 and 128 measured the same within noise (see
// BenchmarkApplyRealDepth), and 64 levels make a chunk 1 KiB.
const chunkSize = 64

// Book is an L2 order book. The zero value is not usable; call New.
type Book struct {
	sides [2]bookSide
	free  [][]Level // empty chunks with capacity chunkSize, for reuse

	synced    bool
	updateID  uint64
	exchTime  int64
	localTime int64
}

// bookSide is one side of the book.
type bookSide struct {
	// chunks is ordered from the worst prices to the best, and each chunk
	// from its worst level to its best. No chunk is empty.
	chunks [][]Level
	n      int // total levels
}

// New returns an empty book with room for capacityPerSide levels on each
// side. A side that outgrows its capacity allocates more chunks: amortized
// growth, which stops once the book has reached its working depth, because
// chunks emptied by deletes are kept for reuse. A negative capacity is
// treated as zero.
func New(capacityPerSide int) *Book {
	// Chunks are split in halves, so a side needs up to one chunk per
	// chunkSize/2 levels, and one for the remainder.
	perSide := max(capacityPerSide, 0)/(chunkSize/2) + 1
	b := &Book{free: make([][]Level, 2*perSide)}
	levels := make([]Level, 2*perSide*chunkSize)
	for i := range b.free {
		b.free[i] = levels[i*chunkSize : i*chunkSize : (i+1)*chunkSize]
	}
	for s := range b.sides {
		b.sides[s].chunks = make([][]Level, 0, perSide)
	}
	return b
}

// better reports whether price a is better than price b on side: higher
// for bids, lower for asks.
func better(side Side, a, b int64) bool {
	if side == Bid {
		return a > b
	}
	return a < b
}

// Set sets the quantity at price on side. A quantity of zero deletes the
// level; deleting an absent level is a no-op. A negative quantity cannot rest
// in a book and is treated as zero, so it deletes the level too.
// An unknown side (neither Bid nor Ask) is ignored.
func (b *Book) Set(side Side, price, qty int64) {
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
func (s *bookSide) chunkFor(side Side, price int64) int {
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
func (b *Book) merge(s *bookSide, k int) {
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
func (b *Book) chunk() []Level {
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
func (b *Book) Clear() {
	for i := range b.sides {
		s := &b.sides[i]
		b.free = append(b.free, s.chunks...)
		clear(s.chunks) // the free list owns them now
		s.chunks, s.n = s.chunks[:0], 0
	}
	b.synced = false
	b.updateID, b.exchTime, b.localTime = 0, 0, 0
}

// Best returns the best level of side: the highest bid or the lowest ask.
// It reports false if the side is empty.
func (b *Book) Best(side Side) (Level, bool) {
	if side > Ask || len(b.sides[side].chunks) == 0 {
		return Level{}, false
	}
	chunks := b.sides[side].chunks
	top := chunks[len(chunks)-1]
	return top[len(top)-1], true
}

// Level returns the i-th level of side counting from the top, 0 being the
// best. It reports false if i is out of range. It walks the chunks from the
// top, so it costs O(i/chunkSize).
func (b *Book) Level(side Side, i int) (Level, bool) {
	if side > Ask || i < 0 || i >= b.sides[side].n {
		return Level{}, false
	}
	chunks := b.sides[side].chunks
	for k := len(chunks) - 1; ; k-- {
		if c := chunks[k]; i < len(c) {
			return c[len(c)-1-i], true
		} else {
			i -= len(c)
		}
	}
}

// Len returns the number of levels on side.
func (b *Book) Len(side Side) int {
	if side > Ask {
		return 0
	}
	return b.sides[side].n
}

// DepthQty returns the total quantity of the top n levels of side, or of the
// whole side if it has fewer than n levels. The sum is not checked for
// overflow: a book's total quantity fits in int64 by a wide margin.
func (b *Book) DepthQty(side Side, n int) int64 {
	if side > Ask {
		return 0
	}
	var sum int64
	chunks := b.sides[side].chunks
	for k := len(chunks) - 1; k >= 0 && n > 0; k-- {
		c := chunks[k]
		for i := len(c) - 1; i >= 0 && n > 0; i-- {
			sum += c[i].Qty
			n--
		}
	}
	return sum
}

// AppendLevels appends the top n levels of side to dst, best first, and
// returns the extended slice. It is meant for printing and snapshots; it
// allocates only if dst lacks room.
func (b *Book) AppendLevels(dst []Level, side Side, n int) []Level {
	if side > Ask {
		return dst
	}
	chunks := b.sides[side].chunks
	for k := len(chunks) - 1; k >= 0 && n > 0; k-- {
		c := chunks[k]
		for i := len(c) - 1; i >= 0 && n > 0; i-- {
			dst = append(dst, c[i])
			n--
		}
	}
	return dst
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
