package main

// nanotick backtest [--config FILE] [flags]
//
// Replays recordings through the engine, the strategy and risk exactly as they run
// live, against the simulated exchange of package backtest. Without --config it runs
// the builtin script market_maker (examples/strategies/market_maker.js) on BTCUSDT spot
// with Binance's real trading rules.

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"
	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/backtest"
	"github.com/nanotick/nanotick/backtest/htmlreport"
	"github.com/nanotick/nanotick/backtest/recorded"
	"github.com/nanotick/nanotick/config"
	"github.com/nanotick/nanotick/engine"
	"github.com/nanotick/nanotick/examples/strategies"
	"github.com/nanotick/nanotick/examples/strategies/marketmaker"
	"github.com/nanotick/nanotick/examples/strategies/spotperp"
	"github.com/nanotick/nanotick/feeds/binance"
	"github.com/nanotick/nanotick/feeds/tardis"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/risk"
	"github.com/nanotick/nanotick/strategy"
)

// goStrategies are the strategies written in Go that a config (language = "go",
// go_name) or --strategy can name. Listed here, not registered from init functions, so
// that the binary's strategies can be read in one place.
var goStrategies = map[string]func() strategy.Strategy{
	"marketmaker": func() strategy.Strategy { return marketmaker.New() },
	"spotperp":    func() strategy.Strategy { return spotperp.New() },
}

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

const backtestUsage = `usage: nanotick backtest [--config FILE] [--data FILE]... [flags]

Replays recordings through the strategy, risk and engine code that runs live, against
a simulated exchange, and prints a summary. Flags override the config's [backtest]
table; without --config the run uses BTCUSDT spot rules and the builtin script
market_maker (examples/strategies/market_maker.js; --strategy marketmaker is the same
strategy written in Go).`

// settings is a backtest as the config and flags describe it, before it is built.
type settings struct {
	bt              backtest.Config
	orderLatency    time.Duration
	responseLatency time.Duration
	latencyFile     string
	venueLat        map[string]string // --venue-latency, described, by venue
	tardis          []tardisInput     // --data of Tardis.dev CSV files, by instrument
}

// runBacktest implements "nanotick backtest". Exit status: 0 done, 1 the run failed,
// 2 a bad command line or config.
func runBacktest(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("backtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, backtestUsage)
		fs.PrintDefaults()
		helps["backtest"].writeExamples(stderr)
	}
	var data, params multiFlag
	configFile := fs.String("config", "", "config file")
	fs.Var(&data, "data", "recording to replay (repeatable; replaces the config's data)")
	stratName := fs.String("strategy", "", "a [[strategy]] name of the config, a builtin script ("+strings.Join(strategies.Names(), ", ")+"), a Go strategy ("+strings.Join(goNames(), ", ")+") or a .js file (default: the config's first [[strategy]]; without --config, the builtin script market_maker)")
	fs.Var(&params, "param", "strategy parameter name=number (repeatable)")
	orderLat := fs.Duration("order-latency", 0, "order entry latency")
	respLat := fs.Duration("response-latency", 0, "response latency")
	latFile := fs.String("latency-file", "", "file of measured latencies to draw from instead (see docs/backtesting.md)")
	seed := fs.Uint64("seed", 1, "seed of the latency draws")
	makerFee := fs.Float64("maker-fee-bps", 0, "maker fee in basis points (negative: rebate)")
	takerFee := fs.Float64("taker-fee-bps", 0, "taker fee in basis points")
	queue := fs.String("queue-model", string(config.QueueRiskAverse), "queue position model: risk_averse | power_law")
	power := fs.Float64("queue-power", config.DefaultQueuePower, "exponent of the power_law queue model")
	partial := fs.Bool("partial-fills", true, "let resting orders fill partially")
	balance := fs.String("initial-balance", "10000", "quote balance at the start")
	interval := fs.Duration("equity-interval", config.DefaultEquityInterval, "equity sampling interval, in data time")
	maxFeed := fs.Duration("max-feed-latency", time.Second, "cap on the feed latency read from the recording")
	exTime := fs.String("exchange-time", "E", "venue timestamp taken as the exchange's time: E (event time) or T (transaction time where the frame has one)")
	clockOffset := fs.String("clock-offset", "running_min", "how the recorder-to-venue clock offset is estimated: running_min or whole_file")
	logLevel := fs.String("log-level", "info", "print the strategy's log.debug/info/warn/error and the engine's and risk's log lines at this level and above to stderr, stamped with data time: debug | info | warn | error | off")
	maxJump := fs.Duration("max-time-jump", config.DefaultMaxTimeJump, "a receive time leaping further ahead than this must be confirmed by the next line's, or is replayed at the previous time and counted")
	prefetch := fs.Bool("prefetch", true, "decompress the recordings on a second goroutine (same results)")
	cacheFlag := fs.String("cache", "", cacheFlagHelp)
	progEvery := fs.Duration("progress", progressInterval, "when stderr is not a terminal, write a progress line this often (0: never)")
	jsonFile := fs.String("json", "", "also write the report as JSON to FILE (- for stdout; the summary then goes to stderr)")
	htmlFile := fs.String("html", "", "also write the report as a self-contained HTML page with charts to FILE")
	htmlTiming := fs.Bool("html-timing", false, "include the wall-clock latency histograms in the HTML page (it is then no longer byte-identical across runs)")
	var venueLat, quoteRates multiFlag
	fs.Var(&venueLat, "venue-latency", "order-path latency of one venue's instruments, VENUE=ENTRY[,RESPONSE] (repeatable; e.g. binance-usdm=3ms,4ms)")
	fs.Var(&quoteRates, "quote-rate", "conversion of an instrument's quote currency into the first instrument's, ASSET=RATE (repeatable)")
	allowProblems := fs.Bool("allow-problems", false, "exit 0 even when the run did not test the strategy (book never valid, nothing sent because of gaps)")
	var tBook, tTrades multiFlag
	fs.Var(&tBook, "tardis-book", "Tardis.dev incremental_book_L2 CSV file to replay instead of recordings (repeatable)")
	fs.Var(&tTrades, "tardis-trades", "Tardis.dev trades CSV file to replay with it (repeatable)")
	funding := addFundingFlags(fs)
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the backtest to FILE")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "nanotick backtest: unexpected argument %q (recordings are given with --data)\n", fs.Arg(0))
		return 2
	}
	stopProfile, err := startCPUProfile(*cpuProfile)
	if err != nil {
		fmt.Fprintf(stderr, "nanotick backtest: %v\n", err)
		return 2
	}
	defer func() {
		if err := stopProfile(); err != nil {
			fmt.Fprintf(stderr, "nanotick backtest: %v\n", err)
		}
	}()
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "nanotick backtest: "+format+"\n", a...)
		return 2
	}
	if err := checkModelFlags(set, *power, *makerFee, *takerFee, *progEvery); err != nil {
		return fail("%v", err)
	}

	var s settings
	var c *config.Config
	if *configFile != "" {
		var ok bool
		// --data replaces the config's data before it is checked: a config naming
		// recordings that are not on this machine still runs on the ones given.
		dataGiven := config.Options{DataGiven: len(data)+len(tBook)+len(tTrades) > 0}
		if c, ok = loadConfigWith(*configFile, "nanotick backtest", stderr, dataGiven); !ok {
			return 2
		}
		var err error
		if s, err = fromConfig(c, *stratName); err != nil {
			return fail("%v", err)
		}
	} else {
		s = defaultSettingsWithout()
		if !set["strategy"] { // else --strategy replaces it below: compiling it would be lost time
			// Compiled by the run once its data is being read ahead (overlapped).
			s.bt.NewStrategy = func() (strategy.Strategy, error) { return defaultStrategy(), nil }
		}
	}

	// The command line overrides the file.
	if len(data) > 0 {
		s.bt.Data = data
	}
	if set["strategy"] && (c == nil || !hasStrategy(c, *stratName)) {
		strat, err := namedStrategy(*stratName, 0)
		if err != nil {
			return fail("%v", err)
		}
		s.bt.Strategy, s.bt.StrategyName, s.bt.Engine.Params = strat, *stratName, strategy.Params{}
	}
	for _, p := range params {
		name, val, ok := strings.Cut(p, "=")
		name = strings.TrimSpace(name)
		f, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
		if !ok || name == "" || err != nil {
			return fail("--param %q: want name=number", p)
		}
		if s.bt.Engine.Params == nil {
			s.bt.Engine.Params = strategy.Params{}
		}
		s.bt.Engine.Params[name] = f
	}
	if set["order-latency"] {
		s.orderLatency = *orderLat
	}
	if set["response-latency"] {
		s.responseLatency = *respLat
	}
	if set["latency-file"] {
		s.latencyFile = *latFile
	} else if set["order-latency"] || set["response-latency"] {
		s.latencyFile = "" // the command line's latencies replace the config's latency file, as in sweep run
	}
	if set["maker-fee-bps"] {
		s.bt.MakerFeeBps = *makerFee
	}
	if set["taker-fee-bps"] {
		s.bt.TakerFeeBps = *takerFee
	}
	if set["queue-model"] {
		q, err := backtest.ParseQueueModel(*queue)
		if err != nil {
			return fail("%v", err)
		}
		s.bt.Queue = q
	}
	if set["queue-power"] {
		s.bt.QueuePower = *power
	}
	if err := funding.apply(&s.bt); err != nil {
		return fail("%v", err)
	}
	if set["partial-fills"] {
		s.bt.PartialFills = *partial
	}
	if set["initial-balance"] {
		d, err := decimal.NewFromString(*balance)
		if err != nil || d.Sign() <= 0 {
			return fail("--initial-balance %q: want a positive decimal", *balance)
		}
		s.bt.InitialBalance = d
	}
	if set["equity-interval"] {
		if *interval <= 0 {
			return fail("--equity-interval must be positive")
		}
		s.bt.EquityInterval = *interval
	}
	if *maxFeed <= 0 {
		return fail("--max-feed-latency must be positive")
	}
	s.bt.MaxFeedLatency = *maxFeed
	if code := setClockOptions(&s.bt, *exTime, *clockOffset, fail); code != 0 {
		return code
	}
	if set["max-time-jump"] {
		if *maxJump <= 0 {
			return fail("--max-time-jump must be positive")
		}
		s.bt.MaxTimeJump = *maxJump
	}
	s.bt.Prefetch = *prefetch
	s.bt.StageTiming = *htmlFile != "" && *htmlTiming // the stage clock costs a good part of a tick: only when its charts are asked for
	s.bt.Cache = cacheDir(*cacheFlag, stderr, "nanotick backtest")
	s.bt.OrderLog = true // the report lists every order; the library leaves it to the caller
	tardisRun := len(tBook)+len(tTrades) > 0
	if tardisRun && len(data) > 0 {
		return fail("give --data or --tardis-book/--tardis-trades, not both")
	}
	if len(s.bt.Data) == 0 && !tardisRun {
		return fail("no recordings: give --data FILE or [backtest] data in the config")
	}
	if !tardisRun {
		// The strategy's build and the event cache's hashing of the recordings go on
		// beside the probes of the recordings, which read their heads.
		backtest.StartAhead(&s.bt)
	}
	heads := newDataHeads() // each file's head read once for every probe
	defer heads.close()
	csvIns, csvData, err := heads.tardisInputs(s.bt.Data)
	if err != nil && !tardisRun {
		fmt.Fprintf(stderr, "nanotick backtest: --data %v\n", err)
		return 1
	}
	if csvData && !tardisRun {
		if code := s.applyTardis(csvIns, c, set["strategy"], stderr); code != 0 {
			return code
		}
	}
	if !tardisRun && !csvData {
		files, err := heads.detectData(s.bt.Data)
		if err != nil {
			fmt.Fprintf(stderr, "nanotick backtest: %v\n", err)
			return 1
		}
		if code := s.applyData(heads, files, c != nil, set["strategy"], stderr); code != 0 {
			return code
		}
	}
	if s.bt.Cache == "" && s.bt.Open != nil && !tardisRun && !csvData {
		s.bt.Open = heads.opener(s.bt.Open) // the run reads on from the heads the probes read
	} else {
		heads.close() // the probes are done
	}
	if s.latencyFile != "" {
		s.bt.Latency, err = backtest.LoadLatencyFile(s.latencyFile, *seed)
	} else {
		s.bt.Latency, err = backtest.ConstantLatency(s.orderLatency, s.responseLatency)
	}
	if err != nil {
		return fail("%v", err)
	}
	if err := s.applyVenueFlags(venueLat, quoteRates); err != nil {
		return fail("%v", err)
	}

	lvl, err := backtestLogLevel(*logLevel)
	if err != nil {
		return fail("--log-level: %v", err)
	}
	if lvl != zerolog.Disabled {
		log := backtestLogger(stderr, lvl)
		s.bt.Engine.Logger, s.bt.Engine.Risk.Logger = log, log
	}
	prog := newProgress(stderr, "nanotick backtest", "MB", 1e6)
	prog.interval = *progEvery
	s.bt.Progress = prog.bytes
	if s.bt.Cache != "" {
		prog.expectCacheBuild(s.bt.Data)
	}
	var rep *backtest.Report
	if tardisRun {
		in := s.bt.Engine.Instrument
		src, err := tardis.Open(tardis.Options{
			Venue:      binanceVenue(s.bt.Engine.Venue),
			Instrument: binance.Instrument{Symbol: in.Symbol, PriceScale: in.PriceScale, QtyScale: in.QtyScale},
			Book:       tBook, Trades: tTrades,
		})
		if err != nil {
			return fail("%v", err)
		}
		defer src.Close()
		s.bt.Data = append(slices.Clone([]string(tBook)), tTrades...)
		rep, err = backtest.RunSource(s.bt, src)
	} else if s.tardis != nil {
		rep, err = s.runTardis(stderr)
	} else {
		rep, err = backtest.Run(s.bt)
		if errors.Is(err, backtest.ErrCacheNotWritable) {
			// The run stopped before anything was read: the cache is an optimisation,
			// and the same run without it gives the same report.
			fmt.Fprintf(stderr, "nanotick backtest: %v: reading the recordings directly (same results)\n", err)
			s.bt.Cache = ""
			rep, err = backtest.Run(s.bt)
		}
		if rep != nil && len(s.bt.Instruments) > 1 {
			rep.Settings.Latency += s.venueLatencyNote()
		}
	}
	prog.finish(err == nil) // before anything else is printed: the summary starts on a line of its own
	if err != nil && rep == nil {
		fmt.Fprintf(stderr, "nanotick backtest: %v\n", err)
		return 1
	}
	// With an error, a report is that of the records before the data broke (a cut
	// file): it is written as asked, then the run fails.
	dataErr := err
	summary := stdout
	if *jsonFile == "-" {
		summary = stderr
	}
	if err := rep.WriteSummary(summary); err != nil {
		fmt.Fprintf(stderr, "nanotick backtest: %v\n", err)
		return 1
	}
	if *jsonFile != "" {
		if err := writeJSONReport(rep, *jsonFile, stdout); err != nil {
			fmt.Fprintf(stderr, "nanotick backtest: %v\n", err)
			return 1
		}
	}
	if *htmlFile != "" {
		if err := writeHTMLReport(rep, *htmlFile, *htmlTiming); err != nil {
			fmt.Fprintf(stderr, "nanotick backtest: %v\n", err)
			return 1
		}
	}
	if dataErr != nil {
		fmt.Fprintf(stderr, "nanotick backtest: %v (the report above covers the records before it)\n", dataErr)
		return 1
	}
	if rep.Halted != "" {
		// The first line of the error names the script's file:line:col; the rest (hint,
		// stack) is in the summary above.
		first, _, _ := strings.Cut(rep.Halted, "\n")
		fmt.Fprintf(stderr, "nanotick backtest: the strategy halted at %s (data time): %s\n", rep.HaltedAt, first)
		return 1
	}
	if len(rep.Problems) > 0 && !*allowProblems {
		fmt.Fprintf(stderr, "nanotick backtest: the run did not test the strategy: %s (--allow-problems accepts such a run)\n", strings.Join(rep.Problems, "; "))
		return 1
	}
	return 0
}

func writeHTMLReport(rep *backtest.Report, file string, timing bool) error {
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if err := htmlreport.WriteWith(f, rep, htmlreport.Options{Timing: timing}); err != nil {
		f.Close()
		return fmt.Errorf("html report: %w", err)
	}
	return f.Close()
}

// isTerminal reports whether w is a terminal, where a progress bar may be drawn. A
// variable so that tests can draw one into a buffer.
var isTerminal = func(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && isatty.IsTerminal(f.Fd())
}

func writeJSONReport(rep *backtest.Report, file string, stdout io.Writer) error {
	if file == "-" {
		return rep.WriteJSON(stdout)
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if err := rep.WriteJSON(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func goNames() []string {
	names := make([]string, 0, len(goStrategies))
	for n := range goStrategies {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func hasStrategy(c *config.Config, name string) bool {
	for _, s := range c.Strategies {
		if s.Name == name {
			return true
		}
	}
	return false
}

// spotRules is BTCUSDT on Binance Spot: its real trading rules, at Binance's 8 decimals.
func spotRules() (strategy.Instrument, risk.Instrument) {
	return strategy.Instrument{Symbol: "BTCUSDT", PriceScale: 8, QtyScale: 8, Tick: 1_000_000, Lot: 1_000},
		risk.Instrument{
			PriceScale: 8, QtyScale: 8, Tick: 1_000_000, Lot: 1_000,
			MinQty: 1_000, MaxQty: 9000 * 100_000_000, MinNotional: 5 * 100_000_000,
		}
}

// defaultSettings is the run without a config: the builtin market_maker script on BTCUSDT spot,
// with the risk limits of examples/backtest.toml and the [backtest] defaults.
func defaultSettings() settings {
	s := defaultSettingsWithout()
	s.bt.Strategy = defaultStrategy()
	return s
}

// defaultSettingsWithout is defaultSettings without its strategy, for a run that names
// its own: compiling the default script is about 1 ms.
func defaultSettingsWithout() settings {
	inst, rules := spotRules()
	return settings{bt: backtest.Config{
		Open: recorded.Open,
		Engine: engine.Config{
			Venue: instrument.VenueBinanceSpot, Instrument: inst, Rules: rules, NewFeed: recorded.NewFeed,
			Risk: risk.Config{
				MaxOrderQty:      decimal.RequireFromString("0.01"),
				MaxOrderNotional: decimal.RequireFromString("1000"),
				PriceBandBps:     decimal.RequireFromString("50"),
				StaleAfter:       config.DefaultStaleBookAfter,
				MaxPosition:      decimal.RequireFromString("0.05"),
				MaxOpenOrders:    6,
				OrdersPerSecond:  decimal.RequireFromString("5"),
				OrderBurst:       10,
				DuplicateWindow:  500 * time.Millisecond,
				MaxDailyLoss:     decimal.RequireFromString("200"),
				MaxDrawdown:      decimal.RequireFromString("300"),
			},
			Params:        strategy.Params{},
			TimerInterval: config.DefaultTimerInterval,
		},
		StrategyName:   "market_maker",
		Queue:          backtest.RiskAverse,
		QueuePower:     config.DefaultQueuePower,
		PartialFills:   true,
		InitialBalance: decimal.RequireFromString("10000"),
		EquityInterval: config.DefaultEquityInterval,
	}}
}

// fromConfig builds the settings of a config: the strategy called name (the first
// one when name is empty or not a [[strategy]] of the config), its instrument, risk and
// the [backtest] table.
func fromConfig(c *config.Config, name string) (settings, error) {
	if len(c.Strategies) == 0 {
		return settings{}, errors.New("the config declares no [[strategy]]")
	}
	st := &c.Strategies[0]
	for i := range c.Strategies {
		if c.Strategies[i].Name == name {
			st = &c.Strategies[i]
		}
	}
	ecfg, err := engine.FromConfig(c, st, zerolog.Nop())
	if err != nil {
		return settings{}, err
	}
	ecfg.NewFeed = recorded.NewFeed
	strat, err := loadStrategy(st, c.Engine.InstructionBudget)
	if err != nil {
		return settings{}, fmt.Errorf("strategy %q: %w", st.Name, err)
	}
	s := settings{bt: backtest.Config{
		Open:           recorded.Open,
		Engine:         ecfg,
		Strategy:       strat,
		StrategyName:   st.Name,
		Queue:          backtest.RiskAverse,
		QueuePower:     config.DefaultQueuePower,
		PartialFills:   true,
		InitialBalance: decimal.RequireFromString("10000"),
		EquityInterval: config.DefaultEquityInterval,
	}}
	if b := c.Backtest; b != nil {
		s.bt.Data = b.Data
		s.orderLatency, s.responseLatency, s.latencyFile = b.OrderLatency, b.ResponseLatency, b.LatencyFile
		s.bt.MakerFeeBps, s.bt.TakerFeeBps = b.MakerFeeBps, b.TakerFeeBps
		q, err := backtest.ParseQueueModel(string(b.QueueModel))
		if err != nil {
			return settings{}, err
		}
		s.bt.Queue, s.bt.QueuePower, s.bt.PartialFills = q, b.QueuePower, b.PartialFills
		if b.InitialBalance.Sign() > 0 {
			s.bt.InitialBalance = b.InitialBalance
		}
		if b.EquityInterval > 0 {
			s.bt.EquityInterval = b.EquityInterval
		}
		s.bt.MaxTimeJump = b.MaxTimeJump
	}
	return s, nil
}
