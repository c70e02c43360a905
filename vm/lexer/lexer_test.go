package lexer

import (
	"strings"
	"testing"

	"github.com/nanotick/nanotick/vm/token"
)

func TestTokens(t *testing.T) {
	cases := []struct {
		src  string
		want string // kinds and literals, space separated
	}{
		{"let x = 1;", "let identifier:x = number:1 ;"},
		{"a >>>= b >>> c >> d", "identifier:a >>>= identifier:b >>> identifier:c >> identifier:d"},
		{"x === y !== z == w", "identifier:x === identifier:y !== identifier:z == identifier:w"},
		{"a ?? b ??= c?.d", "identifier:a ?? identifier:b ??= identifier:c ?. identifier:d"},
		{"x ? .5 : 1e3", "identifier:x ? number:.5 : number:1e3"},
		{"0x1F 0o17 0b101 1_000", "number:0x1F number:0o17 number:0b101 number:1_000"},
		{`"a\nb" 'c\'d' "\u0041\x42"`, `string:a` + "\n" + `b string:c'd string:AB`},
		{"`abc`", "template literal:abc"},
		{"// comment\nx /* block */ y", "identifier:x identifier:y"},
		{"() => {}", "( ) => { }"},
		{"a**=2", "identifier:a **= number:2"},
		{"é_1 $x _y", "identifier:é_1 identifier:$x identifier:_y"},
	}
	for _, c := range cases {
		lx := New([]byte(c.src))
		var got []string
		for {
			tok := lx.Next()
			if tok.Kind == token.EOF {
				break
			}
			s := tok.Kind.String()
			if tok.Lit != "" && !tok.Kind.IsKeyword() {
				s += ":" + tok.Lit
			}
			got = append(got, s)
		}
		if g := strings.Join(got, " "); g != c.want {
			t.Errorf("%q:\n got %s\nwant %s", c.src, g, c.want)
		}
		if errs := lx.Errors(); len(errs) > 0 {
			t.Errorf("%q: errors %v", c.src, errs)
		}
	}
}

func TestNumbers(t *testing.T) {
	cases := map[string]float64{"0": 0, "42": 42, "3.25": 3.25, ".5": 0.5, "1e21": 1e21, "0x10": 16, "0b11": 3, "0o10": 8, "1_000_000": 1e6, "2.5e-3": 0.0025}
	for src, want := range cases {
		tok := New([]byte(src)).Next()
		if tok.Kind != token.NUMBER || tok.Num != want {
			t.Errorf("%s: %v %v, want %v", src, tok.Kind, tok.Num, want)
		}
	}
}

func TestPositionsAndNewlines(t *testing.T) {
	lx := New([]byte("a\n  b c"))
	a, b, c := lx.Next(), lx.Next(), lx.Next()
	if a.Pos != (token.Pos{Line: 1, Col: 1}) || b.Pos != (token.Pos{Line: 2, Col: 3}) || c.Pos != (token.Pos{Line: 2, Col: 5}) {
		t.Errorf("positions %v %v %v", a.Pos, b.Pos, c.Pos)
	}
	if a.NewlineBefore || !b.NewlineBefore || c.NewlineBefore {
		t.Errorf("newline flags %v %v %v", a.NewlineBefore, b.NewlineBefore, c.NewlineBefore)
	}
}

func TestLexErrors(t *testing.T) {
	for _, src := range []string{`"abc`, "/* x", "`abc", "017", "1n", "#", `"\u{110000}"`} {
		lx := New([]byte(src))
		for lx.Next().Kind != token.EOF {
		}
		if len(lx.Errors()) == 0 {
			t.Errorf("%q: no error", src)
		}
	}
}

func TestTemplateContinuation(t *testing.T) {
	lx := New([]byte("`a${x}b${y}c`"))
	head := lx.Next()
	if head.Kind != token.TEMPLATE || head.Lit != "a" || head.TemplateEnd {
		t.Fatalf("head %+v", head)
	}
	if x := lx.Next(); x.Lit != "x" {
		t.Fatalf("x %+v", x)
	}
	if rb := lx.Next(); rb.Kind != token.RBRACE {
		t.Fatalf("rbrace %+v", rb)
	}
	mid := lx.ContinueTemplate(token.Pos{})
	if mid.Lit != "b" || mid.TemplateEnd {
		t.Fatalf("middle %+v", mid)
	}
	lx.Next()
	lx.Next()
	tail := lx.ContinueTemplate(token.Pos{})
	if tail.Lit != "c" || !tail.TemplateEnd {
		t.Fatalf("tail %+v", tail)
	}
}
