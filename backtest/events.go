package backtest

import (
	"errors"
	"fmt"
	"io"

	"github.com/nanotick/nanotick/backtest/records"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/md"
	"github.com/nanotick/nanotick/orderbook"
)

// Applied events: the backtester names no venue. Each instrument's frames are decoded
// and synced once, by the venue's own md.Feed (built by Config.Engine.NewFeed), into
// applied events (see md.Replay): what each frame did to the book, a trade, a mark.
// The simulated exchange keeps its book from those events, with no venue code. The
// decoding depends on the frames alone, not on anything the replay does, so it runs
// ahead: on the prefetching goroutine (another core), once for all the points of a
// sweep (Frames), or once for every later run (the event cache). The engine takes the
// events (engine.OnEventAt, which is OnFrameAt's path after the decoding: the same
// feed decoded the frame, on another goroutine), so no frame is decoded twice. Only a
// sequential run (Config.Prefetch off, RunSource) hands the engine the frames, to
// decode inside its tick as it does live; TestEveryReadingGivesTheSameReport holds
// the two paths to the same report.

// decoded is one frame's applied event, in a compact form with its levels taken out:
// its levels (bids, then asks) are kept beside it by whoever holds it, and the event
// is rebuilt over them (event).
//
// A prefetching goroutine writes the decoded frames on one core and the replay reads
// them on the other, so each cache line of a frame that the replay touches moves
// between the cores. So a decoded is small, 96 bytes where the md.Event it carries
// takes 152 (only the members of its kind are kept: the event cache keeps no more,
// and its runs give the same reports), and the fields the replay reads of every
// frame come first, within 32 bytes: flags, the exchange times and the event's kind.
// Most frames (a Binance recording's bookTickers) are idle (replay.idle), and the
// replay reads only these fields of them (TestDecodedLayout).
type decoded struct {
	flags uint8
	kind  md.Kind
	// status is the event's Status; aux is a trade's Aggressor or a mark's Fields.
	status md.Status
	aux    uint8
	inst   instrument.Index
	// e and t are the frame's exchange event time and transaction time (Unix ns),
	// when flags has hasE and hasT.
	e, t int64
	// exch and applied are the event's Exchange and Applied; nb and na count its
	// levels.
	exch    int64
	nb, na  int32
	applied int
	// num are the numbers of the event's kind: a trade's Price, Qty and Time, or a
	// mark's Price, Index, FundingRate and NextFunding.
	num [4]int64
	// bid and ask are the best prices of the book the event leaves, when flags has
	// decTop and decValid: the producer of the event read them off its own book (see
	// setTop), so that the simulated exchange needs none (see exView).
	bid, ask int64
}

// setEvent keeps ev in d, all but its levels: nb and na, which count them, are the
// caller's to set.
func (d *decoded) setEvent(ev *md.Event) {
	d.kind, d.status, d.inst, d.exch, d.applied = ev.Kind, ev.Status, ev.Instrument, ev.Exchange, ev.Applied
	d.aux, d.num = 0, [4]int64{}
	switch ev.Kind {
	case md.Trade:
		t := &ev.Trade
		d.aux, d.num = uint8(t.Aggressor), [4]int64{t.Price, t.Qty, t.Time}
	case md.Mark:
		m := &ev.Mark
		d.aux, d.num = m.Fields, [4]int64{m.Price, m.Index, m.FundingRate, m.NextFunding}
	}
}

const (
	decMalformed uint8 = 1 << iota // the feed failed to decode the frame
	decGap                         // the feed counted a gap in the venue's sequence
	decHasE
	decHasT
	decTop   // the event carries the top of the book it leaves (bid, ask, decValid)
	decValid // that book is valid (orderbook.Book.Valid); bid and ask are its best prices
)

// changesBook reports whether an event of kind k goes through md.Replay's book work.
func changesBook(k md.Kind) bool { return k == md.Depth || k == md.Snapshot || k == md.StatusChange }

// setTop records in d the top of the book d's event leaves when replayed, whose levels
// are b's: whether it is valid and, if so, its best prices. Replayed, the book is
// synced exactly when the event's status is Valid (md.Replay), whatever b's own flag
// says; the rest is orderbook.Book.Valid: both sides present and not crossed.
func (d *decoded) setTop(b *orderbook.Book) {
	d.flags |= decTop
	if d.status != md.Valid || b.Len(orderbook.Bid) == 0 || b.Len(orderbook.Ask) == 0 || b.Crossed() {
		return
	}
	bid, _ := b.Best(orderbook.Bid)
	ask, _ := b.Best(orderbook.Ask)
	d.flags |= decValid
	d.bid, d.ask = bid.Price, ask.Price
}

func (d *decoded) malformed() bool { return d.flags&decMalformed != 0 }
func (d *decoded) gap() bool       { return d.flags&decGap != 0 }

// exchTime returns the frame's exchange time as et says: its transaction time where
// it has one and et asks for it, else its event time.
func (d *decoded) exchTime(et ExchangeTime) (int64, bool) {
	if et == TimeTransaction && d.flags&decHasT != 0 {
		return d.t, true
	}
	return d.e, d.flags&decHasE != 0
}

// event rebuilds d's event into ev over its levels, lv[:nb+na].
func (d *decoded) event(ev *md.Event, lv []orderbook.Level) *md.Event {
	nb, n := int(d.nb), int(d.nb+d.na)
	*ev = md.Event{
		Kind: d.kind, Instrument: d.inst, Exchange: d.exch, Applied: d.applied, Status: d.status,
		Bids: lv[:nb:nb], Asks: lv[nb:n:n],
	}
	switch d.kind {
	case md.Trade:
		ev.Trade = md.PublicTrade{Price: d.num[0], Qty: d.num[1], Aggressor: orderbook.Side(d.aux), Time: d.num[2]}
	case md.Mark:
		ev.Mark = md.PerpMark{Price: d.num[0], Index: d.num[1], FundingRate: d.num[2], NextFunding: d.num[3], Fields: d.aux}
	}
	return ev
}

// eventDecoder turns one instrument's frames into applied events through the venue's
// feed, on a book of its own. Unless the feed declares that its events meet
// md.Replay's contract exactly (md.Exact: Binance's do), it checks every event
// against a replica book brought along by md.Replay alone: where a venue's feed did
// more to its book than the event says (it trimmed the book to a depth, it released
// buffered updates), the event is recorded as a snapshot of the whole book instead,
// so that replaying the events always builds the feed's book. The check costs a third
// book on the reading stage's core; for exact feeds it is a test-time assertion
// (TestExactFeedsNeedNoFix).
type eventDecoder struct {
	feed    md.Feed
	book    *orderbook.Book
	replica *orderbook.Book // nil when the feed is exact and nothing is checked
	gaps    uint64
	whole   []orderbook.Level
	cap     int // levels per side the books start with
	// noT skips looking for each frame's transaction time "T" (a scan of its first
	// 256 bytes): a run that takes the event time E as the exchange's never reads it.
	// Events kept for other runs (Frames, the cache) keep it.
	noT bool
	// tops records in each event that changes the book the top of the book it leaves
	// (decoded.setTop), for a replay whose exchange keeps no book (exView).
	tops bool
	// Fixes counts the events recorded as whole-book snapshots because replaying them
	// did not build the feed's book.
	fixes uint64
}

// eventBookCapacity is the levels per side of an event decoder's books, as the engine's.
const eventBookCapacity = 8192

// newEventDecoder returns a decoder of spec's frames through nf.
func newEventDecoder(nf md.NewFeed, spec *instrument.Spec, capacity int) (*eventDecoder, error) {
	if nf == nil {
		return nil, errors.New("backtest: no market-data feed constructor (Config.Engine.NewFeed, e.g. venues.NewFeed)")
	}
	if capacity <= 0 {
		capacity = eventBookCapacity
	}
	book := orderbook.New(capacity)
	f, err := nf(spec, book, md.Config{IgnoreTickers: true})
	if err != nil {
		return nil, fmt.Errorf("backtest: %w", err)
	}
	x := &eventDecoder{feed: f, book: book, cap: capacity}
	if e, ok := f.(md.Exact); !ok || !e.ExactEvents() {
		x.replica = orderbook.New(capacity)
	}
	return x, nil
}

// onlyFor makes x keep only the exchange times et reads.
func (x *eventDecoder) onlyFor(et ExchangeTime) *eventDecoder {
	x.noT = et != TimeTransaction
	return x
}

// checkAlways makes x check every event against a replica book even when its feed
// declares exact events: the tests' assertion that the declaration holds.
func (x *eventDecoder) checkAlways() {
	if x.replica == nil {
		x.replica = orderbook.New(x.cap)
	}
}

// decode decodes frame, received at local, into d, appending its levels to lv.
func (x *eventDecoder) decode(frame []byte, local int64, d *decoded, lv []orderbook.Level) []orderbook.Level {
	*d = decoded{}
	if e, ok := exchangeTime(frame, TimeEvent); ok {
		d.e, d.flags = e, d.flags|decHasE
	}
	if !x.noT {
		if t, ok := exchangeTime(frame, TimeTransaction); ok {
			d.t, d.flags = t, d.flags|decHasT
		}
	}
	ev, err := x.feed.Decode(frame)
	if err != nil {
		d.flags |= decMalformed
	}
	if ev.Kind == md.None {
		return lv
	}
	// Frames whose times are not where Binance puts them ("E", "T") carry them in the
	// venue's own fields, which the feed read.
	if d.flags&decHasE == 0 && ev.Exchange != 0 {
		d.e, d.flags = ev.Exchange, d.flags|decHasE
	}
	if d.flags&decHasT == 0 && ev.Kind == md.Trade && ev.Trade.Time != 0 {
		d.t, d.flags = ev.Trade.Time, d.flags|decHasT
	}
	switch ev.Kind {
	case md.Depth, md.Snapshot, md.StatusChange:
		_ = x.feed.Apply(local) // an event the feed could not apply changed nothing
		if g := x.feed.Counters().Gaps; g != x.gaps {
			x.gaps = g
			d.flags |= decGap
		}
	}
	d.setEvent(ev)
	// Only a depth batch that reached the book, or the whole book after a snapshot,
	// carries levels (a feed leaves the last batch's slices in its Event).
	var bids, asks []orderbook.Level
	switch {
	case ev.Kind == md.Snapshot || ev.Kind == md.Depth && ev.Applied > 1:
		bids, asks = x.wholeBook()
		d.kind = md.Snapshot
	case ev.Kind == md.Depth && ev.Applied == 1:
		bids, asks = ev.Bids, ev.Asks
	}
	if x.replica != nil {
		rep := d.event(&md.Event{}, nil)
		rep.Bids, rep.Asks = bids, asks
		md.Replay(x.replica, rep, local)
		if rep.Kind == md.Depth && rep.Applied == 1 && !sameTop(x.replica, x.book) {
			x.fixes++
			bids, asks = x.wholeBook()
			d.kind = md.Snapshot
			rep.Kind, rep.Bids, rep.Asks = md.Snapshot, bids, asks
			md.Replay(x.replica, rep, local)
		}
	}
	if x.tops && changesBook(d.kind) {
		if x.replica != nil {
			d.setTop(x.replica) // the replayed book, which the exchange's would be
		} else {
			d.setTop(x.book) // an exact feed's book is the replayed one
		}
	}
	d.nb, d.na = int32(len(bids)), int32(len(asks))
	lv = append(lv, bids...)
	return append(lv, asks...)
}

// wholeBook returns the feed's whole book, bids then asks, in a buffer reused by the
// next call.
func (x *eventDecoder) wholeBook() (bids, asks []orderbook.Level) {
	w := x.book.AppendLevels(x.whole[:0], orderbook.Bid, x.book.Len(orderbook.Bid))
	nb := len(w)
	w = x.book.AppendLevels(w, orderbook.Ask, x.book.Len(orderbook.Ask))
	x.whole = w
	return w[:nb:nb], w[nb:]
}

// sameTop reports whether two books agree on their depth and best levels: what a
// replayed event that missed part of the feed's work would get wrong.
func sameTop(a, b *orderbook.Book) bool {
	for s := orderbook.Bid; s <= orderbook.Ask; s++ {
		if a.Len(s) != b.Len(s) {
			return false
		}
		la, oka := a.Best(s)
		lb, okb := b.Best(s)
		if la != lb || oka != okb {
			return false
		}
	}
	return a.Synced() == b.Synced()
}

// eventSource is a stream of frames with their applied events, in local receive
// order. next returns io.EOF after the last; what it returns is valid until the next
// call. frame is nil when the source holds decoded events only (Frames, the cache):
// the engine then takes the event instead of decoding the frame.
type eventSource interface {
	next() (local int64, frame []byte, d *decoded, lv []orderbook.Level, err error)
}

// inlineEvents decodes a Source's frames on the replay's goroutine.
type inlineEvents struct {
	src Source
	dec *eventDecoder
	d   decoded
	lv  []orderbook.Level
}

func (s *inlineEvents) next() (int64, []byte, *decoded, []orderbook.Level, error) {
	local, frame, err := s.src.Next()
	if err != nil {
		return 0, nil, nil, nil, err
	}
	s.lv = s.dec.decode(frame, local, &s.d, s.lv[:0])
	return local, frame, &s.d, s.lv, nil
}

// Progress passes on the source's progress, if it reports any.
func (s *inlineEvents) Progress() (done, total int64) {
	if p, ok := s.src.(interface{ Progress() (done, total int64) }); ok {
		return p.Progress()
	}
	return 0, 0
}

// Records is recordings opened for reading (see records.Reader).
type Records = records.Reader

// OpenFunc opens recordings, read in order as one stream (see records.Open).
type OpenFunc = records.Open

var errNoOpen = errors.New("backtest: no way to open recordings (Config.Open, e.g. backtest/recorded.Open)")

// recordsSource is a Source over Records.
type recordsSource struct{ r Records }

func (s recordsSource) Next() (int64, []byte, error) { return s.r.Next() }
func (s recordsSource) Progress() (done, total int64) {
	return s.r.Progress()
}

var _ = io.EOF
