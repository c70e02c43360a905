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
// Each side is a slice sorted so that the best level is at the END: bids
// ascending by price, asks descending. Almost all updates on a live feed touch
// the top of the book, and at the end of a slice an insert or delete moves
// only the few levels above it. The position of a price is found by a short
// linear scan from the top, falling back to binary search for deep levels.
// This was chosen by measurement on recorded Binance data; the alternatives
// and the benchmark that compares them are in alt_test.go.
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

// linearScan is how many levels from the top Set scans one by one before it
// switches to binary search. Most updates land within it (see alt_test.go).
const linearScan = 16

// Book is an L2 order book. The zero value is not usable; call New.
type Book struct {
	// sides[Bid] is ascending by price, sides[Ask] descending: the best
	// level of each side is its last element.
	sides [2][]Level

	synced    bool
	updateID  uint64
	exchTime  int64
	localTime int64
}

// New returns an empty book with room for capacityPerSide levels on each
// side. A side that outgrows its capacity is reallocated to twice the size:
// amortized growth, which never happens again once the book has reached its
// working depth. A negative capacity is treated as zero.
func New(capacityPerSide int) *Book {
	capacityPerSide = max(capacityPerSide, 0)
	return &Book{sides: [2][]Level{
		make([]Level, 0, capacityPerSide),
		make([]Level, 0, capacityPerSide),
	}}
}

// Set sets the quantity at price on side. A quantity of zero deletes the
// level; deleting an absent level is a no-op. A negative quantity cannot rest
// in a book and is treated as zero, so it deletes the level too.
// An unknown side (neither Bid nor Ask) is ignored.
func (b *Book) Set(side Side, price, qty int64) {
	if side > Ask {
		return
	}
	lv := b.sides[side]
	i, found := search(lv, side, price)
	switch {
	case qty <= 0:
		if found {
			b.sides[side] = append(lv[:i], lv[i+1:]...)
		}
	case found:
		lv[i].Qty = qty
	default:
		// append grows lv when it is full; copy then shifts the levels
		// above i, which are few because i is usually near the top.
		lv = append(lv, Level{})
		copy(lv[i+1:], lv[i:])
		lv[i] = Level{price, qty}
		b.sides[side] = lv
	}
}

// search returns the index at which price is or would be inserted in lv,
// which is sorted with the best level last, and whether it is there.
func search(lv []Level, side Side, price int64) (int, bool) {
	// below reports whether level l sorts before (is worse than) price.
	below := func(l int64) bool {
		if side == Bid {
			return l < price
		}
		return l > price
	}
	n := len(lv)
	stop := max(n-linearScan, 0)
	for i := n - 1; i >= stop; i-- {
		if p := lv[i].Price; !below(p) {
			if p == price {
				return i, true
			}
			continue
		}
		return i + 1, false
	}
	// Binary search in lv[:stop]: find the first level not below price.
	lo, hi := 0, stop
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if below(lv[m].Price) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, lo < stop && lv[lo].Price == price
}

// Clear removes every level and resets the sync status and the update
// metadata to those of a new book. It keeps the capacity.
func (b *Book) Clear() {
	b.sides[Bid] = b.sides[Bid][:0]
	b.sides[Ask] = b.sides[Ask][:0]
	b.synced = false
	b.updateID, b.exchTime, b.localTime = 0, 0, 0
}

// Best returns the best level of side: the highest bid or the lowest ask.
// It reports false if the side is empty.
func (b *Book) Best(side Side) (Level, bool) {
	return b.Level(side, 0)
}

// Level returns the i-th level of side counting from the top, 0 being the
// best. It reports false if i is out of range.
func (b *Book) Level(side Side, i int) (Level, bool) {
	if side > Ask {
		return Level{}, false
	}
	lv := b.sides[side]
	if i < 0 || i >= len(lv) {
		return Level{}, false
	}
	return lv[len(lv)-1-i], true
}

// Len returns the number of levels on side.
func (b *Book) Len(side Side) int {
	if side > Ask {
		return 0
	}
	return len(b.sides[side])
}

// DepthQty returns the total quantity of the top n levels of side, or of the
// whole side if it has fewer than n levels. The sum is not checked for
// overflow: a book's total quantity fits in int64 by a wide margin.
func (b *Book) DepthQty(side Side, n int) int64 {
	if side > Ask || n <= 0 {
		return 0
	}
	lv := b.sides[side]
	var sum int64
	for i := len(lv) - 1; i >= max(len(lv)-n, 0); i-- {
		sum += lv[i].Qty
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
	lv := b.sides[side]
	for i := len(lv) - 1; i >= max(len(lv)-n, 0); i-- {
		dst = append(dst, lv[i])
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
	return b.synced && len(b.sides[Bid]) > 0 && len(b.sides[Ask]) > 0 && !b.Crossed()
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
