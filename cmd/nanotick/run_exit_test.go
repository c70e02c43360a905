package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunExitsNonZeroWhenTheStrategyFails: a strategy that fails at run time on the
// local exchange is halted and its orders cancelled, the run goes on to its --duration,
// and then exits 1 naming the error with its file:line:col, instead of 0 as if it had
// traded all along.
func TestRunExitsNonZeroWhenTheStrategyFails(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "fails.js")
	if err := os.WriteFile(script, []byte(`let n = 0;
function onBook() { n++; if (n > 3) { const o = null; o.x = 1; } }
`), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "fails.toml")
	if err := os.WriteFile(cfg, []byte(`[[instrument]]
symbol = "BTCUSDT"
venue = "binance-spot"
tick_size = "0.01"
lot_size = "0.00001"
max_qty = "9000"
min_notional = "5"

[[strategy]]
name = "fails"
file = "`+script+`"
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

[venue.binance]
sim = true
`), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	code := runRun([]string{"--config", cfg, "--duration", "2s", "--quiet"}, &out, &errOut)
	if code != 1 {
		t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, out.String(), errOut.String())
	}
	want := "nanotick run: the strategy failed and was halted: " + script + ":2:"
	if !strings.Contains(errOut.String(), want) {
		t.Errorf("stderr lacks %q:\n%s", want, errOut.String())
	}
	if !strings.Contains(out.String(), "strategy  halted: ") {
		t.Errorf("the summary does not say the strategy halted:\n%s", out.String())
	}
}
