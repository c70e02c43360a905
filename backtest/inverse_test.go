package backtest

import (
	"testing"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/md"
	"github.com/nanotick/nanotick/orderbook"
)

// TestInverseAccount: an inverse perpetual's account, in BTC, against figures computed
// by hand in each case's comment (quantities in USD, prices in USD per BTC, scale 1 and
// 0 as Deribit's BTC-PERPETUAL).
func TestInverseAccount(t *testing.T) {
	d := decimal.RequireFromString
	type fill struct {
		side   orderbook.Side
		price  string
		qty    string
		feeBps string
	}
	for _, c := range []struct {
		name                             string
		fills                            []fill
		mark                             string
		pos, entry, realized, fees, unrl string
	}{
		// 1000/50000 − 1000/55000 = 0.02 − 0.018181818181818182 BTC.
		{"long closed higher", []fill{{orderbook.Bid, "50000", "1000", "0"}, {orderbook.Ask, "55000", "1000", "0"}}, "55000",
			"0", "0", "0.001818181818181818", "0", "0"},
		// A short from 55000 bought back at 50000 gains the same.
		{"short closed lower", []fill{{orderbook.Ask, "55000", "1000", "0"}, {orderbook.Bid, "50000", "1000", "0"}}, "50000",
			"0", "0", "0.001818181818181818", "0", "0"},
		// Long 1000 from 50000 at mark 40000: 0.02 − 0.025 = −0.005 BTC.
		{"long marked lower", []fill{{orderbook.Bid, "50000", "1000", "0"}}, "40000", "1000", "50000", "0", "0", "-0.005"},
		// Short 1000 from 50000 at mark 40000: +0.005 BTC.
		{"short marked lower", []fill{{orderbook.Ask, "50000", "1000", "0"}}, "40000", "-1000", "50000", "0", "0", "0.005"},
		// Two buys, 1000 at 50000 and 1000 at 40000: cost 0.045 BTC, entry 2000/0.045 =
		// 44444.44444444 (the harmonic mean); at mark 45000, 0.045 − 2000/45000 =
		// 0.000555555555555556 BTC.
		{"harmonic entry", []fill{{orderbook.Bid, "50000", "1000", "0"}, {orderbook.Bid, "40000", "1000", "0"}}, "45000",
			"2000", "44444.44444444", "0", "0", "0.000555555555555556"},
		// Fees in the coin: 5 bps of 1000 USD at 50000 is 0.0005 × 0.02 = 0.00001 BTC; a
		// maker rebate of −2 bps at 40000: −0.0002 × 0.025 = −0.000005 BTC.
		{"fees", []fill{{orderbook.Bid, "50000", "1000", "5"}, {orderbook.Ask, "40000", "1000", "-2"}}, "40000",
			"0", "0", "-0.005", "0.000005", "0"},
		// A flip: long 1000 from 50000, sell 3000 at 40000: −0.005 BTC realized, short 2000
		// from 40000; at mark 50000: 2000/50000 − 2000/40000 = −0.01 BTC.
		{"flip", []fill{{orderbook.Bid, "50000", "1000", "0"}, {orderbook.Ask, "40000", "3000", "0"}}, "50000",
			"-2000", "40000", "-0.005", "0", "-0.01"},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := NewInverseAccount(d("1"), 1, 0)
			for _, f := range c.fills {
				p, q := d(f.price), d(f.qty)
				a.Fill(f.side, p.Shift(1).IntPart(), q.IntPart(), d(f.feeBps), d(f.feeBps).Sign() < 0)
			}
			mark := d(c.mark)
			for _, x := range []struct {
				what      string
				got, want decimal.Decimal
			}{
				{"position", a.Position(), d(c.pos)}, {"entry", a.AvgEntry(), d(c.entry)}, {"realized", a.Realized(), d(c.realized)},
				{"fees", a.Fees(), d(c.fees)}, {"unrealized", a.Unrealized(mark), d(c.unrl)},
			} {
				if !x.got.Equal(x.want) {
					t.Errorf("%s %s, want %s", x.what, x.got, x.want)
				}
			}
			// equity = initial + realized + unrealized − fees + funding = cash + unrealized.
			if eq, want := a.Equity(mark), a.Cash().Add(a.Unrealized(mark)); !eq.Equal(want) {
				t.Errorf("equity %s, cash + unrealized %s", eq, want)
			}
		})
	}
}

// TestInverseFunding: an inverse position pays the rate on its coin value, position /
// mark: a long of 1000 USD at mark 50000 and rate 0.0001 pays 0.02 × 0.0001 =
// 0.000002 BTC; risk is told the USD value, 0.1.
func TestInverseFunding(t *testing.T) {
	d := decimal.RequireFromString
	a := NewInverseAccount(d("1"), 1, 0)
	a.Fill(orderbook.Bid, 500000, 1000, decimal.Zero, false)
	var told decimal.Decimal
	f := newFunder(Funding{}, true, a, func() decimal.Decimal { return decimal.Zero })
	f.paid = func(x decimal.Decimal) { told = x }
	f.start(1)
	mark := md.PerpMark{Price: 50000_00000000, FundingRate: 1_000_000, NextFunding: 100,
		Fields: md.HasMarkPrice | md.HasFundingRate | md.HasNextFunding}
	f.due(200, mark)
	r := f.report()
	if r.Payments != 1 || !r.Total.Equal(d("-0.000002")) || !a.FundingTotal().Equal(d("-0.000002")) || !told.Equal(d("-0.1")) {
		t.Fatalf("funding %+v, account %s, risk told %s", r, a.FundingTotal(), told)
	}
}
