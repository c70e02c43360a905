package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunBybitRefusesWrongRules: `nanotick run` with a copy of examples/bybit_sim.toml
// whose rules differ from the local exchange's instruments-info (the perpetual's tick
// 0.2 where the venue says 0.1; the spot minimum notional 10 where minOrderAmt is 5)
// exits non-zero before trading, naming each difference with the configured value, the
// venue's and Bybit's field. (TestRunBybitSimCommand runs the right table.)
func TestRunBybitRefusesWrongRules(t *testing.T) {
	data, err := os.ReadFile("../../examples/bybit_sim.toml")
	if err != nil {
		t.Fatal(err)
	}
	script, err := filepath.Abs("../../examples/strategies/bybit_mm.js")
	if err != nil {
		t.Fatal(err)
	}
	// The copy lives in a temporary directory: its script by absolute path.
	data = []byte(strings.Replace(string(data), `file = "strategies/bybit_mm.js"`, `file = "`+script+`"`, 1))
	for _, c := range []struct {
		name, from, to, want string
	}{
		{"linear tick", `tick_size = "0.1"`, `tick_size = "0.2"`,
			"instrument bybit-linear:BTCUSDT: tick: configured 0.2, venue 0.1 (priceFilter.tickSize)"},
		{"spot min notional", `min_notional = "5"`, `min_notional = "10"`,
			"instrument bybit-spot:BTCUSDT: min notional: configured 10, venue 5 (lotSizeFilter.minOrderAmt)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			doc := strings.Replace(string(data), c.from, c.to, 1)
			if doc == string(data) {
				t.Fatalf("examples/bybit_sim.toml has no %s", c.from)
			}
			file := filepath.Join(t.TempDir(), "bybit.toml")
			if err := os.WriteFile(file, []byte(doc), 0o644); err != nil {
				t.Fatal(err)
			}
			var out, errOut bytes.Buffer
			code := runRun([]string{"--config", file, "--duration", "3s", "--quiet"}, &out, &errOut)
			if code == 0 || !strings.Contains(errOut.String(), c.want) || !strings.Contains(errOut.String(), "refusing to trade") {
				t.Fatalf("exit %d, want non-zero with %q\nstdout %s\nstderr %s", code, c.want, out.String(), errOut.String())
			}
			if strings.Contains(out.String(), "orders ") {
				t.Errorf("it traded:\n%s", out.String())
			}
		})
	}
}
