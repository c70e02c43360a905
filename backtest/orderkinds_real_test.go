package backtest

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/perp"
	"github.com/nanotick/nanotick/risk"
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

// TestFundingPaidLimitInBacktest: a backtest's funding payments reach the engine's risk,
// so a perpetual's max_funding_paid moves it to Reducing as it would live: after the
// limit, only orders that shrink the position pass (reducing_only rejections appear),
// and without the limit the same run has none.
func TestFundingPaidLimitInBacktest(t *testing.T) {
	run := func(limit bool) *Report {
		cfg := usdmRun(t, false)
		cfg.Funding = Funding{HasConstant: true, Constant: decimal.RequireFromString("0.001"),
			Schedule: perp.Schedule{Interval: 30 * time.Second}}
		if limit {
			cfg.Engine.Risk.Perp = risk.PerpConfig{Collateral: decimal.RequireFromString("10000"),
				MaxFundingPaid: decimal.RequireFromString("0.05")}
		}
		rep, err := Run(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	reducing := func(rep *Report) uint64 {
		for _, r := range rep.Orders.RiskRejections {
			if r.Reason == risk.ReasonReducingOnly.String() {
				return r.Count
			}
		}
		return 0
	}
	with, without := run(true), run(false)
	t.Logf("funding %s in %d payments; reducing_only rejections: %d with the limit, %d without",
		with.Funding.Total, with.Funding.Payments, reducing(with), reducing(without))
	if with.Funding.Payments == 0 || !with.Funding.Total.IsNegative() {
		t.Fatalf("funding report %+v: the run paid nothing", with.Funding)
	}
	if reducing(with) == 0 || reducing(without) != 0 {
		t.Fatalf("reducing_only rejections: %d with the limit, %d without", reducing(with), reducing(without))
	}
}
