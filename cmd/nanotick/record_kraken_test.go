package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nanotick/nanotick/exchange"
	"github.com/nanotick/nanotick/feeds/kraken"
	"github.com/nanotick/nanotick/feeds/recording"
	"github.com/nanotick/nanotick/orderbook"
)

// TestRecordKrakenFromLocalExchange records the local exchange's Kraken book and trades
// with rotation: every file starts with the instrument snapshot and replays on its own
// through feeds/kraken, every book message verified by its checksum.
func TestRecordKrakenFromLocalExchange(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ex, err := exchange.Start(ctx, exchange.Config{Seed: 7, Instruments: []exchange.Instrument{exchange.KrakenBTCUSD()}})
	if err != nil {
		t.Fatal(err)
	}
	defer ex.Close()
	out, files := record(t, "--venue", "kraken", "--url", ex.KrakenURL(), "--symbol", "BTC/USD",
		"--out", t.TempDir(), "--duration", "3s", "--rotate-every", "1200ms")
	if len(files) < 2 || !strings.Contains(out, "malformed 0") {
		t.Fatalf("files %v\n%s", files, out)
	}
	updates := 0
	for k, f := range files {
		var feed *kraken.Feed
		n := 0
		eachRecord(t, f, func(i int, rec recording.Record) {
			n = i
			if i == 1 {
				if !bytes.Contains(rec.Frame, []byte(`"channel":"instrument","type":"snapshot"`)) {
					t.Fatalf("%s: first record %q", f, rec.Frame)
				}
				ps, qs, err := kraken.InstrumentScales(rec.Frame, "BTC/USD")
				if err != nil {
					t.Fatal(err)
				}
				if feed, err = kraken.NewFeed(kraken.Config{Symbol: "BTC/USD", Depth: 10, PriceScale: ps, QtyScale: qs}, orderbook.New(64)); err != nil {
					t.Fatal(err)
				}
				return
			}
			if ev, err := feed.Handle(rec.Frame, rec.Local); ev == kraken.EventResubscribe {
				t.Fatalf("%s: record %d: book invalid: %v", f, n, err)
			}
		})
		if feed == nil {
			t.Fatalf("%s: empty", f)
		}
		// The last file holds what was left of the 3 s, a few updates on a loaded machine.
		st := feed.Stats()
		if st.Snapshots < 1 || st.Updates < 10 && k < len(files)-1 || st.ChecksumMismatches != 0 {
			t.Fatalf("%s: %d records, %+v", f, n, st)
		}
		updates += int(st.Updates)
	}
	if updates < 20 {
		t.Fatalf("%d book updates in %d files", updates, len(files))
	}

	// inspect and book read the recording (feeds/detect finds Kraken and its scales).
	checkInspectAndBook(t, files, "instrument       kraken:BTC/USD, price scale 1, qty scale 8", "mismatches 0", "at the end: valid true")

	// backtest replays the recording, with the example's config and without a config
	// (the rules from the recorded instrument snapshot), byte-identical run to run.
	var reports [3][]byte
	for k, args := range [][]string{
		{"--config", "../../examples/kraken_sim.toml", "--queue-model", "power_law"},
		{"--config", "../../examples/kraken_sim.toml", "--queue-model", "power_law"},
		{},
	} {
		var r recordingReport
		reports[k], r = backtestRecording(t, files, args...)
		if r.Venue != "kraken" || r.Symbol != "BTC/USD" || r.Events.BookUpdates < 20 || r.Events.Trades == 0 ||
			r.Events.EngineGaps != 0 || r.Events.Malformed != 0 || r.Orders.Sent == 0 {
			t.Errorf("backtest %v: %+v", args, r)
		}
	}
	if !bytes.Equal(reports[0], reports[1]) {
		t.Error("two backtests of the same recording and config differ")
	}
	checkRefusesBinanceConfig(t, files[0], "kraken:BTC/USD")
}
