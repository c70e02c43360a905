package main

import (
	"runtime/debug"
	"testing"
)

// notLinked are modules the nanotick binary must not link: each costs every process,
// backtests included, its package initialisation before main. The Prometheus client and
// what only it pulled in cost about 1.9 M instructions and a third of the page faults
// every start paid beyond net/http's; the admin server writes /metrics without it
// (admin/textformat.go). A test of this package importing one of them (expfmt, say)
// would make this check fail too: the test binary links what its tests import.
var notLinked = []string{
	"github.com/prometheus/client_golang",
	"github.com/prometheus/procfs",
	"github.com/prometheus/client_model",
	"github.com/prometheus/common",
	"github.com/beorn7/perks",
	"github.com/munnerz/goautoneg",
}

// TestHeavyLibrariesAreNotLinked reads the modules linked into this test binary, which
// holds every package of the nanotick binary: none of notLinked may be among them.
func TestHeavyLibrariesAreNotLinked(t *testing.T) {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		t.Fatal("no build information in the test binary")
	}
	if len(info.Deps) < 5 {
		t.Fatalf("build information lists %d modules, want the dozens this binary links", len(info.Deps))
	}
	for _, dep := range info.Deps {
		for _, path := range notLinked {
			if dep.Path == path {
				t.Errorf("%s %s is linked into cmd/nanotick: every process pays its initialisation at start-up; see docs/backtesting.md, \"Start-up\"",
					dep.Path, dep.Version)
			}
		}
	}
}
