package risk

import (
	"testing"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/perp"
)

// TestSetPerpAccountCountsPnLOnce: the venue's wallet, read after the session realized
// PnL, paid fees and received funding, already holds them; the checker's equity is
// that wallet, not the wallet plus the session's PnL again (regression: a reconnect's
// reconciliation counted everything booked before it twice).
func TestSetPerpAccountCountsPnLOnce(t *testing.T) {
	d := decimal.RequireFromString
	c := perpChecker(t, PerpConfig{Collateral: d("3000"), MaxLeverage: d("10"),
		Brackets: perp.Brackets{{NotionalFloor: d("0"), NotionalCap: d("1e12"), MaintMarginRatio: d("0.01"), InitialLeverage: 50}}})
	book := newBook("59999.99", "60000.01", t0)
	fillAt(t, c, buy(1, "60000", "0.5"), book, t0)
	if err := c.OnForcedFill(orderbook.Ask, v("60100"), v("0.2"), v("1.5")); err != nil { // +20 realized, 1.5 fee
		t.Fatal(err)
	}
	if err := c.OnFunding(v("-2")); err != nil {
		t.Fatal(err)
	}
	booked, ok := c.Booked()
	if !ok || booked != v("16.5") {
		t.Fatalf("booked %d, want 16.5 = 20 realized - 1.5 fees - 2 funding", booked)
	}
	const wallet = "5016.5" // the venue's wallet: 5000 at start, with the session's 16.5
	if err := c.SetPerpAccount(v(wallet), usdmBrackets()); err != nil {
		t.Fatal(err)
	}
	if eq, _ := c.walletEquity(false); eq != v(wallet) || c.PerpCollateral() != v("5000") {
		t.Errorf("wallet equity %d, collateral %d: want the venue's wallet %d on a collateral of 5000", eq, c.PerpCollateral(), v(wallet))
	}
	b, _ := c.Book()
	if b.Position != v("0.3") || b.Booked != booked || b.AvgEntry != v("60000") {
		t.Errorf("book %+v", b)
	}
}
