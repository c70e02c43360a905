package backtest

import (
	"errors"
	"strings"
	"testing"

	"github.com/nanotick/nanotick/strategy"
	"github.com/nanotick/nanotick/strategy/script"
)

// TestStrategyBuiltAhead: a strategy built beside the opening of the data
// (buildStrategyAhead) is the run's, once; its construction's error, or panic, is the
// run's error, and the process goes on.
func TestStrategyBuiltAhead(t *testing.T) {
	calls := 0
	cfg := spotBacktest(t)
	cfg.Strategy = nil
	cfg.NewStrategy = func() (strategy.Strategy, error) {
		calls++
		return script.Compile("ok.js", []byte("function onBook() {}"), script.Options{})
	}
	if _, err := Run(cfg); err != nil || calls != 1 {
		t.Fatalf("run: %v; built %d times, want once", err, calls)
	}
	bad := errors.New("no such strategy")
	cfg.NewStrategy = func() (strategy.Strategy, error) { return nil, bad }
	if _, err := Run(cfg); !errors.Is(err, bad) {
		t.Fatalf("run: %v, want the construction's error", err)
	}
	cfg.NewStrategy = func() (strategy.Strategy, error) { panic("boom") }
	if _, err := Run(cfg); err == nil || !strings.Contains(err.Error(), "panic building the strategy: boom") {
		t.Fatalf("run: %v, want the construction's panic as an error", err)
	}
}
