package risk

import (
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/orderbook"
)

// deribitBTC is Deribit's inverse BTC-PERPETUAL: tick 0.5 USD (price scale 1),
// quantities in USD, lots of 10.
func deribitBTC() Instrument {
	return Instrument{PriceScale: 1, QtyScale: 0, Tick: 5, Lot: 10, MinQty: 10, MaxQty: 1_000_000, Inverse: true}
}

// TestInverseAccount: an inverse position's PnL is made in the coin, Q × (1/entry −
// 1/exit) for a long of Q USD, and risk values it in USD at the price it is realized or
// marked at. Each figure is computed by hand in its comment.
func TestInverseAccount(t *testing.T) {
	p := func(s string) int64 { x, _ := fixed.Scale(1).ParseString(s); return x }
	type fill struct {
		side  orderbook.Side
		price string
		qty   int64
	}
	for _, c := range []struct {
		name     string
		fills    []fill
		mark     string
		realized string // USD
		unreal   string // USD
	}{
		// 1000 (1/50000 − 1/55000) = 0.00181818.. BTC, × 55000 = 100 USD.
		{"long closed higher", []fill{{orderbook.Bid, "50000", 1000}, {orderbook.Ask, "55000", 1000}}, "55000", "100", "0"},
		// Short from 55000 bought back at 50000: 1000 (1/50000 − 1/55000) = 0.00181818.. BTC,
		// × 50000 = 90.909 USD, 90.9 at the price unit.
		{"short closed lower", []fill{{orderbook.Ask, "55000", 1000}, {orderbook.Bid, "50000", 1000}}, "50000", "90.9", "0"},
		// Long of 1000 USD from 50000 marked at 40000: 1000 (1/50000 − 1/40000) = −0.005 BTC = −200 USD.
		{"long marked lower", []fill{{orderbook.Bid, "50000", 1000}}, "40000", "0", "-200"},
		// Short marked lower: +0.005 BTC = +200 USD.
		{"short marked lower", []fill{{orderbook.Ask, "50000", 1000}}, "40000", "0", "200"},
		// Half closed: basis 0.02 BTC, half 0.01; 500 USD sold at 62500 is 0.008 BTC:
		// +0.002 BTC × 62500 = 125 USD; the rest (500 USD from 50000) at mark 62500:
		// 500 (1/50000 − 1/62500) = 0.002 BTC = 125 USD.
		{"half closed", []fill{{orderbook.Bid, "50000", 1000}, {orderbook.Ask, "62500", 500}}, "62500", "125", "125"},
		// Flip: long 1000 from 50000, sell 3000 at 40000: closes the long at −0.005 BTC
		// (−200 USD) and opens a short of 2000 at 40000; marked at 40000, nothing open.
		{"flip", []fill{{orderbook.Bid, "50000", 1000}, {orderbook.Ask, "40000", 3000}}, "40000", "-200", "0"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ch, err := New(testConfig(), deribitBTC())
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range c.fills {
				if !ch.acct.fill(f.side, p(f.price), f.qty, 0) {
					t.Fatal("overflow")
				}
			}
			ch.acct.mark, ch.acct.marked = p(c.mark), true
			r, _, u := ch.PnL()
			if got := fixed.Scale(1).Decimal(r); !got.Equal(decimal.RequireFromString(c.realized)) {
				t.Errorf("realized %s USD, want %s", got, c.realized)
			}
			if got := fixed.Scale(1).Decimal(u); !got.Equal(decimal.RequireFromString(c.unreal)) {
				t.Errorf("unrealized %s USD, want %s", got, c.unreal)
			}
		})
	}
}

// TestInverseNotional: an inverse order's notional is its quantity (the contracts'
// USD value), whatever its price: 1000 USD passes a 1000 limit at any price and 1010 does
// not; min notional likewise; the liquidation-distance check is refused.
func TestInverseNotional(t *testing.T) {
	d := decimal.RequireFromString
	cfg := testConfig()
	cfg.MaxOrderQty, cfg.MaxPosition, cfg.MaxOrderNotional = d("100000"), d("100000"), d("1000")
	in := deribitBTC()
	in.MinNotional = 200 // 20.0 USD
	c, err := New(cfg, in)
	if err != nil {
		t.Fatal(err)
	}
	book := orderbook.New(4)
	book.Set(orderbook.Bid, 500_000, 1000)
	book.Set(orderbook.Ask, 500_005, 1000)
	book.SetSynced(true)
	book.SetUpdate(1, t0, t0)
	for i, o := range []struct {
		qty  int64
		want Reason
	}{{1000, ReasonOK}, {1010, ReasonMaxOrderNotional}, {10, ReasonMinNotional}, {20, ReasonOK}} {
		r := c.Check(&Order{ID: uint64(i + 1), Side: orderbook.Bid, Price: 499_000, Qty: o.qty}, book, t0+int64(i+1)*ms)
		if r != o.want {
			t.Errorf("buy %d USD: %v, want %v", o.qty, r, o.want)
		}
	}
	cfg.Perp = PerpConfig{Collateral: d("1000"), MinLiquidationDistanceBps: d("100")}
	if _, err := New(cfg, in); err == nil || !strings.Contains(err.Error(), "inverse") {
		t.Errorf("liquidation distance on an inverse instrument: %v", err)
	}
}

// TestInverseAvgEntry: an inverse position's entry is the harmonic mean of its fills'
// prices: 1000 USD at 50000 and 1000 at 40000 cost 0.045 BTC, entry 2000 / 0.045 =
// 44444.44.., 44444.4 at Deribit's price unit; a short's likewise.
func TestInverseAvgEntry(t *testing.T) {
	for _, side := range []orderbook.Side{orderbook.Bid, orderbook.Ask} {
		c, err := New(testConfig(), deribitBTC())
		if err != nil {
			t.Fatal(err)
		}
		c.acct.fill(side, 500_000, 1000, 0)
		if e := c.AvgEntry(); e != 500_000 {
			t.Errorf("side %v: entry %d after one fill at 50000.0", side, e)
		}
		c.acct.fill(side, 400_000, 1000, 0)
		if e := c.AvgEntry(); e != 444_444 {
			t.Errorf("side %v: entry %d, want 444444 (44444.4)", side, e)
		}
	}
}
