// Package tardis owns the reading of Tardis.dev downloadable CSV datasets,
// incremental_book_L2, book_snapshot_N (book_snapshot_25, book_snapshot_5) and trades,
// of any exchange Tardis carries (Binance, Bybit, OKX, Coinbase, Kraken, Deribit...).
// Stream cuts one instrument's files into frames of rows, one exchange message each,
// and MDFeed, an md.Feed, decodes them into venue-neutral md events and keeps the book
// (stream.go, feed.go): data bought from Tardis runs through the same decode-and-apply
// seam, engine, strategy and simulated exchange as nanotick's own recordings, whatever
// the venue. Probe tells a file's dataset, exchange and symbol from its first rows,
// VenueName maps Tardis's exchange ids to nanotick's venue names, and Decimals guesses
// scales for data nobody described. Source, the older path, re-encodes rows as Binance
// frames for the Binance feed (Binance data only).
//
// It never panics on any input, never lets memory grow with a file's length, and never
// trades: it reads.
//
// # Datasets
//
// incremental_book_L2 has the columns
//
//	exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount
//
// and trades
//
//	exchange,symbol,timestamp,local_timestamp,id,side,price,amount
//
// with timestamps in microseconds since the Unix epoch (timestamp is the exchange's,
// local_timestamp Tardis's arrival time), side "bid"/"ask" for the book and the
// taker's "buy"/"sell"/"unknown" for trades, and amount the new size of a level, not
// a delta: 0 removes the level. A run of is_snapshot=true rows following an update
// row (or opening a file) is a full snapshot that replaces the book: each file starts
// with one, and Tardis writes another after each reconnection. Update rows before a
// file's first snapshot are buffered updates from before it and are skipped. Rows of
// one exchange message share their local_timestamp. Files may be gzip-compressed
// (detected by content) or plain; the first line must be the header.
//
// # Reading
//
// BookReader and TradeReader stream rows from a list of files with constant memory:
// one line at a time, at most MaxLine bytes. Prices and amounts are read exactly into
// the fixed-point units of the instrument's scales (package fixed), never through
// float64. A malformed row (wrong number of columns, a bad number, side or flag, an
// overlong line) is counted and skipped, and the first few are kept as errors naming
// file and line; with Strict, the first one is returned as the error instead. A
// missing file, a wrong header or an I/O error always ends the stream with an error.
// Rows of another symbol than the instrument's (when it names one) are skipped and
// counted.
//
// book_snapshot_N rows are each a whole top of book (see snapshot.go); each replays as
// a REST depth snapshot followed by an empty depthUpdate that bridges it, so that the
// book is valid from every row on.
//
// # Replay as Binance frames (Source)
//
// Source implements backtest.Source by synthesizing, in local time order, the frames
// a Binance recording would hold: each snapshot block becomes a REST depth snapshot
// body {"lastUpdateId":N,"bids":[...],"asks":[...]}; each group of consecutive update
// rows with the same local_timestamp becomes one combined-stream depthUpdate whose U
// and u are synthetic, consecutive update ids following the snapshot's (so the Binance
// sync applies them in order and bridges each snapshot); each trade row becomes a
// trade frame. Book frames and trades are merged by local timestamp, the book first
// at equal times. Limits of this design: exchange times (E, T) come from the
// timestamp column truncated to milliseconds and local times are microseconds; update
// ids are not the exchange's, so a gap in Tardis's data cannot be detected (Tardis
// marks them with a new snapshot, which resets the book here too); there is no
// bookTicker stream; trade ids that are not decimal integers become 0, and a trade of
// side "unknown" is replayed as a buy (m=false); a snapshot block is held in memory
// while its frame is built.
//
// The package never panics on any input, never reorders rows within a stream, and
// never drops a row silently: everything skipped is counted.
package tardis

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"os"
	"strings"

	"github.com/nanotick/nanotick/feeds/binance"
	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/orderbook"
)

// MaxLine is the longest line the readers accept; a longer one is malformed.
const MaxLine = 4096

// maxKept is how many malformed-row errors a reader keeps.
const maxKept = 10

// Headers of the datasets.
const (
	BookHeader  = "exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount"
	TradeHeader = "exchange,symbol,timestamp,local_timestamp,id,side,price,amount"
)

// ErrMalformed is wrapped by the error of every malformed row.
var ErrMalformed = errors.New("malformed row")

// ErrTruncated is the error of a file that ends inside a row (a line without its line
// feed, or a gzip stream cut short): the rows before it were delivered, and the stream
// ends there.
var ErrTruncated = errors.New("truncated file: it ends inside this line")

// Error is an error at a line of a file.
type Error struct {
	File string
	Line int // from 1
	Err  error
}

// Error returns "file:line: err".
func (e *Error) Error() string { return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err) }

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Counters count a reader's rows.
type Counters struct {
	Rows        uint64 // rows returned
	Malformed   uint64 // rows skipped as malformed
	OtherSymbol uint64 // rows skipped for naming another symbol
}

// lines reads the lines of a list of files in order, checking each file's header.
type lines struct {
	openFn func(string) (io.ReadCloser, error)
	paths  []string
	header string
	next   int // index of the next file to open
	name   string
	line   int
	f      io.Closer
	br     *bufio.Reader
	over   bool // the last line was too long and is being discarded
	// done and total are the bytes of the files read so far and their sizes (total
	// is 0 when the files are not on the file system), for a progress display.
	done, total int64
}

// counting counts the bytes read from a file into *n.
type counting struct {
	r io.Reader
	n *int64
}

func (c counting) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	*c.n += int64(n)
	return n, err
}

// openFile is how files are opened: os.Open, or an in-memory table in tests.
type openFile func(string) (io.ReadCloser, error)

func osOpen(p string) (io.ReadCloser, error) { return os.Open(p) }

func newLines(header string, paths []string, open openFile) (*lines, error) {
	if len(paths) == 0 {
		return nil, errors.New("tardis: no files")
	}
	var total int64
	if open == nil {
		open = osOpen
		for _, p := range paths {
			fi, err := os.Stat(p)
			if err != nil {
				return nil, fmt.Errorf("tardis: %w", err)
			}
			total += fi.Size()
		}
	}
	return &lines{openFn: open, paths: paths, header: header, total: total}, nil
}

// open opens the next file and checks its header.
func (l *lines) open() error {
	l.closeFile()
	p := l.paths[l.next]
	l.next++
	f, err := l.openFn(p)
	if err != nil {
		return fmt.Errorf("tardis: %w", err)
	}
	l.f, l.name, l.line = f, p, 0
	br := bufio.NewReaderSize(counting{f, &l.done}, 64<<10)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			l.closeFile()
			return &Error{File: p, Line: 1, Err: err}
		}
		br = bufio.NewReaderSize(zr, 64<<10)
	}
	l.br = br
	h, err := l.read()
	if err == io.EOF {
		l.closeFile()
		return &Error{File: p, Line: 1, Err: errors.New("empty file: no header")}
	}
	if err != nil {
		l.closeFile()
		return &Error{File: p, Line: 1, Err: fmt.Errorf("header: %v", err)}
	}
	if string(h) != l.header {
		l.closeFile()
		return &Error{File: p, Line: 1, Err: fmt.Errorf("header %q, want %q", truncate(h), l.header)}
	}
	return nil
}

func truncate(b []byte) string {
	if len(b) > 120 {
		return string(b[:120]) + "..."
	}
	return string(b)
}

// errLong marks a line longer than MaxLine.
var errLong = fmt.Errorf("%w: line longer than %d bytes", ErrMalformed, MaxLine)

// read returns the next line of the open file without its line end, io.EOF at its
// end, or errLong (as an *Error) for an overlong line, which it skips.
func (l *lines) read() ([]byte, error) {
	for {
		b, err := l.br.ReadSlice('\n')
		if err == bufio.ErrBufferFull || ((err == nil || err == io.EOF) && len(b) > MaxLine+2) {
			if !l.over {
				l.line++
			}
			l.over = err == bufio.ErrBufferFull
			if l.over {
				continue
			}
			return nil, &Error{File: l.name, Line: l.line, Err: errLong}
		}
		if l.over {
			// The tail of an overlong line.
			l.over = false
			if err != nil && err != io.EOF {
				return nil, &Error{File: l.name, Line: l.line, Err: err}
			}
			return nil, &Error{File: l.name, Line: l.line, Err: errLong}
		}
		if len(b) == 0 && err == io.EOF {
			return nil, io.EOF
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			// Every row Tardis writes ends with a line feed: a last line without
			// one was cut short, and its numbers may be too.
			return nil, &Error{File: l.name, Line: l.line + 1, Err: ErrTruncated}
		}
		if err != nil {
			return nil, &Error{File: l.name, Line: l.line + 1, Err: err}
		}
		l.line++
		b = bytes.TrimSuffix(b, []byte("\n"))
		b = bytes.TrimSuffix(b, []byte("\r"))
		return b, nil
	}
}

// nextLine returns the next data line of any file; io.EOF after the last file.
// fileStart reports that the line is the first data line of a file.
func (l *lines) nextLine() (b []byte, fileStart bool, err error) {
	for {
		if l.br == nil {
			if l.next == len(l.paths) {
				return nil, false, io.EOF
			}
			if err := l.open(); err != nil {
				return nil, false, err
			}
			fileStart = true
		}
		b, err := l.read()
		if err == io.EOF {
			l.closeFile()
			continue
		}
		if err != nil {
			return nil, fileStart, err
		}
		if len(b) == 0 {
			continue // a blank line carries nothing
		}
		return b, fileStart, nil
	}
}

func (l *lines) closeFile() error {
	l.br = nil
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// split splits b at commas into exactly len(dst) fields, reporting false for another
// count or a quoted field (Tardis never quotes).
func split(b []byte, dst [][]byte) bool {
	if bytes.IndexByte(b, '"') >= 0 {
		return false
	}
	n := 0
	for {
		i := bytes.IndexByte(b, ',')
		if n == len(dst) {
			return false
		}
		if i < 0 {
			dst[n] = b
			n++
			break
		}
		dst[n] = b[:i]
		n++
		b = b[i+1:]
	}
	return n == len(dst)
}

// splitAll splits b at commas into dst, returning the number of fields, or -1 when
// there are more than len(dst) or a field is quoted (Tardis never quotes).
func splitAll(b []byte, dst [][]byte) int {
	if bytes.IndexByte(b, '"') >= 0 {
		return -1
	}
	n := 0
	for n < len(dst) {
		i := bytes.IndexByte(b, ',')
		if i < 0 {
			dst[n] = b
			return n + 1
		}
		dst[n] = b[:i]
		n++
		b = b[i+1:]
	}
	return -1
}

// micros parses a non-negative decimal count of microseconds and returns nanoseconds.
func micros(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 16 {
		return 0, false
	}
	var v int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	return v * 1000, true
}

// common holds what both readers share.
type common struct {
	l      *lines
	inst   binance.Instrument
	cs     int64 // contract size in quantity units; 0: amounts are base quantities
	strict bool
	c      Counters
	kept   []error
	fields [tickerColumns][]byte
	// width is the dataset's number of columns: 8 (book, trades) when 0, 11 for
	// derivative_ticker.
	width int
	line  []byte // the last row's text, valid until the next read
}

// cols returns the field slots of the dataset's columns.
func (c *common) cols() [][]byte {
	if c.width == 0 {
		return c.fields[:8]
	}
	return c.fields[:c.width]
}

// SetStrict makes a malformed row end the stream with its error instead of being
// skipped.
func (c *common) SetStrict(v bool) { c.strict = v }

// Counters returns the reader's counters.
func (c *common) Counters() Counters { return c.c }

// Errors returns the first malformed-row errors (at most 10), each naming file and
// line.
func (c *common) Errors() []error { return c.kept }

// Close closes the open file.
func (c *common) Close() error { return c.l.closeFile() }

// malformed counts a bad row and returns the error to stop with, if strict.
func (c *common) malformed(err error) error {
	c.c.Malformed++
	if len(c.kept) < maxKept {
		c.kept = append(c.kept, err)
	}
	if c.strict {
		return err
	}
	return nil
}

func (c *common) bad(what string, v []byte) error {
	return &Error{File: c.l.name, Line: c.l.line, Err: fmt.Errorf("%w: %s %q", ErrMalformed, what, truncate(v))}
}

// row reads the next well-formed row into c.fields, with its common columns parsed.
func (c *common) row() (ts, local int64, fileStart bool, err error) {
	for {
		b, start, err := c.l.nextLine()
		fileStart = fileStart || start
		if err != nil {
			var e *Error
			if errors.As(err, &e) && errors.Is(err, ErrMalformed) {
				if err := c.malformed(err); err != nil {
					return 0, 0, fileStart, err
				}
				continue
			}
			return 0, 0, fileStart, err
		}
		c.line = b
		f := c.cols()
		var perr error
		switch {
		case !split(b, f):
			perr = c.bad(fmt.Sprintf("want %d unquoted columns, got", len(f)), b)
		default:
			var ok bool
			if ts, ok = micros(f[2]); !ok {
				perr = c.bad("timestamp", f[2])
			} else if local, ok = micros(f[3]); !ok {
				perr = c.bad("local_timestamp", f[3])
			}
		}
		if perr != nil {
			if err := c.malformed(perr); err != nil {
				return 0, 0, fileStart, err
			}
			continue
		}
		if c.inst.Symbol != "" && !strings.EqualFold(string(f[1]), c.inst.Symbol) {
			c.c.OtherSymbol++
			continue
		}
		return ts, local, fileStart, nil
	}
}

// BookRow is one row of incremental_book_L2.
type BookRow struct {
	Time     int64 // exchange time (the timestamp column), Unix ns
	Local    int64 // arrival time (local_timestamp), Unix ns
	Snapshot bool
	Side     orderbook.Side
	Price    int64 // in units of the instrument's price scale
	Amount   int64 // in units of its quantity scale; 0 removes the level
	// FileStart marks the first row of a file.
	FileStart bool
}

// BookReader streams incremental_book_L2 rows.
type BookReader struct {
	common
	row BookRow
}

// OpenBook returns a reader of the incremental_book_L2 files at paths, read in order,
// parsing prices and amounts at inst's scales and keeping the rows of inst.Symbol
// (all rows if it is empty). It checks that every file exists.
func OpenBook(inst binance.Instrument, paths ...string) (*BookReader, error) {
	return openBook(inst, nil, paths)
}

func openBook(inst binance.Instrument, open openFile, paths []string) (*BookReader, error) {
	if !inst.PriceScale.Valid() || !inst.QtyScale.Valid() {
		return nil, errors.New("tardis: invalid scales")
	}
	l, err := newLines(BookHeader, paths, open)
	if err != nil {
		return nil, err
	}
	return &BookReader{common: common{l: l, inst: inst}}, nil
}

// Next returns the next row, valid until the next call, or io.EOF after the last.
func (r *BookReader) Next() (*BookRow, error) {
	for {
		ts, local, start, err := r.common.row()
		if err != nil {
			return nil, err
		}
		row := BookRow{Time: ts, Local: local, FileStart: start}
		var perr error
		if what, v := parseBook(r.cols(), r.scales(), &row); what != "" {
			perr = r.bad(what, v)
		}
		if perr != nil {
			if err := r.malformed(perr); err != nil {
				return nil, err
			}
			continue
		}
		r.c.Rows++
		r.row = row
		return &r.row, nil
	}
}

// Where returns the file and line of the last row read.
func (r *BookReader) Where() (string, int) { return r.l.name, r.l.line }

// TradeRow is one row of trades.
type TradeRow struct {
	Time  int64  // exchange time, Unix ns
	Local int64  // arrival time, Unix ns
	ID    uint64 // the trade id if it is a decimal integer, else 0
	Sell  bool   // the taker sold (side "sell"); "buy" and "unknown" are false
	// Unknown says the exchange did not tell the taker's side ("unknown"): Sell is
	// then false, and the trade counts as a buy.
	Unknown bool
	Price   int64
	Amount  int64
}

// TradeReader streams trades rows.
type TradeReader struct {
	common
	row TradeRow
}

// OpenTrades returns a reader of the trades files at paths, read in order, like
// OpenBook.
func OpenTrades(inst binance.Instrument, paths ...string) (*TradeReader, error) {
	return openTrades(inst, nil, paths)
}

func openTrades(inst binance.Instrument, open openFile, paths []string) (*TradeReader, error) {
	if !inst.PriceScale.Valid() || !inst.QtyScale.Valid() {
		return nil, errors.New("tardis: invalid scales")
	}
	l, err := newLines(TradeHeader, paths, open)
	if err != nil {
		return nil, err
	}
	return &TradeReader{common: common{l: l, inst: inst}}, nil
}

// Next returns the next row, valid until the next call, or io.EOF after the last.
func (r *TradeReader) Next() (*TradeRow, error) {
	for {
		ts, local, _, err := r.common.row()
		if err != nil {
			return nil, err
		}
		row := TradeRow{Time: ts, Local: local}
		var perr error
		if what, v := parseTrade(r.cols(), r.scales(), &row); what != "" {
			perr = r.bad(what, v)
		}
		if perr != nil {
			if err := r.malformed(perr); err != nil {
				return nil, err
			}
			continue
		}
		r.c.Rows++
		r.row = row
		return &r.row, nil
	}
}

// tradeID reads a decimal trade id, or returns 0 for anything else.
func tradeID(b []byte) uint64 {
	if len(b) == 0 || len(b) > 19 {
		return 0
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0
		}
		v = v*10 + uint64(c-'0')
	}
	return v
}

// scales are what a row's numbers are read at: the instrument's price and quantity
// scales, and the contract size amounts are multiplied by (0: none).
type scales struct {
	price, qty fixed.Scale
	cs         int64
}

func (c *common) scales() scales { return scales{c.inst.PriceScale, c.inst.QtyScale, c.cs} }

// parseBook reads the book columns (is_snapshot, side, price, amount) of the fields of
// an incremental_book_L2 row into row. It returns the name and text of the first bad
// column, or "" when the row is good.
func parseBook(f [][]byte, sc scales, row *BookRow) (what string, v []byte) {
	switch string(f[4]) {
	case "true":
		row.Snapshot = true
	case "false":
		row.Snapshot = false
	default:
		return "is_snapshot", f[4]
	}
	switch string(f[5]) {
	case "bid":
		row.Side = orderbook.Bid
	case "ask":
		row.Side = orderbook.Ask
	default:
		return "side", f[5]
	}
	var err error
	if row.Price, err = sc.price.Parse(f[6]); err != nil || row.Price <= 0 {
		return "price", f[6]
	}
	var ok bool
	if row.Amount, ok = sc.amount(f[7]); !ok || row.Amount < 0 {
		return "amount", f[7]
	}
	return "", nil
}

// parseTrade reads the trade columns (id, side, price, amount) of the fields of a
// trades row into row, like parseBook.
func parseTrade(f [][]byte, sc scales, row *TradeRow) (what string, v []byte) {
	row.ID = tradeID(f[4])
	switch string(f[5]) {
	case "buy":
		row.Sell, row.Unknown = false, false
	case "unknown":
		row.Sell, row.Unknown = false, true
	case "sell":
		row.Sell, row.Unknown = true, false
	default:
		return "side", f[5]
	}
	var err error
	if row.Price, err = sc.price.Parse(f[6]); err != nil || row.Price <= 0 {
		return "price", f[6]
	}
	var ok bool
	if row.Amount, ok = sc.amount(f[7]); !ok || row.Amount <= 0 {
		return "amount", f[7]
	}
	return "", nil
}

// amount reads an amount at the quantity scale and, for a venue that counts in
// contracts, turns it into base quantity: amount × contract size, exactly. It reports
// false for bad text, or a product that needs more decimals than the scale has or
// does not fit.
func (sc scales) amount(b []byte) (int64, bool) {
	a, err := sc.qty.Parse(b)
	if err != nil {
		return 0, false
	}
	if sc.cs == 0 {
		return a, true
	}
	return contracts(a, sc.cs, sc.qty)
}

// contracts returns a × cs / 10^q, reporting false unless it is exact and fits: a
// and cs are at scale q, so their product is at 2q.
func contracts(a, cs int64, q fixed.Scale) (int64, bool) {
	if a < 0 || cs <= 0 {
		return 0, false
	}
	hi, lo := bits.Mul64(uint64(a), uint64(cs))
	unit := uint64(q.Unit())
	if hi >= unit {
		return 0, false
	}
	quo, rem := bits.Div64(hi, lo, unit)
	if rem != 0 || quo > math.MaxInt64 {
		return 0, false
	}
	return int64(quo), true
}
