package main

import (
	"bytes"
	"os"
	"path/filepath"
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
		out := filepath.Join(dir, "r.json")
		args := append([]string{"--data", data, "--json", out, "--order-latency", "3ms"}, extra...)
		if code, _, stderr := runBT(t, args...); code != 0 {
			t.Fatalf("%v: exit %d: %s", extra, code, stderr)
		}
		_, b := readReport(t, out)
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
