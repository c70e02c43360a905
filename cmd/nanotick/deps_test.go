package main

import (
	"runtime/debug"
	"strings"
	"testing"
)

// unwanted are modules nanotick must not link: each package linked is initialised by
// every process before main, whatever the command. gonum's plot parsed its Liberation
// fonts at initialisation (some 1.7 M instructions and the page faults of the font
// data, in every command), for charts that package svgchart now draws. The Prometheus
// client and what only it pulled in cost some 1.9 M instructions and 180 page faults
// at every start, for the admin server's /metrics, which admin writes itself now
// (admin/textformat.go). A test of this package importing one of them (expfmt, say)
// would fail this test too: the test binary links what its tests import.
var unwanted = []string{
	"gonum.org/v1/plot",
	"codeberg.org/go-fonts/liberation",
	"codeberg.org/go-latex/latex",
	"git.sr.ht/~sbinet/gg",
	"golang.org/x/image",
	"github.com/prometheus/client_golang",
	"github.com/prometheus/procfs",
	"github.com/prometheus/client_model",
	"github.com/prometheus/common",
	"github.com/beorn7/perks",
	"github.com/munnerz/goautoneg",
}

// TestUnwantedModulesNotLinked reads the modules linked into this test binary, which
// links every package of the command, and fails on any of unwanted.
func TestUnwantedModulesNotLinked(t *testing.T) {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		t.Fatal("the test binary carries no build information")
	}
	linked := map[string]bool{}
	for _, d := range info.Deps {
		linked[d.Path] = true
	}
	// A module every command links: without it the list is not what this test thinks.
	if !linked["github.com/shopspring/decimal"] {
		t.Fatalf("the build information lists %d modules, without github.com/shopspring/decimal: %v", len(info.Deps), info.Deps)
	}
	for _, m := range unwanted {
		if linked[m] {
			t.Errorf("module %s is linked into nanotick: every command would initialise it before main", m)
		}
	}
	for p := range linked {
		if strings.HasPrefix(p, "gonum.org/") {
			t.Errorf("module %s is linked into nanotick", p)
		}
	}
}
