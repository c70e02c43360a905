package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// cacheFlagHelp is the help of --cache, shared by backtest and sweep run.
const cacheFlagHelp = "event cache directory (\"auto\": the user's cache directory, nanotick/events): replay each recording's decoded events from its cache file there, memory-mapped, building it on the first run (same results; see docs/backtesting.md)"

// cacheDir resolves the --cache flag: "" for none, "auto" for nanotick's directory in
// the user's cache directory ($XDG_CACHE_HOME or ~/.cache on Linux), else the
// directory given. Where "auto" finds no user cache directory (neither variable set, as
// in a bare container), the run goes on without the cache and says so on stderr as cmd:
// the cache is an optimisation, and the run without it gives the same report (as for a
// cache directory that cannot be written, backtest.ErrCacheNotWritable).
func cacheDir(flag string, stderr io.Writer, cmd string) string {
	if flag != "auto" {
		return flag
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		fmt.Fprintf(stderr, "%s: --cache auto: %v: reading the recordings directly (same results)\n", cmd, err)
		return ""
	}
	return filepath.Join(dir, "nanotick", "events")
}
