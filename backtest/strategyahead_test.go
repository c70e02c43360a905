package backtest

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
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
	hashes := 0
	defer func(h func(string, ...string) (eventcache.Key, error)) { hashFiles = h }(hashFiles)
	hashFiles = func(settings string, files ...string) (eventcache.Key, error) {
		hashes++
		return eventcache.HashFiles(settings, files...)
	}
	builds := 0
	base := spotBacktest(t)
	base.Cache, base.Prefetch, base.Strategy = t.TempDir(), true, nil
	base.NewStrategy = func() (strategy.Strategy, error) {
		builds++
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
		hashes int
	}{
		{"same data", func(*Config) {}, base, 1},
		{"data changed after", func(c *Config) { c.Data = other.Data }, other, 2},
	} {
		rep, err := Run(c.want) // builds the cache file
		plain := reportJSON(t, rep, err)
		hashes, builds = 0, 0
		cfg := base
		StartAhead(&cfg)
		StartAhead(&cfg) // again: nothing more
		c.change(&cfg)
		rep, err = Run(cfg)
		got := reportJSON(t, rep, err)
		if !bytes.Equal(got, plain) {
			t.Errorf("%s: the report differs from the run's without StartAhead", c.name)
		}
		if builds != 1 || hashes != c.hashes {
			t.Errorf("%s: strategy built %d times, recordings hashed %d times; want 1 and %d", c.name, builds, hashes, c.hashes)
		}
	}
}
