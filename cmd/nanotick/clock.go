package main

import "github.com/nanotick/nanotick/backtest"

// setClockOptions sets the backtest's exchange-clock options from the command line,
// or returns fail's status for a value it does not know.
func setClockOptions(bt *backtest.Config, exTime, offset string, fail func(string, ...any) int) int {
	et, err := backtest.ParseExchangeTime(exTime)
	if err != nil {
		return fail("--exchange-time: %v", err)
	}
	co, err := backtest.ParseClockOffset(offset)
	if err != nil {
		return fail("--clock-offset: %v", err)
	}
	bt.ExchangeTime, bt.ClockOffset = et, co
	return 0
}
