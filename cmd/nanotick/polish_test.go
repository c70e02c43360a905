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
