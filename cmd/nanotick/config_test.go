package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// configCheckBase is a valid config with no files to find: its strategy is builtin.
const configCheckBase = `[[instrument]]
symbol = "BTCUSDT"
venue = "binance-spot"
tick_size = "0.01"
lot_size = "0.00001"
max_qty = "9000"

[[strategy]]
name = "mm"
file = "builtin:market_maker"
instrument = "BTCUSDT"

[strategy.params]
spread_bps = 8

[risk]
max_order_qty = "0.01"
max_order_notional = "1000"
price_band_bps = 50
max_position = "0.05"
max_open_orders = 6
order_rate = 5
order_burst = 10
duplicate_window = "500ms"
max_daily_loss = "200"
max_drawdown = "300"
`

func TestConfigCheck(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.toml", configCheckBase)
	bad := write("bad.toml", strings.Replace(configCheckBase, `max_order_qty = "0.01"`, "max_order_qty = 0.01\nmax_positon = \"1\"", 1))
	public := write("public.toml", configCheckBase+"\n[admin]\nenabled = true\nlisten = \"0.0.0.0:6060\"\n")
	syntax := write("syntax.toml", "[risk\n")

	tests := []struct {
		name       string
		args       []string
		code       int
		stdout     []string // substrings, in order
		stderr     []string
		noStdout   bool
		exactLines int // number of stderr lines, when nonzero
	}{
		{name: "no args", args: nil, code: 2, stderr: []string{"usage: nanotick config check FILE"}},
		{name: "unknown subcommand", args: []string{"lint", good}, code: 2, stderr: []string{"usage:"}},
		{name: "no file", args: []string{"check"}, code: 2, stderr: []string{"usage:"}},
		{name: "two files", args: []string{"check", good, good}, code: 2, stderr: []string{"usage:"}},
		{name: "flag", args: []string{"check", "-v"}, code: 2, stderr: []string{"usage:"}},
		{
			name: "ok", args: []string{"check", good}, code: 0,
			stdout: []string{
				good + ": ok\n",
				"instruments: 1\n  BTCUSDT on binance-spot: tick 0.01, lot 0.00001, qty 0.00001..9000, min notional 0, decimals 8/8\n",
				"strategies: 1\n  mm: builtin:market_maker on BTCUSDT (binance-spot), 1 params\n",
				"risk: start active\n  per order: qty <= 0.01, notional <= 1000, within 50 bps of mid\n",
				"  position <= 0.05, open orders <= 6, 5 orders/s (burst 10), duplicates within 500ms\n",
				"  halt at daily loss 200 or drawdown 300\n",
			},
		},
		{
			name: "errors", args: []string{"check", bad}, code: 1, noStdout: true, exactLines: 2,
			stderr: []string{
				bad + ":17:1: risk.max_order_qty: must be a quoted decimal string, not a float",
				bad + ":18:1: unknown key \"risk.max_positon\" (did you mean \"max_position\"?)",
			},
		},
		{
			name: "warning", args: []string{"check", public}, code: 0,
			stdout: []string{public + ": ok\n", "admin: listening on 0.0.0.0:6060\n"},
			stderr: []string{public + ":30:1: warning: admin.listen: \"0.0.0.0:6060\" is not a loopback address"},
		},
		{name: "syntax", args: []string{"check", syntax}, code: 1, noStdout: true, exactLines: 1, stderr: []string{syntax + ":1:"}},
		{name: "missing file", args: []string{"check", filepath.Join(dir, "nope.toml")}, code: 1, noStdout: true,
			stderr: []string{"nanotick: config: open ", "nope.toml: no such file or directory"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := runConfig(tt.args, &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit code = %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, &stdout, &stderr)
			}
			inOrder(t, "stdout", stdout.String(), tt.stdout)
			inOrder(t, "stderr", stderr.String(), tt.stderr)
			if tt.noStdout && stdout.Len() != 0 {
				t.Errorf("stdout = %q, want nothing", &stdout)
			}
			if tt.exactLines > 0 {
				if n := strings.Count(stderr.String(), "\n"); n != tt.exactLines {
					t.Errorf("stderr has %d lines, want %d:\n%s", n, tt.exactLines, &stderr)
				}
			}
		})
	}
}

// inOrder checks that every want string occurs in got, each after the previous one.
func inOrder(t *testing.T, what, got string, want []string) {
	t.Helper()
	rest := got
	for _, w := range want {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Errorf("%s lacks %q (in order):\n%s", what, w, got)
			return
		}
		rest = rest[i+len(w):]
	}
}

// TestConfigCheckDispatch checks that "nanotick config check" reaches runConfig through
// main's dispatcher.
func TestConfigCheckDispatch(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"config"}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "config check FILE") {
		t.Errorf("run(config) = %d, stderr %q", code, &stderr)
	}
}
