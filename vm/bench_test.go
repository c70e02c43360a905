package vm_test

// Benchmarks: the same five workloads in nanotick and in gopher-lua, in one `go test -bench`
// run. Every benchmark first checks that its engine computes the right answer, so the
// timings are of real work; TestBenchWorkloadsAgree checks the two engines agree.
//
//	go test ./vm -run '^$' -bench . -benchmem -count 5     (or vm/bench.sh for the table)

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/nanotick/nanotick/vm"
)

// --- workloads ---

// 1. Iterative fib(30), called 10,000 times, summed. One op = one call of run().
const fibIterJS = `
function fib(n) {
  let a = 0;
  let b = 1;
  for (let i = 0; i < n; i++) {
    const t = a + b;
    a = b;
    b = t;
  }
  return a;
}
function run() {
  let s = 0;
  for (let k = 0; k < 10000; k++) {
    s += fib(30);
  }
  return s;
}
`

// (Written with a temporary, like the JS: gopher-lua v1.1.2 miscompiles "a, b = b, a + b"
// here and returns 2^29 for fib(30).)
const fibIterLua = `
local function fib(n)
  local a = 0
  local b = 1
  for i = 1, n do
    local t = a + b
    a = b
    b = t
  end
  return a
end
function run()
  local s = 0
  for k = 1, 10000 do
    s = s + fib(30)
  end
  return s
end
`

const fibIterWant = 832040 * 10000

// 2. Nested loop: s += i*j for i, j < 1000. One op = the whole loop.
const nestedLoopJS = `
function run() {
  let s = 0;
  for (let i = 0; i < 1000; i++) {
    for (let j = 0; j < 1000; j++) {
      s += i * j;
    }
  }
  return s;
}
`

const nestedLoopLua = `
function run()
  local s = 0
  for i = 0, 999 do
    for j = 0, 999 do
      s = s + i * j
    end
  end
  return s
end
`

const nestedLoopWant = 499500 * 499500

// 3. Fill an array with 10,000 pseudo-random floats and sort it with a comparator.
// One op = fill + sort; the array is allocated once, at load. run() returns
// a[0] + a[5000] + a[9999]; checksum() weighs every element by its position.
const sortJS = `
const N = 10000;
const a = new Array(N).fill(0);
function run() {
  let x = 12345;
  for (let i = 0; i < N; i++) {
    x = (x * 16807) % 2147483647;
    a[i] = x / 2147483647;
  }
  a.sort((p, q) => p - q);
  return a[0] + a[5000] + a[9999];
}
function checksum() {
  let s = 0;
  for (let i = 0; i < N; i++) {
    s += a[i] * (i + 1);
  }
  return s;
}
`

const sortLua = `
local N = 10000
local a = {}
for i = 1, N do a[i] = 0 end
local function less(p, q) return p < q end
function run()
  local x = 12345
  for i = 1, N do
    x = (x * 16807) % 2147483647
    a[i] = x / 2147483647
  end
  table.sort(a, less)
  return a[1] + a[5001] + a[10000]
end
function checksum()
  local s = 0
  for i = 1, N do
    s = s + a[i] * i
  end
  return s
end
`

// sortWant computes, in Go, what the sort workload's run() and checksum() return.
func sortWant() (run, checksum float64) {
	a := make([]float64, 10000)
	x := 12345.0
	for i := range a {
		x = math.Mod(x*16807, 2147483647)
		a[i] = x / 2147483647
	}
	slices.Sort(a)
	for i, v := range a {
		checksum += float64(v * float64(i+1))
	}
	return a[0] + a[5000] + a[9999], checksum
}

// 4. Recursive fib(30). One op = one call.
const fibRecJS = `
function fib(n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}
`

const fibRecLua = `
local function fibl(n)
  if n < 2 then return n end
  return fibl(n - 1) + fibl(n - 2)
end
fib = fibl
`

const fibRecWant = 832040

// 5. onTick: two exponential moving averages in globals; returns 1 when the fast one
// crosses above the slow one, -1 when it crosses below, 0 otherwise. One op = one call.
const onTickJS = `
let fast = 0;
let slow = 0;
let prev = 0;
let started = false;
function onTick(px) {
  if (!started) {
    fast = px;
    slow = px;
    started = true;
    return 0;
  }
  fast += 0.2 * (px - fast);
  slow += 0.05 * (px - slow);
  const d = fast - slow;
  let sig = 0;
  if (prev <= 0 && d > 0) {
    sig = 1;
  } else if (prev >= 0 && d < 0) {
    sig = -1;
  }
  prev = d;
  return sig;
}
`

const onTickLua = `
local fast, slow, prev, started = 0, 0, 0, false
function onTick(px)
  if not started then
    fast, slow, started = px, px, true
    return 0
  end
  fast = fast + 0.2 * (px - fast)
  slow = slow + 0.05 * (px - slow)
  local d = fast - slow
  local sig = 0
  if prev <= 0 and d > 0 then
    sig = 1
  elseif prev >= 0 and d < 0 then
    sig = -1
  end
  prev = d
  return sig
end
`

// tickPrices is a deterministic random walk (steps of ±0..5 cents around 100).
var tickPrices = func() []float64 {
	r := rand.New(rand.NewPCG(42, 7))
	p := make([]float64, 1<<16)
	px := 100.0
	for i := range p {
		px += float64(r.IntN(11)-5) * 0.01
		p[i] = px
	}
	return p
}()

// onTickWant computes, in Go, the signals onTick returns for prices (from a fresh state).
// The float64 conversions keep the compiler from fusing multiply-adds.
func onTickWant(prices []float64) []float64 {
	var fast, slow, prev float64
	out := make([]float64, len(prices))
	for i, px := range prices {
		if i == 0 {
			fast, slow = px, px
			continue
		}
		fast += float64(0.2 * (px - fast))
		slow += float64(0.05 * (px - slow))
		d := fast - slow
		switch {
		case prev <= 0 && d > 0:
			out[i] = 1
		case prev >= 0 && d < 0:
			out[i] = -1
		}
		prev = d
	}
	return out
}

// --- nanotick and gopher-lua harness ---

type nanoEngine struct {
	m *vm.Machine
}

func newNano(tb testing.TB, src string) *nanoEngine {
	tb.Helper()
	prog, err := vm.Compile("bench.js", []byte(src), nil)
	if err != nil {
		tb.Fatalf("compile: %v", err)
	}
	m := prog.NewMachine()
	if err := m.Run(); err != nil {
		tb.Fatalf("run: %v", err)
	}
	return &nanoEngine{m: m}
}

func (e *nanoEngine) fn(tb testing.TB, name string) vm.Func {
	tb.Helper()
	f, ok := e.m.Func(name)
	if !ok {
		tb.Fatalf("no function %s", name)
	}
	return f
}

func (e *nanoEngine) call(tb testing.TB, f vm.Func, args ...float64) float64 {
	var a [2]vm.Value
	for i, x := range args {
		a[i] = vm.Number(x)
	}
	v, err := e.m.Call(f, a[:len(args)]...)
	if err != nil {
		tb.Fatalf("call: %v", err)
	}
	n, ok := v.Number()
	if !ok {
		tb.Fatalf("call returned a non-number")
	}
	return n
}

type luaEngine struct {
	L *lua.LState
}

func newLua(tb testing.TB, src string) *luaEngine {
	tb.Helper()
	L := lua.NewState()
	tb.Cleanup(L.Close)
	if err := L.DoString(src); err != nil {
		tb.Fatalf("lua: %v", err)
	}
	return &luaEngine{L: L}
}

func (e *luaEngine) fn(tb testing.TB, name string) lua.LValue {
	tb.Helper()
	f := e.L.GetGlobal(name)
	if f.Type() != lua.LTFunction {
		tb.Fatalf("no lua function %s", name)
	}
	return f
}

func (e *luaEngine) call(tb testing.TB, f lua.LValue, args ...float64) float64 {
	var a [2]lua.LValue
	for i, x := range args {
		a[i] = lua.LNumber(x)
	}
	if err := e.L.CallByParam(lua.P{Fn: f, NRet: 1, Protect: true}, a[:len(args)]...); err != nil {
		tb.Fatalf("lua call: %v", err)
	}
	ret := e.L.Get(-1)
	e.L.Pop(1)
	n, ok := ret.(lua.LNumber)
	if !ok {
		tb.Fatalf("lua call returned %s", ret.Type())
	}
	return float64(n)
}

// benchCall benchmarks one call of fn() per op in both engines, checking the result.
func benchCall(b *testing.B, jsSrc, luaSrc, fn string, want float64) {
	b.Run("nanotick", func(b *testing.B) {
		e := newNano(b, jsSrc)
		f := e.fn(b, fn)
		if got := e.call(b, f); got != want {
			b.Fatalf("nanotick %s() = %v, want %v", fn, got, want)
		}
		b.ReportAllocs()
		var got float64
		for b.Loop() {
			got = e.call(b, f)
		}
		if got != want {
			b.Fatalf("nanotick %s() = %v, want %v", fn, got, want)
		}
	})
	b.Run("gopherlua", func(b *testing.B) {
		e := newLua(b, luaSrc)
		f := e.fn(b, fn)
		if got := e.call(b, f); got != want {
			b.Fatalf("gopher-lua %s() = %v, want %v", fn, got, want)
		}
		b.ReportAllocs()
		var got float64
		for b.Loop() {
			got = e.call(b, f)
		}
		if got != want {
			b.Fatalf("gopher-lua %s() = %v, want %v", fn, got, want)
		}
	})
}

func BenchmarkFibIter(b *testing.B) {
	benchCall(b, fibIterJS, fibIterLua, "run", fibIterWant)
}

func BenchmarkNestedLoop(b *testing.B) {
	benchCall(b, nestedLoopJS, nestedLoopLua, "run", nestedLoopWant)
}

func BenchmarkSort(b *testing.B) {
	want, _ := sortWant()
	benchCall(b, sortJS, sortLua, "run", want)
}

func BenchmarkFibRec(b *testing.B) {
	b.Run("nanotick", func(b *testing.B) {
		e := newNano(b, fibRecJS)
		f := e.fn(b, "fib")
		if got := e.call(b, f, 30); got != fibRecWant {
			b.Fatalf("nanotick fib(30) = %v, want %v", got, fibRecWant)
		}
		b.ReportAllocs()
		for b.Loop() {
			e.call(b, f, 30)
		}
	})
	b.Run("gopherlua", func(b *testing.B) {
		e := newLua(b, fibRecLua)
		f := e.fn(b, "fib")
		if got := e.call(b, f, 30); got != fibRecWant {
			b.Fatalf("gopher-lua fib(30) = %v, want %v", got, fibRecWant)
		}
		b.ReportAllocs()
		for b.Loop() {
			e.call(b, f, 30)
		}
	})
}

func BenchmarkOnTick(b *testing.B) {
	const mask = 1<<16 - 1
	check := tickPrices[:4096]
	want := onTickWant(check)
	b.Run("nanotick", func(b *testing.B) {
		e := newNano(b, onTickJS)
		f := e.fn(b, "onTick")
		for i, px := range check {
			if got := e.call(b, f, px); got != want[i] {
				b.Fatalf("nanotick onTick #%d = %v, want %v", i, got, want[i])
			}
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			e.call(b, f, tickPrices[i&mask])
			i++
		}
	})
	b.Run("gopherlua", func(b *testing.B) {
		e := newLua(b, onTickLua)
		f := e.fn(b, "onTick")
		for i, px := range check {
			if got := e.call(b, f, px); got != want[i] {
				b.Fatalf("gopher-lua onTick #%d = %v, want %v", i, got, want[i])
			}
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			e.call(b, f, tickPrices[i&mask])
			i++
		}
	})
}

// TestBenchWorkloadsAgree checks that nanotick and gopher-lua compute the same results for
// every workload (and the results Go computes), so the benchmarks compare equal work.
func TestBenchWorkloadsAgree(t *testing.T) {
	type workload struct {
		name      string
		js, lua   string
		fn        string
		args      []float64
		want      float64
		checkFn   string // optional second function, compared between engines
		checkWant float64
	}
	sortRun, sortSum := sortWant()
	workloads := []workload{
		{name: "FibIter", js: fibIterJS, lua: fibIterLua, fn: "run", want: fibIterWant},
		{name: "NestedLoop", js: nestedLoopJS, lua: nestedLoopLua, fn: "run", want: nestedLoopWant},
		{name: "Sort", js: sortJS, lua: sortLua, fn: "run", want: sortRun, checkFn: "checksum", checkWant: sortSum},
		{name: "FibRec", js: fibRecJS, lua: fibRecLua, fn: "fib", args: []float64{30}, want: fibRecWant},
	}
	for _, w := range workloads {
		t.Run(w.name, func(t *testing.T) {
			n := newNano(t, w.js)
			l := newLua(t, w.lua)
			for rep := 0; rep < 2; rep++ { // twice: state left by one op must not change the next
				got := n.call(t, n.fn(t, w.fn), w.args...)
				lgot := l.call(t, l.fn(t, w.fn), w.args...)
				if got != w.want || lgot != w.want {
					t.Fatalf("%s: nanotick %v, gopher-lua %v, want %v", w.fn, got, lgot, w.want)
				}
			}
			if w.checkFn != "" {
				got := n.call(t, n.fn(t, w.checkFn))
				lgot := l.call(t, l.fn(t, w.checkFn))
				if got != lgot || got != w.checkWant {
					t.Fatalf("%s: nanotick %v, gopher-lua %v, Go %v", w.checkFn, got, lgot, w.checkWant)
				}
			}
		})
	}
	// Calls with number arguments and results allocate nothing, and neither do these
	// workloads' scripts: no Go allocation per op (testing.AllocsPerRun).
	t.Run("ZeroAllocs", func(t *testing.T) {
		for _, w := range workloads {
			n := newNano(t, w.js)
			f := n.fn(t, w.fn)
			runs := 20
			if w.name == "FibRec" || w.name == "NestedLoop" || w.name == "Sort" {
				runs = 3
			}
			if a := testing.AllocsPerRun(runs, func() { n.call(t, f, w.args...) }); a != 0 {
				t.Errorf("%s: %v allocations per call, want 0", w.name, a)
			}
		}
		n := newNano(t, onTickJS)
		f := n.fn(t, "onTick")
		i := 0
		if a := testing.AllocsPerRun(10000, func() { n.call(t, f, tickPrices[i&(1<<16-1)]); i++ }); a != 0 {
			t.Errorf("OnTick: %v allocations per call, want 0", a)
		}
	})
	t.Run("OnTick", func(t *testing.T) {
		want := onTickWant(tickPrices)
		n := newNano(t, onTickJS)
		l := newLua(t, onTickLua)
		nf, lf := n.fn(t, "onTick"), l.fn(t, "onTick")
		counts := map[float64]int{}
		for i, px := range tickPrices {
			got := n.call(t, nf, px)
			lgot := l.call(t, lf, px)
			if got != lgot || got != want[i] {
				t.Fatalf("tick %d (price %v): nanotick %v, gopher-lua %v, Go %v", i, px, got, lgot, want[i])
			}
			counts[got]++
		}
		if counts[1] == 0 || counts[-1] == 0 {
			t.Fatalf("price series produced no crossovers (%v): the workload would not exercise both branches", counts)
		}
		t.Logf("%d ticks: %d buy signals, %d sell signals", len(tickPrices), counts[1], counts[-1])
	})
}
