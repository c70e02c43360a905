// Package engine owns the hot loop of one strategy over its instruments: it takes a raw
// frame of one instrument, has that instrument's market-data feed decode it and apply it
// to the book, calls the strategy, passes the strategy's orders through risk and hands
// the accepted ones to the instrument's order gateway, timing each stage.
//
// The loop reads top to bottom in OnFrameAt: no channel hop, no lock, no allocation, and
// one interface call into the feed per frame, never one per level. Instruments live in
// slots indexed by instrument.Index. The engine knows venues only through the md.Feed
// interface: it imports no venue package (Config.NewFeed builds the feeds).
//
// An Engine belongs to one goroutine: the live connector and the backtester both call
// its methods from the goroutine that owns it, feeding frames, clock ticks and the
// venue's answers (acks, fills, cancels, rejects) in the order they happened. The engine
// never reads the wall clock for decisions: "now" is the local receive time of the event
// being handled, so a recording replays exactly. It never performs I/O itself; the
// Gateway does.
//
// Timers run on an exact grid of event time: OnTimer fires at start + k x interval for
// every k, each grid point once and in order, before the event that passes it is
// handled, with the clock set to the grid point. NextTimer says when the next one is
// due, so that a live loop can wake for it (OnClock) when no market data arrives; a
// backtest needs nothing more, since every event it delivers fires the grid points
// before it. After a stall longer than MaxTimerCatchUp intervals the points in between
// are skipped (counted in Counters.TimersSkipped) and the last one fires: the grid
// stays exact, but a stalled engine does not run thousands of callbacks at once.
package engine

import (
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/md"
	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/risk"
	"github.com/nanotick/nanotick/strategy"
	"github.com/nanotick/nanotick/telemetry"
)

// Gateway sends orders and cancels to a venue: the live order gateway, the backtester's
// simulated exchange, or a benchmark's encoder. Its methods are called on the engine's
// goroutine and must not block; the venue's answers come back through the Engine's On*
// methods.
type Gateway interface {
	// Place sends a new order that risk has accepted.
	Place(o *risk.Order, now int64) error
	// Cancel asks the venue to cancel order id.
	Cancel(id uint64, now int64) error
}

// Modifier is the optional part of a Gateway that changes a working order's price and
// quantity in place, keeping its id (USD-M order.modify, Bybit order.amend). The engine
// asks each gateway for it once, in New; a gateway without it keeps working, and a
// strategy that modifies orders on its instruments is refused when it is bound.
type Modifier interface {
	// Modify sends the modify of working order id, which risk has accepted: side is the
	// order's side, price its new price and qty its new total quantity (filled part
	// included), in the instrument's fixed-point units. The venue's answer comes back
	// through Engine.OnModified or Engine.OnModifyRejected (or OnCancelled, when the
	// venue cancels the order instead, as USD-M does for a quantity at or below what
	// has filled). gateway/binance.FuturesGateway is one.
	Modify(id uint64, side orderbook.Side, price, qty, now int64) error
}

// Config is what an Engine needs besides its strategy and gateway.
type Config struct {
	// Instruments are the instruments the engine trades, by index; the first is the
	// default one. When nil, the engine trades the one instrument Venue, Instrument and
	// Rules describe.
	Instruments *instrument.Table
	// Venue, Instrument and Rules describe the instrument of an engine with one, when
	// Instruments is nil: its venue's name (instrument.VenueBinanceSpot, ...), what the
	// strategy knows of it, and the exchange's trading rules in fixed-point units.
	Venue      string
	Instrument strategy.Instrument
	Rules      risk.Instrument
	// NewFeed builds each instrument's market-data feed (venues.NewFeed). When nil the
	// engine has no feeds: the caller applies updates to the books itself and reports
	// them with OnBookUpdated and OnTrade, and OnFrame is an error.
	NewFeed md.NewFeed
	// Gateways optionally gives an instrument its own gateway, by index (its venue's);
	// missing and nil entries use the gateway New was given.
	Gateways []Gateway
	// Risk are the per-instrument limits, applied to each instrument.
	Risk risk.Config
	// InstrumentRisk optionally gives an instrument its own limits, by index (an ETH
	// book wants other sizes than a BTC one); missing and nil entries use Risk.
	InstrumentRisk []*risk.Config
	// Portfolio are the limits over all instruments together (gross notional, net
	// position per base asset, total loss and drawdown); the zero value sets none.
	Portfolio risk.PortfolioConfig
	// StartState is the trading state risk starts in: Active, or Reducing or Halted to
	// start an engine that may only flatten or only watch.
	StartState risk.State
	// Params are the strategy's parameters from the config.
	Params strategy.Params
	// TimerInterval is the period of the strategy's OnTimer in event time; 0 disables it.
	TimerInterval time.Duration
	// LatencyMax is the largest latency the histograms resolve; 0 means one second.
	LatencyMax time.Duration
	// BookCapacity is the levels per side preallocated; 0 means 8192.
	BookCapacity int
	// TickObserver, if set, is told how long each frame took the engine, in ns: the
	// flight recorder keeps an execution trace of the slow ones. It is called on the
	// tick path and must cost next to nothing.
	TickObserver interface{ Observe(ns int64) }
	// NoStageTiming turns the stage clock off: no stage is timed (Latency returns nil)
	// and TickObserver is never called. Reading the clock at every stage of every
	// tick, and filling its histograms, is a good part of a replayed tick's cost; a
	// backtest or a sweep, whose stage times measure the machine and not the
	// strategy, leaves it off unless asked (Config.StageTiming in package backtest).
	// Live trading keeps it on.
	NoStageTiming bool
	// Book, if set, is the (one) instrument's book, instead of one of the engine's
	// own: the engines of a sweep's points replaying the same events in lockstep share
	// one, which their caller brings along once per event (md.Replay) before handing
	// the event to each engine with OnReplayedEventAt. The engine reads it as its own.
	Book   *orderbook.Book
	Logger zerolog.Logger
}

// Counters are what an Engine has seen and done.
type Counters struct {
	Frames         uint64 // frames handled
	Malformed      uint64 // frames that failed to decode, skipped
	BookUpdates    uint64 // depth events applied to the book
	Trades         uint64 // public trades
	OrdersSent     uint64 // orders risk accepted and the gateway took
	OrdersRejected uint64 // orders risk rejected
	SendFailures   uint64 // orders the gateway failed to send
	CancelsSent    uint64
	ModifiesSent   uint64 // modifies risk accepted and the gateway took
	Fills          uint64
	ForcedFills    uint64 // fills the venue forced (liquidation, ADL): OnForcedFill
	StrategyErrors uint64 // callbacks that returned an error (each halts the strategy)
	Timers         uint64 // OnTimer calls made
	TimersSkipped  uint64 // grid points skipped after a stall (see MaxTimerCatchUp)
}

// maxUpdateRounds bounds how many times order updates may feed back into the strategy
// within one event: OnOrder may place orders whose rejections call OnOrder again.
const maxUpdateRounds = 4

// MaxTimerCatchUp is how many overdue timer grid points one event fires at most; past
// it the engine skips to the last due point (see the package doc).
const MaxTimerCatchUp = 64

// slot is one instrument's part of the engine.
type slot struct {
	spec      *instrument.Spec
	feed      md.Feed // nil when the caller feeds the book itself
	book      *orderbook.Book
	risk      *risk.Checker
	mkt       *strategy.Market
	gw        Gateway
	mod       Modifier // gw's, or nil when it cannot modify
	bookValid bool     // validity the strategy last saw
}

// Engine runs one strategy on its instruments.
type Engine struct {
	slots []slot
	table *instrument.Table
	port  *risk.Portfolio // nil without portfolio limits
	strat strategy.Strategy
	ctx   *strategy.Context
	lat   *telemetry.Latency // nil when untimed
	log   zerolog.Logger
	// untimed says the stage clock is off (Config.NoStageTiming): clock reads 0 and
	// record does nothing.
	untimed bool
	obs     interface{ Observe(ns int64) }
	halted  error
	// holdCancels keeps the engine's own cancels back (HoldCancels): the venue has
	// cancelled every order already, and a cancel of each would only be refused.
	holdCancels bool

	now        int64
	timerEvery int64
	nextTimer  int64
	started    bool
	nextID     uint64
	cancels    []uint64
	updates    []strategy.OrderUpdate
	pending    []strategy.OrderUpdate // updates being delivered
	tickStart  int64                  // Nanotime when the current frame arrived; 0 outside frames
	tickTimed  bool                   // whether this tick's first order was timed already
	trade      strategy.Trade         // the callback arguments live here so that passing
	fill       strategy.Fill          // them to the strategy does not allocate
	order      risk.Order             // the order being checked and sent
	counters   Counters
	warmSum    int64 // what Warm read, kept so that the reads are not optimized away
}

// New returns an engine for cfg running strat and sending through gw.
func New(cfg Config, strat strategy.Strategy, gw Gateway) (*Engine, error) {
	if strat == nil || gw == nil {
		return nil, errors.New("engine: strategy and gateway are required")
	}
	table := cfg.Instruments
	single := table == nil
	if single {
		t, err := instrument.NewTable(legacySpec(&cfg))
		if err != nil {
			return nil, fmt.Errorf("engine: %w", err)
		}
		table = t
	}
	capacity := cfg.BookCapacity
	if capacity <= 0 {
		capacity = 8192
	}
	latMax := cfg.LatencyMax
	if latMax <= 0 {
		latMax = time.Second
	}
	e := &Engine{
		table:      table,
		strat:      strat,
		untimed:    cfg.NoStageTiming,
		log:        cfg.Logger,
		obs:        cfg.TickObserver,
		timerEvery: int64(cfg.TimerInterval),
		cancels:    make([]uint64, 0, risk.MaxOpenOrdersLimit),
		updates:    make([]strategy.OrderUpdate, 0, 2*strategy.MaxIntents),
		pending:    make([]strategy.OrderUpdate, 0, 2*strategy.MaxIntents),
		slots:      make([]slot, table.Len()),
	}
	if !e.untimed {
		e.lat = telemetry.NewLatency(latMax)
	}
	markets := make([]strategy.MarketConfig, table.Len())
	for i := range e.slots {
		sl := &e.slots[i]
		sl.spec = table.At(instrument.Index(i))
		rules := rulesOf(sl.spec)
		if single {
			rules = cfg.Rules
		}
		rcfg := cfg.Risk
		if i < len(cfg.InstrumentRisk) && cfg.InstrumentRisk[i] != nil {
			rcfg = *cfg.InstrumentRisk[i]
		}
		if table.Len() > 1 {
			// One risk line per instrument (a halt, the stop, a rejection): say which.
			rcfg.Logger = rcfg.Logger.With().Stringer("instrument", sl.spec.ID).Logger()
		}
		rc, err := risk.New(rcfg, rules)
		if err != nil {
			return nil, fmt.Errorf("engine: %s: risk: %w", sl.spec.ID, err)
		}
		if cfg.StartState != risk.Active {
			if err := rc.SetState(cfg.StartState); err != nil {
				return nil, fmt.Errorf("engine: start state: %w", err)
			}
		}
		sl.risk = rc
		sl.book = cfg.Book
		if sl.book == nil || table.Len() > 1 {
			sl.book = orderbook.New(capacity)
		}
		// A frame's orders must not wait for the book's upkeep: OnFrame tidies after them.
		sl.book.DeferUpkeep(true)
		if cfg.NewFeed != nil {
			f, err := cfg.NewFeed(sl.spec, sl.book, md.Config{Index: instrument.Index(i), IgnoreTickers: true})
			if err != nil {
				return nil, fmt.Errorf("engine: %w", err)
			}
			sl.feed = f
		}
		sl.gw = gw
		if i < len(cfg.Gateways) && cfg.Gateways[i] != nil {
			sl.gw = cfg.Gateways[i]
		}
		sl.mod, _ = sl.gw.(Modifier)
		markets[i] = strategy.MarketConfig{Spec: sl.spec, Book: sl.book, Risk: rc, NoModify: sl.mod == nil}
	}
	e.ctx = strategy.NewMarkets(table, markets, cfg.Params, &e.nextID, cfg.Logger)
	for i := range e.slots {
		e.slots[i].mkt = e.ctx.MarketAt(instrument.Index(i))
	}
	if cfg.Portfolio.Enabled() {
		checkers := make([]*risk.Checker, len(e.slots))
		for i := range e.slots {
			checkers[i] = e.slots[i].risk
		}
		p, err := risk.NewPortfolio(cfg.Portfolio, table, checkers)
		if err != nil {
			return nil, fmt.Errorf("engine: %w", err)
		}
		e.port = p
	}
	return e, nil
}

// InstrumentTable returns the instruments an engine built from cfg trades: Instruments,
// or the table of the one instrument Venue, Instrument and Rules describe.
func (cfg *Config) InstrumentTable() (*instrument.Table, error) {
	if cfg.Instruments != nil {
		return cfg.Instruments, nil
	}
	t, err := instrument.NewTable(legacySpec(cfg))
	if err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	return t, nil
}

// legacySpec describes the one instrument of a Config without Instruments.
func legacySpec(cfg *Config) instrument.Spec {
	in := cfg.Instrument
	kind := instrument.Spot
	if cfg.Venue == instrument.VenueBinanceUSDM {
		kind = instrument.Perpetual
	}
	base, quote, ok := instrument.SplitSymbol(in.Symbol)
	if !ok {
		base, quote = in.Symbol, "QUOTE"
		if base == "" {
			base = "BASE"
		}
	}
	venue, symbol := cfg.Venue, in.Symbol
	if venue == "" {
		venue = instrument.VenueBinanceSpot
	}
	if symbol == "" {
		symbol = "?"
	}
	tick, lot := in.Tick, in.Lot
	if tick <= 0 {
		tick = cfg.Rules.Tick
	}
	if lot <= 0 {
		lot = cfg.Rules.Lot
	}
	return instrument.Spec{
		ID: instrument.ID{Venue: venue, Symbol: symbol}, Kind: kind, Base: base, Quote: quote,
		PriceScale: in.PriceScale, QtyScale: in.QtyScale, Tick: tick, Lot: lot,
		MinQty: cfg.Rules.MinQty, MaxQty: cfg.Rules.MaxQty, MinNotional: cfg.Rules.MinNotional,
	}
}

// rulesOf returns the trading rules risk checks of spec.
func rulesOf(spec *instrument.Spec) risk.Instrument {
	return risk.Instrument{
		PriceScale: spec.PriceScale, QtyScale: spec.QtyScale, Tick: spec.Tick, Lot: spec.Lot,
		MinQty: spec.MinQty, MaxQty: spec.MaxQty, MinNotional: spec.MinNotional, Inverse: spec.Inverse,
	}
}

// Start runs the strategy's Init at engine time now and checks that every configured
// parameter was declared. An error here means the strategy must not run. The timer grid
// starts at now.
func (e *Engine) Start(now int64) error {
	e.now = now
	e.ctx.Begin(now)
	if err := e.strat.Init(e.ctx); err != nil {
		return fmt.Errorf("engine: strategy init: %w", err)
	}
	if err := e.ctx.Err(); err != nil {
		return fmt.Errorf("engine: strategy init: %w", err)
	}
	if len(e.ctx.Intents()) > 0 {
		return errors.New("engine: strategy init placed orders; place them from a market callback, when there is a book")
	}
	if err := e.ctx.CheckParams(); err != nil {
		return fmt.Errorf("engine: %w", err)
	}
	if e.timerEvery > 0 {
		e.nextTimer = now + e.timerEvery
	}
	e.started = true
	return nil
}

// Instruments returns the engine's instrument table.
func (e *Engine) Instruments() *instrument.Table { return e.table }

// Book returns the default instrument's book.
func (e *Engine) Book() *orderbook.Book { return e.slots[0].book }

// BookAt returns instrument i's book.
func (e *Engine) BookAt(i instrument.Index) *orderbook.Book { return e.slots[i].book }

// Feed returns the default instrument's market-data feed (nil without Config.NewFeed).
func (e *Engine) Feed() md.Feed { return e.slots[0].feed }

// FeedAt returns instrument i's market-data feed (nil without Config.NewFeed). A
// connection that fetches snapshots type-asserts it to its venue's feed type.
func (e *Engine) FeedAt(i instrument.Index) md.Feed { return e.slots[i].feed }

// Sync returns Feed(), for the callers that read its counters or Reset it.
func (e *Engine) Sync() md.Feed { return e.slots[0].feed }

// Risk returns the default instrument's risk checker.
func (e *Engine) Risk() *risk.Checker { return e.slots[0].risk }

// RiskAt returns instrument i's risk checker.
func (e *Engine) RiskAt(i instrument.Index) *risk.Checker { return e.slots[i].risk }

// Portfolio returns the portfolio risk layer, or nil when none is configured.
func (e *Engine) Portfolio() *risk.Portfolio { return e.port }

// Latency returns the stage histograms, nil when the engine times no stages
// (Config.NoStageTiming). They belong to the engine's goroutine: take a Snapshot to
// read them elsewhere.
func (e *Engine) Latency() *telemetry.Latency { return e.lat }

// clock returns the stage clock's time (telemetry.Nanotime), or 0 when the engine
// times no stages.
func (e *Engine) clock() int64 {
	if e.untimed {
		return 0
	}
	return telemetry.Nanotime()
}

// record adds a measurement of stage s, unless the engine times no stages.
func (e *Engine) record(s telemetry.Stage, ns int64) {
	if !e.untimed {
		e.lat.Record(s, ns)
	}
}

// Counters returns the engine's counters.
func (e *Engine) Counters() Counters { return e.counters }

// Context returns the strategy's context.
func (e *Engine) Context() *strategy.Context { return e.ctx }

// Halted returns the error that halted the strategy, or nil while it runs.
func (e *Engine) Halted() error { return e.halted }

// HaltCause returns why risk halted trading, applying a pending Halt or Stop first (its
// log line is written then): a breach or kill switch on any instrument before
// risk.ReasonShutdown, that if the run was only stopped, risk.ReasonOK if neither. It
// belongs to the engine's goroutine, or to its owner once that has ended.
func (e *Engine) HaltCause() risk.Reason {
	cause := risk.ReasonOK
	for i := range e.slots {
		switch c := e.slots[i].risk.HaltCause(); c {
		case risk.ReasonOK:
		case risk.ReasonShutdown:
			cause = c
		default:
			return c
		}
	}
	return cause
}

// NextTimer returns the event time at which the next timer grid point is due, and false
// when there is no timer (none configured, or the engine not started). A live loop
// calls OnClock at that time if no other event came first.
func (e *Engine) NextTimer() (int64, bool) {
	return e.nextTimer, e.timerEvery > 0 && e.started
}

// ErrNoFeed is OnFrame's error on an engine built without Config.NewFeed.
var ErrNoFeed = errors.New("engine: no market-data feed (Config.NewFeed is nil)")

// OnFrame handles one raw frame of the default instrument received at local (Unix ns;
// recorded time in a backtest). See OnFrameAt.
func (e *Engine) OnFrame(frame []byte, local int64) error { return e.OnFrameAt(0, frame, local) }

// OnFrameAt handles one raw frame of instrument i received at local. Timer grid points
// due by local fire first. A malformed frame is counted and returned as an error; the
// engine carries on with the next frame. The frame is not retained.
func (e *Engine) OnFrameAt(i instrument.Index, frame []byte, local int64) error {
	if int(i) >= len(e.slots) || e.slots[i].feed == nil {
		if int(i) >= len(e.slots) {
			return fmt.Errorf("engine: instrument index %d out of range (%d instruments)", i, len(e.slots))
		}
		return ErrNoFeed
	}
	sl := &e.slots[i]
	e.timers(local)
	t0 := e.clock()
	e.tickStart, e.tickTimed = t0, false
	e.counters.Frames++
	e.now = local

	ev, derr := sl.feed.Decode(frame)
	t1 := e.clock()
	e.record(telemetry.Decode, t1-t0)
	if derr != nil {
		e.counters.Malformed++
		if ev.Kind == md.None {
			e.tickStart = 0
			return derr
		}
		// A frame that failed and still changed the book's status (a Kraken checksum
		// mismatch): the strategy must see its book turn invalid.
	}
	err := e.handle(sl, i, ev, local, t0, t1, applyFeed)
	if err = errors.Join(derr, err); err != nil {
		return fmt.Errorf("engine: %w", err)
	}
	return nil
}

// OnEventAt is OnFrameAt for a frame that a feed of instrument i decoded and applied
// elsewhere, before the run: ev is the frame's applied event (see md.Replay), received
// at local, and malformed says that the feed failed to decode the frame. The engine
// brings its book to the state the feed's book reached (md.Replay) instead of decoding
// and syncing, and from there runs exactly OnFrameAt's path: risk, the strategy, its
// orders, the timers. A backtest replaying its event cache calls it; live trading
// never does. ev is not retained.
func (e *Engine) OnEventAt(i instrument.Index, ev *md.Event, malformed bool, local int64) error {
	return e.onEvent(i, ev, malformed, local, true)
}

// onEvent is OnEventAt, replaying ev on the book if replay says so.
func (e *Engine) onEvent(i instrument.Index, ev *md.Event, malformed bool, local int64, replay bool) error {
	if int(i) >= len(e.slots) {
		return fmt.Errorf("engine: instrument index %d out of range (%d instruments)", i, len(e.slots))
	}
	sl := &e.slots[i]
	e.timers(local)
	t0 := e.clock()
	e.tickStart, e.tickTimed = t0, false
	e.counters.Frames++
	e.now = local
	if malformed {
		e.counters.Malformed++
		if ev.Kind == md.None {
			e.tickStart = 0
			return nil
		}
	}
	mode := replayBook
	if !replay {
		mode = bookReplayed
	}
	if err := e.handle(sl, i, ev, local, t0, t0, mode); err != nil {
		return fmt.Errorf("engine: %w", err)
	}
	return nil
}

// OnReplayedEventAt is OnEventAt for an engine whose book its caller has already
// brought to the state ev leaves it in (Config.Book, shared by several engines): it
// runs OnEventAt's path without replaying ev on the book. The timers due by local must
// have fired before the book changed (OnClock(local) first), as OnEventAt fires them.
func (e *Engine) OnReplayedEventAt(i instrument.Index, ev *md.Event, malformed bool, local int64) error {
	return e.onEvent(i, ev, malformed, local, false)
}

// handle is the part of a tick after decoding, shared by OnFrameAt and OnEventAt: the
// event reaches the book (through the feed's sync, or replayed), then risk and the
// strategy; t0 is when the tick started and t1 when decoding ended.
func (e *Engine) handle(sl *slot, i instrument.Index, ev *md.Event, local, t0, t1 int64, mode bookMode) error {
	var err error
	switch ev.Kind {
	case md.Depth, md.Snapshot, md.StatusChange:
		switch mode {
		case applyFeed:
			err = sl.feed.Apply(local)
		case replayBook:
			md.Replay(sl.book, ev, local)
		}
		t2 := e.clock()
		e.record(telemetry.Book, t2-t1)
		e.bookChanged(sl, uint64(ev.Applied))
	case md.Trade:
		t := &ev.Trade
		e.trade = strategy.Trade{Time: t.Time, PriceFixed: t.Price, QtyFixed: t.Qty, Aggressor: t.Aggressor, Instrument: i}
		e.publicTrade(sl)
	case md.Mark:
		// Reference prices change no book and call no callback: the strategy reads
		// them (mark(), fundingRate()) when its book or timer next runs.
		sl.mkt.SetMark(&ev.Mark)
		if ev.Mark.Fields&md.HasMarkPrice != 0 {
			sl.risk.OnMarkPriceAt(rescale(ev.Mark.Price, md.MarkPriceScale, sl.spec.PriceScale), local)
		}
	}
	e.afterEvent()
	// Upkeep the book deferred while the frame was on the way to an order (see
	// orderbook.Book.Tidy): part of the tick, not of its tick-to-order.
	sl.book.Tidy()
	tick := e.clock() - t0
	e.record(telemetry.Tick, tick)
	if e.obs != nil && !e.untimed {
		e.obs.Observe(tick)
	}
	e.tickStart = 0
	return err
}

// bookMode is how an event reaches the book in handle.
type bookMode uint8

const (
	applyFeed    bookMode = iota // the feed applies the frame it decoded (OnFrameAt)
	replayBook                   // the applied event is replayed (OnEventAt)
	bookReplayed                 // the caller replayed it already (OnReplayedEventAt)
)

// Warm runs what of the tick path has no effect, so that its code and data are in the
// caches when the next frame comes: each feed decodes again a copy of a depth frame it
// has seen (md.Feed.Warm), and it reads the top of each book and the ladder slots the
// next updates will write (orderbook.Book.Warm). Between frames milliseconds apart,
// other work, and other tenants of a shared machine, evict them: on a 2-core cloud VM,
// decoding a spot depth frame took 4.6 us 50 ms after the last one and 0.4 us right
// after it. A feed that busy-polls calls Warm in its idle work, on a core that would
// only spin otherwise. It allocates nothing and changes nothing the strategy or risk
// can see.
func (e *Engine) Warm() {
	for k := range e.slots {
		sl := &e.slots[k]
		if sl.feed != nil {
			sl.feed.Warm()
		}
		for i := range 10 {
			sl.book.Level(orderbook.Bid, i)
			sl.book.Level(orderbook.Ask, i)
		}
		sl.book.Mid()
		e.warmSum += sl.book.Warm()
	}
}

// bookChanged tells risk and the strategy that applied updates changed the book of sl
// (or that its validity did).
func (e *Engine) bookChanged(sl *slot, applied uint64) {
	e.counters.BookUpdates += applied
	valid := sl.book.Valid()
	if applied > 0 {
		sl.risk.OnBook(sl.book, e.now)
	}
	// The strategy sees every applied update, and the moment the book stops being
	// valid, so it knows why its orders are being rejected.
	if applied > 0 || (sl.bookValid && !valid) {
		sl.bookValid = valid
		e.call(cbBook, sl)
	}
}

// publicTrade hands e.trade, with its fixed-point price and quantity set, to the strategy.
func (e *Engine) publicTrade(sl *slot) {
	e.counters.Trades++
	spec := sl.spec
	e.trade.Price = spec.PriceScale.Float(e.trade.PriceFixed)
	e.trade.Qty = spec.QtyScale.Float(e.trade.QtyFixed)
	sl.mkt.SetTrade(&e.trade)
	e.call(cbTrade, sl)
}

// OnBookUpdated is OnFrame for a feed the engine does not decode itself (a Tardis
// replay): the caller has applied n updates to Book() (setting its sync status and
// update metadata) at local time, and the engine runs risk and the strategy on the
// result. n may be 0 when only the book's validity changed.
func (e *Engine) OnBookUpdated(n int, local int64) { e.OnBookUpdatedAt(0, n, local) }

// OnBookUpdatedAt is OnBookUpdated for instrument i's book (BookAt(i)).
func (e *Engine) OnBookUpdatedAt(i instrument.Index, n int, local int64) {
	sl := &e.slots[i]
	e.timers(local)
	e.tickStart, e.tickTimed = e.clock(), false
	e.counters.Frames++
	e.now = local
	e.bookChanged(sl, uint64(n))
	e.afterEvent()
	sl.book.Tidy()
	e.tickStart = 0
}

// OnTrade is OnFrame for a public trade of the default instrument from a feed the
// engine does not decode itself. Prices and quantities are fixed-point in the
// instrument's scales; time is exchange time in Unix ns.
func (e *Engine) OnTrade(price, qty int64, aggressor strategy.Side, exchTime, local int64) {
	e.OnTradeAt(0, price, qty, aggressor, exchTime, local)
}

// OnTradeAt is OnTrade for instrument i.
func (e *Engine) OnTradeAt(i instrument.Index, price, qty int64, aggressor strategy.Side, exchTime, local int64) {
	e.timers(local)
	e.counters.Frames++
	e.now = local
	e.trade = strategy.Trade{Time: exchTime, PriceFixed: price, QtyFixed: qty, Aggressor: aggressor, Instrument: i}
	e.publicTrade(&e.slots[i])
	e.afterEvent()
}

// OnClock advances engine time to now without market data, firing the timer grid points
// due by then. The live loop calls it when the feed is quiet (at NextTimer, at the
// latest); a backtest calls it to end a run at a given time.
func (e *Engine) OnClock(now int64) {
	e.timers(now)
	if now > e.now {
		e.now = now
	}
	e.afterEvent()
}

// timers fires every timer grid point due by now, in order, each at its own time, and
// moves the grid on. It runs before the event at now is handled: the points were due
// before it.
func (e *Engine) timers(now int64) {
	if e.timerEvery <= 0 || !e.started || now < e.nextTimer {
		return
	}
	if late := (now - e.nextTimer) / e.timerEvery; late >= MaxTimerCatchUp {
		// A stall: skip to the last point due, keeping the grid.
		e.counters.TimersSkipped += uint64(late)
		e.nextTimer += late * e.timerEvery
	}
	for now >= e.nextTimer {
		at := e.nextTimer
		e.nextTimer += e.timerEvery
		if at > e.now {
			e.now = at
		}
		e.counters.Timers++
		e.call(cbTimer, &e.slots[0])
		e.sendRiskCancels()
	}
}

// afterEvent runs what every event may make due: the portfolio's view of the event,
// one kill switch for every instrument, and risk's cancels after a halt.
func (e *Engine) afterEvent() {
	if len(e.slots) > 1 {
		e.haltTogether()
	}
	e.sendRiskCancels()
}

// haltTogether halts every instrument when any one's risk has halted (a kill switch, a
// loss limit): one strategy's instruments stop together.
func (e *Engine) haltTogether() {
	halted := risk.Active
	var cause risk.Reason
	for i := range e.slots {
		if r := e.slots[i].risk; r.State() == risk.Halted {
			halted, cause = risk.Halted, r.HaltCause()
			break
		}
	}
	if halted != risk.Halted {
		return
	}
	for i := range e.slots {
		if r := e.slots[i].risk; r.State() != risk.Halted {
			r.Halt(cause)
		}
	}
}

// Halt is the kill switch: risk halts on every instrument, and the next event cancels
// every working order. It is safe from any goroutine.
func (e *Engine) Halt() {
	for i := range e.slots {
		e.slots[i].risk.Halt(risk.ReasonHalted)
	}
}

// Stop is the orderly end of a run: risk halts on every instrument with
// risk.ReasonShutdown, which does everything the kill switch does (no order is
// accepted after it, and the next event cancels every working order) but is
// logged at Info, since nothing went wrong. A halt that came first keeps its
// cause and its Error log. It is safe from any goroutine; the live session's
// Shutdown calls it, the operator's kill switch is Halt.
func (e *Engine) Stop() {
	for i := range e.slots {
		e.slots[i].risk.Halt(risk.ReasonShutdown)
	}
}

// HoldCancels keeps the engine's cancels back, its halt's and the strategy's alike,
// until ReleaseCancels: the owner calls it after every venue has confirmed a
// venue-wide cancel-all, so that the orders it removed, whose confirmations are still
// on their way, are not cancelled one by one too (the venue would refuse each as
// unknown, Binance's -2011). Orders still working when the hold ends are cancelled
// then. It belongs to the engine's goroutine, or to its owner once that has ended.
func (e *Engine) HoldCancels() { e.holdCancels = true }

// ReleaseCancels ends HoldCancels and sends at once the cancels a halt demands:
// one for every order still working on a halted instrument. Without a hold it does
// the latter only, which a halted engine otherwise does at its next event. It
// belongs to the engine's goroutine, or to its owner once that has ended.
func (e *Engine) ReleaseCancels() {
	e.holdCancels = false
	e.sendRiskCancels()
}

// slotOf returns the slot of the instrument order id belongs to, or the default one for
// an id no checker knows (risk then reports it unknown, as it does for one instrument).
func (e *Engine) slotOf(id uint64) *slot {
	if len(e.slots) > 1 {
		for i := range e.slots {
			if e.slots[i].risk.Knows(id) {
				return &e.slots[i]
			}
		}
	}
	return &e.slots[0]
}

// OnAck handles the venue's acknowledgement of order id.
func (e *Engine) OnAck(id uint64, now int64) {
	e.advance(now)
	sl := e.slotOf(id)
	if err := sl.risk.OnAck(id); err != nil {
		e.log.Warn().Err(err).Uint64("order", id).Msg("ack for an order risk does not track")
	}
	sl.mkt.OrderAcked(id)
	e.queueUpdate(strategy.OrderUpdate{OrderID: id, Status: strategy.Acknowledged, Time: e.now, Instrument: sl.mkt.Index()})
	e.deliver(sl)
	e.afterEvent()
}

// OnFill handles a fill of qty at price of order id, with fee in price units (negative for
// a rebate) and maker saying whether the order rested.
func (e *Engine) OnFill(id uint64, price, qty, fee int64, maker bool, now int64) {
	e.advance(now)
	e.counters.Fills++
	sl := e.slotOf(id)
	if err := sl.risk.OnFill(id, price, qty, fee); err != nil {
		e.log.Error().Err(err).Uint64("order", id).Msg("fill risk could not apply")
	}
	var side strategy.Side
	if o, ok := sl.mkt.Order(id); ok {
		side = o.Side
	}
	remaining, _ := sl.mkt.OrderFilled(id, qty)
	spec := sl.spec
	e.fill = strategy.Fill{
		OrderID: id, Side: side, Maker: maker, Time: e.now,
		PriceFixed: price, QtyFixed: qty, FeeFixed: fee,
		Price:      spec.PriceScale.Float(price),
		Qty:        spec.QtyScale.Float(qty),
		Fee:        spec.PriceScale.Float(fee),
		Remaining:  spec.QtyScale.Float(remaining),
		Instrument: sl.mkt.Index(),
	}
	e.call(cbFill, sl)
	if remaining == 0 {
		e.queueUpdate(strategy.OrderUpdate{OrderID: id, Status: strategy.Filled, Time: e.now, Instrument: sl.mkt.Index()})
		e.deliver(sl)
	}
	e.afterEvent()
}

// OnCancelled handles the venue's confirmation that order id is cancelled.
func (e *Engine) OnCancelled(id uint64, now int64) {
	e.advance(now)
	sl := e.slotOf(id)
	if err := sl.risk.OnCancel(id); err != nil {
		e.log.Warn().Err(err).Uint64("order", id).Msg("cancel for an order risk does not track")
	}
	sl.mkt.OrderGone(id)
	e.queueUpdate(strategy.OrderUpdate{OrderID: id, Status: strategy.Cancelled, Time: e.now, Instrument: sl.mkt.Index()})
	e.deliver(sl)
	e.afterEvent()
}

// OnRejected handles the venue's rejection of order id, with its reason text.
func (e *Engine) OnRejected(id uint64, reason string, now int64) {
	e.advance(now)
	sl := e.slotOf(id)
	if err := sl.risk.OnReject(id); err != nil {
		e.log.Warn().Err(err).Uint64("order", id).Msg("reject for an order risk does not track")
	}
	sl.mkt.OrderGone(id)
	e.queueUpdate(strategy.OrderUpdate{OrderID: id, Status: strategy.Rejected, VenueReason: reason, Time: e.now, Instrument: sl.mkt.Index()})
	e.deliver(sl)
	e.afterEvent()
}

// advance fires the timer grid points due by now and moves the clock to now.
func (e *Engine) advance(now int64) {
	e.timers(now)
	if now > e.now {
		e.now = now
	}
}

type callback uint8

const (
	cbBook callback = iota
	cbTrade
	cbTimer
	cbFill
)

// call runs one strategy callback about sl's instrument, then sends what it asked for
// and delivers the order updates that produced, which may call the strategy again.
func (e *Engine) call(cb callback, sl *slot) {
	if e.halted != nil || !e.started {
		return
	}
	t0 := e.clock()
	e.ctx.Begin(e.now)
	e.ctx.SetEvent(sl.mkt)
	var err error
	switch cb {
	case cbBook:
		err = e.strat.OnBook(e.ctx)
	case cbTrade:
		err = e.strat.OnTrade(e.ctx, &e.trade)
	case cbTimer:
		err = e.strat.OnTimer(e.ctx)
	case cbFill:
		err = e.strat.OnFill(e.ctx, &e.fill)
	}
	e.record(telemetry.Strategy, e.clock()-t0)
	if !e.afterCallback(err) {
		return
	}
	e.deliver(sl)
}

// afterCallback halts the strategy on error, otherwise sends its intents. It reports
// whether the strategy is still running.
func (e *Engine) afterCallback(err error) bool {
	if err == nil {
		err = e.ctx.Err()
	}
	if err != nil {
		e.haltStrategy(err)
		return false
	}
	e.sendIntents()
	return true
}

// deliver passes queued order updates to the strategy's OnOrder, a bounded number of
// rounds: each round's callbacks may place orders whose updates form the next round.
// Each update's instrument is the callback's Event; sl is the event's own.
func (e *Engine) deliver(sl *slot) {
	for round := 0; round < maxUpdateRounds && len(e.updates) > 0 && e.halted == nil; round++ {
		e.pending, e.updates = e.updates, e.pending[:0]
		for i := range e.pending {
			u := &e.pending[i]
			t0 := e.clock()
			e.ctx.Begin(e.now)
			e.ctx.SetEvent(e.slots[u.Instrument].mkt)
			err := e.strat.OnOrder(e.ctx, u)
			e.record(telemetry.Strategy, e.clock()-t0)
			if !e.afterCallback(err) {
				break
			}
		}
	}
	e.ctx.SetEvent(sl.mkt)
	if len(e.updates) > 0 && e.halted == nil {
		// The strategy keeps answering its own order updates with new orders; what is
		// left is dropped rather than looping within one event.
		e.log.Warn().Int("dropped", len(e.updates)).Msg("order updates dropped: strategy feedback loop")
		e.updates = e.updates[:0]
	}
}

func (e *Engine) queueUpdate(u strategy.OrderUpdate) {
	if len(e.updates) < cap(e.updates) {
		e.updates = append(e.updates, u)
	}
}

// sendIntents passes the strategy's new orders through their instrument's risk (and the
// portfolio's) to its gateway, and its cancels straight to the gateway (a cancel only
// ever reduces risk).
func (e *Engine) sendIntents() {
	for _, in := range e.ctx.Intents() {
		sl := &e.slots[in.Order.Instrument]
		switch in.Kind {
		case strategy.IntentCancel:
			if e.holdCancels {
				continue // the venue cancelled it already; if not, ReleaseCancels will
			}
			e.counters.CancelsSent++
			if err := sl.gw.Cancel(in.Order.ID, e.now); err != nil {
				e.log.Error().Err(err).Uint64("order", in.Order.ID).Msg("cancel failed to send")
			}
		case strategy.IntentModify:
			e.sendModify(sl, &in.Order)
		case strategy.IntentPlace:
			// The order lives in the engine, not on the stack: a pointer handed to the
			// Gateway interface would otherwise escape and allocate on every order.
			e.order = in.Order
			o := &e.order
			t0 := e.clock()
			reason := sl.risk.Check(o, sl.book, e.now)
			t1 := e.clock()
			e.record(telemetry.Risk, t1-t0)
			if reason != risk.ReasonOK {
				e.counters.OrdersRejected++
				sl.mkt.OrderGone(o.ID)
				e.queueUpdate(strategy.OrderUpdate{OrderID: o.ID, Status: strategy.Rejected, Reason: reason, Time: e.now, Instrument: o.Instrument})
				continue
			}
			err := sl.gw.Place(o, e.now)
			t2 := e.clock()
			e.record(telemetry.Encode, t2-t1)
			if err != nil {
				e.counters.SendFailures++
				_ = sl.risk.OnReject(o.ID)
				sl.mkt.OrderGone(o.ID)
				e.log.Error().Err(err).Uint64("order", o.ID).Msg("order failed to send")
				e.queueUpdate(strategy.OrderUpdate{OrderID: o.ID, Status: strategy.Rejected, VenueReason: "send failed", Time: e.now, Instrument: o.Instrument})
				continue
			}
			e.counters.OrdersSent++
			if e.tickStart != 0 && !e.tickTimed {
				e.tickTimed = true
				e.record(telemetry.TickToOrder, t2-e.tickStart)
			}
			sl.mkt.OrderAccepted(o.ID)
			e.queueUpdate(strategy.OrderUpdate{OrderID: o.ID, Status: strategy.Accepted, Time: e.now, Instrument: o.Instrument})
		}
	}
}

// sendRiskCancels cancels every working order of every halted instrument (kill switch,
// loss limit, bookkeeping failure, or a halted strategy). Under HoldCancels it sends
// nothing and leaves the demand with risk, for ReleaseCancels.
func (e *Engine) sendRiskCancels() {
	if e.holdCancels {
		return
	}
	for i := range e.slots {
		sl := &e.slots[i]
		e.cancels = sl.risk.Cancels(e.cancels[:0])
		for _, id := range e.cancels {
			e.counters.CancelsSent++
			if err := sl.gw.Cancel(id, e.now); err != nil {
				e.log.Error().Err(err).Uint64("order", id).Msg("cancel failed to send")
			}
		}
	}
}

// haltStrategy stops calling the strategy after it failed, and halts risk on every
// instrument so that every working order is cancelled. The engine keeps running: the
// books stay in sync, fills and cancels are still accounted, and the operator sees why
// in the log.
func (e *Engine) haltStrategy(err error) {
	e.counters.StrategyErrors++
	e.halted = err
	e.log.Error().Err(err).Msg("strategy halted; cancelling its orders")
	for i := range e.slots {
		e.slots[i].risk.Halt(risk.ReasonHalted)
	}
	e.sendRiskCancels()
}
