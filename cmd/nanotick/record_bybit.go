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
	"fmt"
	"io"
	"time"

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
	ctx, log, stop, code := startRecording(o.out, o.verbose, o.duration, stderr)
	if code != 0 {
		return code
	}
	defer stop()
	r := &venueRecorder{recorder: recorder{dir: o.out, symbol: o.symbol, maxSize: o.maxSize, every: o.every, log: log}}
	return r.report(recordBybitRun(ctx, r, o, cat == bybit.Linear), stdout, stderr)
}

// recordBybitRun records o's instrument with r: Bybit's book at feeds/bybit's depth,
// and tickers on linear.
func recordBybitRun(ctx context.Context, r *venueRecorder, o recordBybitOptions, linear bool) error {
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
	r.conn = bylive.MarketData{Conn: c}
	return r.record(ctx, o.url)
}
