package tardis

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/nanotick/nanotick/feeds/binance"
	"github.com/nanotick/nanotick/orderbook"
)

// Options describe a replay of Tardis files.
type Options struct {
	// Venue is the Binance venue whose frames are synthesized (and whose sync rules the
	// update ids satisfy); 0 means binance.Spot.
	Venue binance.Venue
	// Instrument names the symbol (required: it goes into every frame, and rows of
	// other symbols are skipped) and the scales of prices and amounts.
	Instrument binance.Instrument
	// Book are incremental_book_L2 files, or book_snapshot_N files (told apart by
	// the first file's header), and Trades trades files, each list in time order.
	// Either may be empty, not both.
	Book, Trades []string
	// Strict makes a malformed row an error instead of a counted skip.
	Strict bool

	open openFile // nil: the file system
}

// SourceCounters count what a Source read and produced.
type SourceCounters struct {
	Book, Trades Counters
	// SkippedBeforeSnapshot are update rows before a file's first snapshot.
	SkippedBeforeSnapshot uint64
	Snapshots             uint64 // snapshot frames
	Depth                 uint64 // depthUpdate frames
	TradeFrames           uint64
}

// Source replays Tardis files as Binance frames; it implements backtest.Source. See
// the package documentation for the frames it makes.
type Source struct {
	venue  binance.Venue
	inst   binance.Instrument
	book   *BookReader
	snaps  *SnapshotReader // instead of book, for book_snapshot_N files
	trades *TradeReader
	sym    string // as it goes into "s"
	depthS string // stream names
	tradeS string

	peek     BookRow // the book's lookahead row
	havePeek bool
	bookDone bool
	awaiting bool // skipping update rows until the file's first snapshot

	msg      []byte // the next book frame, built ahead
	msgLocal int64
	haveMsg  bool
	bridge   bool  // a book_snapshot row's snapshot frame went out: its bridging update is next
	bridgeT  int64 // that row's exchange time

	trade     TradeRow
	haveTrade bool
	tradeDone bool

	id         uint64 // the last synthetic update id
	bids, asks []orderbook.Level
	frame      []byte
	c          SourceCounters
	err        error
}

// Open returns a Source over the files of opt.
func Open(opt Options) (*Source, error) {
	if opt.Venue == 0 {
		opt.Venue = binance.Spot
	}
	if opt.Venue != binance.Spot && opt.Venue != binance.USDM {
		return nil, fmt.Errorf("tardis: unknown venue %d", opt.Venue)
	}
	sym := opt.Instrument.Symbol
	if sym == "" {
		return nil, errors.New("tardis: the instrument needs a symbol")
	}
	for _, c := range []byte(sym) {
		// '/' for Kraken's "XBT/USD", ':' for the "BTC/USD:BTC" some venues use.
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '/' || c == ':') {
			return nil, fmt.Errorf("tardis: symbol %q: only letters, digits, '-', '_', '.', '/' and ':'", sym)
		}
	}
	if len(opt.Book) == 0 && len(opt.Trades) == 0 {
		return nil, errors.New("tardis: no files")
	}
	s := &Source{
		venue: opt.Venue, inst: opt.Instrument, sym: strings.ToUpper(sym),
		awaiting: true, bookDone: len(opt.Book) == 0, tradeDone: len(opt.Trades) == 0,
		id: 1_000,
	}
	lower := strings.ToLower(sym)
	s.depthS, s.tradeS = lower+"@depth@100ms", lower+"@trade"
	if opt.Venue == binance.USDM {
		s.depthS = lower + "@depth@0ms"
	}
	var err error
	if len(opt.Book) > 0 {
		// A first file that cannot be probed is left to the incremental
		// reader, which reports what is wrong with it at the first Next.
		if snap, _ := isSnapshotFile(opt.open, opt.Book[0]); snap {
			if s.snaps, err = openSnapshots(opt.Instrument, opt.open, opt.Book); err != nil {
				return nil, err
			}
			s.snaps.SetStrict(opt.Strict)
		} else {
			if s.book, err = openBook(opt.Instrument, opt.open, opt.Book); err != nil {
				return nil, err
			}
			s.book.SetStrict(opt.Strict)
		}
	}
	if len(opt.Trades) > 0 {
		if s.trades, err = openTrades(opt.Instrument, opt.open, opt.Trades); err != nil {
			return nil, err
		}
		s.trades.SetStrict(opt.Strict)
	}
	return s, nil
}

// Counters returns the counts so far.
func (s *Source) Counters() SourceCounters {
	c := s.c
	if s.book != nil {
		c.Book = s.book.Counters()
	}
	if s.snaps != nil {
		c.Book = s.snaps.Counters()
	}
	if s.trades != nil {
		c.Trades = s.trades.Counters()
	}
	return c
}

// Errors returns the first malformed-row errors of the book files, then of the trade
// files.
func (s *Source) Errors() []error {
	var errs []error
	if s.book != nil {
		errs = append(errs, s.book.Errors()...)
	}
	if s.snaps != nil {
		errs = append(errs, s.snaps.Errors()...)
	}
	if s.trades != nil {
		errs = append(errs, s.trades.Errors()...)
	}
	return errs
}

// Close closes the open files.
func (s *Source) Close() error {
	var err error
	if s.book != nil {
		err = s.book.Close()
	}
	if s.snaps != nil {
		err = s.snaps.Close()
	}
	if s.trades != nil {
		err = errors.Join(err, s.trades.Close())
	}
	return err
}

// Next returns the next frame and its local receive time (Unix ns), io.EOF after the
// last. The frame is valid until the next call. An error other than io.EOF ends the
// stream: every later call returns it.
func (s *Source) Next() (int64, []byte, error) {
	if s.err != nil {
		return 0, nil, s.err
	}
	if !s.haveMsg && !s.bookDone {
		if err := s.buildBook(); err != nil {
			s.err = err
			return 0, nil, err
		}
	}
	if !s.haveTrade && !s.tradeDone {
		row, err := s.trades.Next()
		switch {
		case err == io.EOF:
			s.tradeDone = true
		case err != nil:
			s.err = err
			return 0, nil, err
		default:
			s.trade, s.haveTrade = *row, true
		}
	}
	switch {
	case s.haveMsg && (!s.haveTrade || s.msgLocal <= s.trade.Local):
		// The book's frame is built ahead in msg; swap so that it stays valid while the
		// next one is built.
		s.frame, s.msg = s.msg, s.frame[:0]
		s.haveMsg = false
		return s.msgLocal, s.frame, nil
	case s.haveTrade:
		s.haveTrade = false
		s.frame = s.appendTrade(s.frame[:0], &s.trade)
		s.c.TradeFrames++
		return s.trade.Local, s.frame, nil
	}
	s.err = io.EOF
	return 0, nil, io.EOF
}

// nextRow fills the lookahead row; false at the end of the book files.
func (s *Source) nextRow() (bool, error) {
	if s.havePeek {
		return true, nil
	}
	if s.bookDone {
		return false, nil
	}
	row, err := s.book.Next()
	if err == io.EOF {
		s.bookDone = true
		return false, nil
	}
	if err != nil {
		return false, err
	}
	s.peek, s.havePeek = *row, true
	return true, nil
}

// buildBook builds the next book frame into msg, or sets bookDone.
func (s *Source) buildBook() error {
	if s.snaps != nil {
		return s.buildFromSnapshots()
	}
	for {
		ok, err := s.nextRow()
		if err != nil || !ok {
			return err
		}
		r := s.peek
		if r.FileStart {
			s.awaiting = true
		}
		if r.Snapshot {
			return s.buildSnapshot()
		}
		if s.awaiting {
			s.havePeek = false
			s.c.SkippedBeforeSnapshot++
			continue
		}
		return s.buildDepth()
	}
}

// buildFromSnapshots builds, from each book_snapshot_N row, a REST snapshot body and
// then an empty depthUpdate at the same local time: Binance's sync loads a snapshot
// but calls the book valid only once an update bridges it, and a row is all the
// update there is.
func (s *Source) buildFromSnapshots() error {
	if s.bridge {
		s.bridge = false
		s.bids, s.asks = s.bids[:0], s.asks[:0]
		s.appendDepth(s.msgLocal, s.bridgeT)
		return nil
	}
	row, err := s.snaps.Next()
	if err == io.EOF {
		s.bookDone = true
		return nil
	}
	if err != nil {
		return err
	}
	s.bids = append(s.bids[:0], row.Bids...)
	s.asks = append(s.asks[:0], row.Asks...)
	s.msgLocal, s.bridgeT, s.bridge = row.Local, row.Time, true
	s.appendSnapshot(row.Time)
	return nil
}

// buildSnapshot gathers a block of snapshot rows into a REST snapshot body.
func (s *Source) buildSnapshot() error {
	s.bids, s.asks = s.bids[:0], s.asks[:0]
	var t int64
	first := true
	for {
		ok, err := s.nextRow()
		if err != nil {
			return err
		}
		if !ok || !s.peek.Snapshot || (s.peek.FileStart && !first) {
			break
		}
		r := &s.peek
		if len(s.bids)+len(s.asks) >= DefaultMaxRows {
			return s.tooLong()
		}
		first = false
		s.msgLocal, t = r.Local, max(t, r.Time)
		if r.Amount > 0 {
			if r.Side == orderbook.Bid {
				s.bids = append(s.bids, orderbook.Level{Price: r.Price, Qty: r.Amount})
			} else {
				s.asks = append(s.asks, orderbook.Level{Price: r.Price, Qty: r.Amount})
			}
		}
		s.havePeek = false
	}
	s.awaiting = false
	s.appendSnapshot(t)
	return nil
}

// appendSnapshot builds the snapshot body of s.bids and s.asks, exchange time t, into
// msg.
func (s *Source) appendSnapshot(t int64) {
	s.id++
	b := append(s.msg[:0], `{"lastUpdateId":`...)
	b = strconv.AppendUint(b, s.id, 10)
	if s.venue == binance.USDM {
		b = append(b, `,"E":`...)
		b = strconv.AppendInt(b, t/1e6, 10)
		b = append(b, `,"T":`...)
		b = strconv.AppendInt(b, t/1e6, 10)
	}
	b = append(b, `,"bids":`...)
	b = s.appendLevels(b, s.bids)
	b = append(b, `,"asks":`...)
	b = s.appendLevels(b, s.asks)
	b = append(b, '}')
	s.msg, s.haveMsg = b, true
	s.c.Snapshots++
}

// buildDepth gathers the update rows of one local timestamp into a depthUpdate.
func (s *Source) buildDepth() error {
	s.bids, s.asks = s.bids[:0], s.asks[:0]
	local := s.peek.Local
	var t int64
	first := true
	for {
		ok, err := s.nextRow()
		if err != nil {
			return err
		}
		if !ok || s.peek.Snapshot || s.peek.Local != local || (s.peek.FileStart && !first) {
			break
		}
		r := &s.peek
		if len(s.bids)+len(s.asks) >= DefaultMaxRows {
			return s.tooLong()
		}
		first = false
		t = max(t, r.Time)
		if r.Side == orderbook.Bid {
			s.bids = append(s.bids, orderbook.Level{Price: r.Price, Qty: r.Amount})
		} else {
			s.asks = append(s.asks, orderbook.Level{Price: r.Price, Qty: r.Amount})
		}
		s.havePeek = false
	}
	s.appendDepth(local, t)
	return nil
}

// appendDepth builds the depthUpdate of s.bids and s.asks, received at local with
// exchange time t, into msg.
func (s *Source) appendDepth(local, t int64) {
	prev := s.id
	s.id++
	ms := t / 1e6
	b := append(s.msg[:0], `{"stream":"`...)
	b = append(b, s.depthS...)
	b = append(b, `","data":{"e":"depthUpdate","E":`...)
	b = strconv.AppendInt(b, ms, 10)
	if s.venue == binance.USDM {
		b = append(b, `,"T":`...)
		b = strconv.AppendInt(b, ms, 10)
	}
	b = append(b, `,"s":"`...)
	b = append(b, s.sym...)
	b = append(b, `","U":`...)
	if s.venue == binance.USDM {
		// Futures bridge a snapshot with U <= lastUpdateId < u, and chain by pu.
		b = strconv.AppendUint(b, prev, 10)
	} else {
		b = strconv.AppendUint(b, s.id, 10)
	}
	b = append(b, `,"u":`...)
	b = strconv.AppendUint(b, s.id, 10)
	if s.venue == binance.USDM {
		b = append(b, `,"pu":`...)
		b = strconv.AppendUint(b, prev, 10)
	}
	b = append(b, `,"b":`...)
	b = s.appendLevels(b, s.bids)
	b = append(b, `,"a":`...)
	b = s.appendLevels(b, s.asks)
	b = append(b, "}}"...)
	s.msg, s.msgLocal, s.haveMsg = b, local, true
	s.c.Depth++
}

// appendLevels appends [["price","qty"],...] at the instrument's scales.
func (s *Source) appendLevels(b []byte, ls []orderbook.Level) []byte {
	b = append(b, '[')
	for i, l := range ls {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `["`...)
		b = s.inst.PriceScale.AppendFixed(b, l.Price)
		b = append(b, `","`...)
		b = s.inst.QtyScale.AppendFixed(b, l.Qty)
		b = append(b, `"]`...)
	}
	return append(b, ']')
}

// appendTrade appends the trade frame of t.
func (s *Source) appendTrade(b []byte, t *TradeRow) []byte {
	ms := t.Time / 1e6
	b = append(b, `{"stream":"`...)
	b = append(b, s.tradeS...)
	b = append(b, `","data":{"e":"trade","E":`...)
	b = strconv.AppendInt(b, ms, 10)
	b = append(b, `,"s":"`...)
	b = append(b, s.sym...)
	b = append(b, `","t":`...)
	b = strconv.AppendUint(b, t.ID, 10)
	b = append(b, `,"p":"`...)
	b = s.inst.PriceScale.AppendFixed(b, t.Price)
	b = append(b, `","q":"`...)
	b = s.inst.QtyScale.AppendFixed(b, t.Amount)
	b = append(b, `","T":`...)
	b = strconv.AppendInt(b, ms, 10)
	b = append(b, `,"m":`...)
	b = strconv.AppendBool(b, t.Sell)
	return append(b, `,"M":true}}`...)
}

// tooLong is the error of a snapshot block or update group of more than DefaultMaxRows
// rows, which would otherwise be held whole.
func (s *Source) tooLong() error {
	file, line := s.book.Where()
	return &Error{File: file, Line: line, Err: fmt.Errorf("a snapshot block or update group longer than %d rows", DefaultMaxRows)}
}
