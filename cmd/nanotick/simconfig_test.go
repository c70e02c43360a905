package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeSimConfig writes script (JavaScript) into a temporary directory, with a config
// that trades it on the local exchange, on Binance USD-M's BTCUSDT perpetual when perp
// (5x cross margin) and on Binance spot BTCUSDT otherwise, under risk limits wide enough
// not to refuse a test's few orders. It returns the config's path and the script's.
func writeSimConfig(t *testing.T, name, script string, perp bool) (cfg, js string) {
	t.Helper()
	dir := t.TempDir()
	js = filepath.Join(dir, name+".js")
	if err := os.WriteFile(js, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	instrument, venue := `venue = "binance-spot"
tick_size = "0.01"
lot_size = "0.00001"
max_qty = "9000"
min_notional = "5"`, `[venue.binance]
sim = true`
	if perp {
		instrument, venue = `venue = "binance-usdm"
tick_size = "0.1"
lot_size = "0.001"
max_qty = "1000"
min_notional = "100"`, `[venue.binance-usdm]
sim = true
leverage = 5
margin_mode = "cross"`
	}
	cfg = filepath.Join(dir, name+".toml")
	doc := `[[instrument]]
symbol = "BTCUSDT"
` + instrument + `

[[strategy]]
name = "` + name + `"
file = "` + js + `"
instrument = "BTCUSDT"

[risk]
max_order_qty = "1"
max_order_notional = "100000"
price_band_bps = 100
max_position = "1"
max_open_orders = 10
order_rate = 10
order_burst = 20
duplicate_window = "1s"
max_daily_loss = "100"
max_drawdown = "200"

` + venue + "\n"
	if err := os.WriteFile(cfg, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg, js
}

// spotPerpExample writes examples/spot_perp_sim.toml into a temporary directory with its
// script's path made absolute and each old→new pair of edits applied, and returns the
// copy's path. An edit that no longer matches fails the test: the example changed.
func spotPerpExample(t *testing.T, edits ...string) string {
	t.Helper()
	b, err := os.ReadFile("../../examples/spot_perp_sim.toml")
	if err != nil {
		t.Fatal(err)
	}
	script, err := filepath.Abs("../../examples/strategies/spot_perp_mm.js")
	if err != nil {
		t.Fatal(err)
	}
	edits = append([]string{`file = "strategies/spot_perp_mm.js"`, `file = "` + script + `"`}, edits...)
	doc := string(b)
	for i := 0; i+1 < len(edits); i += 2 {
		if !strings.Contains(doc, edits[i]) {
			t.Fatalf("the example changed (no %s): update this test", edits[i])
		}
		doc = strings.Replace(doc, edits[i], edits[i+1], 1)
	}
	cfg := filepath.Join(t.TempDir(), "spot_perp.toml")
	if err := os.WriteFile(cfg, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg
}
