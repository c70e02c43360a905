package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestConfigCheckPerpLimits checks that "nanotick config check" shows the perpetual
// limits of [risk] and each perpetual's own, and names a perpetual key set on a spot
// instrument with file:line:col.
func TestConfigCheckPerpLimits(t *testing.T) {
	const ok = "../../config/testdata/perp_risk_instrument_ok.toml"
	var stdout, stderr bytes.Buffer
	if code := runConfig([]string{"check", ok}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, &stdout, &stderr)
	}
	inOrder(t, "stdout", stdout.String(), []string{
		"  perpetual (0: none): collateral 5000, leverage <= 2, liquidation distance >= 0 bps (maint margin ratio 0), funding paid <= 0\n",
		"  binance-usdm:BTCUSDT perpetual (0: none): collateral 5000, leverage <= 5, liquidation distance >= 150 bps (maint margin ratio 0.004), funding paid <= 25\n",
		"  binance-usdm:ETHUSDT perpetual (0: none): collateral 5000, leverage <= 2, liquidation distance >= 0 bps (maint margin ratio 0), funding paid <= 10\n",
	})
	if strings.Contains(stdout.String(), "binance-spot:BTCUSDT perpetual") {
		t.Errorf("the spot instrument shows perpetual limits:\n%s", &stdout)
	}

	const bad = "../../config/testdata/perp_risk_instrument.toml"
	stdout.Reset()
	stderr.Reset()
	if code := runConfig([]string{"check", bad}, &stdout, &stderr); code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", code, &stdout, &stderr)
	}
	inOrder(t, "stderr", stderr.String(), []string{
		bad + `:11:1: instrument[0].risk.max_leverage: applies to perpetual instruments only (venue "binance-usdm"), and instrument BTCUSDT is on venue "binance-spot"`,
		bad + `:21:1: instrument[1].risk.min_liquidation_distance_bps: needs risk.collateral or instrument[1].risk.collateral`,
	})
}
