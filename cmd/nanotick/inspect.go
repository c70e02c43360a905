package main

// This file holds two commands over Binance recordings (gzip text, one
// "<local ns> <frame>" record per line):
//
//	nanotick inspect FILE... [--venue spot|usdm]
//	nanotick book FILE... [--depth N] [--format csv|jsonl]
//
// Both replay the files through binance.Feed, the same decoder and book sync
// the engine trades on, after a short probe of the first file detects the
// venue, symbol and decimal scales.

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/nanotick/nanotick/config"
	"github.com/nanotick/nanotick/feeds/binance"
	detectpkg "github.com/nanotick/nanotick/feeds/detect"
	"github.com/nanotick/nanotick/feeds/recording"
	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/orderbook"
)

// bookCapacity is the per-side capacity of the replayed book: a 1000-level
// snapshot plus room to grow.
const bookCapacity = 4096

// maxReported is how many malformed frames are shown with file:line.
const maxReported = 5

// parseArgs parses flags that may come before, between or after the file
// names (the flag package alone stops at the first file).
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var files []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return files, nil
		}
		files = append(files, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// setup is what the probe of a recording found out, or the flags imposed.
type setup struct {
	venue binance.Venue
	inst  binance.Instrument
	how   string // how venue and scales were decided, for the report
}

// runInspect summarizes recordings: streams and message counts, time span,
// book sync counters, malformed frames, feed latency and throughput.
func runInspect(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("inspect", flag.ContinueOnError)
	setHelp(fs, "inspect", stderr)
	venue := fs.String("venue", "", "spot or usdm (default: detected from the streams)")
	files, err := parseArgs(fs, args)
	if err != nil {
		return helpOr2(err)
	}
	if len(files) == 0 {
		fs.Usage()
		return 2
	}
	heads := newDataHeads() // each file's head read once for every probe below
	defer heads.close()
	if ins, ok, err := heads.tardisInputs(files); err != nil || ok {
		if err != nil {
			fmt.Fprintf(stderr, "nanotick inspect: %v\n", err)
			return 1
		}
		return inspectTardis(ins, stdout, stderr)
	}
	if sp, ok, err := heads.krakenInputs(files); err != nil || ok {
		if err != nil {
			fmt.Fprintf(stderr, "nanotick inspect: %v\n", err)
			return 1
		}
		return inspectKraken(files, sp, stdout, stderr)
	}
	if sp, ok, err := heads.bybitInputs(files); err != nil || ok {
		if err != nil {
			fmt.Fprintf(stderr, "nanotick inspect: %v\n", err)
			return 1
		}
		return inspectBybit(files, sp, stdout, stderr)
	}
	su, err := heads.detectSetup(files, *venue)
	if err != nil {
		fmt.Fprintf(stderr, "nanotick inspect: %v\n", err)
		return 1
	}
	feed, err := binance.NewFeed(su.venue, su.inst, orderbook.New(bookCapacity), binance.SyncConfig{})
	if err != nil {
		fmt.Fprintf(stderr, "nanotick inspect: %v\n", err)
		return 1
	}
	st := newStats()
	start := time.Now()
	readErr := replay(files, func(rec recording.Record) bool {
		st.records++
		if st.records == 1 {
			st.first = rec.Local
		} else {
			st.clock(rec, st.last)
		}
		st.last = rec.Local
		ev, err := feed.Handle(rec.Frame, rec.Local)
		if err != nil {
			if st.reporting() {
				st.malformed(fmt.Sprintf("%s:%d: %v", filepath.Base(rec.File), rec.Line, err))
			}
			return true
		}
		st.event(ev, rec.Local)
		return true
	}, func(err error) {
		st.badLines++
		st.malformed(err.Error())
	})
	wall := time.Since(start)
	st.report(stdout, files, su, feed, wall)
	if readErr != nil {
		fmt.Fprintf(stderr, "nanotick inspect: %v\n", readErr)
		return 1
	}
	return 0
}

// stats accumulates what inspect reports.
type stats struct {
	records     int
	first, last int64
	streams     map[string]*int               // by stream name
	bare        [binance.KindSnapshot + 1]int // frames without a stream name, by kind
	badLines    int                           // lines that are not records, as the recording reader reports them
	errors      []string
	latency     *latency

	// Receive times that went backwards, or leapt more than maxLeap ahead, from the
	// previous record's, with where the first one of each is.
	backwards, leaps         int
	firstBackward, firstLeap string
}

// maxLeap is how far ahead of the previous record's a receive time must be for inspect
// to report it: the default of backtest's --max-time-jump.
const maxLeap = config.DefaultMaxTimeJump

// clock checks rec's receive time against prev, the previous record's.
func (s *stats) clock(rec recording.Record, prev int64) {
	at := func() string {
		return fmt.Sprintf("%s:%d (%s after %s)", filepath.Base(rec.File), rec.Line, stamp(rec.Local), stamp(prev))
	}
	switch d := rec.Local - prev; {
	case d < 0:
		if s.backwards++; s.backwards == 1 {
			s.firstBackward = at()
		}
	case d > int64(maxLeap):
		if s.leaps++; s.leaps == 1 {
			s.firstLeap = at()
		}
	}
}

func newStats() *stats {
	return &stats{streams: make(map[string]*int), latency: newLatency()}
}

// reporting says whether a malformed record is still worth describing.
func (s *stats) reporting() bool { return len(s.errors) < maxReported }

func (s *stats) malformed(msg string) {
	if s.reporting() {
		s.errors = append(s.errors, msg)
	}
}

func (s *stats) event(ev *binance.Event, local int64) {
	if ev.Stream == nil {
		// A bare frame (a REST snapshot, or a raw single-stream
		// connection's events) is counted under its kind.
		s.bare[ev.Kind]++
	} else if n := s.streams[string(ev.Stream)]; n != nil {
		// Counters are pointers so that the per-frame lookup,
		// m[string(b)], does not allocate; only a new stream name does.
		*n++
	} else {
		s.streams[string(ev.Stream)] = new(1)
	}
	if e, ok := ev.EventTime(); ok {
		s.latency.record(local - e*int64(time.Millisecond))
	}
}

// latency is a histogram of feed latencies in ns that may be negative (a
// local clock behind the exchange's). HdrHistogram takes only non-negative
// values and its precision is relative to the value, so an offset would
// ruin it: negative latencies go, negated, into a second histogram.
type latency struct {
	neg, pos *hdrhistogram.Histogram
	min, max int64
	n        int64
	clamped  int64
}

// latencyLimit is the largest |latency| recorded exactly: one hour.
const latencyLimit = int64(time.Hour)

func newLatency() *latency {
	return &latency{neg: hdrhistogram.New(1, latencyLimit, 3), pos: hdrhistogram.New(1, latencyLimit, 3)}
}

func (l *latency) record(ns int64) {
	if l.n == 0 || ns < l.min {
		l.min = ns
	}
	if l.n == 0 || ns > l.max {
		l.max = ns
	}
	l.n++
	h, v := l.pos, ns
	if ns < 0 {
		h, v = l.neg, -ns
	}
	if v > latencyLimit {
		l.clamped++
		v = latencyLimit
	}
	_ = h.RecordValue(v) // in range by construction
}

// at returns the q-th percentile (0..100): the value of rank ceil(q% of n)
// in the merged order, negatives (largest magnitude first) then positives.
func (l *latency) at(q float64) int64 {
	if l.n == 0 {
		return 0
	}
	rank := max(int64(math.Ceil(q/100*float64(l.n))), 1)
	nneg := l.neg.TotalCount()
	if rank <= nneg {
		// The rank-th smallest negative is the (nneg-rank+1)-th
		// smallest magnitude.
		j := nneg - rank + 1
		return -l.neg.ValueAtQuantile(100 * float64(j) / float64(nneg))
	}
	j := rank - nneg
	return l.pos.ValueAtQuantile(100 * float64(j) / float64(l.pos.TotalCount()))
}

func (s *stats) report(w io.Writer, files []string, su setup, feed *binance.Feed, wall time.Duration) {
	bw := bufio.NewWriter(w)
	defer bw.Flush()
	row := func(name, format string, a ...any) {
		line := fmt.Sprintf("%-16s %s", name, fmt.Sprintf(format, a...))
		fmt.Fprintln(bw, strings.TrimRight(line, " "))
	}
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = filepath.Base(f)
	}
	row("files", "%s", strings.Join(names, " "))
	row("venue", "%s, symbol %s, price scale %d, qty scale %d (%s)",
		su.venue, su.inst.Symbol, su.inst.PriceScale, su.inst.QtyScale, su.how)
	c := feed.Counters()
	row("records", "%d (%d malformed, skipped)", s.records+s.badLines, int(c.Malformed)+s.badLines)
	for k, n := range s.bare {
		if n > 0 {
			s.streams["("+binance.EventKind(k).String()+")"] = new(n)
		}
	}
	keys := make([]string, 0, len(s.streams))
	for k := range s.streams {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	row("streams", "")
	for _, k := range keys {
		fmt.Fprintf(bw, "  %-30s %10d\n", k, *s.streams[k])
	}
	if s.records > 0 {
		row("time span", "%s .. %s (%v)", stamp(s.first), stamp(s.last), time.Duration(s.last-s.first).Round(time.Millisecond))
	}
	if s.backwards+s.leaps == 0 {
		row("clock", "receive times in order, none more than %v after the previous", maxLeap)
	}
	if s.backwards > 0 {
		row("clock", "%d receive times went BACKWARDS; first at %s", s.backwards, s.firstBackward)
	}
	if s.leaps > 0 {
		row("clock", "%d receive times leapt more than %v ahead; first at %s", s.leaps, maxLeap, s.firstLeap)
	}
	row("book sync", "state %s, applied %d, dropped %d, buffered %d", feed.Sync().State(), c.Applied, c.Dropped, c.Buffered)
	row("", "gaps %d, resyncs %d (stale snapshots %d), buffer overflows %d, snapshots %d, crossed %d",
		c.Gaps, c.Resyncs, c.StaleSnapshots, c.Overflows, c.Snapshots, c.Crossed)
	if feed.Sync().NeedSnapshot() && c.Snapshots > 0 {
		row("", "book INVALID at the end: out of sync and no later snapshot in the recording")
	}
	if l := s.latency; l.n > 0 {
		ms := func(ns int64) string { return strconv.FormatFloat(float64(ns)/1e6, 'f', 3, 64) + " ms" }
		row("feed latency", "local receive - exchange E, %d events (negative: local clock behind)", l.n)
		fmt.Fprintf(bw, "  %-8s %12s\n  %-8s %12s\n  %-8s %12s\n  %-8s %12s\n  %-8s %12s\n",
			"min", ms(l.min), "p50", ms(l.at(50)), "p90", ms(l.at(90)), "p99", ms(l.at(99)), "max", ms(l.max))
		if l.clamped > 0 {
			row("", "%d latencies beyond ±1h clamped in the percentiles", l.clamped)
		}
	}
	if bad := int(c.Malformed) + s.badLines; bad > 0 {
		row("malformed", "%d records, first %d:", bad, len(s.errors))
		for _, e := range s.errors {
			fmt.Fprintf(bw, "  %s\n", e)
		}
	}
	fps := 0.0
	if wall > 0 {
		fps = float64(s.records) / wall.Seconds()
	}
	row("throughput", "%d records in %v, %.0f frames/s", s.records, wall.Round(time.Microsecond), fps)
}

func stamp(ns int64) string {
	return time.Unix(0, ns).UTC().Format("2006-01-02T15:04:05.000Z")
}

// runBook prints the book after every applied depth event.
func runBook(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("book", flag.ContinueOnError)
	setHelp(fs, "book", stderr)
	depth := fs.Int("depth", 5, "levels per side")
	format := fs.String("format", "csv", "csv or jsonl")
	venue := fs.String("venue", "", "spot or usdm (default: detected from the streams)")
	files, err := parseArgs(fs, args)
	if err != nil {
		return helpOr2(err)
	}
	if len(files) == 0 || *depth < 1 || (*format != "csv" && *format != "jsonl") {
		fs.Usage()
		return 2
	}
	heads := newDataHeads() // each file's head read once for every probe below
	defer heads.close()
	if ins, ok, err := heads.tardisInputs(files); err != nil || ok {
		if err != nil {
			fmt.Fprintf(stderr, "nanotick book: %v\n", err)
			return 1
		}
		return bookTardis(ins, &bookPrinter{w: bufio.NewWriterSize(stdout, 1<<16), n: *depth, jsonl: *format == "jsonl"}, stderr)
	}
	if sp, ok, err := heads.krakenInputs(files); err != nil || ok {
		if err != nil {
			fmt.Fprintf(stderr, "nanotick book: %v\n", err)
			return 1
		}
		return bookKraken(files, sp, &bookPrinter{w: bufio.NewWriterSize(stdout, 1<<16), n: *depth, jsonl: *format == "jsonl"}, stderr)
	}
	if sp, ok, err := heads.bybitInputs(files); err != nil || ok {
		if err != nil {
			fmt.Fprintf(stderr, "nanotick book: %v\n", err)
			return 1
		}
		return bookBybit(files, sp, &bookPrinter{w: bufio.NewWriterSize(stdout, 1<<16), n: *depth, jsonl: *format == "jsonl"}, stderr)
	}
	su, err := heads.detectSetup(files, *venue)
	if err != nil {
		fmt.Fprintf(stderr, "nanotick book: %v\n", err)
		return 1
	}
	bw := bufio.NewWriterSize(stdout, 1<<16)
	p := &bookPrinter{w: bw, n: *depth, jsonl: *format == "jsonl",
		ps: su.inst.PriceScale, qs: su.inst.QtyScale}
	if !p.jsonl {
		p.header()
	}
	feed, err := binance.NewFeed(su.venue, su.inst, orderbook.New(bookCapacity), binance.SyncConfig{OnApply: p.print})
	if err != nil {
		fmt.Fprintf(stderr, "nanotick book: %v\n", err)
		return 1
	}
	malformed := 0
	readErr := replay(files, func(rec recording.Record) bool {
		if _, err := feed.Handle(rec.Frame, rec.Local); err != nil {
			if malformed++; malformed <= maxReported {
				fmt.Fprintf(stderr, "%s:%d: %v\n", filepath.Base(rec.File), rec.Line, err)
			}
		}
		return true
	}, func(err error) {
		if malformed++; malformed <= maxReported {
			fmt.Fprintln(stderr, err)
		}
	})
	if err := bw.Flush(); err != nil {
		fmt.Fprintf(stderr, "nanotick book: %v\n", err)
		return 1
	}
	if malformed > 0 {
		fmt.Fprintf(stderr, "nanotick book: %d malformed frames skipped\n", malformed)
	}
	if readErr != nil {
		fmt.Fprintf(stderr, "nanotick book: %v\n", readErr)
		return 1
	}
	return 0
}

// bookPrinter formats the top of the book with Append-style calls into one
// reused buffer: no fmt, no allocation per line.
type bookPrinter struct {
	w      *bufio.Writer
	n      int
	jsonl  bool
	ps, qs fixed.Scale
	buf    []byte
}

func (p *bookPrinter) header() {
	b := append(p.buf[:0], "local_ns,update_id,valid"...)
	for _, side := range []string{"bid", "ask"} {
		for i := 1; i <= p.n; i++ {
			b = append(b, ',')
			b = append(b, side...)
			b = append(b, "_px_"...)
			b = strconv.AppendInt(b, int64(i), 10)
			b = append(b, ',')
			b = append(b, side...)
			b = append(b, "_qty_"...)
			b = strconv.AppendInt(b, int64(i), 10)
		}
	}
	p.buf = append(b, '\n')
	p.w.Write(p.buf)
}

func (p *bookPrinter) print(bk *orderbook.Book) {
	b := p.buf[:0]
	if p.jsonl {
		b = append(b, `{"local":`...)
		b = strconv.AppendInt(b, bk.LocalTime(), 10)
		b = append(b, `,"u":`...)
		b = strconv.AppendUint(b, bk.UpdateID(), 10)
		b = append(b, `,"valid":`...)
		b = strconv.AppendBool(b, bk.Valid())
		b = p.jsonSide(append(b, `,"bids":[`...), bk, orderbook.Bid)
		b = p.jsonSide(append(b, `],"asks":[`...), bk, orderbook.Ask)
		b = append(b, "]}\n"...)
	} else {
		b = strconv.AppendInt(b, bk.LocalTime(), 10)
		b = append(b, ',')
		b = strconv.AppendUint(b, bk.UpdateID(), 10)
		b = append(b, ',')
		b = strconv.AppendBool(b, bk.Valid())
		for _, side := range []orderbook.Side{orderbook.Bid, orderbook.Ask} {
			for i := range p.n {
				b = append(b, ',')
				if l, ok := bk.Level(side, i); ok {
					b = p.ps.Append(b, l.Price)
					b = append(b, ',')
					b = p.qs.Append(b, l.Qty)
				} else {
					b = append(b, ',')
				}
			}
		}
		b = append(b, '\n')
	}
	p.buf = b
	p.w.Write(b)
}

func (p *bookPrinter) jsonSide(b []byte, bk *orderbook.Book, side orderbook.Side) []byte {
	for i := range p.n {
		l, ok := bk.Level(side, i)
		if !ok {
			break
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `["`...)
		b = p.ps.Append(b, l.Price)
		b = append(b, `","`...)
		b = p.qs.Append(b, l.Qty)
		b = append(b, `"]`...)
	}
	return b
}

// replay reads every record of files in order and calls fn with each;
// fn returning false stops the reading. A malformed line is passed to bad
// and the reading goes on; any other error ends it and is returned after
// every complete record before it, naming file:line.
func replay(files []string, fn func(recording.Record) bool, bad func(error)) error {
	r, err := recording.Open(files...)
	if err != nil {
		return err
	}
	defer r.Close()
	for {
		rec, err := r.Next()
		switch {
		case err == nil:
			if !fn(rec) {
				return nil
			}
		case err == io.EOF:
			return nil
		case errors.Is(err, recording.ErrMalformed):
			bad(err)
		default:
			return err
		}
	}
}

// detectSetup decides venue, symbol and scales from the first file (package detect), or
// takes the venue from the flag.
func (d *dataHeads) detectSetup(files []string, venueFlag string) (setup, error) {
	v, err := detectpkg.ParseVenue(venueFlag)
	if err != nil {
		return setup{}, err
	}
	res, err := d.binance(files[0], v)
	if err != nil {
		return setup{}, err
	}
	how := res.How
	if venueFlag != "" {
		how = strings.Replace(how, "venue given", "venue from --venue", 1)
	}
	return setup{venue: res.Venue, inst: res.Instrument, how: how}, nil
}
