// Package testdata holds helpers for tests and benchmarks: it locates the
// recorded market data they share, and measures thread CPU time for
// benchmarks on a busy machine. Only test files may import it.
//
// The data lives outside the repository, in ../shared/data next to the
// module root, and must never be copied into it.
package testdata

import (
	"os"
	"path/filepath"
	"testing"
)

// SharedData returns the path of the shared data file name. If the file is
// absent, the test is skipped, except when the environment variable CI is
// "true", where a missing file is a failure: CI must run the real-data tests.
func SharedData(t testing.TB, name string) string {
	t.Helper()
	path, err := sharedData(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shared test data: %v", err)
		} else {
			t.Skipf("shared test data not available (set CI=true to make this fatal): %v", err)
		}
	}
	return path
}

// sharedData returns the path of name in ../shared/data relative to the
// module root, the nearest directory above the working directory (a test's
// package directory) that holds go.mod.
func sharedData(name string) (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", &os.PathError{Op: "find module root", Path: dir, Err: os.ErrNotExist}
		}
		dir = parent
	}
	path := filepath.Join(dir, "..", "shared", "data", name)
	if _, err := os.Stat(path); err != nil {
		return "", err
	}
	return path, nil
}
