package kraken

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/nanotick/nanotick/feeds/internal/resub"
	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/orderbook"
)

// State is where a Feed stands in its sync cycle, feeds/internal/resub's three states
// (shared with the other venue whose only repair is resubscribing) moved by Kraken's
// rules:
//
//	WaitingSnapshot --snapshot, checksum ok--> Live
//	Live --update, checksum ok--> Live
//	any --checksum mismatch or malformed message--> NeedResubscribe
//	NeedResubscribe --Resubscribing--> WaitingSnapshot
//	WaitingSnapshot, NeedResubscribe --snapshot, checksum ok--> Live
//
// Only Live books are synced; in every other state the book is marked
// invalid and updates are ignored, because without the snapshot they apply
// to there is nothing meaningful to apply them to.
type State = resub.State

// The states of a Feed.
const (
	WaitingSnapshot = resub.WaitingSnapshot // subscribed, no verified snapshot yet
	Live            = resub.Live            // the book matches the exchange's checksum
	NeedResubscribe = resub.NeedResubscribe // the book is invalid; unsubscribe and subscribe again
)

// Event tells the engine what a message did.
type Event uint8

// The events returned by Feed.Handle.
const (
	// EventNone: the book did not change (heartbeat, status, ack, another
	// symbol's message, an update ignored while not Live).
	EventNone Event = iota
	// EventSnapshot: a verified snapshot replaced the book; it is synced.
	EventSnapshot
	// EventUpdate: a verified update changed the book.
	EventUpdate
	// EventResubscribe: the book just became invalid. The engine must
	// unsubscribe and subscribe again (AppendUnsubscribe, AppendSubscribe)
	// and then call Resubscribing.
	EventResubscribe
	// EventTrade: live trades of the feed's symbol, in Message().Trades.
	EventTrade
)

var eventNames = [...]string{"none", "snapshot", "update", "resubscribe", "trade"}

// String returns the event's name.
func (e Event) String() string {
	if int(e) < len(eventNames) {
		return eventNames[e]
	}
	return "Event(" + strconv.Itoa(int(e)) + ")"
}

// Stats counts what a Feed has seen. Each counter only grows.
type Stats struct {
	Messages           uint64 // every message passed to Handle
	Snapshots          uint64 // snapshots applied
	Updates            uint64 // updates applied
	Ignored            uint64 // book messages for this symbol ignored while not Live
	ChecksumMismatches uint64 // snapshots or updates whose checksum did not match
	Resubscribes       uint64 // transitions to NeedResubscribe
	Malformed          uint64 // messages that failed to decode
	Trades             uint64 // live trades of the symbol (not messages)
	TradeSnapshots     uint64 // trade snapshots passed over: history, not news
}

// Valid subscription depths (https://docs.kraken.com/api/docs/websocket-v2/book).
var depths = [...]int{10, 25, 100, 500, 1000}

// ValidDepth reports whether Kraken accepts depth for the book channel.
func ValidDepth(depth int) bool {
	for _, d := range depths {
		if d == depth {
			return true
		}
	}
	return false
}

// Config describes one book subscription.
type Config struct {
	// Symbol is Kraken's v2 symbol, "BTC/USD".
	Symbol string
	// Depth is the subscribed depth: 10, 25, 100, 500 or 1000.
	Depth int
	// PriceScale and QtyScale must be the instrument's price_precision
	// and qty_precision from the instrument channel; see Decoder.
	PriceScale, QtyScale fixed.Scale
}

// ErrChecksum reports a checksum mismatch; Handle wraps it with the symbol
// and both values.
var ErrChecksum = errors.New("checksum mismatch")

// ErrSubscribe reports a rejected subscribe request for the feed's symbol.
var ErrSubscribe = errors.New("subscribe rejected")

// Feed keeps one orderbook.Book in sync with one Kraken v2 book
// subscription. It is not safe for concurrent use: it belongs to the
// goroutine that reads the connection, like the book it writes.
type Feed struct {
	cfg   Config
	dec   Decoder
	book  *orderbook.Book
	msg   Message
	sum   checksummer
	state State
	seq   uint64 // local count of applied book messages: Kraken has no update ids
	stats Stats
}

// NewFeed returns a Feed for cfg that writes book, which it clears. The book
// stays invalid until the first verified snapshot. Give the book room for
// Depth levels per side plus the inserts of the largest update (a side
// holds them until the update is truncated), or it grows once on the first
// such update.
func NewFeed(cfg Config, book *orderbook.Book) (*Feed, error) {
	if !ValidDepth(cfg.Depth) {
		return nil, fmt.Errorf("kraken: depth %d: want 10, 25, 100, 500 or 1000", cfg.Depth)
	}
	if !validSymbol(cfg.Symbol) {
		return nil, fmt.Errorf("kraken: invalid symbol %q", cfg.Symbol)
	}
	if !cfg.PriceScale.Valid() || !cfg.QtyScale.Valid() {
		return nil, fmt.Errorf("kraken: %s: scales %d/%d out of range", cfg.Symbol, cfg.PriceScale, cfg.QtyScale)
	}
	if book == nil {
		return nil, errors.New("kraken: nil book")
	}
	book.Clear()
	f := &Feed{
		cfg:  cfg,
		dec:  Decoder{PriceScale: cfg.PriceScale, QtyScale: cfg.QtyScale},
		book: book,
	}
	// A snapshot carries up to Depth levels per side; an update rarely more
	// than a few, but size for the snapshot so that neither grows.
	f.msg.Bids = make([]orderbook.Level, 0, cfg.Depth)
	f.msg.Asks = make([]orderbook.Level, 0, cfg.Depth)
	f.msg.Trades = make([]Trade, 0, 64)
	return f, nil
}

// validSymbol accepts printable ASCII without quotes or backslashes, so that
// the symbol can be written into a request without escaping.
func validSymbol(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c > '~' || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// Config returns the feed's configuration.
func (f *Feed) Config() Config { return f.cfg }

// Message returns the last decoded message: after EventTrade, its Trades.
// It aliases the message passed to Handle and is valid until the next call.
func (f *Feed) Message() *Message { return &f.msg }

// Book returns the book the feed writes.
func (f *Feed) Book() *orderbook.Book { return f.book }

// State returns the feed's state.
func (f *Feed) State() State { return f.state }

// Stats returns the feed's counters.
func (f *Feed) Stats() Stats { return f.stats }

// Resubscribing tells the feed that the engine has sent the unsubscribe and
// subscribe requests: it moves from NeedResubscribe to WaitingSnapshot. The
// book stays invalid until the new snapshot is verified.
func (f *Feed) Resubscribing() {
	f.state.Resubscribing()
}

// Handle decodes one message received at localTime (Unix nanoseconds) and
// applies it to the book. It never panics and, in steady state, never
// allocates unless it returns an error.
//
// A malformed message or a checksum mismatch marks the book invalid and
// returns EventResubscribe with the error: the feed fails closed, because
// after either the book can no longer be proven to match the exchange. A
// malformed message cannot be attributed to a symbol, so it fails every
// feed that is handed it.
func (f *Feed) Handle(b []byte, localTime int64) (Event, error) {
	f.stats.Messages++
	m := &f.msg
	if err := f.dec.Decode(b, m); err != nil {
		f.stats.Malformed++
		if se, ok := err.(*SyntaxError); ok && se.Trade {
			// A trade message says nothing about the book: skip it.
			return EventNone, fmt.Errorf("kraken %s: %w", f.cfg.Symbol, err)
		}
		return f.fail(), fmt.Errorf("kraken %s: %w", f.cfg.Symbol, err)
	}
	switch m.Kind {
	case KindTrade:
		if string(m.Symbol) != f.cfg.Symbol {
			return EventNone, nil
		}
		if m.TradeSnapshot {
			f.stats.TradeSnapshots++
			return EventNone, nil
		}
		f.stats.Trades += uint64(len(m.Trades))
		return EventTrade, nil
	case KindSnapshot, KindUpdate:
		if string(m.Symbol) != f.cfg.Symbol {
			return EventNone, nil
		}
	case KindSubscribe:
		// A rejection carries no result, hence no channel; an ack
		// for another channel of the same symbol is not ours.
		ours := string(m.Channel) == "book" || m.Channel == nil
		if string(m.Symbol) != f.cfg.Symbol || !ours {
			return EventNone, nil
		}
		if !m.Success {
			return EventNone, fmt.Errorf("kraken %s: %w: %s", f.cfg.Symbol, ErrSubscribe, m.Error)
		}
		if m.Depth != f.cfg.Depth {
			// The book would be truncated at the wrong depth: fail
			// now rather than at the first checksum it breaks.
			return f.fail(), fmt.Errorf("kraken %s: %w: acknowledged depth %d, want %d",
				f.cfg.Symbol, ErrSubscribe, m.Depth, f.cfg.Depth)
		}
		return EventNone, nil
	default:
		return EventNone, nil
	}

	if m.Kind == KindSnapshot {
		// Clear also marks the book unsynced until the checksum passes.
		f.book.Clear()
		f.apply(m)
		f.stats.Snapshots++
	} else {
		if f.state != Live {
			f.stats.Ignored++
			return EventNone, nil
		}
		f.apply(m)
		f.stats.Updates++
	}
	f.seq++
	exch := m.Time
	if exch == 0 {
		exch = f.book.ExchTime()
	}
	f.book.SetUpdate(f.seq, exch, localTime)

	if sum := f.sum.sum(f.book); sum != m.Checksum {
		f.stats.ChecksumMismatches++
		return f.fail(), fmt.Errorf("kraken %s: %s %d: %w: computed %d, exchange sent %d",
			f.cfg.Symbol, m.Kind, f.seq, ErrChecksum, sum, m.Checksum)
	}
	if m.Kind == KindSnapshot {
		f.state.Synced(f.book)
		return EventSnapshot, nil
	}
	return EventUpdate, nil
}

// apply writes the message's levels in order (a message may update the
// same price more than once) and truncates each side to the subscribed
// depth: Kraken sends no delete for a level pushed out of range by a better
// one, so without truncation a stale level would later come back into the
// top 10 when a better one is deleted
// (https://docs.kraken.com/api/docs/guides/spot-ws-book-v2).
func (f *Feed) apply(m *Message) {
	for _, l := range m.Bids {
		f.book.Set(orderbook.Bid, l.Price, l.Qty)
	}
	for _, l := range m.Asks {
		f.book.Set(orderbook.Ask, l.Price, l.Qty)
	}
	resub.Truncate(f.book, orderbook.Bid, f.cfg.Depth)
	resub.Truncate(f.book, orderbook.Ask, f.cfg.Depth)
}

// fail marks the book invalid and asks for a resubscribe, once.
func (f *Feed) fail() Event {
	if !f.state.Fail(f.book) {
		return EventNone
	}
	f.stats.Resubscribes++
	return EventResubscribe
}
