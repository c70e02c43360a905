package strategies

import (
	"os"
	"slices"
	"testing"
)

func TestScript(t *testing.T) {
	name, src, err := Script("market_maker")
	if err != nil {
		t.Fatal(err)
	}
	disk, err := os.ReadFile("market_maker.js")
	if err != nil {
		t.Fatal(err)
	}
	if name != "builtin:market_maker.js" || string(src) != string(disk) {
		t.Errorf("Script(market_maker) = %q, %d bytes; want the file's %d bytes", name, len(src), len(disk))
	}
	if _, _, err := Script("nope"); err == nil {
		t.Error("Script(nope) succeeded")
	}
	if !slices.Equal(Names(), []string{"bybit_mm", "cross_venue_mm", "imbalance_taker", "market_maker", "pair_mm", "spot_perp_mm"}) {
		t.Errorf("Names() = %v", Names())
	}
}
