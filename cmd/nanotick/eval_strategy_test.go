package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

// TestEvalStrategyScript checks that eval runs a strategy script's top level with its
// params at their defaults, and that the engine's functions fail with a clear error
// rather than a Go panic.
func TestEvalStrategyScript(t *testing.T) {
	tests := []struct {
		name, src     string
		code          int
		stdout, inErr string
	}{
		{"params at defaults", `const size = param("size", 0.25);
const fast = ta.ema(param("fast", 8));
ta.update(fast, 10);
console.log("size", size, ta.value(fast));
function onBook() { orders.buy(book.bidPrice(0), size); }
`, 0, "size 0.25 10\n", ""},
		{"engine function at top level", `const p = param("p", 1);
console.log(p);
const m = book.mid();
`, 1, "1\n", "book.mid: needs an engine"},
		{"bad param", `param("x", "one");
`, 1, "", "param \"x\": the default"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeScript(t, tt.src)
			var out, errb bytes.Buffer
			if code := runEval([]string{path}, &out, &errb); code != tt.code {
				t.Fatalf("exit %d, want %d; stderr %s", code, tt.code, errb.String())
			}
			if out.String() != tt.stdout {
				t.Errorf("stdout %q, want %q", out.String(), tt.stdout)
			}
			if tt.inErr != "" && !strings.Contains(errb.String(), tt.inErr) {
				t.Errorf("stderr %q lacks %q", errb.String(), tt.inErr)
			}
			if strings.Contains(errb.String(), "internal error") {
				t.Errorf("stderr has an internal error: %s", errb.String())
			}
		})
	}
}

// TestEvalExampleStrategies runs eval on every shipped example strategy.
func TestEvalExampleStrategies(t *testing.T) {
	paths, err := filepath.Glob("../../examples/strategies/*.js")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no example strategies: %v", err)
	}
	for _, p := range paths {
		var out, errb bytes.Buffer
		if code := runEval([]string{p}, &out, &errb); code != 0 {
			t.Errorf("%s: exit %d: %s", p, code, errb.String())
		}
	}
}
