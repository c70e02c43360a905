package script_test

import (
	"strings"
	"testing"

	"github.com/nanotick/nanotick/strategy/script"
	"github.com/nanotick/nanotick/vm"
)

// FuzzCompileOrderChecks compiles arbitrary scripts with the whole strategy API, so that
// the compile-time order checks (constant folding of flags, receiver literals) meet
// every shape of call: a compile error is fine, an internal compiler error (a recovered
// panic) is not.
func FuzzCompileOrderChecks(f *testing.F) {
	for _, s := range []string{
		`const s = instrument("binance-spot:BTCUSDT"); function onBook(i) { s.orders.buy(1, 1, REDUCE_ONLY); }`,
		`const F = ~~(POST_ONLY | IOC) * 1 - 0; function onBook() { orders.sell(1, 1, F); orders.modify(1, 2, 3); }`,
		`const a = b, b = a; function onBook() { orders.buy(1, 1, a); }`,
		`const x = instrument(instrument); function onBook(i) { x.orders.replace(1, 2, 3, -1e309); }`,
		`function onBook() { orders.buy(1, 1, 1e300 | NaN); orders.buy(); (orders).buy(1,1,(((FOK)))); }`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		_, err := script.Compile("f.js", []byte(src), script.Options{})
		if err == nil {
			return
		}
		if strings.Contains(err.Error(), "internal compiler error") {
			t.Fatalf("%q: %v", src, err)
		}
		if _, ok := err.(vm.ErrorList); !ok && !strings.Contains(err.Error(), "defines none of") {
			t.Fatalf("%q: error of type %T: %v", src, err, err)
		}
	})
}
