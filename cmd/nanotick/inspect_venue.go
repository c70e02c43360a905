package main

// inspect and book over the recordings of a venue read through its md.Feed (Bybit,
// Kraken): the files' instrument checked alike, the frames replayed as the engine
// reads them, and the same rows and book lines. A venue's file (inspect_bybit.go,
// inspect_kraken.go) holds its recordingVenue: how a file is recognised, which files
// go together, its feed, and how its frames and book counters read.

import (
	"bufio"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/nanotick/nanotick/feeds/recording"
	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/md"
	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/risk"
	"github.com/nanotick/nanotick/strategy"
)

// recordingVenue is what inspect, book and backtest need of one venue's recordings.
type recordingVenue struct {
	// name names the venue in messages ("Bybit").
	name string
	// probe says whether path is a recording of the venue, and of which instrument.
	probe func(d *dataHeads, path string) (instrument.Spec, bool, error)
	// merge returns the instrument of files read together, have so far and got of
	// file, or why they cannot be read together (first is the first file).
	merge func(have, got instrument.Spec, file, first string) (instrument.Spec, error)
	// newFeed returns the venue's md.Feed of sp over book.
	newFeed func(sp *instrument.Spec, book *orderbook.Book) (md.Feed, error)
	// instrument is the instrument row of inspect.
	instrument func(sp *instrument.Spec) string
	// frames is the frames row of inspect, from the count of each event kind.
	frames func(kinds *[md.Mark + 1]uint64) string
	// book is the book row of inspect, from the feed's counters.
	book func(feed md.Feed) string
	// configScales says why a config's scales cannot read sp's recording (after "the
	// config reads X at p/q decimals"), or "" when they can.
	configScales func(ps, qs fixed.Scale, sp *instrument.Spec) string
	// rules gives the engine's instrument and risk rules of sp's recording without a
	// config, or why it cannot.
	rules func(sp *instrument.Spec) (strategy.Instrument, risk.Instrument, string)
}

// venueInputs reports whether files are v's recordings, and their instrument: every
// file must be one, of instruments v can read together.
func (d *dataHeads) venueInputs(v *recordingVenue, files []string) (*instrument.Spec, bool, error) {
	var spec *instrument.Spec
	for _, f := range files {
		got, ok, err := v.probe(d, f)
		switch {
		case err != nil:
			return nil, spec != nil || ok, err
		case !ok && spec == nil:
			return nil, false, nil
		case !ok:
			return nil, true, fmt.Errorf("%s is not a %s recording, %s is", f, v.name, files[0])
		case spec == nil:
			spec = &got
		default:
			sp, err := v.merge(*spec, got, f, files[0])
			if err != nil {
				return nil, true, err
			}
			spec = &sp
		}
	}
	return spec, spec != nil, nil
}

// replayVenue reads files through v's md.Feed, calling fn after each frame is decoded
// and applied (with the frame's error, if any, and its event).
func replayVenue(v *recordingVenue, files []string, sp *instrument.Spec, book *orderbook.Book, fn func(rec recording.Record, ev *md.Event, err error), bad func(error)) (md.Feed, error) {
	feed, err := v.newFeed(sp, book)
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

// inspectVenue is nanotick inspect over v's recordings.
func inspectVenue(v *recordingVenue, files []string, sp *instrument.Spec, stdout, stderr io.Writer) int {
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
	feed, err := replayVenue(v, files, sp, book, func(rec recording.Record, ev *md.Event, err error) {
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
	row("instrument", "%s", v.instrument(sp))
	row("records", "%d, unreadable lines %d", records, badLines)
	if last > 0 {
		row("time span", "%s .. %s (%v)", stamp(first), stamp(last), time.Duration(last-first).Round(time.Millisecond))
	}
	if backwards > 0 {
		row("clock", "%d local times went BACKWARDS", backwards)
	}
	row("frames", "%s", v.frames(&kinds))
	if feed != nil {
		row("book", "%s", v.book(feed))
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

// bookVenue is nanotick book over v's recordings: the book after every applied
// snapshot or update.
func bookVenue(v *recordingVenue, files []string, sp *instrument.Spec, p *bookPrinter, stderr io.Writer) int {
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
	_, err := replayVenue(v, files, sp, book, func(rec recording.Record, ev *md.Event, err error) {
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
