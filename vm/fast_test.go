package vm

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// TestGlobalSuperinstructions runs each global-operand superinstruction (opt_global.go)
// through both interpreters: runFast for numbers and booleans, runGeneral for the other
// types, the temporal dead zone and type errors, which must read as they did before the
// fusion.
func TestGlobalSuperinstructions(t *testing.T) {
	tests := []struct {
		name, src, out, err string
	}{
		{"JFG/JTG on booleans and other values", `
let b = true, n = 0, s = "x";
function f() { let r = ""; if (b) r += "b"; if (!b) r += "!b"; if (n) r += "n"; if (!s) r += "!s"; if (s) r += "s"; return r; }
console.log(f());`, "bs\n", ""},
		{"JFG before the declaration", `
function f() { if (later) return 1; return 0; }
f();
let later = true;`, "", "2:20: later is used before its declaration"},
		{"JN..GK", `
let p = 0.5;
function f() { let r = 0; if (p < 1) r += 1; if (p <= 0.5) r += 2; if (p > 0) r += 4; if (p >= 1) r += 8; return r; }
console.log(f());`, "7\n", ""},
		{"JN..GK on a non-number", `
let u;
function f() { if (u <= 0) return 1; return 2; }
f();`, "", "3:22: invalid operands to <=: undefined and number"},
		{"ADDGG, SUBGG, MULGG and string concatenation in order", `
let a = 3, b = 4, s = "s", t = "t";
function f() { return [a + b, a - b, a * b, s + t, t + s, s + a]; }
console.log(f());`, "[ 7, -1, 12, 'st', 'ts', 's3' ]\n", ""},
		{"SUBGG on a string", `
let a = 3, s = "s";
function f() { return a - s; }
f();`, "", "3:25: invalid operands to -: number and string \"s\""},
		{"ADDG, SUBG, MULG: the global on the right", `
let g = 2, s = "g";
function f(x) { return [x * 1 + g, x * 1 - g, (x + 1) * g, ("x" + x) + s, x * 1 + s]; }
console.log(f(5));`, "[ 7, 3, 12, 'x5g', '5g' ]\n", ""},
		{"MOVGL, and before the declaration", `
function f(x) { const y = x * 2; later = y; return later; }
f(1);
let later = 0;`, "", "2:40: later is used before its declaration"},
		{"ADDLG, SUBLG, MULLG", `
let g = 2, s = "g";
function f(x) { return [x + g, x - g, x * g, "x" + s, x + s]; }
console.log(f(5));`, "[ 7, 3, 10, 'xg', '5g' ]\n", ""},
		{"MULK on either side", `
let g = 3;
function f(x) { return [0.5 * x, x * 0.5, 2 * (x - g), (x + g) * 2, 2 * x * 3, -1 * x]; }
console.log(f(4));`, "[ 2, 2, 2, 14, 24, -4 ]\n", ""},
		{"MULK with the constant on the left, on a string", `
function f(x) { return 2 * x; }
f("a");`, "", "2:26: invalid operands to *: number and string \"a\""},
		{"MULK with the constant on the right, on a string", `
function f(x) { return x * 2; }
f("a");`, "", "2:26: invalid operands to *: string \"a\" and number"},
		{"SEQ, SNE, JNSEQ, JNSNE", `
const o = [1], q = [1];
function f(a, b) { return [a === b, a !== b, a === b ? 1 : 2, a !== b ? 1 : 2]; }
function g() {
  let r = 0;
  if (o === o) r += 1;
  if (o !== q) r += 2;
  if ("ab" === "a" + "b") r += 4;
  if (0 === -0) r += 8;
  if (NaN !== NaN) r += 16;
  if (null !== undefined) r += 32;
  return r;
}
console.log(f(1, 1), f("x", "x"), f(o, q), f(0, -0), f(NaN, NaN), f(true, true), f(null, null), g());`,
			"[ true, false, 1, 2 ] [ true, false, 1, 2 ] [ false, true, 2, 1 ] [ true, false, 1, 2 ] [ false, true, 2, 1 ] [ true, false, 1, 2 ] [ true, false, 1, 2 ] 63\n", ""},
		{"Math.abs, Math.min, Math.max in runFast", `
function f(a, b) { return [Math.abs(a), Math.min(a, b), Math.max(a, b)]; }
console.log(f(-2, 3), f(3, -2), f(-0, 0), f(0, -0), f(NaN, 1), f(1, NaN), f(-Infinity, 5));
function g(a, b) { return [1 / Math.min(a, b), 1 / Math.max(b, a), 1 / Math.abs(a)]; }
console.log(g(0, -0), g(-0, 0));`,
			"[ 2, -2, 3 ] [ 3, -2, 3 ] [ 0, -0, 0 ] [ 0, -0, 0 ] [ NaN, NaN, NaN ] [ 1, NaN, NaN ] [ Infinity, -Infinity, 5 ]\n[ -Infinity, Infinity, Infinity ] [ -Infinity, Infinity, Infinity ]\n", ""},
		{"Math.min on a string", `
function f(a) { return Math.min(a, 1); }
f("a");`, "", "Math.min"},
		{"DIVK", `
function f(x) { return [x / 1e4, (x + 1) / 2]; }
console.log(f(3));`, "[ 0.0003, 2 ]\n", ""},
		{"DIVK on a string", `
function f(x) { return x / 2; }
f("a");`, "", "2:26: invalid operands to /: string \"a\" and number"},
		{"MOVGL", `
let g = 0;
function f(x) { const y = x * 2; g = y; return g; }
console.log(f(21));`, "42\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Compile("g.js", []byte(tt.src), nil)
			if err != nil {
				t.Fatal(err)
			}
			m := p.NewMachine()
			var out bytes.Buffer
			m.SetOutput(&out)
			err = m.Run()
			if out.String() != tt.out {
				t.Errorf("output %q, want %q", out.String(), tt.out)
			}
			switch {
			case tt.err == "" && err != nil:
				t.Errorf("error %v", err)
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
				t.Errorf("error %v, want one containing %q", err, tt.err)
			}
		})
	}
}

// TestTooManyGlobals checks the limit that lets globals share the stack array.
func TestTooManyGlobals(t *testing.T) {
	var src strings.Builder
	for i := 0; i <= MaxGlobals; i++ {
		fmt.Fprintf(&src, "let g%d = %d;\n", i, i)
	}
	_, err := Compile("many.js", []byte(src.String()), nil)
	if err == nil || !strings.Contains(err.Error(), "too many top-level variables and functions (32769, at most 32768)") {
		t.Fatalf("error %v", err)
	}
	// The most there may be (the function is one of them) compile and run, and the
	// deepest recursion the rest of the stack allows fails cleanly.
	src.Reset()
	for i := 0; i < MaxGlobals-1; i++ {
		fmt.Fprintf(&src, "let g%d = %d;\n", i, i)
	}
	src.WriteString("function f(n) { return n === 0 ? g32766 : f(n - 1); }\n")
	p, err := Compile("many.js", []byte(src.String()), nil)
	if err != nil {
		t.Fatal(err)
	}
	m := p.NewMachine()
	if err := m.Run(); err != nil {
		t.Fatal(err)
	}
	fn, _ := m.Func("f")
	if v, err := m.Call(fn, Number(100)); err != nil || v != Number(32766) {
		t.Fatalf("f(100) = %v, %v", v, err)
	}
	if _, err := m.Call(fn, Number(1e9)); err == nil || !strings.Contains(err.Error(), "exceeded") && !strings.Contains(err.Error(), "overflow") {
		t.Fatalf("f(1e9): %v", err)
	}
}
