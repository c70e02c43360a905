package bybit

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/nanotick/nanotick/feeds/internal/resub"
	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/orderbook"
)

// Category is the Bybit v5 market a symbol trades in. It picks the public
// endpoint (wss://stream.bybit.com/v5/public/<category>) and which ticker
// fields exist: mark, index and funding only on linear.
type Category uint8

// The categories nanotick reads.
const (
	Spot   Category = iota + 1 // v5/public/spot
	Linear                     // v5/public/linear: USDT and USDC perpetuals and futures
)

// String returns the category as Bybit spells it: "spot" or "linear".
func (c Category) String() string {
	switch c {
	case Spot:
		return "spot"
	case Linear:
		return "linear"
	}
	return "Category(" + strconv.Itoa(int(c)) + ")"
}

// State is where a Feed stands in its sync cycle, feeds/internal/resub's three states
// (shared with the other venue whose only repair is resubscribing) moved by Bybit's
// rules:
//
//	WaitingSnapshot --snapshot--> Live
//	Live --delta with u == last u + 1--> Live
//	Live --snapshot (mid-stream, u=1 after a restart, level 1's repeats)--> Live
//	Live --delta out of sequence--> NeedResubscribe
//	NeedResubscribe --Resubscribing--> WaitingSnapshot
//	WaitingSnapshot, NeedResubscribe --snapshot--> Live
//
// Only Live books are synced; in every other state the book is marked
// invalid and deltas are ignored, because without the snapshot they apply
// to there is nothing meaningful to apply them to.
type State = resub.State

// The states of a Feed.
const (
	WaitingSnapshot = resub.WaitingSnapshot // subscribed, no snapshot yet
	Live            = resub.Live            // the book follows the exchange's
	NeedResubscribe = resub.NeedResubscribe // the book is invalid; unsubscribe and subscribe again
)

// Event tells the engine what a message did.
type Event uint8

// The events returned by Feed.Handle.
const (
	// EventNone: nothing the strategy sees changed (an operation's
	// answer, another subscription's message, a delta ignored while not
	// Live, a malformed message skipped).
	EventNone Event = iota
	// EventSnapshot: a snapshot replaced the book; it is synced.
	EventSnapshot
	// EventUpdate: a delta changed the book.
	EventUpdate
	// EventTrade: public trades, in Feed.Message().Trades.
	EventTrade
	// EventTicker: the ticker changed; Feed.Ticker holds it merged.
	EventTicker
	// EventResubscribe: the book just became invalid. The engine must
	// unsubscribe and subscribe the book topic again (AppendUnsubscribe,
	// AppendSubscribe) and then call Resubscribing: Bybit sends a new
	// snapshot on each subscription and has no other way to ask for one.
	EventResubscribe
)

var eventNames = [...]string{"none", "snapshot", "update", "trade", "ticker", "resubscribe"}

// String returns the event's name.
func (e Event) String() string {
	if int(e) < len(eventNames) {
		return eventNames[e]
	}
	return "Event(" + strconv.Itoa(int(e)) + ")"
}

// Stats counts what a Feed has seen. Each counter only grows.
type Stats struct {
	Messages     uint64 // every message passed to Handle
	Snapshots    uint64 // book snapshots applied
	Deltas       uint64 // book deltas applied
	Trades       uint64 // public trades (not messages)
	Tickers      uint64 // ticker messages merged
	Ignored      uint64 // book deltas ignored while not Live
	Restarts     uint64 // snapshots with u=1 after a book was live: Bybit's service restarted
	Gaps         uint64 // deltas whose u skipped ahead of the book's u + 1
	OutOfOrder   uint64 // deltas whose u or seq went backwards
	Resubscribes uint64 // transitions to NeedResubscribe
	Crossed      uint64 // applied messages that left the book crossed
	Malformed    uint64 // messages that failed to decode, skipped
	Rejected     uint64 // operations Bybit answered with success false
}

// Valid orderbook depths for spot and linear
// (https://bybit-exchange.github.io/docs/v5/websocket/public/orderbook).
var depths = [...]int{1, 50, 200, 1000}

// ValidDepth reports whether Bybit serves an orderbook topic of depth for
// spot and linear symbols.
func ValidDepth(depth int) bool {
	for _, d := range depths {
		if d == depth {
			return true
		}
	}
	return false
}

// Config describes one symbol's subscriptions.
type Config struct {
	Category Category
	// Symbol is Bybit's symbol, "BTCUSDT".
	Symbol string
	// Depth is the orderbook topic's depth: 1, 50, 200 or 1000.
	Depth int
	// PriceScale and QtyScale must hold every decimal of the instrument's
	// tickSize and quantity step; see Decoder.
	PriceScale, QtyScale fixed.Scale
}

// Errors Handle wraps with the symbol and the numbers that show them.
var (
	// ErrGap reports a delta whose u is not the book's u + 1.
	ErrGap = errors.New("update id gap")
	// ErrOutOfOrder reports a delta whose u or seq went backwards.
	ErrOutOfOrder = errors.New("update out of order")
	// ErrRejected reports an operation Bybit answered with success false.
	ErrRejected = errors.New("operation rejected")
	// ErrSymbol reports data whose symbol is not the topic's.
	ErrSymbol = errors.New("data symbol does not match the topic")
)

// Feed keeps one orderbook.Book in sync with one Bybit v5 orderbook topic and
// reads the same symbol's publicTrade and tickers topics. It is not safe for
// concurrent use: it belongs to the goroutine that reads the connection,
// like the book it writes.
type Feed struct {
	cfg    Config
	dec    Decoder
	book   *orderbook.Book
	msg    Message
	ticker Ticker
	topics [3][]byte // orderbook, publicTrade and tickers topics
	state  State
	last   int64 // the book's u
	seq    int64 // the book's seq
	stats  Stats
}

// The indexes of Feed.topics.
const (
	bookTopic = iota
	tradeTopic
	tickerTopic
)

// NewFeed returns a Feed for cfg that writes book, which it clears. The book
// stays invalid until the first snapshot.
func NewFeed(cfg Config, book *orderbook.Book) (*Feed, error) {
	if cfg.Category != Spot && cfg.Category != Linear {
		return nil, fmt.Errorf("bybit: category %d: want spot or linear", cfg.Category)
	}
	if !ValidDepth(cfg.Depth) {
		return nil, fmt.Errorf("bybit: depth %d: want 1, 50, 200 or 1000", cfg.Depth)
	}
	if !validSymbol(cfg.Symbol) {
		return nil, fmt.Errorf("bybit: invalid symbol %q", cfg.Symbol)
	}
	if !cfg.PriceScale.Valid() || !cfg.QtyScale.Valid() {
		return nil, fmt.Errorf("bybit: %s: scales %d/%d out of range", cfg.Symbol, cfg.PriceScale, cfg.QtyScale)
	}
	if book == nil {
		return nil, errors.New("bybit: nil book")
	}
	book.Clear()
	f := &Feed{
		cfg:  cfg,
		dec:  Decoder{PriceScale: cfg.PriceScale, QtyScale: cfg.QtyScale},
		book: book,
	}
	f.topics[bookTopic] = []byte("orderbook." + strconv.Itoa(cfg.Depth) + "." + cfg.Symbol)
	f.topics[tradeTopic] = []byte("publicTrade." + cfg.Symbol)
	f.topics[tickerTopic] = []byte("tickers." + cfg.Symbol)
	// A snapshot carries up to Depth levels per side; size for it so that
	// neither side grows on the message path. Trades grow once, to the
	// largest message seen.
	f.msg.Bids = make([]orderbook.Level, 0, cfg.Depth)
	f.msg.Asks = make([]orderbook.Level, 0, cfg.Depth)
	f.msg.Trades = make([]Trade, 0, 64)
	return f, nil
}

// validSymbol accepts upper-case letters and digits, Bybit's symbols
// ("BTCUSDT", "1000PEPEUSDT"), plus '-' for dated futures ("BTC-26DEC25"),
// so that a symbol can be written into a topic and a request as it is.
func validSymbol(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// Config returns the feed's configuration.
func (f *Feed) Config() Config { return f.cfg }

// Book returns the book the feed writes.
func (f *Feed) Book() *orderbook.Book { return f.book }

// State returns the feed's state.
func (f *Feed) State() State { return f.state }

// Stats returns the feed's counters.
func (f *Feed) Stats() Stats { return f.stats }

// Message returns the last decoded message: after EventTrade, its Trades.
// It aliases the frame passed to Handle and is valid until the next call.
func (f *Feed) Message() *Message { return &f.msg }

// Ticker returns the ticker merged from every tickers message so far.
func (f *Feed) Ticker() Ticker { return f.ticker }

// Topics returns the feed's three topics: orderbook, publicTrade, tickers.
func (f *Feed) Topics() []string {
	return []string{string(f.topics[bookTopic]), string(f.topics[tradeTopic]), string(f.topics[tickerTopic])}
}

// BookTopic returns the orderbook topic, "orderbook.50.BTCUSDT".
func (f *Feed) BookTopic() string { return string(f.topics[bookTopic]) }

// LastUpdateID returns the book's u: the last snapshot's or delta's.
func (f *Feed) LastUpdateID() int64 { return f.last }

// Resubscribing tells the feed that the engine has sent the unsubscribe and
// subscribe requests: it moves from NeedResubscribe to WaitingSnapshot. The
// book stays invalid until the new snapshot.
func (f *Feed) Resubscribing() {
	f.state.Resubscribing()
}

// Reset returns the feed to WaitingSnapshot with an invalid book, as after a
// reconnect: nothing received before it connects to what comes after.
func (f *Feed) Reset() { f.state.Reset(f.book) }

// Handle decodes one message received at localTime (Unix nanoseconds) and
// applies it. It never panics and, in steady state, never allocates unless
// it returns an error.
//
// A malformed message is counted and skipped with its error, the book
// untouched: decoding finishes before anything is applied, and should the
// skipped message have been a delta, the next one's u shows the gap. A
// delta out of sequence marks the book invalid and returns EventResubscribe
// with the error.
func (f *Feed) Handle(b []byte, localTime int64) (Event, error) {
	cls, err := f.decode(b)
	if err != nil {
		return EventNone, err
	}
	switch cls {
	case clsBook:
		return f.applyBook(localTime)
	case clsTrade:
		return EventTrade, nil
	case clsTicker:
		return EventTicker, nil
	}
	return EventNone, nil
}

// class is what a decoded message is to this feed.
type class uint8

const (
	clsNone   class = iota // nothing for the book or the strategy
	clsBook                // this symbol's orderbook snapshot or delta, not yet applied
	clsTrade               // this symbol's trades
	clsTicker              // this symbol's ticker, merged
)

// decode decodes b into f.msg and says what it is. Trades and tickers are
// done with here (counted, merged); a book message waits for applyBook.
func (f *Feed) decode(b []byte) (class, error) {
	f.stats.Messages++
	m := &f.msg
	if err := f.dec.Decode(b, m); err != nil {
		f.stats.Malformed++
		return clsNone, fmt.Errorf("bybit %s: %w", f.cfg.Symbol, err)
	}
	switch m.Kind {
	case KindSnapshot, KindDelta:
		if string(m.Topic) != string(f.topics[bookTopic]) {
			return clsNone, nil
		}
		if string(m.Symbol) != f.cfg.Symbol {
			return clsNone, f.badSymbol(m)
		}
		return clsBook, nil
	case KindTrade:
		if string(m.Topic) != string(f.topics[tradeTopic]) {
			return clsNone, nil
		}
		if string(m.Symbol) != f.cfg.Symbol {
			return clsNone, f.badSymbol(m)
		}
		f.stats.Trades += uint64(len(m.Trades))
		return clsTrade, nil
	case KindTicker:
		if string(m.Topic) != string(f.topics[tickerTopic]) {
			return clsNone, nil
		}
		if string(m.Symbol) != f.cfg.Symbol {
			return clsNone, f.badSymbol(m)
		}
		if m.Snapshot {
			f.ticker = Ticker{}
		}
		f.ticker.Merge(&m.Ticker)
		f.stats.Tickers++
		return clsTicker, nil
	case KindOp:
		// A rejection names no topic; it is reported to every feed that
		// is handed it, since any of them may have asked.
		if !m.Success {
			f.stats.Rejected++
			return clsNone, fmt.Errorf("bybit %s: %w: op %q: %s", f.cfg.Symbol, ErrRejected, m.Op, m.RetMsg)
		}
	}
	return clsNone, nil
}

// applyBook applies the decoded book message received at localTime through
// the sync rules of State.
func (f *Feed) applyBook(localTime int64) (Event, error) {
	m := &f.msg
	if m.Kind == KindSnapshot {
		// "If you receive a new snapshot message, you will have to reset
		// your local orderbook": at subscription, after a problem on
		// Bybit's end, with u=1 after a restart of the service, and
		// every 3 s of level 1 with the same u.
		if m.UpdateID == 1 && f.state == Live && f.last != 1 {
			f.stats.Restarts++
		}
		f.book.Clear()
		f.apply(m, localTime)
		f.stats.Snapshots++
		f.state.Synced(f.book)
		return EventSnapshot, nil
	}
	if f.state != Live {
		f.stats.Ignored++
		return EventNone, nil
	}
	switch {
	case m.UpdateID <= f.last || m.Seq < f.seq:
		f.stats.OutOfOrder++
		return f.fail(), fmt.Errorf("bybit %s: %w: delta u=%d seq=%d after u=%d seq=%d",
			f.cfg.Symbol, ErrOutOfOrder, m.UpdateID, m.Seq, f.last, f.seq)
	case m.UpdateID != f.last+1:
		f.stats.Gaps++
		return f.fail(), fmt.Errorf("bybit %s: %w: delta u=%d after u=%d", f.cfg.Symbol, ErrGap, m.UpdateID, f.last)
	}
	f.apply(m, localTime)
	f.stats.Deltas++
	return EventUpdate, nil
}

// badSymbol counts a message whose data names another symbol than its topic
// as malformed and skips it.
func (f *Feed) badSymbol(m *Message) error {
	f.stats.Malformed++
	return fmt.Errorf("bybit %s: %w: topic %q, symbol %q", f.cfg.Symbol, ErrSymbol, m.Topic, m.Symbol)
}

// apply writes the message's levels in order and truncates each side to the
// subscribed depth, then stamps the book with u and the message's times.
// Bybit keeps a topic's book at its depth by sending a delete for each level
// pushed out of range; truncating costs nothing when it does and keeps a
// stale level from resurfacing should one ever be left behind.
func (f *Feed) apply(m *Message, localTime int64) {
	for _, l := range m.Bids {
		f.book.Set(orderbook.Bid, l.Price, l.Qty)
	}
	for _, l := range m.Asks {
		f.book.Set(orderbook.Ask, l.Price, l.Qty)
	}
	resub.Truncate(f.book, orderbook.Bid, f.cfg.Depth)
	resub.Truncate(f.book, orderbook.Ask, f.cfg.Depth)
	f.last, f.seq = m.UpdateID, m.Seq
	exch := m.Time * 1e6
	if exch == 0 {
		exch = f.book.ExchTime()
	}
	f.book.SetUpdate(uint64(m.UpdateID), exch, localTime)
	if f.book.Crossed() {
		f.stats.Crossed++
	}
}

// fail marks the book invalid and asks for a resubscribe, once.
func (f *Feed) fail() Event {
	if !f.state.Fail(f.book) {
		return EventNone
	}
	f.stats.Resubscribes++
	return EventResubscribe
}
