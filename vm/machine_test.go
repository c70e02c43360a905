package vm

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
)

func mustCompile(t testing.TB, src string, h *Host) *Program {
	t.Helper()
	p, err := Compile("test.js", []byte(src), h)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func mustRun(t testing.TB, p *Program) *Machine {
	t.Helper()
	m := p.NewMachine()
	m.SetOutput(io.Discard)
	if err := m.Run(); err != nil {
		t.Fatal(err)
	}
	return m
}

const allocSrc = `
let total = 0;
const hist = [0, 0, 0, 0];
function makeCounter() {
  let n = 0;
  return (x) => { n += x; return n; };
}
const counter = makeCounter();
function onTick(price, qty) {
  let local = price * qty;
  total += local;
  hist[2] = hist[2] + 1;
  hist[1]++;
  const c = counter(1);
  return local + c + hist[2];
}
`

// Calling a script function with number arguments that reads and writes locals,
// globals, captured variables and existing array elements allocates nothing.
func TestCallAllocatesNothing(t *testing.T) {
	p := mustCompile(t, allocSrc, nil)
	m := mustRun(t, p)
	f, ok := m.Func("onTick")
	if !ok {
		t.Fatal("no onTick")
	}
	price := 100.0
	allocs := testing.AllocsPerRun(1000, func() {
		price += 0.5
		r, err := m.Call(f, Number(price), Number(2))
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := r.Number(); !ok {
			t.Fatal("not a number")
		}
	})
	if allocs != 0 {
		t.Errorf("Call allocates %v times per run, want 0", allocs)
	}
}

// Calling a host function with numbers from a script allocates nothing.
func TestHostCallAllocatesNothing(t *testing.T) {
	h := NewHost()
	var sum float64
	h.Func("emit", func(m *Machine, args []Value) (Value, error) {
		x, err := NumberArg(args, 0)
		if err != nil {
			return Undefined, err
		}
		sum += x
		return Number(sum), nil
	})
	h.Object("book").Method("bidPrice", func(m *Machine, args []Value) (Value, error) {
		i, err := NumberArg(args, 0)
		if err != nil {
			return Undefined, err
		}
		return Number(100 - i), nil
	})
	p := mustCompile(t, `function tick(x) { return emit(x) + book.bidPrice(1); }`, h)
	m := mustRun(t, p)
	f, _ := m.Func("tick")
	allocs := testing.AllocsPerRun(1000, func() {
		if _, err := m.Call(f, Number(1)); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("host call allocates %v times per run, want 0", allocs)
	}
	if sum == 0 {
		t.Error("host function not called")
	}
}

// A function that builds a log string and an array on every call, called a million
// times, runs with the arenas staying bounded: the collector reclaims the garbage.
func TestGarbageBounded(t *testing.T) {
	p := mustCompile(t, `
let keep = [];
function onTick(price) {
  const line = "tick " + price + " at " + (price * 2);
  const arr = [price, price + 1, line];
  const o = { p: price, l: line };
  const f = () => o.p + arr[0];
  if (price % 100000 === 0) keep = [line];
  return line.length + arr.length + f();
}`, nil)
	m := p.NewMachineWith(Limits{MaxHeapBytes: 64 << 20})
	m.SetOutput(io.Discard)
	if err := m.Run(); err != nil {
		t.Fatal(err)
	}
	f, _ := m.Func("onTick")
	n := 1_000_000
	if testing.Short() {
		n = 100_000
	}
	var peak HeapStats
	for i := 0; i < n; i++ {
		if _, err := m.Call(f, Number(float64(i))); err != nil {
			t.Fatal(err)
		}
		if i%10000 == 0 {
			s := m.HeapStats()
			peak.Strings = max(peak.Strings, s.Strings)
			peak.Arrays = max(peak.Arrays, s.Arrays)
			peak.Objects = max(peak.Objects, s.Objects)
			peak.Closures = max(peak.Closures, s.Closures)
			peak.Bytes = max(peak.Bytes, s.Bytes)
		}
	}
	s := m.HeapStats()
	t.Logf("after %d calls: %+v (peak %+v)", n, s, peak)
	if s.Collections == 0 {
		t.Error("the collector never ran")
	}
	const bound = 100_000
	if peak.Strings > bound || peak.Arrays > bound || peak.Objects > bound || peak.Closures > bound || peak.Bytes > 16<<20 {
		t.Errorf("arenas not bounded: peak %+v", peak)
	}
	// The value kept in a global survived every collection.
	v, _ := m.Global("keep")
	if got := m.Inspect(v); !strings.Contains(got, "tick") {
		t.Errorf("keep = %s", got)
	}
}

func TestLimits(t *testing.T) {
	cases := []struct {
		name   string
		src    string
		limits Limits
		want   string
	}{
		{"budget", `function f() { let i = 0; while (true) { i++; } }`, Limits{Steps: 100_000}, "instruction budget exceeded"},
		{"budget-recursion", `function f() { return g(40); } function g(n) { return n <= 0 ? 0 : g(n - 1) + g(n - 1); }`, Limits{Steps: 10_000}, "instruction budget exceeded"},
		{"depth", `function f(n) { return f(n + 1) + 1; }`, Limits{CallDepth: 50}, "maximum call depth (50) exceeded"},
		{"stack", `function f(a, b, c, d, e, g, h, i, j, k) { let l = 1, m = 2, n = 3; return f(a, b, c, d, e, g, h, i, j, k) + l + m + n; }`, Limits{StackSize: 2000, CallDepth: 1000}, "value stack overflow"},
		{"arena", `function f() { let all = []; while (true) { all.push("x" + all.length); } }`, Limits{MaxHeapBytes: 4 << 20}, "arena memory limit exceeded"},
		{"arena-single", `function f() { return new Array(1e9); }`, Limits{MaxHeapBytes: 4 << 20}, "array too large"},
		{"string-doubling", `function f() { let s = "xx"; for (let i = 0; i < 64; i++) s = s + s; return s; }`, Limits{MaxHeapBytes: 4 << 20}, "arena memory limit exceeded"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := mustCompile(t, c.src+"\nfunction ok(x) { return x * 2; }", nil)
			m := p.NewMachineWith(c.limits)
			m.SetOutput(io.Discard)
			if err := m.Run(); err != nil {
				t.Fatal(err)
			}
			f, _ := m.Func("f")
			_, err := m.Call(f, Number(1))
			var e *Error
			if !errors.As(err, &e) || !strings.Contains(e.Msg, c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
			if !e.Runtime || e.Line == 0 || len(e.Stack) == 0 {
				t.Errorf("error lacks position or stack: %#v", e)
			}
			// The machine stays usable.
			okf, _ := m.Func("ok")
			for i := 0; i < 3; i++ {
				r, err := m.Call(okf, Number(21))
				if err != nil {
					t.Fatalf("machine unusable after limit: %v", err)
				}
				if x, _ := r.Number(); x != 42 {
					t.Fatalf("ok(21) = %v", x)
				}
			}
			m.GC()
		})
	}
}

// One Program shared by machines on several goroutines (run with -race).
func TestProgramSharedAcrossGoroutines(t *testing.T) {
	p := mustCompile(t, `
let n = 0;
const xs = [1, 2, 3];
function step(x) { n += x; xs[0] = n; const s = "v" + n; return n + s.length; }
`, nil)
	var wg sync.WaitGroup
	results := make([]float64, 4)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			m := p.NewMachine()
			m.SetOutput(io.Discard)
			if err := m.Run(); err != nil {
				t.Error(err)
				return
			}
			f, _ := m.Func("step")
			var r Value
			for i := 0; i < 20000; i++ {
				var err error
				if r, err = m.Call(f, Number(1)); err != nil {
					t.Error(err)
					return
				}
			}
			results[g], _ = r.Number()
		}(g)
	}
	wg.Wait()
	for g, r := range results {
		if r != results[0] {
			t.Errorf("goroutine %d: %v, want %v", g, r, results[0])
		}
	}
}

func TestHostAPI(t *testing.T) {
	h := NewHost()
	var logged []string
	h.Object("log").Method("info", func(m *Machine, args []Value) (Value, error) {
		if len(args) != 1 {
			return Undefined, fmt.Errorf("want 1 argument")
		}
		s, ok := m.StringOf(args[0])
		if !ok {
			return Undefined, fmt.Errorf("want a string, not %s", args[0].Kind())
		}
		logged = append(logged, s)
		return Undefined, nil
	})
	h.Func("levels", func(m *Machine, args []Value) (Value, error) {
		return m.NewArray(Number(1), Number(2), m.NewString("three")), nil
	})
	h.Func("fail", func(m *Machine, args []Value) (Value, error) {
		return Undefined, errors.New("exchange unreachable")
	})
	h.Const("TICK", Number(0.25))
	h.ConstString("SYMBOL", "BTC-USD")
	p := mustCompile(t, `
const lv = levels();
log.info(SYMBOL + " tick " + TICK + " " + lv.length + " " + lv[2]);
function boom() { return fail(); }
function twice(x) { return x * 2; }
function callsBack(f) { return f(3); }
`, h)
	m := mustRun(t, p)
	if len(logged) != 1 || logged[0] != "BTC-USD tick 0.25 3 three" {
		t.Errorf("logged %q", logged)
	}
	f, _ := m.Func("boom")
	_, err := m.Call(f)
	if err == nil || !strings.Contains(err.Error(), "fail: exchange unreachable") || !strings.Contains(err.Error(), "at boom") {
		t.Errorf("host error: %v", err)
	}
	// A host can pass a script function back to the script.
	tw, _ := m.Func("twice")
	cb, _ := m.Func("callsBack")
	r, err := m.Call(cb, tw.Value())
	if x, _ := r.Number(); err != nil || x != 6 {
		t.Errorf("callsBack(twice) = %v, %v", x, err)
	}
	// Registration errors are reported by Compile.
	bad := NewHost().Func("Math", func(*Machine, []Value) (Value, error) { return Undefined, nil })
	if _, err := Compile("x.js", []byte("1"), bad); err == nil {
		t.Error("registering Math succeeded")
	}
	// Unknown host methods are compile errors.
	if _, err := Compile("x.js", []byte("log.debug('x')"), h); err == nil || !strings.Contains(err.Error(), "no method debug") {
		t.Errorf("unknown method: %v", err)
	}
	// Strings created by the host survive collections while kept.
	s := m.NewString("pinned")
	m.Keep(s)
	m.GC()
	if got, _ := m.StringOf(s); got != "pinned" {
		t.Errorf("pinned string = %q", got)
	}
	m.Release(s)
}

func TestGlobalsAndFuncs(t *testing.T) {
	p := mustCompile(t, `let threshold = 5; function above(x) { return x > threshold; } const arrow = (x) => x + 1;`, nil)
	m := p.NewMachine()
	if _, ok := m.Func("above"); !ok {
		t.Error("function declarations should be available before Run (hoisted)")
	}
	if err := m.Run(); err != nil {
		t.Fatal(err)
	}
	if !m.SetGlobal("threshold", Number(10)) {
		t.Fatal("SetGlobal failed")
	}
	f, _ := m.Func("above")
	r, _ := m.Call(f, Number(7))
	if b, _ := r.Bool(); b {
		t.Error("7 > 10")
	}
	a, ok := m.Func("arrow")
	if !ok {
		t.Fatal("arrow not found after Run")
	}
	r, _ = m.Call(a, Number(1))
	if x, _ := r.Number(); x != 2 {
		t.Errorf("arrow(1) = %v", x)
	}
	if _, ok := m.Func("threshold"); ok {
		t.Error("a number is not a function")
	}
}

func TestNoPanicEscapes(t *testing.T) {
	srcs := []string{"", "(", "`${", "let x = [1,2,3]; x[1e10] = 1;", "function f(){ return f; } f()()()()", "let a = []; a[-1] = 2;",
		"const o = {}; o.x;", "[].sort(5)", "new Array(-1)", "'abc'[1.5]", "let s = 'x'; s[0] = 'y';"}
	for _, s := range srcs {
		p, err := Compile("x.js", []byte(s), nil)
		if err != nil {
			continue
		}
		m := p.NewMachineWith(Limits{Steps: 10000})
		m.SetOutput(io.Discard)
		_ = m.Run()
	}
}

func TestHostSignatures(t *testing.T) {
	h := NewHost()
	nop := func(*Machine, []Value) (Value, error) { return Undefined, nil }
	h.FuncSig("buy", 2, 3, nop)
	h.Object("log").MethodSig("info", 1, 1, nop)
	if _, err := Compile("x.js", []byte("buy(1, 2); buy(1, 2, { post: true }); log.info('x');"), h); err != nil {
		t.Fatal(err)
	}
	for src, want := range map[string]string{
		"buy(1);":             "buy takes 2 to 3 argument(s), not 1",
		"log.info('a', 'b');": "log.info takes 1 argument(s), not 2",
	} {
		if _, err := Compile("x.js", []byte(src), h); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", src, err, want)
		}
	}
}
