package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nanotick/nanotick/internal/testdata"
)

// TestReportCommand renders a saved report as HTML (the same bytes backtest --html
// wrote), compares two runs, and refuses bad command lines and files that are not
// reports.
func TestReportCommand(t *testing.T) {
	data := testdata.SharedData(t, spotFile)
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json")
	page := filepath.Join(dir, "a.html")
	if code, _, stderr := runBT(t, "--data", data, "--json", a, "--html", page); code != 0 {
		t.Fatalf("backtest: exit %d: %s", code, stderr)
	}
	if code, _, stderr := runBT(t, "--data", data, "--json", b, "--order-latency", "20ms"); code != 0 {
		t.Fatalf("backtest: exit %d: %s", code, stderr)
	}
	run := func(args ...string) (int, string) {
		var o, e bytes.Buffer
		code := runReport(args, &o, &e)
		return code, e.String()
	}
	again := filepath.Join(dir, "again.html")
	if code, stderr := run("html", a, "--out", again); code != 0 {
		t.Fatalf("report html: exit %d: %s", code, stderr)
	}
	x, _ := os.ReadFile(page)
	y, _ := os.ReadFile(again)
	if !bytes.Equal(x, y) {
		t.Error("report html of the saved JSON differs from the page backtest --html wrote")
	}
	cmp := filepath.Join(dir, "cmp.html")
	if code, stderr := run("compare", "--out", cmp, a, b, "--name", "zero", "--name", "20ms"); code != 0 {
		t.Fatalf("report compare: exit %d: %s", code, stderr)
	}
	doc, _ := os.ReadFile(cmp)
	if !strings.Contains(string(doc), "<th>zero</th><th>20ms</th>") || !strings.Contains(string(doc), "constant entry 20ms") {
		t.Error("the comparison lacks the runs' columns or settings")
	}
	notReport := filepath.Join(dir, "x.json")
	os.WriteFile(notReport, []byte(`{"hello": 1}`), 0o644)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"compare", a, "--out", cmp}, 2, "two or more"},
		{[]string{"html", a}, 2, "--out"},
		{[]string{"compare", a, b, "--name", "one", "--out", cmp}, 2, "1 --name for 2"},
		{[]string{"pdf", a}, 2, "unknown subcommand"},
		{[]string{"html", notReport, "--out", cmp}, 1, "not a backtest report"},
		{[]string{"html", filepath.Join(dir, "missing.json"), "--out", cmp}, 1, "missing.json"},
	} {
		if code, stderr := run(tc.args...); code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, code, stderr, tc.code, tc.want)
		}
	}
}
