package main

// nanotick sweep run --data FILE... --param name=v1,v2,... [--shard i/n] [--out FILE] [--sort METRIC]
// nanotick sweep merge FILES... [--sort METRIC]
//
// Runs a grid of backtests of the builtin market_maker script (the backtest command's defaults),
// one engine per run, on every core; or one shard of the grid, writing JSON lines for
// a later merge (Kubernetes Indexed Jobs: --shards N takes the index from
// JOB_COMPLETION_INDEX).

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/nanotick/nanotick/backtest"
	"github.com/nanotick/nanotick/backtest/sweep"
	"github.com/nanotick/nanotick/config"
	"github.com/nanotick/nanotick/feeds/binance"
	"github.com/nanotick/nanotick/feeds/tardis"
	"github.com/nanotick/nanotick/strategy"
)

const sweepUsage = `usage: nanotick sweep run [--config FILE [--strategy NAME]] --data FILE --param NAME=V1,V2,... [--param ...] [--shard I/N | --shards N] [--out FILE] [--sort METRIC]
       nanotick sweep run ... --tardis-book FILE [--tardis-trades FILE] ...
       nanotick sweep merge FILE... [--sort METRIC] [--out FILE]

run backtests the config's strategy (without --config, the builtin script market_maker with the
defaults of "nanotick backtest") over recordings, or over Tardis.dev CSV files, at every
point of the grid, the cartesian product of the --param lists, on all cores, and prints the
results ranked by METRIC (pnl, return, sharpe, fills: largest first; drawdown: smallest
first). With --shard I/N it runs only the points whose index mod N is I and writes them
as JSON lines to --out (default sweep-shard-I-of-N.jsonl); --shard /N or --shards N
takes I from JOB_COMPLETION_INDEX, as a Kubernetes Indexed Job sets it.

merge joins shard files into one ranked table, failing on files of different grids,
duplicate points or missing points.

examples:
  nanotick sweep run --data ../shared/data/binance-spot-btcusdt-20240808.gz --param halfSpreadBps=1,2,3 --param size=0.001,0.002
  nanotick sweep run --data DATA --param halfSpreadBps=1,2,3 --shard 0/2 --out shard0.jsonl
  nanotick sweep merge shard0.jsonl shard1.jsonl`

// runSweep implements "nanotick sweep". Exit status: 0 done, 1 a run or the merge
// failed, 2 a bad command line.
func runSweep(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, sweepUsage)
		return 2
	}
	switch args[0] {
	case "run":
		return sweepRun(args[1:], stdout, stderr, os.Getenv)
	case "merge":
		return sweepMerge(args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprintln(stderr, sweepUsage)
		return 0
	}
	fmt.Fprintf(stderr, "nanotick sweep: unknown subcommand %q (want run or merge)\n", args[0])
	return 2
}

// parseInterleaved parses flags that may come before, between or after positional
// arguments, and returns the positional ones.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func sweepRun(args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := flag.NewFlagSet("sweep run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, sweepUsage)
		fs.PrintDefaults()
	}
	var data, params, tBook, tTrades multiFlag
	configFile := fs.String("config", "", "config file: its strategy, instrument, risk and [backtest] table (default: the builtin script market_maker on BTCUSDT spot)")
	stratName := fs.String("strategy", "", "the [[strategy]] of the config to run (default: the first)")
	fs.Var(&data, "data", "recording to replay (repeatable; replaces the config's data)")
	fs.Var(&tBook, "tardis-book", "Tardis.dev incremental_book_L2 CSV file to replay instead of recordings (repeatable)")
	fs.Var(&tTrades, "tardis-trades", "Tardis.dev trades CSV file to replay with it (repeatable)")
	fs.Var(&params, "param", "swept strategy parameter NAME=V1,V2,... (repeatable)")
	shardSpec := fs.String("shard", "", "run shard I/N of the grid (/N: I from "+sweep.JobIndexEnv+")")
	shards := fs.Int("shards", 0, "run shard "+sweep.JobIndexEnv+" of N (same as --shard /N)")
	out := fs.String("out", "", "write the results as JSON lines to FILE")
	sortBy := fs.String("sort", string(sweep.ByPnL), "metric to rank by: pnl, return, sharpe, drawdown, fills")
	workers := fs.Int("workers", 0, "concurrent runs (0: GOMAXPROCS)")
	orderLat := fs.Duration("order-latency", 0, "order entry latency")
	respLat := fs.Duration("response-latency", 0, "response latency")
	makerFee := fs.Float64("maker-fee-bps", 0, "maker fee in basis points (negative: rebate)")
	takerFee := fs.Float64("taker-fee-bps", 0, "taker fee in basis points")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "nanotick sweep run: "+format+"\n", a...)
		return 2
	}
	if len(pos) > 0 {
		return fail("unexpected argument %q (recordings are given with --data)", pos[0])
	}
	var c *config.Config
	if *configFile != "" {
		var ok bool
		dataGiven := config.Options{DataGiven: len(data)+len(tBook)+len(tTrades) > 0}
		if c, ok = loadConfigWith(*configFile, "nanotick sweep run", stderr, dataGiven); !ok {
			return 2
		}
	} else if *stratName != "" {
		return fail("--strategy needs --config")
	}
	// newSettings builds a run's settings afresh, strategy included, so that concurrent
	// runs share nothing.
	newSettings := func() (settings, error) {
		if c == nil {
			return defaultSettings(), nil
		}
		return fromConfig(c, *stratName)
	}
	base, err := newSettings()
	if err != nil {
		return fail("%v", err)
	}
	tardisRun := len(tBook)+len(tTrades) > 0
	if len(data) == 0 && !tardisRun {
		data = base.bt.Data
	}
	switch {
	case tardisRun && len(data) > 0:
		return fail("give --data or --tardis-book/--tardis-trades, not both")
	case !tardisRun && len(data) == 0:
		return fail("no recordings: give --data FILE (or --tardis-book FILE)")
	}
	for _, f := range append(append(slices.Clone(data), tBook...), tTrades...) {
		if _, err := os.Stat(f); err != nil {
			return fail("%v", err)
		}
	}
	metric, err := sweep.ParseMetric(*sortBy)
	if err != nil {
		return fail("--sort: %v", err)
	}
	grid, err := sweep.ParseGrid(params)
	if err != nil {
		return fail("--param: %v", err)
	}
	shard := sweep.All
	switch {
	case *shardSpec != "" && *shards != 0:
		return fail("give --shard or --shards, not both")
	case *shards != 0:
		*shardSpec = fmt.Sprintf("/%d", *shards)
		fallthrough
	case *shardSpec != "":
		if shard, err = sweep.ParseShard(*shardSpec, getenv); err != nil {
			return fail("%v", err)
		}
		if *out == "" {
			*out = fmt.Sprintf("sweep-shard-%d-of-%d.jsonl", shard.I, shard.N)
		}
	}
	if *workers < 0 || *orderLat < 0 || *respLat < 0 {
		return fail("--workers and latencies must not be negative")
	}

	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	run := func(p map[string]float64) (*backtest.Report, error) {
		s, err := newSettings()
		if err != nil {
			return nil, err
		}
		s.bt.Data = data
		params := strategy.Params{}
		for k, v := range s.bt.Engine.Params {
			params[k] = v
		}
		for k, v := range p {
			params[k] = v
		}
		s.bt.Engine.Params = params
		if set["maker-fee-bps"] {
			s.bt.MakerFeeBps = *makerFee
		}
		if set["taker-fee-bps"] {
			s.bt.TakerFeeBps = *takerFee
		}
		if set["order-latency"] {
			s.orderLatency = *orderLat
		}
		if set["response-latency"] {
			s.responseLatency = *respLat
		}
		s.bt.MaxFeedLatency = time.Second
		if s.latencyFile != "" && !set["order-latency"] && !set["response-latency"] {
			s.bt.Latency, err = backtest.LoadLatencyFile(s.latencyFile, 1)
		} else {
			s.bt.Latency, err = backtest.ConstantLatency(s.orderLatency, s.responseLatency)
		}
		if err != nil {
			return nil, err
		}
		if !tardisRun {
			return backtest.Run(s.bt)
		}
		in := s.bt.Engine.Instrument
		src, err := tardis.Open(tardis.Options{
			Venue:      binanceVenue(s.bt.Engine.Venue),
			Instrument: binance.Instrument{Symbol: in.Symbol, PriceScale: in.PriceScale, QtyScale: in.QtyScale},
			Book:       tBook, Trades: tTrades,
		})
		if err != nil {
			return nil, err
		}
		defer src.Close()
		s.bt.Data = append(slices.Clone([]string(tBook)), tTrades...)
		return backtest.RunSource(s.bt, src)
	}
	results := sweep.Run(grid, shard, *workers, run)
	status := 0
	for _, r := range results {
		if r.Err != "" {
			fmt.Fprintf(stderr, "nanotick sweep run: point %d: %s\n", r.Index, r.Err)
			status = 1
		}
	}
	if *out != "" {
		if err := writeResultsFile(*out, results); err != nil {
			fmt.Fprintf(stderr, "nanotick sweep run: %v\n", err)
			return 1
		}
	}
	sweep.Sort(results, metric)
	if shard != sweep.All {
		fmt.Fprintf(stdout, "shard %s: %d of %d points of %s\n", shard, len(results), grid.Len(), grid)
	}
	if err := sweep.WriteTable(stdout, grid.Names(), results); err != nil {
		fmt.Fprintf(stderr, "nanotick sweep run: %v\n", err)
		return 1
	}
	return status
}

func writeResultsFile(path string, rs []sweep.Result) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := sweep.WriteResults(f, rs); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}

func sweepMerge(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sweep merge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, sweepUsage)
		fs.PrintDefaults()
	}
	sortBy := fs.String("sort", string(sweep.ByPnL), "metric to rank by: pnl, return, sharpe, drawdown, fills")
	out := fs.String("out", "", "also write the merged results as JSON lines to FILE")
	files, err := parseInterleaved(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	metric, err := sweep.ParseMetric(*sortBy)
	if err != nil {
		fmt.Fprintf(stderr, "nanotick sweep merge: --sort: %v\n", err)
		return 2
	}
	if len(files) == 0 {
		fmt.Fprintln(stderr, "nanotick sweep merge: no shard files")
		return 2
	}
	var inputs []sweep.Input
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintf(stderr, "nanotick sweep merge: %v\n", err)
			return 1
		}
		defer f.Close()
		inputs = append(inputs, sweep.Input{Name: name, R: f})
	}
	grid, results, err := sweep.Merge(inputs)
	if err != nil {
		fmt.Fprintf(stderr, "nanotick sweep merge: %v\n", err)
		return 1
	}
	if *out != "" {
		if err := writeResultsFile(*out, results); err != nil {
			fmt.Fprintf(stderr, "nanotick sweep merge: %v\n", err)
			return 1
		}
	}
	failed := 0
	for _, r := range results {
		if r.Err != "" {
			failed++
		}
	}
	sweep.Sort(results, metric)
	fmt.Fprintf(stdout, "%d points of %s from %s\n", len(results), grid, strings.Join(files, ", "))
	if err := sweep.WriteTable(stdout, grid.Names(), results); err != nil {
		fmt.Fprintf(stderr, "nanotick sweep merge: %v\n", err)
		return 1
	}
	if failed > 0 {
		fmt.Fprintf(stderr, "nanotick sweep merge: %d points failed\n", failed)
		return 1
	}
	return 0
}
