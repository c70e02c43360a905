package config

import (
	"testing"

	"github.com/shopspring/decimal"
)

// TestPairSim checks what examples/pair_sim.toml means: a strategy over two
// instruments, the default one first; ETHUSDT's own limits are [risk] with its
// [instrument.risk] keys in place, BTCUSDT has none; the portfolio limits; and the
// binance venue pointed at the local exchange.
func TestPairSim(t *testing.T) {
	c, err := Load(stageExample(t, "pair_sim.toml"))
	if err != nil {
		t.Fatal(err)
	}
	st := c.Strategies[0]
	want := []InstrumentRef{{"BTCUSDT", VenueBinanceSpot}, {"ETHUSDT", VenueBinanceSpot}}
	if len(st.Instruments) != 2 || st.Instruments[0] != want[0] || st.Instruments[1] != want[1] ||
		st.Instrument != "BTCUSDT" || st.Venue != VenueBinanceSpot {
		t.Fatalf("strategy instruments %v, default %s:%s", st.Instruments, st.Venue, st.Instrument)
	}
	if c.Instruments[0].Risk != nil {
		t.Errorf("BTCUSDT has limits of its own: %+v", c.Instruments[0].Risk)
	}
	eth := c.Instruments[1].Risk
	dec := decimal.RequireFromString
	switch {
	case eth == nil:
		t.Fatal("ETHUSDT has no limits of its own")
	case !eth.MaxOrderQty.Equal(dec("0.1")) || !eth.MaxPosition.Equal(dec("0.5")):
		t.Errorf("ETHUSDT's own limits: max_order_qty %s max_position %s", eth.MaxOrderQty, eth.MaxPosition)
	case !eth.MaxOrderNotional.Equal(c.Risk.MaxOrderNotional) || eth.MaxOpenOrders != c.Risk.MaxOpenOrders ||
		eth.DuplicateWindow != c.Risk.DuplicateWindow || eth.StartState != c.Risk.StartState:
		t.Errorf("ETHUSDT's other limits are not [risk]'s: %+v", eth)
	}
	p := c.Risk.Portfolio
	if !p.MaxGrossNotional.Equal(dec("10000")) || !p.MaxNetPosition.Equal(dec("1")) ||
		!p.MaxTotalLoss.Equal(dec("150")) || !p.MaxDrawdown.Equal(dec("250")) || !p.Enabled() {
		t.Errorf("portfolio %+v", p)
	}
	if !c.Venues.IsSim(VenueBinanceSpot) || c.Venues.IsSim(VenueBinanceUSDM) || !c.Venues.IsSim(VenueSim) {
		t.Errorf("sim venues %v", c.Venues.Sim)
	}
}

// TestOneInstrumentUnchanged checks that a strategy naming one instrument the old way
// gets it as its only instrument, and no portfolio limits.
func TestOneInstrumentUnchanged(t *testing.T) {
	c := Default()
	st := c.Strategies[0]
	if len(st.Instruments) != 1 || st.Instruments[0] != (InstrumentRef{"BTCUSDT", VenueSim}) {
		t.Errorf("instruments %v", st.Instruments)
	}
	if c.Risk.Portfolio.Enabled() || c.Instruments[0].Risk != nil || len(c.Venues.Sim) != 0 {
		t.Errorf("default config has multi-instrument settings: %+v %+v %v", c.Risk.Portfolio, c.Instruments[0].Risk, c.Venues.Sim)
	}
}
