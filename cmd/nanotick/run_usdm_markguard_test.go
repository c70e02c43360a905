package main

import (
	"testing"

	"github.com/nanotick/nanotick/risk"
)

// TestRunUSDMNoMarkFailsClosed runs examples/spot_perp_sim.toml over the local exchange
// with the feed asking for no mark price stream, as a feed on Binance's unrouted path
// gets none: the perpetual's new orders are refused by risk (stale_mark, counted) and
// none reaches the USD-M venue, while the spot side trades on. The run ends on those
// conditions (a wait bounded at 60 s only against a hang), not on a clock.
func TestRunUSDMNoMarkFailsClosed(t *testing.T) {
	cfg := spotPerpExample(t)
	saved := usdmLiveStreams
	usdmLiveStreams = []string{"depth@100ms", "trade"} // no markPrice@1s: the mark never comes
	t.Cleanup(func() { usdmLiveStreams = saved })
	s := runMulti(t, cfg, nil, func(s *session) bool {
		return s.tally.fills[0].Load() > 0 && s.eng.RiskAt(1).Rejections(risk.ReasonStaleMark) >= 3
	})
	if n := s.eng.RiskAt(1).Rejections(risk.ReasonStaleMark); n < 3 {
		t.Fatalf("%d perpetual orders refused for stale_mark, want some", n)
	}
	if len(s.futures) != 1 {
		t.Fatalf("%d USD-M gateways", len(s.futures))
	}
	if c := s.futures[0].gw.Counters(); c.Placed != 0 {
		t.Errorf("%d perpetual orders reached the venue without a mark price", c.Placed)
	}
	if s.tally.fills[0].Load() == 0 {
		t.Error("the spot side did not trade")
	}
	if n := s.eng.RiskAt(0).Rejections(risk.ReasonStaleMark); n != 0 {
		t.Errorf("spot: %d stale_mark rejections; the guard is the perpetual's", n)
	}
}
