package backtest

import (
	"bytes"
	"errors"
	"testing"

	"github.com/nanotick/nanotick/strategy"
)

// TestNewStrategyIsStrategy checks that a strategy built by the run (Config.NewStrategy,
// compiled while the data is read ahead) gives the report of the same strategy given
// built, from the gz with and without prefetch, and that its error ends the run.
func TestNewStrategyIsStrategy(t *testing.T) {
	for _, prefetch := range []bool{true, false} {
		cfg := spotBacktest(t)
		cfg.Prefetch = prefetch
		want := runJSON(t, Run)(cfg)

		cfg = spotBacktest(t)
		cfg.Prefetch = prefetch
		built, calls := cfg.Strategy, 0
		cfg.Strategy = nil
		cfg.NewStrategy = func() (strategy.Strategy, error) { calls++; return built, nil }
		if got := runJSON(t, Run)(cfg); !bytes.Equal(got, want) {
			t.Errorf("prefetch %v: the report of a strategy built by the run differs", prefetch)
		}
		if calls != 1 {
			t.Errorf("prefetch %v: NewStrategy called %d times, want 1", prefetch, calls)
		}
	}
	cfg := spotBacktest(t)
	cfg.Strategy = nil
	boom := errors.New("does not compile")
	cfg.NewStrategy = func() (strategy.Strategy, error) { return nil, boom }
	if rep, err := Run(cfg); !errors.Is(err, boom) || rep != nil {
		t.Errorf("Run with a failing NewStrategy = %v, %v; want its error and no report", rep, err)
	}
	cfg.NewStrategy = nil
	if _, err := Run(cfg); err == nil {
		t.Error("Run without a strategy: no error")
	}
}
