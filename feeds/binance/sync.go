package binance

import (
	"errors"
	"strconv"

	"github.com/nanotick/nanotick/md"
	"github.com/nanotick/nanotick/orderbook"
)

// The rules Sync implements are Binance's "How to manage a local order book
// correctly", as published today (looked up 2026-11; the spot text was
// corrected on 2025-11-12, binance/binance-spot-api-docs pull 383):
//
// Spot (web-socket-streams.md, "Diff. Depth Stream"): buffer the events,
// noting the U of the first; get a snapshot; if its lastUpdateId is older
// than that U, fetch it again; discard buffered events with
// u <= lastUpdateId; then, for every event, ignore it if u <= the book's
// update id, and if U > the book's update id + 1 "something went wrong":
// discard the book and start again. So the first applied event bridges
// (U <= lastUpdateId+1 <= u) and each later one continues the previous
// (U == previous u + 1; an event overlapping the book, U <= id < u, is
// applied as the procedure says).
//
// USD-M futures (developers.binance.com/docs/derivatives/usds-margined-futures/
// websocket-market-streams/How-to-manage-a-local-order-book-correctly): drop
// events with u < lastUpdateId; the first processed event has
// U <= lastUpdateId <= u; afterwards each event's pu equals the previous
// event's u, otherwise initialize again from the snapshot step. Futures update
// ids are not contiguous between events, which is why pu exists. An event
// with u <= the book's id is a duplicate and is ignored, as on spot.
//
// A snapshot "older than the buffered events" is detected by the first event
// not dropped failing to bridge it: its U is past lastUpdateId+1 (spot) or
// lastUpdateId (futures), so the updates in between are lost and no later
// event can bring them back. This is the spot text's "lastUpdateId < U"
// check made exact: a first U of exactly lastUpdateId+1 bridges and needs
// no new snapshot.

// SyncState is where a Sync stands in the procedure.
type SyncState uint8

// The states of a Sync. The book is offered as valid only in Live.
const (
	// WaitingSnapshot buffers depth events until the first snapshot.
	WaitingSnapshot SyncState = iota
	// Syncing has loaded a snapshot and waits for the event that bridges it.
	Syncing
	// Live applies each event that continues the sequence.
	Live
	// NeedResync has lost the sequence (a gap or a stale snapshot): it
	// buffers events again until a new snapshot arrives.
	NeedResync
)

var stateNames = [...]string{"waiting-snapshot", "syncing", "live", "need-resync"}

// String returns the state's name, e.g. "need-resync".
func (s SyncState) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "SyncState(" + strconv.Itoa(int(s)) + ")"
}

// Counters are what a Sync (and a Feed, for Malformed) has seen: the venue-neutral
// md.Counters, whose fields Binance fills in all of.
type Counters = md.Counters

// SyncConfig bounds the pending buffer and hooks into every applied event.
type SyncConfig struct {
	// MaxPending is how many depth events are buffered before a snapshot;
	// 0 means 1024 (over 100 s of a 100ms stream).
	MaxPending int
	// MaxPendingLevels bounds the levels of all buffered events together;
	// 0 means 256 per pending event.
	MaxPendingLevels int
	// OnApply, if set, is called after each depth event is applied (from
	// the buffer or live), with the book in its new state.
	OnApply func(*orderbook.Book)
}

// pending is a buffered depth event; its levels are arena[off:off+nb+na],
// bids first.
type pending struct {
	first, final, prev uint64
	hasPrev            bool
	exch, local        int64
	off, nb, na        int
}

// Sync keeps one book in sync with Binance diff depth events and REST
// snapshots. All its storage is allocated by NewSync: buffering, applying
// and resyncing allocate nothing (the book may grow once to its working
// depth). A Sync is not safe for concurrent use.
type Sync struct {
	venue Venue
	book  *orderbook.Book
	cfg   SyncConfig
	state SyncState
	last  uint64 // the book's update id: the snapshot's, then each applied u
	pend  []pending
	arena []orderbook.Level
	c     Counters
}

// ErrNoPrev is returned by OnDepth for a futures depth event without pu:
// without it the sequence cannot be checked, so the event is not applied.
var ErrNoPrev = errors.New(`binance: futures depthUpdate without "pu"`)

// NewSync returns a Sync for venue that writes into book, waiting for its
// first snapshot. The book is marked out of sync.
func NewSync(venue Venue, book *orderbook.Book, cfg SyncConfig) *Sync {
	if cfg.MaxPending <= 0 {
		cfg.MaxPending = 1024
	}
	if cfg.MaxPendingLevels <= 0 {
		cfg.MaxPendingLevels = 256 * cfg.MaxPending
	}
	s := &Sync{
		venue: venue,
		book:  book,
		cfg:   cfg,
		pend:  make([]pending, 0, cfg.MaxPending),
		arena: make([]orderbook.Level, 0, cfg.MaxPendingLevels),
	}
	book.SetSynced(false)
	return s
}

// State returns the current state.
func (s *Sync) State() SyncState { return s.state }

// NeedSnapshot reports whether the caller must fetch a REST depth snapshot
// and pass it to OnSnapshot: before the first one, and after any loss of
// sequence. Depth events keep being buffered meanwhile.
func (s *Sync) NeedSnapshot() bool { return s.state == WaitingSnapshot || s.state == NeedResync }

// Counters returns the counters so far.
func (s *Sync) Counters() Counters { return s.c }

// Book returns the book the Sync writes into.
func (s *Sync) Book() *orderbook.Book { return s.book }

// LastUpdateID returns the update id the book reflects: the last applied u,
// or the snapshot's lastUpdateId before the first event is applied.
func (s *Sync) LastUpdateID() uint64 { return s.last }

// Pending returns how many depth events are buffered.
func (s *Sync) Pending() int { return len(s.pend) }

// Reset discards the buffer and returns to WaitingSnapshot, as after a
// reconnect: nothing received before it can be trusted to connect to what
// comes after. Counters are kept.
func (s *Sync) Reset() {
	s.pend, s.arena = s.pend[:0], s.arena[:0]
	s.state = WaitingSnapshot
	s.book.SetSynced(false)
}

// OnDepth takes one depth event received at local (ns). Before a snapshot
// (and after losing sequence) it is buffered; otherwise it is applied,
// dropped as already covered, or, if it does not continue the sequence,
// it marks the book out of sync and is buffered for the next snapshot.
func (s *Sync) OnDepth(d *DepthUpdate, local int64) error {
	if s.venue == USDM && !d.HasPrev {
		return ErrNoPrev
	}
	p := pending{first: d.First, final: d.Final, prev: d.Prev, hasPrev: d.HasPrev, exch: d.EventTime, local: local}
	switch s.state {
	case WaitingSnapshot, NeedResync:
		s.buffer(&p, d.Bids, d.Asks)
		return nil
	}
	switch s.step(&p) {
	case drop:
		s.c.Dropped++
	case apply:
		s.apply(&p, d.Bids, d.Asks)
	default:
		s.buffer(&p, d.Bids, d.Asks)
	}
	return nil
}

// OnSnapshot loads a REST depth snapshot received at local (ns) into the
// book and replays the buffered events against it. Buffered events applied
// here stamp the book with local, not their own earlier receive time.
func (s *Sync) OnSnapshot(snap *Snapshot, local int64) {
	s.c.Snapshots++
	b := s.book
	b.Clear()
	b.SetLevels(orderbook.Bid, snap.Bids)
	b.SetLevels(orderbook.Ask, snap.Asks)
	b.SetUpdate(snap.LastUpdateID, snap.EventTime*1e6, local)
	b.SetSynced(false)
	s.last = snap.LastUpdateID
	s.state = Syncing
	for k := range s.pend {
		p := &s.pend[k]
		switch s.step(p) {
		case drop:
			s.c.Dropped++
		case apply:
			// The book this event produces exists only from the
			// snapshot's arrival on: stamp it then, so that a replay
			// never shows it earlier than a live feed could have.
			p.local = max(p.local, local)
			lv := s.arena[p.off : p.off+p.nb+p.na]
			s.apply(p, lv[:p.nb], lv[p.nb:])
		default:
			// Out of sync again: keep this event and the rest for
			// the next snapshot.
			s.compact(k)
			return
		}
	}
	s.pend, s.arena = s.pend[:0], s.arena[:0]
}

type action uint8

const (
	drop action = iota
	apply
	lost // sequence lost; step has already updated state and counters
)

// step decides what to do with event p given the book's update id, and on
// a loss of sequence moves to NeedResync and counts it.
func (s *Sync) step(p *pending) action {
	if p.final <= s.last && !(s.venue == USDM && s.state == Syncing && p.final == s.last) {
		// Already in the book. For futures the bridging event may end
		// exactly at lastUpdateId (u >= lastUpdateId) and is applied.
		return drop
	}
	var ok bool
	switch {
	case s.venue == Spot:
		ok = p.first <= s.last+1
	case s.state == Syncing:
		ok = p.first <= s.last
	default:
		ok = p.prev == s.last
	}
	if ok {
		return apply
	}
	if s.state == Syncing {
		s.c.StaleSnapshots++
	} else {
		s.c.Gaps++
	}
	s.c.Resyncs++
	s.state = NeedResync
	s.book.SetSynced(false)
	return lost
}

// apply writes event p's levels into the book and moves to Live.
func (s *Sync) apply(p *pending, bids, asks []orderbook.Level) {
	b := s.book
	b.SetLevels(orderbook.Bid, bids)
	b.SetLevels(orderbook.Ask, asks)
	b.SetUpdate(p.final, p.exch*1e6, p.local)
	s.last = p.final
	s.state = Live
	b.SetSynced(true)
	s.c.Applied++
	if b.Crossed() {
		s.c.Crossed++
	}
	if s.cfg.OnApply != nil {
		s.cfg.OnApply(b)
	}
}

// buffer appends event p to the pending buffer. Buffering happens only
// while a snapshot is awaited, so the book is already out of sync and a
// snapshot already requested. If the event does not fit, the whole buffer is
// discarded: a snapshot that arrives later is then checked against the
// events buffered after it, and if it is older than them it is stale and
// asks for another. Nothing here can make a wrong book valid.
func (s *Sync) buffer(p *pending, bids, asks []orderbook.Level) {
	n := len(bids) + len(asks)
	if len(s.pend) == cap(s.pend) || len(s.arena)+n > cap(s.arena) {
		s.c.Overflows++
		s.pend, s.arena = s.pend[:0], s.arena[:0]
		if n > cap(s.arena) {
			return // larger than the whole buffer: nothing to keep
		}
	}
	p.off, p.nb, p.na = len(s.arena), len(bids), len(asks)
	s.arena = append(s.arena, bids...)
	s.arena = append(s.arena, asks...)
	s.pend = append(s.pend, *p)
	s.c.Buffered++
}

// compact moves pending events k.. and their levels to the front.
func (s *Sync) compact(k int) {
	if k == 0 {
		return
	}
	base := s.pend[k].off
	n := copy(s.pend, s.pend[k:])
	s.pend = s.pend[:n]
	for i := range s.pend {
		s.pend[i].off -= base
	}
	m := copy(s.arena, s.arena[base:])
	s.arena = s.arena[:m]
}
