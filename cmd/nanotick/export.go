package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/nanotick/nanotick/backtest"
	"github.com/nanotick/nanotick/export"
	"github.com/nanotick/nanotick/feeds/detect"
)

const exportUsage = `usage: nanotick export [--format parquet|csv] [--out DIR] [--venue spot|usdm] FILE...

Writes tables for research in pandas, polars or DuckDB, one file per table in DIR:

  from a backtest report (FILE.json, written by nanotick backtest --json):
    fills.EXT    every fill: time, side, price, quantity, fee, maker, cause, queue
                 estimates, send and receive times, mid at the fill and 100ms/1s/10s after
    orders.EXT   the order log: every order with its times and status
    equity.EXT   the equity curve: time, equity, position, mid
  from recordings (any other FILE, replayed in order as one stream of one instrument):
    tops.EXT     the book's best bid and ask after each depth event that changed them
    trades.EXT   every public trade

EXT is the format: parquet (zstd, DOUBLE prices) or csv. Times are Unix nanoseconds.
The same inputs give byte-identical files. docs/backtesting.md lists every column.

examples:
  nanotick backtest --data ../shared/data/binance-spot-btcusdt-20240808.gz --json run.json
  nanotick export run.json --out research/
  nanotick export --format csv --out research/ ../shared/data/binance-spot-btcusdt-20240808.gz

Exit status: 0 done, 1 a file could not be read or written, 2 a bad command line.`

// runExport implements "nanotick export".
func runExport(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, exportUsage); fs.PrintDefaults() }
	format := fs.String("format", "parquet", "parquet or csv")
	out := fs.String("out", ".", "directory to write the tables in (created if missing)")
	venueFlag := fs.String("venue", "", "the recordings' venue, spot or usdm (default: detected from their streams)")
	files, err := parseInterspersed(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	fail := func(code int, format string, a ...any) int {
		fmt.Fprintf(stderr, "nanotick export: "+format+"\n", a...)
		return code
	}
	f, err := export.ParseFormat(*format)
	if err != nil {
		return fail(2, "%v", err)
	}
	venue, err := detect.ParseVenue(*venueFlag)
	if err != nil {
		return fail(2, "--venue: %v", err)
	}
	if len(files) == 0 {
		return fail(2, "no FILE: give a report (.json) or recordings")
	}
	var reports, recordings []string
	for _, p := range files {
		if strings.HasSuffix(p, ".json") {
			reports = append(reports, p)
		} else {
			recordings = append(recordings, p)
		}
	}
	if len(reports) > 1 || (len(reports) == 1 && len(recordings) > 0) {
		return fail(2, "give one report, or recordings of one instrument, not both")
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fail(1, "%v", err)
	}
	ext := "." + string(f)
	write := func(name string, fn func(io.Writer) error) error {
		path := filepath.Join(*out, name+ext)
		w, err := os.Create(path)
		if err != nil {
			return err
		}
		if err := fn(w); err != nil {
			w.Close()
			return fmt.Errorf("%s: %w", path, err)
		}
		if err := w.Close(); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s\n", path)
		return nil
	}
	if len(reports) == 1 {
		rep, err := loadReport(reports[0])
		if err != nil {
			return fail(1, "%v", err)
		}
		for _, t := range []struct {
			name string
			fn   func(io.Writer, export.Format, *backtest.Report) error
		}{{"fills", export.WriteFills}, {"orders", export.WriteOrders}, {"equity", export.WriteEquity}} {
			if err := write(t.name, func(w io.Writer) error { return t.fn(w, f, rep) }); err != nil {
				return fail(1, "%v", err)
			}
		}
		if rep.OrderLog == nil {
			fmt.Fprintln(stderr, "nanotick export: the report has no order log (a library run without Config.OrderLog): orders"+ext+" is empty")
		}
		return 0
	}
	res, err := detect.File(recordings[0], venue)
	if err != nil {
		return fail(1, "%s: %v", recordings[0], err)
	}
	tops, trades, st, err := export.Recording(recordings, res.Venue, res.Instrument)
	if err != nil {
		return fail(1, "%v", err)
	}
	if err := write("tops", func(w io.Writer) error { return export.WriteTops(w, f, tops) }); err != nil {
		return fail(1, "%v", err)
	}
	if err := write("trades", func(w io.Writer) error { return export.WriteTrades(w, f, trades) }); err != nil {
		return fail(1, "%v", err)
	}
	fmt.Fprintf(stdout, "%s: %d records (%d malformed, %d not decoded, %d sequence gaps), %d tops, %d trades\n",
		res.Name(), st.Records, st.Malformed, st.Undecodable, st.Gaps, len(tops), len(trades))
	return 0
}
