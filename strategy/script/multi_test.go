package script_test

import (
	"bytes"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/internal/enginetest"
	"github.com/nanotick/nanotick/strategy"
	"github.com/nanotick/nanotick/strategy/script"
	"github.com/nanotick/nanotick/vm"
)

// pairJS quotes one lot on spot 20 ticks under the perp's mid whenever the perp's book
// changes, hedges with an IOC sell on the perp every 200th spot book event, and counts
// every callback whose instrument does not match what it is about (wrong must stay 0).
const pairJS = `
const spot = instrument("binance-spot:BTCUSDT");
const perp = instrument("binance-usdm:BTCUSDT");
let bid = 0, spotBooks = 0, perpBooks = 0, trades = 0, wrong = 0, updates = 0;
function onBook(inst) {
  if (inst === spot) {
    spotBooks++;
    if (spotBooks % 200 === 0 && perp.book.valid()) {
      perp.orders.sell(perp.book.bidPrice(), 5 * perp.rules.lotSize(), IOC);
    }
    return;
  }
  if (inst !== perp) { wrong++; return; }
  perpBooks++;
  if (!spot.book.valid() || !inst.book.valid()) return;
  const tick = spot.rules.tickSize();
  const target = Math.min(inst.book.mid() - 20 * tick, spot.book.askPrice() - tick);
  if (spot.orders.isOpen(bid) && Math.abs(spot.orders.price(bid) - target) <= 5 * tick) return;
  if (spot.orders.isOpen(bid)) spot.orders.cancel(bid);
  bid = spot.orders.buy(target, 0.001, POST_ONLY);
}
function onTrade(inst, t) {
  trades++;
  if (t.instrument !== inst) wrong++;
}
function onOrder(u) {
  updates++;
  if (u.instrument !== spot && u.instrument !== perp) wrong++;
  if (u.instrument === perp && perp.orders.isOpen(u.orderId) !== (u.status === "accepted" || u.status === "acknowledged")) wrong++;
}
`

func global(t *testing.T, s *script.Strategy, name string) float64 {
	t.Helper()
	v, ok := s.Machine().Global(name)
	if !ok {
		t.Fatalf("no global %s", name)
	}
	n, _ := v.Number()
	return n
}

// TestTwoInstrumentScript runs pairJS over the spot and USD-M recordings merged by
// receive time: callbacks get the instrument they are about, orders go out on both
// instruments, and the second pass over the day allocates nothing.
func TestTwoInstrumentScript(t *testing.T) {
	spotFrames := enginetest.LoadFrames(t, enginetest.SpotFile)
	perpFrames := enginetest.LoadFrames(t, enginetest.USDMFile)
	frames := enginetest.Merge(spotFrames, perpFrames)
	s, err := script.Compile("pair.js", []byte(pairJS), script.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e, v := enginetest.NewEngineWith(t, enginetest.PairConfig(), s)
	if err := e.Start(frames[0].Local); err != nil {
		t.Fatal(err)
	}
	replay := func(shift int64) {
		for _, f := range frames {
			if err := e.OnFrameAt(f.Instrument, f.Data, f.Local+shift); err != nil {
				t.Fatal(err)
			}
			v.Answer(f.Local + shift)
		}
	}
	replay(0)
	if err := e.Halted(); err != nil {
		t.Fatal(err)
	}
	if w := global(t, s, "wrong"); w != 0 {
		t.Errorf("%v callbacks got the wrong instrument", w)
	}
	if global(t, s, "spotBooks") == 0 || global(t, s, "perpBooks") == 0 || global(t, s, "trades") == 0 {
		t.Errorf("books %v spot, %v perp, %v trades", global(t, s, "spotBooks"), global(t, s, "perpBooks"), global(t, s, "trades"))
	}
	if len(v.ByInstrument) != 2 || v.ByInstrument[0] == 0 || v.ByInstrument[1] == 0 || v.BadBook != 0 {
		t.Fatalf("orders by instrument %v, %d from an invalid book", v.ByInstrument, v.BadBook)
	}
	placed := v.Placed
	for i := range 2 {
		e.FeedAt(instrument.Index(i)).Reset()
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	replay(enginetest.Span(spotFrames) + enginetest.Span(perpFrames))
	runtime.ReadMemStats(&after)
	enginetest.CheckSteadyState(t, &before, &after, len(frames))
	if v.Placed == placed {
		t.Error("no orders in the measured pass")
	}

	// One callback of each instrument, as the engine makes it, allocates nothing.
	ctx := e.Context()
	now := frames[len(frames)-1].Local
	for i := range 2 {
		mk := ctx.MarketAt(instrument.Index(i))
		allocs := testing.AllocsPerRun(1000, func() {
			ctx.Begin(now)
			ctx.SetEvent(mk)
			if err := s.OnBook(ctx); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("onBook of instrument %d allocates %v times", i, allocs)
		}
	}
	tr := strategy.Trade{Price: 60000, Qty: 0.1, Instrument: 1}
	if allocs := testing.AllocsPerRun(1000, func() {
		ctx.Begin(now)
		if err := s.OnTrade(ctx, &tr); err != nil {
			t.Fatal(err)
		}
	}); allocs != 0 {
		t.Errorf("onTrade allocates %v times", allocs)
	}
}

// TestUnboundScriptSeesDefaultInstrument runs a script that binds nothing on a
// two-instrument engine: its globals and callbacks are the default instrument's, as on a
// one-instrument engine.
func TestUnboundScriptSeesDefaultInstrument(t *testing.T) {
	src := `let books = 0, trades = 0, bad = 0;
function onBook() { books++; if (instrument.name() !== "binance-spot:BTCUSDT") bad++; }
function onTrade(t) { trades++; if (t.instrument !== 1 || t.price < 1000) bad++; }`
	s, err := script.Compile("one.js", []byte(src), script.Options{})
	if err != nil {
		t.Fatal(err)
	}
	frames := enginetest.Merge(enginetest.LoadFrames(t, enginetest.SpotFile), enginetest.LoadFrames(t, enginetest.USDMFile))
	e, v := enginetest.NewEngineWith(t, enginetest.PairConfig(), s)
	if err := e.Start(frames[0].Local); err != nil {
		t.Fatal(err)
	}
	spotBooks, spotTrades := 0, 0
	for _, f := range frames {
		before := e.Counters()
		if err := e.OnFrameAt(f.Instrument, f.Data, f.Local); err != nil {
			t.Fatal(err)
		}
		v.Answer(f.Local)
		after := e.Counters()
		if f.Instrument == 0 {
			spotTrades += int(after.Trades - before.Trades)
			if after.BookUpdates > before.BookUpdates {
				spotBooks++
			}
		}
	}
	if global(t, s, "bad") != 0 || int(global(t, s, "trades")) != spotTrades || global(t, s, "books") == 0 || int(global(t, s, "books")) > spotBooks+1 {
		t.Errorf("books %v (spot book events %d), trades %v (spot %d), bad %v",
			global(t, s, "books"), spotBooks, global(t, s, "trades"), spotTrades, global(t, s, "bad"))
	}
}

func TestInstrumentErrors(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"unknown", `const k = instrument("kraken:BTC/USD"); function onBook(i) {}`, "kraken:BTC/USD is not configured (configured: binance-spot:BTCUSDT, binance-usdm:BTCUSDT)"},
		{"bad name", `const n = "BTC" + "USDT"; const k = instrument(n); function onBook(i) {}`, "venue:SYMBOL"},
		{"not a string", `const k = instrument(1); function onBook(i) {}`, "must be the instrument's name"},
	} {
		s, err := script.Compile(tc.name+".js", []byte(tc.src), script.Options{})
		if err != nil {
			t.Fatal(err)
		}
		e, _ := enginetest.NewEngineWith(t, enginetest.PairConfig(), s)
		if err := e.Start(1); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Start = %v, want %q", tc.name, err, tc.want)
		}
	}
	// In a callback, and on something that is not a handle: runtime errors that halt.
	for _, tc := range []struct{ src, want string }{
		{`function onTimer() { instrument("binance-spot:BTCUSDT"); }`, "top level"},
		{`const o = {book: 1}; function onTimer() { const x = 7; x.book.mid(); }`, "number is not an instrument handle"},
	} {
		s, err := script.Compile("cb.js", []byte(tc.src), script.Options{})
		if err != nil {
			t.Fatal(err)
		}
		e, _ := enginetest.NewEngineWith(t, enginetest.PairConfig(), s)
		if err := e.Start(1); err != nil {
			t.Fatal(err)
		}
		e.OnClock(int64(2e9))
		if err := e.Halted(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: halted = %v, want %q", tc.src, err, tc.want)
		}
	}
	// A one-instrument engine binds its own instrument by name.
	s, _ := script.Compile("own.js", []byte(`const s = instrument("binance-spot:BTCUSDT"); let n = 0; function onBook(i) { if (i === s) n++; }`), script.Options{})
	e, _ := enginetest.NewEngineWith(t, enginetest.SpotConfig(), s)
	if err := e.Start(1); err != nil {
		t.Fatal(err)
	}
}

func TestEvalBindsInstruments(t *testing.T) {
	var out, errOut bytes.Buffer
	src := `const perp = instrument("binance-usdm:BTCUSDT"); console.log(typeof perp);`
	if err := script.RunTopLevel("e.js", []byte(src), &out, &errOut); err != nil || strings.TrimSpace(out.String()) != "number" {
		t.Errorf("eval: %v, %q", err, out.String())
	}
	if err := script.RunTopLevel("e.js", []byte(`instrument("nope")`), &out, &errOut); err == nil || !strings.Contains(err.Error(), "venue:SYMBOL") {
		t.Errorf("eval of a bad name: %v", err)
	}
}

// A literal instrument name is checked when the script compiles, so nanotick vet and a
// start both report a bad one at its position.
func TestInstrumentNameCompileError(t *testing.T) {
	for src, want := range map[string]string{
		`const a = instrument("BTCUSDT"); function onBook(i) {}`:       `x.js:1:22: instrument: instrument name must be "venue:SYMBOL", got "BTCUSDT"`,
		`const a = instrument("bitmex:XBTUSD"); function onBook(i) {}`: `unknown venue "bitmex" (venues: binance-spot, binance-usdm, bybit-spot, bybit-linear, kraken, sim)`,
	} {
		if _, err := script.Compile("x.js", []byte(src), script.Options{}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", src, err, want)
		}
	}
	if _, err := script.Compile("x.js", []byte(`const a = instrument("kraken:BTC/USD"); function onBook(i) {}`), script.Options{}); err != nil {
		t.Errorf("a good name: %v", err)
	}
}

// On a one-instrument engine configured the old way (Venue, Instrument, Rules), the
// instrument still has its full name and binds by it.
func TestSingleInstrumentName(t *testing.T) {
	src := `const me = instrument("binance-usdm:BTCUSDT"); let name = "", same = false;
function onTimer() { name = instrument.name(); same = me.rules.name() === name; }`
	s, err := script.Compile("n.js", []byte(src), script.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := enginetest.USDMConfig()
	e, _ := enginetest.NewEngineWith(t, cfg, s)
	if err := e.Start(1); err != nil {
		t.Fatal(err)
	}
	e.OnClock(int64(2 * time.Second))
	v, _ := s.Machine().Global("name")
	name, _ := s.Machine().StringOf(v)
	same, _ := s.Machine().Global("same")
	if name != "binance-usdm:BTCUSDT" || same != vm.Bool(true) {
		t.Errorf("name %q, handle's name the same: %v", name, same)
	}
	s2, _ := script.Compile("n.js", []byte(src), script.Options{})
	e, _ = enginetest.NewEngineWith(t, enginetest.SpotConfig(), s2)
	if err := e.Start(1); err == nil || !strings.Contains(err.Error(), "binance-usdm:BTCUSDT is not configured (configured: binance-spot:BTCUSDT)") {
		t.Errorf("binding another venue's instrument: %v", err)
	}
}
