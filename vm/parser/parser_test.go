package parser

import (
	"fmt"
	"strings"
	"testing"

	"github.com/nanotick/nanotick/vm/ast"
)

// dump renders expressions fully parenthesized, to check precedence and associativity.
func dump(x ast.Expr) string {
	switch x := x.(type) {
	case *ast.NumberLit:
		return fmt.Sprint(x.Value)
	case *ast.StringLit:
		return fmt.Sprintf("%q", x.Value)
	case *ast.Ident:
		return x.Name
	case *ast.BinaryExpr:
		return "(" + dump(x.X) + " " + x.Op.String() + " " + dump(x.Y) + ")"
	case *ast.UnaryExpr:
		return "(" + x.Op.String() + dump(x.X) + ")"
	case *ast.UpdateExpr:
		if x.Prefix {
			return "(" + x.Op.String() + dump(x.X) + ")"
		}
		return "(" + dump(x.X) + x.Op.String() + ")"
	case *ast.AssignExpr:
		return "(" + dump(x.Target) + " " + x.Op.String() + " " + dump(x.Value) + ")"
	case *ast.CondExpr:
		return "(" + dump(x.Test) + " ? " + dump(x.Then) + " : " + dump(x.Else) + ")"
	case *ast.CallExpr:
		var args []string
		for _, a := range x.Args {
			args = append(args, dump(a))
		}
		return dump(x.Fun) + "(" + strings.Join(args, ", ") + ")"
	case *ast.MemberExpr:
		return dump(x.X) + "." + x.Name
	case *ast.IndexExpr:
		return dump(x.X) + "[" + dump(x.Index) + "]"
	case *ast.ParenExpr:
		return dump(x.X)
	case *ast.ArrayLit:
		var el []string
		for _, e := range x.Elems {
			el = append(el, dump(e))
		}
		return "[" + strings.Join(el, ", ") + "]"
	case *ast.FuncLit:
		return fmt.Sprintf("func/%d", len(x.Params))
	case *ast.TemplateLit:
		return fmt.Sprintf("tmpl/%d", len(x.Exprs))
	case *ast.SeqExpr:
		var el []string
		for _, e := range x.List {
			el = append(el, dump(e))
		}
		return "(" + strings.Join(el, ", ") + ")"
	}
	return fmt.Sprintf("%T", x)
}

func TestExpressions(t *testing.T) {
	cases := []struct{ src, want string }{
		{"1 + 2 * 3", "(1 + (2 * 3))"},
		{"(1 + 2) * 3", "((1 + 2) * 3)"},
		{"2 ** 3 ** 2", "(2 ** (3 ** 2))"},
		{"a - b - c", "((a - b) - c)"},
		{"a = b = c", "(a = (b = c))"},
		{"a || b && c", "(a || (b && c))"},
		{"a ?? b", "(a ?? b)"},
		{"a < b === c > d", "((a < b) === (c > d))"},
		{"x & y | z ^ w", "((x & y) | (z ^ w))"},
		{"a << 1 + 2", "(a << (1 + 2))"},
		{"-a ** 2 ", "ERR"},
		{"!a.b[c](d)", "(!a.b[c](d))"},
		{"typeof x === 'number'", "((typeofx) === \"number\")"},
		{"c ? d : e ? f : g", "(c ? d : (e ? f : g))"},
		{"i++ + ++j", "((i++) + (++j))"},
		{"x += y *= 2", "(x += (y *= 2))"},
		{"(a, b) => a + b", "func/2"},
		{"x => x", "func/1"},
		{"`a${b}c${d}`", "tmpl/2"},
		{"[1, [2, 3]]", "[1, [2, 3]]"},
		{"a ?? b || c", "ERR"},
		{"f(a, b)(c)", "f(a, b)(c)"},
	}
	for _, c := range cases {
		f, errs := ParseFile("t.js", []byte(c.src))
		if c.want == "ERR" {
			if len(errs) == 0 {
				t.Errorf("%q: no error", c.src)
			}
			continue
		}
		if len(errs) > 0 {
			t.Errorf("%q: %v", c.src, errs)
			continue
		}
		got := dump(f.Main.Body.List[0].(*ast.ExprStmt).X)
		if got != c.want {
			t.Errorf("%q: got %s, want %s", c.src, got, c.want)
		}
	}
}

func TestStatements(t *testing.T) {
	ok := []string{
		"let a = 1, b; const c = 2;",
		"function f(a, b) { return a + b }",
		"if (a) b(); else { c(); }",
		"for (let i = 0; i < 10; i++) {}",
		"for (;;) break;",
		"for (const x of xs) continue;",
		"while (x) x--;",
		"do { x++ } while (x < 3)",
		"outer: for (;;) { inner: while (1) { break outer; continue inner; } }",
		"switch (x) { case 1: case 2: y(); break; default: z(); }",
		"let o = { a: 1, 'b c': 2, d, e() { return 1; } };",
		"const f = function g() {};",
		"x\n++y",
		"return_ = 1",
		"let a = 1\nlet b = 2\n",
	}
	for _, src := range ok {
		if _, errs := ParseFile("t.js", []byte(src)); len(errs) > 0 {
			t.Errorf("%q: %v", src, errs)
		}
	}
}

func TestRejected(t *testing.T) {
	cases := []struct{ src, msg string }{
		{"a == b", "== is not supported"},
		{"a != b", "!= is not supported"},
		{"var x = 1", "var declarations are not supported"},
		{"class A {}", "class declarations are not supported"},
		{"this.x", "this is not supported"},
		{"new Map()", "new is only supported as new Array(n)"},
		{"try {} catch (e) {}", "try/catch/finally is not supported"},
		{"throw 1", "throw is not supported"},
		{"async function f() {}", "async functions are not supported"},
		{"const f = async () => 1", "async functions are not supported"},
		{"function* g() {}", "generator functions are not supported"},
		{"with (o) {}", "with statements are not supported"},
		{"delete o.x", "delete is not supported"},
		{"const r = /x/", "regular expression literals are not supported"},
		{"import x from 'y'", "import is not supported"},
		{"export const x = 1", "export is not supported"},
		{"const o = { get x() { return 1 } }", "getters and setters are not supported"},
		{"for (const k in o) {}", "for-in loops are not supported"},
		{"return 1", "return outside a function"},
		{"let [a, b] = c", "destructuring declarations are not supported"},
		{"f(...xs)", "spread arguments are not supported"},
		{"a?.b", "optional chaining ?. is not supported"},
		{"let x = (1 + ;", "syntax error"},
		{"if (x) let y = 1;", "declaration is not allowed"},
	}
	for _, c := range cases {
		_, errs := ParseFile("t.js", []byte(c.src))
		if len(errs) == 0 {
			t.Errorf("%q: no error", c.src)
			continue
		}
		if !strings.Contains(errs[0].Msg, c.msg) {
			t.Errorf("%q: %q, want %q", c.src, errs[0].Msg, c.msg)
		}
	}
}

func TestSeveralErrors(t *testing.T) {
	_, errs := ParseFile("t.js", []byte("let a = b == c;\nlet d = e != f;\nvar g = 1;\n"))
	if len(errs) != 3 {
		t.Fatalf("got %d errors, want 3: %v", len(errs), errs)
	}
	for i, e := range errs {
		if e.Pos.Line != i+1 {
			t.Errorf("error %d at line %d", i, e.Pos.Line)
		}
	}
}

func TestDeepNesting(t *testing.T) {
	src := strings.Repeat("(", 100000) + "1" + strings.Repeat(")", 100000)
	if _, errs := ParseFile("t.js", []byte(src)); len(errs) == 0 || !strings.Contains(errs[0].Msg, "nesting too deep") {
		t.Errorf("deep nesting: %v", errs)
	}
}
