// Package engine owns the hot loop of one instrument: it takes a raw frame, decodes it,
// applies it to the book, calls the strategy, passes the strategy's orders through risk
// and hands the accepted ones to the order gateway, timing each stage.
//
// The loop reads top to bottom in OnFrame: no channel hop, no lock, no allocation. An
// Engine belongs to one goroutine: the live connector and the backtester both call its
// methods from the goroutine that owns it, feeding frames, clock ticks and the venue's
// answers (acks, fills, cancels, rejects) in the order they happened. The engine never
// reads the wall clock for decisions: "now" is the local receive time of the event being
// handled, so a recording replays exactly. It never performs I/O itself; the Gateway does.
package engine

import (
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/nanotick/nanotick/feeds/binance"
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

// Config is what an Engine needs besides its strategy and gateway.
type Config struct {
	Venue      binance.Venue
	Instrument strategy.Instrument
	// Rules are the exchange's trading rules for the instrument, in fixed-point units.
	Rules risk.Instrument
	Risk  risk.Config
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
	Logger       zerolog.Logger
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
	Fills          uint64
	StrategyErrors uint64 // callbacks that returned an error (each halts the strategy)
}

// maxUpdateRounds bounds how many times order updates may feed back into the strategy
// within one event: OnOrder may place orders whose rejections call OnOrder again.
const maxUpdateRounds = 4

// Engine runs one strategy on one instrument.
type Engine struct {
	dec   *binance.Decoder
	sync  *binance.Sync
	book  *orderbook.Book
	risk  *risk.Checker
	strat strategy.Strategy
	ctx   *strategy.Context
	gw    Gateway
	lat   *telemetry.Latency
	log   zerolog.Logger
	obs   interface{ Observe(ns int64) }

	now        int64
	timerEvery int64
	nextTimer  int64
	bookValid  bool // validity the strategy last saw
	halted     error
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
	warmFrame  []byte // a copy of the first depth frame that fits, for Warm
	warmSum    int64  // what Warm read, kept so that the reads are not optimized away
}

// maxWarmFrame is the largest depth frame Warm keeps a copy of.
const maxWarmFrame = 16 << 10

// New returns an engine for cfg running strat and sending through gw.
func New(cfg Config, strat strategy.Strategy, gw Gateway) (*Engine, error) {
	if strat == nil || gw == nil {
		return nil, errors.New("engine: strategy and gateway are required")
	}
	dec, err := binance.NewDecoder(binance.Instrument{
		Symbol:     cfg.Instrument.Symbol,
		PriceScale: cfg.Instrument.PriceScale,
		QtyScale:   cfg.Instrument.QtyScale,
	})
	if err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	// Nothing here reads the venue's own top of book: its frames are recognized by their
	// stream name and passed over unparsed.
	dec.Ignore(binance.KindBookTicker)
	rc, err := risk.New(cfg.Risk, cfg.Rules)
	if err != nil {
		return nil, fmt.Errorf("engine: risk: %w", err)
	}
	if cfg.StartState != risk.Active {
		if err := rc.SetState(cfg.StartState); err != nil {
			return nil, fmt.Errorf("engine: start state: %w", err)
		}
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
		dec:        dec,
		book:       orderbook.New(capacity),
		risk:       rc,
		strat:      strat,
		gw:         gw,
		lat:        telemetry.NewLatency(latMax),
		log:        cfg.Logger,
		obs:        cfg.TickObserver,
		timerEvery: int64(cfg.TimerInterval),
		cancels:    make([]uint64, 0, risk.MaxOpenOrdersLimit),
		updates:    make([]strategy.OrderUpdate, 0, 2*strategy.MaxIntents),
		pending:    make([]strategy.OrderUpdate, 0, 2*strategy.MaxIntents),
		warmFrame:  make([]byte, 0, maxWarmFrame),
	}
	// A frame's orders must not wait for the book's upkeep: OnFrame tidies after them.
	e.book.DeferUpkeep(true)
	e.sync = binance.NewSync(cfg.Venue, e.book, binance.SyncConfig{})
	e.ctx = strategy.NewContext(cfg.Instrument, e.book, rc, cfg.Params, &e.nextID, cfg.Logger)
	return e, nil
}

// Start runs the strategy's Init at engine time now and checks that every configured
// parameter was declared. An error here means the strategy must not run.
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

// Book returns the instrument's book.
func (e *Engine) Book() *orderbook.Book { return e.book }

// Sync returns the book's sync machine, for its state and counters.
func (e *Engine) Sync() *binance.Sync { return e.sync }

// Risk returns the instrument's risk checker.
func (e *Engine) Risk() *risk.Checker { return e.risk }

// Latency returns the stage histograms. They belong to the engine's goroutine: take a
// Snapshot to read them elsewhere.
func (e *Engine) Latency() *telemetry.Latency { return e.lat }

// Counters returns the engine's counters.
func (e *Engine) Counters() Counters { return e.counters }

// Context returns the strategy's context.
func (e *Engine) Context() *strategy.Context { return e.ctx }

// Halted returns the error that halted the strategy, or nil while it runs.
func (e *Engine) Halted() error { return e.halted }

// OnFrame handles one raw frame received at local (Unix ns; recorded time in a backtest).
// A malformed frame is counted and returned as an error; the engine carries on with the
// next frame. The frame is not retained.
func (e *Engine) OnFrame(frame []byte, local int64) error {
	t0 := telemetry.Nanotime()
	e.tickStart, e.tickTimed = t0, false
	e.counters.Frames++
	e.now = local

	ev, err := e.dec.Decode(frame)
	t1 := telemetry.Nanotime()
	e.lat.Record(telemetry.Decode, t1-t0)
	if err != nil {
		e.counters.Malformed++
		e.tickStart = 0
		return err
	}

	if ev.Kind == binance.KindDepth && len(e.warmFrame) == 0 && len(frame) <= cap(e.warmFrame) {
		e.warmFrame = append(e.warmFrame, frame...) // once: into preallocated room
	}
	switch ev.Kind {
	case binance.KindDepth, binance.KindSnapshot:
		before := e.sync.Counters().Applied
		if ev.Kind == binance.KindDepth {
			err = e.sync.OnDepth(&ev.Depth, local)
		} else {
			e.sync.OnSnapshot(&ev.Snapshot, local)
		}
		applied := e.sync.Counters().Applied - before
		t2 := telemetry.Nanotime()
		e.lat.Record(telemetry.Book, t2-t1)
		e.bookChanged(applied)
	case binance.KindTrade, binance.KindAggTrade:
		t := &ev.Trade
		e.trade = strategy.Trade{
			Time:       t.TradeTime * int64(time.Millisecond),
			PriceFixed: t.Price,
			QtyFixed:   t.Qty,
			Aggressor:  strategy.Buy,
		}
		if t.BuyerMaker {
			e.trade.Aggressor = strategy.Sell
		}
		e.publicTrade()
	}
	e.afterEvent()
	// Upkeep the book deferred while the frame was on the way to an order (see
	// orderbook.Book.Tidy): part of the tick, not of its tick-to-order.
	e.book.Tidy()
	tick := telemetry.Nanotime() - t0
	e.lat.Record(telemetry.Tick, tick)
	if e.obs != nil {
		e.obs.Observe(tick)
	}
	e.tickStart = 0
	if err != nil {
		return fmt.Errorf("engine: %w", err)
	}
	return nil
}

// Warm runs what of the tick path has no effect, so that its code and data are in the
// caches when the next frame comes: it decodes again a copy of a depth frame the engine
// has seen (OnFrame decodes its own frame before reading the decoder's output), and
// reads the top of the book and the ladder slots the next updates will write
// (orderbook.Book.Warm). Between frames milliseconds apart, other work, and other tenants
// of a shared machine, evict them: on a 2-core cloud VM, decoding a spot depth frame took
// 4.6 us 50 ms after the last one and 0.4 us right after it. A feed that busy-polls
// calls Warm in its idle work, on a core that would only spin otherwise. It allocates
// nothing and changes nothing the strategy or risk can see.
func (e *Engine) Warm() {
	if len(e.warmFrame) > 0 {
		_, _ = e.dec.Decode(e.warmFrame)
	}
	for i := range 10 {
		e.book.Level(orderbook.Bid, i)
		e.book.Level(orderbook.Ask, i)
	}
	e.book.Mid()
	e.warmSum += e.book.Warm()
}

// bookChanged tells risk and the strategy that applied updates changed the book (or that
// its validity did).
func (e *Engine) bookChanged(applied uint64) {
	e.counters.BookUpdates += applied
	valid := e.book.Valid()
	if applied > 0 {
		e.risk.OnBook(e.book, e.now)
	}
	// The strategy sees every applied update, and the moment the book stops being
	// valid, so it knows why its orders are being rejected.
	if applied > 0 || (e.bookValid && !valid) {
		e.bookValid = valid
		e.call(cbBook)
	}
}

// publicTrade hands e.trade, with its fixed-point price and quantity set, to the strategy.
func (e *Engine) publicTrade() {
	e.counters.Trades++
	inst := e.ctx.Instrument()
	e.trade.Price = inst.PriceScale.Float(e.trade.PriceFixed)
	e.trade.Qty = inst.QtyScale.Float(e.trade.QtyFixed)
	e.ctx.SetTrade(&e.trade)
	e.call(cbTrade)
}

// OnBookUpdated is OnFrame for a feed the engine does not decode itself (a Kraken feed,
// a Tardis replay): the caller has applied n updates to Book() (setting its sync status
// and update metadata) at local time, and the engine runs risk and the strategy on the
// result. n may be 0 when only the book's validity changed.
func (e *Engine) OnBookUpdated(n int, local int64) {
	e.tickStart, e.tickTimed = telemetry.Nanotime(), false
	e.counters.Frames++
	e.now = local
	e.bookChanged(uint64(n))
	e.afterEvent()
	e.book.Tidy()
	e.tickStart = 0
}

// OnTrade is OnFrame for a public trade from a feed the engine does not decode itself.
// Prices and quantities are fixed-point in the instrument's scales; time is exchange time
// in Unix ns.
func (e *Engine) OnTrade(price, qty int64, aggressor strategy.Side, exchTime, local int64) {
	e.counters.Frames++
	e.now = local
	e.trade = strategy.Trade{Time: exchTime, PriceFixed: price, QtyFixed: qty, Aggressor: aggressor}
	e.publicTrade()
	e.afterEvent()
}

// OnClock advances engine time to now without market data, firing due timers. The live
// loop calls it when the feed is quiet; a backtest does not need it.
func (e *Engine) OnClock(now int64) {
	if now > e.now {
		e.now = now
	}
	e.afterEvent()
}

// afterEvent runs what every event may make due: risk's cancels after a halt, and timers.
func (e *Engine) afterEvent() {
	if e.timerEvery > 0 && e.started && e.now >= e.nextTimer {
		// A quiet feed fires the timer once, not once per missed interval.
		e.nextTimer = e.now + e.timerEvery
		e.call(cbTimer)
	}
	e.sendRiskCancels()
}

// Halt is the kill switch: risk halts, and the next event cancels every working order.
// It is safe from any goroutine.
func (e *Engine) Halt() { e.risk.Halt(risk.ReasonHalted) }

// OnAck handles the venue's acknowledgement of order id.
func (e *Engine) OnAck(id uint64, now int64) {
	e.advance(now)
	if err := e.risk.OnAck(id); err != nil {
		e.log.Warn().Err(err).Uint64("order", id).Msg("ack for an order risk does not track")
	}
	e.ctx.OrderAcked(id)
	e.queueUpdate(strategy.OrderUpdate{OrderID: id, Status: strategy.Acknowledged, Time: e.now})
	e.deliver()
	e.afterEvent()
}

// OnFill handles a fill of qty at price of order id, with fee in price units (negative for
// a rebate) and maker saying whether the order rested.
func (e *Engine) OnFill(id uint64, price, qty, fee int64, maker bool, now int64) {
	e.advance(now)
	e.counters.Fills++
	if err := e.risk.OnFill(id, price, qty, fee); err != nil {
		e.log.Error().Err(err).Uint64("order", id).Msg("fill risk could not apply")
	}
	var side strategy.Side
	if o, ok := e.ctx.Order(id); ok {
		side = o.Side
	}
	remaining, _ := e.ctx.OrderFilled(id, qty)
	inst := e.ctx.Instrument()
	e.fill = strategy.Fill{
		OrderID: id, Side: side, Maker: maker, Time: e.now,
		PriceFixed: price, QtyFixed: qty, FeeFixed: fee,
		Price:     inst.PriceScale.Float(price),
		Qty:       inst.QtyScale.Float(qty),
		Fee:       inst.PriceScale.Float(fee),
		Remaining: inst.QtyScale.Float(remaining),
	}
	e.call(cbFill)
	if remaining == 0 {
		e.queueUpdate(strategy.OrderUpdate{OrderID: id, Status: strategy.Filled, Time: e.now})
		e.deliver()
	}
	e.afterEvent()
}

// OnCancelled handles the venue's confirmation that order id is cancelled.
func (e *Engine) OnCancelled(id uint64, now int64) {
	e.advance(now)
	if err := e.risk.OnCancel(id); err != nil {
		e.log.Warn().Err(err).Uint64("order", id).Msg("cancel for an order risk does not track")
	}
	e.ctx.OrderGone(id)
	e.queueUpdate(strategy.OrderUpdate{OrderID: id, Status: strategy.Cancelled, Time: e.now})
	e.deliver()
	e.afterEvent()
}

// OnRejected handles the venue's rejection of order id, with its reason text.
func (e *Engine) OnRejected(id uint64, reason string, now int64) {
	e.advance(now)
	if err := e.risk.OnReject(id); err != nil {
		e.log.Warn().Err(err).Uint64("order", id).Msg("reject for an order risk does not track")
	}
	e.ctx.OrderGone(id)
	e.queueUpdate(strategy.OrderUpdate{OrderID: id, Status: strategy.Rejected, VenueReason: reason, Time: e.now})
	e.deliver()
	e.afterEvent()
}

func (e *Engine) advance(now int64) {
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

// call runs one strategy callback, then sends what it asked for and delivers the order
// updates that produced, which may call the strategy again.
func (e *Engine) call(cb callback) {
	if e.halted != nil || !e.started {
		return
	}
	t0 := telemetry.Nanotime()
	e.ctx.Begin(e.now)
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
	e.lat.Record(telemetry.Strategy, telemetry.Nanotime()-t0)
	if !e.afterCallback(err) {
		return
	}
	e.deliver()
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
func (e *Engine) deliver() {
	for round := 0; round < maxUpdateRounds && len(e.updates) > 0 && e.halted == nil; round++ {
		e.pending, e.updates = e.updates, e.pending[:0]
		for i := range e.pending {
			t0 := telemetry.Nanotime()
			e.ctx.Begin(e.now)
			err := e.strat.OnOrder(e.ctx, &e.pending[i])
			e.lat.Record(telemetry.Strategy, telemetry.Nanotime()-t0)
			if !e.afterCallback(err) {
				break
			}
		}
	}
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

// sendIntents passes the strategy's new orders through risk to the gateway, and its
// cancels straight to the gateway (a cancel only ever reduces risk).
func (e *Engine) sendIntents() {
	for _, in := range e.ctx.Intents() {
		switch in.Kind {
		case strategy.IntentCancel:
			e.counters.CancelsSent++
			if err := e.gw.Cancel(in.Order.ID, e.now); err != nil {
				e.log.Error().Err(err).Uint64("order", in.Order.ID).Msg("cancel failed to send")
			}
		case strategy.IntentPlace:
			// The order lives in the engine, not on the stack: a pointer handed to the
			// Gateway interface would otherwise escape and allocate on every order.
			e.order = in.Order
			o := &e.order
			t0 := telemetry.Nanotime()
			reason := e.risk.Check(o, e.book, e.now)
			t1 := telemetry.Nanotime()
			e.lat.Record(telemetry.Risk, t1-t0)
			if reason != risk.ReasonOK {
				e.counters.OrdersRejected++
				e.ctx.OrderGone(o.ID)
				e.queueUpdate(strategy.OrderUpdate{OrderID: o.ID, Status: strategy.Rejected, Reason: reason, Time: e.now})
				continue
			}
			err := e.gw.Place(o, e.now)
			t2 := telemetry.Nanotime()
			e.lat.Record(telemetry.Encode, t2-t1)
			if err != nil {
				e.counters.SendFailures++
				_ = e.risk.OnReject(o.ID)
				e.ctx.OrderGone(o.ID)
				e.log.Error().Err(err).Uint64("order", o.ID).Msg("order failed to send")
				e.queueUpdate(strategy.OrderUpdate{OrderID: o.ID, Status: strategy.Rejected, VenueReason: "send failed", Time: e.now})
				continue
			}
			e.counters.OrdersSent++
			if e.tickStart != 0 && !e.tickTimed {
				e.tickTimed = true
				e.lat.Record(telemetry.TickToOrder, t2-e.tickStart)
			}
			e.ctx.OrderAccepted(o.ID)
			e.queueUpdate(strategy.OrderUpdate{OrderID: o.ID, Status: strategy.Accepted, Time: e.now})
		}
	}
}

// sendRiskCancels cancels every working order when risk has halted (kill switch, loss
// limit, bookkeeping failure, or a halted strategy).
func (e *Engine) sendRiskCancels() {
	e.cancels = e.risk.Cancels(e.cancels[:0])
	for _, id := range e.cancels {
		e.counters.CancelsSent++
		if err := e.gw.Cancel(id, e.now); err != nil {
			e.log.Error().Err(err).Uint64("order", id).Msg("cancel failed to send")
		}
	}
}

// haltStrategy stops calling the strategy after it failed, and halts risk so that every
// working order is cancelled. The engine keeps running: the book stays in sync, fills
// and cancels are still accounted, and the operator sees why in the log.
func (e *Engine) haltStrategy(err error) {
	e.counters.StrategyErrors++
	e.halted = err
	e.log.Error().Err(err).Msg("strategy halted; cancelling its orders")
	e.risk.Halt(risk.ReasonHalted)
	e.sendRiskCancels()
}
