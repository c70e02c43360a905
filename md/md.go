// Package md is the venue-neutral market-data seam: the one small vocabulary of
// normalized events every venue's feed produces (a batch of level updates applied to the
// instrument's book, a snapshot that replaced it, a public trade, a change of sync
// status), and the Feed interface every venue package implements for one instrument:
// decode a raw frame, keep its book in sync, report its status.
//
// The engine, the backtester and the strategy API see market data only through this
// package, so a new venue is one package that implements Feed and one row in the venue
// registry. This package imports no venue package and does no I/O.
//
// The tick path crosses the seam with one interface call per frame, never one per
// level: a frame's levels travel as slices in the Event, and the feed applies them to
// the book itself. Nothing here allocates once a feed has warmed up.
package md

import (
	"strconv"

	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/orderbook"
)

// Kind says what a frame was.
type Kind uint8

// The kinds of normalized events.
const (
	// None: nothing for the engine (a heartbeat, a subscription ack, a stream the feed
	// was told to ignore, such as Binance's bookTicker).
	None Kind = iota
	// Depth: a batch of level updates (Bids, Asks; a zero quantity deletes a level) for
	// the instrument's book. After Apply, Applied says how many update batches reached
	// the book: 0 when the batch was buffered or dropped by the sync procedure, more
	// than 1 when it released buffered ones.
	Depth
	// Snapshot: a full book (Bids, Asks) that replaced the instrument's book; buffered
	// updates it bridges are applied with it and counted in Applied.
	Snapshot
	// Trade: a public trade (Trade).
	Trade
	// StatusChange: only the feed's sync status changed (Status), e.g. a Kraken
	// checksum mismatch that invalidated the book.
	StatusChange
	// Mark: a perpetual's reference prices from the venue (Mark): mark and index price,
	// funding rate and next funding time. It touches no book.
	Mark
)

var kindNames = [...]string{"none", "depth", "snapshot", "trade", "status", "mark"}

// String returns the kind's name.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Status is where a feed's book stands.
type Status uint8

// The sync statuses.
const (
	// Resyncing: waiting for a snapshot (at start, after Reset, after a gap): the book
	// is not valid and depth updates are buffered or ignored.
	Resyncing Status = iota
	// Valid: the book follows the venue's sequence.
	Valid
	// Gap: the sequence broke (a missed update, a checksum mismatch); the book is not
	// valid and the feed needs a new snapshot (Binance) or subscription (Kraken).
	Gap
)

var statusNames = [...]string{"resyncing", "valid", "gap"}

// String returns the status's name.
func (s Status) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return "Status(" + strconv.Itoa(int(s)) + ")"
}

// Side is the aggressor side of a trade.
type Side = orderbook.Side

// PublicTrade is a trade on the venue, in the instrument's fixed-point scales.
type PublicTrade struct {
	Price, Qty int64
	// Aggressor is the side that took liquidity (orderbook.Ask when the buyer was the
	// maker).
	Aggressor Side
	// Time is the venue's trade time, Unix ns.
	Time int64
}

// MarkPriceScale and RateScale are the fixed-point scales of a PerpMark's prices and
// funding rate. They are the venue's, not the instrument's: mark and index prices come
// with more decimals than the tick (Binance USD-M sends "11784.62659091" for a symbol
// whose tick is 0.10), and rates are small fractions ("0.00038167"; Bybit "-0.000125").
const (
	MarkPriceScale fixed.Scale = 8
	RateScale      fixed.Scale = 10
)

// The fields a PerpMark carries: a venue may send only some of them in one frame
// (Bybit's tickers deltas hold only what changed).
const (
	HasMarkPrice uint8 = 1 << iota
	HasIndexPrice
	HasFundingRate
	HasNextFunding
)

// PerpMark is a perpetual's reference prices as the venue publishes them.
type PerpMark struct {
	// Price and Index are the mark and index prices at MarkPriceScale.
	Price, Index int64
	// FundingRate is the rate of the coming funding, at RateScale: positive means
	// longs pay shorts.
	FundingRate int64
	// NextFunding is the next funding time, Unix ns.
	NextFunding int64
	// Fields says which of the above the frame carried.
	Fields uint8
}

// Event is one decoded frame of one instrument, normalized. Only the members Kind
// names are meaningful. A Feed owns the Event it returns and reuses it, level slices
// included: everything in it is valid until the feed's next Decode.
type Event struct {
	Kind       Kind
	Instrument instrument.Index
	// Exchange is the venue's event time, Unix ns; 0 when the frame carries none (a
	// Binance Spot snapshot).
	Exchange int64
	// Bids and Asks are a Depth's updates or a Snapshot's levels, in the instrument's
	// fixed-point scales.
	Bids, Asks []orderbook.Level
	Trade      PublicTrade
	Mark       PerpMark
	// Applied and Status are set by Apply: the update batches that reached the book,
	// and the feed's status after the frame.
	Applied int
	Status  Status
}

// Counters are what a feed has seen. Each counter only grows. Venues fill in what
// applies to them (Kraken has no update ids, so no Dropped or Buffered).
type Counters struct {
	Applied        uint64 // depth update batches applied to the book
	Dropped        uint64 // depth updates already covered by the snapshot or the book
	Buffered       uint64 // depth updates buffered while waiting for a snapshot
	Gaps           uint64 // breaks in the venue's sequence (or checksum mismatches) while valid
	StaleSnapshots uint64 // snapshots older than the buffered updates
	Overflows      uint64 // times the pending buffer overflowed and was discarded
	Resyncs        uint64 // new snapshots or subscriptions needed after the first
	Snapshots      uint64 // snapshots loaded
	Crossed        uint64 // applied updates that left the book crossed
	Malformed      uint64 // frames that failed to decode or apply
}

// Feed keeps one instrument's book in sync with one venue's market data. It belongs to
// the goroutine that calls it, like the book it writes; it must not allocate once warm.
//
// A frame goes through Decode and then, unless Decode failed, Apply: the two halves are
// separate so that the engine can time decoding and book upkeep apart.
type Feed interface {
	// Decode decodes a raw frame into the feed's Event, which is valid until the next
	// Decode. It changes neither the book nor the sync state (Kraken, whose checksum
	// needs the book, is the exception its doc names). A malformed frame returns an
	// error and an Event of Kind None; the feed carries on with the next frame.
	Decode(frame []byte) (*Event, error)
	// Apply applies the last decoded Event to the book through the venue's sync
	// procedure, at local time (Unix ns, the frame's receive time), and sets the
	// Event's Applied and Status. An error means the event could not be applied (a
	// Binance USD-M depth update without pu); the book is unchanged.
	Apply(local int64) error
	// Book returns the book the feed keeps in sync.
	Book() *orderbook.Book
	// Status returns the feed's sync status.
	Status() Status
	// NeedSnapshot reports whether the feed waits for a snapshot (or, on Kraken, a new
	// subscription) that only its connection can bring.
	NeedSnapshot() bool
	// Reset forgets the sync state, as after a reconnect: the book turns invalid until
	// the next snapshot. Counters are kept.
	Reset()
	// Counters returns what the feed has seen.
	Counters() Counters
	// Warm runs the decoder over a copy of a recent depth frame, without effect, so
	// that its code and data are in cache for the next frame. It must allocate nothing
	// and change nothing anyone can see.
	Warm()
}

// Config is what a feed constructor gets besides the instrument.
type Config struct {
	// Index is the instrument's index, stamped on every Event.
	Index instrument.Index
	// IgnoreTickers makes the feed skip the venue's own top-of-book stream without
	// parsing it: the engine keeps its own book and has no use for it.
	IgnoreTickers bool
}

// NewFeed builds the feed of one instrument, writing into book. The venue registry
// (package venues) is one; engine.Config takes it as a value, so that the engine
// names no venue.
type NewFeed func(spec *instrument.Spec, book *orderbook.Book, cfg Config) (Feed, error)
