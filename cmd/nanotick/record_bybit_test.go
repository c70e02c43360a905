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
		r, err := recording.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		feed, err := bybit.NewFeed(bybit.Config{Category: bybit.Linear, Symbol: "BTCUSDT", Depth: 50, PriceScale: 8, QtyScale: 8}, orderbook.New(64))
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
			if ev, err := feed.Handle(rec.Frame, rec.Local); ev == bybit.EventResubscribe || err != nil {
				t.Fatalf("%s: record %d: %v %v", f, n, ev, err)
			}
		}
		r.Close()
		if st := feed.Stats(); st.Snapshots < 1 || st.Deltas < 10 || st.Gaps != 0 || st.Tickers == 0 {
			t.Fatalf("%s: %d records, %+v", f, n, st)
		}
	}

	var stdout, stderr bytes.Buffer
	if code := runInspect(files, &stdout, &stderr); code != 0 {
		t.Fatalf("inspect: exit %d: %s", code, stderr.String())
	}
	for _, want := range []string{"instrument       bybit-linear:BTCUSDT, price scale 8, qty scale 8", "gaps 0", "at the end: valid true", "tickers with reference prices"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("inspect lacks %q:\n%s", want, stdout.String())
		}
	}
	stdout.Reset()
	if code := runBook(append([]string{"--depth", "2"}, files[0]), &stdout, &stderr); code != 0 {
		t.Fatalf("book: exit %d: %s", code, stderr.String())
	}
	if lines := strings.Split(strings.TrimSpace(stdout.String()), "\n"); len(lines) < 10 ||
		lines[0] != "local_ns,update_id,valid,bid_px_1,bid_qty_1,bid_px_2,bid_qty_2,ask_px_1,ask_qty_1,ask_px_2,ask_qty_2" {
		t.Fatalf("book: %d lines, first %q", len(lines), lines[0])
	}

	dir := t.TempDir()
	var reports [2][]byte
	for k := range reports {
		file := filepath.Join(dir, fmt.Sprintf("r%d.json", k))
		args := []string{"--json", file}
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
		if r.Venue != "bybit-linear" || r.Symbol != "BTCUSDT" || r.Events.BookUpdates < 20 || r.Events.EngineGaps != 0 ||
			r.Events.Malformed != 0 || r.Orders.Sent == 0 {
			t.Errorf("backtest: %+v", r)
		}
	}
	if !bytes.Equal(reports[0], reports[1]) {
		t.Error("two backtests of the same recording differ")
	}
	if code, _, stderr := runBT(t, "--config", "../../examples/nanotick.toml", "--data", files[0]); code == 0 || !strings.Contains(stderr, "holds bybit-linear:BTCUSDT, but the strategy trades") {
		t.Errorf("a Binance config over a Bybit recording: exit %d, %s", code, stderr)
	}
}
