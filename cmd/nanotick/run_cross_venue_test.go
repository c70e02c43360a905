package main

import (
	"path/filepath"
	"testing"
	"time"
)

// TestRunCrossVenueSim is examples/cross_venue_sim.toml: cross_venue_mm.js quotes
// Binance Spot BTCUSDT and hedges on Bybit's BTCUSDT perpetual, both venues served by
// the one local exchange, two market-data connections feeding one engine and each
// instrument's orders going to its own venue's gateway. The spot quotes fill, the
// hedges fill on Bybit (IOC, so only a hedge can fill there), and the engine's position
// on each venue is the exchange's.
func TestRunCrossVenueSim(t *testing.T) {
	s := runMulti(t, "../../examples/cross_venue_sim.toml", nil, func(s *session) bool {
		return s.tally.fills[0].Load() > 0 && s.tally.fills[1].Load() > 0
	})
	file := filepath.Join(t.TempDir(), "s.json")
	if err := s.writeRunJSON(file, time.Now()); err != nil {
		t.Fatal(err)
	}
	r := readBybitReport(t, file)
	if len(r.Instruments) != 2 || r.Instruments[0].Name != "binance-spot:BTCUSDT" || r.Instruments[1].Name != "bybit-linear:BTCUSDT" {
		t.Fatalf("instruments %+v", r.Instruments)
	}
	for _, in := range r.Instruments {
		if in.Fills == 0 || !in.Volume.IsPositive() {
			t.Errorf("%s: %d fills, volume %s", in.Name, in.Fills, in.Volume)
		}
	}
	view, ok := s.ex.Account(simAPIKey)
	if !ok {
		t.Fatal("no account at the exchange")
	}
	if got, want := r.Instruments[0].Position, view.Position["BTCUSDT"]; !got.Equal(want) {
		t.Errorf("binance spot: engine position %s, exchange position %s", got, want)
	}
	if got, want := r.Instruments[1].Position, s.ex.BybitLinearPosition(simAPIKey, "BTCUSDT"); !got.Equal(want) {
		t.Errorf("bybit perpetual: engine position %s, exchange position %s", got, want)
	}
	mds := s.live.MarketData()
	if len(mds) != 2 || mds[0].Name() != "binance-spot" || mds[1].Name() != "bybit-linear" {
		t.Fatalf("market-data connections: want Binance's and Bybit's")
	}
}
