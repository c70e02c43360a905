package vm_test

// Differential fuzzing: the fuzzer's bytes drive a generator of random, well-typed programs
// (numbers, booleans, strings built from numbers, arrays indexed in bounds, functions, bounded
// recursion, closures, bounded loops). Each program runs under nanotick and under goja and the
// two outputs must be identical.
//
// goja departs from the standard in two places that random arithmetic reaches easily, so the
// copy of each program given to goja differs from nanotick's in two rewrites that do not change
// its meaning in JavaScript:
//   - a * b is written __mul(a, b), a Go function computing the IEEE product, because goja's
//     integer fast path gives +0 for 0 times a negative integer (JS: -0);
//   - every operand of a bitwise operator is written (x % 4294967296), which leaves ToInt32 and
//     ToUint32 unchanged, because goja converts numbers beyond 2**63 to int32 wrongly;
//   - every if condition is written __b(c), and every switch discriminant __n(x), identity
//     functions in Go, because goja folds a constant condition and then miscompiles a break
//     or continue left in the dead branch (`for (...) { let s = 1; if (false) break; }`
//     corrupts its stack).
// nanotick runs the program as written.
//
// Run the fuzzer with
//
//	go test ./vm -run '^$' -fuzz FuzzDifferential -fuzztime 5m -fuzzminimizetime 50x
//
// (-fuzzminimizetime keeps the engine from spending a minute minimizing each new input:
// coverage through goja is not fully deterministic, so many inputs look "interesting").
// TestDifferentialRandom runs 300 fixed seeds under plain `go test`. With NANOTICK_NODE=1
// and node on PATH, each program is also compared, as written, with node's output, which
// covers what the goja rewrites hide.

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dop251/goja"
)

func FuzzDifferential(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("nanotick"))
	f.Add([]byte{0xff, 0x10, 0x22, 0x37, 0x41, 0x5a, 0x66, 0x7f, 0x80, 0x93, 0xa5, 0xb1, 0xc4, 0xd9, 0xe2, 0xf3})
	for seed := uint64(1); seed <= 8; seed++ {
		f.Add(seedBytes(seed, 256))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkGenerated(t, data)
	})
}

// TestDifferentialRandom runs the generator on fixed seeds so that plain `go test` exercises it.
func TestDifferentialRandom(t *testing.T) {
	n := 300
	if testing.Short() {
		n = 50
	}
	failures := 0
	for seed := 1; seed <= n; seed++ {
		data := seedBytes(uint64(seed), 512)
		if !t.Run(fmt.Sprintf("seed%03d", seed), func(t *testing.T) {
			checkGenerated(t, data)
		}) {
			failures++
		}
		if failures >= 10 {
			t.Fatalf("stopping after %d failing seeds", failures)
		}
	}
}

// TestDifferentialGeneratorDeterministic checks that the same bytes give the same program.
func TestDifferentialGeneratorDeterministic(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		a, ag := generateProgram(seedBytes(seed, 512))
		b, bg := generateProgram(seedBytes(seed, 512))
		if a != b || ag != bg {
			t.Fatalf("seed %d: generator is not deterministic", seed)
		}
	}
}

func seedBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 0x6e616e6f7469636b))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func checkGenerated(t *testing.T, data []byte) {
	t.Helper()
	js, gojaSrc := generateProgram(data)
	want, gerr := runGojaWithHelpers("gen.js", gojaSrc)
	if gerr != nil {
		t.Fatalf("generator produced a program goja rejects or fails on (generator bug): %v\n--- program ---\n%s", gerr, numberLines(js))
	}
	got, nerr := runNanotick("gen.js", []byte(js), 5*time.Second)
	if nerr != nil {
		t.Fatalf("nanotick failed: %v\n--- program ---\n%s\n%s", nerr, numberLines(js), showOutputs(got, want))
	}
	if got != want {
		t.Fatalf("output differs from goja\n--- program ---\n%s\n%s", numberLines(js), showOutputs(got, want))
	}
	if node := nodeForDifferential(); node != "" {
		// The program exactly as nanotick ran it, without the goja rewrites.
		path := filepath.Join(t.TempDir(), "gen.js")
		if err := os.WriteFile(path, []byte(js), 0o644); err != nil {
			t.Fatal(err)
		}
		nout, err := exec.Command(node, path).Output()
		if err != nil {
			t.Fatalf("node: %v\n--- program ---\n%s", err, numberLines(js))
		}
		if got != string(nout) {
			t.Fatalf("output differs from node\n--- program ---\n%s\n%s", numberLines(js), showOutputsVs(got, string(nout), "node"))
		}
	}
}

// nodeForDifferential returns node's path when NANOTICK_NODE is set and node is on PATH:
// then every generated program is also run, unrewritten, under node.
func nodeForDifferential() string {
	if os.Getenv("NANOTICK_NODE") == "" {
		return ""
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return ""
	}
	return node
}

func numberLines(s string) string {
	var sb strings.Builder
	for i, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		fmt.Fprintf(&sb, "%4d  %s\n", i+1, l)
	}
	return sb.String()
}

// runGojaWithHelpers is runGoja with the __mul and __b helpers defined (see the file comment).
func runGojaWithHelpers(filename, src string) (string, error) {
	return runGojaSetup(filename, []byte(src), func(r *goja.Runtime) error {
		if err := r.Set("__mul", func(a, b float64) float64 { return a * b }); err != nil {
			return err
		}
		if err := r.Set("__n", func(x float64) float64 { return x }); err != nil {
			return err
		}
		return r.Set("__b", func(c bool) bool { return c })
	})
}

// --- the generator ---

// byteSource hands out the fuzzer's bytes; once they run out it returns zeros, and every
// generator choice 0 is the one that ends soonest, so generation always terminates.
type fuzzBytes struct {
	b []byte
	i int
}

func (s *fuzzBytes) next() int {
	if s.i >= len(s.b) {
		return 0
	}
	v := s.b[s.i]
	s.i++
	return int(v)
}

// intn returns a number in [0, n).
func (s *fuzzBytes) intn(n int) int {
	if n <= 1 {
		return 0
	}
	return s.next() % n
}

// ex is an expression as written for nanotick (js) and for goja (gj).
type genExpr struct{ js, gj string }

func genLit(s string) genExpr { return genExpr{s, s} }

func gojaWrapU32(s string) string { return "(" + s + " % 4294967296)" }

func genBinary(op string, a, b genExpr) genExpr {
	switch op {
	case "*":
		return genExpr{"(" + a.js + " * " + b.js + ")", "__mul(" + a.gj + ", " + b.gj + ")"}
	case "&", "|", "^", "<<", ">>", ">>>":
		return genExpr{"(" + a.js + " " + op + " " + b.js + ")", "(" + gojaWrapU32(a.gj) + " " + op + " " + gojaWrapU32(b.gj) + ")"}
	}
	return genExpr{"(" + a.js + " " + op + " " + b.js + ")", "(" + a.gj + " " + op + " " + b.gj + ")"}
}

func genUnary(op string, a genExpr) genExpr {
	if op == "~" {
		return genExpr{"(~" + a.js + ")", "(~" + gojaWrapU32(a.gj) + ")"}
	}
	return genExpr{"(" + op + a.js + ")", "(" + op + a.gj + ")"}
}

func genCall(name string, args ...genExpr) genExpr {
	js := make([]string, len(args))
	gj := make([]string, len(args))
	for i, a := range args {
		js[i], gj[i] = a.js, a.gj
	}
	return genExpr{name + "(" + strings.Join(js, ", ") + ")", name + "(" + strings.Join(gj, ", ") + ")"}
}

type genVar struct {
	name       string
	assignable bool
}

type genArray struct{ name string }

type genFunc struct {
	name  string
	arity int
}

type genScope struct {
	vars      []genVar
	arrays    []genArray
	funcs     []genFunc // callable from here (no unbounded recursion)
	closures  []string
	objects   []string // objects with the fixed keys a, b, c
	arrows    []string // local arrow functions of one parameter
	topLevel  bool     // push/pop allowed (array lengths only change at top level)
	loopDepth int
	maxLoop   int // loops run at most maxLoop-1 times
}

func (sc *genScope) clone() *genScope {
	c := *sc
	c.vars = append([]genVar(nil), sc.vars...)
	return &c
}

type progGen struct {
	src   fuzzBytes
	js    strings.Builder
	gj    strings.Builder
	ind   int
	names int
	stmts int // statements emitted, to bound program size
}

var genLiterals = []string{
	"0", "1", "2", "3", "5", "7", "10", "0.5", "0.1", "1.5", "2.5", "0.3", "100", "255", "1000",
	"65536", "2147483647", "2147483648", "4294967295", "4294967296", "1e21", "1e-7", "123e-20",
	"9007199254740992", "1e300", "5e-324", "0.2", "33", "31", "32",
}

var genBinOps = []string{"+", "-", "*", "/", "%", "&", "|", "^", "<<", ">>", ">>>", "+", "-", "*"}

var genMath1 = []string{"Math.abs", "Math.floor", "Math.ceil", "Math.round", "Math.trunc", "Math.sign", "Math.sqrt"}

// generateProgram turns data into a program, returning nanotick's text and goja's text.
func generateProgram(data []byte) (string, string) {
	g := &progGen{src: fuzzBytes{b: data}}
	g.program()
	return g.js.String(), g.gj.String()
}

func (g *progGen) fresh(prefix string) string {
	g.names++
	return prefix + strconv.Itoa(g.names)
}

func (g *progGen) line(js, gj string) {
	pad := strings.Repeat("  ", g.ind)
	g.js.WriteString(pad + js + "\n")
	g.gj.WriteString(pad + gj + "\n")
	g.stmts++
}

func (g *progGen) lineEx(format string, args ...genExpr) {
	js := make([]any, len(args))
	gj := make([]any, len(args))
	for i, a := range args {
		js[i], gj[i] = a.js, a.gj
	}
	g.line(fmt.Sprintf(format, js...), fmt.Sprintf(format, gj...))
}

func (g *progGen) literal() genExpr {
	if g.src.intn(3) == 0 {
		return genLit(strconv.Itoa(g.src.next() % 50))
	}
	return genLit(genLiterals[g.src.intn(len(genLiterals))])
}

func (g *progGen) program() {
	sc := &genScope{topLevel: true, maxLoop: 9}
	// Globals.
	for i, n := 0, 1+g.src.intn(4); i < n; i++ {
		name := fmt.Sprintf("g%d", i)
		g.lineEx("let "+name+" = %s;", g.numExpr(sc, 1))
		sc.vars = append(sc.vars, genVar{name, true})
	}
	for i, n := 0, 1+g.src.intn(2); i < n; i++ {
		name := fmt.Sprintf("arr%d", i)
		elems := make([]string, 1+g.src.intn(5))
		elemsG := make([]string, len(elems))
		for j := range elems {
			e := g.numExpr(sc, 1)
			elems[j], elemsG[j] = e.js, e.gj
		}
		g.line("const "+name+" = ["+strings.Join(elems, ", ")+"];", "const "+name+" = ["+strings.Join(elemsG, ", ")+"];")
		sc.arrays = append(sc.arrays, genArray{name})
	}
	for i, n := 0, g.src.intn(2); i < n; i++ {
		name := fmt.Sprintf("obj%d", i)
		g.lineEx("const "+name+" = { a: %s, b: %s, c: %s };", g.numExpr(sc, 1), g.numExpr(sc, 1), g.numExpr(sc, 1))
		sc.objects = append(sc.objects, name)
	}
	// Plain functions: f_k may call f_j for j < k.
	for i, n := 0, g.src.intn(4); i < n; i++ {
		name := fmt.Sprintf("f%d", i)
		arity := g.src.intn(3)
		fs := sc.clone()
		fs.topLevel = false
		fs.loopDepth = 0
		fs.maxLoop = 5
		fs.funcs = nil // calls to earlier functions only in the return expression: bounded work
		params := make([]string, arity)
		for p := range params {
			params[p] = fmt.Sprintf("p%d", p)
			fs.vars = append(fs.vars, genVar{params[p], true})
		}
		g.line("function "+name+"("+strings.Join(params, ", ")+") {", "function "+name+"("+strings.Join(params, ", ")+") {")
		g.ind++
		g.block(fs, 1+g.src.intn(4), 1)
		ret := fs.clone()
		ret.funcs = sc.funcs
		g.lineEx("return %s;", g.numExpr(ret, 2))
		g.ind--
		g.line("}", "}")
		sc.funcs = append(sc.funcs, genFunc{name, arity})
	}
	// A bounded recursive function: rec(n, x) calls itself once with n - 1.
	if g.src.intn(2) == 1 {
		rs := &genScope{vars: []genVar{{"n", false}, {"x", true}}, maxLoop: 1}
		g.line("function rec(n, x) {", "function rec(n, x) {")
		g.ind++
		g.lineEx("if (n <= 0) return %s;", g.numExpr(rs, 2))
		inner := genCall("rec", genLit("(n - 1)"), g.numExpr(rs, 2))
		g.lineEx("return %s;", genBinary(genBinOps[g.src.intn(len(genBinOps))], inner, g.numExpr(rs, 2)))
		g.ind--
		g.line("}", "}")
	}
	// Closure makers and the closures made from them.
	for i, n := 0, g.src.intn(3); i < n; i++ {
		mk := fmt.Sprintf("mk%d", i)
		cs := &genScope{vars: []genVar{{"k", false}, {"c", true}, {"d", false}}, maxLoop: 1}
		g.line("function "+mk+"(k) {", "function "+mk+"(k) {")
		g.ind++
		g.line("let c = k;", "let c = k;")
		g.line("return (d) => {", "return (d) => {")
		g.ind++
		g.lineEx("c = %s;", g.numExpr(cs, 2))
		g.line("return c;", "return c;")
		g.ind--
		g.line("};", "};")
		g.ind--
		g.line("}", "}")
		name := fmt.Sprintf("cl%d", i)
		g.lineEx("const "+name+" = "+mk+"(%s);", g.numExpr(sc, 1))
		sc.closures = append(sc.closures, name)
	}
	hasRec := strings.Contains(g.js.String(), "function rec(")
	if hasRec {
		sc.funcs = append(sc.funcs, genFunc{"rec", -1})
	}
	g.block(sc, 3+g.src.intn(10), 3)
	// Always print the final state of globals and arrays.
	for _, v := range sc.vars {
		g.line("console.log(\""+v.name+"\", "+v.name+");", "console.log(\""+v.name+"\", "+v.name+");")
	}
	for _, o := range sc.objects {
		g.line("console.log(\""+o+"\", "+o+");", "console.log(\""+o+"\", "+o+");")
	}
	for _, a := range sc.arrays {
		g.line("console.log(\""+a.name+"\", "+a.name+");", "console.log(\""+a.name+"\", "+a.name+");")
	}
}

// block emits n statements; nest bounds how deep statements may still nest.
func (g *progGen) block(sc *genScope, n, nest int) {
	for i := 0; i < n && g.stmts < 150; i++ {
		g.statement(sc, nest)
	}
}

func (g *progGen) assignable(sc *genScope) []genVar {
	var out []genVar
	for _, v := range sc.vars {
		if v.assignable {
			out = append(out, v)
		}
	}
	return out
}

func (g *progGen) statement(sc *genScope, nest int) {
	choice := g.src.intn(22)
	if nest <= 0 && ((choice >= 8 && choice <= 11) || (choice >= 16 && choice <= 18)) {
		choice = 0
	}
	switch choice {
	case 0: // print
		g.printStmt(sc)
	case 1, 2: // assignment
		vs := g.assignable(sc)
		if len(vs) == 0 {
			g.printStmt(sc)
			return
		}
		v := vs[g.src.intn(len(vs))].name
		e := g.numExpr(sc, 3)
		switch g.src.intn(8) {
		case 0:
			g.lineEx(v+" = %s;", e)
		case 1:
			g.lineEx(v+" += %s;", e)
		case 2:
			g.lineEx(v+" -= %s;", e)
		case 3:
			g.line(v+" *= "+e.js+";", v+" = __mul("+v+", "+e.gj+");")
		case 4:
			op := []string{"&", "|", "^", "<<", ">>", ">>>"}[g.src.intn(6)]
			r := genBinary(op, genLit(v), e)
			g.line(v+" "+op+"= "+e.js+";", v+" = "+r.gj+";")
		case 5:
			g.lineEx(v+" %%= %s;", e)
		case 6:
			g.line(v+"++;", v+"++;")
		case 7:
			g.line("--"+v+";", "--"+v+";")
		}
	case 3: // new local
		name := g.fresh("v")
		e := g.numExpr(sc, 3)
		if g.src.intn(2) == 0 {
			g.lineEx("const "+name+" = %s;", e)
			sc.vars = append(sc.vars, genVar{name, false})
		} else {
			g.lineEx("let "+name+" = %s;", e)
			sc.vars = append(sc.vars, genVar{name, true})
		}
	case 4: // array element store
		if len(sc.arrays) == 0 {
			g.printStmt(sc)
			return
		}
		a := sc.arrays[g.src.intn(len(sc.arrays))].name
		idx := g.index(sc, a, 2)
		e := g.numExpr(sc, 2)
		switch g.src.intn(3) {
		case 0:
			g.lineEx(a+"[%s] = %s;", idx, e)
		case 1:
			g.lineEx(a+"[%s] += %s;", idx, e)
		default:
			g.lineEx(a+"[%s]++;", idx)
		}
	case 5: // push / pop (top level only)
		if len(sc.arrays) == 0 || !sc.topLevel {
			g.printStmt(sc)
			return
		}
		a := sc.arrays[g.src.intn(len(sc.arrays))].name
		if g.src.intn(3) == 0 {
			g.line("if ("+a+".length > 1) "+a+".pop();", "if ("+a+".length > 1) "+a+".pop();")
		} else if g.src.intn(2) == 0 {
			g.lineEx("console.log("+a+".push(%s));", g.numExpr(sc, 2))
		} else {
			g.lineEx(a+".push(%s);", g.numExpr(sc, 2))
		}
	case 6: // string building
		s := g.fresh("s")
		g.lineEx("let "+s+" = \"<\" + %s;", g.numExpr(sc, 2))
		g.lineEx(s+" += \",\" + %s + `|${%s}`;", g.numExpr(sc, 2), g.numExpr(sc, 2))
		g.line("console.log("+s+", "+s+".length);", "console.log("+s+", "+s+".length);")
	case 7: // break / continue inside a loop
		if sc.loopDepth == 0 {
			g.printStmt(sc)
			return
		}
		kw := "break"
		if g.src.intn(2) == 0 {
			kw = "continue"
		}
		c := g.cond(sc, 2)
		g.line("if ("+c.js+") "+kw+";", "if (__b("+c.gj+")) "+kw+";")
	case 8, 9: // if / else
		c := g.cond(sc, 2)
		g.line("if ("+c.js+") {", "if (__b("+c.gj+")) {")
		g.ind++
		g.block(sc.clone(), 1+g.src.intn(3), nest-1)
		g.ind--
		if g.src.intn(2) == 0 {
			g.line("} else {", "} else {")
			g.ind++
			g.block(sc.clone(), 1+g.src.intn(3), nest-1)
			g.ind--
		}
		g.line("}", "}")
	case 10: // for loop
		i := g.fresh("i")
		k := g.src.intn(sc.maxLoop)
		g.line(fmt.Sprintf("for (let %s = 0; %s < %d; %s++) {", i, i, k, i), fmt.Sprintf("for (let %s = 0; %s < %d; %s++) {", i, i, k, i))
		g.ind++
		inner := sc.clone()
		inner.vars = append(inner.vars, genVar{i, false})
		inner.loopDepth++
		g.block(inner, 1+g.src.intn(3), nest-1)
		g.ind--
		g.line("}", "}")
	case 11: // while loop (counter bumped first, so continue is safe)
		w := g.fresh("w")
		k := g.src.intn(sc.maxLoop)
		g.line(fmt.Sprintf("let %s = 0;", w), fmt.Sprintf("let %s = 0;", w))
		g.line(fmt.Sprintf("while (%s < %d) {", w, k), fmt.Sprintf("while (%s < %d) {", w, k))
		g.ind++
		g.line(w+"++;", w+"++;")
		inner := sc.clone()
		inner.vars = append(inner.vars, genVar{w, false})
		inner.loopDepth++
		g.block(inner, 1+g.src.intn(3), nest-1)
		g.ind--
		g.line("}", "}")
	case 12: // for-of over an array (read only)
		if len(sc.arrays) == 0 || nest <= 0 {
			g.printStmt(sc)
			return
		}
		a := sc.arrays[g.src.intn(len(sc.arrays))].name
		x := g.fresh("x")
		g.line("for (const "+x+" of "+a+") {", "for (const "+x+" of "+a+") {")
		g.ind++
		inner := sc.clone()
		inner.topLevel = false // no push inside for-of: it would iterate forever
		inner.vars = append(inner.vars, genVar{x, false})
		inner.loopDepth++
		g.block(inner, 1+g.src.intn(2), 0)
		g.ind--
		g.line("}", "}")
	case 16: // switch on a small integer, with and without fall-through
		d := genBinary("&", genBinary("|", g.numExpr(sc, 2), genLit("0")), genLit("3"))
		g.line("switch ("+d.js+") {", "switch (__n("+d.gj+")) {")
		g.ind++
		labels := []string{"case 0:", "case 1:", "case 2:", "default:"}
		for _, l := range labels[g.src.intn(2):] {
			g.line(l, l)
			g.ind++
			g.block(sc.clone(), 1+g.src.intn(2), nest-1)
			if g.src.intn(3) > 0 {
				g.line("break;", "break;")
			}
			g.ind--
		}
		g.ind--
		g.line("}", "}")
	case 17: // do-while (counter bumped first, so continue is safe)
		d := g.fresh("d")
		k := 1 + g.src.intn(sc.maxLoop)
		g.line("let "+d+" = 0;", "let "+d+" = 0;")
		g.line("do {", "do {")
		g.ind++
		g.line(d+"++;", d+"++;")
		inner := sc.clone()
		inner.vars = append(inner.vars, genVar{d, false})
		inner.loopDepth++
		g.block(inner, 1+g.src.intn(3), nest-1)
		g.ind--
		g.line(fmt.Sprintf("} while (%s < %d);", d, k), fmt.Sprintf("} while (%s < %d);", d, k))
	case 18: // labeled nested loops with break/continue to the outer label
		lbl := g.fresh("L")
		i, j := g.fresh("i"), g.fresh("j")
		k1, k2 := g.src.intn(sc.maxLoop), g.src.intn(sc.maxLoop)
		g.line(fmt.Sprintf("%s: for (let %s = 0; %s < %d; %s++) {", lbl, i, i, k1, i), fmt.Sprintf("%s: for (let %s = 0; %s < %d; %s++) {", lbl, i, i, k1, i))
		g.ind++
		g.line(fmt.Sprintf("for (let %s = 0; %s < %d; %s++) {", j, j, k2, j), fmt.Sprintf("for (let %s = 0; %s < %d; %s++) {", j, j, k2, j))
		g.ind++
		inner := sc.clone()
		inner.vars = append(inner.vars, genVar{i, false}, genVar{j, false})
		inner.loopDepth += 2
		g.block(inner, g.src.intn(2), 0)
		kw := "continue "
		if g.src.intn(2) == 0 {
			kw = "break "
		}
		c := g.cond(inner, 2)
		g.line("if ("+c.js+") "+kw+lbl+";", "if (__b("+c.gj+")) "+kw+lbl+";")
		g.block(inner, 1+g.src.intn(2), 0)
		g.ind--
		g.line("}", "}")
		g.ind--
		g.line("}", "}")
	case 19: // object field store
		if len(sc.objects) == 0 {
			g.printStmt(sc)
			return
		}
		o := sc.objects[g.src.intn(len(sc.objects))]
		f := []string{"a", "b", "c"}[g.src.intn(3)]
		if g.src.intn(2) == 0 {
			g.lineEx(o+"."+f+" = %s;", g.numExpr(sc, 2))
		} else {
			g.lineEx(o+"."+f+" += %s;", g.numExpr(sc, 2))
		}
	case 20: // local arrow function; its body may use the variables in scope
		h := g.fresh("h")
		body := sc.clone()
		body.arrows = nil // arrows do not call arrows: bounded work
		body.vars = append(body.vars, genVar{"q", false})
		g.lineEx("const "+h+" = (q) => %s;", g.numExpr(body, 2))
		sc.arrows = append(sc.arrows, h)
	default: // print something richer
		g.printStmt(sc)
	}
}

func (g *progGen) printStmt(sc *genScope) {
	switch g.src.intn(6) {
	case 0, 1:
		g.lineEx("console.log(%s);", g.numExpr(sc, 3))
	case 2:
		g.lineEx("console.log(%s, %s);", g.numExpr(sc, 2), g.cond(sc, 2))
	case 3:
		g.lineEx("console.log(\"r=\" + %s);", g.numExpr(sc, 3))
	case 4:
		g.lineEx("console.log(`t ${%s} ${%s}`);", g.numExpr(sc, 2), g.numExpr(sc, 2))
	case 5:
		if len(sc.arrays) > 0 {
			a := sc.arrays[g.src.intn(len(sc.arrays))].name
			g.lineEx("console.log("+a+".length, "+a+"[%s]);", g.index(sc, a, 2))
		} else {
			g.lineEx("console.log(%s);", g.cond(sc, 2))
		}
	}
}

// index returns an expression that is always a valid index of array a (never empty).
// depth bounds the index expression (index expressions nest through array reads).
func (g *progGen) index(sc *genScope, a string, depth int) genExpr {
	e := genBinary("|", g.numExpr(sc, depth), genLit("0"))
	l := genLit(a + ".length")
	return genBinary("%", genBinary("+", genBinary("%", e, l), l), l)
}

// numExpr returns a numeric expression of at most depth levels.
func (g *progGen) numExpr(sc *genScope, depth int) genExpr {
	if depth <= 0 {
		return g.leaf(sc)
	}
	switch g.src.intn(17) {
	case 0, 1:
		return g.leaf(sc)
	case 14:
		if len(sc.objects) == 0 {
			return g.leaf(sc)
		}
		return genLit(sc.objects[g.src.intn(len(sc.objects))] + "." + []string{"a", "b", "c"}[g.src.intn(3)])
	case 15:
		if g.src.intn(4) == 0 { // length of a number's string form
			e := g.numExpr(sc, depth-1)
			return genExpr{"(\"\" + " + e.js + ").length", "(\"\" + " + e.gj + ").length"}
		}
		return genBinary([]string{"||", "&&", "??"}[g.src.intn(3)], g.numExpr(sc, depth-1), g.numExpr(sc, depth-1))
	case 16:
		if len(sc.arrows) > 0 && g.src.intn(2) == 0 {
			return genCall(sc.arrows[g.src.intn(len(sc.arrows))], g.numExpr(sc, depth-1))
		}
		if len(sc.arrays) == 0 {
			return g.leaf(sc)
		}
		a := sc.arrays[g.src.intn(len(sc.arrays))].name
		e := g.numExpr(sc, depth-1)
		return genExpr{a + ".indexOf(" + e.js + ")", a + ".indexOf(" + e.gj + ")"}
	case 2, 3, 4, 5:
		return genBinary(genBinOps[g.src.intn(len(genBinOps))], g.numExpr(sc, depth-1), g.numExpr(sc, depth-1))
	case 6:
		return genUnary([]string{"-", "~", "+"}[g.src.intn(3)], g.numExpr(sc, depth-1))
	case 7:
		if g.src.intn(3) == 0 {
			return genCall([]string{"Math.min", "Math.max"}[g.src.intn(2)], g.numExpr(sc, depth-1), g.numExpr(sc, depth-1))
		}
		return genCall(genMath1[g.src.intn(len(genMath1))], g.numExpr(sc, depth-1))
	case 8:
		c := g.cond(sc, depth-1)
		a, b := g.numExpr(sc, depth-1), g.numExpr(sc, depth-1)
		return genExpr{"(" + c.js + " ? " + a.js + " : " + b.js + ")", "(" + c.gj + " ? " + a.gj + " : " + b.gj + ")"}
	case 9:
		if len(sc.funcs) == 0 {
			return g.leaf(sc)
		}
		f := sc.funcs[g.src.intn(len(sc.funcs))]
		if f.arity < 0 { // rec(depth, x)
			return genCall(f.name, genLit(strconv.Itoa(g.src.intn(8))), g.numExpr(sc, depth-1))
		}
		args := make([]genExpr, f.arity)
		for i := range args {
			args[i] = g.numExpr(sc, depth-1)
		}
		return genCall(f.name, args...)
	case 10:
		if len(sc.arrays) == 0 {
			return g.leaf(sc)
		}
		a := sc.arrays[g.src.intn(len(sc.arrays))].name
		if g.src.intn(3) == 0 {
			return genLit(a + ".length")
		}
		idx := g.index(sc, a, depth-1)
		return genExpr{a + "[" + idx.js + "]", a + "[" + idx.gj + "]"}
	case 11:
		if len(sc.closures) == 0 {
			return g.leaf(sc)
		}
		return genCall(sc.closures[g.src.intn(len(sc.closures))], g.numExpr(sc, depth-1))
	case 12:
		// Exponents 0, 1, 2 and 0.5 are exact in every pow; others differ in the last bit
		// between implementations (Go's math.Pow and V8's disagree for x ** 3).
		return genBinary("**", g.numExpr(sc, depth-1), genLit([]string{"0", "1", "2", "0.5"}[g.src.intn(4)]))
	default:
		return genBinary(genBinOps[g.src.intn(len(genBinOps))], g.leaf(sc), g.numExpr(sc, depth-1))
	}
}

func (g *progGen) leaf(sc *genScope) genExpr {
	if len(sc.vars) > 0 && g.src.intn(2) == 1 {
		return genLit(sc.vars[g.src.intn(len(sc.vars))].name)
	}
	return g.literal()
}

// cond returns a boolean expression.
func (g *progGen) cond(sc *genScope, depth int) genExpr {
	if depth <= 0 {
		return genBinary("<", g.leaf(sc), g.leaf(sc))
	}
	switch g.src.intn(9) {
	case 8: // strings compare lexicographically, or a character of a number's string form
		a, b := g.numExpr(sc, depth-1), g.numExpr(sc, depth-1)
		if g.src.intn(3) == 0 {
			k := strconv.Itoa(g.src.intn(4))
			ch := strconv.Quote(string("-0123456789.eIN"[g.src.intn(15)]))
			return genExpr{"((\"\" + " + a.js + ")[" + k + "] === " + ch + ")", "((\"\" + " + a.gj + ")[" + k + "] === " + ch + ")"}
		}
		op := []string{"<", ">=", "==="}[g.src.intn(3)]
		return genExpr{"((\"\" + " + a.js + ") " + op + " (\"\" + " + b.js + "))", "((\"\" + " + a.gj + ") " + op + " (\"\" + " + b.gj + "))"}
	case 0, 1, 2:
		op := []string{"<", "<=", ">", ">=", "===", "!=="}[g.src.intn(6)]
		return genBinary(op, g.numExpr(sc, depth-1), g.numExpr(sc, depth-1))
	case 3:
		a := g.cond(sc, depth-1)
		return genExpr{"(!" + a.js + ")", "(!" + a.gj + ")"}
	case 4:
		return genBinary("&&", g.cond(sc, depth-1), g.cond(sc, depth-1))
	case 5:
		return genBinary("||", g.cond(sc, depth-1), g.cond(sc, depth-1))
	case 6:
		return genCall([]string{"Number.isNaN", "Number.isFinite", "isNaN", "isFinite"}[g.src.intn(4)], g.numExpr(sc, depth-1))
	default:
		return genBinary("===", genBinary("%", g.numExpr(sc, depth-1), genLit("2")), genLit("0"))
	}
}
