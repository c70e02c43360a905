package tardis

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/nanotick/nanotick/feeds/binance"
	"github.com/nanotick/nanotick/orderbook"
)

// The book_snapshot_N datasets (book_snapshot_25, book_snapshot_5) hold one row per
// top-of-book snapshot:
//
//	exchange,symbol,timestamp,local_timestamp,asks[0].price,asks[0].amount,bids[0].price,bids[0].amount,...,asks[N-1].price,asks[N-1].amount,bids[N-1].price,bids[N-1].amount
//
// with a level's two fields empty when the side has fewer than N levels
// (https://docs.tardis.dev/downloadable-csv-files#book_snapshot_25).

// MaxSnapshotLevels bounds N: a header announcing more is refused. Tardis sells
// book_snapshot_5 and book_snapshot_25; a row of 25 levels fits MaxLine.
const MaxSnapshotLevels = 25

// snapshotHeader returns the header of book_snapshot_n.
func snapshotHeader(n int) string {
	var sb strings.Builder
	sb.WriteString("exchange,symbol,timestamp,local_timestamp")
	for i := range n {
		fmt.Fprintf(&sb, ",asks[%d].price,asks[%d].amount,bids[%d].price,bids[%d].amount", i, i, i, i)
	}
	return sb.String()
}

// snapshotLevels returns N for a book_snapshot_N header, or 0 if h is not one.
func snapshotLevels(h []byte) int {
	const prefix = "exchange,symbol,timestamp,local_timestamp,"
	if !bytes.HasPrefix(h, []byte(prefix)) {
		return 0
	}
	n := (bytes.Count(h, []byte(",")) - 3) / 4
	if n < 1 || n > MaxSnapshotLevels || string(h) != snapshotHeader(n) {
		return 0
	}
	return n
}

// SnapshotRow is one row of book_snapshot_N: the top N levels of each side, best first.
type SnapshotRow struct {
	Time  int64 // exchange time (the timestamp column), Unix ns
	Local int64 // arrival time (local_timestamp), Unix ns
	Bids  []orderbook.Level
	Asks  []orderbook.Level
}

// SnapshotReader streams book_snapshot_N rows. Every file must have the same N.
type SnapshotReader struct {
	common
	n      int
	fields [][]byte
	row    SnapshotRow
}

// OpenSnapshots returns a reader of the book_snapshot_N files at paths, read in order,
// like OpenBook; N is read from the first file's header.
func OpenSnapshots(inst binance.Instrument, paths ...string) (*SnapshotReader, error) {
	return openSnapshots(inst, nil, paths)
}

func openSnapshots(inst binance.Instrument, open openFile, paths []string) (*SnapshotReader, error) {
	if !inst.PriceScale.Valid() || !inst.QtyScale.Valid() {
		return nil, errors.New("tardis: invalid scales")
	}
	if len(paths) == 0 {
		return nil, errors.New("tardis: no files")
	}
	if open == nil {
		open = osOpen
	}
	h, _, err := firstLines(open, paths[0])
	if err != nil {
		return nil, err
	}
	n := snapshotLevels(h)
	if n == 0 {
		return nil, &Error{File: paths[0], Line: 1, Err: fmt.Errorf("header %q is not book_snapshot_N's", truncate(h))}
	}
	l, err := newLines(snapshotHeader(n), paths, open)
	if err != nil {
		return nil, err
	}
	return &SnapshotReader{common: common{l: l, inst: inst}, n: n, fields: make([][]byte, 4+4*n),
		row: SnapshotRow{Bids: make([]orderbook.Level, 0, n), Asks: make([]orderbook.Level, 0, n)}}, nil
}

// Levels returns N.
func (r *SnapshotReader) Levels() int { return r.n }

// Next returns the next row, valid until the next call, or io.EOF after the last.
func (r *SnapshotReader) Next() (*SnapshotRow, error) {
	for {
		b, _, err := r.l.nextLine()
		if err != nil {
			var e *Error
			if errors.As(err, &e) && errors.Is(err, ErrMalformed) {
				if err := r.malformed(err); err != nil {
					return nil, err
				}
				continue
			}
			return nil, err
		}
		r.line = b
		perr := r.parse(b)
		if perr == errOtherSymbol {
			r.c.OtherSymbol++
			continue
		}
		if perr != nil {
			if err := r.malformed(perr); err != nil {
				return nil, err
			}
			continue
		}
		r.c.Rows++
		return &r.row, nil
	}
}

var errOtherSymbol = errors.New("other symbol")

// parse reads line b into r.row.
func (r *SnapshotReader) parse(b []byte) error {
	f := r.fields
	if !split(b, f) {
		return r.bad("want "+strconv.Itoa(len(f))+" unquoted columns, got", b)
	}
	row := &r.row
	var ok bool
	if row.Time, ok = micros(f[2]); !ok {
		return r.bad("timestamp", f[2])
	}
	if row.Local, ok = micros(f[3]); !ok {
		return r.bad("local_timestamp", f[3])
	}
	if r.inst.Symbol != "" && !strings.EqualFold(string(f[1]), r.inst.Symbol) {
		return errOtherSymbol
	}
	row.Bids, row.Asks = row.Bids[:0], row.Asks[:0]
	for i := range r.n {
		g := f[4+4*i : 8+4*i]
		for side, pq := range [2][2][]byte{{g[2], g[3]}, {g[0], g[1]}} { // bids, asks
			if len(pq[0]) == 0 && len(pq[1]) == 0 {
				continue // the side has fewer than N levels
			}
			p, err := r.inst.PriceScale.Parse(pq[0])
			if err != nil || p <= 0 {
				return r.bad("price", pq[0])
			}
			q, ok := r.scales().amount(pq[1])
			if !ok || q <= 0 {
				return r.bad("amount", pq[1])
			}
			l := orderbook.Level{Price: p, Qty: q}
			if side == 0 {
				row.Bids = append(row.Bids, l)
			} else {
				row.Asks = append(row.Asks, l)
			}
		}
	}
	return nil
}

// Dataset names a Tardis CSV dataset.
type Dataset string

// The datasets this package reads.
const (
	IncrementalBookL2 Dataset = "incremental_book_L2"
	Trades            Dataset = "trades"
	BookSnapshot      Dataset = "book_snapshot" // book_snapshot_N, any N
)

// Info is what Probe finds in a file.
type Info struct {
	Dataset Dataset
	// Levels is N of book_snapshot_N, 0 for the other datasets.
	Levels int
	// Exchange and Symbol are the first data row's, as Tardis spells them
	// ("binance-futures", "BTCUSDT"); both empty for a file with no rows.
	Exchange, Symbol string
}

// ErrNotTardis is wrapped by Probe's error for a file whose header is none of the
// datasets': not a Tardis CSV file.
var ErrNotTardis = errors.New("not a Tardis CSV file")

// Probe reads a file's header and first data row: which dataset it is, and the
// exchange and symbol its rows are of. A file whose header is none of the datasets'
// is an error.
func Probe(path string) (Info, error) {
	h, row, err := firstLines(osOpen, path)
	if err != nil {
		return Info{}, err
	}
	var info Info
	switch {
	case string(h) == BookHeader:
		info.Dataset = IncrementalBookL2
	case string(h) == TradeHeader:
		info.Dataset = Trades
	case string(h) == TickerHeader:
		info.Dataset = DerivativeTicker
	default:
		if info.Levels = snapshotLevels(h); info.Levels == 0 {
			return Info{}, &Error{File: path, Line: 1, Err: fmt.Errorf("%w: header %q is not incremental_book_L2, trades, book_snapshot_N or derivative_ticker", ErrNotTardis, truncate(h))}
		}
		info.Dataset = BookSnapshot
	}
	if row != nil {
		f := bytes.SplitN(row, []byte(","), 3)
		if len(f) < 3 {
			return Info{}, &Error{File: path, Line: 2, Err: fmt.Errorf("%w: %q", ErrMalformed, truncate(row))}
		}
		info.Exchange, info.Symbol = string(f[0]), string(f[1])
	}
	return info, nil
}

// firstLines returns a file's header and first data line (nil if it has none),
// reading through gzip when the file is compressed.
func firstLines(open openFile, path string) (header, row []byte, err error) {
	f, err := open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("tardis: %w", err)
	}
	defer f.Close()
	var r io.Reader = f
	br := bufio.NewReader(f)
	r = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, &Error{File: path, Line: 1, Err: err}
		}
		r = zr
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), MaxLine*8)
	if !sc.Scan() {
		if err := sc.Err(); err != nil {
			return nil, nil, &Error{File: path, Line: 1, Err: err}
		}
		return nil, nil, &Error{File: path, Line: 1, Err: errors.New("empty file: no header")}
	}
	header = bytes.TrimSuffix(append([]byte(nil), sc.Bytes()...), []byte("\r"))
	for sc.Scan() {
		if b := bytes.TrimSuffix(sc.Bytes(), []byte("\r")); len(b) > 0 {
			return header, append([]byte(nil), b...), nil
		}
	}
	return header, nil, nil
}

// isSnapshotFile reports whether path is a book_snapshot_N file rather than an
// incremental_book_L2 one, by its header.
func isSnapshotFile(open openFile, path string) (bool, error) {
	if open == nil {
		open = osOpen
		if _, err := os.Stat(path); err != nil {
			return false, fmt.Errorf("tardis: %w", err)
		}
	}
	h, _, err := firstLines(open, path)
	if err != nil {
		return false, err
	}
	return snapshotLevels(h) > 0, nil
}
