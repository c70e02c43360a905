package main

// nanotick record --venue kraken: Kraken Spot WebSocket v2's book and trades, in the
// same recorded format as Binance's (package recording: each line the local receive
// time and the frame as received).
//
// Each file starts with Kraken's instrument snapshot (so that its book's scales, the
// pair's price_precision and qty_precision, travel with it) and a book snapshot: the
// recorder resubscribes the book at every rotation, so that each file replays on its
// own. The book is kept by feeds/kraken as the recording goes, to resubscribe when its
// checksum disagrees, exactly as the engine would.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/nanotick/nanotick/feeds/kraken"
	klive "github.com/nanotick/nanotick/feeds/kraken/live"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/md"
	"github.com/nanotick/nanotick/orderbook"
)

// DefaultKrakenWSURL is Kraken's public WebSocket v2.
const defaultKrakenRecordURL = "wss://ws.kraken.com/v2"

// recordKrakenOptions are the flags of record that apply to Kraken.
type recordKrakenOptions struct {
	url, symbol, out string
	depth            int
	maxSize          int64
	every, duration  time.Duration
	verbose          bool
}

// recordKraken runs "nanotick record --venue kraken". Exit status as runRecord's.
func recordKraken(o recordKrakenOptions, stdout, stderr io.Writer) int {
	if o.url == "" {
		o.url = defaultKrakenRecordURL
	}
	if !strings.Contains(o.symbol, "/") {
		fmt.Fprintf(stderr, "nanotick record: --symbol %q: a Kraken symbol is BASE/QUOTE, like BTC/USD\n", o.symbol)
		return 2
	}
	if !kraken.ValidDepth(o.depth) {
		fmt.Fprintf(stderr, "nanotick record: --depth %d: want 10, 25, 100, 500 or 1000\n", o.depth)
		return 2
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
	kr := &krakenRecorder{recorder: recorder{dir: o.out, symbol: strings.ReplaceAll(o.symbol, "/", ""), maxSize: o.maxSize, every: o.every, log: log}}
	err := kr.run(ctx, o)
	for _, f := range kr.files {
		fmt.Fprintln(stdout, f)
	}
	if err != nil {
		fmt.Fprintf(stderr, "nanotick record: %v\n", err)
		return 1
	}
	var k klive.Counters
	if kr.conn != nil {
		k = kr.conn.Counters()
	}
	st := kr.feed.Kraken().Stats()
	fmt.Fprintf(stdout, "records %d  frames %d  snapshots %d  reconnects %d  resyncs %d  malformed %d  files %d\n",
		kr.records, k.Frames, st.Snapshots, k.Reconnects, k.Resyncs, st.Malformed+k.Malformed, len(kr.files))
	return 0
}

// krakenRecorder writes Kraken frames into rotating files; it is the connection's Sink,
// so everything runs on Run's goroutine.
type krakenRecorder struct {
	recorder
	conn       *klive.Conn
	feed       *kraken.MDFeed
	instrument []byte // the instrument snapshot, written at the head of every file
	resub      bool   // a rotation wants a fresh book snapshot
}

func (r *krakenRecorder) run(ctx context.Context, o recordKrakenOptions) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r.cancel = cancel
	// The pair's precisions come from Kraken: the book is decoded at them.
	pairs, inst, err := fetchKrakenPairs(ctx, o.url)
	if err != nil {
		return err
	}
	p, ok := pairs[o.symbol]
	if !ok {
		return fmt.Errorf("kraken does not list %s", o.symbol)
	}
	spec := p.Spec
	f, err := kraken.NewMDFeed(&spec, orderbook.New(o.depth+16), md.Config{})
	if err != nil {
		return err
	}
	r.feed = f.(*kraken.MDFeed)
	r.instrument = inst
	c, err := klive.New(klive.Config{Name: "kraken", URL: o.url, Depth: o.depth,
		Instruments: []klive.Instrument{{Index: 0, Symbol: o.symbol}}, Logger: r.log})
	if err != nil {
		return err
	}
	r.conn = c
	if err := r.openKraken(time.Now()); err != nil {
		return err
	}
	r.log.Info().Str("url", o.url).Str("dir", r.dir).Msg("recording")
	runErr := c.Run(ctx, r, 10*time.Millisecond)
	closeErr := r.close()
	if closeErr == nil && r.fileRecords <= 1 && len(r.files) > 1 {
		last := r.files[len(r.files)-1]
		if err := os.Remove(last); err == nil {
			r.files = r.files[:len(r.files)-1]
		}
	}
	return errors.Join(runErr, r.err, closeErr)
}

// openKraken opens a file and writes the instrument snapshot at its head.
func (r *krakenRecorder) openKraken(now time.Time) error {
	if err := r.open(now); err != nil {
		return err
	}
	if err := r.w.Write(now.UnixNano(), r.instrument); err != nil {
		return fmt.Errorf("write %s: %w", r.file.Name(), err)
	}
	r.records++
	r.fileRecords++
	return nil
}

// Frame implements klive.Sink: write the frame, then let the feed keep the book.
func (r *krakenRecorder) Frame(i instrument.Index, frame []byte, local int64) error {
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
	if err == nil && ev != nil && ev.Kind == md.Snapshot {
		r.fileSnap = true
	}
	return err
}

// NeedSnapshot implements klive.Sink: after a checksum mismatch, and after a rotation,
// so that each file starts with a book snapshot.
func (r *krakenRecorder) NeedSnapshot(i instrument.Index) bool {
	if r.resub {
		r.resub = false
		return true
	}
	return r.feed.NeedSnapshot()
}

// Reset implements klive.Sink.
func (r *krakenRecorder) Reset(i instrument.Index) { r.feed.Reset() }

// Idle implements klive.Sink: flush every second, rotate when the file is big or old.
func (r *krakenRecorder) Idle(now int64) {
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
		if err := r.openKraken(time.Now()); err != nil {
			r.fail(err)
			return
		}
		r.resub = true
	}
}

// fetchKrakenPairs reads Kraken's instrument snapshot once: the pairs, and the message
// itself for the head of every file.
func fetchKrakenPairs(ctx context.Context, url string) (map[string]kraken.Pair, []byte, error) {
	msg, err := klive.InstrumentSnapshot(ctx, url)
	if err != nil {
		return nil, nil, err
	}
	pairs, err := kraken.ParsePairs(msg)
	if err != nil {
		return nil, nil, err
	}
	return pairs, bytes.Clone(msg), nil
}
