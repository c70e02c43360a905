package testdata

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestSharedDataFound(t *testing.T) {
	path := SharedData(t, "README.md")
	if filepath.Base(path) != "README.md" || filepath.Base(filepath.Dir(path)) != "data" {
		t.Errorf("SharedData(README.md) = %q, want .../shared/data/README.md", path)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("returned path does not exist: %v", err)
	}
}

func TestSharedDataMissing(t *testing.T) {
	_, err := sharedData("no-such-file.gz")
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("sharedData(missing) error = %v, want ErrNotExist", err)
	}
}

// recorder is a testing.TB that records Skip and Fatal instead of stopping
// the real test.
type recorder struct {
	testing.TB
	skipped, failed bool
}

func (r *recorder) Helper()               {}
func (r *recorder) Skipf(string, ...any)  { r.skipped = true }
func (r *recorder) Fatalf(string, ...any) { r.failed = true }

func TestSharedDataMissingRule(t *testing.T) {
	tests := []struct {
		ci                   string
		wantSkip, wantFailed bool
	}{
		{"", true, false},
		{"false", true, false},
		{"true", false, true},
	}
	for _, tt := range tests {
		t.Setenv("CI", tt.ci)
		r := &recorder{TB: t}
		SharedData(r, "no-such-file.gz")
		if r.skipped != tt.wantSkip || r.failed != tt.wantFailed {
			t.Errorf("CI=%q: skipped=%v failed=%v, want %v %v", tt.ci, r.skipped, r.failed, tt.wantSkip, tt.wantFailed)
		}
	}
}

func TestCPUTimer(t *testing.T) {
	c := StartCPUTimer()
	x := 1
	for i := range 50_000_000 { // some work the compiler cannot drop
		x = x*31 + i
	}
	d, ok := c.Stop()
	if !ok {
		t.Skip("no thread CPU clock on this platform")
	}
	if d <= 0 || d > time.Minute {
		t.Errorf("CPU time of a busy loop = %v (x=%d), want a positive duration", d, x)
	}
	idle := StartCPUTimer()
	time.Sleep(50 * time.Millisecond)
	if d, _ := idle.Stop(); d > 40*time.Millisecond {
		t.Errorf("CPU time of a 50ms sleep = %v, want much less", d)
	}
}
