package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nanotick/nanotick/internal/testdata"
)

// TestSweepMergeRefusesOtherDraws merges shards whose settings agree in everything a
// latency file's summary shows but not in the draws: another --seed, or the same
// samples in another order (the same count, means and maxima). Each merge must fail;
// shards of the same file and seed merge.
func TestSweepMergeRefusesOtherDraws(t *testing.T) {
	data := testdata.SharedData(t, spotFile)
	dir := t.TempDir()
	lat := filepath.Join(dir, "lat.txt")
	reordered := filepath.Join(dir, "lat-reordered.txt")
	if err := os.WriteFile(lat, []byte("3ms 4ms\n9ms 2ms\n500us 1ms\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(reordered, []byte("500us 1ms\n9ms 2ms\n3ms 4ms\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	shard := func(name, index string, extra ...string) string {
		t.Helper()
		path := filepath.Join(dir, name)
		args := append([]string{"run", "--data", data, "--param", "halfSpreadBps=1,2", "--shard", index + "/2", "--out", path}, extra...)
		if out, e, code := sweepCmd(args...); code != 0 {
			t.Fatalf("%s: %d %s\n%s", name, code, e, out)
		}
		return path
	}
	s0 := shard("a-0.jsonl", "0", "--latency-file", lat, "--seed", "3")
	if _, e, code := sweepCmd("merge", s0, shard("same-1.jsonl", "1", "--latency-file", lat, "--seed", "3")); code != 0 {
		t.Fatalf("same file and seed: %d %s", code, e)
	}
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"seed-1.jsonl", []string{"--latency-file", lat, "--seed", "4"}, "latency_seed: 3 vs 4"},
		{"order-1.jsonl", []string{"--latency-file", reordered, "--seed", "3"}, "latency_samples: "},
		{"constant-1.jsonl", []string{"--order-latency", "3ms"}, "latency: "},
	} {
		s := shard(tt.name, "1", tt.args...)
		_, e, code := sweepCmd("merge", s0, s)
		if code != 1 || !strings.Contains(e, "differ in settings ("+tt.want) || !strings.Contains(e, tt.name+":1") {
			t.Errorf("%s: exit %d %q, want 1 and differ in settings (%s...", tt.name, code, e, tt.want)
		}
	}
}

// TestSweepWalkForwardLinesSayTheirPart checks that the lines a walk-forward run
// writes (its best points, run on the test part only) say so, and that a merge refuses
// to rank them with lines over the whole data.
func TestSweepWalkForwardLinesSayTheirPart(t *testing.T) {
	data := testdata.SharedData(t, spotFile)
	dir := t.TempDir()
	wf := filepath.Join(dir, "wf.jsonl")
	grid := "halfSpreadBps=1,2"
	if out, e, code := sweepCmd("run", "--data", data, "--param", grid, "--train", "60%", "--test", "40%", "--top", "1", "--out", wf); code != 0 {
		t.Fatalf("walk-forward: %d %s\n%s", code, e, out)
	}
	b, err := os.ReadFile(wf)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"window":"walk-forward test: the last 40% of the data's time, the best 1 of a grid search on the first 60%"`) {
		t.Fatalf("walk-forward lines do not say their part of the data:\n%s", b)
	}
	// The whole-data line of the other point, beside the test part's line of the
	// chosen one: together they cover the grid, and must still not merge.
	chosen := `"index":0`
	other := "1"
	if !strings.Contains(string(b), chosen) {
		other = "0"
	}
	whole := filepath.Join(dir, "whole.jsonl")
	if out, e, code := sweepCmd("run", "--data", data, "--param", grid, "--shard", other+"/2", "--out", whole); code != 0 {
		t.Fatalf("grid shard: %d %s\n%s", code, e, out)
	}
	_, e, code := sweepCmd("merge", whole, wf)
	if code != 1 || !strings.Contains(e, "differ in the part of the data they ran on (all of it vs walk-forward test") {
		t.Errorf("merge of whole-data and test-part lines: exit %d %q", code, e)
	}
}

// TestSweepFailsWhenNoPointTestedTheStrategy runs a sweep over a recording that holds
// no market (an empty file, named by a config so that the instrument is known): every
// point's book is never valid, so the sweep must fail and say why, as "nanotick
// backtest" does, unless --allow-problems; the shard lines carry the problems, and a
// merge of them fails the same way.
func TestSweepFailsWhenNoPointTestedTheStrategy(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.gz")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "s.jsonl")
	args := []string{"run", "--config", "../../examples/backtest.toml", "--data", empty, "--param", "halfSpreadBps=1,2", "--out", out}
	_, e, code := sweepCmd(args...)
	if code != 1 || !strings.Contains(e, "points 0, 1 did not test the strategy: the order book was never valid") || !strings.Contains(e, "--allow-problems") {
		t.Fatalf("sweep over an empty file: exit %d %q, want 1 and the problem", code, e)
	}
	if _, e, code := sweepCmd(append(args, "--allow-problems")...); code != 0 || !strings.Contains(e, "accepted: --allow-problems") {
		t.Fatalf("with --allow-problems: exit %d %q, want 0", code, e)
	}
	b, err := os.ReadFile(out)
	if err != nil || strings.Count(string(b), `"problems":["the order book was never valid`) != 2 {
		t.Fatalf("shard lines: %v\n%s", err, b)
	}
	if _, e, code := sweepCmd("merge", out); code != 1 || !strings.Contains(e, "did not test the strategy") {
		t.Errorf("merge: exit %d %q, want 1", code, e)
	}
	if _, e, code := sweepCmd("merge", out, "--allow-problems"); code != 0 {
		t.Errorf("merge --allow-problems: exit %d %q, want 0", code, e)
	}
}
