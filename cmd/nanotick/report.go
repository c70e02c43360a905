package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/nanotick/nanotick/backtest"
	"github.com/nanotick/nanotick/backtest/htmlreport"
)

const reportUsage = `usage: nanotick report html REPORT.json --out PAGE.html
       nanotick report compare A.json B.json [C.json ...] --out PAGE.html [--name NAME ...]

Renders saved backtest reports (nanotick backtest --json FILE) as HTML.

  html      the page nanotick backtest --html writes, from a saved JSON report: the
            summary, the charts on one time axis, why each fill happened, the tearsheet
            and the PnL by hour.
  compare   two or more runs side by side: settings, PnL and its split, round trips,
            markouts, fill ratios, latency, one column per run, and their PnL, position
            and markouts in shared charts. --name names the runs in order (default: the
            file names).

Both pages are self-contained and byte-identical for the same inputs.

examples:
  nanotick backtest --data ../shared/data/binance-spot-btcusdt-20240808.gz --json a.json
  nanotick backtest --data ../shared/data/binance-spot-btcusdt-20240808.gz --order-latency 20ms --json b.json
  nanotick report compare a.json b.json --name 0ms --name 20ms --out compare.html

Exit status: 0 done, 1 a report could not be read or the page written, 2 a bad command line.`

// runReport implements "nanotick report".
func runReport(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(stderr, reportUsage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	sub := args[0]
	if sub != "html" && sub != "compare" {
		fmt.Fprintf(stderr, "nanotick report: unknown subcommand %q (html, compare)\n\n%s\n", sub, reportUsage)
		return 2
	}
	fs := flag.NewFlagSet("report "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, reportUsage); fs.PrintDefaults() }
	out := fs.String("out", "", "the HTML page to write (- for stdout)")
	var names multiFlag
	fs.Var(&names, "name", "name of each run, in order (compare; repeatable)")
	files, err := parseInterspersed(fs, args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	fail := func(code int, format string, a ...any) int {
		fmt.Fprintf(stderr, "nanotick report %s: "+format+"\n", append([]any{sub}, a...)...)
		return code
	}
	switch {
	case *out == "":
		return fail(2, "--out PAGE.html is required")
	case sub == "html" && len(files) != 1:
		return fail(2, "want one report, got %d", len(files))
	case sub == "compare" && len(files) < 2:
		return fail(2, "want two or more reports, got %d", len(files))
	case len(names) > 0 && len(names) != len(files):
		return fail(2, "%d --name for %d reports", len(names), len(files))
	}
	var runs []htmlreport.Run
	for i, f := range files {
		rep, err := loadReport(f)
		if err != nil {
			return fail(1, "%v", err)
		}
		name := filepath.Base(f)
		if len(names) > 0 {
			name = names[i]
		}
		runs = append(runs, htmlreport.Run{Name: name, Report: rep})
	}
	w, closeOut, err := openOut(*out, stdout)
	if err != nil {
		return fail(1, "%v", err)
	}
	if sub == "html" {
		err = htmlreport.Write(w, runs[0].Report)
	} else {
		err = htmlreport.WriteCompare(w, runs, htmlreport.Options{})
	}
	if cerr := closeOut(); err == nil {
		err = cerr
	}
	if err != nil {
		return fail(1, "%v", err)
	}
	return 0
}

// loadReport reads a JSON report that nanotick backtest --json wrote, and computes its
// tearsheet again (the latency samples of its histograms are not in the JSON).
func loadReport(path string) (*backtest.Report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var rep backtest.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		return nil, fmt.Errorf("%s: not a backtest report: %w", path, err)
	}
	if rep.Strategy == "" && rep.Start == "" && len(rep.Equity) == 0 {
		return nil, fmt.Errorf("%s: not a backtest report (no strategy, start or equity)", path)
	}
	rep.Tearsheet = backtest.ComputeTearsheet(&rep)
	return &rep, nil
}

// openOut opens the output file, or stdout for "-"; close finishes it.
func openOut(path string, stdout io.Writer) (io.Writer, func() error, error) {
	if path == "-" {
		return stdout, func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, err
	}
	return f, f.Close, nil
}

// parseInterspersed parses flags that may come before, between or after the
// positional arguments, and returns the positional ones.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}
