package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

// TestBacktestTardisOKX is issue 13's "a Tardis CSV from a venue with no connector
// backtests": OKX's BTC-USDT-SWAP incremental_book_L2 and trades files, the rules
// from examples/tardis_okx_swap.toml, the builtin market maker. It must trade and be
// filled, in BTC (the files count contracts of 0.01 BTC), and give the same report
// each time: streamed, then through the event cache (built, then read).
func TestBacktestTardisOKX(t *testing.T) {
	dir, cache := t.TempDir(), t.TempDir()
	var reports [3][]byte
	for i := range reports {
		out := filepath.Join(dir, "r.json")
		args := []string{"--config", "../../examples/tardis_okx_swap.toml", "--data", okxBook, "--data", okxTrades,
			"--json", out, "--log-level", "off"}
		if i > 0 {
			args = append(args, "--cache", cache)
		}
		code, stdout, stderr := runBT(t, args...)
		if code != 0 {
			t.Fatalf("exit %d: %s\n%s", code, stderr, stdout)
		}
		if !strings.Contains(stdout, "backtest mm_okx on okx-swap BTC-USDT-SWAP") {
			t.Fatalf("summary:\n%s", stdout)
		}
		r, raw := readReport(t, out)
		if r.Orders.Fills < 10 || r.Orders.Sent == 0 {
			t.Fatalf("orders %+v\n%s", r.Orders, stdout)
		}
		reports[i] = raw
	}
	if string(reports[0]) != string(reports[1]) || string(reports[0]) != string(reports[2]) {
		t.Fatal("runs over the same files gave different reports")
	}
	if cached, _ := filepath.Glob(filepath.Join(cache, "*")); len(cached) != 1 {
		t.Fatalf("cache files %v", cached)
	}
	// Every fill is in BTC, a whole number of 0.01 BTC contracts.
	var r struct {
		Fills []struct {
			Qty decimal.Decimal `json:"qty"`
		} `json:"fills"`
	}
	if err := json.Unmarshal(reports[0], &r); err != nil || len(r.Fills) == 0 {
		t.Fatalf("fills: %v", err)
	}
	lot := decimal.RequireFromString("0.01")
	for _, f := range r.Fills {
		if !f.Qty.IsPositive() || !f.Qty.Mod(lot).IsZero() || f.Qty.GreaterThan(decimal.NewFromInt(1)) {
			t.Fatalf("fill of %s BTC", f.Qty)
		}
	}
}

// TestBacktestTardisTwoVenues backtests two venues known only from their files in one
// run (Deribit's linear BTC_USDC-PERPETUAL beside OKX's swap), each instrument its
// own lane, both filled.
func TestBacktestTardisTwoVenues(t *testing.T) {
	cfg, err := os.ReadFile("../../examples/tardis_okx_swap.toml")
	if err != nil {
		t.Fatal(err)
	}
	deribit := `
[[instrument]]
symbol = "BTC_USDC-PERPETUAL"
venue = "deribit"
kind = "perpetual"
base = "BTC"
quote = "USDC"
tick_size = "1"
lot_size = "0.0001"
max_qty = "100"
price_decimals = 0
qty_decimals = 4
`
	text := strings.Replace(string(cfg), "[[strategy]]", deribit+"\n[[strategy]]", 1)
	path := filepath.Join(t.TempDir(), "two.toml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "r.json")
	code, stdout, stderr := runBT(t, "--config", path, "--quote-rate", "USDC=1", "--json", out, "--log-level", "off",
		"--data", tardisFixture("deribit_incremental_book_L2_2024-08-08_BTC_USDC-PERPETUAL.csv.gz"),
		"--data", tardisFixture("deribit_trades_2024-08-08_BTC_USDC-PERPETUAL.csv.gz"),
		"--data", okxBook, "--data", okxTrades)
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, stderr, stdout)
	}
	for _, want := range []string{"okx-swap:BTC-USDT-SWAP: pnl", "deribit:BTC_USDC-PERPETUAL: pnl"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, stdout)
		}
	}
	// The config's strategy trades okx-swap, so it is the first instrument, though
	// its files came second; the market maker quotes the first instrument only.
	if i, j := strings.Index(stdout, "instrument   okx-swap:BTC-USDT-SWAP: pnl"), strings.Index(stdout, "instrument   deribit:"); i < 0 || j < i {
		t.Errorf("instrument order:\n%s", stdout)
	}
	r, _ := readReport(t, out)
	if r.Orders.Fills == 0 || r.Events.Frames < 3000 {
		t.Fatalf("orders %+v, events %+v", r.Orders, r.Events)
	}

	// The strategy on Deribit's instrument instead: its lane is filled too.
	text = strings.Replace(text, `instrument = "BTC-USDT-SWAP"`, `instrument = "BTC_USDC-PERPETUAL"`, 1)
	text = strings.Replace(text, "size = 0.01", "size = 0.001", 1)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = runBT(t, "--config", path, "--quote-rate", "USDT=1", "--log-level", "off",
		"--data", tardisFixture("deribit_incremental_book_L2_2024-08-08_BTC_USDC-PERPETUAL.csv.gz"),
		"--data", tardisFixture("deribit_trades_2024-08-08_BTC_USDC-PERPETUAL.csv.gz"),
		"--data", okxBook, "--data", okxTrades)
	if code != 0 || !strings.Contains(stdout, "backtest mm_okx on deribit BTC_USDC-PERPETUAL") || strings.Contains(stdout, "deribit:BTC_USDC-PERPETUAL: pnl 0.0000 = realized 0.0000 + unrealized 0.0000 - fees 0.0000, position 0, 0 fills") {
		t.Fatalf("exit %d: %s\n%s", code, stderr, stdout)
	}
}

// TestSweepTardisData sweeps the market maker over the OKX fixtures given with --data
// (in any order): the point with the config's halfSpreadBps is the backtest's run,
// fill for fill.
func TestSweepTardisData(t *testing.T) {
	var o, e bytes.Buffer
	code := runSweep([]string{"run", "--config", "../../examples/tardis_okx_swap.toml", "--data", okxTrades, "--data", okxBook,
		"--param", "halfSpreadBps=0.5,1"}, &o, &e)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, e.String())
	}
	out := filepath.Join(t.TempDir(), "r.json")
	if code, _, stderr := runBT(t, "--config", "../../examples/tardis_okx_swap.toml", "--data", okxBook, "--data", okxTrades,
		"--json", out, "--log-level", "off"); code != 0 {
		t.Fatalf("backtest exit %d: %s", code, stderr)
	}
	r, _ := readReport(t, out)
	found := false
	for _, line := range strings.Split(o.String(), "\n") {
		f := strings.Fields(line)
		if len(f) > 8 && f[2] == "1" {
			found = true
			if f[8] != strconv.FormatUint(r.Orders.Fills, 10) || r.Orders.Fills == 0 {
				t.Fatalf("sweep point %q, backtest fills %d", line, r.Orders.Fills)
			}
		}
	}
	if !found {
		t.Fatalf("no halfSpreadBps=1 point:\n%s", o.String())
	}
}
