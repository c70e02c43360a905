package backtest

import (
	"cmp"
	"slices"

	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/md"
	"github.com/nanotick/nanotick/orderbook"
)

// The simulated exchange's book without a book of its own.
//
// A replay keeps two books of each instrument: the engine's, at receive time, and the
// exchange's, at exchange time. Both replay the same applied events in the same order
// (md.Replay); the exchange only sees each event earlier, by the frame's feed latency.
// So the exchange's book is always the engine's book with the events the exchange has
// taken and the strategy not yet applied on top: the frames the replay holds between
// the head of its ring and the lane's exOff. Replaying every event on a second book is
// about a sixth of the replay's work, and the exchange reads most of it only at the
// top: whether the book is valid and its best prices (markouts, marks, crossing,
// touch), which the producer of the events (the decoding stage, on another core) reads
// off its own book and sends along with each event (decoded.setTop). The rare reads of
// depth (a new order's place in the queue, a taker's sweep, a snapshot's refresh) walk
// the engine's book merged with the pending events (levelIter).
//
// It holds only where the engine replays exactly the events the exchange takes: a run
// whose sources carry tops (providesTops), hand no frames, and whose books are no other
// run's (not in lockstep). A frame, an event without its top, or a malformed event
// that changes the book (the exchange skips it, the engine does not) ends it for the
// lane: its book is then built from the view (materialize) and kept as before.

// topsSource is an eventSource whose events that change the book carry its top.
type topsSource interface {
	providesTops() bool
}

// exView stands for an exchange's book (Exchange.view); the exchange's ownTop is the
// top of the book after the last event it took (decoded.top).
type exView struct {
	r    *replay
	ln   int               // the exchange's lane
	over []orderbook.Level // scratch of levelIter
}

// pending gathers side's levels of the events the exchange has taken and the engine
// has not (with the exchange's current event when inEvent), sorted best first, the
// last write of a price winning. fromSnapshot says a snapshot among them replaced the
// book: the engine's then counts for nothing.
func (v *exView) pending(side orderbook.Side, inEvent bool) (ov []orderbook.Level, fromSnapshot bool) {
	r := v.r
	end := r.lanes[v.ln].exOff
	if inEvent {
		end++
	}
	ov = v.over[:0]
	for i := 0; i < end; i++ {
		s := r.slotAt(i)
		if s.lane != v.ln || s.d.malformed() {
			continue
		}
		lv := r.levels(s)
		nb := int(s.d.nb)
		if side == orderbook.Bid {
			lv = lv[:nb]
		} else {
			lv = lv[nb:]
		}
		switch s.d.kind {
		case md.Snapshot:
			ov, fromSnapshot = append(ov[:0], lv...), true
		case md.Depth:
			if s.d.applied > 0 {
				ov = append(ov, lv...)
			}
		}
	}
	v.over = ov
	if len(ov) == 0 {
		return ov, fromSnapshot
	}
	slices.SortStableFunc(ov, func(a, b orderbook.Level) int {
		if side == orderbook.Bid {
			return cmp.Compare(b.Price, a.Price)
		}
		return cmp.Compare(a.Price, b.Price)
	})
	out := ov[:0]
	for k := range ov {
		if k+1 < len(ov) && ov[k+1].Price == ov[k].Price {
			continue // a later write of the same price
		}
		out = append(out, ov[k])
	}
	return out, fromSnapshot
}

// levelIter walks one side of the exchange's book from its best level.
type levelIter struct {
	side orderbook.Side
	book *orderbook.Book // the exchange's own, or the engine's under the pending events
	i    int             // book's next level
	// With a view: the pending levels and the next of them, and the book's next level.
	ov     []orderbook.Level
	oi     int
	view   bool
	bl     orderbook.Level
	blOK   bool
	noBook bool // a pending snapshot replaced book
}

// levels starts a walk of side of the exchange's book.
func (x *Exchange) levels(side orderbook.Side) levelIter {
	v := x.view
	if v == nil {
		return levelIter{side: side, book: x.book}
	}
	it := levelIter{side: side, view: true, book: v.r.eng.BookAt(instrument.Index(v.ln))}
	it.ov, it.noBook = v.pending(side, x.inEvent)
	if !it.noBook {
		it.bl, it.blOK = it.book.Level(side, 0)
		it.i = 1
	}
	return it
}

// next returns the next level, best first, and false after the last.
func (it *levelIter) next() (orderbook.Level, bool) {
	if !it.view {
		lv, ok := it.book.Level(it.side, it.i)
		it.i++
		return lv, ok
	}
	for {
		var cur orderbook.Level
		haveOv := it.oi < len(it.ov)
		switch {
		case haveOv && (!it.blOK || better(it.side, it.ov[it.oi].Price, it.bl.Price)):
			cur = it.ov[it.oi]
			it.oi++
		case haveOv && it.ov[it.oi].Price == it.bl.Price:
			cur = it.ov[it.oi] // the pending write replaces the book's level
			it.oi++
			it.advanceBook()
		case it.blOK:
			cur = it.bl
			it.advanceBook()
		default:
			return orderbook.Level{}, false
		}
		if cur.Qty > 0 { // a pending write of zero (or less) deleted the level
			return cur, true
		}
	}
}

func (it *levelIter) advanceBook() {
	it.bl, it.blOK = it.book.Level(it.side, it.i)
	it.i++
}

// better reports whether price a is better than b on side: higher for bids, lower for
// asks.
func better(side orderbook.Side, a, b int64) bool {
	if side == orderbook.Bid {
		return a > b
	}
	return a < b
}

// top is the top of the book d's event leaves, as the producer recorded it (setTop):
// the mid as orderbook.Book.Mid computes it.
func (d *decoded) top() bookTop {
	if d.flags&decValid == 0 {
		return bookTop{}
	}
	p, q := d.bid, d.ask
	m := p&q + (p^q)>>1
	if m < 0 && (p^q)&1 != 0 {
		m++
	}
	return bookTop{valid: true, bid: p, ask: q, mid: m}
}

// materialize gives the exchange a book of its own again, built from its view, and
// ends the view.
func (x *Exchange) materialize() {
	if x.view == nil {
		return
	}
	x.book.Clear()
	for side := orderbook.Bid; side <= orderbook.Ask; side++ {
		var all []orderbook.Level
		it := x.levels(side)
		for lv, ok := it.next(); ok; lv, ok = it.next() {
			all = append(all, lv)
		}
		x.book.SetLevels(side, all)
	}
	// The flag counts only through Valid, and every event that changes the book sets it
	// again: a book that was not valid stays so until then, synced or not.
	x.book.SetSynced(x.ownTop.valid)
	x.view = nil
}
