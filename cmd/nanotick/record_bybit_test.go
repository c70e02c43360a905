package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nanotick/nanotick/exchange"
	"github.com/nanotick/nanotick/feeds/bybit"
	"github.com/nanotick/nanotick/feeds/recording"
	"github.com/nanotick/nanotick/orderbook"
)

// TestRecordBybitFromLocalExchange records the local exchange's Bybit perpetual (book
// and tickers) with rotation: every file starts with a book snapshot and replays on its
// own through feeds/bybit without a gap; inspect and book read it (feeds/detect finds
// bybit-linear from the tickers' mark price); backtest replays it, byte-identical run to
// run, and with a config that trades another instrument refuses it.
func TestRecordBybitFromLocalExchange(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ex, err := exchange.Start(ctx, exchange.Config{Seed: 7, Futures: []exchange.FuturesInstrument{exchange.BTCUSDTPerp()}})
	if err != nil {
		t.Fatal(err)
	}
	defer ex.Close()
	out, files := record(t, "--venue", "bybit-linear", "--url", ex.BybitURL("linear"), "--symbol", "BTCUSDT",
		"--streams", "orderbook,tickers", "--out", t.TempDir(), "--duration", "3s", "--rotate-every", "1200ms")
	if len(files) < 2 || !strings.Contains(out, "malformed 0") {
		t.Fatalf("files %v\n%s", files, out)
	}
	for _, f := range files {
		feed, err := bybit.NewFeed(bybit.Config{Category: bybit.Linear, Symbol: "BTCUSDT", Depth: 50, PriceScale: 8, QtyScale: 8}, orderbook.New(64))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		eachRecord(t, f, func(k int, rec recording.Record) {
			n = k
			if ev, err := feed.Handle(rec.Frame, rec.Local); ev == bybit.EventResubscribe || err != nil {
				t.Fatalf("%s: record %d: %v %v", f, n, ev, err)
			}
		})
		if st := feed.Stats(); st.Snapshots < 1 || st.Deltas < 10 || st.Gaps != 0 || st.Tickers == 0 {
			t.Fatalf("%s: %d records, %+v", f, n, st)
		}
	}

	checkInspectAndBook(t, files, "instrument       bybit-linear:BTCUSDT, price scale 8, qty scale 8", "gaps 0", "at the end: valid true", "tickers with reference prices")

	var reports [2][]byte
	for k := range reports {
		var r recordingReport
		reports[k], r = backtestRecording(t, files)
		if r.Venue != "bybit-linear" || r.Symbol != "BTCUSDT" || r.Events.BookUpdates < 20 || r.Events.EngineGaps != 0 ||
			r.Events.Malformed != 0 || r.Orders.Sent == 0 {
			t.Errorf("backtest: %+v", r)
		}
	}
	if !bytes.Equal(reports[0], reports[1]) {
		t.Error("two backtests of the same recording differ")
	}
	checkRefusesBinanceConfig(t, files[0], "bybit-linear:BTCUSDT")
}
