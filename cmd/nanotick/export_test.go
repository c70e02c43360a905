package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nanotick/nanotick/internal/testdata"
)

// TestExportCommand exports a backtest report and a recording, in both formats, and
// refuses bad command lines.
func TestExportCommand(t *testing.T) {
	data := testdata.SharedData(t, spotFile)
	dir := t.TempDir()
	rep := filepath.Join(dir, "run.json")
	if code, _, stderr := runBT(t, "--data", data, "--json", rep); code != 0 {
		t.Fatalf("backtest: exit %d: %s", code, stderr)
	}
	run := func(args ...string) (int, string, string) {
		var o, e bytes.Buffer
		code := runExport(args, &o, &e)
		return code, o.String(), e.String()
	}
	out := filepath.Join(dir, "out")
	if code, _, stderr := run(rep, "--out", out); code != 0 {
		t.Fatalf("export report: exit %d: %s", code, stderr)
	}
	if code, stdout, stderr := run("--format", "csv", "--out", out, data); code != 0 || !strings.Contains(stdout, "9757 trades") {
		t.Fatalf("export recording: exit %d: %s%s", code, stdout, stderr)
	}
	for _, name := range []string{"fills.parquet", "orders.parquet", "equity.parquet", "tops.csv", "trades.csv"} {
		fi, err := os.Stat(filepath.Join(out, name))
		if err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
	b, _ := os.ReadFile(filepath.Join(out, "fills.parquet"))
	if !bytes.HasPrefix(b, []byte("PAR1")) || !bytes.HasSuffix(b, []byte("PAR1")) {
		t.Error("fills.parquet is not a Parquet file")
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--format", "xlsx", rep}, 2, "unknown format"},
		{[]string{"--out", out}, 2, "no FILE"},
		{[]string{rep, data, "--out", out}, 2, "not both"},
		{[]string{filepath.Join(dir, "missing.json"), "--out", out}, 1, "missing.json"},
	} {
		if code, _, stderr := run(tc.args...); code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, %q; want %d and %q", tc.args, code, stderr, tc.code, tc.want)
		}
	}
}
