package backtest

import (
	"math"
	"math/big"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/shopspring/decimal"
)

// same reports whether a and b are the same decimal: value and exponent.
func same(a, b decimal.Decimal) bool { return a.Equal(b) && a.Exponent() == b.Exponent() }

// checkFixed checks every integer path on the decimals p, m, q against decimal's own
// arithmetic, and returns how many of them took the integer path. A path may decline
// (then the caller computes in decimal); it may never differ.
func checkFixed(t *testing.T, p, m, q decimal.Decimal, sell bool) int {
	t.Helper()
	fast := 0
	fp, okp := fxOf(p)
	fm, okm := fxOf(m)
	if okp {
		fast++
		if !same(fp.decimal(), p) {
			t.Fatalf("fxOf(%s) = %s", p, fp.decimal())
		}
	}
	if okp && okm {
		for _, op := range []struct {
			name string
			fx   func(a, b fx) (fx, bool)
			dec  func(a, b decimal.Decimal) decimal.Decimal
		}{
			{"add", fx.add, decimal.Decimal.Add},
			{"sub", fx.sub, decimal.Decimal.Sub},
			{"mul", fx.mul, decimal.Decimal.Mul},
		} {
			if got, ok := op.fx(fp, fm); ok {
				fast++
				if want := op.dec(p, m); !same(got.decimal(), want) {
					t.Fatalf("%s %s %s: %s (exponent %d), decimal %s (exponent %d)", p, op.name, m, got.decimal(), got.e, want, want.Exponent())
				}
			}
		}
		e := min(fp.e, fm.e)
		if n, ok1 := fp.at(e); ok1 {
			if d, ok2 := fm.at(e); ok2 && m.Sign() != 0 {
				if got, ok := divFloat(n, d, 4); ok {
					fast++
					if want := p.Div(m).Shift(4).InexactFloat64(); math.Float64bits(got) != math.Float64bits(want) {
						t.Fatalf("%s / %s: %v, decimal %v", p, m, got, want)
					}
				}
			}
		}
	}
	f := FillRecord{Side: "buy", Price: p}
	if sell {
		f.Side = "sell"
	}
	if got, ok := markoutBpsFixed(sell, p, m); ok {
		fast++
		if want := markoutBpsDecimal(&f, m); math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("markout of %s %s at mid %s: %v, decimal %v", f.Side, p, m, got, want)
		}
	}
	if got, ok := feeFixed(p, q, m); ok {
		fast++
		if want := p.Mul(q).Mul(m).Shift(-4); !same(got, want) {
			t.Fatalf("fee %s × %s × %s bps: %s, decimal %s", p, q, m, got, want)
		}
	}
	return fast
}

// randomDecimal draws a decimal with a coefficient from the edges (0, ±1, the int64
// limits, powers of ten, 19 to 40 digits) or at random of any length, and an
// exponent in [-30, 10].
func randomDecimal(r *rand.Rand) decimal.Decimal {
	e := int32(r.IntN(41) - 30)
	var c *big.Int
	switch r.IntN(8) {
	case 0:
		edges := []int64{0, 1, -1, math.MaxInt64, math.MinInt64, 1e18, -1e18, 999999999999999999, 5, -5, 1 << 53, 1<<53 + 1}
		c = big.NewInt(edges[r.IntN(len(edges))])
	case 1:
		// 19 to 40 digits: past int64, and past the 128-bit path.
		c = new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(18+r.IntN(22))), nil)
		c.Add(c, big.NewInt(r.Int64()))
		if r.IntN(2) == 0 {
			c.Neg(c)
		}
	default:
		c = big.NewInt(r.Int64N(int64(pow10u[1+r.IntN(18)])))
		if r.IntN(3) == 0 {
			c.Neg(c)
		}
	}
	return decimal.NewFromBigInt(c, e)
}

// TestFixedMatchesDecimal draws pairs of decimals, edges included, and checks that
// every integer path gives decimal's result when it gives one, and that it gives one
// for the most of them.
func TestFixedMatchesDecimal(t *testing.T) {
	r := rand.New(rand.NewPCG(16, 10))
	const n = 20000
	fast := 0
	for range n {
		fast += checkFixed(t, randomDecimal(r), randomDecimal(r), randomDecimal(r), r.IntN(2) == 0)
	}
	// Prices and quantities as the report has them: at their scales, the mid half a tick.
	for range n {
		p := decimal.New(r.Int64N(1e13)+1, -8)
		m := p.Add(decimal.New(r.Int64N(2e9)-1e9, -9))
		q := decimal.New(r.Int64N(1e8)+1, -8)
		if got := checkFixed(t, p, m, q, r.IntN(2) == 0); got < 6 {
			t.Fatalf("price %s mid %s qty %s: only %d integer paths taken", p, m, q, got)
		}
		fast += 6
	}
	if fast < 8*n {
		t.Errorf("the integer paths were taken %d times in %d draws", fast, 2*n)
	}
}

// FuzzFixedMatchesDecimal is TestFixedMatchesDecimal on the fuzzer's coefficients and
// exponents.
func FuzzFixedMatchesDecimal(f *testing.F) {
	f.Add(int64(6184608000000), int8(-8), int64(61846085000000), int8(-9), int64(100000), int8(-8), false)
	f.Add(int64(math.MaxInt64), int8(0), int64(math.MinInt64), int8(-20), int64(-5), int8(-1), true)
	f.Add(int64(1), int8(-30), int64(1), int8(10), int64(0), int8(0), true)
	f.Fuzz(func(t *testing.T, pc int64, pe int8, mc int64, me int8, qc int64, qe int8, sell bool) {
		clamp := func(e int8) int32 { return int32(e)%41 - 10 } // [-50, 30]
		checkFixed(t, decimal.New(pc, clamp(pe)), decimal.New(mc, clamp(me)), decimal.New(qc, clamp(qe)), sell)
	})
}

// TestFixedSheetsMatchDecimal runs the round trips, PnL split, order sums and
// drawdown over random sequences, small enough that positions flip and trips close,
// in integers and in decimal.
func TestFixedSheetsMatchDecimal(t *testing.T) {
	r := rand.New(rand.NewPCG(16, 11))
	fastTrips := 0
	for round := range 2000 {
		n := r.IntN(30)
		fills := make([]FillRecord, n)
		orders := make([]OrderRecord, n)
		curve := make([]EquityPoint, n)
		for i := range fills {
			side := "buy"
			if r.IntN(2) == 0 {
				side = "sell"
			}
			price := decimal.New(r.Int64N(1000)+1, -int32(r.IntN(3)))
			if round%10 == 0 {
				price = randomDecimal(r)
			}
			qty := decimal.New(r.Int64N(3)+1, -int32(r.IntN(2)))
			fee := decimal.New(r.Int64N(200)-100, -int32(r.IntN(6)))
			f := FillRecord{Time: int64(i), Side: side, Price: price, Qty: qty, Fee: fee}
			if r.IntN(4) > 0 {
				f.Mid = decimal.NewNullDecimal(price.Add(decimal.New(r.Int64N(21)-10, -3)))
			}
			fills[i] = f
			orders[i] = OrderRecord{Arrived: int64(r.IntN(2)), Qty: qty, Filled: decimal.New(r.Int64N(3), -int32(r.IntN(3)))}
			curve[i] = EquityPoint{Time: int64(i), Equity: decimal.New(r.Int64N(2000)-500, -int32(r.IntN(4)))}
			switch round % 10 {
			case 1:
				curve[i].Equity = randomDecimal(r)
			case 2:
				curve[i].Equity = decimal.New(r.Int64N(7)-3, 0) // zero and negative peaks
			}
		}
		flat := r.IntN(2) == 0
		if rt, holds, ok := roundTripsFixed(fills, flat); ok {
			fastTrips++
			wrt, wholds := roundTripsDecimal(fills, flat)
			if err := sameDecimals(reflect.ValueOf(rt), reflect.ValueOf(wrt), "round trips"); err != nil || !reflect.DeepEqual(holds, wholds) {
				t.Fatalf("round %d: %v; holds %v, decimal %v", round, err, holds, wholds)
			}
		}
		if p, ok := pnlSums(fills); ok {
			if err := sameDecimals(reflect.ValueOf(p), reflect.ValueOf(pnlSumsDecimal(fills)), "pnl split"); err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
		if a, f, q, ok := orderSums(orders); ok {
			wa, wf, wq := orderSumsDecimal(orders)
			if a != wa || f != wf || math.Float64bits(q) != math.Float64bits(wq) {
				t.Fatalf("round %d: order sums %d %d %v, decimal %d %d %v", round, a, f, q, wa, wf, wq)
			}
		}
		dd, pct := maxDrawdown(curve)
		wdd, wpct := drawdown(curve)
		if !same(dd, wdd) || math.Float64bits(pct) != math.Float64bits(wpct) {
			t.Fatalf("round %d: drawdown %s (%v%%), decimal %s (%v%%)", round, dd, pct, wdd, wpct)
		}
	}
	if fastTrips < 200 {
		t.Errorf("only %d of 2000 round trips took the integer path", fastTrips)
	}
}

// TestFixedNearItsLimits doubles a product of two 19-digit coefficients until the
// integer path declines, checking each step against decimal: past 2^126 it must
// decline, never wrap.
func TestFixedNearItsLimits(t *testing.T) {
	for _, neg := range []bool{false, true} {
		a := decimal.RequireFromString("9223372036854775807")
		if neg {
			a = a.Neg()
		}
		x, ok := fxOf(a)
		if !ok {
			t.Fatal("a 19-digit int64 coefficient declined")
		}
		y, ok := x.mul(x)
		if !ok || !same(y.decimal(), a.Mul(a)) {
			t.Fatalf("%s squared: %s (integer path %v)", a, y.decimal(), ok)
		}
		d := a.Mul(a)
		steps := 0
		for {
			z, ok := y.add(y)
			if !ok {
				break
			}
			d = d.Add(d)
			if !same(z.decimal(), d) {
				t.Fatalf("doubled %d times: %s, decimal %s", steps+1, z.decimal(), d)
			}
			y, steps = z, steps+1
		}
		if steps != 0 { // (2^63−1)^2 ≈ 2^126 − 2^64 is taken; doubled it is past 2^126
			t.Errorf("doubled %d times before declining", steps)
		}
		if _, ok := y.mul(x); ok {
			t.Error("a product past 2^126 was taken")
		}
		if _, ok := y.mul(fxInt(2, 0)); ok {
			t.Error("a product between 2^126 and 2^127 was taken")
		}
	}
}
