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
	"github.com/nanotick/nanotick/feeds/binance/live"
	gwbinance "github.com/nanotick/nanotick/gateway/binance"
	"github.com/nanotick/nanotick/parity"
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
	return 0
}

// session is one running strategy: its engine, the feed client whose goroutine runs the
// engine, the order gateway, and the local exchange when the venue is "sim".
type session struct {
	eng      *engine.Engine
	feed     *live.Client
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
	keepWarm bool // run the engine's Warm in every idle pass of a polling feed
	// simSecret is the local exchange account's secret, which must never be logged.
	simSecret string
	// adminToken is the admin server's bearer token; empty makes it generate one.
	adminToken string
	// strategyName and venue name the run in its report; tally counts its fills' volume.
	strategyName string
	venue        config.Venue
	tally        fillTally
	answers      gwbinance.Sink // the tally, or a recorder in front of it
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

	s := &session{log: log, symbol: ecfg.Instrument.Symbol, stats: admin.NewPublisher(0),
		strategyName: st.Name, venue: st.Venue,
		keepWarm: c.Latency.BusyPoll && c.Latency.KeepWarm}
	var mdURL, restURL, apiURL string
	var creds gwbinance.Credentials
	switch st.Venue {
	case config.VenueSim:
		key, secret := simAPIKey, randomSecret()
		s.simSecret = secret
		// The exchange outlives the run's context: at shutdown the session still cancels
		// its orders there before closing it.
		s.ex, err = exchange.Start(context.Background(), exchange.Config{
			Seed:       opts.seed,
			Faults:     opts.faults,
			Commission: opts.commission,
			Accounts:   []exchange.AccountConfig{{APIKey: key, Secret: secret, Balances: map[string]string{"USDT": "100000", "BTC": "1"}}},
		})
		if err != nil {
			return nil, fmt.Errorf("local exchange: %w", err)
		}
		mdURL, restURL, apiURL = s.ex.MarketDataURL(), s.ex.RESTURL(), s.ex.WSAPIURL()
		creds, err = gwbinance.NewCredentials(key, secret)
	case config.VenueBinanceSpot:
		b := c.Venues.Binance
		if b == nil {
			return nil, errors.New("venue binance-spot needs a [venue.binance] table with its URLs and credentials")
		}
		mdURL, restURL, apiURL = b.WSURL, b.RESTURL, b.WSAPIURL
		creds, err = binanceCredentials(b)
	default:
		return nil, fmt.Errorf("strategy %q: venue %q cannot be traded live yet", st.Name, st.Venue)
	}
	if err != nil {
		s.closeExchange()
		return nil, fmt.Errorf("credentials: %w", err)
	}

	if err := checkVenueRules(ctx, ecfg, st.Venue, restURL); err != nil {
		s.closeExchange()
		return nil, err
	}

	// The gateway is built before the feed client whose Wake it calls, so the client is
	// reached through a pointer set once it exists.
	var client atomic.Pointer[live.Client]
	var halt atomic.Pointer[engine.Engine] // the engine a venue ban (418) halts
	base, quote := splitSymbol(s.symbol)
	s.gw, err = gwbinance.New(gwbinance.Config{
		URL: apiURL, Symbol: s.symbol, BaseAsset: base, QuoteAsset: quote,
		PriceScale: ecfg.Instrument.PriceScale, QtyScale: ecfg.Instrument.QtyScale,
		Credentials: creds,
		Wake: func() {
			if cl := client.Load(); cl != nil {
				cl.Wake()
			}
		},
		OnBan: func(string) {
			if e := halt.Load(); e != nil {
				e.Halt()
			}
		},
		Logger: log,
	})
	if err != nil {
		s.closeExchange()
		return nil, err
	}
	if _, err := s.gw.Start(context.WithoutCancel(ctx)); err != nil {
		s.closeExchange()
		return nil, fmt.Errorf("gateway: %w (refusing to trade)", err)
	}
	var gw engine.Gateway = s.gw
	if opts.wrap != nil {
		gw = opts.wrap(s.gw)
	}
	if opts.recorder != nil {
		gw = recordingGateway{next: gw, rec: opts.recorder}
	}
	s.eng, err = engine.New(ecfg, strat, gw)
	if err != nil {
		s.gw.Close()
		s.closeExchange()
		return nil, err
	}
	s.tally.Engine = s.eng
	s.answers = &s.tally
	handler := s.eng.OnFrame
	if opts.recorder != nil {
		s.answers = recordingSink{next: &s.tally, rec: opts.recorder}
		handler = recordingHandler(handler, opts.recorder)
	}
	halt.Store(s.eng)
	streams, err := live.StreamURL(mdURL, s.symbol, "depth@100ms", "trade")
	if err != nil {
		s.gw.Close()
		s.closeExchange()
		return nil, err
	}
	feed, err := live.New(live.Config{
		URL: streams, RESTURL: restURL, Symbol: s.symbol, Sync: s.eng.Sync(),
		Handler:  handler,
		OnIdle:   s.onIdle,
		BusyPoll: c.Latency.BusyPoll,
		OnState: func(st live.State, err error, now int64) {
			s.eng.OnClock(now) // the book may have turned invalid: let risk and the strategy see it
		},
		Logger: log,
	})
	if err != nil {
		s.gw.Close()
		s.closeExchange()
		return nil, err
	}
	s.feed = feed
	client.Store(feed)
	return s, nil
}

// run starts the engine and runs the feed client, and with it the engine, on this
// goroutine until ctx ends.
func (s *session) run(ctx context.Context) error {
	s.started = time.Now()
	if err := s.eng.Start(s.started.UnixNano()); err != nil {
		return err
	}
	s.numGC = gcCount()
	err := s.feed.Run(ctx)
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		err = nil
	}
	return err
}

// onIdle runs on the engine's goroutine after every frame and whenever the feed is
// quiet: it hands the venue's answers to the engine, fires timers, and prints the
// status line.
func (s *session) onIdle(now int64) {
	s.gw.Drain(s.answers, now)
	s.eng.OnClock(now)
	if s.keepWarm {
		s.eng.Warm() // after the venue's answers, which must not wait for it
	}
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
	feed := s.feed
	srv, err := admin.New(admin.Config{
		Addr: addr, Stats: s.stats, Risk: s.eng.Risk(), Halt: s.eng.Halt, Flight: fr, Logger: s.log, Token: s.adminToken,
		Feeds: []admin.Feed{{Name: "binance", Counters: func() admin.FeedCounters {
			c := feed.Counters()
			return admin.FeedCounters{Frames: c.Frames, Reconnects: c.Reconnects, Resyncs: c.Resyncs}
		}}},
	})
	if err != nil {
		return nil, err
	}
	if err := srv.Start(ctx); err != nil {
		return nil, err
	}
	return srv, nil
}

// shutdown halts trading, cancels every working order at the venue and closes the
// connections. The engine's goroutine has returned, so its state may be read here.
func (s *session) shutdown() {
	s.eng.Halt()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.gw.CancelAll(ctx); err != nil {
		s.log.Error().Err(err).Msg("cancel all at shutdown")
	}
	s.gw.Close()
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
	fc := s.feed.Counters()
	fmt.Fprintf(w, "\nsummary after %s\n", time.Since(s.started).Round(time.Millisecond))
	fmt.Fprintf(w, "  events    %d frames (%d malformed), %d book updates, %d trades\n", c.Frames, c.Malformed, c.BookUpdates, c.Trades)
	fmt.Fprintf(w, "  feed      %s\n", feedLine(fc))
	fmt.Fprintf(w, "  orders    %d sent, %d rejected by risk, %d send failures, %d cancels, %d fills\n",
		c.OrdersSent, c.OrdersRejected, c.SendFailures, c.CancelsSent, c.Fills)
	fmt.Fprintf(w, "  position  %.5f at %.2f; pnl %.4f = realized %.4f + unrealized %.4f - fees %.4f\n",
		ctx.Position(), ctx.AvgEntry(), ctx.RealizedPnL()+ctx.UnrealizedPnL()-ctx.Fees(), ctx.RealizedPnL(), ctx.UnrealizedPnL(), ctx.Fees())
	if err := s.eng.Halted(); err != nil {
		fmt.Fprintf(w, "  strategy  halted: %v\n", err)
	}
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
