package main

// inspect and book over Kraken WebSocket v2 recordings (nanotick record --venue
// kraken): the frames replay through feeds/kraken's md.Feed, as the engine reads them,
// every book message verified by its checksum, at the scales of the instrument snapshot
// recorded at the head of each file (feeds/detect.Kraken).

import (
	"bufio"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/nanotick/nanotick/feeds/kraken"
	"github.com/nanotick/nanotick/feeds/recording"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/md"
	"github.com/nanotick/nanotick/orderbook"
)

// krakenInputs reports whether files are Kraken recordings, and their instrument: every
// file must be one, of the same pair at the same scales.
func (d *dataHeads) krakenInputs(files []string) (*instrument.Spec, bool, error) {
	var spec *instrument.Spec
	for _, f := range files {
		res, ok, err := d.kraken(f)
		switch {
		case err != nil:
			return nil, spec != nil || ok, err
		case !ok && spec == nil:
			return nil, false, nil
		case !ok:
			return nil, true, fmt.Errorf("%s is not a Kraken recording, %s is", f, files[0])
		case spec == nil:
			sp := res.Spec
			spec = &sp
		case res.Spec.ID != spec.ID || res.Spec.PriceScale != spec.PriceScale || res.Spec.QtyScale != spec.QtyScale:
			return nil, true, fmt.Errorf("%s holds %s at scales %d/%d, %s holds %s at %d/%d", f, res.Spec.ID,
				res.Spec.PriceScale, res.Spec.QtyScale, files[0], spec.ID, spec.PriceScale, spec.QtyScale)
		}
	}
	return spec, spec != nil, nil
}

// replayKraken reads files through a Kraken md.Feed, calling fn after each frame is
// decoded and applied (fn gets the decode error of a frame that failed, and its
// event).
func replayKraken(files []string, sp *instrument.Spec, book *orderbook.Book, fn func(rec recording.Record, ev *md.Event, err error), bad func(error)) (md.Feed, error) {
	feed, err := kraken.NewMDFeed(sp, book, md.Config{})
	if err != nil {
		return nil, err
	}
	return feed, replay(files, func(rec recording.Record) bool {
		ev, err := feed.Decode(rec.Frame)
		if err == nil {
			err = feed.Apply(rec.Local)
		}
		fn(rec, ev, err)
		return true
	}, bad)
}

// inspectKraken is nanotick inspect over Kraken recordings.
func inspectKraken(files []string, sp *instrument.Spec, stdout, stderr io.Writer) int {
	bw := bufio.NewWriter(stdout)
	defer bw.Flush()
	row := func(name, format string, a ...any) {
		fmt.Fprintln(bw, strings.TrimRight(fmt.Sprintf("%-16s %s", name, fmt.Sprintf(format, a...)), " "))
	}
	book := orderbook.New(bookCapacity)
	var records, badLines, backwards uint64
	var first, last int64
	var kinds [md.Mark + 1]uint64
	var errs []string
	start := time.Now()
	feed, err := replayKraken(files, sp, book, func(rec recording.Record, ev *md.Event, err error) {
		records++
		if first == 0 {
			first = rec.Local
		}
		if rec.Local < last {
			backwards++
		}
		last = max(last, rec.Local)
		kinds[ev.Kind]++
		if err != nil && len(errs) < maxReported {
			errs = append(errs, fmt.Sprintf("%s:%d: %v", filepath.Base(rec.File), rec.Line, err))
		}
	}, func(err error) {
		badLines++
		if len(errs) < maxReported {
			errs = append(errs, err.Error())
		}
	})
	wall := time.Since(start)
	names := make([]string, 0, len(files))
	for _, f := range files {
		names = append(names, filepath.Base(f))
	}
	row("files", "%s", strings.Join(names, " "))
	row("instrument", "%s, price scale %d, qty scale %d (Kraken's price_precision and qty_precision, from the recorded instrument snapshot)", sp.ID, sp.PriceScale, sp.QtyScale)
	row("records", "%d, unreadable lines %d", records, badLines)
	if last > 0 {
		row("time span", "%s .. %s (%v)", stamp(first), stamp(last), time.Duration(last-first).Round(time.Millisecond))
	}
	if backwards > 0 {
		row("clock", "%d local times went BACKWARDS", backwards)
	}
	row("frames", "%d snapshots, %d updates, %d trades, %d book invalidations, %d other (instrument, heartbeats, answers)",
		kinds[md.Snapshot], kinds[md.Depth], kinds[md.Trade], kinds[md.StatusChange], kinds[md.None])
	if feed != nil {
		st := feed.(*kraken.MDFeed).Kraken().Stats()
		row("book", "checksums verified %d, mismatches %d, resubscriptions %d, malformed %d, ignored while not live %d",
			st.Snapshots+st.Updates, st.ChecksumMismatches, st.Resubscribes, st.Malformed, st.Ignored)
		if bid, ok := book.Best(orderbook.Bid); ok {
			ask, _ := book.Best(orderbook.Ask)
			row("", "at the end: valid %v, best bid %s x %s, best ask %s x %s", book.Valid(),
				sp.PriceScale.String(bid.Price), sp.QtyScale.String(bid.Qty), sp.PriceScale.String(ask.Price), sp.QtyScale.String(ask.Qty))
		}
	}
	if len(errs) > 0 {
		row("malformed", "first %d:", len(errs))
		for _, e := range errs {
			fmt.Fprintf(bw, "  %s\n", e)
		}
	}
	row("throughput", "%d records in %v", records, wall.Round(time.Microsecond))
	if err != nil {
		bw.Flush()
		fmt.Fprintf(stderr, "nanotick inspect: %v\n", err)
		return 1
	}
	return 0
}

// bookKraken is nanotick book over Kraken recordings: the book after every verified
// snapshot or update.
func bookKraken(files []string, sp *instrument.Spec, p *bookPrinter, stderr io.Writer) int {
	p.ps, p.qs = sp.PriceScale, sp.QtyScale
	if !p.jsonl {
		p.header()
	}
	book := orderbook.New(bookCapacity)
	malformed := 0
	report := func(s string) {
		if malformed++; malformed <= maxReported {
			fmt.Fprintln(stderr, s)
		}
	}
	_, err := replayKraken(files, sp, book, func(rec recording.Record, ev *md.Event, err error) {
		if err != nil {
			report(fmt.Sprintf("%s:%d: %v", filepath.Base(rec.File), rec.Line, err))
			return
		}
		if ev.Applied > 0 && (ev.Kind == md.Snapshot || ev.Kind == md.Depth) {
			p.print(book)
		}
	}, func(err error) { report(err.Error()) })
	if ferr := p.w.Flush(); ferr != nil && err == nil {
		err = ferr
	}
	if malformed > 0 {
		fmt.Fprintf(stderr, "nanotick book: %d malformed frames skipped\n", malformed)
	}
	if err != nil {
		fmt.Fprintf(stderr, "nanotick book: %v\n", err)
		return 1
	}
	return 0
}
