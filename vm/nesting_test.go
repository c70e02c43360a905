package vm

import (
	"bytes"
	"strings"
	"testing"
)

// nested builds a program nesting one construct n levels deep; its top level prints x.
func nested(kind string, n int) string {
	r := strings.Repeat
	switch kind {
	case "parentheses":
		return "let x = " + r("(", n) + "1" + r(")", n) + ";\nconsole.log(x);"
	case "arrays":
		return "let x = " + r("[", n) + "1" + r("]", n) + ";\nconsole.log(x.length);"
	case "calls":
		return "function f(a) { return a; }\nlet x = " + r("f(", n) + "1" + r(")", n) + ";\nconsole.log(x);"
	case "unary minus":
		return "let x = " + r("-(", n) + "1" + r(")", n) + ";\nconsole.log(x);"
	case "right-nested sums":
		return "let x = " + r("1 + (", n) + "1" + r(")", n) + ";\nconsole.log(x);"
	case "objects":
		return "let x = " + r("{a: ", n) + "1" + r("}", n) + ";\nconsole.log(typeof x);"
	case "indexing":
		return "let a = [0];\nlet x = " + r("a[", n) + "0" + r("]", n) + ";\nconsole.log(x);"
	case "blocks":
		return "let x = 0;\n" + r("{", n) + "x = 1;" + r("}", n) + "\nconsole.log(x);"
	case "ifs":
		return "let x = 0;\n" + r("if (x < 1) ", n) + "x = 1;\nconsole.log(x);"
	case "loops":
		return "let x = 0;\n" + r("for (let i = 0; i < 1; i++) ", n) + "x++;\nconsole.log(x);"
	case "conditionals":
		return "let x = " + r("false ? 0 : ", n) + "1;\nconsole.log(x);"
	case "functions":
		return r("function f() { ", n) + r("return 1; } ", n) + "\nlet x = f();\nconsole.log(x);"
	case "arrows":
		return "let x = " + r("() => ", n) + "1;\nconsole.log(typeof x);"
	}
	panic(kind)
}

// TestNesting checks that 1000 levels of every kind of nesting compile and run, as they
// do in Node, and that far deeper input is refused with a compile error.
func TestNesting(t *testing.T) {
	want := map[string]string{
		"parentheses": "1", "arrays": "1", "calls": "1", "unary minus": "1", "right-nested sums": "1001",
		"objects": "object", "indexing": "0", "blocks": "1", "ifs": "1", "loops": "1", "conditionals": "1",
		"functions": "1", "arrows": "function",
	}
	for kind, out := range want {
		t.Run(kind, func(t *testing.T) {
			p, err := Compile("nest.js", []byte(nested(kind, 1000)), nil)
			if err != nil {
				t.Fatalf("1000 levels: %v", err)
			}
			m := p.NewMachine()
			var b bytes.Buffer
			m.SetOutput(&b)
			if err := m.Run(); err != nil {
				t.Fatalf("1000 levels: run: %v", err)
			}
			if got := strings.TrimSpace(b.String()); got != out {
				t.Errorf("1000 levels printed %q, want %q", got, out)
			}
			_, err = Compile("nest.js", []byte(nested(kind, 100_000)), nil)
			if err == nil || !strings.Contains(err.Error(), "nesting too deep") {
				t.Errorf("100,000 levels: got %v, want a nesting error", err)
			}
		})
	}
}
