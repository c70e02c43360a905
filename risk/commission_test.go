package risk

import (
	"testing"

	"github.com/nanotick/nanotick/orderbook"
)

// TestOnBaseCommission: a buy of 10 at 100 whose commission of 0.01 was taken in the
// base asset leaves a position of 9.99 (what the account holds), the basis shrunk in
// proportion (the average entry unchanged), and nothing realized.
func TestOnBaseCommission(t *testing.T) {
	tests := []struct {
		name       string
		start      int64 // position before, bought (>0) or sold (<0) at 100
		commission int64
		wantPos    int64
	}{
		{"long", 1000, 1, 999},
		{"flat", 0, 1, -1},
		{"short grows", -1000, 1, -1001},
	}
	for _, tt := range tests {
		a := &Checker{}
		a.acct.init(100, 2)
		if tt.start > 0 {
			a.acct.fill(orderbook.Bid, 100_00, tt.start, 0)
		} else if tt.start < 0 {
			a.acct.fill(orderbook.Ask, 100_00, -tt.start, 0)
		}
		entry := a.AvgEntry()
		if err := a.OnBaseCommission(tt.commission); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if a.acct.pos != tt.wantPos {
			t.Errorf("%s: position %d, want %d", tt.name, a.acct.pos, tt.wantPos)
		}
		if tt.start != 0 && a.AvgEntry() != entry {
			t.Errorf("%s: average entry %d, was %d", tt.name, a.AvgEntry(), entry)
		}
		if a.acct.realized != 0 {
			t.Errorf("%s: realized %d", tt.name, a.acct.realized)
		}
	}
	if err := (&Checker{}).OnBaseCommission(0); err == nil {
		t.Error("zero commission accepted")
	}
}
