package risk

import (
	"testing"

	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/orderbook"
)

// TestPnLFineKeepsWhatThePriceUnitCannot: on USD-M BTCUSDT (price 0.01 USDT, quantity
// 0.001 BTC) buying 0.003 at 60000.50 and selling 0.002 at 59999.30 realizes -0.0024
// USDT, which PnL truncates to 0; PnLFine gives it exactly, and the unrealized PnL of
// the rest (0.001 marked at 60001.23: +0.00073) too. At spot's 8-decimal prices both
// read-outs agree.
func TestPnLFineKeepsWhatThePriceUnitCannot(t *testing.T) {
	for _, tc := range []struct {
		name                 string
		ps, qs               fixed.Scale
		buy, sell, mark      int64
		bought, sold         int64
		realized, unrealized string
	}{
		{"usdm", 2, 3, 6_000_050, 5_999_930, 6_000_123, 3, 2, "-0.0024", "0.00073"},
		{"spot", 8, 8, 6_000_050_000_000, 5_999_930_000_000, 6_000_123_000_000, 300_000, 200_000, "-0.0024", "0.00073"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &Checker{inst: Instrument{PriceScale: tc.ps, QtyScale: tc.qs}}
			c.acct.init(tc.qs.Unit(), tc.ps)
			if !c.acct.fill(orderbook.Bid, tc.buy, tc.bought, 0) || !c.acct.fill(orderbook.Ask, tc.sell, tc.sold, 0) {
				t.Fatal("overflow")
			}
			c.acct.mark, c.acct.marked = tc.mark, true
			r, u, scale := c.PnLFine()
			if got := scale.Decimal(r).String(); got != tc.realized {
				t.Errorf("realized %s, want %s", got, tc.realized)
			}
			if got := scale.Decimal(u).String(); got != tc.unrealized {
				t.Errorf("unrealized %s, want %s", got, tc.unrealized)
			}
			pr, _, pu := c.PnL()
			if tc.ps == 8 && (pr != r || pu != u || scale != 8) {
				t.Errorf("at 8 decimals PnL (%d, %d) and PnLFine (%d, %d, scale %d) differ", pr, pu, r, u, scale)
			}
			if tc.ps == 2 && (pr != 0 || pu != 0) {
				t.Errorf("PnL in price units (%d, %d), want both truncated to 0", pr, pu)
			}
		})
	}
}
