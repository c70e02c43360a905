package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestRunExitsNonZeroWhenTheStrategyFails: a strategy that fails at run time on the
// local exchange is halted and its orders cancelled, the run goes on to its --duration,
// and then exits 1 naming the error with its file:line:col, instead of 0 as if it had
// traded all along.
func TestRunExitsNonZeroWhenTheStrategyFails(t *testing.T) {
	cfg, script := writeSimConfig(t, "fails", `let n = 0;
function onBook() { n++; if (n > 3) { const o = null; o.x = 1; } }
`, false)
	var out, errOut bytes.Buffer
	code := runRun([]string{"--config", cfg, "--duration", "2s", "--quiet"}, &out, &errOut)
	if code != 1 {
		t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, out.String(), errOut.String())
	}
	want := "nanotick run: the strategy failed and was halted: " + script + ":2:"
	if !strings.Contains(errOut.String(), want) {
		t.Errorf("stderr lacks %q:\n%s", want, errOut.String())
	}
	if !strings.Contains(out.String(), "strategy  halted: ") {
		t.Errorf("the summary does not say the strategy halted:\n%s", out.String())
	}
}
