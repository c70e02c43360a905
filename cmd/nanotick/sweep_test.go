package main

import (
	"bytes"
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
	if _, e, code := run("merge", s0); code != 1 || !strings.Contains(e, "2 of 4 grid points missing") {
		t.Fatalf("missing shard: %d %s", code, e)
	}
	if _, e, code := run("merge", s0, s1, s0); code != 1 || !strings.Contains(e, "duplicate grid point 0") {
		t.Fatalf("duplicate shard: %d %s", code, e)
	}
}
