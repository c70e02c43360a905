package backtest

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/nanotick/nanotick/backtest/eventcache"
	"github.com/nanotick/nanotick/examples/strategies/marketmaker"
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

// TestStartAhead: a run whose start was begun ahead (StartAhead, as the command line
// does before probing the recordings) gives the report of one that was not, builds its
// strategy once, and hashes its recordings for the event cache once: the hash begun
// ahead names the cache file. Data changed after StartAhead is hashed again.
func TestStartAhead(t *testing.T) {
	var hashes, builds atomic.Int32 // counted on the goroutines StartAhead starts
	defer func(h func(string, ...string) (eventcache.Key, error)) { hashFiles = h }(hashFiles)
	hashFiles = func(settings string, files ...string) (eventcache.Key, error) {
		hashes.Add(1)
		return eventcache.HashFiles(settings, files...)
	}
	base := spotBacktest(t)
	base.Cache, base.Prefetch, base.Strategy = t.TempDir(), true, nil
	base.NewStrategy = func() (strategy.Strategy, error) {
		builds.Add(1)
		return marketmaker.New(), nil
	}
	other := base
	other.Data = []string{filepath.Join(t.TempDir(), "copy.gz")}
	src, err := os.ReadFile(base.Data[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(other.Data[0], src, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		change func(*Config) // after StartAhead
		want   Config        // the run to compare with
		hashes int32
	}{
		{"same data", func(*Config) {}, base, 1},
		{"data changed after", func(c *Config) { c.Data = other.Data }, other, 2},
	} {
		rep, err := Run(c.want) // builds the cache file
		plain := reportJSON(t, rep, err)
		hashes.Store(0)
		builds.Store(0)
		cfg := base
		StartAhead(&cfg)
		StartAhead(&cfg) // again: nothing more
		c.change(&cfg)
		rep, err = Run(cfg)
		got := reportJSON(t, rep, err)
		<-cfg.dataHash.done // a hash begun ahead and not used still ends
		if !bytes.Equal(got, plain) {
			t.Errorf("%s: the report differs from the run's without StartAhead", c.name)
		}
		if builds.Load() != 1 || hashes.Load() != c.hashes {
			t.Errorf("%s: strategy built %d times, recordings hashed %d times; want 1 and %d", c.name, builds.Load(), hashes.Load(), c.hashes)
		}
		// A run retried with the same Config (the command line does, when the cache
		// directory turns out unwritable) builds a strategy of its own, rather than
		// wait for the one the first run took.
		first, err1 := cfg.NewStrategy()
		second, err2 := cfg.NewStrategy()
		if err1 != nil || err2 != nil || first == second || builds.Load() != 3 {
			t.Errorf("%s: NewStrategy twice after the run: %v, %v, the same strategy %v, %d builds in all; want two new ones, 3 builds", c.name, err1, err2, first == second, builds.Load())
		}
	}
}
