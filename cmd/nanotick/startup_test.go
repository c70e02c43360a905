package main

import (
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// maxInitAllocs bounds the allocations of any nanotick package's initialisation. Every
// command runs every linked package's initialisation before main, whatever it does, so
// a template, a regexp or a table built in a package-level variable is paid by every
// backtest: build it on first use instead (sync.OnceValue), or write the check as a
// loop.
const maxInitAllocs = 64

// TestPackageInitIsCheap runs this test binary again with GODEBUG=inittrace=1, which
// makes the runtime print each package's initialisation, and wants every nanotick
// package under maxInitAllocs allocations.
func TestPackageInitIsCheap(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s -test.run=^$: %v\n%s", exe, err, out)
	}
	line := regexp.MustCompile(`(?m)^init (github\.com/nanotick/nanotick/\S+) @.* (\d+) allocs$`)
	found := line.FindAllStringSubmatch(string(out), -1)
	if len(found) < 10 {
		t.Fatalf("inittrace printed %d nanotick packages, want the dozens this binary links:\n%s", len(found), out)
	}
	for _, m := range found {
		n, _ := strconv.Atoi(m[2])
		if n > maxInitAllocs {
			t.Errorf("package %s allocates %d times at initialisation (at most %d): build its package-level variables on first use", strings.TrimPrefix(m[1], "github.com/nanotick/nanotick/"), n, maxInitAllocs)
		}
	}
}
