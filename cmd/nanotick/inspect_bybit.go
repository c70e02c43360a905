package main

// inspect, book and backtest over Bybit v5 recordings (nanotick record --venue
// bybit-spot|bybit-linear): the frames replay through feeds/bybit's md.Feed, as the
// engine reads them, every delta checked against the book's u sequence, at the scales
// and venue feeds/detect.Bybit finds.

import (
	"bufio"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/nanotick/nanotick/feeds/bybit"
	"github.com/nanotick/nanotick/feeds/recording"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/md"
	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/risk"
	"github.com/nanotick/nanotick/strategy"
)

// bybitInputs reports whether files are Bybit recordings, and their instrument: every
// file must be one, of the same instrument. A linear file among spot ones (a spot probe
// that saw no ticker) counts as the linear instrument's.
func (d *dataHeads) bybitInputs(files []string) (*instrument.Spec, bool, error) {
	var spec *instrument.Spec
	for _, f := range files {
		res, ok, err := d.bybit(f)
		switch {
		case err != nil:
			return nil, spec != nil || ok, err
		case !ok && spec == nil:
			return nil, false, nil
		case !ok:
			return nil, true, fmt.Errorf("%s is not a Bybit recording, %s is", f, files[0])
		case spec == nil:
			sp := res.Spec
			spec = &sp
		case res.Spec.ID.Symbol != spec.ID.Symbol:
			return nil, true, fmt.Errorf("%s holds %s, %s holds %s", f, res.Spec.ID, files[0], spec.ID)
		case res.Spec.ID.Venue == bybit.VenueLinear:
			sp := res.Spec
			spec = &sp
		}
	}
	return spec, spec != nil, nil
}

// replayBybit reads files through a Bybit md.Feed, calling fn after each frame is
// decoded and applied.
func replayBybit(files []string, sp *instrument.Spec, book *orderbook.Book, fn func(rec recording.Record, ev *md.Event, err error), bad func(error)) (*bybit.MDFeed, error) {
	feed, err := bybit.NewMDFeedDepth(sp, book, md.Config{}, bybit.DefaultDepth)
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

// inspectBybit is nanotick inspect over Bybit recordings.
func inspectBybit(files []string, sp *instrument.Spec, stdout, stderr io.Writer) int {
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
	feed, err := replayBybit(files, sp, book, func(rec recording.Record, ev *md.Event, err error) {
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
	row("instrument", "%s, price scale %d, qty scale %d", sp.ID, sp.PriceScale, sp.QtyScale)
	row("records", "%d, unreadable lines %d", records, badLines)
	if last > 0 {
		row("time span", "%s .. %s (%v)", stamp(first), stamp(last), time.Duration(last-first).Round(time.Millisecond))
	}
	if backwards > 0 {
		row("clock", "%d local times went BACKWARDS", backwards)
	}
	row("frames", "%d snapshots, %d deltas, %d trades, %d tickers with reference prices, %d other (answers, spot tickers)",
		kinds[md.Snapshot], kinds[md.Depth], kinds[md.Trade], kinds[md.Mark], kinds[md.None])
	if feed != nil {
		c := feed.Counters()
		row("book", "applied %d (snapshots %d), gaps %d, resubscriptions %d, ignored before a snapshot %d, malformed %d",
			c.Applied, c.Snapshots, c.Gaps, c.Resyncs, c.Dropped, c.Malformed)
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

// bookBybit is nanotick book over Bybit recordings: the book after every applied
// snapshot or delta.
func bookBybit(files []string, sp *instrument.Spec, p *bookPrinter, stderr io.Writer) int {
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
	_, err := replayBybit(files, sp, book, func(rec recording.Record, ev *md.Event, err error) {
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

// applyBybitData fits the settings to Bybit recordings. ok is false when the files are
// not Bybit's; otherwise code is the exit status, 0 to go on. Without a config the
// recorded instrument is traded with the rules of Bybit's BTCUSDT at the recording's
// scales (tick 0.01 spot, 0.1 linear; lot 0.000001 spot, 0.001 linear): Bybit's
// instrument rules are not in the recording, so any other symbol needs a config.
func (s *settings) applyBybitData(heads *dataHeads, files []dataFile, haveConfig bool, stderr io.Writer) (code int, ok bool) {
	paths := make([]string, len(files))
	for i, f := range files {
		paths[i] = f.path
	}
	sp, ok, err := heads.bybitInputs(paths)
	if !ok {
		return 0, false
	}
	if err != nil {
		fmt.Fprintf(stderr, "nanotick backtest: --data %v\n", err)
		return 2, true
	}
	ec := &s.bt.Engine
	if haveConfig {
		switch {
		case ec.Venue != sp.ID.Venue || ec.Instrument.Symbol != sp.ID.Symbol:
			fmt.Fprintf(stderr, "nanotick backtest: --data holds %s, but the strategy trades %s:%s\n", sp.ID, ec.Venue, ec.Instrument.Symbol)
			return 2, true
		case ec.Instrument.PriceScale < sp.PriceScale || ec.Instrument.QtyScale < sp.QtyScale:
			// Fewer decimals than Bybit may print would refuse frames (ErrPrecision).
			fmt.Fprintf(stderr, "nanotick backtest: the config reads %s at %d/%d decimals; a Bybit recording is read at %d/%d\n",
				sp.ID, ec.Instrument.PriceScale, ec.Instrument.QtyScale, sp.PriceScale, sp.QtyScale)
			return 2, true
		}
		return 0, true
	}
	if sp.ID.Symbol != "BTCUSDT" {
		fmt.Fprintf(stderr, "nanotick backtest: --data holds %s, whose rules (tick, lot) the recording does not give: give a config declaring it\n", sp.ID)
		return 2, true
	}
	tick, lot, minNotional := int64(1_000_000), int64(100), int64(5)
	if sp.ID.Venue == bybit.VenueLinear {
		tick, lot, minNotional = 10_000_000, 100_000, 5
	}
	minNotional *= sp.PriceScale.Unit()
	ec.Venue = sp.ID.Venue
	ec.Instrument = strategy.Instrument{Symbol: sp.ID.Symbol, PriceScale: sp.PriceScale, QtyScale: sp.QtyScale, Tick: tick, Lot: lot}
	ec.Rules = risk.Instrument{PriceScale: sp.PriceScale, QtyScale: sp.QtyScale, Tick: tick, Lot: lot,
		MinQty: lot, MaxQty: 1 << 62, MinNotional: minNotional}
	return 0, true
}
