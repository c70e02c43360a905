package risk

import (
	"math"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/perp"
)

// usdmBrackets are BTCUSDT's first USD-M leverage brackets (GET /fapi/v1/leverageBracket,
// as Binance documents the shape).
func usdmBrackets() perp.Brackets {
	d := decimal.RequireFromString
	return perp.Brackets{
		{NotionalFloor: d("0"), NotionalCap: d("50000"), MaintMarginRatio: d("0.004"), Cum: d("0"), InitialLeverage: 125},
		{NotionalFloor: d("50000"), NotionalCap: d("600000"), MaintMarginRatio: d("0.005"), Cum: d("50"), InitialLeverage: 100},
		{NotionalFloor: d("600000"), NotionalCap: d("3000000"), MaintMarginRatio: d("0.01"), Cum: d("3050"), InitialLeverage: 75},
	}
}

func perpChecker(t *testing.T, p PerpConfig) *Checker {
	t.Helper()
	return newChecker(t, func(c *Config) {
		c.MaxPosition = decimal.RequireFromString("20")
		c.MaxOrderQty = decimal.RequireFromString("10")
		c.MaxOrderNotional = decimal.RequireFromString("1000000")
		c.MaxDailyLoss = decimal.RequireFromString("100000")
		c.MaxDrawdown = decimal.RequireFromString("100000")
		c.Perp = p
	})
}

// fillAt opens a position with one accepted order filled whole.
func fillAt(t *testing.T, c *Checker, o *Order, b *orderbook.Book, now int64) {
	t.Helper()
	mustOK(t, c, o, b, now)
	if err := c.OnFill(o.ID, o.Price, o.Qty, 0); err != nil {
		t.Fatal(err)
	}
}

// TestLiquidationPriceMatchesPerp holds risk's float liquidation price to package perp's
// decimal one (Binance's formula), long and short, over the bracket boundaries.
func TestLiquidationPriceMatchesPerp(t *testing.T) {
	for _, tc := range []struct {
		side       orderbook.Side
		price, qty string
		collateral string
	}{
		{orderbook.Bid, "60000", "0.5", "3000"},
		{orderbook.Bid, "60000", "1", "10000"},  // 60000 notional: the second bracket
		{orderbook.Ask, "60000", "0.5", "3000"}, // a short
		{orderbook.Ask, "61000.5", "2", "20000"},
		{orderbook.Bid, "60000", "0.1", "100000"}, // covered to zero: no liquidation
	} {
		c := perpChecker(t, PerpConfig{Collateral: decimal.RequireFromString(tc.collateral),
			MinLiquidationDistanceBps: decimal.NewFromInt(1), Brackets: usdmBrackets()})
		b := newBook(subTick(tc.price), addTick(tc.price), t0)
		fillAt(t, c, &Order{ID: 1, Side: tc.side, Price: v(tc.price), Qty: v(tc.qty)}, b, t0)
		got, ok := c.LiquidationPrice()
		pos := decimal.RequireFromString(tc.qty)
		if tc.side == orderbook.Ask {
			pos = pos.Neg()
		}
		want, wok := perp.LiquidationPrice(perp.Liquidation{Mode: perp.Isolated, WalletBalance: decimal.RequireFromString(tc.collateral)},
			usdmBrackets(), pos, decimal.RequireFromString(tc.price))
		if ok != wok {
			t.Fatalf("%+v: liquidation exists %v, perp says %v (%s)", tc, ok, wok, want)
		}
		w, _ := want.Float64()
		if ok && math.Abs(got-w) > 1e-6*w {
			t.Errorf("%+v: liquidation price %.8f, perp %s", tc, got, want)
		}
	}
}

func TestPerpMaxLeverage(t *testing.T) {
	d := decimal.RequireFromString
	c := perpChecker(t, PerpConfig{Collateral: d("10000"), MaxLeverage: d("3")})
	b := newBook("59999.99", "60000.01", t0)
	// 0.5 BTC at 60000 is 30000 notional on 10000 equity: leverage 3, at the limit.
	mustOK(t, c, buy(1, "60000", "0.5"), b, t0)
	// A working buy counts: another unit of exposure goes over.
	if r := c.Check(buy(2, "59990", "0.001"), b, t0); r != ReasonMaxLeverage {
		t.Fatalf("second buy: %v, want max_leverage", r)
	}
	// A sell cannot grow the (flat) position past what the buys would: it opens a
	// short of its own, measured on its own side.
	mustOK(t, c, sell(3, "60010", "0.4"), b, t0)
	if err := c.OnFill(1, v("60000"), v("0.5"), 0); err != nil {
		t.Fatal(err)
	}
	// Long 0.5: a sell of it reduces and passes even at the limit.
	if err := c.OnCancel(3); err != nil {
		t.Fatal(err)
	}
	mustOK(t, c, sell(4, "60020", "0.5"), b, t0+200*ms)
	// Losing equity lowers the room: a fall to 50000 costs 5000.
	c.Mark(t0, v("50000"))
	if r := c.Check(buy(5, "50000", "0.001"), newBook("49999.99", "50000.01", t0+300*ms), t0+300*ms); r != ReasonMaxLeverage {
		t.Fatalf("buy after the loss: %v, want max_leverage", r)
	}
}

func TestPerpLiquidationDistanceReduces(t *testing.T) {
	d := decimal.RequireFromString
	c := perpChecker(t, PerpConfig{Collateral: d("3000"), MinLiquidationDistanceBps: d("200"), Brackets: usdmBrackets()})
	b := newBook("59999.99", "60000.01", t0)
	// Long 0.5 at 60000 on 3000: liquidation at 54216.87 (perp's formula), 9.6% below.
	fillAt(t, c, buy(1, "60000", "0.5"), b, t0)
	lp, _ := c.LiquidationPrice()
	if c.State() != Active {
		t.Fatalf("state %v with the mark 9.6%% from liquidation", c.State())
	}
	// An order that would bring the liquidation within 2% of the mark is refused.
	if r := c.Check(buy(2, "60000", "2.5"), b, t0+200*ms); r != ReasonLiquidationDistance {
		t.Fatalf("big buy: %v, want liquidation_distance", r)
	}
	// The venue's mark comes within 2% of the liquidation price: Reducing.
	mark := int64(lp*1.015*1e8) - int64(lp*1.015*1e8)%v("0.01")
	c.OnMarkPrice(mark)
	if c.State() != Reducing || c.ReducingCause() != ReasonLiquidationDistance {
		t.Fatalf("state %v cause %v, want reducing for liquidation_distance", c.State(), c.ReducingCause())
	}
	mp := sc.String(mark)
	b2 := newBook(subTick(mp), addTick(mp), t0+400*ms)
	if r := c.Check(buy(3, mp, "0.01"), b2, t0+400*ms); r != ReasonReducingOnly {
		t.Fatalf("buy while reducing: %v, want reducing_only", r)
	}
	mustOK(t, c, sell(4, addTick(mp), "0.2"), b2, t0+400*ms)
}

func TestPerpFundingPaidReduces(t *testing.T) {
	d := decimal.RequireFromString
	c := perpChecker(t, PerpConfig{Collateral: d("3000"), MaxFundingPaid: d("10")})
	b := newBook("59999.99", "60000.01", t0)
	fillAt(t, c, buy(1, "60000", "0.5"), b, t0)
	if err := c.OnFunding(-v("6")); err != nil { // paid 6
		t.Fatal(err)
	}
	if err := c.OnFunding(v("1")); err != nil { // received 1: net 5
		t.Fatal(err)
	}
	if c.State() != Active || c.FundingPaid() != v("5") {
		t.Fatalf("state %v, paid %d", c.State(), c.FundingPaid())
	}
	if err := c.OnFunding(-v("5.01")); err != nil {
		t.Fatal(err)
	}
	if c.State() != Reducing || c.ReducingCause() != ReasonFundingPaid {
		t.Fatalf("state %v cause %v, want reducing for funding_paid", c.State(), c.ReducingCause())
	}
	// Funding is money: the equity the loss limits see includes it.
	if _, fees, _ := c.PnL(); fees != 0 {
		t.Fatalf("fees %d", fees)
	}
	if eq, _ := c.acct.equity(); eq != -v("10.01") {
		t.Fatalf("equity %d, want the funding paid", eq)
	}
}

func TestPerpConfigErrors(t *testing.T) {
	d := decimal.RequireFromString
	for _, tc := range []struct {
		p    PerpConfig
		want string
	}{
		{PerpConfig{MaxLeverage: d("3")}, "risk: config Perp.Collateral 0: must be positive (the perpetual limits are measured against it)"},
		{PerpConfig{Collateral: d("1000"), MaxLeverage: d("-1")}, "risk: config Perp.MaxLeverage -1: must be positive"},
		{PerpConfig{Collateral: d("1000"), MaxLeverage: d("1.0001")}, "risk: config Perp.MaxLeverage 1.0001 at 3 decimals: "},
		{PerpConfig{Collateral: d("1000"), MinLiquidationDistanceBps: d("10000")}, "risk: config Perp.MinLiquidationDistanceBps 10000: must be below 10000"},
		{PerpConfig{Collateral: d("1000"), MinLiquidationDistanceBps: d("100")}, "risk: config Perp.Brackets (needed by MinLiquidationDistanceBps): no leverage brackets"},
	} {
		cfg := testConfig()
		cfg.Perp = tc.p
		_, err := New(cfg, btcusdt())
		if err == nil || len(err.Error()) < len(tc.want) || err.Error()[:len(tc.want)] != tc.want {
			t.Errorf("%+v: error %v, want %q", tc.p, err, tc.want)
		}
	}
}

// TestPerpChecksAllocateNothing: the perpetual checks run on the order path and on every
// mark, so they must not allocate.
func TestPerpChecksAllocateNothing(t *testing.T) {
	d := decimal.RequireFromString
	c := perpChecker(t, PerpConfig{Collateral: d("30000"), MaxLeverage: d("5"), MinLiquidationDistanceBps: d("100"),
		MaxFundingPaid: d("100"), Brackets: usdmBrackets()})
	b := newBook("59999.99", "60000.01", t0)
	fillAt(t, c, buy(1, "60000", "0.5"), b, t0)
	o := buy(2, "59000", "0.01")
	n := testing.AllocsPerRun(200, func() {
		c.Mark(t0, v("60000"))
		c.OnMarkPrice(v("60001"))
		_ = c.checkLeverage(o, 0)
	})
	if n != 0 {
		t.Fatalf("%v allocations per mark and check", n)
	}
}

// TestSetPerpAccount: the venue's collateral and brackets replace the config's, and the
// liquidation price follows them.
func TestSetPerpAccount(t *testing.T) {
	d := decimal.RequireFromString
	c := perpChecker(t, PerpConfig{Collateral: d("3000"), MinLiquidationDistanceBps: d("100"),
		Brackets: perp.Brackets{{NotionalFloor: d("0"), NotionalCap: d("1e12"), MaintMarginRatio: d("0.01"), InitialLeverage: 50}}})
	fillAt(t, c, buy(1, "60000", "0.5"), newBook("59999.99", "60000.01", t0), t0)
	before, _ := c.LiquidationPrice()
	if err := c.SetPerpAccount(v("5000"), usdmBrackets()); err != nil {
		t.Fatal(err)
	}
	got, _ := c.LiquidationPrice()
	want, _ := perp.LiquidationPrice(perp.Liquidation{Mode: perp.Isolated, WalletBalance: d("5000")}, usdmBrackets(), d("0.5"), d("60000"))
	if w, _ := want.Float64(); math.Abs(got-w) > 1e-6*w || got == before {
		t.Fatalf("liquidation %v (before %v), want %s", got, before, want)
	}
	if err := c.SetPerpAccount(0, usdmBrackets()); err == nil {
		t.Error("zero collateral accepted")
	}
	if err := c.SetPerpAccount(v("1"), nil); err == nil {
		t.Error("no brackets accepted")
	}
	spot := newChecker(t, nil)
	if err := spot.SetPerpAccount(v("1"), usdmBrackets()); err == nil {
		t.Error("a spot checker took a perpetual account")
	}
}

// TestPerpValuedAtTheVenueMark: a perpetual's position is valued at the book's mid only
// until its venue's first mark price; from then on at the mark, as the venue values it
// (unrealized PnL, equity and the loss limits), whatever the mid does.
func TestPerpValuedAtTheVenueMark(t *testing.T) {
	d := decimal.RequireFromString
	c := perpChecker(t, PerpConfig{Collateral: d("3000"), Brackets: usdmBrackets()})
	b := newBook("59999.99", "60000.01", t0)
	fillAt(t, c, buy(1, "60000", "0.5"), b, t0)
	unrealized := func() string { _, _, u := c.PnL(); return sc.String(u) }
	c.Mark(t0+ms, v("60010"))
	if got := unrealized(); got != "5" {
		t.Fatalf("unrealized %s at the mid 60010 before any mark, want 5", got)
	}
	c.OnMarkPrice(v("59990"))
	if got := unrealized(); got != "-5" {
		t.Fatalf("unrealized %s at the venue's mark 59990, want -5", got)
	}
	c.Mark(t0+2*ms, v("60020")) // the mid moves on; the mark does not
	if got := unrealized(); got != "-5" {
		t.Errorf("unrealized %s after a mid of 60020, want -5 (the venue's mark)", got)
	}
}
