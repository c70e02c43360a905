package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeScript(t *testing.T, src string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "s.js")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestEval(t *testing.T) {
	path := writeScript(t, "let x = [1, 'a', true];\nconsole.log('hello', 0.1 + 0.2, x, { a: -0 });\n")
	var out, errb bytes.Buffer
	if code := runEval([]string{path}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if want := "hello 0.30000000000000004 [ 1, 'a', true ] { a: -0 }\n"; out.String() != want {
		t.Errorf("stdout %q, want %q", out.String(), want)
	}
}

func TestEvalRuntimeError(t *testing.T) {
	path := writeScript(t, "console.log('before');\nfunction f(s) {\n  return s * 2;\n}\nf('x');\n")
	var out, errb bytes.Buffer
	if code := runEval([]string{path}, &out, &errb); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	if out.String() != "before\n" {
		t.Errorf("stdout %q", out.String())
	}
	e := errb.String()
	for _, want := range []string{path + ":3:12: invalid operands to *", "hint:", "at f (" + path + ":3:12)", "at <main> (" + path + ":5:2)"} {
		if !strings.Contains(e, want) {
			t.Errorf("stderr %q lacks %q", e, want)
		}
	}
}

func TestEvalCompileErrors(t *testing.T) {
	path := writeScript(t, "var a = 1;\nif (a == 1) {}\n")
	var out, errb bytes.Buffer
	if code := runEval([]string{path}, &out, &errb); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	e := errb.String()
	if !strings.Contains(e, path+":1:1: var declarations are not supported") || !strings.Contains(e, path+":2:7: == is not supported") {
		t.Errorf("stderr %q", e)
	}
	if code := runEval([]string{"/nonexistent.js"}, &out, &errb); code != 1 {
		t.Errorf("missing file: exit %d", code)
	}
	if code := runEval(nil, &out, &errb); code != 2 {
		t.Errorf("no args: exit %d", code)
	}
}

func TestVet(t *testing.T) {
	src := `let trades = [];
function onTick(price) {
  const levels = [price, price + 1];
  const msg = "price " + price;
  const o = { p: price };
  let count = 0;
  const inc = () => count++;
  return levels[0] + o.p + msg.length + inc();
}
const top = [1, 2, 3];
function pure(a, b) { return a * b + 1; }
`
	path := writeScript(t, src)
	var out, errb bytes.Buffer
	if code := runVet([]string{path}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	got := out.String()
	for _, want := range []string{
		path + ":3:18: warning:", // array literal
		path + ":4:24: warning:", // string concatenation
		path + ":5:13: warning:", // object literal
		path + ":6:7: warning:",  // captured variable
		path + ":7:15: warning:", // closure
	} {
		if !strings.Contains(got, want) {
			t.Errorf("vet output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, ":10:") || strings.Contains(got, ":11:") {
		t.Errorf("vet warned about the top level or a pure function:\n%s", got)
	}

	bad := writeScript(t, "let x = 1;\nx = y;\n")
	out.Reset()
	errb.Reset()
	if code := runVet([]string{bad}, &out, &errb); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	if !strings.Contains(errb.String(), bad+":2:5: undeclared variable y") {
		t.Errorf("stderr %q", errb.String())
	}
}

// TestVetStrategies vets the example strategies with the strategy API declared: they
// compile cleanly, and an allocation inside a callback is warned about.
func TestVetStrategies(t *testing.T) {
	for _, name := range []string{"market_maker.js", "imbalance_taker.js"} {
		var out, errOut bytes.Buffer
		if code := runVet([]string{filepath.Join("..", "..", "examples", "strategies", name)}, &out, &errOut); code != 0 {
			t.Errorf("vet %s: exit %d\n%s%s", name, code, out.String(), errOut.String())
		}
	}
	src := filepath.Join(t.TempDir(), "alloc.js")
	if err := os.WriteFile(src, []byte("function onBook() {\n  const levels = [book.bidPrice(), book.askPrice()];\n  if (levels[0] > 0) orders.buy(levels[0], 0.001, POST_ONLY);\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	code := runVet([]string{src}, &out, &errOut)
	all := out.String() + errOut.String()
	if code != 0 || !strings.Contains(all, "alloc.js:2:") || !strings.Contains(all, "warning") {
		t.Errorf("vet of a callback that allocates: exit %d\n%s", code, all)
	}
}
