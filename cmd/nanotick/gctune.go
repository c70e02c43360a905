package main

import "github.com/nanotick/nanotick/backtest"

// tuneGC sets the garbage collector for the commands that backtest (backtest.TuneGC):
// their processes allocate at start and next to nothing after, and Go's default
// collects a small heap several times during that start.
func tuneGC(args []string) {
	if len(args) > 0 && (args[0] == "backtest" || args[0] == "sweep") {
		backtest.TuneGC()
	}
}
