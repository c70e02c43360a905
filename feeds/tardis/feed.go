package tardis

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/md"
	"github.com/nanotick/nanotick/orderbook"
)

// MDFeed decodes the frames of a Stream (rows of Tardis CSV) into md events and keeps
// one instrument's book from them, as Tardis documents the datasets: a snapshot
// replaces the book, an update sets the amount of a level (0 removes it), a book is
// valid from its first snapshot on. Tardis's files carry no sequence numbers, so there
// is no gap to detect: Tardis marks a reconnection with a new snapshot, which resets
// the book here too.
//
// Decode parses every row of a frame and changes nothing; Apply applies the decoded
// event. Neither allocates once the level slices have grown to the largest frame.
type MDFeed struct {
	book    *orderbook.Book
	sc      scales
	symbol  []byte
	ev      md.Event
	bids    []orderbook.Level
	asks    []orderbook.Level
	fields  [][]byte
	synced  bool
	updates uint64 // update id given to the book: the events applied
	c       md.Counters
}

// NewMDFeed returns the md.Feed of spec's Tardis data, writing into book. It is an
// md.NewFeed: a backtest over Tardis files builds every instrument's feed with it,
// whatever the venue, since the files' format is Tardis's, not the venue's.
func NewMDFeed(spec *instrument.Spec, book *orderbook.Book, cfg md.Config) (md.Feed, error) {
	if spec == nil || spec.ID.Symbol == "" {
		return nil, errors.New("tardis: the feed needs an instrument with a symbol")
	}
	if !spec.PriceScale.Valid() || !spec.QtyScale.Valid() || spec.ContractSize < 0 {
		return nil, fmt.Errorf("tardis: instrument %s: invalid scales or contract size", spec.ID)
	}
	f := &MDFeed{
		book:   book,
		sc:     scales{spec.PriceScale, spec.QtyScale, spec.ContractSize},
		symbol: []byte(spec.ID.Symbol),
		fields: make([][]byte, 4+4*MaxSnapshotLevels),
	}
	f.ev.Instrument = cfg.Index
	return f, nil
}

// errFrame is wrapped by every Decode error.
var errFrame = errors.New("tardis: bad frame")

// Decode implements md.Feed: it parses a frame's rows into the feed's Event. A frame
// with any bad row is refused whole (a Stream only makes frames of good rows).
func (f *MDFeed) Decode(frame []byte) (*md.Event, error) {
	ev := &f.ev
	ev.Kind, ev.Applied, ev.Exchange, ev.Bids, ev.Asks = md.None, 0, 0, nil, nil
	if err := f.decode(frame); err != nil {
		ev.Kind, ev.Bids, ev.Asks = md.None, nil, nil
		f.c.Malformed++
		return ev, err
	}
	ev.Status = f.Status()
	return ev, nil
}

func (f *MDFeed) decode(frame []byte) error {
	ev := &f.ev
	f.bids, f.asks = f.bids[:0], f.asks[:0]
	rows := 0
	for len(frame) > 0 {
		line := frame
		if i := bytes.IndexByte(frame, '\n'); i >= 0 {
			line, frame = frame[:i], frame[i+1:]
		} else {
			frame = nil
		}
		if len(line) == 0 {
			continue
		}
		if err := f.row(line, rows); err != nil {
			return err
		}
		rows++
	}
	if rows == 0 {
		return fmt.Errorf("%w: no rows", errFrame)
	}
	if ev.Kind == md.Snapshot || ev.Kind == md.Depth {
		ev.Bids, ev.Asks = f.bids, f.asks
	}
	return nil
}

// row decodes the n-th row of a frame into the event.
func (f *MDFeed) row(line []byte, n int) error {
	ev := &f.ev
	cols := splitAll(line, f.fields)
	if cols < 8 {
		return fmt.Errorf("%w: %d columns (or quoted ones): %q", errFrame, cols, truncate(line))
	}
	fs := f.fields[:cols]
	if !bytes.EqualFold(fs[1], f.symbol) {
		return fmt.Errorf("%w: symbol %q, want %q", errFrame, truncate(fs[1]), f.symbol)
	}
	ts, ok1 := micros(fs[2])
	_, ok2 := micros(fs[3])
	if !ok1 || !ok2 {
		return fmt.Errorf("%w: timestamps %q, %q", errFrame, truncate(fs[2]), truncate(fs[3]))
	}
	ev.Exchange = max(ev.Exchange, ts)
	if cols == tickerColumns {
		// derivative_ticker: 11 columns, which no book_snapshot_N (4+4N) has.
		if n > 0 {
			return fmt.Errorf("%w: a ticker frame holds one row", errFrame)
		}
		if what, v := parseTicker(fs, &ev.Mark); what != "" {
			return fmt.Errorf("%w: %s %q", errFrame, what, truncate(v))
		}
		ev.Kind = md.Mark
		return nil
	}
	side := string(fs[5])
	if cols != 8 || side != "bid" && side != "ask" && side != "buy" && side != "sell" && side != "unknown" {
		// book_snapshot_N: 4+4N columns, the sixth an amount (book_snapshot_1 has
		// eight columns, like the other datasets, but no side).
		return f.snapshotRow(fs, n)
	}
	switch side {
	case "bid", "ask":
		var r BookRow
		if what, v := parseBook(fs, f.sc, &r); what != "" {
			return fmt.Errorf("%w: %s %q", errFrame, what, truncate(v))
		}
		kind := md.Depth
		if r.Snapshot {
			kind = md.Snapshot
		}
		if n > 0 && kind != ev.Kind {
			return fmt.Errorf("%w: snapshot and update rows in one frame", errFrame)
		}
		ev.Kind = kind
		l := orderbook.Level{Price: r.Price, Qty: r.Amount}
		if r.Side == orderbook.Bid {
			f.bids = append(f.bids, l)
		} else {
			f.asks = append(f.asks, l)
		}
	default:
		if n > 0 {
			return fmt.Errorf("%w: a trade frame holds one row", errFrame)
		}
		var r TradeRow
		if what, v := parseTrade(fs, f.sc, &r); what != "" {
			return fmt.Errorf("%w: %s %q", errFrame, what, truncate(v))
		}
		ev.Kind = md.Trade
		ev.Trade = md.PublicTrade{Price: r.Price, Qty: r.Amount, Aggressor: orderbook.Bid, Time: ts}
		if r.Sell {
			ev.Trade.Aggressor = orderbook.Ask
		}
	}
	return nil
}

// snapshotRow decodes a book_snapshot_N row, a frame of its own.
func (f *MDFeed) snapshotRow(fs [][]byte, n int) error {
	if n > 0 || (len(fs)-4)%4 != 0 {
		return fmt.Errorf("%w: %d columns", errFrame, len(fs))
	}
	for i := 4; i < len(fs); i += 4 {
		for side, pq := range [2][2][]byte{{fs[i+2], fs[i+3]}, {fs[i], fs[i+1]}} { // bids, asks
			if len(pq[0]) == 0 && len(pq[1]) == 0 {
				continue // the side has fewer than N levels
			}
			p, err := f.sc.price.Parse(pq[0])
			if err != nil || p <= 0 {
				return fmt.Errorf("%w: price %q", errFrame, truncate(pq[0]))
			}
			q, ok := f.sc.amount(pq[1])
			if !ok || q <= 0 {
				return fmt.Errorf("%w: amount %q", errFrame, truncate(pq[1]))
			}
			if side == 0 {
				f.bids = append(f.bids, orderbook.Level{Price: p, Qty: q})
			} else {
				f.asks = append(f.asks, orderbook.Level{Price: p, Qty: q})
			}
		}
	}
	f.ev.Kind = md.Snapshot
	return nil
}

// Apply implements md.Feed: a snapshot replaces the book and makes it valid; an update
// before the first snapshot (or after Reset) is dropped; a trade touches no book.
func (f *MDFeed) Apply(local int64) error {
	ev := &f.ev
	ev.Applied = 0
	switch ev.Kind {
	case md.Snapshot:
		if f.c.Snapshots > 0 {
			f.c.Resyncs++
		}
		f.c.Snapshots++
		f.book.Clear()
		f.book.SetLevels(orderbook.Bid, ev.Bids)
		f.book.SetLevels(orderbook.Ask, ev.Asks)
		f.synced = true
		f.book.SetSynced(true)
	case md.Depth:
		if !f.synced {
			f.c.Dropped++
			ev.Status = f.Status()
			return nil
		}
		f.book.SetLevels(orderbook.Bid, ev.Bids)
		f.book.SetLevels(orderbook.Ask, ev.Asks)
	default:
		ev.Status = f.Status()
		return nil
	}
	f.updates++
	f.c.Applied++
	f.book.SetUpdate(f.updates, ev.Exchange, local)
	if f.book.Crossed() {
		f.c.Crossed++
	}
	ev.Applied = 1
	ev.Status = f.Status()
	return nil
}

// Book implements md.Feed.
func (f *MDFeed) Book() *orderbook.Book { return f.book }

// Status implements md.Feed: valid from the first snapshot on.
func (f *MDFeed) Status() md.Status {
	if f.synced {
		return md.Valid
	}
	return md.Resyncing
}

// NeedSnapshot implements md.Feed. A file has no connection to ask for a snapshot: the
// feed waits for the next one in the data.
func (f *MDFeed) NeedSnapshot() bool { return false }

// Reset implements md.Feed: the book turns invalid until the next snapshot row.
func (f *MDFeed) Reset() {
	f.synced = false
	f.book.SetSynced(false)
}

// Counters implements md.Feed.
func (f *MDFeed) Counters() md.Counters { return f.c }

// Warm implements md.Feed. It does nothing: a backtest has no idle time to fill.
func (f *MDFeed) Warm() {}

var _ md.Feed = (*MDFeed)(nil)
