package main

// nanotick sweep run --data FILE... --param name=v1,v2,... [--search ...] [--shard i/n] [--out FILE] [--sort METRIC]
// nanotick sweep merge FILES... [--sort METRIC]
//
// Runs the points of a grid (all, a random sample, or successive halving; optionally
// walk-forward) of backtests, one engine per run, on every core, over data read and
// decoded once into memory; or one shard of the grid, writing JSON lines for a later
// merge (Kubernetes Indexed Jobs: --shards N takes the index from JOB_COMPLETION_INDEX).

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/backtest"
	"github.com/nanotick/nanotick/backtest/sweep"
	"github.com/nanotick/nanotick/config"
	"github.com/nanotick/nanotick/examples/strategies"
	"github.com/nanotick/nanotick/feeds/binance"
	"github.com/nanotick/nanotick/feeds/tardis"
	"github.com/nanotick/nanotick/strategy"
)

const sweepUsage = `usage: nanotick sweep run [--config FILE] [--strategy NAME|FILE.js] --data FILE --param NAME=V1,V2,... [--param ...] [flags]
       nanotick sweep run ... --search random --points N [--seed S]
       nanotick sweep run ... --search halving
       nanotick sweep run ... --train 60% --test 40% [--top K]
       nanotick sweep run ... [--shard I/N | --shards N] [--out FILE]
       nanotick sweep run ... --tardis-book FILE [--tardis-trades FILE] ...
       nanotick sweep merge FILE... [--sort METRIC] [--out FILE]

run backtests a strategy over recordings (or Tardis.dev CSV files) at the points of the
grid, the cartesian product of the --param lists (the last varying fastest), on all
cores, and prints the results ranked by METRIC (pnl, the default, return, sharpe and
fills largest first; drawdown smallest first). The strategy is the config's (--config,
--strategy naming one of its [[strategy]] tables), a builtin script, a Go strategy or a
.js file (--strategy), and without either the JavaScript market maker with the defaults
of "nanotick backtest"; --queue-model, --latency-file, --seed, --initial-balance and the
fee and latency flags override the config as they do for backtest.

The recordings are read, inflated and decoded once, into memory (up to --memory-limit)
or, with --cache DIR, into the event cache file of the data there (memory-mapped, and
kept for later runs), and every point replays the decoded events from there.

--search random --points N runs N points of the grid drawn with --seed. --search halving
runs the points on the first eighth of the data, keeps the better half by METRIC, runs
those on a quarter, and so on until the last two or more run on all of it. --train P%
--test Q% is walk-forward: the search runs on the first P% of the data's time, and the
--top K points it ranks best run again on the last Q% (which starts from the book as the
data left it) and are reported there.

With --shard I/N (grid search only) it runs the points whose index mod N is I and writes
them as JSON lines to --out (default sweep-shard-I-of-N.jsonl); --shard /N or --shards N
takes I from JOB_COMPLETION_INDEX, as a Kubernetes Indexed Job sets it (see
deploy/kubernetes). Every line carries the run's settings and the SHA-256 of its data,
its strategy and the nanotick executable.

merge joins shard files into one ranked table, failing on files of different grids,
settings, data or strategies (naming the files), duplicate points or missing points.

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
	configFile := fs.String("config", "", "config file: its strategy, instrument, risk and [backtest] table (default: the JavaScript market maker on BTCUSDT spot)")
	stratName := fs.String("strategy", "", "a [[strategy]] of the config, a builtin script ("+strings.Join(strategies.Names(), ", ")+"), a Go strategy ("+strings.Join(goNames(), ", ")+") or a .js file")
	fs.Var(&data, "data", "recording to replay (repeatable; replaces the config's data)")
	fs.Var(&tBook, "tardis-book", "Tardis.dev incremental_book_L2 CSV file to replay instead of recordings (repeatable)")
	fs.Var(&tTrades, "tardis-trades", "Tardis.dev trades CSV file to replay with it (repeatable)")
	fs.Var(&params, "param", "swept strategy parameter NAME=V1,V2,... (repeatable)")
	search := fs.String("search", string(sweep.GridSearch), "how to choose the points: grid | random | halving")
	points := fs.Int("points", 0, "points to draw with --search random")
	train := fs.String("train", "", "walk-forward: search on the first P% of the data's time")
	test := fs.String("test", "", "walk-forward: report the best points on the last Q% of the data's time")
	top := fs.Int("top", 3, "walk-forward: how many of the best training points to test")
	shardSpec := fs.String("shard", "", "run shard I/N of the grid (/N: I from "+sweep.JobIndexEnv+")")
	shards := fs.Int("shards", 0, "run shard "+sweep.JobIndexEnv+" of N (same as --shard /N)")
	out := fs.String("out", "", "write the results as JSON lines to FILE")
	sortBy := fs.String("sort", string(sweep.ByPnL), "metric to rank by: pnl, return, sharpe, drawdown, fills")
	workers := fs.Int("workers", 0, "concurrent runs (0: GOMAXPROCS)")
	lockstep := fs.Bool("lockstep", true, "replay the points of each worker together, sharing their books and their reading of the data (same results, less work per point; see docs/backtesting.md)")
	progEvery := fs.Duration("progress", progressInterval, "when stderr is not a terminal, write a progress line this often (0: never)")
	memLimit := fs.Int64("memory-limit", 2048, "MiB of decoded data to hold in memory for all the points (0: no limit); larger data is read again by each point")
	cacheFlag := fs.String("cache", "", cacheFlagHelp)
	orderLat := fs.Duration("order-latency", 0, "order entry latency")
	respLat := fs.Duration("response-latency", 0, "response latency")
	latFile := fs.String("latency-file", "", "file of measured latencies to draw from instead (see docs/backtesting.md)")
	seed := fs.Uint64("seed", 1, "seed of the latency draws and of --search random")
	makerFee := fs.Float64("maker-fee-bps", 0, "maker fee in basis points (negative: rebate)")
	takerFee := fs.Float64("taker-fee-bps", 0, "taker fee in basis points")
	queue := fs.String("queue-model", string(config.QueueRiskAverse), "queue position model: risk_averse | power_law")
	power := fs.Float64("queue-power", config.DefaultQueuePower, "exponent of the power_law queue model")
	partial := fs.Bool("partial-fills", true, "let resting orders fill partially")
	balance := fs.String("initial-balance", "10000", "quote balance at the start")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the sweep to FILE")
	allowProblems := fs.Bool("allow-problems", false, "exit 0 even when points did not test the strategy (book never valid, nothing sent because of gaps)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	stopProfile, err := startCPUProfile(*cpuProfile)
	if err != nil {
		fmt.Fprintf(stderr, "nanotick sweep run: %v\n", err)
		return 2
	}
	defer func() {
		if err := stopProfile(); err != nil {
			fmt.Fprintf(stderr, "nanotick sweep run: %v\n", err)
		}
	}()
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "nanotick sweep run: "+format+"\n", a...)
		return 2
	}
	if len(pos) > 0 {
		return fail("unexpected argument %q (recordings are given with --data)", pos[0])
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var c *config.Config
	if *configFile != "" {
		var ok bool
		dataGiven := config.Options{DataGiven: len(data)+len(tBook)+len(tTrades) > 0}
		if c, ok = loadConfigWith(*configFile, "nanotick sweep run", stderr, dataGiven); !ok {
			return 2
		}
	}
	// The overrides of the command line, checked once.
	var queueModel backtest.QueueModel
	if set["queue-model"] {
		if queueModel, err = backtest.ParseQueueModel(*queue); err != nil {
			return fail("%v", err)
		}
	}
	var initial decimal.Decimal
	if set["initial-balance"] {
		initial, err = decimal.NewFromString(*balance)
		if err != nil || initial.Sign() <= 0 {
			return fail("--initial-balance %q: want a positive decimal", *balance)
		}
	}
	if *workers < 0 || *orderLat < 0 || *respLat < 0 || *memLimit < 0 {
		return fail("--workers, --memory-limit and latencies must not be negative")
	}
	if err := checkModelFlags(set, *power, *makerFee, *takerFee, *progEvery); err != nil {
		return fail("%v", err)
	}
	// newSettings builds a run's settings afresh, strategy included, so that concurrent
	// runs share nothing mutable.
	inConfig := c != nil && (*stratName == "" || hasStrategy(c, *stratName))
	var csvIns []tardisInput // --data of Tardis.dev CSV files, once known
	// recordings applies what the recordings say (venue, instrument, rules), once
	// known, as "nanotick backtest" does: without it a sweep over USD-M data ran the
	// spot instrument's feed over it, and every point's book stayed invalid.
	var recordings func(*settings) error
	newSettings := func() (settings, error) {
		var s settings
		if c != nil {
			var err error
			if s, err = fromConfig(c, *stratName); err != nil {
				return s, err
			}
		} else {
			s = defaultSettings()
		}
		if *stratName != "" && !inConfig {
			strat, err := namedStrategy(*stratName, 0)
			if err != nil {
				return s, err
			}
			s.bt.Strategy, s.bt.StrategyName, s.bt.Engine.Params = strat, *stratName, strategy.Params{}
		}
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
		if set["latency-file"] {
			s.latencyFile = *latFile
		}
		if set["queue-model"] {
			s.bt.Queue = queueModel
		}
		if set["queue-power"] {
			s.bt.QueuePower = *power
		}
		if set["partial-fills"] {
			s.bt.PartialFills = *partial
		}
		if set["initial-balance"] {
			s.bt.InitialBalance = initial
		}
		s.bt.MaxFeedLatency = time.Second
		if csvIns != nil {
			if err := s.applyTardisErr(csvIns, c, *stratName != "" && !inConfig); err != nil {
				return s, err
			}
		}
		if recordings != nil {
			if err := recordings(&s); err != nil {
				return s, err
			}
		}
		return s, nil
	}
	base, err := newSettings()
	if err != nil {
		return fail("%v", err)
	}
	// One latency model for all the points: each run draws from its seed afresh.
	var lat *backtest.Latency
	if base.latencyFile != "" && !set["order-latency"] && !set["response-latency"] {
		lat, err = backtest.LoadLatencyFile(base.latencyFile, *seed)
	} else {
		lat, err = backtest.ConstantLatency(base.orderLatency, base.responseLatency)
	}
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
	if !tardisRun {
		ins, ok, err := tardisInputs(data)
		switch {
		case err != nil:
			return fail("--data %v", err)
		case ok && len(ins) != 1:
			return fail("--data: the Tardis files hold %d instruments: a sweep runs one instrument's files", len(ins))
		case ok:
			csvIns = ins
			if base, err = newSettings(); err != nil {
				return fail("%v", err)
			}
			data = base.bt.Data
		}
	}
	inputs := append(append(slices.Clone([]string(data)), tBook...), tTrades...)
	for _, f := range inputs {
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
	how, err := sweep.ParseSearch(*search)
	if err != nil {
		return fail("--search: %v", err)
	}
	switch {
	case how == sweep.RandomSearch && *points < 1:
		return fail("--search random needs --points N (at least 1)")
	case how != sweep.RandomSearch && set["points"]:
		return fail("--points goes with --search random")
	}
	var trainFrac, testFrac float64
	walk := set["train"] || set["test"]
	if walk {
		if trainFrac, err = sweep.ParseSplit(*train); err != nil {
			return fail("--train: %v", err)
		}
		if testFrac, err = sweep.ParseSplit(*test); err != nil {
			return fail("--test: %v", err)
		}
		if trainFrac+testFrac > 1.0000001 {
			return fail("--train %s and --test %s overlap: they must add up to 100%% at most", *train, *test)
		}
		if *top < 1 {
			return fail("--top must be at least 1")
		}
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
		if how != sweep.GridSearch || walk {
			return fail("--shard splits a grid search; random, halving and walk-forward runs are not sharded")
		}
		if *out == "" {
			*out = fmt.Sprintf("sweep-shard-%d-of-%d.jsonl", shard.I, shard.N)
		}
	}
	if tardisRun && (how == sweep.HalvingSearch || walk) {
		return fail("--search halving and --train/--test need recordings (--data), not Tardis files")
	}

	if !tardisRun && csvIns == nil {
		heads := newDataHeads()
		defer heads.close()
		files, err := heads.detectData(data)
		if err != nil {
			fmt.Fprintf(stderr, "nanotick sweep run: %v\n", err)
			return 1
		}
		var mu sync.Mutex // the points' settings are made on several goroutines; heads is not theirs to share
		recordings = func(s *settings) error {
			mu.Lock()
			defer mu.Unlock()
			var msg strings.Builder
			if code := s.applyData(heads, files, c != nil, set["strategy"], &msg); code != 0 {
				return &exitError{code, strings.TrimSpace(strings.TrimPrefix(msg.String(), "nanotick backtest: "))}
			}
			if len(s.bt.Instruments) > 1 {
				return fmt.Errorf("--data holds %d instruments: a sweep runs one instrument's recordings", len(s.bt.Instruments))
			}
			return nil
		}
		if base, err = newSettings(); err != nil {
			if ee := (*exitError)(nil); errors.As(err, &ee) && ee.code != 2 {
				fmt.Fprintf(stderr, "nanotick sweep run: %v\n", err)
				return ee.code
			}
			return fail("%v", err)
		}
	}

	prov, err := provenance(base, lat, c, *stratName, inConfig)
	if err != nil {
		return fail("%v", err)
	}
	// The data's hash is taken beside the loading and the points, and only for the
	// results file: the table does not show it.
	dataSum := func() (string, error) { return "", nil }
	buildSum := dataSum // the executable's hash (sweep.Provenance.Build), beside the data's
	if *out != "" {
		dataSum = hashData(inputs)
		defer dataSum() // no goroutine outlives the command
		if exe, err := os.Executable(); err == nil {
			buildSum = hashData([]string{exe})
			defer buildSum()
		}
	}
	// The data, read once for every point, unless too large.
	var frames *backtest.Frames
	if !tardisRun {
		cfg := base.bt
		cfg.Data = data
		cfg.Cache = cacheDir(*cacheFlag, stderr, "nanotick sweep run")
		// Reading the data once for every point takes as long as a backtest of it.
		load := newProgress(stderr, "nanotick sweep run: reading the data", "MB", 1e6)
		load.interval = *progEvery
		cfg.Progress = load.bytes
		frames, err = backtest.LoadFrames(cfg, *memLimit<<20)
		if errors.Is(err, backtest.ErrCacheNotWritable) {
			fmt.Fprintf(stderr, "nanotick sweep run: %v: reading the recordings directly (same results)\n", err)
			cfg.Cache = ""
			frames, err = backtest.LoadFrames(cfg, *memLimit<<20)
		}
		load.finishIfShown()
		switch {
		case errors.Is(err, backtest.ErrTooLarge) && (how == sweep.HalvingSearch || walk):
			return fail("--search halving and --train/--test hold the data in memory: %v; raise --memory-limit", err)
		case errors.Is(err, backtest.ErrTooLarge):
			fmt.Fprintf(stderr, "nanotick sweep run: %v: every point reads the files itself\n", err)
			frames = nil
		case err != nil:
			fmt.Fprintf(stderr, "nanotick sweep run: %v\n", err)
			return 1
		}
	}

	idx := shard.Indices(grid)
	if how == sweep.RandomSearch {
		if *points >= grid.Len() {
			fmt.Fprintf(stderr, "nanotick sweep run: --points %d: the grid has %d points; running them all\n", *points, grid.Len())
		}
		idx = sweep.Sample(grid, *points, *seed)
	}
	// Progress counts the points, and the frames every run replays.
	totalPoints := len(idx)
	if how == sweep.HalvingSearch {
		totalPoints = 0
		for _, n := range sweep.HalvingSizes(len(idx)) {
			totalPoints += n
		}
	}
	if walk {
		totalPoints += min(*top, len(idx))
	}
	prog := newProgress(stderr, "nanotick sweep run", "points", 1)
	prog.interval = *progEvery
	defer prog.finish(false)
	var pointsDone atomic.Int64

	// pointSettings returns the settings of the point with parameters p.
	pointSettings := func(p map[string]float64) (settings, error) {
		s, err := newSettings()
		if err != nil {
			return s, err
		}
		s.bt.Progress = func(int64, int64) { prog.frames(backtest.ProgressEvery) }
		s.bt.Data = data
		params := strategy.Params{}
		for k, v := range s.bt.Engine.Params {
			params[k] = v
		}
		for k, v := range p {
			params[k] = v
		}
		s.bt.Engine.Params = params
		s.bt.Latency = lat
		s.bt.NoTearsheet = true // the results are the metrics (sweep.MetricsOf)
		return s, nil
	}
	// lockstepOn returns the BatchFunc over the frames sr reads: a group of points
	// replayed in lockstep, sharing their books and sr's reading of the frames
	// (backtest.RunSharedLockstep).
	lockstepOn := func(sr *backtest.SharedReading) sweep.BatchFunc {
		return func(ps []map[string]float64) ([]*backtest.Report, []error) {
			reps, errs := make([]*backtest.Report, len(ps)), make([]error, len(ps))
			var cfgs []backtest.Config
			var at []int
			for i, p := range ps {
				s, err := pointSettings(p)
				if err != nil {
					errs[i] = err
					continue
				}
				cfgs, at = append(cfgs, s.bt), append(at, i)
			}
			r, e := backtest.RunSharedLockstep(cfgs, sr)
			for j, i := range at {
				reps[i], errs[i] = r[j], e[j]
			}
			prog.units(int(pointsDone.Add(int64(len(ps)))), totalPoints)
			return reps, errs
		}
	}
	// inLockstep runs the points idx over frames f in lockstep groups
	// (sweep.RunBatched), which read the frames once for all of them.
	inLockstep := func(f *backtest.Frames, idx []int) []sweep.Result {
		sr := backtest.NewSharedReading(base.bt, f, sweep.Groups(*workers, len(idx)))
		defer sr.Close()
		return sweep.RunBatched(grid, idx, *workers, lockstepOn(sr))
	}
	// runOn returns the RunFunc over frames f (nil: the files themselves).
	runOn := func(f *backtest.Frames) sweep.RunFunc {
		return func(p map[string]float64) (*backtest.Report, error) {
			defer func() { prog.units(int(pointsDone.Add(1)), totalPoints) }()
			s, err := pointSettings(p)
			if err != nil {
				return nil, err
			}
			switch {
			case f != nil:
				return backtest.RunFrames(s.bt, f)
			case !tardisRun:
				s.bt.Prefetch = true
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
	}
	trainFrames, testFrames := frames, (*backtest.Frames)(nil)
	if walk {
		first, last := frames.Span()
		span := float64(last - first)
		trainEnd := frames.IndexAt(first + int64(span*trainFrac))
		testStart := frames.IndexAt(last - int64(span*testFrac))
		trainFrames = frames.Prefix(trainEnd)
		if testFrames, err = frames.From(testStart); err != nil {
			fmt.Fprintf(stderr, "nanotick sweep run: --test: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "walk-forward: train on the first %s of the data (%d records), test on the last %s (%d records)\n", *train, trainFrames.Len(), *test, testFrames.Len()-1)
	}
	var results []sweep.Result
	if how == sweep.HalvingSearch {
		// prefix is the part of the training data a round runs on.
		prefix := func(frac float64) *backtest.Frames {
			if frac >= 1 {
				return trainFrames
			}
			first, last := trainFrames.Span()
			return trainFrames.Prefix(trainFrames.IndexAt(first + int64(float64(last-first)*frac)))
		}
		var rounds []sweep.Round
		if *lockstep {
			rounds = sweep.HalvingRounds(idx, metric, func(frac float64, idx []int) []sweep.Result {
				return inLockstep(prefix(frac), idx)
			})
		} else {
			rounds = sweep.Halving(grid, idx, *workers, metric, func(frac float64) sweep.RunFunc {
				return runOn(prefix(frac))
			})
		}
		part := "the data"
		if walk {
			part = "the training part" // the rounds' prefixes are of it
		}
		for i, r := range rounds {
			fmt.Fprintf(stdout, "halving round %d: %d points on the first %g%% of %s\n", i+1, len(r.Results), 100*r.Fraction, part)
		}
		results = rounds[len(rounds)-1].Results
	} else if trainFrames != nil && *lockstep {
		results = inLockstep(trainFrames, idx)
	} else {
		results = sweep.RunPoints(grid, idx, *workers, runOn(trainFrames))
	}
	if prov.Build, err = buildSum(); err != nil {
		prov.Build = "" // unreadable executable: the shards merge without this check
	}
	if prov.DataHash, err = dataSum(); err != nil {
		return fail("%v", err)
	}
	for i := range results {
		results[i].Provenance = prov
	}
	sweep.Sort(results, metric)
	// Walk-forward: the best training points run again on the test part.
	var tested []sweep.Result
	if walk {
		var chosen []int
		for _, r := range results[:min(*top, len(results))] {
			if r.Err == "" {
				chosen = append(chosen, r.Index)
			}
		}
		if *lockstep {
			tested = inLockstep(testFrames, chosen)
		} else {
			tested = sweep.RunPoints(grid, chosen, *workers, runOn(testFrames))
		}
		testProv := prov
		testProv.Window = fmt.Sprintf("walk-forward test: the last %s of the data's time, the best %d of a %s search on the first %s", *test, *top, how, *train)
		for i := range tested {
			tested[i].Provenance = testProv
		}
	}
	prog.finish(true) // before anything is printed
	noSharpe(stderr, "nanotick sweep run", metric, results)

	status := 0
	for _, r := range results {
		if r.Err != "" {
			fmt.Fprintf(stderr, "nanotick sweep run: point %d: %s\n", r.Index, r.Err)
			status = 1
		}
	}
	for _, r := range tested {
		if r.Err != "" {
			fmt.Fprintf(stderr, "nanotick sweep run: test of point %d: %s\n", r.Index, r.Err)
			status = 1
		}
	}
	if reportProblems(stderr, "nanotick sweep run", append(slices.Clone(results), tested...), *allowProblems) {
		status = 1
	}
	if *out != "" {
		// The shard file is in grid order, whatever the ranking; walk-forward writes
		// the tested points, in their training rank.
		lines := slices.Clone(results)
		slices.SortFunc(lines, func(a, b sweep.Result) int { return a.Index - b.Index })
		if walk {
			lines = tested
		}
		if err := writeResultsFile(*out, lines); err != nil {
			fmt.Fprintf(stderr, "nanotick sweep run: %v\n", err)
			return 1
		}
	}
	if shard != sweep.All {
		fmt.Fprintf(stdout, "shard %s: %d of %d points of %s\n", shard, len(results), grid.Len(), grid)
	}
	if walk {
		fmt.Fprintln(stdout, "training part:")
	}
	if err := sweep.WriteTable(stdout, grid.Names(), results); err != nil {
		fmt.Fprintf(stderr, "nanotick sweep run: %v\n", err)
		return 1
	}
	if walk {
		fmt.Fprintf(stdout, "test part: the %d best training points, in their training rank:\n", len(tested))
		if err := sweep.WriteTable(stdout, grid.Names(), tested); err != nil {
			fmt.Fprintf(stderr, "nanotick sweep run: %v\n", err)
			return 1
		}
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
	allowProblems := fs.Bool("allow-problems", false, "exit 0 even when points did not test the strategy (book never valid, nothing sent because of gaps)")
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
	noSharpe(stderr, "nanotick sweep merge", metric, results)
	fmt.Fprintf(stdout, "%d points of %s from %s\n", len(results), grid, strings.Join(files, ", "))
	if err := sweep.WriteTable(stdout, grid.Names(), results); err != nil {
		fmt.Fprintf(stderr, "nanotick sweep merge: %v\n", err)
		return 1
	}
	if failed > 0 {
		fmt.Fprintf(stderr, "nanotick sweep merge: %d points failed\n", failed)
		return 1
	}
	if reportProblems(stderr, "nanotick sweep merge", results, *allowProblems) {
		return 1
	}
	return 0
}

// noSharpe says, on stderr, that a ranking by Sharpe ratio ranked nothing: no point has
// one (the data is shorter than the daily returns a ratio needs), so the points are
// in grid order.
func noSharpe(stderr io.Writer, cmd string, m sweep.Metric, rs []sweep.Result) {
	if m == sweep.BySharpe && len(rs) > 0 && !sweep.AnySharpe(rs) {
		fmt.Fprintf(stderr, "%s: --sort sharpe: no point has a Sharpe ratio (it needs at least %d daily returns of data): the points are in grid order\n", cmd, backtest.SharpeMinReturns)
	}
}
