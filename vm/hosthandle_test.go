package vm

import (
	"strings"
	"testing"
)

// A callable host object is called as name(...) and keeps its methods; a handle
// namespace's methods are called as x.ns.method(...) with x's value first, for any x
// that is not a host name, and cost one instruction more than a global namespace's call
// (the load of x). Neither allocates.
func TestHostCallAndHandle(t *testing.T) {
	h := NewHost()
	h.Object("instrument").CallSig(1, 1, func(m *Machine, args []Value) (Value, error) {
		s, _ := m.StringOf(args[0])
		return Number(float64(len(s))), nil
	}).Method("tickSize", func(*Machine, []Value) (Value, error) { return Number(0.01), nil })
	var got []float64
	h.Object("book").Method("mid", func(_ *Machine, args []Value) (Value, error) {
		return Number(float64(100 + len(args))), nil
	})
	h.Handle("Instrument", "book").MethodSig("mid", 0, 1, func(_ *Machine, args []Value) (Value, error) {
		x, err := NumberArg(args, 0)
		if err != nil {
			return Undefined, err
		}
		got = append(got[:0], x)
		for _, a := range args[1:] {
			f, _ := a.Number()
			got = append(got, f)
		}
		return Number(x * 1000), nil
	})
	p := mustCompile(t, `
const a = instrument("ab");
const b = instrument("abcd");
function global() { return book.mid(); }
function handle() { return b.book.mid(); }
function arg(inst) { return inst.book.mid(7); }
function tick() { return instrument.tickSize(); }
`, h)
	m := mustRun(t, p)
	call := func(name string, args ...Value) float64 {
		t.Helper()
		f, ok := m.Func(name)
		if !ok {
			t.Fatalf("no %s", name)
		}
		r, err := m.Call(f, args...)
		if err != nil {
			t.Fatal(err)
		}
		n, _ := r.Number()
		return n
	}
	if v := call("global"); v != 100 {
		t.Errorf("book.mid() = %v", v)
	}
	if v := call("handle"); v != 4000 || len(got) != 1 || got[0] != 4 {
		t.Errorf("b.book.mid() = %v with args %v; want 4000 with [4]", v, got)
	}
	if v := call("arg", Number(2)); v != 2000 || len(got) != 2 || got[1] != 7 {
		t.Errorf("inst.book.mid(7) = %v with args %v", v, got)
	}
	if v := call("tick"); v != 0.01 {
		t.Errorf("instrument.tickSize() = %v", v)
	}
	f, _ := m.Func("arg")
	if allocs := testing.AllocsPerRun(500, func() { _, _ = m.Call(f, Number(2)) }); allocs != 0 {
		t.Errorf("a handle call allocates %v times", allocs)
	}
	// The handle form is the global form plus the load of the handle.
	dis := p.Disassemble()
	count := func(fn string) int {
		n, in := 0, false
		for _, line := range strings.Split(dis, "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "func ") {
				in = strings.HasPrefix(strings.TrimSpace(line), "func "+fn+" ")
				continue
			}
			if in && strings.TrimSpace(line) != "" {
				n++
			}
		}
		return n
	}
	if g, hd := count("global"), count("handle"); hd != g+1 {
		t.Errorf("book.mid() is %d instructions, b.book.mid() %d: want one more\n%s", g, hd, dis)
	}
	names := strings.Join(h.Names(), " ")
	for _, want := range []string{"instrument ", "instrument.tickSize", "Instrument.book.mid", "book.mid"} {
		if !strings.Contains(names+" ", want) {
			t.Errorf("Names() lacks %q: %s", want, names)
		}
	}
	for src, want := range map[string]string{
		`const x = instrument();`:             "instrument takes 1 argument(s), not 0",
		`function f(x) { x.book.mid(1, 2); }`: "Instrument.book.mid takes 0 to 1 argument(s), not 2",
		`const x = book();`:                   "cannot be used as a value",
	} {
		if _, err := Compile("x.js", []byte(src), h); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", src, err, want)
		}
	}
}
