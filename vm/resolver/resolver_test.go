package resolver

import (
	"strings"
	"testing"

	"github.com/nanotick/nanotick/vm/ast"
	"github.com/nanotick/nanotick/vm/parser"
)

func resolve(t *testing.T, src string) (*ast.File, []ast.Error) {
	t.Helper()
	f, errs := parser.ParseFile("t.js", []byte(src))
	if len(errs) > 0 {
		t.Fatalf("parse: %v", errs)
	}
	pre := Predeclared{"console": {Name: "console", Kind: ast.Builtin, Const: true}}
	return f, Resolve(f, pre)
}

func funcNamed(f *ast.File, name string) *ast.FuncLit {
	var found *ast.FuncLit
	var walk func(list []ast.Stmt)
	walk = func(list []ast.Stmt) {
		for _, s := range list {
			if d, ok := s.(*ast.FuncDecl); ok {
				if d.Func.Name.Name == name {
					found = d.Func
				}
				walk(d.Func.Body.List)
			}
		}
	}
	walk(f.Main.Body.List)
	return found
}

func TestSlots(t *testing.T) {
	cases := []struct {
		src       string
		fn        string
		slots     int
		captures  int
		globals   int
		fromLocal bool
	}{
		{"function f(a, b) { let c = a + b; return c; }", "f", 3, 0, 1, false},
		{"let g = 1; function f() { return g; }", "f", 0, 0, 2, false},
		{"function f() { let x = 1; function g() { return x; } return g; }", "g", 0, 1, 1, true},
		{"function f() { let x = 1; function g() { function h() { return x; } return h; } return g; }", "h", 0, 1, 1, false},
		{"function f(a) { { let b = a; } { let c = a; } }", "f", 2, 0, 1, false},
		{"function f(xs) { for (const x of xs) { console.log(x); } }", "f", 4, 0, 1, false},
	}
	for _, c := range cases {
		file, errs := resolve(t, c.src)
		if len(errs) > 0 {
			t.Errorf("%s: %v", c.src, errs)
			continue
		}
		fn := funcNamed(file, c.fn)
		if fn == nil {
			t.Fatalf("%s: no function %s", c.src, c.fn)
		}
		if fn.NumSlots != c.slots || len(fn.Captures) != c.captures || file.NumGlobals != c.globals {
			t.Errorf("%s: slots %d captures %d globals %d, want %d %d %d", c.src, fn.NumSlots, len(fn.Captures), file.NumGlobals, c.slots, c.captures, c.globals)
		}
		if c.captures > 0 && fn.Captures[0].FromLocal != c.fromLocal {
			t.Errorf("%s: capture from local = %v", c.src, fn.Captures[0].FromLocal)
		}
	}
}

func TestCapturedFlag(t *testing.T) {
	file, errs := resolve(t, "function f() { let kept = 1, plain = 2; return () => kept + 1; }")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	d := funcNamed(file, "f").Body.List[0].(*ast.VarDecl)
	if !d.List[0].Name.Obj.Captured || d.List[1].Name.Obj.Captured {
		t.Errorf("captured flags: kept %v plain %v", d.List[0].Name.Obj.Captured, d.List[1].Name.Obj.Captured)
	}
}

func TestAllocSites(t *testing.T) {
	file, errs := resolve(t, `
const top = [1, 2];
function f(x) {
  const a = [x];
  const o = { x };
  const s = "p" + x;
  const t = `+"`v${x}`"+`;
  return a.slice(0);
}`)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	var what []string
	for _, a := range file.Allocs {
		what = append(what, a.What)
	}
	got := strings.Join(what, "; ")
	for _, want := range []string{"array literal", "object literal", "string concatenation", "template literal", "slice"} {
		if !strings.Contains(got, want) {
			t.Errorf("alloc sites %q lack %q", got, want)
		}
	}
	for _, a := range file.Allocs {
		if a.Pos.Line == 2 {
			t.Errorf("the top level was reported: %v", a)
		}
	}
}

func TestResolveErrors(t *testing.T) {
	cases := map[string]string{
		"y = 1;":                                "undeclared variable y",
		"const c = 1; c++;":                     "cannot assign to c",
		"let a = 1; let a = 2;":                 "already declared",
		"function f(p) { let p = 1; }":          "already declared",
		"console = 1;":                          "cannot assign to console",
		"let u = u;":                            "used before its declaration",
		"const o = { a: 1 }; console.log(o.b);": "object o has no property b",
		"function f() { return arguments; }":    "arguments is not supported",
		"let NaN = 1;":                          "reserved name",
		"outer: for (;;) { break inner; }":      "undefined label inner",
	}
	for src, want := range cases {
		_, errs := resolve(t, src)
		if len(errs) == 0 || !strings.Contains(errs[0].Msg, want) {
			t.Errorf("%s: %v, want %q", src, errs, want)
		}
	}
}
