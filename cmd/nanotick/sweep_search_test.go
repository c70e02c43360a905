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

	"github.com/nanotick/nanotick/backtest/sweep"
	"github.com/nanotick/nanotick/internal/testdata"
)

func sweepCmd(args ...string) (string, string, int) {
	var out, errb bytes.Buffer
	code := runSweep(args, &out, &errb)
	return out.String(), errb.String(), code
}

// TestSweepPointIsItsBacktest checks that a sweep point, replayed from the data decoded
// once in memory, gives the result of "nanotick backtest" with the same settings, for a
// .js strategy with --queue-model, --latency-file, --seed and --initial-balance.
func TestSweepPointIsItsBacktest(t *testing.T) {
	data := testdata.SharedData(t, spotFile)
	dir := t.TempDir()
	lat := filepath.Join(dir, "lat.txt")
	if err := os.WriteFile(lat, []byte("3ms 4ms\n9ms 2ms\n500us 1ms\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(dir, "mm.js")
	src, err := os.ReadFile("../../examples/strategies/market_maker.js")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(script, src, 0o644); err != nil {
		t.Fatal(err)
	}
	common := []string{"--data", data, "--strategy", script, "--queue-model", "power_law", "--latency-file", lat,
		"--seed", "7", "--initial-balance", "5000", "--maker-fee-bps", "-0.5"}
	res := filepath.Join(dir, "res.jsonl")
	out, e, code := sweepCmd(append([]string{"run", "--out", res, "--param", "halfSpreadBps=1,2"}, common...)...)
	if code != 0 {
		t.Fatalf("sweep: %d %s\n%s", code, e, out)
	}
	f, err := os.Open(res)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	results, _, err := sweep.ReadResults(f, res)
	if err != nil || len(results) != 2 {
		t.Fatalf("%d results, %v", len(results), err)
	}
	var settings map[string]any
	if err := json.Unmarshal(results[0].Settings, &settings); err != nil {
		t.Fatal(err)
	}
	if settings["queue_model"] != "power_law" || settings["initial_balance"] != "5000" || !strings.HasPrefix(settings["latency"].(string), "distribution of 3 samples") {
		t.Fatalf("settings %s", results[0].Settings)
	}
	if !strings.HasPrefix(results[0].DataHash, "sha256:") || !strings.HasPrefix(results[0].StrategyHash, "sha256:") {
		t.Fatalf("provenance %+v", results[0].Provenance)
	}
	for _, r := range results {
		rep := filepath.Join(dir, "bt.json")
		btArgs := append(append([]string{}, common...), "--param", "halfSpreadBps="+formatParam(r.Params["halfSpreadBps"]), "--json", rep)
		if code, _, stderr := runBT(t, btArgs...); code != 0 {
			t.Fatalf("backtest: %d %s", code, stderr)
		}
		_, raw := readReport(t, rep)
		var b struct {
			Result struct {
				PnL decimal.Decimal `json:"pnl"`
			} `json:"result"`
			Orders struct {
				Sent  uint64 `json:"sent"`
				Fills uint64 `json:"fills"`
			} `json:"orders"`
		}
		if err := json.Unmarshal(raw, &b); err != nil {
			t.Fatal(err)
		}
		if !b.Result.PnL.Equal(r.PnL) || b.Orders.Fills != r.Fills || b.Orders.Sent != r.OrdersSent || r.Fills == 0 {
			t.Errorf("point %v: sweep pnl %s fills %d sent %d; backtest pnl %s fills %d sent %d", r.Params, r.PnL, r.Fills, r.OrdersSent, b.Result.PnL, b.Orders.Fills, b.Orders.Sent)
		}
	}
}

func formatParam(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

func TestSweepSearches(t *testing.T) {
	data := testdata.SharedData(t, spotFile)
	grid := []string{"--data", data, "--param", "halfSpreadBps=1,2,3", "--param", "size=0.001,0.002"}

	// random: --points of the grid, the same for the same seed.
	a, e, code := sweepCmd(append([]string{"run", "--search", "random", "--points", "2", "--seed", "3"}, grid...)...)
	if code != 0 || strings.Count(a, "\n") != 3 {
		t.Fatalf("random: %d %s\n%s", code, e, a)
	}
	b, _, _ := sweepCmd(append([]string{"run", "--search", "random", "--points", "2", "--seed", "3"}, grid...)...)
	if a != b {
		t.Fatalf("random search not reproducible:\n%s\n%s", a, b)
	}

	// halving: 6 points on an eighth, 3 on a quarter, 2 on a half, then 1 on all.
	out, e, code := sweepCmd(append([]string{"run", "--search", "halving"}, grid...)...)
	for _, want := range []string{"round 1: 6 points on the first 25%", "round 2: 3 points on the first 50%", "round 3: 2 points on the first 100%"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Fatalf("halving: %d %s, want %q in\n%s", code, e, want, out)
		}
	}
	// Its rounds run in lockstep groups: the same rounds as one point at a time.
	alone, e, code := sweepCmd(append([]string{"run", "--search", "halving", "--lockstep=false"}, grid...)...)
	if code != 0 || alone != out {
		t.Fatalf("halving one point at a time: %d %s\n%s\nin lockstep:\n%s", code, e, alone, out)
	}

	// walk-forward: the test table has the --top points, run on the last 40%.
	res := filepath.Join(t.TempDir(), "wf.jsonl")
	out, e, code = sweepCmd(append([]string{"run", "--train", "60%", "--test", "40%", "--top", "2", "--out", res}, grid...)...)
	if code != 0 || !strings.Contains(out, "training part:") || !strings.Contains(out, "test part: the 2 best training points") {
		t.Fatalf("walk-forward: %d %s\n%s", code, e, out)
	}
	lines, _ := os.ReadFile(res)
	if strings.Count(string(lines), "\n") != 2 {
		t.Fatalf("walk-forward wrote %q", lines)
	}
	_, test, _ := strings.Cut(out, "test part:")
	if strings.Count(test, "\n") != 4 || strings.Contains(test, "error") {
		t.Fatalf("test table:\n%s", test)
	}
}

func TestSweepRunUsageErrors(t *testing.T) {
	grid := []string{"--data", "sweep.go", "--param", "a=1,2"}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--search", "bayes"}, "unknown search"},
		{[]string{"--search", "random"}, "needs --points"},
		{[]string{"--points", "3"}, "--points goes with --search random"},
		{[]string{"--search", "random", "--points", "1", "--shard", "0/2"}, "not sharded"},
		{[]string{"--train", "60%"}, "--test"},
		{[]string{"--train", "70%", "--test", "40%"}, "overlap"},
		{[]string{"--train", "60%", "--test", "40%", "--top", "0"}, "--top"},
		{[]string{"--queue-model", "fifo"}, "queue"},
		{[]string{"--initial-balance", "-1"}, "positive"},
		{[]string{"--strategy", "nope"}, "unknown strategy"},
	} {
		_, e, code := sweepCmd(append(append([]string{"run"}, grid...), tt.args...)...)
		if code != 2 || !strings.Contains(e, tt.want) {
			t.Errorf("%v: %d %q, want 2 and %q", tt.args, code, e, tt.want)
		}
	}
}

// TestSweepMergeRefusesMixedRuns merges shards run with different fees, data and
// strategies: each merge fails, naming the two files.
func TestSweepMergeRefusesMixedRuns(t *testing.T) {
	data := testdata.SharedData(t, spotFile)
	dir := t.TempDir()
	// A second data file: the same recording, cut (a different hash).
	orig, err := os.ReadFile(data)
	if err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "other.gz")
	if err := os.WriteFile(other, orig[:len(orig)/8], 0o644); err != nil {
		t.Fatal(err)
	}
	shard := func(name string, extra ...string) string {
		path := filepath.Join(dir, name)
		args := append([]string{"run", "--param", "halfSpreadBps=1,2", "--shard", name[len(name)-7:len(name)-6] + "/2", "--out", path}, extra...)
		if out, e, code := sweepCmd(args...); code != 0 && !strings.Contains(e, "reading data") {
			t.Fatalf("%s: %d %s\n%s", name, code, e, out)
		}
		return path
	}
	s0 := shard("a-0.jsonl", "--data", data)
	s1 := shard("b-1.jsonl", "--data", data)
	if _, e, code := sweepCmd("merge", s0, s1); code != 0 {
		t.Fatalf("same run: %d %s", code, e)
	}
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"fees-1.jsonl", []string{"--data", data, "--maker-fee-bps", "1"}, "differ in settings"},
		{"data-1.jsonl", []string{"--data", other}, "differ in data"},
		{"strat-1.jsonl", []string{"--data", data, "--strategy", "marketmaker"}, "differ in strategy"},
	} {
		s := shard(tt.name, tt.args...)
		_, e, code := sweepCmd("merge", s0, s)
		if code != 1 || !strings.Contains(e, tt.want) || !strings.Contains(e, "a-0.jsonl:1") || !strings.Contains(e, tt.name+":1") {
			t.Errorf("%s: %d %q, want 1, %q and both files", tt.name, code, e, tt.want)
		}
	}
}
