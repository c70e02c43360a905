package main

// Tests of issue 15's command-line items: what a new user sees in the first hour.

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/nanotick/nanotick/internal/testdata"
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
	if strings.Count(stderr, "\n") > 1 {
		t.Errorf("stderr repeats the stack the summary shows:\n%s", stderr)
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
