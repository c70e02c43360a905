package main

import (
	"fmt"
	"math"
	"time"
)

// checkModelFlags checks the simulated exchange's flags that backtest and sweep run
// share, when given, so that a bad value is a bad command line (exit 2, before any
// data is read) rather than a run that fails (exit 1) or, in a sweep, a failure of
// every point. The bounds are the simulated exchange's own (backtest.NewExchange).
func checkModelFlags(set map[string]bool, power, makerBps, takerBps float64, progress time.Duration) error {
	if set["queue-power"] && (math.IsNaN(power) || power <= 0 || power > 100) {
		return fmt.Errorf("--queue-power %v: want a number in (0, 100]", power)
	}
	for _, f := range []struct {
		name string
		bps  float64
	}{{"maker-fee-bps", makerBps}, {"taker-fee-bps", takerBps}} {
		if set[f.name] && (math.IsNaN(f.bps) || math.IsInf(f.bps, 0) || f.bps <= -1e4 || f.bps >= 1e4) {
			return fmt.Errorf("--%s %v: want a number of basis points in (-10000, 10000)", f.name, f.bps)
		}
	}
	if progress < 0 {
		return fmt.Errorf("--progress %v: want a positive interval, or 0 for no progress lines", progress)
	}
	// Both latency models at once: the backtest used to take the file and the sweep the
	// constants. Neither can be what was meant.
	if set["latency-file"] && (set["order-latency"] || set["response-latency"]) {
		return fmt.Errorf("give --latency-file or --order-latency/--response-latency, not both")
	}
	return nil
}
