package main

// nanotick record --venue bybit-spot|bybit-linear: Bybit v5's public book (orderbook.50),
// trades and, on linear, tickers (mark and index price, funding), in the same recorded
// format as Binance's (package recording: each line the local receive time and the
// frame as received).
//
// The recorder resubscribes the book at every rotation, so that each file starts with
// a book snapshot and replays on its own, and whenever the book its feed keeps finds a
// gap in u, exactly as the engine would. A linear recording always holds tickers: their
// mark price is how feeds/detect tells a linear recording from a spot one.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/nanotick/nanotick/feeds/bybit"
	bylive "github.com/nanotick/nanotick/feeds/bybit/live"
	"github.com/nanotick/nanotick/feeds/detect"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/md"
	"github.com/nanotick/nanotick/orderbook"
)

// defaultBybitRecordURL is Bybit's public WebSocket base; the category is appended.
const defaultBybitRecordURL = "wss://stream.bybit.com/v5/public"

// recordBybitOptions are the flags of record that apply to Bybit.
type recordBybitOptions struct {
	venue, url, symbol, out string
	noTrades                bool
	maxSize                 int64
	every, duration         time.Duration
	verbose                 bool
}

// recordBybit runs "nanotick record --venue bybit-spot|bybit-linear". Exit status as
// runRecord's.
func recordBybit(o recordBybitOptions, stdout, stderr io.Writer) int {
	cat, _ := bybit.CategoryOf(o.venue)
	category := "spot"
	if cat == bybit.Linear {
		category = "linear"
	}
	if o.url == "" {
		o.url = defaultBybitRecordURL + "/" + category
	}
	for i := 0; i < len(o.symbol); i++ {
		if c := o.symbol[i]; !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			fmt.Fprintf(stderr, "nanotick record: --symbol %q: a Bybit symbol is upper-case letters and digits, like BTCUSDT\n", o.symbol)
			return 2
		}
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		fmt.Fprintf(stderr, "nanotick record: %v\n", err)
		return 1
	}
	level := zerolog.InfoLevel
	if o.verbose {
		level = zerolog.DebugLevel
	}
	log := zerolog.New(zerolog.ConsoleWriter{Out: stderr, NoColor: true, TimeFormat: time.RFC3339}).Level(level).With().Timestamp().Logger()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if o.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.duration)
		defer cancel()
	}
	br := &bybitRecorder{recorder: recorder{dir: o.out, symbol: o.symbol, maxSize: o.maxSize, every: o.every, log: log}}
	err := br.run(ctx, o, cat == bybit.Linear)
	for _, f := range br.files {
		fmt.Fprintln(stdout, f)
	}
	if err != nil {
		fmt.Fprintf(stderr, "nanotick record: %v\n", err)
		return 1
	}
	var k bylive.Counters
	if br.conn != nil {
		k = br.conn.Counters()
	}
	st := br.feed.Counters()
	fmt.Fprintf(stdout, "records %d  frames %d  snapshots %d  reconnects %d  resyncs %d  malformed %d  files %d\n",
		br.records, k.Frames, st.Snapshots, k.Reconnects, k.Resyncs, st.Malformed+k.Malformed, len(br.files))
	return 0
}

// bybitRecorder writes Bybit frames into rotating files; it is the connection's Sink,
// so everything runs on Run's goroutine.
type bybitRecorder struct {
	recorder
	conn  *bylive.Conn
	feed  *bybit.MDFeed
	resub bool // a rotation wants a fresh book snapshot
}

func (r *bybitRecorder) run(ctx context.Context, o recordBybitOptions, linear bool) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r.cancel = cancel
	spec := instrument.Spec{ID: instrument.ID{Venue: o.venue, Symbol: o.symbol}, PriceScale: detect.BybitScale, QtyScale: detect.BybitScale}
	f, err := bybit.NewMDFeedDepth(&spec, orderbook.New(bybit.DefaultDepth+16), md.Config{}, bybit.DefaultDepth)
	if err != nil {
		return err
	}
	r.feed = f
	c, err := bylive.New(bylive.Config{Name: o.venue, URL: o.url, Instruments: []bylive.Instrument{{Index: 0, Symbol: o.symbol}},
		NoTrades: o.noTrades, NoTickers: !linear, Logger: r.log})
	if err != nil {
		return err
	}
	r.conn = c
	if err := r.open(time.Now()); err != nil {
		return err
	}
	r.log.Info().Str("url", o.url).Str("dir", r.dir).Msg("recording")
	runErr := c.Run(ctx, r, 10*time.Millisecond)
	closeErr := r.close()
	if closeErr == nil && r.fileRecords == 0 && len(r.files) > 1 {
		last := r.files[len(r.files)-1]
		if err := os.Remove(last); err == nil {
			r.files = r.files[:len(r.files)-1]
		}
	}
	return errors.Join(runErr, r.err, closeErr)
}

// Frame implements bylive.Sink: write the frame, then let the feed keep the book.
func (r *bybitRecorder) Frame(i instrument.Index, frame []byte, local int64) error {
	if r.err != nil {
		return nil
	}
	if err := r.w.Write(local, frame); err != nil {
		r.fail(fmt.Errorf("write %s: %w", r.file.Name(), err))
		return nil
	}
	r.records++
	r.fileRecords++
	ev, err := r.feed.Decode(frame)
	if err != nil {
		return err
	}
	if ev != nil && ev.Kind == md.Snapshot {
		r.fileSnap = true
	}
	return r.feed.Apply(local)
}

// NeedSnapshot implements bylive.Sink: after a gap, and after a rotation, so that each
// file starts with a book snapshot.
func (r *bybitRecorder) NeedSnapshot(i instrument.Index) bool {
	if r.resub {
		r.resub = false
		return true
	}
	return r.feed.NeedSnapshot()
}

// Reset implements bylive.Sink.
func (r *bybitRecorder) Reset(i instrument.Index) { r.feed.Reset() }

// Idle implements bylive.Sink: flush every second, rotate when the file is big or old.
func (r *bybitRecorder) Idle(now int64) {
	if r.err != nil || r.w == nil {
		return
	}
	if now-r.flushed >= int64(flushEvery) {
		r.flushed = now
		if err := r.w.Flush(); err != nil {
			r.fail(fmt.Errorf("flush %s: %w", r.file.Name(), err))
			return
		}
	}
	if r.rotationDue() {
		if err := r.close(); err != nil {
			r.fail(err)
			return
		}
		if err := r.open(time.Now()); err != nil {
			r.fail(err)
			return
		}
		r.resub = true
	}
}
