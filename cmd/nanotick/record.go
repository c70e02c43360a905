package main

// This file holds the recorder:
//
//	nanotick record --url WS_URL --rest REST_URL --symbol BTCUSDT
//	    --streams depth@100ms,trade,bookTicker --out DIR
//	    [--rotate-size 100MB] [--rotate-every 1h] [--duration D]
//
// It subscribes to the symbol's combined stream through the live feed client, the
// same one the engine trades on, and writes every frame, with its local receive time,
// in the recorded format of package recording. REST depth snapshots are fetched at
// start, after every gap or reconnect, and at the start of every file, and written as
// records too, so that each file replays on its own.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/nanotick/nanotick/feeds/binance"
	"github.com/nanotick/nanotick/feeds/binance/live"
	"github.com/nanotick/nanotick/feeds/recording"
	"github.com/nanotick/nanotick/orderbook"
)

// flushEvery bounds what a kill can lose: records reach the file at least this often.
const flushEvery = time.Second

func runRecord(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("record", flag.ContinueOnError)
	setHelp(fs, "record", stderr)
	venueName := fs.String("venue", "binance-spot", "binance-spot, binance-usdm, kraken, bybit-spot or bybit-linear: sets the defaults of --url, --rest and --streams and the book sync rules")
	depth := fs.Int("depth", 10, "kraken: the book depth subscribed (10, 25, 100, 500, 1000)")
	wsURL := fs.String("url", "", "websocket base URL of the venue's streams (default: binance-spot wss://stream.binance.com:9443, binance-usdm wss://fstream.binance.com, whose /public gets the depth and book tickers and /market the trades and mark price)")
	restURL := fs.String("rest", "", "REST base URL for depth snapshots (default: binance-spot https://api.binance.com, binance-usdm https://fapi.binance.com)")
	symbol := fs.String("symbol", "BTCUSDT", "symbol to record")
	streams := fs.String("streams", "", "comma-separated streams, without the symbol (default: binance-spot depth@100ms,trade,bookTicker; binance-usdm depth@0ms,trade,bookTicker,markPrice@1s)")
	out := fs.String("out", "", "directory to write the files to (required)")
	rotateSize := fs.String("rotate-size", "100MB", "start a new file after this many compressed bytes (0: never)")
	rotateEvery := fs.Duration("rotate-every", time.Hour, "start a new file after this long (0: never)")
	duration := fs.Duration("duration", 0, "stop after this long (0: until SIGINT or SIGTERM)")
	verbose := fs.Bool("v", false, "log at debug level")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "nanotick record: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if *out == "" {
		fmt.Fprintln(stderr, "nanotick record: --out DIR is required")
		return 2
	}
	if *venueName == "kraken" {
		maxSize, err := parseSize(*rotateSize)
		if err != nil || *rotateEvery < 0 || *duration < 0 {
			fmt.Fprintf(stderr, "nanotick record: bad --rotate-size %q, --rotate-every or --duration\n", *rotateSize)
			return 2
		}
		sym := *symbol
		if sym == "BTCUSDT" { // the flag's Binance default
			sym = "BTC/USD"
		}
		return recordKraken(recordKrakenOptions{url: *wsURL, symbol: sym, out: *out, depth: *depth, maxSize: maxSize,
			every: *rotateEvery, duration: *duration, verbose: *verbose}, stdout, stderr)
	}
	if *venueName == "bybit-spot" || *venueName == "bybit-linear" {
		maxSize, err := parseSize(*rotateSize)
		if err != nil || *rotateEvery < 0 || *duration < 0 {
			fmt.Fprintf(stderr, "nanotick record: bad --rotate-size %q, --rotate-every or --duration\n", *rotateSize)
			return 2
		}
		return recordBybit(recordBybitOptions{venue: *venueName, url: *wsURL, symbol: strings.ToUpper(*symbol), out: *out,
			noTrades: *streams != "" && !strings.Contains(*streams, "publicTrade"), maxSize: maxSize,
			every: *rotateEvery, duration: *duration, verbose: *verbose}, stdout, stderr)
	}
	rv, ok := recordVenues[*venueName]
	if !ok {
		fmt.Fprintf(stderr, "nanotick record: --venue %q: want binance-spot, binance-usdm, kraken, bybit-spot or bybit-linear\n", *venueName)
		return 2
	}
	if *wsURL == "" {
		*wsURL = rv.url
	}
	if *restURL == "" {
		*restURL = rv.rest
	}
	streamsSet := false
	fs.Visit(func(f *flag.Flag) { streamsSet = streamsSet || f.Name == "streams" })
	if *streams == "" && !streamsSet {
		*streams = rv.streams
	}
	maxSize, err := parseSize(*rotateSize)
	if err != nil {
		fmt.Fprintf(stderr, "nanotick record: --rotate-size: %v\n", err)
		return 2
	}
	if *rotateEvery < 0 || *duration < 0 {
		fmt.Fprintln(stderr, "nanotick record: durations must not be negative")
		return 2
	}
	var names []string
	for _, s := range strings.Split(*streams, ",") {
		if s = strings.TrimSpace(s); s != "" {
			names = append(names, s)
		}
	}
	u, marketURL, err := recordURLs(rv, *wsURL, *symbol, names)
	if err != nil {
		fmt.Fprintf(stderr, "nanotick record: %v\n", err)
		return 2
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintf(stderr, "nanotick record: %v\n", err)
		return 1
	}
	level := zerolog.InfoLevel
	if *verbose {
		level = zerolog.DebugLevel
	}
	log := zerolog.New(zerolog.ConsoleWriter{Out: stderr, NoColor: true, TimeFormat: time.RFC3339}).Level(level).With().Timestamp().Logger()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *duration)
		defer cancel()
	}
	r := &recorder{dir: *out, symbol: strings.ToUpper(*symbol), maxSize: maxSize, every: *rotateEvery, log: log, venue: rv}
	if err := r.run(ctx, u, marketURL, *restURL); err != nil {
		fmt.Fprintf(stderr, "nanotick record: %v\n", err)
		return 1
	}
	for _, f := range r.files {
		fmt.Fprintln(stdout, f)
	}
	k := r.client.Counters()
	if r.market != nil {
		m := r.market.Counters()
		k.Frames, k.Reconnects, k.Malformed = k.Frames+m.Frames, k.Reconnects+m.Reconnects, k.Malformed+m.Malformed
	}
	fmt.Fprintf(stdout, "records %d  frames %d  snapshots %d  reconnects %d  resyncs %d  malformed %d  files %d\n",
		r.records, k.Frames, k.Snapshots, k.Reconnects, k.Resyncs, k.Malformed, len(r.files))
	return 0
}

// recordURLs returns the stream URL(s) to record symbol's streams from on base. Binance
// USD-M routes its streams by path (live.USDMRoute): the depth streams and book
// tickers on base/public, trades and the mark price on base/market, each a connection
// of its own (marketURL; "" when none is needed). Other venues: one URL.
func recordURLs(rv recordVenue, base, symbol string, streams []string) (main, marketURL string, err error) {
	if rv.venue != binance.USDM {
		main, err = live.StreamURL(base, symbol, streams...)
		return main, "", err
	}
	if err := live.CheckUSDMHost(base); err != nil {
		return "", "", fmt.Errorf("--url %s: %w", base, err)
	}
	host := strings.TrimRight(base, "/")
	public, market := live.USDMSplit(streams)
	if len(public) == 0 {
		main, err = live.StreamURL(host+live.USDMMarketPath, symbol, market...)
		return main, "", err
	}
	if main, err = live.StreamURL(host+live.USDMPublicPath, symbol, public...); err != nil || len(market) == 0 {
		return main, "", err
	}
	marketURL, err = live.StreamURL(host+live.USDMMarketPath, symbol, market...)
	return main, marketURL, err
}

// recorder writes the frames the clients hand it into rotating files: the main
// client's (with the depth streams and their snapshots) and, for Binance USD-M, the
// /market connection's, interleaved by receive time. The methods run on the clients'
// reading goroutines, under mu, or after run has returned.
type recorder struct {
	venue       recordVenue
	dir, symbol string
	maxSize     int64
	every       time.Duration
	log         zerolog.Logger

	mu sync.Mutex // the file and its counters, between the two clients
	// lastLocal is the latest receive time written: a frame of one connection stamped
	// just before the other's, but written after it, is written at lastLocal, so that
	// the file's times never go backwards.
	lastLocal   int64
	client      *live.Client
	market      *live.Client // Binance USD-M's /market connection, or nil
	feed        *binance.Feed
	file        *os.File
	count       *countingWriter
	w           *recording.Writer
	opened      time.Time
	flushed     int64
	files       []string
	records     uint64
	fileRecords uint64 // records in the current file
	fileSnap    bool   // the current file holds a snapshot, so it replays on its own
	seq         int
	err         error // the first write error: it stops the recording
	cancel      context.CancelFunc
}

func (r *recorder) run(ctx context.Context, wsURL, marketURL, restURL string) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r.cancel = cancel
	// Spot pads prices and quantities to 8 decimals; the feed is only there to know
	// when the stream has lost its sequence and a snapshot is due.
	feed, err := binance.NewFeed(r.venue.venue, binance.Instrument{Symbol: r.symbol, PriceScale: 8, QtyScale: 8},
		orderbook.New(4096), binance.SyncConfig{})
	if err != nil {
		return err
	}
	r.feed = feed
	c, err := live.New(live.Config{URL: wsURL, RESTURL: restURL, SnapshotPath: r.venue.snapshot, Symbol: r.symbol, Sync: feed.Sync(),
		Handler: r.handle, OnIdle: r.idle, Logger: r.log, Seed: uint64(time.Now().UnixNano())})
	if err != nil {
		return err
	}
	r.client = c
	if marketURL != "" {
		m, err := live.New(live.Config{URL: marketURL, Handler: r.handleMarket, Logger: r.log.With().Str("route", "market").Logger(),
			Seed: uint64(time.Now().UnixNano()) + 1})
		if err != nil {
			return err
		}
		r.market = m
	}
	if err := r.open(time.Now()); err != nil {
		return err
	}
	r.log.Info().Str("url", wsURL).Str("market_url", marketURL).Str("dir", r.dir).Msg("recording")
	var marketErr error
	var wg sync.WaitGroup
	if r.market != nil {
		// Owned here: it ends with ctx, which run cancels on its way out.
		wg.Add(1)
		go func() {
			defer wg.Done()
			marketErr = r.market.Run(ctx)
			if errors.Is(marketErr, context.Canceled) || errors.Is(marketErr, context.DeadlineExceeded) {
				marketErr = nil
			}
		}()
	}
	runErr := c.Run(ctx)
	cancel()
	wg.Wait()
	runErr = errors.Join(runErr, marketErr)
	closeErr := r.close()
	if closeErr == nil && r.fileRecords == 0 && len(r.files) > 1 {
		// The run stopped right after a rotation: the last file holds nothing, and
		// an empty file would only stand in the way of whoever replays the set.
		last := r.files[len(r.files)-1]
		if err := os.Remove(last); err == nil {
			r.files = r.files[:len(r.files)-1]
		}
	}
	return errors.Join(runErr, r.err, closeErr)
}

// handle writes one frame of the main connection, then lets the feed see it.
func (r *recorder) handle(frame []byte, local int64) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.write(frame, local) {
		return nil
	}
	ev, err := r.feed.Handle(frame, local)
	if err == nil && ev != nil && ev.Kind == binance.KindSnapshot {
		r.fileSnap = true
	}
	return err
}

// handleMarket writes one frame of the /market connection: no depth, nothing to sync.
func (r *recorder) handleMarket(frame []byte, local int64) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.write(frame, local)
	return nil
}

// write writes one frame into the current file at local, or at the latest time written
// if that is later (two connections' frames meet in one file: its times never go
// backwards); false when the recording has failed, by this write or before. With two
// connections it is called with mu held.
func (r *recorder) write(frame []byte, local int64) bool {
	if r.err != nil || r.w == nil {
		return false
	}
	local = max(local, r.lastLocal)
	r.lastLocal = local
	if err := r.w.Write(local, frame); err != nil {
		r.fail(fmt.Errorf("write %s: %w", r.file.Name(), err))
		return false
	}
	r.records++
	r.fileRecords++
	return true
}

// idle flushes every second and rotates when the file is big or old enough.
func (r *recorder) idle(now int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.rotate(now, r.open) {
		// Each file replays on its own: make the client fetch a snapshot for this one.
		r.client.RequestSnapshot()
	}
}

// rotate flushes every second and, when the file is big or old enough, closes it and
// opens the next with open; it reports whether it did.
func (r *recorder) rotate(now int64, open func(time.Time) error) bool {
	if r.err != nil || r.w == nil {
		return false
	}
	if now-r.flushed >= int64(flushEvery) {
		r.flushed = now
		if err := r.w.Flush(); err != nil {
			r.fail(fmt.Errorf("flush %s: %w", r.file.Name(), err))
			return false
		}
	}
	if !r.rotationDue() {
		return false
	}
	if err := r.close(); err != nil {
		r.fail(err)
		return false
	}
	if err := open(time.Now()); err != nil {
		r.fail(err)
		return false
	}
	return true
}

// rotationDue says whether the current file is big or old enough to close. A file is
// only closed once it holds its snapshot: the one the last rotation asked for may still
// be on its way (a slow REST answer or resubscription), and a file closed before it came
// would not replay on its own. Past four times the size limit it rotates anyway, so that
// a venue refusing snapshots cannot make one file grow without bound.
func (r *recorder) rotationDue() bool {
	due := (r.maxSize > 0 && r.count.n >= r.maxSize) || (r.every > 0 && time.Since(r.opened) >= r.every)
	overdue := r.maxSize > 0 && r.count.n >= 4*r.maxSize
	return due && (r.fileSnap || overdue)
}

func (r *recorder) fail(err error) {
	r.err = err
	r.log.Error().Err(err).Msg("recording stopped")
	r.cancel()
}

func (r *recorder) open(now time.Time) error {
	r.seq++
	name := filepath.Join(r.dir, fmt.Sprintf("%s-%s-%03d.gz", strings.ToLower(r.symbol), now.UTC().Format("20060102T150405Z"), r.seq))
	f, err := os.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("open %s: %w", name, err)
	}
	r.file, r.count, r.opened, r.fileRecords, r.fileSnap = f, &countingWriter{w: f}, now, 0, false
	r.w = recording.NewWriter(r.count)
	r.files = append(r.files, name)
	r.log.Info().Str("file", name).Msg("recording to a new file")
	return nil
}

// close ends the current file: the gzip stream is completed and the file synced, so a
// finished file is whole even if the machine dies just after.
func (r *recorder) close() error {
	if r.w == nil {
		return nil
	}
	name := r.file.Name()
	err := errors.Join(r.w.Close(), r.file.Sync(), r.file.Close())
	r.w, r.file = nil, nil
	if err != nil {
		return fmt.Errorf("close %s: %w", name, err)
	}
	return nil
}

// countingWriter counts the compressed bytes that reach the file.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// parseSize reads a byte count with an optional KB, MB or GB suffix (powers of 1024).
func parseSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KB", 1 << 10}, {"MB", 1 << 20}, {"GB", 1 << 30}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("bad size %q: want e.g. 100MB", s)
	}
	return n * mult, nil
}

// recordVenue is what record needs to know of a Binance venue.
type recordVenue struct {
	venue              binance.Venue
	url, rest, streams string
	snapshot           string // the REST path of the depth snapshot
}

// recordVenues are the venues record speaks: Binance Spot, and USD-M futures with their
// mark price stream, so that a backtest can charge funding from the venue's own rates.
var recordVenues = map[string]recordVenue{
	"binance-spot": {binance.Spot, "wss://stream.binance.com:9443", "https://api.binance.com", "depth@100ms,trade,bookTicker", "/api/v3/depth"},
	// USD-M's url is the stream host: the streams go to its routed paths (recordURLs).
	"binance-usdm": {binance.USDM, "wss://fstream.binance.com", "https://fapi.binance.com", "depth@0ms,trade,bookTicker,markPrice@1s", "/fapi/v1/depth"},
}
