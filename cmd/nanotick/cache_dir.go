package main

import (
	"fmt"
	"os"
	"path/filepath"
)

// cacheFlagHelp is the help of --cache, shared by backtest and sweep run.
const cacheFlagHelp = "event cache directory (\"auto\": the user's cache directory, nanotick/events): replay each recording's decoded events from its cache file there, memory-mapped, building it on the first run (same results; see docs/backtesting.md)"

// cacheDir resolves the --cache flag: "" for none, "auto" for nanotick's directory in
// the user's cache directory ($XDG_CACHE_HOME or ~/.cache on Linux), else the
// directory given.
func cacheDir(flag string) (string, error) {
	if flag != "auto" {
		return flag, nil
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("--cache auto: %w", err)
	}
	return filepath.Join(dir, "nanotick", "events"), nil
}
