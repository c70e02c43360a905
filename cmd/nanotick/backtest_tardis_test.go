package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nanotick/nanotick/internal/testdata"
)

// tardisFixture is a file of feeds/tardis/testdata (written by its gen.py from the
// shapes Tardis documents).
func tardisFixture(name string) string {
	return filepath.Join("..", "..", "feeds", "tardis", "testdata", name)
}

var (
	okxBook   = tardisFixture("okex-swap_incremental_book_L2_2024-08-08_BTC-USDT-SWAP.csv.gz")
	okxTrades = tardisFixture("okex-swap_trades_2024-08-08_BTC-USDT-SWAP.csv.gz")
)

// TestBacktestTardisNeedsRules: Tardis files of a venue without a connector and no
// config name the instrument the files hold and the [[instrument]] keys to add.
func TestBacktestTardisNeedsRules(t *testing.T) {
	code, _, stderr := runBT(t, "--data", okxBook, "--data", okxTrades)
	if code != 2 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		`no trading rules for okx-swap:BTC-USDT-SWAP (Tardis exchange "okex-swap", okex-swap_incremental_book_L2_2024-08-08_BTC-USDT-SWAP.csv.gz): give a config (--config FILE) declaring it`,
		"[[instrument]]", `venue = "okx-swap"`, `symbol = "BTC-USDT-SWAP"`, "kind = ", "base = ", "quote = ", "tick_size = ",
		"lot_size = ", "max_qty = ", "price_decimals = ", "qty_decimals = ", "contract_size",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	// With a config that declares another instrument, the message says so.
	code, _, stderr = runBT(t, "--config", "../../examples/tardis_okx_swap.toml", "--strategy", "market_maker",
		"--data", tardisFixture("coinbase_incremental_book_L2_2024-08-08_BTC-USD.csv.gz"))
	if code != 2 || !strings.Contains(stderr, "no trading rules for coinbase:BTC-USD") || !strings.Contains(stderr, "the config does not declare it; add") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
}

// TestBacktestTardisRefusals: the data must hold the config's instrument; Tardis files
// and recordings do not mix; a Tardis file without rows names itself.
func TestBacktestTardisRefusals(t *testing.T) {
	code, _, stderr := runBT(t, "--config", "../../examples/tardis_okx_swap.toml",
		"--data", tardisFixture("binance_incremental_book_L2_2024-08-08_BTCUSDT.csv.gz"))
	if want := `nanotick backtest: the data holds binance-spot:BTCUSDT, but strategy "mm_okx" trades okx-swap:BTC-USDT-SWAP`; code != 2 || !strings.Contains(stderr, want) {
		t.Fatalf("exit %d: %s", code, stderr)
	}

	empty := filepath.Join(t.TempDir(), "empty.csv")
	if err := os.WriteFile(empty, []byte("exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runBT(t, "--data", okxBook, "--data", empty)
	if !strings.Contains(stderr, "empty.csv: a Tardis trades file without rows: its venue and symbol are unknown") || code != 1 {
		t.Fatalf("exit %d: %s", code, stderr)
	}

	rec := testdata.SharedData(t, "binance-spot-btcusdt-20240808.gz")
	code, _, stderr = runBT(t, "--data", okxBook, "--data", rec)
	if !strings.Contains(stderr, "give either Tardis.dev CSV files or nanotick recordings, not both") || code != 1 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	// A config on a Tardis-only venue with a Binance recording.
	code, _, stderr = runBT(t, "--config", "../../examples/tardis_okx_swap.toml", "--data", rec)
	if !strings.Contains(stderr, "the strategy trades okx-swap:BTC-USDT-SWAP, and --data holds Binance recordings (binance-spot:BTCUSDT)") || code != 2 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
}

// TestRunRefusesTardisVenue: nanotick run refuses a venue with no live connector, at
// the config line that names it.
func TestRunRefusesTardisVenue(t *testing.T) {
	var o, e bytes.Buffer
	code := runRun([]string{"--config", "../../examples/tardis_okx_swap.toml", "--duration", "1s"}, &o, &e)
	want := `tardis_okx_swap.toml:15:1: instrument[0].venue: venue "okx-swap" has no live connector (venues with one: binance-spot, binance-usdm, bybit-spot, bybit-linear, kraken, sim): it can only be backtested from its data (nanotick backtest --data FILE)`
	if code != 2 || !strings.Contains(e.String(), want) {
		t.Fatalf("exit %d:\n%s", code, e.String())
	}
}

// TestInspectAndBookTardis: inspect and book read Tardis files of any venue, the
// instrument from the rows.
func TestInspectAndBookTardis(t *testing.T) {
	var o, e bytes.Buffer
	code := runInspect([]string{tardisFixture("kraken_incremental_book_L2_2024-08-08_XBT-USD.csv"), tardisFixture("kraken_trades_2024-08-08_XBT-USD.csv")}, &o, &e)
	if code != 0 {
		t.Fatalf("inspect exit %d: %s", code, e.String())
	}
	for _, want := range []string{
		`kraken:XBT/USD (Tardis exchange "kraken"), price scale 1, qty scale 8`,
		"incremental_book_L2 500, trades 78; malformed 0, other symbols 0, updates before the first snapshot 2 (skipped)",
		"1 snapshots, 174 updates, 78 trades",
		"at the end: valid true, best bid 56530.1 x 0.06264084, best ask 56533.5 x 0.58960484",
	} {
		if !strings.Contains(o.String(), want) {
			t.Errorf("inspect lacks %q:\n%s", want, o.String())
		}
	}
	o.Reset()
	code = runBook([]string{"--depth", "1", tardisFixture("deribit_book_snapshot_25_2024-08-08_BTC_USDC-PERPETUAL.csv")}, &o, &e)
	lines := strings.Split(strings.TrimSpace(o.String()), "\n")
	if code != 0 || len(lines) != 41 || lines[0] != "local_ns,update_id,valid,bid_px_1,bid_qty_1,ask_px_1,ask_qty_1" ||
		lines[1] != "1723075200114618000,1,true,56504,0.0285,56506,0.1297" {
		t.Fatalf("book exit %d, %d lines: %q", code, len(lines), lines[:min(2, len(lines))])
	}
	code = runBook([]string{okxBook, tardisFixture("kraken_trades_2024-08-08_XBT-USD.csv")}, &o, &e)
	if code != 2 || !strings.Contains(e.String(), "the files hold 2 instruments (okx-swap:BTC-USDT-SWAP, kraken:XBT/USD): give one instrument's files") {
		t.Fatalf("exit %d: %s", code, e.String())
	}
}
