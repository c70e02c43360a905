package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nanotick/nanotick/internal/testdata"
)

// TestBacktestCache runs the default backtest from the gz, then twice with --cache
// (building, then replaying the cache file), and with --cache auto, and wants the same
// JSON report every time and one cache file.
func TestBacktestCache(t *testing.T) {
	data := testdata.SharedData(t, spotFile)
	dir := t.TempDir()
	run := func(extra ...string) []byte {
		t.Helper()
		b, _ := backtestReport(t, append([]string{"--data", data, "--order-latency", "3ms"}, extra...)...)
		return b
	}
	want := run()
	cache := filepath.Join(dir, "cache")
	for i := range 2 {
		if got := run("--cache", cache); !bytes.Equal(got, want) {
			t.Fatalf("run %d with --cache: the report differs from the gz run's", i+1)
		}
	}
	if m, _ := filepath.Glob(filepath.Join(cache, "*.ntev")); len(m) != 1 {
		t.Fatalf("cache files: %v", m)
	}
	t.Setenv("XDG_CACHE_HOME", filepath.Join(dir, "xdg"))
	if got := run("--cache", "auto"); !bytes.Equal(got, want) {
		t.Fatal("--cache auto: the report differs")
	}
	if _, err := os.Stat(filepath.Join(dir, "xdg", "nanotick", "events")); err != nil {
		t.Fatalf("--cache auto wrote no cache: %v", err)
	}
}

// TestCacheAutoWithoutCacheHome: --cache auto where the user has no cache directory
// (neither $XDG_CACHE_HOME nor $HOME, as in a bare container) runs without the cache,
// says so, and gives the report of a run from the gz.
func TestCacheAutoWithoutCacheHome(t *testing.T) {
	data := testdata.SharedData(t, spotFile)
	want, _ := backtestReport(t, "--data", data)
	t.Setenv("XDG_CACHE_HOME", "")
	t.Setenv("HOME", "")
	got, stderr := backtestReport(t, "--data", data, "--cache", "auto")
	if !bytes.Equal(got, want) {
		t.Error("--cache auto without a cache directory: the report differs from the gz run's")
	}
	if !strings.Contains(stderr, "--cache auto") || !strings.Contains(stderr, "reading the recordings directly (same results)") {
		t.Errorf("stderr does not say the run went on without the cache:\n%s", stderr)
	}
}

// backtestReport runs nanotick backtest with args and a JSON report, fails the test unless
// it exits 0, and returns the report and what the run wrote to stderr.
func backtestReport(t *testing.T, args ...string) (report []byte, stderr string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "r.json")
	code, _, stderr := runBT(t, append(args, "--json", out)...)
	if code != 0 {
		t.Fatalf("%v: exit %d: %s", args, code, stderr)
	}
	_, report = readReport(t, out)
	return report, stderr
}
