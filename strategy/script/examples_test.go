package script_test

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/nanotick/nanotick/engine"
	"github.com/nanotick/nanotick/examples/strategies/marketmaker"
	"github.com/nanotick/nanotick/internal/enginetest"
	"github.com/nanotick/nanotick/risk"
	"github.com/nanotick/nanotick/strategy"
	"github.com/nanotick/nanotick/strategy/script"
	"github.com/nanotick/nanotick/vm"
)

func examplePath(name string) string {
	return filepath.Join("..", "..", "examples", "strategies", name)
}

func load(t testing.TB, name string) *script.Strategy {
	t.Helper()
	s, err := script.Load(examplePath(name), script.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// requests replays the spot day through strat and returns every request the venue
// encoded, in order.
func requests(t *testing.T, strat strategy.Strategy, frames []enginetest.Frame) ([]string, *engine.Engine) {
	e, v := enginetest.NewEngine(t, strat)
	var reqs []string
	v.Log = func(req []byte) { reqs = append(reqs, string(req)) }
	enginetest.Replay(t, e, v, frames)
	if e.Halted() != nil {
		t.Fatalf("strategy halted: %v", e.Halted())
	}
	if v.BadBook != 0 {
		t.Errorf("%d orders left from an invalid book", v.BadBook)
	}
	return reqs, e
}

// TestMarketMakerScriptMatchesGo replays the recorded day through the JavaScript market
// maker and its Go twin: every order and cancel they send must be the same, byte for byte.
func TestMarketMakerScriptMatchesGo(t *testing.T) {
	frames := enginetest.LoadFrames(t, enginetest.SpotFile)
	goReqs, _ := requests(t, marketmaker.New(), frames)
	jsReqs, e := requests(t, load(t, "market_maker.js"), frames)
	t.Logf("go sent %d requests, js %d; engine %+v", len(goReqs), len(jsReqs), e.Counters())
	if len(goReqs) < 100 {
		t.Fatalf("the Go market maker sent only %d requests: the comparison would prove little", len(goReqs))
	}
	for i := range min(len(goReqs), len(jsReqs)) {
		if goReqs[i] != jsReqs[i] {
			t.Fatalf("request %d differs:\n go %s\n js %s", i, goReqs[i], jsReqs[i])
		}
	}
	if len(goReqs) != len(jsReqs) {
		t.Fatalf("go sent %d requests, js %d", len(goReqs), len(jsReqs))
	}
}

func TestImbalanceTakerOnRealData(t *testing.T) {
	frames := enginetest.LoadFrames(t, enginetest.SpotFile)
	reqs, e := requests(t, load(t, "imbalance_taker.js"), frames)
	t.Logf("imbalance taker: %d requests, engine %+v", len(reqs), e.Counters())
	if len(reqs) == 0 {
		t.Fatal("the imbalance taker never traded on a whole day of data")
	}
	for _, r := range reqs {
		if !strings.Contains(r, `"timeInForce":"IOC"`) {
			t.Fatalf("the taker sent a non-IOC request: %s", r)
		}
	}
}

// TestNoGCAfterWarmupScript replays the day twice through the JavaScript market maker:
// after the first pass, the second must not allocate, so the Go GC never runs.
func TestNoGCAfterWarmupScript(t *testing.T) {
	frames := enginetest.LoadFrames(t, enginetest.SpotFile)
	e, v := enginetest.NewEngine(t, load(t, "market_maker.js"))
	enginetest.Replay(t, e, v, frames)
	placed := v.Placed
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	enginetest.ReplayAgain(t, e, v, frames, 1)
	runtime.ReadMemStats(&after)
	enginetest.CheckSteadyState(t, &before, &after, len(frames))
	if v.Placed == placed || e.Halted() != nil {
		t.Errorf("measured pass placed %d orders, halted %v", v.Placed-placed, e.Halted())
	}
}

func TestRuntimeErrorHaltsWithPosition(t *testing.T) {
	src := `
let n = 0;
function onBook() {
  if (!book.valid()) return;
  n++;
  if (orders.count() === 0) orders.buy(book.bidPrice(), 0.001, POST_ONLY);
  if (n === 50) explode(undefined);
}
function explode(x) {
  return x + 1;
}
`
	s, err := script.Compile("boom.js", []byte(src), script.Options{})
	if err != nil {
		t.Fatal(err)
	}
	frames := enginetest.LoadFrames(t, enginetest.SpotFile)
	e, v := enginetest.NewEngine(t, s)
	enginetest.Replay(t, e, v, frames)
	err = e.Halted()
	var verr *vm.Error
	if !errors.As(err, &verr) {
		t.Fatalf("Halted() = %v, want a *vm.Error", err)
	}
	if verr.File != "boom.js" || verr.Line != 10 {
		t.Errorf("error at %s:%d:%d, want boom.js:10: %v", verr.File, verr.Line, verr.Col, err)
	}
	if msg := err.Error(); !strings.Contains(msg, "explode") || !strings.Contains(msg, "onBook") {
		t.Errorf("error lacks the script stack trace:\n%s", msg)
	}
	if v.Placed == 0 || v.Cancelled == 0 || e.Risk().Working() != 0 {
		t.Errorf("placed %d, cancelled %d, still working %d: orders not cancelled on halt", v.Placed, v.Cancelled, e.Risk().Working())
	}
	if e.Counters().BookUpdates < 3000 {
		t.Errorf("engine stopped after the strategy halted: %d book updates", e.Counters().BookUpdates)
	}
}

func TestRunawayLoopHitsBudget(t *testing.T) {
	src := "function onBook() { if (book.valid()) { while (true) {} } }\n"
	s, err := script.Compile("spin.js", []byte(src), script.Options{Steps: 100_000})
	if err != nil {
		t.Fatal(err)
	}
	frames := enginetest.LoadFrames(t, enginetest.SpotFile)
	e, v := enginetest.NewEngine(t, s)
	enginetest.Replay(t, e, v, frames[:5000])
	if err := e.Halted(); err == nil || !strings.Contains(err.Error(), "budget") {
		t.Fatalf("Halted() = %v, want an instruction budget error", err)
	}
}

func TestParams(t *testing.T) {
	src := `const size = param("size", 0.001);
const spread = param("spreadBps", 2);
function onTimer() { log.info("size", size, "spread", spread); }
`
	cfg := enginetest.SpotConfig()
	cfg.Params = strategy.Params{"size": 0.005}
	s, err := script.Compile("p.js", []byte(src), script.Options{})
	if err != nil {
		t.Fatal(err)
	}
	v := enginetest.NewVenue()
	e, err := engine.New(cfg, s, v)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(0); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Machine().Global("size")
	if n, _ := got.Number(); n != 0.005 {
		t.Errorf("size = %v, want the config's 0.005", n)
	}
	got, _ = s.Machine().Global("spread")
	if n, _ := got.Number(); n != 2 {
		t.Errorf("spreadBps = %v, want the default 2", n)
	}

	// A config parameter the script does not declare is a start error naming it.
	cfg.Params = strategy.Params{"sise": 0.005}
	s, _ = script.Compile("p.js", []byte(src), script.Options{})
	e, _ = engine.New(cfg, s, enginetest.NewVenue())
	if err := e.Start(0); err == nil || !strings.Contains(err.Error(), `"sise"`) {
		t.Errorf("Start with a misspelt parameter: err = %v", err)
	}

	// param inside a callback is refused.
	s, _ = script.Compile("late.js", []byte(`function onTimer() { param("x", 1); }`), script.Options{})
	cfg.Params = nil
	e, _ = engine.New(cfg, s, enginetest.NewVenue())
	if err := e.Start(0); err != nil {
		t.Fatal(err)
	}
	e.OnClock(int64(2e9))
	if err := e.Halted(); err == nil || !strings.Contains(err.Error(), "top level") {
		t.Errorf("param in a callback: halted = %v", err)
	}
}

// TestOnOrderSeesRejectionReason checks that a risk rejection reaches onOrder with its
// reason code as a string.
func TestOnOrderSeesRejectionReason(t *testing.T) {
	src := `
let sent = false;
let seen = "";
function onBook() {
  if (!book.valid() || sent) return;
  sent = true;
  orders.buy(book.bidPrice() * 0.5, 0.001);  // far outside the price band
}
function onOrder(u) { seen = u.status + ":" + u.reason; }
`
	s, err := script.Compile("band.js", []byte(src), script.Options{})
	if err != nil {
		t.Fatal(err)
	}
	frames := enginetest.LoadFrames(t, enginetest.SpotFile)
	e, v := enginetest.NewEngine(t, s)
	enginetest.Replay(t, e, v, frames[:3000])
	got, _ := s.Machine().Global("seen")
	str, _ := s.Machine().StringOf(got)
	want := "rejected:" + risk.ReasonPriceBand.String()
	if str != want {
		t.Errorf("onOrder saw %q, want %q", str, want)
	}
	if v.Placed != 0 {
		t.Errorf("%d orders reached the venue", v.Placed)
	}
}

// TestTradeAndFillObjects drives onTrade and onFill and checks the fields scripts read.
func TestTradeAndFillObjects(t *testing.T) {
	src := `
let trades = 0, lastPrice = 0, lastSide = 0;
let fills = "";
function onTrade(tr) { trades++; lastPrice = tr.price; lastSide = tr.side; }
function onFill(f) { fills = ` + "`${f.orderId} ${f.side} ${f.price} ${f.qty} ${f.fee} ${f.remaining} ${f.maker}`" + `; }
let id = 0;
function onBook() {
  if (book.valid() && id === 0) id = orders.buy(book.bidPrice(), 0.002, POST_ONLY);
}
`
	s, err := script.Compile("objs.js", []byte(src), script.Options{})
	if err != nil {
		t.Fatal(err)
	}
	frames := enginetest.LoadFrames(t, enginetest.SpotFile)
	e, v := enginetest.NewEngine(t, s)
	enginetest.Replay(t, e, v, frames[:2000])
	m := s.Machine()
	n, _ := m.Global("trades")
	if f, _ := n.Number(); f == 0 || uint64(f) != e.Counters().Trades {
		t.Errorf("onTrade ran %v times, engine saw %d trades", f, e.Counters().Trades)
	}
	p, _ := m.Global("lastPrice")
	if f, _ := p.Number(); f < 50000 || f > 70000 {
		t.Errorf("last trade price %v is not a BTC price", f)
	}
	// A partial fill at the order's price, with a rebate.
	e.OnFill(1, 6183763000000, 50000, -3, true, frames[1999].Local)
	fs, _ := m.Global("fills")
	str, _ := m.StringOf(fs)
	if want := fmt.Sprintf("1 1 61837.63 0.0005 -3e-8 0.0015 true"); str != want {
		t.Errorf("onFill saw %q, want %q", str, want)
	}
	_ = v
}

func TestCallbacksDoNotAllocate(t *testing.T) {
	frames := enginetest.LoadFrames(t, enginetest.SpotFile)
	s := load(t, "market_maker.js")
	e, v := enginetest.NewEngine(t, s)
	enginetest.Replay(t, e, v, frames)
	ctx := e.Context()
	trade := strategy.Trade{Price: 61837.63, Qty: 0.01, Aggressor: strategy.Sell}
	allocs := testing.AllocsPerRun(1000, func() {
		if err := s.OnBook(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s.OnTrade(ctx, &trade); err != nil {
			t.Fatal(err)
		}
		if err := s.OnOrder(ctx, &strategy.OrderUpdate{OrderID: 1, Status: strategy.Rejected, Reason: risk.ReasonPriceBand}); err != nil {
			t.Fatal(err)
		}
		ctx.Begin(ctx.Now()) // drop the intents; this test times the calls, not the sends
	})
	if allocs != 0 {
		t.Errorf("script callbacks allocated %v times per round", allocs)
	}
}

var _ = bytes.Contains
