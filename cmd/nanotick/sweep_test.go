package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nanotick/nanotick/internal/testdata"
)

func TestSweepUsage(t *testing.T) {
	tests := []struct {
		args    []string
		code    int
		wantErr string
	}{
		{args: nil, code: 2, wantErr: "usage"},
		{args: []string{"nope"}, code: 2, wantErr: "unknown subcommand"},
		{args: []string{"run", "--param", "a=1"}, code: 2, wantErr: "no recordings"},
		{args: []string{"run", "--data", "/nonexistent.gz", "--param", "a=1"}, code: 2, wantErr: "nonexistent"},
		{args: []string{"run", "--data", "sweep.go", "--param", "a=1,x"}, code: 2, wantErr: "not a finite number"},
		{args: []string{"run", "--data", "sweep.go", "--param", "a=1", "--sort", "luck"}, code: 2, wantErr: "unknown metric"},
		{args: []string{"run", "--data", "sweep.go", "--param", "a=1", "--shards", "2"}, code: 2, wantErr: "JOB_COMPLETION_INDEX is not set"},
		{args: []string{"run", "--data", "sweep.go", "--param", "a=1", "--shard", "2/2"}, code: 2, wantErr: "0..1"},
		{args: []string{"run", "--data", "sweep.go", "--param", "a=1", "--shard", "0/2", "--shards", "2"}, code: 2, wantErr: "not both"},
		{args: []string{"merge"}, code: 2, wantErr: "no shard files"},
		{args: []string{"merge", "/nonexistent.jsonl"}, code: 1, wantErr: "nonexistent"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Setenv("JOB_COMPLETION_INDEX", "")
			var out, errb bytes.Buffer
			if code := runSweep(tt.args, &out, &errb); code != tt.code || !strings.Contains(errb.String(), tt.wantErr) {
				t.Fatalf("code %d (want %d), stderr %q (want %q)", code, tt.code, errb.String(), tt.wantErr)
			}
		})
	}
}

// TestSweepShardsMerge runs a 4-point grid over the real recording as two shards (one
// index given by JOB_COMPLETION_INDEX), merges them, and compares with the unsharded
// run; then merges with a shard missing and a shard twice.
func TestSweepShardsMerge(t *testing.T) {
	data := testdata.SharedData(t, "binance-spot-btcusdt-20240808.gz")
	dir := t.TempDir()
	grid := []string{"--data", data, "--param", "halfSpreadBps=1,2", "--param", "size=0.001,0.002", "--order-latency", "5ms"}
	run := func(args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		code := runSweep(args, &out, &errb)
		return out.String(), errb.String(), code
	}
	s0 := filepath.Join(dir, "s0.jsonl")
	if _, e, code := run(append([]string{"run", "--shard", "0/2", "--out", s0}, grid...)...); code != 0 {
		t.Fatalf("shard 0: %d %s", code, e)
	}
	t.Setenv("JOB_COMPLETION_INDEX", "1")
	s1 := filepath.Join(dir, "s1.jsonl")
	if _, e, code := run(append([]string{"run", "--shards", "2", "--out", s1}, grid...)...); code != 0 {
		t.Fatalf("shard 1: %d %s", code, e)
	}
	all := filepath.Join(dir, "all.jsonl")
	whole, e, code := run(append([]string{"run", "--out", all, "--sort", "fills"}, grid...)...)
	if code != 0 {
		t.Fatalf("whole: %d %s", code, e)
	}
	merged := filepath.Join(dir, "merged.jsonl")
	out, e, code := run("merge", s1, "--sort", "fills", s0, "--out", merged)
	if code != 0 {
		t.Fatalf("merge: %d %s", code, e)
	}
	// The merged table is the unsharded one after its header line.
	if _, table, _ := strings.Cut(out, "\n"); table != whole {
		t.Fatalf("merged table:\n%s\nwhole run:\n%s", table, whole)
	}
	a, _ := os.ReadFile(all)
	b, _ := os.ReadFile(merged)
	if !bytes.Equal(a, b) || len(a) == 0 {
		t.Fatalf("merged file differs from the whole run's:\n%s\n%s", a, b)
	}
	// Five minutes of data give no Sharpe ratio: a ranking by it says so and keeps
	// grid order, and the table shows none, not zeros.
	out, e, code = run("merge", s0, s1, "--sort", "sharpe")
	if code != 0 || !strings.Contains(e, "no point has a Sharpe ratio") {
		t.Fatalf("merge --sort sharpe: %d %s", code, e)
	}
	if rows := strings.Split(strings.TrimSpace(out), "\n"); len(rows) != 6 || !strings.HasPrefix(strings.Join(strings.Fields(rows[2]), " "), "1 0 1 0.001 ") || strings.Contains(out, "0.000  ") {
		t.Fatalf("merge --sort sharpe: want grid order and no zero ratios:\n%s", out)
	}
	if _, e, code := run("merge", s0); code != 1 || !strings.Contains(e, "2 of 4 grid points missing") {
		t.Fatalf("missing shard: %d %s", code, e)
	}
	if _, e, code := run("merge", s0, s1, s0); code != 1 || !strings.Contains(e, "duplicate grid point 0") {
		t.Fatalf("duplicate shard: %d %s", code, e)
	}
}

// TestSweepTardis sweeps over a small Tardis.dev CSV day and over the example config.
func TestSweepTardis(t *testing.T) {
	dir := t.TempDir()
	var book, trades strings.Builder
	book.WriteString("exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount\n")
	trades.WriteString("exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n")
	t0 := int64(1723161253000000)
	for _, l := range []string{"bid,61800.00,1", "bid,61799.99,2", "ask,61800.01,1", "ask,61800.02,2"} {
		fmt.Fprintf(&book, "binance,BTCUSDT,%d,%d,true,%s\n", t0, t0, l)
	}
	for i := range int64(200) {
		ts := t0 + (i+1)*100_000
		fmt.Fprintf(&book, "binance,BTCUSDT,%d,%d,false,bid,61800.00,%d\n", ts, ts, 1+i%3)
		fmt.Fprintf(&book, "binance,BTCUSDT,%d,%d,false,ask,61800.01,%d\n", ts, ts, 1+i%2)
		fmt.Fprintf(&trades, "binance,BTCUSDT,%d,%d,%d,%s,%s,0.01\n", ts+50, ts+50, i, map[bool]string{true: "buy", false: "sell"}[i%2 == 0],
			map[bool]string{true: "61800.01", false: "61800.00"}[i%2 == 0])
	}
	bf, tf := filepath.Join(dir, "book.csv"), filepath.Join(dir, "trades.csv")
	os.WriteFile(bf, []byte(book.String()), 0o644)
	os.WriteFile(tf, []byte(trades.String()), 0o644)
	var out, errb bytes.Buffer
	code := runSweep([]string{"run", "--tardis-book", bf, "--tardis-trades", tf, "--param", "halfSpreadBps=0.5,1"}, &out, &errb)
	if code != 0 || strings.Count(out.String(), "\n") != 3 || strings.Contains(out.String(), "error") {
		t.Fatalf("code %d\n%s\n%s", code, out.String(), errb.String())
	}
	t.Logf("\n%s", out.String())

	out.Reset()
	errb.Reset()
	code = runSweep([]string{"run", "--tardis-book", bf, "--data", bf, "--param", "a=1"}, &out, &errb)
	if code != 2 || !strings.Contains(errb.String(), "not both") {
		t.Fatalf("code %d, %s", code, errb.String())
	}

	// The example config, with the Go market maker.
	toml, err := os.ReadFile("../../examples/backtest.toml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := strings.Replace(string(toml), `file = "strategies/market_maker.js"`, "language = \"go\"\ngo_name = \"marketmaker\"", 1)
	cfg = strings.Replace(cfg, `data = ["../../shared/data/binance-spot-btcusdt-20240808.gz"]`, `data = ["book.csv"]`, 1)
	cfg = strings.Replace(cfg, "spread_bps = 8\norder_qty = 0.001\n", "", 1)
	cf := filepath.Join(dir, "backtest.toml")
	os.WriteFile(cf, []byte(cfg), 0o644)
	out.Reset()
	errb.Reset()
	code = runSweep([]string{"run", "--config", cf, "--tardis-book", bf, "--param", "size=0.001,0.002"}, &out, &errb)
	if code != 0 || strings.Count(out.String(), "\n") != 3 {
		t.Fatalf("config: code %d\n%s\n%s", code, out.String(), errb.String())
	}
}
