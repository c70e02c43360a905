package vm

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/nanotick/nanotick/vm/parser"
)

var fuzzSeeds = []string{
	"",
	"let x = 1; console.log(x + 2);",
	"function f(n) { return n < 2 ? n : f(n - 1) + f(n - 2); } console.log(f(10));",
	"const a = [3, 1, 2]; a.sort((x, y) => x - y); console.log(a);",
	"let s = ''; for (let i = 0; i < 5; i++) { s += `${i},`; } console.log(s);",
	"outer: for (const x of [1, 2]) { for (;;) { if (x === 2) break outer; continue outer; } }",
	"switch (1) { case 1: console.log(1); default: console.log(2); }",
	"const o = { a: 1, b: [1, { c: 2 }] }; o.a += 1; console.log(o);",
	"while (true) {}",
	"function r() { return r(); } r();",
	"let f = () => { let c = 0; return () => ++c; }; const g = f(); g(); console.log(g());",
	"`${`${1}`}`",
	"x ??= 1",
	"let a = new Array(5); a.fill(0); console.log(a.indexOf(0), a.slice(-2));",
	"/regex/.test('x')",
	"console.log(1 == 2)",
	"({a} = 1)",
	"let x = 5; x **= 2; x >>>= 1; x |= 4; console.log(x, typeof x, ~x, -x % 3);",
}

func addSeeds(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	for _, dir := range []string{"errors", "conformance"} {
		files, _ := filepath.Glob(filepath.Join("testdata", dir, "*.js"))
		for i, file := range files {
			if i >= 60 {
				break
			}
			if src, err := os.ReadFile(file); err == nil {
				f.Add(src)
			}
		}
	}
}

// FuzzParse checks that no input makes the parser panic.
func FuzzParse(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		parser.ParseFile("fuzz.js", src)
	})
}

// FuzzCompileRun compiles and runs arbitrary input with small limits: no panic may
// escape and nothing may hang.
func FuzzCompileRun(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		p, err := Compile("fuzz.js", src, nil)
		if err != nil {
			if _, ok := err.(ErrorList); !ok {
				t.Fatalf("compile error of type %T", err)
			}
			return
		}
		m := p.NewMachineWith(Limits{Steps: 20_000, CallDepth: 100, StackSize: 4096, MaxHeapBytes: 8 << 20})
		m.SetOutput(io.Discard)
		err = m.Run()
		if err != nil {
			if e, ok := err.(*Error); !ok || e.Line == 0 {
				t.Fatalf("run error %#v", err)
			} else if len(e.Msg) > 9 && e.Msg[:9] == "internal " {
				t.Fatalf("internal error: %v", err)
			}
		}
	})
}
