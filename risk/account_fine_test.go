package risk

import (
	"testing"

	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/orderbook"
)

// TestAccountFineNotional is the regression test for Kraken's BTC/USD, whose price unit
// is 0.1 USD: many small fills used to be truncated to the unit one by one, so a
// position bought at 60000.0 showed an average entry of 58830 and its PnL drifted by up
// to 0.1 USD a fill. Notionals are now summed in 1e-8 USD.
func TestAccountFineNotional(t *testing.T) {
	const ps, qs = fixed.Scale(1), fixed.Scale(8) // Kraken BTC/USD: 0.1 USD, 1e-8 BTC
	price := int64(600_001)                       // 60000.1
	qty := int64(1_234)                           // 0.00001234 BTC: 0.74040123... USD
	var a account
	a.init(qs.Unit(), ps)
	for range 100 {
		if !a.fill(orderbook.Bid, price, qty, 0) {
			t.Fatal("overflow")
		}
	}
	c := &Checker{acct: a}
	if got := c.AvgEntry(); got != price {
		t.Errorf("average entry %s after 100 buys at %s", ps.String(got), ps.String(price))
	}
	// Buy 0.1234 BTC in 100 fills and sell it all 1.0 USD higher: 0.1234 USD realized,
	// which is 1 price unit (0.1) after truncation; summed unit by unit it was 0.
	qty = 123_400 // 0.001234 BTC
	c = &Checker{}
	c.acct.init(qs.Unit(), ps)
	for range 100 {
		c.acct.fill(orderbook.Bid, price, qty, 0)
	}
	for range 100 {
		if !c.acct.fill(orderbook.Ask, price+10, qty, 0) {
			t.Fatal("overflow")
		}
	}
	if c.acct.pos != 0 || c.acct.basis != 0 {
		t.Fatalf("position %d basis %d after selling everything", c.acct.pos, c.acct.basis)
	}
	if r, _, _ := c.PnL(); r != 1 {
		t.Errorf("realized %s USD, want 0.1 (0.1234 truncated to Kraken's 0.1 unit)", ps.String(r))
	}
	// Marked: equity is realized plus unrealized summed before truncation.
	c.acct.fill(orderbook.Bid, price, 3*qty, 0)
	c.acct.mark, c.acct.marked = price+5, true // +0.5 USD x 0.00003702 BTC
	if eq, _ := c.acct.equity(); eq != 1 {
		t.Errorf("equity %s, want 0.1", ps.String(eq))
	}
}

// TestAccountFineUnitsAtBinanceScales checks that the instruments whose price unit is
// already 1e-8 keep the account exactly as it was (a fine unit is a price unit).
func TestAccountFineUnitsAtBinanceScales(t *testing.T) {
	for _, sc := range []struct{ ps, qs fixed.Scale }{{8, 8}, {2, 3}} {
		var a account
		a.init(sc.qs.Unit(), sc.ps)
		if sc.ps == 8 && (a.sub != 1 || a.div != a.qUnit) {
			t.Errorf("scales %v: sub %d div %d, want 1 and the quantity unit", sc, a.sub, a.div)
		}
		if sc.ps == 2 && a.div != 1 { // USD-M BTCUSDT: price × qty is exact in 1e-5 USDT
			t.Errorf("scales %v: div %d, want 1", sc, a.div)
		}
	}
}
