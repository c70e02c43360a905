package compiler

import (
	"strings"
	"testing"

	"github.com/nanotick/nanotick/vm/ast"
	"github.com/nanotick/nanotick/vm/bytecode"
	"github.com/nanotick/nanotick/vm/parser"
	"github.com/nanotick/nanotick/vm/resolver"
)

func compile(t *testing.T, src string, opt bool) (*bytecode.Program, []ast.Error) {
	t.Helper()
	f, errs := parser.ParseFile("t.js", []byte(src))
	if len(errs) > 0 {
		t.Fatalf("parse: %v", errs)
	}
	pre := resolver.Predeclared{}
	for _, n := range []string{"Math", "console", "undefined", "NaN", "Infinity"} {
		pre[n] = &ast.Object{Name: n, Kind: ast.Builtin, Const: true}
	}
	if errs := resolver.Resolve(f, pre); len(errs) > 0 {
		return nil, errs
	}
	return Compile(f, Config{NoOptimize: !opt})
}

func ops(p *bytecode.Program, name string) string {
	for _, f := range p.Funcs {
		if f.Name == name {
			var s []string
			for _, in := range f.Code {
				s = append(s, in.Op.String())
			}
			return strings.Join(s, " ")
		}
	}
	return "<no function " + name + ">"
}

func TestCodegen(t *testing.T) {
	cases := []struct {
		name, src, fn string
		opt           bool
		want          string // substring of the opcode listing
	}{
		{"local-add", "function f(a, b) { return a + b; }", "f", false, "LOADL LOADL ADD RET"},
		{"global", "let g = 1; function f() { g = g + 1; }", "f", false, "LOADG CONST ADD STOREGC RETU"},
		{"captured", "function f() { let c = 0; return () => c; }", "f", false, "NEWCELL CONST STOREC CLOSURE RET"},
		{"upvalue", "function f() { let c = 0; return () => c; }", "<anonymous>", false, "LOADU RET"},
		{"uncaptured-loop-var", "function f() { let s = 0; for (let i = 0; i < 3; i++) s += i; return s; }", "f", false, "LOADL CONST LT JMPF"},
		{"per-iteration-cell", "function f() { const fs = []; for (let i = 0; i < 3; i++) fs.push(() => i); }", "f", false, "RECELL"},
		{"and-jumps", "function f(a, b) { if (a && b) return 1; return 0; }", "f", false, "LOADL JMPF LOADL JMPF"},
		{"postfix-stmt", "function f() { let i = 0; i++; }", "f", false, "UPDL POP"},
		{"index-compound", "function f(a) { a[0] += 2; }", "f", false, "DUP2 GETIDX CONST ADD SETIDX POP"},
		{"method", "function f(a) { return a.push(1); }", "f", false, "LOADL CONST METHOD RET"},
		{"builtin", "function f(x) { return Math.floor(x); }", "f", false, "LOADL BUILTIN RET"},
		{"template", "function f(x) { return `a${x}b`; }", "f", false, "CONST LOADL CONST CONCAT RET"},
		{"switch", "function f(x) { switch (x) { case 1: return 1; default: return 2; } }", "f", false, "STOREL LOADL CONST SEQ JMPT JMP"},
		// Superinstructions.
		{"opt-cmp-jump", "function f(n) { let s = 0; for (let i = 0; i < 10; i++) s += i; return s; }", "f", true, "JNLTLK"},
		{"opt-forinc", "function f(n) { let s = 0; for (let i = 0; i < n; i += 2) s += i; return s; }", "f", true, "FORINC"},
		{"opt-forlt", "function f(n) { let s = 0; for (let i = 0; i < n; i++) s += i; return s; }", "f", true, "FORLTL"},
		{"opt-mov2", "function f(n) { let a = 0, b = 1; for (let i = 0; i < n; i++) { const t = a + b; a = b; b = t; } return a; }", "f", true, "ADDLLS MOV2 FORLTL"},
		{"opt-accumulate", "function f(n) { let s = 0; for (let i = 0; i < n; i++) s += i * n; return s; }", "f", true, "MULLL ADDTOL"},
		{"opt-local-const", "function f(n) { return n - 1; }", "f", true, "SUBLK RET"},
		{"opt-three-address", "function f(a, b) { const t = a + b; return t; }", "f", true, "ADDLLS RETL"},
		{"opt-thread-return", "function f(n) { return n < 2 ? n : 0; }", "f", true, "JNLTLK RETL"},
		{"opt-inc", "function f() { let i = 0; i++; return i; }", "f", true, "INCL"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, errs := compile(t, c.src, c.opt)
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			if got := ops(p, c.fn); !strings.Contains(got, c.want) {
				t.Errorf("%s: %s does not contain %s", c.src, got, c.want)
			}
		})
	}
}

func TestStaticErrors(t *testing.T) {
	cases := []struct{ src, msg string }{
		{"x = 1", "undeclared variable x"},
		{"const c = 1; c = 2;", "cannot assign to c: it is a constant"},
		{"let a; let a;", "a is already declared in this scope"},
		{"function f(x) { let x; }", "x is already declared"},
		{"Math = 1", "cannot assign to Math"},
		{"const o = {a: 1}; o.b = 2;", "object o has no property b"},
		{"let y = y + 1;", "y is used before its declaration"},
		{"foo: { continue foo; }", "continue foo does not name a loop"},
		{"break;", "illegal break"},
		{"let v = Math;", "Math cannot be used as a value"},
		{"Math.nope(1)", "Math.nope is not supported"},
		{"let f = eval;", "eval is not supported"},
	}
	for _, c := range cases {
		_, errs := compile(t, c.src, true)
		if len(errs) == 0 || !strings.Contains(errs[0].Msg, c.msg) {
			t.Errorf("%q: %v, want %q", c.src, errs, c.msg)
		}
	}
}

func TestSlotsAndStack(t *testing.T) {
	p, errs := compile(t, "function f(a, b) { let c = a; { let d = b; } { let e = c; } return f(a, b) + f(c, a); }", true)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	for _, f := range p.Funcs {
		if f.Name != "f" {
			continue
		}
		// a, b, c, then d and e share a slot: blocks reuse the slots of closed siblings.
		if f.NumSlots != 4 || f.NumParams != 2 {
			t.Errorf("slots %d params %d, want 4 and 2", f.NumSlots, f.NumParams)
		}
		if f.MaxStack < 4 {
			t.Errorf("max stack %d, want at least 4", f.MaxStack)
		}
	}
}
