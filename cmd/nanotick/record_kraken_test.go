package main

import (
	"bytes"
	"context"
	"io"
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
	for _, f := range files {
		r, err := recording.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		first, err := r.Next()
		if err != nil || !bytes.Contains(first.Frame, []byte(`"channel":"instrument","type":"snapshot"`)) {
			t.Fatalf("%s: first record %q, %v", f, first.Frame, err)
		}
		ps, qs, err := kraken.InstrumentScales(first.Frame, "BTC/USD")
		if err != nil {
			t.Fatal(err)
		}
		feed, err := kraken.NewFeed(kraken.Config{Symbol: "BTC/USD", Depth: 10, PriceScale: ps, QtyScale: qs}, orderbook.New(64))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for {
			rec, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			n++
			if ev, err := feed.Handle(rec.Frame, rec.Local); ev == kraken.EventResubscribe {
				t.Fatalf("%s: record %d: book invalid: %v", f, n, err)
			}
		}
		r.Close()
		if st := feed.Stats(); st.Snapshots < 1 || st.Updates < 10 || st.ChecksumMismatches != 0 {
			t.Fatalf("%s: %d records, %+v", f, n, st)
		}
	}

	// inspect and book read the recording (feeds/detect finds Kraken and its scales).
	var stdout, stderr bytes.Buffer
	if code := runInspect(files, &stdout, &stderr); code != 0 {
		t.Fatalf("inspect: exit %d: %s", code, stderr.String())
	}
	for _, want := range []string{"instrument       kraken:BTC/USD, price scale 1, qty scale 8", "mismatches 0", "at the end: valid true"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("inspect lacks %q:\n%s", want, stdout.String())
		}
	}
	stdout.Reset()
	if code := runBook(append([]string{"--depth", "2"}, files[0]), &stdout, &stderr); code != 0 {
		t.Fatalf("book: exit %d: %s", code, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(lines) < 10 || lines[0] != "local_ns,update_id,valid,bid_px_1,bid_qty_1,bid_px_2,bid_qty_2,ask_px_1,ask_qty_1,ask_px_2,ask_qty_2" {
		t.Fatalf("book: %d lines, first %q", len(lines), lines[0])
	}
}
