package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/nanotick/nanotick/config"
)

// TestRunJSON is issue 11 item 10: a live run's summary as JSON in the backtest
// report's shape, its figures those of the text summary.
func TestRunJSON(t *testing.T) {
	file := filepath.Join(t.TempDir(), "run.json")
	var out, errOut bytes.Buffer
	if code := runRun([]string{"--duration", "3s", "--quiet", "--json", file}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, out.String(), errOut.String())
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Strategy string `json:"strategy"`
		Venue    string `json:"venue"`
		Result   struct {
			PnL, Position string
		} `json:"result"`
		Orders struct {
			Sent  uint64 `json:"sent"`
			Fills uint64 `json:"fills"`
		} `json:"orders"`
		Events struct {
			Frames uint64 `json:"frames"`
		} `json:"events"`
		Instruments []struct {
			Name     string `json:"name"`
			Fills    uint64 `json:"fills"`
			Position string `json:"position"`
			PnL      string `json:"pnl"`
		} `json:"instruments"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b)
	}
	if r.Strategy != "market_maker" || r.Venue != "sim" || r.Events.Frames == 0 || len(r.Instruments) != 1 {
		t.Fatalf("report %+v", r)
	}
	in := r.Instruments[0]
	if in.Name != "sim:BTCUSDT" || in.Fills != r.Orders.Fills || in.Position != r.Result.Position || in.PnL != r.Result.PnL {
		t.Errorf("instrument %+v does not add up to the total %+v", in, r.Result)
	}
	m := regexp.MustCompile(`orders\s+(\d+) sent`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no orders line in the summary:\n%s", out.String())
	}
	if n, _ := strconv.ParseUint(m[1], 10, 64); n != r.Orders.Sent {
		t.Errorf("JSON says %d orders sent, the summary %d", r.Orders.Sent, n)
	}
	// A file that cannot be written fails the run.
	if code := runRun([]string{"--duration", "1s", "--quiet", "--json", filepath.Join(t.TempDir(), "no", "such", "dir.json")}, &out, &errOut); code != 1 {
		t.Errorf("unwritable --json: exit %d", code)
	}
}

// TestRunRefusesWrongRules: the instrument's rules are checked against the venue's
// exchangeInfo before anything is sent; a config whose tick differs from the local
// exchange's refuses to start.
func TestRunRefusesWrongRules(t *testing.T) {
	text := strings.Replace(string(config.DefaultTOML()), `tick_size = "0.01"`, `tick_size = "0.1"`, 1)
	if text == string(config.DefaultTOML()) {
		t.Fatal("the default config has no tick_size = \"0.01\" to change")
	}
	path := filepath.Join(t.TempDir(), "wrong.toml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	code := runRun([]string{"--config", path, "--duration", "1s", "--quiet"}, &out, &errOut)
	if code != 1 || !strings.Contains(errOut.String(), "sim:BTCUSDT: tick: configured 0.1, venue 0.01") || !strings.Contains(errOut.String(), "refusing to trade") {
		t.Errorf("exit %d\nstderr %s", code, errOut.String())
	}
}
