package engine_test

import (
	"os"
	"testing"

	"github.com/rs/zerolog"
	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/config"
	"github.com/nanotick/nanotick/engine"
)

// TestPerpLimitsPerInstrument checks that each perpetual gets [risk]'s perpetual limits
// with its own [instrument.risk] keys in place, and that the spot instrument gets none
// (config/testdata/perp_risk_instrument_ok.toml).
func TestPerpLimitsPerInstrument(t *testing.T) {
	data, err := os.ReadFile("../config/testdata/perp_risk_instrument_ok.toml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := config.Parse("perp_risk_instrument_ok.toml", data)
	if err != nil {
		t.Fatal(err)
	}
	ec, err := engine.FromConfig(c, &c.Strategies[0], zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	if len(ec.InstrumentRisk) != 3 {
		t.Fatalf("%d instrument limits, want 3", len(ec.InstrumentRisk))
	}
	d := decimal.RequireFromString
	if p := ec.InstrumentRisk[0].Perp; !p.MaxLeverage.IsZero() || !p.Collateral.IsZero() {
		t.Errorf("spot BTCUSDT has perpetual limits: %+v", p)
	}
	for _, tc := range []struct {
		k                                 int
		lev, distBps, funding, collateral string
		brackets                          int
	}{
		{1, "5", "150", "25", "5000", 1}, // its own leverage, distance, funding; [risk]'s collateral
		{2, "2", "0", "10", "5000", 0},   // [risk]'s leverage and collateral, its own funding
	} {
		p := ec.InstrumentRisk[tc.k].Perp
		if !p.MaxLeverage.Equal(d(tc.lev)) || !p.MinLiquidationDistanceBps.Equal(d(tc.distBps)) ||
			!p.MaxFundingPaid.Equal(d(tc.funding)) || !p.Collateral.Equal(d(tc.collateral)) || len(p.Brackets) != tc.brackets {
			t.Errorf("instrument %d: leverage %s distance %s funding %s collateral %s brackets %d, want %s %s %s %s %d",
				tc.k, p.MaxLeverage, p.MinLiquidationDistanceBps, p.MaxFundingPaid, p.Collateral, len(p.Brackets),
				tc.lev, tc.distBps, tc.funding, tc.collateral, tc.brackets)
		}
	}
}
