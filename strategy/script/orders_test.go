package script_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/nanotick/nanotick/engine"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/internal/enginetest"
	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/risk"
	"github.com/nanotick/nanotick/strategy"
	"github.com/nanotick/nanotick/strategy/script"
	"github.com/nanotick/nanotick/vm"
)

// TestOrderOptionsCompileErrors: an option the venue of a literal handle lacks, or flags
// no venue accepts, is a compile error at the flags argument (what nanotick vet prints).
func TestOrderOptionsCompileErrors(t *testing.T) {
	const spot = `const spot = instrument("binance-spot:BTCUSDT");
const perp = instrument("binance-usdm:BTCUSDT");
const kr = instrument("kraken:BTC/USD");
`
	for _, tc := range []struct{ name, body, want string }{
		{"reduce-only on spot", `function onBook(i) { spot.orders.sell(1, 1, REDUCE_ONLY); }`,
			"o.js:4:45: Instrument.orders.sell: order option not offered by the venue: binance-spot has no REDUCE_ONLY orders (it offers: POST_ONLY|IOC|FOK)"},
		{"modify on spot", `function onBook(i) { spot.orders.modify(7, 1, 1); }`,
			"o.js:4:40: Instrument.orders.modify: order option not offered by the venue: binance-spot has no modify orders"},
		{"FOK on kraken, through a const", `const F = FOK | REDUCE_ONLY;
function onBook(i) { kr.orders.buy(1, 1, F); }`, "o.js:5:42: Instrument.orders.buy: order option not offered by the venue: kraken has no FOK|REDUCE_ONLY orders"},
		{"two times in force, global", `function onBook() { orders.buy(1, 1, POST_ONLY | IOC); }`,
			"o.js:4:48: orders.buy: POST_ONLY|IOC: at most one of POST_ONLY, IOC and FOK"},
		{"unknown bits", `function onBook(i) { perp.orders.buy(1, 1, 64); }`,
			"o.js:4:44: Instrument.orders.buy: flags must be 0 or POST_ONLY, IOC, FOK and REDUCE_ONLY combined with |, got 64"},
		{"replace flags", `function onBook(i) { spot.orders.replace(3, 1, 1, REDUCE_ONLY); }`,
			"o.js:4:51: Instrument.orders.replace: order option not offered by the venue: binance-spot has no REDUCE_ONLY"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := script.Compile("o.js", []byte(spot+tc.body), script.Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error:\n%v\nwant it to contain:\n%s", err, tc.want)
			}
		})
	}
	// What each venue offers compiles.
	ok := spot + `function onBook(i) {
  perp.orders.sell(1, 1, REDUCE_ONLY | POST_ONLY); perp.orders.buy(1, 1, FOK | REDUCE_ONLY); perp.orders.modify(1, 2, 3);
  spot.orders.buy(1, 1, POST_ONLY); spot.orders.buy(1, 1, FOK); spot.orders.sell(1, 1, IOC);
  kr.orders.buy(1, 1, IOC); kr.orders.modify(1, 2, 3); orders.buy(1, 1, REDUCE_ONLY);
}`
	if _, err := script.Compile("o.js", []byte(ok), script.Options{}); err != nil {
		t.Fatal(err)
	}
	// vet's host (no engine) checks the same.
	if _, err := vm.Compile("o.js", []byte(spot+`function onBook(i) { spot.orders.buy(1, 1, REDUCE_ONLY); }`), script.NewHost()); err == nil ||
		!strings.Contains(err.Error(), "o.js:4:44: Instrument.orders.buy: order option not offered by the venue: binance-spot has no REDUCE_ONLY") {
		t.Fatalf("vet's host: %v", err)
	}
}

// modifyingVenue is enginetest's venue with modify: it records modifies and confirms them
// on Answer.
type modifyingVenue struct {
	*enginetest.Venue
	modified []risk.Order
}

func (v *modifyingVenue) Modify(id uint64, side orderbook.Side, price, qty, now int64) error {
	v.modified = append(v.modified, risk.Order{ID: id, Side: side, Price: price, Qty: qty})
	return nil
}

func pairEngine(t *testing.T, s strategy.Strategy, modifier bool) (*engine.Engine, *modifyingVenue) {
	t.Helper()
	v := &modifyingVenue{Venue: enginetest.NewVenue(), modified: make([]risk.Order, 0, 4096)}
	var gw engine.Gateway = v.Venue
	if modifier {
		gw = v
	}
	cfg := enginetest.PairConfig()
	cfg.NewFeed = nil
	e, err := engine.New(cfg, s, gw)
	if err != nil {
		t.Fatal(err)
	}
	v.E = e
	return e, v
}

// TestOrderOptionsBindErrors: calls the compiler cannot place on a venue (the global
// namespace means the engine's default instrument) are checked when the script is bound,
// with their position, before its top level runs.
func TestOrderOptionsBindErrors(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		modifier  bool
		want      string
	}{
		{"global reduce-only on a spot default", `let ran = 0; ran = 1;
function onBook() { orders.sell(1, 1, REDUCE_ONLY); }`, true,
			"b.js:2:39: orders.sell: instrument binance-spot:BTCUSDT: order option not offered by the venue: binance-spot has no REDUCE_ONLY orders"},
		{"global modify on a spot default", `function onBook() { orders.modify(1, 2, 3); }`, true,
			"b.js:1:34: orders.modify: instrument binance-spot:BTCUSDT: order option not offered by the venue: binance-spot has no modify orders"},
		{"modify without a Modifier gateway", `const perp = instrument("binance-usdm:BTCUSDT");
function onBook(i) { perp.orders.modify(1, 2, 3); }`, false,
			"b.js:2:40: Instrument.orders.modify: instrument binance-usdm:BTCUSDT: order option not offered by the venue: binance-usdm modifies orders, but this engine's gateway for it does not (it does not implement engine.Modifier)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := script.Compile("b.js", []byte(tc.src), script.Options{})
			if err != nil {
				t.Fatal(err)
			}
			e, _ := pairEngine(t, s, tc.modifier)
			err = e.Start(t0())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Start: %v\nwant: %s", err, tc.want)
			}
			var ve *vm.Error
			if !errors.As(err, &ve) || ve.Line == 0 {
				t.Fatalf("not a positioned script error: %#v", err)
			}
			if v, ok := s.Machine().Global("ran"); ok && !v.IsUndefined() {
				if n, _ := v.Number(); n == 1 {
					t.Fatal("the top level ran before the check")
				}
			}
		})
	}
	// The same calls bind on a default and a gateway that have them.
	s, err := script.Compile("b.js", []byte(`const perp = instrument("binance-usdm:BTCUSDT");
function onBook(i) { perp.orders.modify(1, 2, 3); perp.orders.sell(1, 1, REDUCE_ONLY); }`), script.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e, _ := pairEngine(t, s, true)
	if err := e.Start(t0()); err != nil {
		t.Fatal(err)
	}
}

func t0() int64 { return 1_795_698_000_000_000_000 }

// setBook gives instrument i a one-level book and tells the engine.
func setBook(e *engine.Engine, i instrument.Index, bid, ask, qty int64, now int64) {
	b := e.BookAt(i)
	b.Clear()
	b.Set(orderbook.Bid, bid, qty)
	b.Set(orderbook.Ask, ask, qty)
	b.SetSynced(true)
	b.SetUpdate(1, now, now)
	e.OnBookUpdatedAt(i, 2, now)
}

// TestOrderOptionsRunTime: flags the compiler cannot see are checked on every order; a
// flag the venue lacks is a script error at the call, and nothing is sent.
func TestOrderOptionsRunTime(t *testing.T) {
	src := `const spot = instrument("binance-spot:BTCUSDT");
let f = 0;
function onBook(i) { f = f + REDUCE_ONLY; spot.orders.sell(60001, 0.001, f); }`
	s, err := script.Compile("r.js", []byte(src), script.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e, v := pairEngine(t, s, true)
	if err := e.Start(t0()); err != nil {
		t.Fatal(err)
	}
	setBook(e, 0, 6_000_000_000_000, 6_000_010_000_000, 100_000_000, t0()+1)
	err = e.Halted()
	if err == nil || !strings.Contains(err.Error(), "r.js:3:59") || !strings.Contains(err.Error(), "binance-spot has no REDUCE_ONLY orders") {
		t.Fatalf("halted with %v", err)
	}
	if v.Placed != 0 {
		t.Fatalf("%d orders sent", v.Placed)
	}
}

// TestScriptOrderKindsAllocateNothing: a script placing each kind of order on the perp,
// and modifying its working order, allocates nothing per callback.
func TestScriptOrderKindsAllocateNothing(t *testing.T) {
	src := `const perp = instrument("binance-usdm:BTCUSDT");
const kinds = [0, POST_ONLY, IOC, FOK, REDUCE_ONLY, POST_ONLY | REDUCE_ONLY];
let n = 0, id = 0, modifies = 0;
function onBook(i) {
  n++;
  if (i !== perp) return;
  if (n % 2 === 0 && perp.orders.isOpen(id)) {
    if (perp.orders.modify(id, 59990 + (n % 7) / 10, 0.004 + (n % 3) / 1000)) modifies++;
    return;
  }
  perp.orders.cancelAll();
  id = perp.orders.buy(59990 - (n % 50) / 10, 0.005, kinds[n % kinds.length]);
}`
	s, err := script.Compile("k.js", []byte(src), script.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e, v := pairEngine(t, s, true)
	now := t0()
	if err := e.Start(now); err != nil {
		t.Fatal(err)
	}
	step := func() {
		now += 1_000_000_000
		setBook(e, 1, 6_000_000, 6_000_010, 1000, now)
		v.Answer(now)
		for _, o := range v.modified {
			e.OnModified(o.ID, o.Price, o.Qty, now)
		}
		v.modified = v.modified[:0]
	}
	for range 50 {
		step()
	}
	if n := testing.AllocsPerRun(500, step); n != 0 {
		t.Errorf("%v allocations per callback", n)
	}
	if err := e.Halted(); err != nil {
		t.Fatal(err)
	}
	if v.Placed < 100 || global(t, s, "modifies") < 100 {
		t.Fatalf("placed %d, modified %v: the script did not trade", v.Placed, global(t, s, "modifies"))
	}
}
