package backtest

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/nanotick/nanotick/strategy/script"
)

// modifyMM quotes one bid on the USD-M perpetual and moves it with orders.modify instead
// of cancel and replace; whenever it is long it flattens with a reduce-only IOC sell,
// and now and then it tries a FOK buy at the touch.
const modifyMM = `
let bid = 0, n = 0, modifies = 0, refusals = 0, flattens = 0;
function onBook() {
  if (!book.valid()) return;
  n++;
  const tick = instrument.tickSize();
  const target = book.bidPrice() - tick;
  if (position.qty() > 0 && n % 5 === 0) {
    orders.sell(book.bidPrice() - 5 * tick, position.qty(), IOC | REDUCE_ONLY);
    flattens++;
  }
  if (n % 997 === 0) orders.buy(book.askPrice(), 0.002, FOK);
  if (!orders.isOpen(bid)) { bid = orders.buy(target, 0.002, POST_ONLY); return; }
  if (Math.abs(orders.price(bid) - target) >= tick && orders.modify(bid, target, 0.002)) modifies++;
}
function onOrder(u) { if (u.status === "modify_rejected") refusals++; }
`

// TestUSDMModifyBacktest runs modifyMM over the USD-M recording through the engine, risk
// and the simulated exchange: modifies reach the exchange and change orders in place,
// reduce-only sells never open a short, the engine's position is the exchange's, and the
// run is deterministic.
func TestUSDMModifyBacktest(t *testing.T) {
	var out [2][]byte
	var rep *Report
	for i := range out {
		cfg := usdmRun(t, false)
		s, err := script.Compile("modify_mm.js", []byte(modifyMM), script.Options{})
		if err != nil {
			t.Fatal(err)
		}
		cfg.Strategy, cfg.StrategyName, cfg.OrderLog = s, "modify_mm", true
		cfg.Engine.Params = nil
		if rep, err = Run(cfg); err != nil {
			t.Fatal(err)
		}
		if rep.Halted != "" {
			t.Fatalf("halted: %s", rep.Halted)
		}
		var b bytes.Buffer
		if err := json.NewEncoder(&b).Encode(rep); err != nil {
			t.Fatal(err)
		}
		out[i] = b.Bytes()
	}
	if !bytes.Equal(out[0], out[1]) {
		t.Error("two runs wrote different reports")
	}
	var modified, reduceOnly, fok int
	for _, o := range rep.OrderLog {
		modified += o.Modified
		if o.ReduceOnly {
			reduceOnly++
		}
		if o.FOK {
			fok++
		}
	}
	t.Logf("orders %d, fills %d, modifies at the exchange %d, reduce-only %d, FOK %d, position %s",
		len(rep.OrderLog), rep.Orders.Fills, modified, reduceOnly, fok, rep.Result.Position)
	if modified == 0 || reduceOnly == 0 || fok == 0 || rep.Orders.Fills == 0 {
		t.Fatalf("the run did not exercise the order kinds: modified %d, reduce-only %d, FOK %d, fills %d",
			modified, reduceOnly, fok, rep.Orders.Fills)
	}
	if rep.Result.Position.IsNegative() {
		t.Errorf("position %s: reduce-only sells opened a short", rep.Result.Position)
	}
	checkEngineAgrees(t, rep)
}
