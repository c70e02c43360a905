package binance

import (
	"fmt"
	"strconv"

	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/orderbook"
)

// Venue is the Binance market a stream comes from. The venues differ in
// their depth sequencing rules (see Sync) and in which fields they send.
type Venue uint8

// The supported venues.
const (
	Spot Venue = iota + 1 // api.binance.com / stream.binance.com
	USDM                  // USD-M futures, fapi / fstream.binance.com
)

// String returns "spot" or "usdm".
func (v Venue) String() string {
	switch v {
	case Spot:
		return "spot"
	case USDM:
		return "usdm"
	}
	return "Venue(" + strconv.Itoa(int(v)) + ")"
}

// Instrument is what a Decoder needs to know about the symbol it decodes:
// its name as Binance spells it in the "s" field (matched without regard to
// ASCII case; empty accepts any symbol) and the decimal scales of its prices
// and quantities. Binance Spot pads both to 8 decimals; USD-M futures send the
// tick and step precision (BTCUSDT: 2 and 3).
type Instrument struct {
	Symbol     string
	PriceScale fixed.Scale
	QtyScale   fixed.Scale
}

// EventKind says which part of an Event a frame filled in.
type EventKind uint8

// The kinds of frames a Decoder understands.
const (
	KindNone       EventKind = iota
	KindDepth                // diff depth update, "depthUpdate"
	KindTrade                // "trade"
	KindAggTrade             // "aggTrade"
	KindBookTicker           // "bookTicker"
	KindSnapshot             // REST depth snapshot body
	KindMarkPrice            // USD-M "markPriceUpdate"
)

var kindNames = [...]string{"none", "depthUpdate", "trade", "aggTrade", "bookTicker", "snapshot", "markPriceUpdate"}

// String returns the Binance name of the kind ("depthUpdate", "trade", ...).
func (k EventKind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "EventKind(" + strconv.Itoa(int(k)) + ")"
}

// DepthUpdate is a diff depth event. Quantities are absolute; zero deletes.
// Times are milliseconds since the Unix epoch, as Binance sends them.
type DepthUpdate struct {
	EventTime int64  // E
	TxTime    int64  // T, futures only
	First     uint64 // U, first update id in the event
	Final     uint64 // u, final update id in the event
	Prev      uint64 // pu, futures only: final update id of the previous event
	HasPrev   bool   // whether pu was present
	Bids      []orderbook.Level
	Asks      []orderbook.Level
}

// Trade is a trade or, for KindAggTrade, an aggregate trade (ID is then the
// aggregate id and FirstID..LastID the trades it covers).
type Trade struct {
	EventTime  int64 // E, ms
	TradeTime  int64 // T, ms
	ID         uint64
	FirstID    uint64 // aggTrade f
	LastID     uint64 // aggTrade l
	Price      int64
	Qty        int64
	BuyerMaker bool // m: the buyer was the maker, so the aggressor sold
}

// BookTicker is the exchange's own best bid and ask. UpdateID is the order
// book update id it reflects: the same sequence as DepthUpdate.Final. Spot
// sends no times; futures send E and T (ms).
type BookTicker struct {
	UpdateID  uint64
	EventTime int64
	TxTime    int64
	BidPrice  int64
	BidQty    int64
	AskPrice  int64
	AskQty    int64
}

// Snapshot is a REST depth snapshot. Spot sends no times; futures send E and
// T (ms).
type Snapshot struct {
	LastUpdateID uint64
	EventTime    int64
	TxTime       int64
	Bids         []orderbook.Level
	Asks         []orderbook.Level
}

// MarkPrice is a USD-M mark price event (<symbol>@markPrice and @markPrice@1s): the
// mark and index prices at md.MarkPriceScale (Binance sends 8 decimals, more than the
// tick), the funding rate at md.RateScale, the next funding time in ms.
type MarkPrice struct {
	EventTime   int64 // E, ms
	Price       int64 // p
	Index       int64 // i
	FundingRate int64 // r; "" (delivery contracts) reads as 0
	NextFunding int64 // T, ms; 0 for delivery contracts
}

// Event is one decoded frame. Only the member named by Kind is meaningful.
// A Decoder reuses one Event and its level slices: everything in it, Stream
// included, is valid until the next call to Decode.
type Event struct {
	Kind     EventKind
	Stream   []byte // combined-stream name ("btcusdt@trade"); nil for bare frames; aliases the frame
	Depth    DepthUpdate
	Trade    Trade // KindTrade and KindAggTrade
	Ticker   BookTicker
	Snapshot Snapshot
	Mark     MarkPrice
}

// EventTime returns the exchange event time E in milliseconds, and false for
// frames that carry none (spot bookTicker, spot snapshot).
func (e *Event) EventTime() (int64, bool) {
	var t int64
	switch e.Kind {
	case KindDepth:
		t = e.Depth.EventTime
	case KindTrade, KindAggTrade:
		t = e.Trade.EventTime
	case KindBookTicker:
		t = e.Ticker.EventTime
	case KindSnapshot:
		t = e.Snapshot.EventTime
	case KindMarkPrice:
		t = e.Mark.EventTime
	}
	return t, t != 0
}

// Error is a malformed frame: which event kind was being decoded, which field
// (empty for structure errors outside a field), the byte offset in the frame,
// and the cause. It unwraps to the cause, which is one of fixed.ErrSyntax,
// fixed.ErrRange, fixed.ErrPrecision for numbers or a scanner error.
type Error struct {
	Kind   EventKind // KindNone while the kind is not yet known
	Field  string
	Offset int
	Err    error
}

func (e *Error) Error() string {
	what := "frame"
	if e.Kind != KindNone {
		what = e.Kind.String()
	}
	if e.Field != "" {
		return fmt.Sprintf("binance: %s: field %q: offset %d: %v", what, e.Field, e.Offset, e.Err)
	}
	return fmt.Sprintf("binance: %s: offset %d: %v", what, e.Offset, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }
