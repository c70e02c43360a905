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
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/nanotick/nanotick/feeds/kraken"
	klive "github.com/nanotick/nanotick/feeds/kraken/live"
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
	ctx, log, stop, code := startRecording(o.out, o.verbose, o.duration, stderr)
	if code != 0 {
		return code
	}
	defer stop()
	r := &venueRecorder{recorder: recorder{dir: o.out, symbol: strings.ReplaceAll(o.symbol, "/", ""), maxSize: o.maxSize, every: o.every, log: log}}
	return r.report(recordKrakenRun(ctx, r, o), stdout, stderr)
}

// recordKrakenRun records o's pair with r: Kraken's book at o.depth and trades, each
// file headed by Kraken's instrument snapshot, whose precisions are the book's scales.
func recordKrakenRun(ctx context.Context, r *venueRecorder, o recordKrakenOptions) error {
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
	r.feed, r.head = f, inst
	c, err := klive.New(klive.Config{Name: "kraken", URL: o.url, Depth: o.depth,
		Instruments: []klive.Instrument{{Index: 0, Symbol: o.symbol}}, Logger: r.log})
	if err != nil {
		return err
	}
	r.conn = klive.MarketData{Conn: c}
	return r.record(ctx, o.url)
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
