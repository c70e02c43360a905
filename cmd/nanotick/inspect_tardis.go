package main

// inspect and book over Tardis.dev CSV files: the files replay through tardis.Stream
// and tardis.MDFeed, as a backtest reads them, at the scales of the most decimals in
// their first rows (nobody gave the instrument's rules).

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/nanotick/nanotick/feeds/tardis"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/md"
	"github.com/nanotick/nanotick/orderbook"
)

// tardisProbeRows is how many rows of each file decide the scales.
const tardisProbeRows = 20000

// tardisSpec describes the instrument of Tardis files for reading them: the venue and
// symbol of the files, scales from their first rows.
func tardisSpec(in *tardisInput) *instrument.Spec {
	ps, qs := tardis.Decimals(in.files(), tardisProbeRows)
	return &instrument.Spec{ID: in.id, PriceScale: ps, QtyScale: qs}
}

// replayTardis reads one instrument's files through a Stream and an MDFeed, calling fn
// after each frame is applied. It returns the stream (for its counters) and the error
// that ended it, nil at the end of the files.
func replayTardis(in *tardisInput, sp *instrument.Spec, book *orderbook.Book, fn func(local int64, ev *md.Event)) (*tardis.Stream, md.Feed, error) {
	st, err := tardis.OpenStream(in.stream(sp))
	if err != nil {
		return nil, nil, err
	}
	defer st.Close()
	feed, err := tardis.NewMDFeed(sp, book, md.Config{})
	if err != nil {
		return st, nil, err
	}
	for {
		local, frame, err := st.Next()
		if err == io.EOF {
			return st, feed, nil
		}
		if err != nil {
			return st, feed, err
		}
		ev, err := feed.Decode(frame)
		if err != nil {
			return st, feed, fmt.Errorf("tardis: a frame of the stream does not decode: %w", err)
		}
		if err := feed.Apply(local); err != nil {
			return st, feed, err
		}
		fn(local, ev)
	}
}

// inspectTardis is nanotick inspect over Tardis files: per instrument, what the files
// hold and how the book fared.
func inspectTardis(ins []tardisInput, stdout, stderr io.Writer) int {
	bw := bufio.NewWriter(stdout)
	defer bw.Flush()
	row := func(name, format string, a ...any) {
		fmt.Fprintln(bw, strings.TrimRight(fmt.Sprintf("%-16s %s", name, fmt.Sprintf(format, a...)), " "))
	}
	code := 0
	for i := range ins {
		in := &ins[i]
		if i > 0 {
			fmt.Fprintln(bw)
		}
		sp := tardisSpec(in)
		book := orderbook.New(bookCapacity)
		var first, last, backwards int64
		var frames [md.Mark + 1]uint64
		start := time.Now()
		st, feed, err := replayTardis(in, sp, book, func(local int64, ev *md.Event) {
			if first == 0 {
				first = local
			}
			if local < last {
				backwards++
			}
			last = max(last, local)
			frames[ev.Kind]++
		})
		wall := time.Since(start)
		names := make([]string, 0, len(in.book)+len(in.trades))
		for _, f := range in.files() {
			names = append(names, filepath.Base(f))
		}
		row("files", "%s", strings.Join(names, " "))
		row("instrument", "%s (Tardis exchange %q), price scale %d, qty scale %d (the most decimals in the first %d rows of each file; amounts as the files give them, contracts where the venue counts contracts)",
			in.id, in.exchange, sp.PriceScale, sp.QtyScale, tardisProbeRows)
		if st == nil {
			fmt.Fprintf(stderr, "nanotick inspect: %v\n", err)
			code = 1
			continue
		}
		c := st.Counters()
		dataset := "incremental_book_L2"
		if in.snapshot {
			dataset = "book_snapshot_N"
		}
		row("rows", "%s %d, trades %d; malformed %d, other symbols %d, updates before the first snapshot %d (skipped)",
			dataset, c.Book.Rows, c.Trades.Rows, c.Book.Malformed+c.Trades.Malformed, c.Book.OtherSymbol+c.Trades.OtherSymbol, c.SkippedBeforeSnapshot)
		row("frames", "%d snapshots, %d updates, %d trades (%d of unknown side, replayed as buys)", c.Snapshots, c.Depth, c.TradeFrames, c.UnknownSide)
		if len(in.ticker) > 0 {
			row("ticker", "derivative_ticker %d rows (mark price and funding events), malformed %d, other symbols %d", c.Ticker.Rows, c.Ticker.Malformed, c.Ticker.OtherSymbol)
		}
		if last > 0 {
			row("time span", "%s .. %s (%v)", stamp(first), stamp(last), time.Duration(last-first).Round(time.Millisecond))
		}
		if backwards > 0 {
			row("clock", "%d local times went BACKWARDS", backwards)
		}
		if feed != nil {
			fc := feed.Counters()
			row("book", "applied %d, snapshots %d (resyncs %d), dropped before a snapshot %d, crossed %d", fc.Applied, fc.Snapshots, fc.Resyncs, fc.Dropped, fc.Crossed)
			if bid, ok := book.Best(orderbook.Bid); ok {
				ask, _ := book.Best(orderbook.Ask)
				row("", "at the end: valid %v, best bid %s x %s, best ask %s x %s", book.Valid(),
					sp.PriceScale.String(bid.Price), sp.QtyScale.String(bid.Qty), sp.PriceScale.String(ask.Price), sp.QtyScale.String(ask.Qty))
			}
		}
		if errs := st.Errors(); len(errs) > 0 {
			row("malformed", "first %d:", len(errs))
			for _, e := range errs {
				fmt.Fprintf(bw, "  %v\n", e)
			}
		}
		row("throughput", "%d frames in %v", frames[md.Snapshot]+frames[md.Depth]+frames[md.Trade], wall.Round(time.Microsecond))
		if err != nil {
			bw.Flush()
			fmt.Fprintf(stderr, "nanotick inspect: %v\n", err)
			code = 1
		}
	}
	return code
}

// bookTardis is nanotick book over one instrument's Tardis files: the book after every
// applied snapshot or update.
func bookTardis(ins []tardisInput, p *bookPrinter, stderr io.Writer) int {
	if len(ins) != 1 {
		names := make([]string, len(ins))
		for i := range ins {
			names[i] = ins[i].id.String()
		}
		fmt.Fprintf(stderr, "nanotick book: the files hold %d instruments (%s): give one instrument's files\n", len(ins), strings.Join(names, ", "))
		return 2
	}
	in := &ins[0]
	sp := tardisSpec(in)
	p.ps, p.qs = sp.PriceScale, sp.QtyScale
	if !p.jsonl {
		p.header()
	}
	book := orderbook.New(bookCapacity)
	st, _, err := replayTardis(in, sp, book, func(_ int64, ev *md.Event) {
		if ev.Applied > 0 {
			p.print(book)
		}
	})
	if ferr := p.w.Flush(); err == nil {
		err = ferr
	}
	if st != nil && st.Malformed() > 0 {
		fmt.Fprintf(stderr, "nanotick book: %d malformed rows skipped, the first: %v\n", st.Malformed(), st.Errors()[0])
	}
	if err != nil && !errors.Is(err, io.EOF) {
		fmt.Fprintf(stderr, "nanotick book: %v\n", err)
		return 1
	}
	return 0
}
