package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nanotick/nanotick/internal/testdata"
)

// TestBacktestCPUProfile wants --cpuprofile to leave a gzip-compressed profile (the
// format of runtime/pprof) beside an unchanged run, and an unwritable path refused with
// exit 2 before anything runs.
func TestBacktestCPUProfile(t *testing.T) {
	data := testdata.SharedData(t, spotFile)
	dir := t.TempDir()
	prof := filepath.Join(dir, "cpu.prof")
	code, _, stderr := runBT(t, "--data", data, "--cpuprofile", prof)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	raw, err := os.ReadFile(prof)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("the profile is not gzip, as runtime/pprof writes it: %v", err)
	}
	if body, err := io.ReadAll(zr); err != nil || len(body) == 0 {
		t.Fatalf("profile: %d bytes, %v", len(body), err)
	}
	code, _, stderr = runBT(t, "--data", data, "--cpuprofile", filepath.Join(dir, "no", "such", "dir", "cpu.prof"))
	if code != 2 || !strings.Contains(stderr, "--cpuprofile") {
		t.Fatalf("unwritable profile path: exit %d, %q; want 2 and the flag named", code, stderr)
	}
}
