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
	"bytes"
	"compress/gzip"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/nanotick/nanotick/feeds/binance"
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
	fs.SetOutput(stderr)
	venue := fs.String("venue", "", "spot or usdm (default: detected from the streams)")
	files, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(files) == 0 {
		fmt.Fprintln(stderr, "usage: nanotick inspect FILE... [--venue spot|usdm]")
		return 2
	}
	su, err := detect(files, *venue)
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
	readErr := replay(files, func(local int64, frame []byte, file string, line int) bool {
		st.records++
		if st.records == 1 {
			st.first = local
		}
		st.last = local
		ev, err := feed.Handle(frame, local)
		if err != nil {
			st.malformed(file, line, err)
			return true
		}
		st.event(ev, local)
		return true
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
	streams     map[string]*int // by stream name; bare frames by kind
	errors      []string
	latency     *latency
}

func newStats() *stats {
	return &stats{streams: make(map[string]*int), latency: newLatency()}
}

func (s *stats) malformed(file string, line int, err error) {
	if len(s.errors) < maxReported {
		s.errors = append(s.errors, fmt.Sprintf("%s:%d: %v", filepath.Base(file), line, err))
	}
}

func (s *stats) event(ev *binance.Event, local int64) {
	name := ev.Stream
	if name == nil {
		name = []byte("(" + ev.Kind.String() + ")")
	}
	// Counters are pointers so that the per-frame lookup, m[string(b)],
	// does not allocate; only a new stream name does.
	if n := s.streams[string(name)]; n != nil {
		*n++
	} else {
		s.streams[string(name)] = new(1)
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
		fmt.Fprintf(bw, "%-16s %s\n", name, fmt.Sprintf(format, a...))
	}
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = filepath.Base(f)
	}
	row("files", "%s", strings.Join(names, " "))
	row("venue", "%s, symbol %s, price scale %d, qty scale %d (%s)",
		su.venue, su.inst.Symbol, su.inst.PriceScale, su.inst.QtyScale, su.how)
	c := feed.Counters()
	row("records", "%d (%d malformed, skipped)", s.records, c.Malformed)
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
	row("book sync", "state %s, applied %d, dropped %d, buffered %d", feed.Sync().State(), c.Applied, c.Dropped, c.Buffered)
	row("", "gaps %d, resyncs %d (stale snapshots %d, overflows %d), snapshots %d, crossed %d",
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
	if c.Malformed > 0 {
		row("malformed", "%d frames, first %d:", c.Malformed, len(s.errors))
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
	fs.SetOutput(stderr)
	depth := fs.Int("depth", 5, "levels per side")
	format := fs.String("format", "csv", "csv or jsonl")
	venue := fs.String("venue", "", "spot or usdm (default: detected from the streams)")
	files, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(files) == 0 || *depth < 1 || (*format != "csv" && *format != "jsonl") {
		fmt.Fprintln(stderr, "usage: nanotick book FILE... [--depth N] [--format csv|jsonl]")
		return 2
	}
	su, err := detect(files, *venue)
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
	readErr := replay(files, func(local int64, frame []byte, file string, line int) bool {
		if _, err := feed.Handle(frame, local); err != nil {
			if malformed++; malformed <= maxReported {
				fmt.Fprintf(stderr, "%s:%d: %v\n", filepath.Base(file), line, err)
			}
		}
		return true
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

// recordFunc receives one record; the frame is valid only during the call.
// Returning false stops the reading.
type recordFunc func(local int64, frame []byte, file string, line int) bool

// replay reads every record of files in order and calls fn with it. A record that is not
// "<integer> <frame>" is passed with a nil frame, which the feed counts as
// malformed. It returns the first read error, naming file:line, after all
// complete records before it.
func replay(files []string, fn recordFunc) error {
	br := bufio.NewReaderSize(nil, 1<<20)
	zr := new(gzip.Reader)
	for _, name := range files {
		if err := replayFile(name, br, zr, true, fn); err != nil {
			return err
		}
	}
	return nil
}

func replayFile(name string, br *bufio.Reader, zr *gzip.Reader, async bool, fn recordFunc) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	br.Reset(f)
	var r io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		if err := zr.Reset(br); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		r = zr
		if async {
			pf := newPrefetch(zr)
			defer pf.Close()
			r = pf
		}
	}
	lr := bufio.NewReaderSize(r, 1<<20)
	var long []byte // a line longer than the reader's buffer
	for line := 1; ; line++ {
		rec, err := lr.ReadSlice('\n')
		for err == bufio.ErrBufferFull {
			long = append(long[:0], rec...)
			rec, err = lr.ReadSlice('\n')
			long = append(long, rec...)
			rec = long
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("%s:%d: %w", name, line, err)
		}
		if len(rec) > 0 && rec[len(rec)-1] == '\n' {
			rec = rec[:len(rec)-1]
		} else if len(rec) > 0 {
			return fmt.Errorf("%s:%d: truncated record (no end of line)", name, line)
		}
		if len(rec) > 0 {
			local, frame := splitRecord(rec)
			if !fn(local, frame, name, line) {
				return nil
			}
		}
		if err != nil {
			return nil
		}
	}
}

// splitRecord splits "<local ns> <frame>"; a malformed record gives a nil
// frame.
func splitRecord(rec []byte) (int64, []byte) {
	var local int64
	i := 0
	for ; i < len(rec) && '0' <= rec[i] && rec[i] <= '9' && i < 19; i++ {
		local = local*10 + int64(rec[i]-'0')
	}
	if i == 0 || i >= len(rec) || rec[i] != ' ' {
		return 0, nil
	}
	return local, rec[i+1:]
}

// probeRecords is how far into the first file detect looks.
const probeRecords = 20000

// detect decides venue, symbol and scales. The venue comes from the flag or
// from the depth stream (futures depth events carry "pu"; "@depth@0ms" exists
// only on futures); the symbol from the first stream name; the scales from
// the most decimals seen in the snapshot's (else the first depth event's)
// prices and quantities, else per-venue defaults.
func detect(files []string, venueFlag string) (setup, error) {
	su := setup{inst: binance.Instrument{PriceScale: 8, QtyScale: 8}}
	switch venueFlag {
	case "spot":
		su.venue = binance.Spot
	case "usdm":
		su.venue = binance.USDM
		su.inst.PriceScale, su.inst.QtyScale = 2, 3
	case "":
	default:
		return su, fmt.Errorf("unknown venue %q (want spot or usdm)", venueFlag)
	}
	var depth, snap []byte
	n := 0
	err := replayFile(files[0], bufio.NewReaderSize(nil, 1<<16), new(gzip.Reader), false, func(_ int64, frame []byte, _ string, _ int) bool {
		n++
		switch {
		case snap == nil && bytes.HasPrefix(frame, []byte(`{"lastUpdateId"`)):
			snap = bytes.Clone(frame)
		case depth == nil && bytes.Contains(frame, []byte(`"depthUpdate"`)):
			depth = bytes.Clone(frame)
		}
		if su.inst.Symbol == "" {
			if _, rest, ok := bytes.Cut(frame, []byte(`"stream":"`)); ok {
				if sym, _, ok := bytes.Cut(rest, []byte("@")); ok {
					su.inst.Symbol = strings.ToUpper(string(sym))
				}
			}
		}
		return n < probeRecords && (depth == nil || snap == nil)
	})
	if err != nil && n == 0 {
		// A damaged file is reported by the replay itself, after
		// whatever records it has; only an unreadable one stops here.
		return su, err
	}
	how := "venue from --venue"
	if su.venue == 0 {
		switch {
		case depth == nil:
			su.venue, how = binance.Spot, "no depth stream seen: venue spot by default"
		case bytes.Contains(depth, []byte(`"pu":`)) || bytes.Contains(depth, []byte("@depth@0ms")):
			su.venue, how = binance.USDM, `venue from the depth stream's "pu"`
			su.inst.PriceScale, su.inst.QtyScale = 2, 3
		default:
			su.venue, how = binance.Spot, `venue from the depth stream (no "pu")`
		}
	}
	src, from := snap, "snapshot"
	if src == nil {
		src, from = depth, "first depth event"
	}
	if ps, qs, ok := levelDecimals(src); ok {
		su.inst.PriceScale, su.inst.QtyScale = fixed.Scale(ps), fixed.Scale(qs)
		how += ", scales from the " + from
	} else {
		how += ", scales by venue default"
	}
	su.how = how
	return su, nil
}

// levelDecimals returns the most decimals among the ["price","qty"] pairs
// of a frame.
func levelDecimals(frame []byte) (ps, qs int, ok bool) {
	for {
		i := bytes.Index(frame, []byte(`["`))
		if i < 0 {
			return ps, qs, ok
		}
		frame = frame[i+2:]
		p, rest, found := bytes.Cut(frame, []byte(`","`))
		if !found {
			return ps, qs, ok
		}
		q, _, found := bytes.Cut(rest, []byte(`"`))
		if !found {
			return ps, qs, ok
		}
		ps, qs, ok = max(ps, decimals(p)), max(qs, decimals(q)), true
		frame = rest
	}
}

func decimals(num []byte) int {
	if i := bytes.IndexByte(num, '.'); i >= 0 {
		return min(len(num)-i-1, int(fixed.MaxScale))
	}
	return 0
}

// prefetch reads from r in its own goroutine into a few large buffers, so
// that decompression runs on another core while the caller decodes: the
// replay then takes about as long as the slower of the two, not their sum.
type prefetch struct {
	full chan []byte // filled chunks, in order; closed after the last
	free chan []byte // chunks the reader has finished with
	stop chan struct{}
	done chan struct{}
	err  error // the producer's final error, read after full is closed
	cur  []byte
	buf  []byte
}

const (
	prefetchChunks = 4
	prefetchSize   = 256 << 10
)

func newPrefetch(r io.Reader) *prefetch {
	p := &prefetch{
		full: make(chan []byte, prefetchChunks),
		free: make(chan []byte, prefetchChunks),
		stop: make(chan struct{}),
		done: make(chan struct{}),
	}
	for range prefetchChunks {
		p.free <- make([]byte, prefetchSize)
	}
	go p.produce(r)
	return p
}

func (p *prefetch) produce(r io.Reader) {
	defer close(p.done)
	defer close(p.full)
	for {
		var b []byte
		select {
		case b = <-p.free:
		case <-p.stop:
			return
		}
		// Fill the chunk; unlike io.ReadFull this keeps r's own error,
		// so a truncated gzip stream still reports io.ErrUnexpectedEOF.
		n, err := 0, error(nil)
		for n < len(b) && err == nil {
			var m int
			m, err = r.Read(b[n:])
			n += m
		}
		if n > 0 {
			select {
			case p.full <- b[:n]:
			case <-p.stop:
				return
			}
		}
		if err != nil {
			p.err = err
			return
		}
	}
}

// Read implements io.Reader over the prefetched chunks.
func (p *prefetch) Read(b []byte) (int, error) {
	if len(p.cur) == 0 {
		if p.buf != nil {
			p.free <- p.buf[:cap(p.buf)]
			p.buf = nil
		}
		buf, ok := <-p.full
		if !ok {
			return 0, p.err
		}
		p.buf, p.cur = buf, buf
	}
	n := copy(b, p.cur)
	p.cur = p.cur[n:]
	return n, nil
}

// Close stops the producer and waits for it, so that the file can be
// closed safely after.
func (p *prefetch) Close() {
	close(p.stop)
	<-p.done
}
