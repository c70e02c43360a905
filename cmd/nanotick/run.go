package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"

	"github.com/nanotick/nanotick/admin"
	"github.com/nanotick/nanotick/config"
	"github.com/nanotick/nanotick/engine"
	"github.com/nanotick/nanotick/exchange"
	gwbinance "github.com/nanotick/nanotick/gateway/binance"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/md"
	"github.com/nanotick/nanotick/parity"
	livesession "github.com/nanotick/nanotick/session"
	"github.com/nanotick/nanotick/telemetry"
	"github.com/nanotick/nanotick/venues"
)

// runRun is "nanotick run": with no arguments it starts the local exchange in-process and
// trades the builtin market maker against it over loopback websockets; with --config it
// runs the configured strategy on its venue (a "sim" venue is the local exchange).
func runRun(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	setHelp(fs, "run", stderr)
	cfgFile := fs.String("config", "", "config file (default: the embedded default, a local exchange)")
	duration := fs.Duration("duration", 0, "stop after this long (default: run until Ctrl-C)")
	seed := fs.Uint64("seed", 1, "seed of the local exchange's synthetic market")
	quiet := fs.Bool("quiet", false, "no live status line")
	adminAddr := fs.String("admin", "", "serve pprof, /metrics and POST /halt on this address (default: the config's [admin], off unless enabled)")
	adminTokenFile := fs.String("admin-token-file", "", "file (chmod 600) holding the admin server's bearer token (default: $"+admin.TokenEnv+", else one is generated and written to a private file)")
	traceDir := fs.String("trace-dir", "", "with [latency] slow_tick_threshold set, write slow-tick execution traces here (default: a temporary directory)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile to this file")
	memProfile := fs.String("memprofile", "", "write a heap profile to this file at exit")
	busyPoll := fs.Bool("busy-poll", false, "poll the market data socket instead of sleeping between frames: a core at 100% for lower tick-to-order (default: the config's [latency] busy_poll)")
	jsonFile := fs.String("json", "", "write the end-of-run summary to FILE as JSON, in the backtest report's shape")
	recordSession := fs.String("record-session", "", "record the session (market data as received, every order, cancel and answer) into DIR, for nanotick parity")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "nanotick run: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	c := config.Default()
	if *cfgFile != "" {
		var ok bool
		if c, ok = loadConfigWith(*cfgFile, "nanotick run", stderr, config.Options{Live: true}); !ok {
			return 2
		}
	}
	if *busyPoll {
		c.Latency.BusyPoll = true
	}
	log := newLogger(c, stderr)
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintf(stderr, "nanotick run: %v\n", err)
			return 2
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(stderr, "nanotick run: cpu profile: %v\n", err)
			return 2
		}
		defer pprof.StopCPUProfile()
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	sigCtx := ctx
	if *duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *duration)
		defer cancel()
	}
	opts := sessionOptions{seed: *seed}
	if *recordSession != "" {
		rec, err := openSessionRecorder(*recordSession, c, *cfgFile)
		if err != nil {
			fmt.Fprintf(stderr, "nanotick run: %v\n", err)
			return 1
		}
		defer func() {
			if err := rec.Close(); err != nil {
				fmt.Fprintf(stderr, "nanotick run: %v\n", err)
			}
		}()
		opts.recorder = rec
	}
	if th := c.Latency.SlowTickThreshold; th > 0 {
		dir := *traceDir
		if dir == "" {
			dir = os.TempDir()
		}
		fr, err := admin.NewFlightRecorder(admin.FlightConfig{Dir: dir, Threshold: th, Logger: log})
		if err == nil {
			err = fr.Start()
		}
		if err != nil {
			fmt.Fprintf(stderr, "nanotick run: flight recorder: %v\n", err)
			return 2
		}
		defer fr.Close()
		opts.flight = fr
		log.Info().Str("dir", dir).Dur("threshold", th).Msg("flight recorder on: slow ticks leave an execution trace")
	}
	sess, err := startSession(ctx, c, opts, log)
	if err != nil {
		fmt.Fprintf(stderr, "nanotick run: %v\n", err)
		return 1
	}
	if addr := *adminAddr; addr != "" || c.Admin.Enabled {
		if addr == "" {
			addr = c.Admin.Listen
		}
		tok, err := admin.LoadToken(*adminTokenFile)
		if err != nil {
			sess.shutdown()
			fmt.Fprintf(stderr, "nanotick run: %v\n", err)
			return 2
		}
		sess.adminToken = tok
		srv, err := sess.startAdmin(ctx, addr, opts.flight)
		if err != nil {
			sess.shutdown()
			fmt.Fprintf(stderr, "nanotick run: admin: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "admin on http://%s (pprof at /debug/pprof/, metrics at /metrics, POST /halt)\n", srv.Addr())
		if tok == "" {
			path, err := admin.WriteTokenFile("", srv.Token())
			if err != nil {
				sess.shutdown()
				fmt.Fprintf(stderr, "nanotick run: %v\n", err)
				return 1
			}
			fmt.Fprintf(stdout, "admin token %s generated, in %s (send \"Authorization: Bearer <token>\")\n", admin.MaskToken(srv.Token()), path)
		} else {
			fmt.Fprintf(stdout, "admin token %s (send \"Authorization: Bearer <token>\")\n", admin.MaskToken(tok))
		}
		defer func() {
			sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			_ = srv.Shutdown(sctx)
		}()
	}
	if !*quiet {
		sess.status = stdout
	}
	runErr := sess.run(ctx)
	sess.end = endOf(sigCtx, ctx, runErr)
	sess.shutdown()
	ended := time.Now()
	sess.summary(stdout, c.Latency.ReportPercentiles)
	if *jsonFile != "" {
		if err := sess.writeRunJSON(*jsonFile, ended); err != nil {
			fmt.Fprintf(stderr, "nanotick run: %v\n", err)
			return 1
		}
	}
	if *memProfile != "" {
		if err := writeHeapProfile(*memProfile); err != nil {
			fmt.Fprintf(stderr, "nanotick run: %v\n", err)
		}
	}
	if runErr != nil {
		fmt.Fprintf(stderr, "nanotick run: %v\n", runErr)
		return 1
	}
	if err := sess.venueHalts.err(); err != nil {
		fmt.Fprintf(stderr, "nanotick run: %v\n", err)
		return 1
	}
	// A run whose trading stopped before its end did not do what was asked, whatever
	// stopped it: a strategy that failed, a loss limit, the kill switch.
	if err := sess.eng.Halted(); err != nil {
		fmt.Fprintf(stderr, "nanotick run: the strategy failed and was halted: %v\n", err)
		return 1
	}
	if h := sess.riskHalt(); h != "" {
		fmt.Fprintf(stderr, "nanotick run: trading halted before the end, cause %s\n", h)
		return 1
	}
	return 0
}

// session is one running strategy: its engine, the live session that runs it over its
// market-data connections and order gateways, and the local exchange when a venue is a
// sim one.
type session struct {
	eng  *engine.Engine
	live *livesession.Session
	// feed is the engine's own market-data connection (its default instrument's).
	feed livesession.MarketData
	// gw is the default instrument's Binance gateway, when it has one.
	gw       *gwbinance.Gateway
	ex       *exchange.Exchange
	log      zerolog.Logger
	symbol   string
	started  time.Time
	status   io.Writer        // nil: no status line
	nextLine int64            // engine time of the next status line
	stats    *admin.Publisher // what the engine publishes for the admin server
	numGC    uint32           // GC count when trading began, for the summary
	warmGC   uint32           // GC count after warm-up
	warm     bool
	// simSecret is the local exchange account's secret, which must never be logged.
	simSecret string
	// adminToken is the admin server's bearer token; empty makes it generate one.
	adminToken string
	// strategyName and venue name the run in its report; tally counts its fills' volume.
	strategyName string
	venue        config.Venue
	tally        fillTally
	// futures are the session's USD-M gateways (run_usdm.go).
	futures []usdmGateway
	// bybitPerps are the session's Bybit linear gateways (run_bybit_report.go).
	bybitPerps []bybitPerp
	// venueHalts are the venues' reasons for halting the strategy (run_halts.go).
	venueHalts venueHalts
	// end is how the run ended (run_end.go).
	end runEnd
}

// sessionOptions are the knobs of a session beyond its config, for the local exchange and
// for tests.
type sessionOptions struct {
	seed   uint64
	faults exchange.Faults // injected by the local exchange
	// wrap, if set, wraps the order gateway the engine sends through (tests check
	// every order on its way out).
	wrap func(engine.Gateway) engine.Gateway
	// flight, if set, records an execution trace of every slow tick.
	flight *admin.FlightRecorder
	// recorder, if set, records the session for nanotick parity.
	recorder *parity.Recorder
	// commission is what the local exchange charges each fill (zero: nothing).
	commission exchange.Commission
	// wrapVenue, if set, wraps each venue's gateway the session tears down with (tests
	// make its cancel-all fail).
	wrapVenue func(livesession.Gateway) livesession.Gateway
}

func startSession(ctx context.Context, c *config.Config, opts sessionOptions, log zerolog.Logger) (*session, error) {
	if len(c.Strategies) == 0 {
		return nil, errors.New("the config declares no [[strategy]]")
	}
	if len(c.Strategies) > 1 {
		log.Warn().Int("strategies", len(c.Strategies)).Msg("running the first strategy only; one process per strategy for now")
	}
	st := &c.Strategies[0]
	ecfg, err := engine.FromConfig(c, st, log.With().Str("strategy", st.Name).Logger())
	if err != nil {
		return nil, err
	}
	ecfg.NewFeed = venues.NewFeed
	if opts.flight != nil {
		ecfg.TickObserver = opts.flight
	}
	strat, err := loadStrategy(st, c.Engine.InstructionBudget)
	if err != nil {
		return nil, err
	}
	table, err := sessionTable(ecfg, st.Venue)
	if err != nil {
		return nil, err
	}
	if table.Len() > 1 && opts.recorder != nil {
		return nil, errors.New("--record-session records one instrument; this strategy trades several")
	}
	groups := groupByVenue(c, table)
	for _, g := range groups {
		if liveVenues[g.Venue] == nil {
			return nil, fmt.Errorf("strategy %q: venue %q cannot be traded live yet (live venues: %v)", st.Name, g.Venue, venueNames())
		}
	}

	s := &session{log: log, symbol: ecfg.Instrument.Symbol, stats: admin.NewPublisher(0),
		strategyName: st.Name, venue: st.Venue}
	w := &venueWiring{ctx: ctx, cfg: c, table: table, waker: &livesession.Waker{}, log: log, noteHalt: s.venueHalts.add}
	var halt atomic.Pointer[engine.Engine] // the engine a venue ban (418) halts
	w.halt = func() {
		if e := halt.Load(); e != nil {
			e.Halt()
		}
	}
	w.mark = func(i instrument.Index) md.PerpMark { // the engine's goroutine only
		if e := halt.Load(); e != nil {
			return e.Context().MarketAt(i).PerpMark()
		}
		return md.PerpMark{}
	}
	for _, g := range groups {
		if g.Sim && s.ex == nil {
			if err := s.startExchange(groups, table, opts, w); err != nil {
				return nil, err
			}
		}
	}
	var parts []venueParts
	fail := func(err error) (*session, error) {
		for _, p := range parts {
			for _, gw := range p.unique {
				gw.Close()
			}
		}
		s.closeExchange()
		return nil, err
	}
	for _, g := range groups {
		p, err := liveVenues[g.Venue](w, g)
		if err != nil {
			return fail(err)
		}
		parts = append(parts, p)
	}
	gws := make([]engine.Gateway, table.Len())
	var mds []livesession.MarketData
	var unique []livesession.Gateway
	for _, p := range parts {
		for i, gw := range p.gateways {
			if opts.wrap != nil {
				gw = opts.wrap(gw)
			}
			if opts.recorder != nil {
				gw = recordingGateway{next: gw, rec: opts.recorder}
			}
			gws[i] = gw
		}
		mds = append(mds, p.md)
		mds = append(mds, p.more...)
		unique = append(unique, p.unique...)
		s.futures = append(s.futures, p.futures...)
		s.bybitPerps = append(s.bybitPerps, p.bybitPerps...)
	}
	s.gw, s.feed = parts[0].gw, parts[0].md
	if opts.wrapVenue != nil {
		for k := range unique {
			unique[k] = opts.wrapVenue(unique[k])
		}
	}
	if ecfg.Instruments != nil {
		ecfg.Gateways = gws
	}
	s.eng, err = engine.New(ecfg, strat, gws[0])
	if err != nil {
		return fail(err)
	}
	s.tally.init(s.eng)
	var answers livesession.Answers = &s.tally
	var frame func(instrument.Index, []byte, int64) error
	if opts.recorder != nil {
		answers = recordingSink{next: &s.tally, rec: opts.recorder}
		rec, eng := opts.recorder, s.eng
		frame = func(i instrument.Index, p []byte, local int64) error {
			rec.Frame(local, p)
			return eng.OnFrameAt(i, p, local)
		}
	}
	halt.Store(s.eng)
	s.live, err = livesession.New(livesession.Config{
		Engine: s.eng, MarketData: mds, Gateways: unique, Waker: w.waker,
		Answers: answers, Frame: frame, OnIdle: s.onIdle,
		BusyPoll: c.Latency.BusyPoll, KeepWarm: c.Latency.KeepWarm,
		Logger: log,
	})
	if err != nil {
		s.closeExchange() // New closed the gateways
		return nil, err
	}
	return s, nil
}

// sessionTable returns the session's instruments: the engine's table, or for an engine
// of one instrument configured the old way, a table of that one.
func sessionTable(ecfg engine.Config, venue config.Venue) (*instrument.Table, error) {
	if ecfg.Instruments != nil {
		return ecfg.Instruments, nil
	}
	in, rules := ecfg.Instrument, ecfg.Rules
	kind := instrument.Spot
	if venue == config.VenueBinanceUSDM || venue == config.VenueBybitLinear {
		kind = instrument.Perpetual
	}
	base, quote, _ := instrument.SplitSymbol(in.Symbol)
	t, err := instrument.NewTable(instrument.Spec{
		ID: instrument.ID{Venue: string(venue), Symbol: in.Symbol}, Kind: kind, Base: base, Quote: quote,
		PriceScale: in.PriceScale, QtyScale: in.QtyScale, Tick: in.Tick, Lot: in.Lot,
		MinQty: rules.MinQty, MaxQty: rules.MaxQty, MinNotional: rules.MinNotional,
	})
	if err != nil {
		return nil, fmt.Errorf("instrument: %w", err)
	}
	return t, nil
}

// startExchange starts the local exchange in-process for the sim venues, listing their
// markets, with an account whose secret is drawn afresh.
func (s *session) startExchange(groups []venueGroup, table *instrument.Table, opts sessionOptions, w *venueWiring) error {
	spot, fut, err := simMarketsOf(groups, table)
	if err != nil {
		return err
	}
	key, secret := simAPIKey, randomSecret()
	s.simSecret = secret
	// The exchange outlives the run's context: at shutdown the session still cancels
	// its orders there before closing it.
	s.ex, err = exchange.Start(context.Background(), exchange.Config{
		Seed:        opts.seed,
		Faults:      opts.faults,
		Commission:  opts.commission,
		Instruments: spot,
		Futures:     fut,
		USDM:        exchange.USDMConfig{FundingInterval: usdmFundingInterval(w.cfg)},
		BybitLinear: bybitSimLinear(w.cfg),
		Accounts:    []exchange.AccountConfig{{APIKey: key, Secret: secret, Balances: simBalances(groups, table)}},
	})
	if err != nil {
		return fmt.Errorf("local exchange: %w", err)
	}
	w.ex, w.simKey, w.simSecret = s.ex, key, secret
	if w.simCreds, err = gwbinance.NewCredentials(key, secret); err != nil {
		s.closeExchange()
		return fmt.Errorf("credentials: %w", err)
	}
	return nil
}

// run starts the engine and runs the session, and with it the engine, on this goroutine
// until ctx ends.
func (s *session) run(ctx context.Context) error {
	s.started = time.Now()
	s.numGC = gcCount()
	return s.live.Run(ctx)
}

// onIdle runs on the engine's goroutine at the end of every idle pass (after the other
// connections' frames, the venues' answers and the timers): it publishes metrics and
// prints the status line.
func (s *session) onIdle(now int64) {
	if s.stats.Due(telemetry.Nanotime()) {
		s.stats.PublishEngine(s.eng)
	}
	if now < s.nextLine {
		return
	}
	s.nextLine = now + int64(time.Second)
	if !s.warm && time.Since(s.started) > warmUp {
		// A deliberate collection at the end of warm-up, while nothing is quoted yet
		// that a pause could hurt much: what start-up left behind is gone, and the heap
		// goal is set from the working set, so the little garbage the connections make
		// (timeouts of the idle wake-ups, the venue's JSON answers) takes many minutes
		// to reach it. The tick path itself allocates nothing.
		runtime.GC()
		s.warm, s.warmGC = true, gcCount()
	}
	if s.status != nil {
		s.printStatus(s.status)
	}
}

func (s *session) printStatus(w io.Writer) {
	c := s.eng.Counters()
	ctx := s.eng.Context()
	lat := s.eng.Latency()
	book := "invalid"
	if s.eng.Book().Valid() {
		book = fmt.Sprintf("%.2f/%.2f", ctx.Price(0, 0), ctx.Price(1, 0))
	}
	fmt.Fprintf(w, "%s  events %d  book %s  orders %d (rej %d)  fills %d  pos %.5f  pnl %.2f  t2o p50 %s p99 %s\n",
		time.Since(s.started).Round(time.Second), c.Frames, book, c.OrdersSent, c.OrdersRejected, c.Fills,
		ctx.Position(), ctx.RealizedPnL()+ctx.UnrealizedPnL()-ctx.Fees(),
		micros(lat.Percentile(telemetry.TickToOrder, 50)), micros(lat.Percentile(telemetry.TickToOrder, 99)))
}

// warmUp is how long after start the session counts as warmed up: the book has been
// loaded and every buffer has reached its working size.
const warmUp = 5 * time.Second

func micros(ns int64) string { return fmt.Sprintf("%.1fus", float64(ns)/1e3) }

// startAdmin serves pprof, metrics and the kill switch for the session.
func (s *session) startAdmin(ctx context.Context, addr string, fr *admin.FlightRecorder) (*admin.Server, error) {
	var feeds []admin.Feed
	mds := s.live.MarketData()
	for _, md := range mds {
		name := md.Name()
		if len(mds) == 1 && (name == instrument.VenueBinanceSpot || name == instrument.VenueSim) {
			name = "binance" // the source a Binance Spot session has always been published as
		}
		feeds = append(feeds, admin.Feed{Name: name, Counters: func() admin.FeedCounters {
			c := md.Counters()
			return admin.FeedCounters{Frames: c.Frames, Reconnects: c.Reconnects, Resyncs: c.Resyncs}
		}})
	}
	srv, err := admin.New(admin.Config{
		Addr: addr, Stats: s.stats, Risk: s.eng.Risk(), Halt: s.eng.Halt, Flight: fr, Logger: s.log, Token: s.adminToken,
		Feeds: feeds,
	})
	if err != nil {
		return nil, err
	}
	if err := srv.Start(ctx); err != nil {
		return nil, err
	}
	return srv, nil
}

// shutdown halts trading, cancels every working order at every venue and closes the
// connections. The engine's goroutine has returned, so its state may be read here.
func (s *session) shutdown() {
	s.live.Shutdown()
	s.closeExchange()
}

func (s *session) closeExchange() {
	if s.ex != nil {
		s.ex.Close()
	}
}

// summary prints the session's counters, its position and the latency of every stage.
func (s *session) summary(w io.Writer, percentiles []float64) {
	c := s.eng.Counters()
	ctx := s.eng.Context()
	fmt.Fprintf(w, "\nsummary after %s\n", time.Since(s.started).Round(time.Millisecond))
	fmt.Fprintf(w, "  events    %d frames (%d malformed), %d book updates, %d trades\n", c.Frames, c.Malformed, c.BookUpdates, c.Trades)
	mds := s.live.MarketData()
	for _, md := range mds {
		if len(mds) == 1 {
			fmt.Fprintf(w, "  feed      %s\n", feedLine(md.Counters()))
		} else {
			fmt.Fprintf(w, "  feed      %s: %s\n", md.Name(), feedLine(md.Counters()))
		}
	}
	fmt.Fprintf(w, "  orders    %d sent, %d rejected by risk, %d send failures, %d cancels, %d fills\n",
		c.OrdersSent, c.OrdersRejected, c.SendFailures, c.CancelsSent, c.Fills)
	t := s.eng.Instruments()
	if t.Len() == 1 {
		fmt.Fprintf(w, "  position  %.5f at %.2f; pnl %.4f = realized %.4f + unrealized %.4f - fees %.4f\n",
			ctx.Position(), ctx.AvgEntry(), ctx.RealizedPnL()+ctx.UnrealizedPnL()-ctx.Fees(), ctx.RealizedPnL(), ctx.UnrealizedPnL(), ctx.Fees())
	} else {
		for i := 0; i < t.Len(); i++ {
			sp := t.At(instrument.Index(i))
			rc := s.eng.RiskAt(instrument.Index(i))
			realized, unrealized, fine := rc.PnLFine()
			_, fees, _ := rc.PnL()
			ps := sp.PriceScale
			r, u, f := fine.Decimal(realized), fine.Decimal(unrealized), ps.Decimal(fees)
			fmt.Fprintf(w, "  position  %s %s at %s; pnl %s = realized %s + unrealized %s - fees %s\n", sp.ID,
				sp.QtyScale.Decimal(rc.Position()), ps.Decimal(rc.AvgEntry()), r.Add(u).Sub(f), r, u, f)
		}
	}
	s.summaryUSDM(w)
	if err := s.eng.Halted(); err != nil {
		fmt.Fprintf(w, "  strategy  halted: %v\n", err)
	}
	s.summaryVenueHalts(w)
	s.summaryEnd(w)
	gcs := gcCount() - s.numGC
	if s.warm {
		fmt.Fprintf(w, "  gc        %d cycles in all, %d after warm-up\n", gcs, gcCount()-s.warmGC)
	} else {
		fmt.Fprintf(w, "  gc        %d cycles\n", gcs)
	}
	fmt.Fprintln(w, "  latency per stage:")
	_ = s.eng.Latency().WriteReport(w, percentiles)
}

func gcCount() uint32 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.NumGC
}

// splitSymbol splits a Binance symbol into its base and quote assets by the common
// quote currencies.
func splitSymbol(sym string) (base, quote string) {
	for _, q := range []string{"USDT", "USDC", "FDUSD", "BUSD", "BTC", "ETH", "BNB", "EUR", "TRY"} {
		if strings.HasSuffix(sym, q) && len(sym) > len(q) {
			return strings.TrimSuffix(sym, q), q
		}
	}
	return sym, ""
}

// binanceCredentials loads the API key from the environment variable the config names,
// and the secret from the config's api_secret_file (a file of one line, the secret, or of
// two, the key then the secret; it must not be readable by group or others), or else
// from the variable named like the key's with _SECRET for _KEY (BINANCE_API_SECRET).
func binanceCredentials(b *config.Binance) (gwbinance.Credentials, error) {
	secretEnv := strings.TrimSuffix(b.APIKeyEnv, "_KEY") + "_SECRET"
	if b.APISecretFile == "" {
		return gwbinance.CredentialsFromEnv(b.APIKeyEnv, secretEnv)
	}
	if creds, err := gwbinance.CredentialsFromFile(b.APISecretFile); err == nil {
		return creds, nil
	}
	fi, err := os.Stat(b.APISecretFile)
	if err != nil {
		return gwbinance.Credentials{}, err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return gwbinance.Credentials{}, fmt.Errorf("%s is readable by group or others: chmod 600 it", b.APISecretFile)
	}
	data, err := os.ReadFile(b.APISecretFile)
	if err != nil {
		return gwbinance.Credentials{}, err
	}
	key := os.Getenv(b.APIKeyEnv)
	if key == "" {
		return gwbinance.Credentials{}, fmt.Errorf("environment variable %s (the API key) is not set", b.APIKeyEnv)
	}
	return gwbinance.NewCredentials(key, strings.TrimSpace(string(data)))
}

// simAPIKey is the key of the local exchange's account; its secret is drawn afresh for
// every session.
const simAPIKey = "nanotick"

func randomSecret() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func newLogger(c *config.Config, w io.Writer) zerolog.Logger {
	level, err := zerolog.ParseLevel(c.Engine.LogLevel)
	if err != nil {
		level = zerolog.InfoLevel
	}
	out := w
	console := c.Engine.LogFormat == "console"
	if c.Engine.LogFormat == "auto" || c.Engine.LogFormat == "" {
		if f, ok := w.(*os.File); ok && isatty.IsTerminal(f.Fd()) {
			console = true
		}
	}
	if console {
		out = zerolog.ConsoleWriter{Out: w, TimeFormat: "15:04:05.000"}
	}
	return zerolog.New(out).Level(level).With().Timestamp().Logger()
}

func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	runtime.GC()
	return pprof.WriteHeapProfile(f)
}
