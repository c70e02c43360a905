package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
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

	// backtest replays the recording, with the example's config and without a config
	// (the rules from the recorded instrument snapshot), byte-identical run to run.
	dir := t.TempDir()
	var reports [3][]byte
	for k, args := range [][]string{
		{"--config", "../../examples/kraken_sim.toml", "--queue-model", "power_law"},
		{"--config", "../../examples/kraken_sim.toml", "--queue-model", "power_law"},
		{},
	} {
		file := filepath.Join(dir, fmt.Sprintf("r%d.json", k))
		args = append(args, "--json", file)
		for _, f := range files {
			args = append(args, "--data", f)
		}
		code, _, stderr := runBT(t, args...)
		if code != 0 {
			t.Fatalf("backtest %v: exit %d: %s", args, code, stderr)
		}
		if reports[k], err = os.ReadFile(file); err != nil {
			t.Fatal(err)
		}
		var r struct {
			Venue  string `json:"venue"`
			Symbol string `json:"symbol"`
			Events struct {
				BookUpdates uint64 `json:"book_updates"`
				Trades      uint64 `json:"trades"`
				EngineGaps  uint64 `json:"engine_gaps"`
				Malformed   uint64 `json:"malformed"`
			} `json:"events"`
			Orders struct {
				Sent uint64 `json:"sent"`
			} `json:"orders"`
		}
		if err := json.Unmarshal(reports[k], &r); err != nil {
			t.Fatal(err)
		}
		if r.Venue != "kraken" || r.Symbol != "BTC/USD" || r.Events.BookUpdates < 20 || r.Events.Trades == 0 ||
			r.Events.EngineGaps != 0 || r.Events.Malformed != 0 || r.Orders.Sent == 0 {
			t.Errorf("backtest %v: %+v", args, r)
		}
	}
	if !bytes.Equal(reports[0], reports[1]) {
		t.Error("two backtests of the same recording and config differ")
	}
	if code, _, stderr := runBT(t, "--config", "../../examples/nanotick.toml", "--data", files[0]); code == 0 || !strings.Contains(stderr, "holds kraken:BTC/USD, but the strategy trades") {
		t.Errorf("a Binance config over a Kraken recording: exit %d, %s", code, stderr)
	}
}
