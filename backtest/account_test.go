package backtest

import (
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"

	"github.com/nanotick/nanotick/orderbook"
)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func TestAccountRoundTrip(t *testing.T) {
	a := NewAccount(d("1000"), 8, 8)
	a.FillDecimal(orderbook.Bid, d("100"), d("2"), d("0.02"), true)  // long 2 at 100
	a.FillDecimal(orderbook.Bid, d("103"), d("1"), d("0.01"), true)  // long 3, basis 303
	a.FillDecimal(orderbook.Ask, d("104"), d("4"), d("-0.04"), true) // sell 3 (realize 312−303 = 9) and short 1 at 104
	if !a.Position().Equal(d("-1")) || !a.Basis().Equal(d("-104")) {
		t.Errorf("position %s basis %s, want -1 and -104", a.Position(), a.Basis())
	}
	if !a.Realized().Equal(d("9")) || !a.Fees().Equal(d("-0.01")) {
		t.Errorf("realized %s fees %s, want 9 and -0.01", a.Realized(), a.Fees())
	}
	mark := d("101")
	// Short 1 from 104 marked at 101: +3 unrealized; equity 1000 + 9 + 3 + 0.01.
	if !a.Unrealized(mark).Equal(d("3")) || !a.Equity(mark).Equal(d("1012.01")) {
		t.Errorf("unrealized %s equity %s, want 3 and 1012.01", a.Unrealized(mark), a.Equity(mark))
	}
	if !a.AvgEntry().Equal(d("104")) {
		t.Errorf("avg entry %s, want 104", a.AvgEntry())
	}
	vol, maker, taker := a.Volume()
	if !vol.Equal(d("7")) || !maker.Equal(d("7")) || !taker.IsZero() || !a.Turnover().Equal(d("719")) {
		t.Errorf("volume %s/%s/%s turnover %s", vol, maker, taker, a.Turnover())
	}
}

// TestAccountIdentity checks over random fills that equity computed from PnL
// (initial + realized + unrealized − fees) equals equity computed from cash
// (initial − buys + sells − fees + position × mark) exactly, that the position is the
// signed sum of the fills, and that when the position is flat again the realized PnL
// is exactly the cash the round trips made.
func TestAccountIdentity(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		initial := decimal.New(rapid.Int64Range(1, 1_000_000).Draw(rt, "initial"), 0)
		a := NewAccount(initial, 8, 8)
		pos, flow, fees := decimal.Zero, decimal.Zero, decimal.Zero // independent model
		n := rapid.IntRange(1, 60).Draw(rt, "fills")
		for i := 0; i < n; i++ {
			// Prices at 2 decimals, quantities at 5, fees at 8 as the engine's are.
			price := decimal.New(rapid.Int64Range(1, 10_000_000).Draw(rt, "price"), -2)
			q := decimal.New(rapid.Int64Range(1, 500_000).Draw(rt, "qty"), -5)
			fee := decimal.New(rapid.Int64Range(-50_000, 200_000).Draw(rt, "fee"), -8)
			side := orderbook.Side(rapid.IntRange(0, 1).Draw(rt, "side"))
			a.FillDecimal(side, price, q, fee, rapid.Bool().Draw(rt, "maker"))
			signed := q
			if side == orderbook.Ask {
				signed = q.Neg()
			}
			pos = pos.Add(signed)
			flow = flow.Sub(signed.Mul(price))
			fees = fees.Add(fee)

			mark := decimal.New(rapid.Int64Range(1, 10_000_000).Draw(rt, "mark"), -2)
			byCash := initial.Add(flow).Sub(fees).Add(pos.Mul(mark))
			if eq := a.Equity(mark); !eq.Equal(byCash) {
				rt.Fatalf("fill %d: equity %s by PnL, %s by cash", i, eq, byCash)
			}
			if !a.Cash().Equal(initial.Add(flow).Sub(fees)) {
				rt.Fatalf("fill %d: cash %s", i, a.Cash())
			}
			if !a.Position().Equal(pos) || !a.Fees().Equal(fees) {
				rt.Fatalf("fill %d: position %s fees %s, want %s and %s", i, a.Position(), a.Fees(), pos, fees)
			}
			if pos.IsZero() && (!a.Realized().Equal(flow) || !a.Basis().IsZero()) {
				rt.Fatalf("fill %d: flat with realized %s basis %s, want %s and 0", i, a.Realized(), a.Basis(), flow)
			}
		}
	})
}
