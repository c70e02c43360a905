package resolver

import (
	"strings"
	"testing"

	"github.com/nanotick/nanotick/vm/parser"
)

// TestFlatSumLinear checks that resolving a flat sum of n terms asks isStringy O(n)
// times: asking it afresh at every + of a left-deep chain was O(n²), which made vet of
// a 200,000-term expression run for minutes.
func TestFlatSumLinear(t *testing.T) {
	for _, term := range []string{"a", "1", `"s"`, "a * 2"} {
		const n = 20000
		src := "let a = 1;\nlet x = " + strings.TrimSuffix(strings.Repeat(term+" + ", n), " + ") + ";\n"
		f, errs := parser.ParseFile("t.js", []byte(src))
		if len(errs) > 0 {
			t.Fatalf("parse: %v", errs)
		}
		r := newResolver(f)
		if errs := r.run(Predeclared{}); len(errs) > 0 {
			t.Fatalf("resolve: %v", errs)
		}
		if r.stringyCalls > 4*n {
			t.Errorf("term %s: %d calls of isStringy for %d terms, want at most %d", term, r.stringyCalls, n, 4*n)
		}
	}
}
