package tardis

import (
	"errors"
	"fmt"
	"io"

	"github.com/nanotick/nanotick/feeds/binance"
	"github.com/nanotick/nanotick/instrument"
)

// Stream and MDFeed read Tardis files as venue-neutral market data: Stream cuts one
// instrument's files into frames, each the CSV rows of one exchange message, and
// MDFeed (an md.Feed) decodes a frame into an md.Event and applies it to the book. A
// frame is the rows themselves, so a backtest replays Tardis data through the same
// decode-then-apply seam, engine and strategy as a venue's own recording, with decoding
// timed the same way.
//
// A Stream frame is one of:
//   - a snapshot block of incremental_book_L2: the consecutive is_snapshot=true rows
//     that open a file or follow an update row. Tardis documents that such a block
//     replaces the book ("existing order book state must be discarded"); it is an
//     md.Snapshot.
//   - an update group: consecutive is_snapshot=false rows with one local_timestamp,
//     which is how Tardis says to find one exchange message; an md.Depth. Update rows
//     before a file's first snapshot are buffered updates from before it, skipped as
//     Tardis says, and counted.
//   - one book_snapshot_N row: the top N levels of each side, an md.Snapshot.
//   - one trades row: an md.Trade.
//   - one derivative_ticker row: an md.Mark (see ticker.go).
//
// Book frames, ticker rows and trades are merged by local_timestamp, in that order at
// equal times.
// Every row in a frame ends with a line feed.

// DefaultMaxRows bounds the rows of one frame (a snapshot block or an update group):
// Coinbase's full level-2 snapshot of BTC-USD holds tens of thousands of levels, and a
// block must be held whole to replace the book at once. A longer block is an error.
const DefaultMaxRows = 200_000

// StreamOptions describe the Tardis files of one instrument.
type StreamOptions struct {
	// Spec gives the symbol (rows of other symbols are skipped and counted; matched
	// without regard to case), the scales every price and amount must be exact at, and
	// the contract size of a venue that counts contracts.
	Spec *instrument.Spec
	// Book are incremental_book_L2 files or book_snapshot_N files (told apart by the
	// first file's header), Trades trades files, each list consecutive in time. Either
	// may be empty, not both. Ticker are derivative_ticker files, for a derivative's
	// mark price and funding; they may be given only with Book or Trades.
	Book, Trades, Ticker []string
	// Strict makes a malformed row end the stream with its error instead of being
	// counted and skipped.
	Strict bool
	// MaxRows bounds a frame's rows; 0 means DefaultMaxRows.
	MaxRows int

	open openFile // nil: the file system
}

// StreamCounters count what a Stream read and made.
type StreamCounters struct {
	Book, Trades, Ticker Counters
	// SkippedBeforeSnapshot are update rows before a file's first snapshot.
	SkippedBeforeSnapshot uint64
	Snapshots             uint64 // snapshot frames
	Depth                 uint64 // update frames
	TradeFrames           uint64
	TickerFrames          uint64
	// UnknownSide are trades whose taker side the exchange did not give; they are
	// replayed as buys.
	UnknownSide uint64
}

// Stream reads one instrument's Tardis files as frames; see the comment above
// DefaultMaxRows. It holds one frame of each file list at a time: memory does not grow
// with the files' length.
type Stream struct {
	book    *BookReader
	snaps   *SnapshotReader // instead of book, for book_snapshot_N files
	trades  *TradeReader
	ticker  *TickerReader
	maxRows int

	peek     BookRow // the book's lookahead row
	peekLine []byte  // its text
	havePeek bool
	bookDone bool
	awaiting bool  // skipping update rows until the file's first snapshot
	later    error // the error that ended the rows of the frame built ahead

	msg      []byte // the next book frame, built ahead
	msgLocal int64
	haveMsg  bool

	tradeLine  []byte // the next trade's row
	tradeLocal int64
	haveTrade  bool
	tradeDone  bool

	tickLine  []byte // the next ticker row
	tickLocal int64
	haveTick  bool
	tickDone  bool

	frame []byte
	c     StreamCounters
	err   error
}

// OpenStream returns a Stream over the files of opt. Every file must exist.
func OpenStream(opt StreamOptions) (*Stream, error) {
	sp := opt.Spec
	if sp == nil || sp.ID.Symbol == "" {
		return nil, errors.New("tardis: the stream needs an instrument with a symbol")
	}
	if len(opt.Book) == 0 && len(opt.Trades) == 0 {
		if len(opt.Ticker) > 0 {
			return nil, errors.New("tardis: derivative_ticker files alone replay no market: give the instrument's book or trades files too")
		}
		return nil, errors.New("tardis: no files")
	}
	inst := binance.Instrument{Symbol: sp.ID.Symbol, PriceScale: sp.PriceScale, QtyScale: sp.QtyScale}
	s := &Stream{
		awaiting: true, bookDone: len(opt.Book) == 0, tradeDone: len(opt.Trades) == 0,
		tickDone: len(opt.Ticker) == 0,
		maxRows:  opt.MaxRows,
	}
	if s.maxRows <= 0 {
		s.maxRows = DefaultMaxRows
	}
	var err error
	if len(opt.Book) > 0 {
		snap, perr := isSnapshotFile(opt.open, opt.Book[0])
		if perr != nil && opt.open == nil {
			return nil, perr
		}
		if snap {
			if s.snaps, err = openSnapshots(inst, opt.open, opt.Book); err != nil {
				return nil, err
			}
			s.snaps.cs = sp.ContractSize
			s.snaps.SetStrict(opt.Strict)
		} else {
			if s.book, err = openBook(inst, opt.open, opt.Book); err != nil {
				return nil, err
			}
			s.book.cs = sp.ContractSize
			s.book.SetStrict(opt.Strict)
		}
	}
	if len(opt.Trades) > 0 {
		if s.trades, err = openTrades(inst, opt.open, opt.Trades); err != nil {
			return nil, err
		}
		s.trades.cs = sp.ContractSize
		s.trades.SetStrict(opt.Strict)
	}
	if len(opt.Ticker) > 0 {
		if s.ticker, err = openTicker(inst, opt.open, opt.Ticker); err != nil {
			return nil, err
		}
		s.ticker.SetStrict(opt.Strict)
	}
	return s, nil
}

// Counters returns the counts so far.
func (s *Stream) Counters() StreamCounters {
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
	if s.ticker != nil {
		c.Ticker = s.ticker.Counters()
	}
	return c
}

// Errors returns the first malformed-row errors of the book files, then of the trade
// files, then of the ticker files, each naming file and line.
func (s *Stream) Errors() []error {
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
	if s.ticker != nil {
		errs = append(errs, s.ticker.Errors()...)
	}
	return errs
}

// Malformed returns the malformed rows skipped so far, of every file.
func (s *Stream) Malformed() uint64 {
	c := s.Counters()
	return c.Book.Malformed + c.Trades.Malformed + c.Ticker.Malformed
}

// Progress returns the bytes of the files read so far (compressed, for gzip files)
// and their total size.
func (s *Stream) Progress() (done, total int64) {
	add := func(l *lines) { done, total = done+l.done, total+l.total }
	if s.book != nil {
		add(s.book.l)
	}
	if s.snaps != nil {
		add(s.snaps.l)
	}
	if s.trades != nil {
		add(s.trades.l)
	}
	if s.ticker != nil {
		add(s.ticker.l)
	}
	return done, total
}

// Close closes the open files.
func (s *Stream) Close() error {
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
	if s.ticker != nil {
		err = errors.Join(err, s.ticker.Close())
	}
	return err
}

// Next returns the next frame and its local time (Unix ns), io.EOF after the last.
// The frame is valid until the next call. An error other than io.EOF (a missing file,
// a bad header, a truncated file, a malformed row with Strict) ends the stream: every
// frame before it was delivered, and every later call returns it.
func (s *Stream) Next() (int64, []byte, error) {
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
			s.tradeLine = appendLine(s.tradeLine[:0], s.trades.line)
			s.tradeLocal, s.haveTrade = row.Local, true
			if row.Unknown {
				s.c.UnknownSide++
			}
		}
	}
	if !s.haveTick && !s.tickDone {
		row, err := s.ticker.Next()
		switch {
		case err == io.EOF:
			s.tickDone = true
		case err != nil:
			s.err = err
			return 0, nil, err
		default:
			s.tickLine = appendLine(s.tickLine[:0], s.ticker.line)
			s.tickLocal, s.haveTick = row.Local, true
		}
	}
	switch {
	case s.haveMsg && (!s.haveTrade || s.msgLocal <= s.tradeLocal) && (!s.haveTick || s.msgLocal <= s.tickLocal):
		// The book's frame was built ahead in msg; swap so that it stays valid while
		// the next one is built.
		s.frame, s.msg = s.msg, s.frame[:0]
		s.haveMsg = false
		return s.msgLocal, s.frame, nil
	case s.haveTick && (!s.haveTrade || s.tickLocal <= s.tradeLocal):
		s.haveTick = false
		s.frame = append(s.frame[:0], s.tickLine...)
		s.c.TickerFrames++
		return s.tickLocal, s.frame, nil
	case s.haveTrade:
		s.haveTrade = false
		s.frame = append(s.frame[:0], s.tradeLine...)
		s.c.TradeFrames++
		return s.tradeLocal, s.frame, nil
	}
	s.err = io.EOF
	return 0, nil, io.EOF
}

// appendLine appends a row and its line feed.
func appendLine(b, line []byte) []byte { return append(append(b, line...), '\n') }

// nextRow fills the lookahead row; false at the end of the book files.
func (s *Stream) nextRow() (bool, error) {
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
	s.peekLine = append(s.peekLine[:0], s.book.line...)
	return true, nil
}

// buildBook builds the next book frame into msg, or sets bookDone.
func (s *Stream) buildBook() error {
	if s.later != nil {
		return s.later
	}
	if s.snaps != nil {
		row, err := s.snaps.Next()
		if err == io.EOF {
			s.bookDone = true
			return nil
		}
		if err != nil {
			return err
		}
		s.msg = appendLine(s.msg[:0], s.snaps.line)
		s.msgLocal, s.haveMsg = row.Local, true
		s.c.Snapshots++
		return nil
	}
	for {
		ok, err := s.nextRow()
		if err != nil || !ok {
			return err
		}
		if s.peek.FileStart {
			s.awaiting = true
		}
		if s.peek.Snapshot {
			s.awaiting = false
			s.c.Snapshots++
			return s.gather(true)
		}
		if s.awaiting {
			s.havePeek = false
			s.c.SkippedBeforeSnapshot++
			continue
		}
		s.c.Depth++
		return s.gather(false)
	}
}

// gather builds a frame of the rows from the lookahead on: a snapshot block (every
// is_snapshot=true row up to the next update row or file), or an update group (the
// update rows of the lookahead's local time).
func (s *Stream) gather(snapshot bool) error {
	s.msg = s.msg[:0]
	local := s.peek.Local
	for n := 0; ; n++ {
		ok, err := s.nextRow()
		if err != nil {
			if n == 0 {
				return err
			}
			// The rows gathered are complete: deliver them, and the error after.
			s.later = err
			break
		}
		r := &s.peek
		if !ok || r.Snapshot != snapshot || (!snapshot && r.Local != local) || (r.FileStart && n > 0) {
			break
		}
		if n == s.maxRows {
			file, line := s.book.Where()
			return &Error{File: file, Line: line, Err: fmt.Errorf("a snapshot block or update group longer than %d rows", s.maxRows)}
		}
		s.msg = appendLine(s.msg, s.peekLine)
		s.msgLocal = r.Local // a block is whole when its last row has come
		s.havePeek = false
	}
	s.haveMsg = true
	return nil
}
