package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
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

// TestBadModelFlagsAreBadCommandLines gives backtest and sweep run flag values the
// simulated exchange refuses, a negative progress interval, and both latency models at
// once: each is a bad command line (exit 2, saying which flag), before any data is
// read; the data named does not even exist. They used to fail the run (exit 1), fail
// every point of a sweep, print "json: unsupported value: NaN", or (both latency
// models) run the file in backtest and the constants in a sweep.
func TestBadModelFlagsAreBadCommandLines(t *testing.T) {
	lat := filepath.Join(t.TempDir(), "lat.txt")
	if err := os.WriteFile(lat, []byte("1ms\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--queue-model", "power_law", "--queue-power", "-1"}, "--queue-power -1: want a number in (0, 100]"},
		{[]string{"--queue-power", "0"}, "--queue-power 0"},
		{[]string{"--queue-power", "NaN"}, "--queue-power NaN"},
		{[]string{"--queue-power", "101"}, "--queue-power 101"},
		{[]string{"--maker-fee-bps", "NaN"}, "--maker-fee-bps NaN: want a number of basis points in (-10000, 10000)"},
		{[]string{"--taker-fee-bps", "10000"}, "--taker-fee-bps 10000"},
		{[]string{"--maker-fee-bps", "-Inf"}, "--maker-fee-bps -Inf"},
		{[]string{"--progress", "-1s"}, "--progress -1s"},
		{[]string{"--latency-file", lat, "--order-latency", "5ms"}, "give --latency-file or --order-latency/--response-latency, not both"},
		{[]string{"--latency-file", lat, "--response-latency", "5ms"}, "give --latency-file or --order-latency/--response-latency, not both"},
	} {
		data := []string{"--data", "/nonexistent/data.gz"}
		code, _, e := runBT(t, append(data, tt.args...)...)
		if code != 2 || !strings.Contains(e, "nanotick backtest: "+tt.want) {
			t.Errorf("backtest %v: exit %d %q, want 2 and %q", tt.args, code, e, tt.want)
		}
		_, e, code = sweepCmd(append(append([]string{"run", "--param", "size=0.001"}, data...), tt.args...)...)
		if code != 2 || !strings.Contains(e, "nanotick sweep run: "+tt.want) {
			t.Errorf("sweep run %v: exit %d %q, want 2 and %q", tt.args, code, e, tt.want)
		}
	}
	if _, e, code := sweepCmd("run", "--data", "/nonexistent/data.gz", "--param", "size=0.001", "--memory-limit", "-1"); code != 2 || !strings.Contains(e, "--memory-limit") {
		t.Errorf("sweep run --memory-limit -1: exit %d %q, want 2", code, e)
	}
}

// TestLatencyFlagsReplaceTheConfigsFile runs a config whose [backtest] table names a
// latency file with --order-latency on the command line: the flag replaces the file
// (the command line overrides the config), in backtest as in sweep run, which used to
// disagree (backtest kept the file).
func TestLatencyFlagsReplaceTheConfigsFile(t *testing.T) {
	data := testdata.SharedData(t, spotFile)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "lat.txt"), []byte("3ms 4ms\n9ms 2ms\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("../../examples/backtest.toml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "bt.toml")
	script, err := filepath.Abs("../../examples/strategies/market_maker.js")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(src), "[backtest]\n", "[backtest]\nlatency_file = \"lat.txt\"\n", 1)
	text = strings.Replace(text, `"strategies/market_maker.js"`, strconv.Quote(script), 1)
	for _, key := range []string{"order_latency", "response_latency"} { // the file replaces them in a config
		var kept []string
		for _, line := range strings.Split(text, "\n") {
			if !strings.HasPrefix(strings.TrimSpace(line), key) {
				kept = append(kept, line)
			}
		}
		text = strings.Join(kept, "\n")
	}
	if !strings.Contains(text, "latency_file") {
		t.Fatal("examples/backtest.toml has no [backtest] table to add latency_file to")
	}
	if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, e := runBT(t, "--config", cfg, "--data", data, "--order-latency", "5ms")
	if code != 0 || !strings.Contains(out, "latency constant entry 5ms, response 0s") {
		t.Fatalf("backtest: exit %d, want the constant latency of the flag:\n%s\n%s", code, out, e)
	}
	shard := filepath.Join(dir, "s.jsonl")
	if out, e, code := sweepCmd("run", "--config", cfg, "--data", data, "--param", "halfSpreadBps=1", "--order-latency", "5ms", "--out", shard); code != 0 {
		t.Fatalf("sweep: exit %d\n%s\n%s", code, out, e)
	}
	if b, err := os.ReadFile(shard); err != nil || !strings.Contains(string(b), `"latency":"constant entry 5ms, response 0s"`) {
		t.Fatalf("sweep line: %v\n%s", err, b)
	}
}

// TestSweepReadsTheRecordingsVenue sweeps the USD-M recording without a config: the
// sweep must take the venue, instrument and rules from the data, as "nanotick backtest"
// does, and its point give the backtest's result. It used to run the spot instrument's
// feed over the USD-M frames: no book, rows of zeros, exit 0. With a config whose
// strategy trades another instrument than the data holds, it refuses (exit 2), as
// backtest does.
func TestSweepReadsTheRecordingsVenue(t *testing.T) {
	data := testdata.SharedData(t, usdmFile)
	out := filepath.Join(t.TempDir(), "s.jsonl")
	if o, e, code := sweepCmd("run", "--data", data, "--param", "halfSpreadBps=1", "--out", out); code != 0 {
		t.Fatalf("sweep: exit %d\n%s\n%s", code, o, e)
	}
	b, err := os.ReadFile(out)
	if err != nil || !strings.Contains(string(b), `"venue":"binance-usdm"`) {
		t.Fatalf("the sweep did not run USD-M: %v\n%s", err, b)
	}
	code, o, e := runBT(t, "--data", data, "--param", "halfSpreadBps=1", "--json", "-")
	if code != 0 {
		t.Fatalf("backtest: exit %d %s", code, e)
	}
	var rep struct {
		Result struct {
			PnL string `json:"pnl"`
		} `json:"result"`
		Orders struct {
			Fills uint64 `json:"fills"`
		} `json:"orders"`
	}
	if err := json.Unmarshal([]byte(o), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Orders.Fills == 0 || !strings.Contains(string(b), `"pnl":"`+rep.Result.PnL+`"`) || !strings.Contains(string(b), fmt.Sprintf(`"fills":%d,`, rep.Orders.Fills)) {
		t.Fatalf("the sweep's point differs from its backtest (pnl %s, %d fills):\n%s", rep.Result.PnL, rep.Orders.Fills, b)
	}
	_, e, code = sweepCmd("run", "--config", "../../examples/backtest.toml", "--data", data, "--param", "halfSpreadBps=1")
	if code != 2 || !strings.Contains(e, "holds binance-usdm:BTCUSDT") || !strings.Contains(e, "but the strategy trades binance-spot:BTCUSDT") {
		t.Fatalf("a spot config over USD-M data: exit %d %q, want 2", code, e)
	}
}

// TestEmptyOrGarbageDataSaysSo gives backtest and sweep run, without a config, a data
// file that is empty or holds no recorded frame: each says what the file is, and exits 1
// (unreadable data, as docs/backtesting.md documents), where it used to exit 2 saying
// "no stream name in the first 20000 records".
func TestEmptyOrGarbageDataSaysSo(t *testing.T) {
	dir := t.TempDir()
	empty, garbage := filepath.Join(dir, "empty.gz"), filepath.Join(dir, "garbage.txt")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(garbage, []byte("garbage\n1723161253937085768 {\"stream\":\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ file, want string }{
		{empty, "the file holds no records (it is empty)"},
		{garbage, "its first line is not a recorded frame"},
	} {
		code, _, e := runBT(t, "--data", tt.file)
		if code != 1 || !strings.Contains(e, "nanotick backtest: --data "+tt.file+": "+tt.want) {
			t.Errorf("backtest %s: exit %d %q, want 1 and %q", tt.file, code, e, tt.want)
		}
		_, e, code = sweepCmd("run", "--data", tt.file, "--param", "size=0.001")
		if code != 1 || !strings.Contains(e, "nanotick sweep run: --data "+tt.file+": "+tt.want) {
			t.Errorf("sweep run %s: exit %d %q, want 1 and %q", tt.file, code, e, tt.want)
		}
	}
}

// TestCacheDirNotWritable runs backtest and sweep run with an event cache directory
// that cannot be written and holds no cache: each says so and runs from the recordings,
// with the report and the results of a run without the cache. They used to fail with
// "open ....ntev.tmpNNN: permission denied". The directory is one under /sys (sysfs
// refuses a new directory even to root) and, when the test does not run as root, a
// directory without write permission.
func TestCacheDirNotWritable(t *testing.T) {
	data := testdata.SharedData(t, spotFile)
	var dirs []string
	if st, err := os.Stat("/sys/kernel"); err == nil && st.IsDir() {
		dirs = append(dirs, "/sys/nanotick-cache-test")
	}
	if os.Geteuid() != 0 {
		ro := filepath.Join(t.TempDir(), "ro")
		if err := os.Mkdir(ro, 0o555); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, ro)
	}
	if len(dirs) == 0 {
		t.Skip("no directory here that this user cannot write")
	}
	tmp := t.TempDir()
	want := filepath.Join(tmp, "want.json")
	if code, _, e := runBT(t, "--data", data, "--json", want); code != 0 {
		t.Fatalf("backtest: exit %d %s", code, e)
	}
	wantLine := filepath.Join(tmp, "want.jsonl")
	if _, e, code := sweepCmd("run", "--data", data, "--param", "halfSpreadBps=1", "--out", wantLine); code != 0 {
		t.Fatalf("sweep: exit %d %s", code, e)
	}
	for _, dir := range dirs {
		got := filepath.Join(tmp, "got.json")
		code, _, e := runBT(t, "--data", data, "--cache", dir, "--json", got)
		if code != 0 || !strings.Contains(e, "the event cache directory cannot be written") || !strings.Contains(e, "reading the recordings directly (same results)") {
			t.Fatalf("backtest --cache %s: exit %d %q", dir, code, e)
		}
		if a, b := readFile(t, want), readFile(t, got); a != b {
			t.Errorf("backtest --cache %s: the report differs from the one without a cache", dir)
		}
		gotLine := filepath.Join(tmp, "got.jsonl")
		if _, e, code := sweepCmd("run", "--data", data, "--param", "halfSpreadBps=1", "--cache", dir, "--out", gotLine); code != 0 || !strings.Contains(e, "reading the recordings directly") {
			t.Fatalf("sweep --cache %s: exit %d %q", dir, code, e)
		}
		if a, b := readFile(t, wantLine), readFile(t, gotLine); a != b {
			t.Errorf("sweep --cache %s: the results differ from those without a cache:\n%s\n%s", dir, a, b)
		}
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestHalvingInsideWalkForwardSaysItsPart checks that the halving rounds of a
// walk-forward run say they run on prefixes of the training part, not of the data.
func TestHalvingInsideWalkForwardSaysItsPart(t *testing.T) {
	data := testdata.SharedData(t, spotFile)
	out, e, code := sweepCmd("run", "--data", data, "--param", "halfSpreadBps=1,2,3", "--search", "halving", "--train", "70%", "--test", "30%", "--top", "1")
	if code != 0 || !strings.Contains(out, "2 points on the first 100% of the training part") || strings.Contains(out, "% of the data\n") {
		t.Fatalf("exit %d %s\n%s", code, e, out)
	}
}

// TestRandomSearchOfMoreThanTheGrid asks for more random points than the grid has: the
// sweep runs the whole grid and says so, where it said nothing.
func TestRandomSearchOfMoreThanTheGrid(t *testing.T) {
	data := testdata.SharedData(t, spotFile)
	out, e, code := sweepCmd("run", "--data", data, "--param", "halfSpreadBps=1,2", "--search", "random", "--points", "5")
	if code != 0 || !strings.Contains(e, "--points 5: the grid has 2 points; running them all") || strings.Count(out, "\n") != 3 {
		t.Fatalf("exit %d %q\n%s", code, e, out)
	}
}
