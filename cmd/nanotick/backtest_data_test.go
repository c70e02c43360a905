package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nanotick/nanotick/internal/testdata"
)

const usdmFile = "binance-usdm-btcusdt-20240808.gz"

// TestBacktestDetectsUSDM is issue 15 item 1: the futures recording without a config
// was replayed as spot (1 book update, 0 orders, exit 0). The venue and symbol now come
// from its streams, and the run trades the perpetual with its own rules.
func TestBacktestDetectsUSDM(t *testing.T) {
	data := testdata.SharedData(t, usdmFile)
	out := filepath.Join(t.TempDir(), "r.json")
	code, stdout, stderr := runBT(t, "--data", data, "--json", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "on usdm BTCUSDT") || strings.Contains(stdout, "PROBLEM") {
		t.Errorf("summary:\n%s", stdout)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Venue  string `json:"venue"`
		Orders struct {
			Sent  uint64 `json:"sent"`
			Fills uint64 `json:"fills"`
		} `json:"orders"`
		Events struct {
			BookUpdates uint64 `json:"book_updates"`
		} `json:"events"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	if r.Venue != "usdm" || r.Events.BookUpdates < 1000 || r.Orders.Sent == 0 || r.Orders.Fills == 0 {
		t.Errorf("venue %q, %d book updates, %d sent, %d fills", r.Venue, r.Events.BookUpdates, r.Orders.Sent, r.Orders.Fills)
	}
}

// writeFiltered copies the first n records of a shared recording that keep says to keep
// into a new gzip recording.
func writeFiltered(t *testing.T, src string, n int, keep func(line string) bool) string {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	zr, err := gzip.NewReader(in)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), filepath.Base(src))
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(out)
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for i := 0; i < n && sc.Scan(); i++ {
		if keep(sc.Text()) {
			zw.Write(append(sc.Bytes(), '\n'))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestBacktestBookNeverValid: a recording without its REST snapshot never gives a valid
// book. The run says so and exits non-zero, unless --allow-problems.
func TestBacktestBookNeverValid(t *testing.T) {
	data := writeFiltered(t, testdata.SharedData(t, spotFile), 5000, func(l string) bool {
		return !strings.Contains(l, `"lastUpdateId"`)
	})
	code, stdout, stderr := runBT(t, "--data", data)
	if code != 1 || !strings.Contains(stdout, "PROBLEM: the order book was never valid") || !strings.Contains(stderr, "--allow-problems") {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	code, stdout, stderr = runBT(t, "--data", data, "--allow-problems")
	if code != 0 || !strings.Contains(stdout, "PROBLEM") {
		t.Errorf("--allow-problems: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
}

func TestBacktestDataMismatch(t *testing.T) {
	spot := testdata.SharedData(t, spotFile)
	usdm := testdata.SharedData(t, usdmFile)
	abs, err := filepath.Abs(spot)
	if err != nil {
		t.Fatal(err)
	}
	cfg := writeConfig(t, strings.Replace(btConfig, "DATA", filepath.ToSlash(abs), 1))
	code, _, stderr := runBT(t, "--config", cfg, "--data", usdm)
	if code != 2 || !strings.Contains(stderr, "holds binance-usdm:BTCUSDT") || !strings.Contains(stderr, "trades binance-spot:BTCUSDT") {
		t.Errorf("config spot, data usdm: exit %d: %s", code, stderr)
	}
	// Segments of one instrument must be consecutive.
	code, _, stderr = runBT(t, "--data", spot, "--data", usdm, "--data", spot)
	if code != 1 || !strings.Contains(stderr, "one after the other") {
		t.Errorf("interleaved segments: exit %d: %s", code, stderr)
	}
}

// TestBacktestTwoInstruments is issue 11 items 7 and 8 from the command line: two
// recordings of two venues, detected and merged, a strategy trading both.
func TestBacktestTwoInstruments(t *testing.T) {
	spot := testdata.SharedData(t, spotFile)
	usdm := testdata.SharedData(t, usdmFile)
	out := filepath.Join(t.TempDir(), "r.json")
	code, stdout, stderr := runBT(t, "--data", spot, "--data", usdm, "--strategy", "spotperp", "--venue-latency", "binance-usdm=3ms,4ms", "--json", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Settings struct {
			Latency string `json:"latency"`
		} `json:"settings"`
		Instruments []struct {
			Name  string `json:"name"`
			Fills uint64 `json:"fills"`
		} `json:"instruments"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Instruments) != 2 || r.Instruments[0].Name != "binance-spot:BTCUSDT" || r.Instruments[1].Name != "binance-usdm:BTCUSDT" ||
		r.Instruments[0].Fills == 0 || r.Instruments[1].Fills == 0 {
		t.Errorf("instruments %+v\n%s", r.Instruments, stdout)
	}
	if !strings.Contains(r.Settings.Latency, "binance-usdm: constant entry 3ms, response 4ms") {
		t.Errorf("settings.latency %q", r.Settings.Latency)
	}
	for _, bad := range [][]string{
		{"--data", spot, "--venue-latency", "kraken=1ms"},
		{"--data", spot, "--venue-latency", "binance-spot=fast"},
		{"--data", spot, "--quote-rate", "USD=-1"},
	} {
		if code, _, stderr := runBT(t, bad...); code != 2 {
			t.Errorf("%v: exit %d: %s", bad, code, stderr)
		}
	}
}

// TestSpotPerpScriptMatchesGo is issue 11 item 8's command: the JavaScript spot market
// maker hedged on the perp gets fills on both instruments, and its Go twin gives the
// same report but for the strategy's name.
func TestSpotPerpScriptMatchesGo(t *testing.T) {
	spot := testdata.SharedData(t, spotFile)
	usdm := testdata.SharedData(t, usdmFile)
	dir := t.TempDir()
	script, err := filepath.Abs("../../examples/strategies/spot_perp_mm.js")
	if err != nil {
		t.Fatal(err)
	}
	reports := map[string]map[string]json.RawMessage{}
	for _, strat := range []string{script, "spotperp"} {
		out := filepath.Join(dir, filepath.Base(strat)+".json")
		if code, _, stderr := runBT(t, "--data", spot, "--data", usdm, "--strategy", strat, "--json", out); code != 0 {
			t.Fatalf("%s: exit %d: %s", strat, code, stderr)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		var r map[string]json.RawMessage
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		reports[strat] = r
	}
	var insts []struct {
		Name  string `json:"name"`
		Fills uint64 `json:"fills"`
	}
	if err := json.Unmarshal(reports[script]["instruments"], &insts); err != nil {
		t.Fatal(err)
	}
	if len(insts) != 2 || insts[0].Fills == 0 || insts[1].Fills == 0 {
		t.Errorf("the script's fills by instrument: %+v", insts)
	}
	for _, key := range []string{"result", "instruments", "orders", "events", "fills", "equity"} {
		if !bytes.Equal(reports[script][key], reports["spotperp"][key]) {
			t.Errorf("%s differs between the script and its Go twin", key)
		}
	}
}
