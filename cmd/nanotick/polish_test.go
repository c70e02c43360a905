package main

// Tests of issue 15's command-line items: what a new user sees in the first hour.

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/internal/testdata"
	livesession "github.com/nanotick/nanotick/session"
)

// TestBacktestHaltedStrategyExitsNonZero checks that a backtest whose strategy halted on
// a runtime error exits 1 and says when (data time) and where (the script's
// file:line:col), in the summary and on stderr.
func TestBacktestHaltedStrategyExitsNonZero(t *testing.T) {
	data := testdata.SharedData(t, spotFile)
	script := filepath.Join(t.TempDir(), "bad.js")
	src := "let n = 0;\nfunction onBook(ctx) {\n  n++;\n  if (n > 50) {\n    let x = undefined;\n    return x.foo;\n  }\n}\n"
	if err := os.WriteFile(script, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runBT(t, "--data", data, "--strategy", script)
	if code != 1 {
		t.Errorf("exit %d, want 1; stderr:\n%s", code, stderr)
	}
	when := `2024-08-08T23:5\d:\d\d\.\d+Z \(data time\)`
	where := regexp.QuoteMeta(script + ":6:14")
	if !regexp.MustCompile(`STRATEGY HALTED at ` + when + `: ` + where).MatchString(stdout) {
		t.Errorf("summary does not say when and where the strategy halted:\n%s", stdout)
	}
	if !regexp.MustCompile(`strategy halted at ` + when + `: ` + where + `: cannot read property foo of undefined\n`).MatchString(stderr) {
		t.Errorf("stderr does not say when and where the strategy halted:\n%s", stderr)
	}
	// The log lines before it (with data time) are the engine's; the verdict is last,
	// on one line: the stack is in the summary.
	lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "nanotick backtest: the strategy halted at ") {
		t.Errorf("stderr does not end with the one-line verdict:\n%s", stderr)
	}
}

// TestEveryCommandHasFullHelp asks every subcommand for help, both ways: each exits 0
// and prints its usage with its positional arguments, what it does and an example,
// and none takes "--help" for a file name.
func TestEveryCommandHasFullHelp(t *testing.T) {
	positional := map[string]string{
		"eval": "FILE.js", "vet": "FILE.js", "inspect": "FILE...", "book": "FILE...",
		"config": "check FILE", "sweep": "merge FILE...",
	}
	for name := range commands() {
		for _, args := range [][]string{{name, "--help"}, {name, "-h"}, {"help", name}} {
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				var o, e strings.Builder
				if code := run(args, &o, &e); code != 0 {
					t.Errorf("exit %d, want 0", code)
				}
				help := o.String() + e.String()
				if strings.Contains(help, "no such file") || strings.Contains(help, "open --help") {
					t.Errorf("took the help flag for a file:\n%s", help)
				}
				if !strings.Contains(help, "usage: nanotick "+name) {
					t.Errorf("no usage line:\n%s", help)
				}
				if p, ok := positional[name]; ok && !strings.Contains(help, p) {
					t.Errorf("usage does not name the positional arguments %q:\n%s", p, help)
				}
				if _, ex, _ := strings.Cut(help, "\nexamples:\n"); !strings.Contains(ex, "  nanotick "+name+" ") {
					t.Errorf("no example:\n%s", help)
				}
				if strings.Count(help, "\n") < 6 {
					t.Errorf("help is %d lines, want a full description:\n%s", strings.Count(help, "\n"), help)
				}
			})
		}
	}
}

// TestHelpExamplesRun runs the help's examples that need nothing but the repository.
func TestHelpExamplesRun(t *testing.T) {
	for _, args := range [][]string{
		{"eval", "../../examples/hello.js"},
		{"vet", "../../examples/strategies/market_maker.js"},
		{"config", "check", "../../examples/nanotick.toml"},
	} {
		var o, e strings.Builder
		if code := run(args, &o, &e); code != 0 {
			t.Errorf("nanotick %s: exit %d\n%s%s", strings.Join(args, " "), code, o.String(), e.String())
		}
	}
}

// TestBacktestHelpNamesTheDefaultStrategy checks that backtest --help names the strategy
// a run without --config really uses.
func TestBacktestHelpNamesTheDefaultStrategy(t *testing.T) {
	var o, e strings.Builder
	runBacktest([]string{"--help"}, &o, &e)
	if s := defaultSettings(); s.bt.StrategyName != "market_maker" {
		t.Fatalf("the default strategy is %q; update this test and the help", s.bt.StrategyName)
	}
	if help := e.String(); !strings.Contains(help, "builtin script\nmarket_maker") || strings.Contains(help, "and the Go market maker") {
		t.Errorf("help does not name the builtin script market_maker as the default:\n%s", help)
	}
}

// TestInspectReportsClockGoingBackwards writes a recording whose receive times go
// backwards twice and leap a day ahead once, and checks that inspect reports each with
// the first file and line.
func TestInspectReportsClockGoingBackwards(t *testing.T) {
	const t0 = int64(1723161253937085768)
	frame := func(u int) string {
		return `{"stream":"btcusdt@trade","data":{"e":"trade","E":1723161255343,"s":"BTCUSDT","t":` + strings.Repeat("1", u) + `,"p":"61837.63000000","q":"0.02000000","T":1723161255342,"m":true,"M":true}}`
	}
	times := []int64{t0, t0 + 1e6, t0 + 5e5, t0 + 2e6, t0 + 86400e9, t0 + 3e6, t0 + 1e6}
	var b strings.Builder
	for i, ts := range times {
		b.WriteString(strconv.FormatInt(ts, 10) + " " + frame(i+1) + "\n")
	}
	// A zero price and a level with a third field are malformed frames.
	b.WriteString(strconv.FormatInt(t0+4e6, 10) + " " + strings.Replace(frame(8), `"p":"61837.63000000"`, `"p":"0.00000000"`, 1) + "\n")
	b.WriteString(strconv.FormatInt(t0+5e6, 10) + ` {"lastUpdateId":1,"bids":[["1.00000000","2.00000000",[]]],"asks":[]}` + "\n")
	path := filepath.Join(t.TempDir(), "clock.txt")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	var o, e strings.Builder
	if code := runInspect([]string{"--venue", "spot", path}, &o, &e); code != 0 {
		t.Fatalf("exit %d: %s", code, e.String())
	}
	for _, want := range []string{
		// line 3 goes back from line 2; line 6 from the leap at line 5; line 7 from line 6
		"3 receive times went BACKWARDS; first at clock.txt:3 (2024-08-08T23:54:13.937Z after 2024-08-08T23:54:13.938Z)",
		"1 receive times leapt more than 1m0s ahead; first at clock.txt:5 (2024-08-09T23:54:13.937Z after",
		"records          9 (2 malformed, skipped)",
		"clock.txt:8: binance: trade: field \"p\": offset 107: zero price",
		"clock.txt:9: binance: snapshot: field \"bids\"",
	} {
		if !strings.Contains(o.String(), want) {
			t.Errorf("inspect does not report %q:\n%s", want, o.String())
		}
	}
}

// TestBacktestDataOverridesConfigBeforeValidation runs the example backtest config with
// its data pointing at a file that does not exist: --data replaces it before the config
// is checked, so the run goes ahead on the recording given. Without --data the missing
// file is still an error, and the example as shipped checks clean where the data is.
func TestBacktestDataOverridesConfigBeforeValidation(t *testing.T) {
	data := testdata.SharedData(t, spotFile)
	text, err := os.ReadFile("../../examples/backtest.toml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg := regexp.MustCompile(`(?m)^data = \[.*\]$`).ReplaceAllString(string(text), `data = ["nowhere/missing.gz"]`)
	cfg = strings.ReplaceAll(cfg, `"strategies/market_maker.js"`, `"`+filepath.Join(mustAbs(t, "../../examples"), "strategies/market_maker.js")+`"`)
	path := filepath.Join(dir, "backtest.toml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runBT(t, "--config", path); code != 2 || !strings.Contains(stderr, `backtest.data[0]: file "nowhere/missing.gz" not found`) {
		t.Errorf("without --data: exit %d, want 2 naming the missing file; stderr:\n%s", code, stderr)
	}
	code, stdout, stderr := runBT(t, "--config", path, "--data", data)
	if code != 0 || !strings.Contains(stdout, "backtest mm_btc on spot BTCUSDT") {
		t.Errorf("with --data: exit %d; stdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	var o, e strings.Builder
	if code := run([]string{"config", "check", "../../examples/backtest.toml"}, &o, &e); code != 0 {
		t.Errorf("config check examples/backtest.toml: exit %d\n%s", code, e.String())
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestBacktestSummaryAddsUpAndFollowsTheBar runs a backtest with a progress bar drawn
// into the same buffer as the summary, as a terminal shows them: the bar ends at 100%
// on its own line, the summary starts on the next, and its PnL line adds up as written,
// fees subtracted.
func TestBacktestSummaryAddsUpAndFollowsTheBar(t *testing.T) {
	data := testdata.SharedData(t, spotFile)
	was := isTerminal
	isTerminal = func(io.Writer) bool { return true }
	defer func() { isTerminal = was }()
	var term bytes.Buffer // stdout and stderr, interleaved as on a terminal
	if code := runBacktest([]string{"--data", data, "--maker-fee-bps", "1", "--taker-fee-bps", "4.5"}, &term, &term); code != 0 {
		t.Fatalf("exit %d:\n%s", code, term.String())
	}
	out := term.String()
	if !strings.Contains(out, "] 100%\nbacktest ") {
		t.Errorf("the bar does not end at 100%% on its own line before the summary:\n%q", out[:min(len(out), 400)])
	}
	m := regexp.MustCompile(`PnL +(-?[0-9.]+) \(-?[0-9.]+%\) = realized (-?[0-9.]+) \+ unrealized (-?[0-9.]+) - fees (-?[0-9.]+)\n`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no PnL line written as a sum:\n%s", out)
	}
	n := make([]decimal.Decimal, 4)
	for i := range n {
		n[i] = decimal.RequireFromString(m[i+1])
	}
	// Each figure is rounded to 4 decimals, so the sum may be off by the roundings.
	if diff := n[1].Add(n[2]).Sub(n[3]).Sub(n[0]).Abs(); diff.GreaterThan(decimal.RequireFromString("0.0002")) || n[3].IsZero() {
		t.Errorf("PnL %s != %s + %s - %s (off by %s), or no fees:\n%s", n[0], n[1], n[2], n[3], diff, m[0])
	}
}

// TestRunSummaryFeedLine checks that the run summary's feed line is words, not a Go
// struct dump.
func TestRunSummaryFeedLine(t *testing.T) {
	got := feedLine(livesession.Counters{Connects: 2, Reconnects: 1, Frames: 1000, Malformed: 3, Snapshots: 2, Resyncs: 1})
	want := "1000 frames (3 malformed); 2 connections (1 reconnects, 0 dial failures, 0 stale, 0 rotations); 2 snapshots (0 failed, 1 resyncs)"
	if got != want || strings.ContainsAny(got, "{}") {
		t.Errorf("feed line\n %s\nwant\n %s", got, want)
	}
}

// TestBacktestPrintsStrategyLogsWithDataTime checks that log.info in a backtest prints,
// stamped with the data time of the event (deterministic: no wall clock), and that
// --log-level off silences it.
func TestBacktestPrintsStrategyLogsWithDataTime(t *testing.T) {
	data := testdata.SharedData(t, spotFile)
	script := filepath.Join(t.TempDir(), "log.js")
	src := "let n = 0;\nfunction onBook() {\n  n++;\n  if (n % 1000 === 1) log.info(\"book\", n, \"mid\", book.mid());\n}\n"
	if err := os.WriteFile(script, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runBT(t, "--data", data, "--strategy", script)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	for _, want := range []string{
		"INF 2024-08-08T23:54:14.206652067Z book 1 mid 61837.635 source=strategy\n",
		"INF 2024-08-08T23:59:14.879021934Z book 3001 mid 61728.005 source=strategy\n",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if _, _, stderr := runBT(t, "--data", data, "--strategy", script, "--log-level", "off"); strings.Contains(stderr, "book 1 ") {
		t.Errorf("--log-level off still prints the strategy's log:\n%s", stderr)
	}
	if code, _, stderr := runBT(t, "--data", data, "--log-level", "loud"); code != 2 || !strings.Contains(stderr, "--log-level") {
		t.Errorf("--log-level loud: exit %d, %s", code, stderr)
	}
}
