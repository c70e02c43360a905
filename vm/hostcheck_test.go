package vm

import (
	"errors"
	"strings"
	"testing"
)

// TestCheckCallAddsNoCode: a host call with a call check compiles to exactly the
// bytecode of the same call without one (the check lives in the compiler's side table),
// sees the receiver's literal and the constant arguments, and its error is a compile
// error at the argument it names.
func TestCheckCallAddsNoCode(t *testing.T) {
	src := `
const F = 2 | 8;
const x = instrument("venue:X");
function onBook(i, flags) {
  book.buy(1, 2, F);
  x.book.buy(1, 2, 4);
  x.book.buy(1, 2, flags);
  i.book.buy(1, 2, 1);
}
`
	fn := func(*Machine, []Value) (Value, error) { return Number(1), nil }
	host := func(check CallCheck) *Host {
		h := NewHost()
		h.Object("instrument").CallSig(1, 1, fn)
		g, hd := h.Object("book").Method("buy", fn), h.Handle("Instrument", "book").Method("buy", fn)
		if check != nil {
			g.CheckCall("buy", check)
			hd.CheckCall("buy", check)
		}
		return h
	}
	var sites []string
	checked := mustCompile(t, src, host(func(s *CallSite) (int, error) {
		a := s.Args[2]
		sites = append(sites, s.Name+" "+s.Receiver+" "+map[bool]string{true: "known", false: "unknown"}[a.Known]+" "+
			string(rune('0'+int(a.Num))))
		return -1, nil
	}))
	plain := mustCompile(t, src, host(nil))
	if a, b := checked.Disassemble(), plain.Disassemble(); a != b {
		t.Fatalf("a checked call compiles differently:\n%s\nunchecked:\n%s", a, b)
	}
	want := "book.buy  known :|Instrument.book.buy venue:X known 4|Instrument.book.buy venue:X unknown 0|Instrument.book.buy  known 1"
	if got := strings.Join(sites, "|"); got != want {
		t.Fatalf("sites %q\nwant  %q", got, want)
	}
	if n := len(checked.CallSites()); n != 4 {
		t.Fatalf("%d call sites kept", n)
	}
	_, err := Compile("c.js", []byte(src), host(func(s *CallSite) (int, error) {
		if s.Receiver == "venue:X" && s.Args[2].Known && s.Args[2].Num == 4 {
			return 2, errors.New("no such option")
		}
		return -1, nil
	}))
	if err == nil || !strings.Contains(err.Error(), "c.js:6:20: Instrument.book.buy: no such option") {
		t.Fatalf("error %v", err)
	}
}
