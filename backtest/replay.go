package backtest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/engine"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/md"
	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/risk"
	"github.com/nanotick/nanotick/strategy"
)

// Config is a whole backtest: the engine as it would run live, its strategy, the
// recordings to replay and the models of what the recordings cannot show.
type Config struct {
	// Engine is the engine's configuration, exactly as live (venue, instrument, rules,
	// risk, params, timer). Its NewFeed (venues.NewFeed) builds every instrument's
	// market-data feed: the backtester itself knows no venue.
	Engine engine.Config
	// Open opens the recordings of Data (backtest/recorded.Open): the backtester knows
	// no file format either. Run needs it; RunSource does not.
	Open OpenFunc
	// Cache, if set, is the directory of the event cache: Run replays each
	// instrument's recordings from its cache file there, memory-mapped, without
	// decoding them again, and builds the file first when it is missing, stale or
	// damaged (see package eventcache). The report is the same either way.
	Cache string
	// Funding says how a perpetual pays funding (see Funding); spot pays none.
	Funding Funding
	// Strategy is the strategy under test, and StrategyName its name for the report.
	Strategy     strategy.Strategy
	StrategyName string
	// NewStrategy, when Strategy is nil, builds it once the data is being read ahead:
	// compiling a script (about 1 ms) then overlaps the inflating and decoding of the
	// first frames on the other cores, which the replay waits for anyway.
	NewStrategy func() (strategy.Strategy, error)
	// Data are the recordings, replayed in order as one stream.
	Data []string
	// Latency is the order-path latency model; nil means zero latency.
	Latency *Latency
	// MakerFeeBps and TakerFeeBps are the fee rates; a negative rate is a rebate.
	MakerFeeBps, TakerFeeBps float64
	Queue                    QueueModel // 0 means RiskAverse
	QueuePower               float64    // PowerLaw's exponent; 0 means 2
	PartialFills             bool
	// InitialBalance is the quote balance at the start.
	InitialBalance decimal.Decimal
	// EquityInterval is the data-time period of the equity samples; 0 means 1s.
	EquityInterval time.Duration
	// Prefetch decompresses and reads the recordings on a second goroutine, ahead of
	// the replay: the same results, sooner when a second core is free.
	Prefetch bool
	// Progress, if set, is told every few thousand frames how many bytes of the
	// recordings have been read and their total, for a progress display. It runs on
	// the replay's goroutine and must return quickly.
	Progress func(done, total int64)
	// MaxFeedLatency caps the feed latency read from the recording (local receive time
	// minus exchange time, after the clock offset is removed), and is how far ahead of
	// the strategy the replay reads; 0 means 1s.
	MaxFeedLatency time.Duration
	// Instruments are, by index of the engine's instrument table (Engine.Instruments),
	// each instrument's recordings and venue latency, for a run of several: see Run.
	// Empty: Data are the one instrument's.
	Instruments []InstrumentData
	// QuoteRates convert the PnL of an instrument quoted in another currency into the
	// first instrument's quote currency: units of it per unit of the key. Instruments
	// quoted in different currencies without a rate are refused.
	QuoteRates map[string]decimal.Decimal
	// MaxTimeJump is how far a frame's receive time may leap ahead of the previous
	// frame's before the next frame must confirm it; an unconfirmed leap is replayed at
	// the previous time and counted (see clockGuard). 0 means DefaultMaxTimeJump.
	MaxTimeJump time.Duration
	// OrderLog keeps every order sent for the report (Report.OrderLog, and the
	// tearsheet's fill ratio and order-to-ack latency). It grows with the orders sent,
	// about 100 bytes each during the run and 200 in the report; the command line
	// always keeps it.
	OrderLog bool
	// ExchangeTime is which venue timestamp gives a frame's exchange time: the event
	// time E (the default) or the transaction time T where the frame has one.
	ExchangeTime ExchangeTime
	// ClockOffset is how the offset between the local and the venue's clocks is
	// estimated: the running minimum of local − exchange time (the default) or its
	// minimum over the whole data (Run reads the data once more, first).
	ClockOffset ClockOffset
	// StageTiming times the engine's stages on the wall clock, as live, into the
	// report's Timing.Latency (an HTML report's latency charts). Off, the engine reads
	// no clock on its tick path (engine.Config.NoStageTiming), which is a good part of
	// a replayed tick's cost, and Timing.Latency is nil. The rest of the report is the
	// same either way.
	StageTiming bool
	// NoTearsheet leaves the report's Tearsheet nil: a sweep ranks its points by
	// their results and reads no tearsheet, which is a few percent of a point's cost.
	// The rest of the report is the same either way.
	NoTearsheet bool

	// exBook is the exchange's book of a lockstep run, shared (see newReplay).
	exBook *orderbook.Book

	// wholeOffset is the whole-data offset Run measured for OffsetWholeFile.
	wholeOffset    int64
	wholeOffsets   []int64 // by instrument
	hasWholeOffset bool

	// keepIdle hands every frame on, idle or not (see replay.idle), and freshSamples
	// computes every equity sample in full (see replay.point): the tests compare.
	keepIdle, freshSamples bool

	// strategyAhead says NewStrategy waits for a build StartAhead started, and
	// dataHash is the content hash of Data StartAhead started for the event cache.
	strategyAhead bool
	dataHash      *sourceHash
}

// ExchangeTime is which of a venue frame's timestamps is taken as the moment the
// exchange's book changed.
type ExchangeTime uint8

const (
	// TimeEvent reads Binance's event time "E": when the venue's stream published the
	// event. Every depth and trade event has it.
	TimeEvent ExchangeTime = iota
	// TimeTransaction reads the transaction time "T" where the frame has one (trades,
	// aggregate trades, USD-M depth and book tickers), and E where it has not (spot
	// depth): when the matching engine made the change, a little before E.
	// hftbacktest's Binance converters use T.
	TimeTransaction
)

// String returns the option's name: E or T.
func (e ExchangeTime) String() string {
	if e == TimeTransaction {
		return "T"
	}
	return "E"
}

// ParseExchangeTime maps "E" or "T" (or "event", "transaction") to an ExchangeTime.
func ParseExchangeTime(s string) (ExchangeTime, error) {
	switch s {
	case "E", "e", "event", "":
		return TimeEvent, nil
	case "T", "t", "transaction":
		return TimeTransaction, nil
	}
	return 0, fmt.Errorf("backtest: unknown exchange time %q (E, T)", s)
}

// ClockOffset is how the replay estimates the offset between the recorder's clock and
// the venue's, which no recording can tell apart from the one-way feed latency.
type ClockOffset uint8

const (
	// OffsetRunningMin takes the smallest local − exchange time seen so far: the
	// replay streams, and a frame's latency never goes negative, but frames before the
	// fastest one get a latency measured from a larger offset than later ones.
	OffsetRunningMin ClockOffset = iota
	// OffsetWholeFile takes the smallest local − exchange time over all the data: one
	// offset for every frame, at the cost of reading the data twice.
	OffsetWholeFile
)

// String returns the option's name: running_min or whole_file.
func (c ClockOffset) String() string {
	if c == OffsetWholeFile {
		return "whole_file"
	}
	return "running_min"
}

// ParseClockOffset maps "running_min" or "whole_file" to a ClockOffset.
func ParseClockOffset(s string) (ClockOffset, error) {
	switch s {
	case "running_min", "":
		return OffsetRunningMin, nil
	case "whole_file":
		return OffsetWholeFile, nil
	}
	return 0, fmt.Errorf("backtest: unknown clock offset %q (running_min, whole_file)", s)
}

// Source is a stream of recorded frames in local receive order. Next returns io.EOF
// after the last one; the frame is valid until the next call.
type Source interface {
	Next() (local int64, frame []byte, err error)
}

// Run replays cfg.Data through the engine and the simulated exchange; with
// cfg.Instruments, each instrument's recordings, merged by receive time.
func Run(cfg Config) (*Report, error) {
	sets := [][]string{cfg.Data}
	if len(cfg.Instruments) > 0 {
		sets = sets[:0]
		for _, in := range cfg.Instruments {
			sets = append(sets, in.Data)
		}
	}
	if cfg.Open == nil {
		return nil, errNoOpen
	}
	table, err := cfg.Engine.InstrumentTable()
	if err != nil {
		return nil, fmt.Errorf("backtest: %w", err)
	}
	if len(sets) != table.Len() {
		return nil, fmt.Errorf("backtest: %d sets of data for %d instruments", len(sets), table.Len())
	}
	StartAhead(&cfg)
	var srcs []eventSource
	var malformed []func() uint64
	var closers []func()
	defer func() {
		// Last opened, first closed: a goroutine reading ahead stops before the
		// cache file it reads is unmapped.
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}()
	// With an event cache, each instrument's events, from its cache file.
	var cached []*Frames
	for i, files := range sets {
		if len(files) == 0 {
			return nil, fmt.Errorf("backtest: no data to replay for instrument %d", i+1)
		}
		if cfg.Cache != "" {
			f, _, err := cachedFrames(&cfg, table.At(instrument.Index(i)), files)
			if err != nil {
				return nil, err
			}
			cached, closers = append(cached, f), append(closers, func() { f.Close() })
		}
	}
	if cfg.ClockOffset == OffsetWholeFile {
		for i, files := range sets {
			var off int64
			var err error
			if cached != nil {
				off, err = offsetOf(newClockGuard(&framesSource{f: cached[i]}, cfg.MaxTimeJump), cfg.ExchangeTime)
			} else {
				off, err = scanClockOffset(&cfg, table.At(instrument.Index(i)), files)
			}
			if err != nil {
				return nil, err
			}
			cfg.wholeOffsets = append(cfg.wholeOffsets, off)
		}
		cfg.wholeOffset, cfg.hasWholeOffset = cfg.wholeOffsets[0], true
	}
	for i, files := range sets {
		if cached != nil {
			f := cached[i]
			var src eventSource = &framesSource{f: f, release: true}
			if cfg.Prefetch {
				// The records are decoded on another goroutine, ahead of the replay.
				p := newFramesPrefetch(src.(*framesSource))
				src, closers = p, append(closers, p.Close)
			}
			srcs, malformed = append(srcs, src), append(malformed, func() uint64 { return f.malformed })
			continue
		}
		dec, err := newEventDecoder(cfg.Engine.NewFeed, table.At(instrument.Index(i)), cfg.Engine.BookCapacity)
		if err != nil {
			return nil, err
		}
		r, err := cfg.Open(files...)
		if err != nil {
			return nil, fmt.Errorf("backtest: %w", err)
		}
		dec.onlyFor(cfg.ExchangeTime)
		if cfg.Prefetch {
			// The reading and inflating, and the decoding, run ahead on goroutines of
			// their own.
			dec.tops = true // the exchange then keeps no book (exView)
			src := newPrefetchSource(r, dec)
			srcs, malformed, closers = append(srcs, src), append(malformed, src.Malformed), append(closers, src.Close)
		} else {
			srcs = append(srcs, &inlineEvents{src: recordsSource{r}, dec: dec})
			malformed, closers = append(malformed, r.Malformed), append(closers, func() { r.Close() })
		}
	}
	rep, err := runEvents(cfg, srcs...)
	if rep != nil {
		for _, m := range malformed {
			rep.Events.Malformed += m()
		}
	}
	return rep, err
}

// scanClockOffset reads the recordings once and returns the smallest local −
// exchange time over every frame that carries one, with receive times guarded and
// clamped, and garbage event times ignored, as the replay does them.
func scanClockOffset(cfg *Config, spec *instrument.Spec, files []string) (int64, error) {
	dec, err := newEventDecoder(cfg.Engine.NewFeed, spec, cfg.Engine.BookCapacity)
	if err != nil {
		return 0, err
	}
	r, err := cfg.Open(files...)
	if err != nil {
		return 0, fmt.Errorf("backtest: %w", err)
	}
	defer r.Close()
	return offsetOf(newClockGuard(&inlineEvents{src: recordsSource{r}, dec: dec.onlyFor(cfg.ExchangeTime)}, cfg.MaxTimeJump), cfg.ExchangeTime)
}

// offsetOf reads a guarded source to its end and returns the smallest local −
// exchange time, as scanClockOffset.
func offsetOf(g *clockGuard, et ExchangeTime) (int64, error) {
	var off, last int64
	found, any := false, false
	for {
		local, _, d, _, err := g.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, fmt.Errorf("backtest: reading data for the clock offset: %w", err)
		}
		if any && local < last {
			local = last
		}
		last, any = local, true
		e, ok := d.exchTime(et)
		if !ok {
			continue
		}
		raw := local - e
		if found && raw < off-g.bound {
			continue // garbage: see replay.read
		}
		if !found || raw < off {
			off, found = raw, true
		}
	}
	return off, nil
}

// progressEvery is how many frames pass between calls of Config.Progress.
const progressEvery = 8192

// payer is a lane that pays funding: its funder, and its market in the engine, whose
// mark the funder reads.
type payer struct {
	fund   *funder
	market *strategy.Market
}

// slot is one frame read ahead, with its two times on the replay's clock.
type slot struct {
	local int64 // when the strategy receives it
	exch  int64 // when the exchange sees it
	off   int   // the frame is arena[off:end]
	end   int
	lane  int // the instrument's lane
	// d is the frame's applied event, its levels at lvOff in the levels arena; noFrame
	// says the source had only the event (the engine then replays it).
	d       decoded
	lvOff   int
	noFrame bool
	seq     uint64 // the frame's number in the data, from 1
}

// replay is one run's state.
type replay struct {
	cfg  Config
	src  eventSource
	eng  *engine.Engine
	ex   *Exchange // lanes[0]'s
	acct *Account  // lanes[0]'s

	// lanes are the instruments, by index; which says which lane the frame src
	// returned last belongs to.
	lanes  []*lane
	which  func() int
	clocks []*clockGuard // one per instrument's source: what the replay reads
	clock  *clockGuard   // clocks[0]
	// shared, if set, holds the books this run shares with others replaying the same
	// events in lockstep (see RunFramesLockstep).
	shared *sharedBooks

	ring      []slot
	head, n   int    // strategy's next frame and frames buffered
	arena     []byte // the buffered frames' bytes, in order, from ring[head].off
	aTail     int    // where the next frame's bytes go
	eof       bool
	readErr   error // the error the data ended in, if it did not end cleanly
	readAny   bool
	lastLocal int64
	maxFeed   int64
	offset    int64 // lanes[0]'s clock offset, for the report

	// unreadFrom is the earliest exchange time a frame not read yet can have (read).
	unreadFrom int64
	// payers are the lanes that pay funding (perpetuals), whose funding is due by
	// every event's time, at the marks of their markets.
	payers []payer

	// lv and lvTail are the levels arena of the frames read ahead (see storeLevels),
	// evBuf the event handed to the engine.
	lv     []orderbook.Level
	lvTail int
	evBuf  md.Event
	// replayedGaps counts the gaps of the first instrument's events the engine
	// replayed rather than decoded (its feed counts the others).
	replayedGaps uint64

	// progressOf reports the source's progress for cfg.Progress, if both are there.
	progressOf func() (done, total int64)

	feed feedStats // over all lanes
	// equity samples
	interval   int64
	nextSample int64
	lastMid    int64 // lanes[0]'s
	curve      []EquityPoint
	// sampledMid, sampledFills and sampledPaid are the mark, the fill count and the
	// funding payments of the last sample.
	sampledMid   int64
	sampledFills uint64
	sampledPaid  uint64
	steps        uint64 // events handled: frames at both sides and order-path messages
	// idleEnd is the receive time of the last idle frame (read).
	idleEnd   int64
	frames    uint64
	started   bool
	startTime int64
	now       int64
	haltedAt  int64 // data time of the event in which the strategy halted
	halted    bool
}

type feedStats struct {
	withE, withoutE, backwards, clamped uint64
	sum, min, max                       int64

	badE uint64 // event times ignored as garbage
}

// RunSource replays the frames of src; Run is RunSource over recordings. A panic in
// the strategy or anywhere below is returned as an error, never propagated.
func RunSource(cfg Config, src Source) (rep *Report, err error) {
	return RunSources(cfg, src)
}

// RunSources replays several instruments' frames, srcs[i] holding instrument i's (the
// engine's instrument table order), merged by receive time. The frames are decoded on
// the replay's goroutine.
func RunSources(cfg Config, srcs ...Source) (*Report, error) {
	if cfg.ClockOffset == OffsetWholeFile && !cfg.hasWholeOffset {
		return nil, errors.New("backtest: the whole_file clock offset needs recordings read by Run, not a Source")
	}
	table, err := cfg.Engine.InstrumentTable()
	if err != nil {
		return nil, fmt.Errorf("backtest: %w", err)
	}
	if len(srcs) != table.Len() {
		return nil, fmt.Errorf("backtest: %d sources of data for %d instruments", len(srcs), table.Len())
	}
	es := make([]eventSource, len(srcs))
	for i, s := range srcs {
		dec, err := newEventDecoder(cfg.Engine.NewFeed, table.At(instrument.Index(i)), cfg.Engine.BookCapacity)
		if err != nil {
			return nil, err
		}
		es[i] = &inlineEvents{src: s, dec: dec.onlyFor(cfg.ExchangeTime)}
	}
	return runEvents(cfg, es...)
}

// runEvents replays several instruments' frames and events, srcs[i] holding
// instrument i's, merged by receive time.
func runEvents(cfg Config, srcs ...eventSource) (rep *Report, err error) {
	defer func() {
		if p := recover(); p != nil {
			rep, err = nil, fmt.Errorf("backtest: panic: %v", p)
		}
	}()
	r, err := newReplay(cfg, nil, srcs...)
	if err != nil {
		return nil, err
	}
	wall := time.Now()
	if err := r.run(); err != nil {
		return nil, err
	}
	rep = r.finish(wall)
	if r.readErr != nil {
		// Every record before the error was replayed: the report is theirs, and says
		// so; the run still failed to do what was asked.
		rep.DataError = r.readErr.Error()
		return rep, r.readErr
	}
	return rep, nil
}

// finish builds the report at the end of a run that started at wall.
func (r *replay) finish(wall time.Time) *Report {
	rep := r.report()
	rep.Timing.Wall = time.Since(wall)
	if s := rep.Timing.Wall.Seconds(); s > 0 {
		rep.Timing.EventsPerSecond = float64(r.frames) / s
	}
	return rep
}

// newReplay builds a run of cfg over srcs: its exchanges, accounts and engine. With
// shared, the run's (one) exchange and engine keep their books in shared's, which
// other runs over the same events share (see runLockstep).
func newReplay(cfg Config, shared *sharedBooks, srcs ...eventSource) (*replay, error) {
	if cfg.Strategy == nil && cfg.NewStrategy != nil {
		s, err := cfg.NewStrategy()
		if err != nil {
			return nil, err
		}
		cfg.Strategy = s
	}
	if cfg.Strategy == nil {
		return nil, errors.New("backtest: no strategy")
	}
	if cfg.InitialBalance.Sign() <= 0 {
		return nil, errors.New("backtest: initial balance must be positive")
	}
	lat := cfg.Latency
	if lat == nil {
		lat, _ = ConstantLatency(0, 0)
	}
	lat = lat.fresh() // every run draws from the seed, whoever else uses cfg.Latency
	if cfg.EquityInterval <= 0 {
		cfg.EquityInterval = time.Second
	}
	if cfg.MaxFeedLatency <= 0 {
		cfg.MaxFeedLatency = time.Second
	}
	if cfg.Queue == 0 {
		cfg.Queue = RiskAverse
	}
	if cfg.ClockOffset == OffsetWholeFile && !cfg.hasWholeOffset {
		return nil, errors.New("backtest: the whole_file clock offset needs recordings read by Run, not a Source")
	}
	if cfg.QueuePower == 0 {
		cfg.QueuePower = 2
	}
	logTime := &dataTimeHook{} // pointed at the replay's clock once there is one
	cfg.Engine.Logger = cfg.Engine.Logger.Hook(logTime)
	cfg.Engine.Risk.Logger = cfg.Engine.Risk.Logger.Hook(logTime)
	if shared != nil {
		cfg.exBook = shared.ex
	}
	lanes, err := newLanes(&cfg, lat)
	if err != nil {
		return nil, err
	}
	if len(srcs) != len(lanes) {
		return nil, fmt.Errorf("backtest: %d sources of data for %d instruments", len(srcs), len(lanes))
	}
	if shared != nil {
		if len(lanes) != 1 {
			return nil, errors.New("backtest: only runs of one instrument share books")
		}
		lanes[0].ex.book, lanes[0].ex.shared = shared.ex, shared
		cfg.Engine.Book = shared.eng
	}
	eng, err := newEngine(engineConfig(cfg, shared, srcs), lanes) // no feed of its own when it is handed events only
	if err != nil {
		return nil, fmt.Errorf("backtest: %w", err)
	}

	cfg.Latency = lat
	r := &replay{
		cfg: cfg, eng: eng, ex: lanes[0].ex, acct: lanes[0].acct, lanes: lanes, shared: shared,
		ring:     make([]slot, 256),
		maxFeed:  int64(cfg.MaxFeedLatency),
		interval: int64(cfg.EquityInterval),
	}
	logTime.now = &r.now
	guarded := make([]eventSource, len(srcs))
	for i, s := range srcs {
		g := newClockGuard(s, cfg.MaxTimeJump)
		r.clocks = append(r.clocks, g)
		guarded[i] = g
	}
	if shared == nil && providesTops(srcs) {
		for i, l := range lanes {
			l.ex.view = &exView{r: r, ln: i}
		}
	}
	r.clock = r.clocks[0]
	r.src, r.which = guarded[0], func() int { return 0 }
	if len(srcs) > 1 {
		m := mergeEvents(guarded...)
		r.src, r.which = m, m.Which
	}
	if p, ok := r.src.(interface{ Progress() (done, total int64) }); ok && cfg.Progress != nil {
		r.progressOf = p.Progress
	}
	for i, l := range lanes {
		l.fund = newFunder(cfg.Funding, eng.Instruments().At(instrument.Index(i)).Kind == instrument.Perpetual, l.acct, l.mark)
		l.fund.name = l.name
		l.fund.paid = riskFunding(eng, instrument.Index(i))
		if l.fund.src != fundNone {
			r.payers = append(r.payers, payer{l.fund, eng.Context().MarketAt(instrument.Index(i))})
		}
	}
	return r, nil
}

// providesTops reports whether every source's events that change the book carry its
// top (decoded.setTop), so that the exchanges need no books of their own (exView).
func providesTops(srcs []eventSource) bool {
	for _, s := range srcs {
		if t, ok := s.(topsSource); !ok || !t.providesTops() {
			return false
		}
	}
	return len(srcs) > 0
}

// slotAt returns the slot off frames after the head. The ring's length is a power of
// two (256, doubled when full), so the index wraps with a mask, not a division.
func (r *replay) slotAt(off int) *slot { return &r.ring[(r.head+off)&(len(r.ring)-1)] }

// read reads one frame and stamps its two times; unless the frame is idle (below), it
// goes into the ring. It reports whether the frame was idle: then nothing the next
// event depends on changed (no slot, no order, no timer), only the stamping's state.
func (r *replay) read() (idle bool, err error) {
	local, frame, d, lv, err := r.src.next()
	if err == io.EOF {
		r.eof = true
		return false, nil
	}
	if err != nil {
		// The data ends here, in an error (a cut or corrupt file): what was read before
		// it is replayed to its end all the same, and the report says where it broke.
		r.eof, r.readErr = true, fmt.Errorf("backtest: reading data: %w", err)
		return false, nil
	}
	ln := r.which()
	l := r.lanes[ln]
	r.frames++
	if r.progressOf != nil && r.frames%progressEvery == 0 {
		r.cfg.Progress(r.progressOf())
	}
	if r.readAny && local < r.lastLocal {
		r.feed.backwards++
		local = r.lastLocal
	}

	// The exchange saw the frame's event at its event time E (or transaction time T),
	// on the exchange's clock. The two clocks differ by an unknown offset: the
	// smallest local − E seen so far (or over the whole data) is taken as the offset,
	// so the fastest frame had zero feed latency and none is negative. The exchange
	// time on the replay's (local) clock is local − latency. Each instrument's feed has
	// its own offset: its venue's clock and its connection's latency are its own.
	lat := l.lastLat
	// An event time further ahead of the receive time than the offset allows by more
	// than MaxTimeJump is garbage (a corrupt line): it would set the offset for the rest
	// of the run, so the frame is taken as one without E.
	e, ok := d.exchTime(r.cfg.ExchangeTime)
	if ok && l.haveOffset && local-e < l.offset-r.clock.bound {
		ok = false
		r.feed.badE++
	}
	if ok {
		raw := local - e
		switch {
		case l.hasWhole:
			l.offset, l.haveOffset = l.whole, true
		case !l.haveOffset || raw < l.offset:
			l.offset, l.haveOffset = raw, true
		}
		lat = raw - l.offset
		if lat > r.maxFeed {
			r.feed.clamped++
			lat = r.maxFeed
		}
		l.lastLat = lat
		r.feed.withE++
		r.feed.sum += lat
		if r.feed.withE == 1 || lat < r.feed.min {
			r.feed.min = lat
		}
		r.feed.max = max(r.feed.max, lat)
	} else {
		r.feed.withoutE++
	}
	x := local - lat
	if l.readAny && x < l.lastExch {
		x = l.lastExch // the exchange sees the frames in the order they were sent
	}
	l.lastExch, l.readAny = x, true
	r.lastLocal, r.readAny = local, true
	// An unread frame is received no earlier than this one, and its exchange sees it at
	// most MaxFeedLatency before, and no earlier than it saw its lane's last frame: the
	// replay need read no further ahead than its next event. Usually that is a few
	// frames (the feed latency), not MaxFeedLatency's worth, and the ring stays small.
	from := local - r.maxFeed
	r.unreadFrom = math.MaxInt64
	for _, o := range r.lanes {
		if o.readAny {
			r.unreadFrom = min(r.unreadFrom, max(from, o.lastExch))
		} else {
			r.unreadFrom = min(r.unreadFrom, from)
		}
	}
	r.offset = r.lanes[0].offset

	if frame == nil && r.idle(d, local) {
		// Its two steps, the exchange's and the engine's, would do nothing: they are
		// counted, not taken.
		r.steps += 2
		r.idleEnd, l.idleExch = local, x
		l.ex.counters.Frames++
		return true, nil
	}
	if r.n == len(r.ring) {
		nr := make([]slot, 2*len(r.ring))
		for i := 0; i < r.n; i++ {
			nr[i] = *r.slotAt(i)
		}
		r.ring, r.head = nr, 0
	}
	if x := l.ex; x != nil && x.view != nil && (frame != nil || changesBook(d.kind) && (d.malformed() || d.flags&decTop == 0)) {
		// The engine may take this frame's event differently from the exchange, or the
		// exchange would lack its top: the exchange keeps its own book from here.
		l.ex.materialize()
	}
	s := r.slotAt(r.n)
	s.off = r.store(frame) // while slots 0..n-1 are the frames buffered before it
	s.end = s.off + len(frame)
	s.lane = ln
	for j, o := range r.lanes {
		if o.exOff == r.n && j != ln {
			o.exOff++ // still no frame of its own read ahead
		}
	}
	s.d, s.noFrame = *d, frame == nil
	s.lvOff = r.storeLevels(lv)
	s.seq = r.frames
	s.local, s.exch = local, x
	r.n++
	return false, nil
}

// endIdle brings the clocks to where the steps of the idle frames at the end of the
// data would have left them: the run's end, and each exchange's time at the touch.
func (r *replay) endIdle() {
	r.now = max(r.now, r.idleEnd)
	for _, l := range r.lanes {
		if l.idleExch > l.ex.now {
			l.ex.advance(l.idleExch)
		}
	}
}

// idle reports whether the event d, received at local, is one the replay need not
// hand to anyone: a frame of a kind the feed ignores (a Binance bookTicker, which is
// most of a recording's lines: the engine keeps its own book), well formed, that
// changes no book and calls no callback. Its two steps would still take the equity
// samples due by their time, so it is idle only when none is due by local, as the run
// stands now (the next one only moves later as the run goes on). Timers are steps of
// their own (evTimer), and funding needs no check: a payment due by then is made at
// the next step instead, before anything else runs, on the same position, mark and
// engine clock, and before the next sample. Skipped, an idle frame changes no report,
// only the work (TestIdleFramesChangeNothing). Until the run has started, none is.
func (r *replay) idle(d *decoded, local int64) bool {
	return d.kind == md.None && d.flags&(decMalformed|decGap) == 0 && r.started && local < r.nextSample && !r.cfg.keepIdle
}

// store copies frame into the arena and returns its offset. The arena holds the
// buffered frames back to back in reading order; when the next frame does not fit at
// the end, the live frames move to the front, and the arena doubles if they fill more
// than half of it. So it allocates only when the peak of buffered bytes grows.
func (r *replay) store(frame []byte) int {
	if r.aTail+len(frame) > len(r.arena) {
		start := r.aTail // no frame buffered: everything is free
		if r.n > 0 {
			start = r.slotAt(0).off
		}
		live := r.aTail - start
		if size := len(r.arena); 2*(live+len(frame)) > size {
			na := make([]byte, max(2*size, 2*(live+len(frame)), 64<<10))
			copy(na, r.arena[start:r.aTail])
			r.arena = na
		} else {
			copy(r.arena, r.arena[start:r.aTail])
		}
		for i := 0; i < r.n; i++ {
			sl := r.slotAt(i)
			sl.off -= start
			sl.end -= start
		}
		r.aTail = live
	}
	off := r.aTail
	r.aTail += copy(r.arena[off:off+len(frame)], frame)
	return off
}

func (r *replay) frame(s *slot) []byte { return r.arena[s.off:s.end] }

// levels returns the levels of slot s's event.
func (r *replay) levels(s *slot) []orderbook.Level {
	return r.lv[s.lvOff : s.lvOff+int(s.d.nb+s.d.na)]
}

// exchangeTime returns the frame's exchange time as et says: its transaction time T
// where it has one and et asks for it, otherwise its event time E.
func exchangeTime(frame []byte, et ExchangeTime) (int64, bool) {
	if et == TimeTransaction {
		if t, ok := msField(frame, 'T', transactionTimeWindow); ok {
			return t, true
		}
	}
	return eventTime(frame)
}

// transactionTimeWindow is how far into a frame exchangeTime looks for "T": a trade
// puts it after the price and quantity, within the first 256 bytes.
const transactionTimeWindow = 256

// eventTimeWindow is how far into a frame eventTime looks: Binance puts "e" and "E"
// first in every event, so a frame without "E" in its first bytes (a bookTicker, a
// 40 kB REST snapshot) is not scanned to its end.
const eventTimeWindow = 192

// eventTime finds the exchange event time "E" (ms) in a Binance frame and returns it
// in ns. Frames without one (spot bookTicker, REST snapshots) report false.
func eventTime(frame []byte) (int64, bool) { return msField(frame, 'E', eventTimeWindow) }

// msField finds the one-letter key "K": (ms) in the first window bytes of a frame and
// returns its value in ns.
func msField(frame []byte, key byte, window int) (int64, bool) {
	w := frame[:min(len(frame), window)]
	i := -1
	for from := 0; ; {
		j := bytes.IndexByte(w[from:], key) // rarer than '"' in a frame's head
		if j < 0 {
			return 0, false
		}
		j += from
		if j > 0 && j+2 < len(w) && w[j-1] == '"' && w[j+1] == '"' && w[j+2] == ':' {
			i = j - 1
			break
		}
		from = j + 1
	}
	var v int64
	j := i + 4
	for ; j < len(frame) && frame[j] >= '0' && frame[j] <= '9' && j-i < 4+15; j++ {
		v = v*10 + int64(frame[j]-'0')
	}
	if j == i+4 || v > math.MaxInt64/int64(time.Millisecond) { // no digits, or garbage beyond year 2262
		return 0, false
	}
	return v * int64(time.Millisecond), true
}

const (
	evNone = iota
	evMarket
	evOrderPath
	evFrame
	evTimer
)

// next picks the next event: the earliest of the exchange's next frame, the next
// message in flight, the strategy's next frame and its next timer. At equal times:
// the exchange's frame, then an arrival at the exchange, then a response, then the
// strategy's frame (which fires a timer due at its time first, as live). A timer is a
// step of its own only while other events remain: the run ends with its data.
//
// With several instruments, each has its own exchange: their frames and messages are
// ordered by time, and at equal times by instrument index within each kind.
func (r *replay) next() (kind, lane int, t int64) {
	if len(r.lanes) == 1 {
		return r.next1()
	}
	for i, l := range r.lanes {
		if l.exOff < r.n {
			if x := r.slotAt(l.exOff).exch; kind == evNone || x < t {
				kind, lane, t = evMarket, i, x
			}
		}
	}
	for i, l := range r.lanes {
		if due, ok := l.ex.NextDue(); ok && (kind == evNone || due < t) {
			kind, lane, t = evOrderPath, i, due
		}
	}
	if r.n > 0 {
		if h := r.slotAt(0); r.lanes[h.lane].exOff > 0 {
			if l := h.local; kind == evNone || l < t {
				kind, lane, t = evFrame, h.lane, l
			}
		}
	}
	if at, ok := r.eng.NextTimer(); ok && kind != evNone && at < t {
		kind, lane, t = evTimer, 0, at
	}
	return kind, lane, t
}

// next1 is next for a run of one instrument: the same choice, without the loops.
func (r *replay) next1() (kind, lane int, t int64) {
	l := r.lanes[0]
	if l.exOff < r.n {
		kind, t = evMarket, r.slotAt(l.exOff).exch
	}
	if due, ok := l.ex.NextDue(); ok && (kind == evNone || due < t) {
		kind, t = evOrderPath, due
	}
	if r.n > 0 && l.exOff > 0 {
		if lc := r.slotAt(0).local; kind == evNone || lc < t {
			kind, t = evFrame, lc
		}
	}
	if at, ok := r.eng.NextTimer(); ok && kind != evNone && at < t {
		kind, t = evTimer, at
	}
	return kind, 0, t
}

func (r *replay) run() error {
	for {
		kind, ln, t, err := r.peek()
		if err != nil {
			return err
		}
		if kind == evNone {
			r.endIdle()
			return nil
		}
		if err := r.step(kind, ln, t); err != nil {
			return err
		}
	}
}

// peek reads ahead until no unread frame can be due before the next event, and
// returns the next event (evNone at the end): an unread frame is received no earlier
// than the last one read, and seen by the exchange no earlier than unreadFrom (see
// read). The event it stops at is the next one: nothing changes between.
func (r *replay) peek() (kind, lane int, t int64, err error) {
	kind, lane, t = r.next()
	for !r.eof && (kind == evNone || !r.readAny || r.unreadFrom <= t) {
		idle, err := r.read()
		if err != nil {
			return evNone, 0, 0, err
		}
		if !idle { // else the next event is still the one found before
			kind, lane, t = r.next()
		}
	}
	return kind, lane, t, nil
}

// step handles the event peek returned: lane ln's kind of event at t.
func (r *replay) step(kind, ln int, t int64) error {
	if err := r.begin(t, r.slotAt(0)); err != nil {
		return err
	}
	l := r.lanes[ln]
	switch kind {
	case evMarket:
		s := r.slotAt(l.exOff)
		r.market(l, s, r.levels(s))
		l.exOff++
		for l.exOff < r.n && r.slotAt(l.exOff).lane != ln {
			l.exOff++
		}
	case evOrderPath:
		l.ex.Step(r.eng)
	case evTimer:
		// At its own time, as live (engine.NextTimer, OnClock): the orders it sends
		// leave then, not when the next frame comes.
		r.eng.OnClock(t)
	case evFrame:
		s := r.slotAt(0)
		r.strategyFrame(ln, s, r.levels(s))
		r.head = (r.head + 1) & (len(r.ring) - 1)
		r.n--
		for _, o := range r.lanes {
			o.exOff--
		}
	}
	r.end(t)
	return nil
}

// begin opens a step at t: the run starts at its first (first is the first frame,
// whose receive time starts the engine), funding due by t is paid and the equity
// sampled up to t.
func (r *replay) begin(t int64, first *slot) error {
	if !r.started {
		r.started, r.startTime = true, t
		r.nextSample = t
		for _, l := range r.lanes {
			l.fund.start(t)
		}
		if err := r.eng.Start(first.local); err != nil {
			return fmt.Errorf("backtest: %w", err)
		}
	}
	for _, p := range r.payers { // spot pays no funding: no mark to read per event
		p.fund.due(t, p.market.PerpMark())
	}
	if r.nextSample <= t {
		r.sample(t)
	}
	r.now = t
	r.steps++
	return nil
}

// market hands lane l's exchange the event of frame s, whose levels are lv.
func (r *replay) market(l *lane, s *slot, lv []orderbook.Level) {
	l.ex.seq = s.seq
	l.ex.onEvent(&s.d, lv, s.exch)
	r.markLane(l) // only a market event moves the exchange's book, and so the mark
}

// strategyFrame hands the engine lane ln's frame s, whose event's levels are lv.
func (r *replay) strategyFrame(ln int, s *slot, lv []orderbook.Level) {
	if s.noFrame && s.d.gap() && ln == 0 {
		r.replayedGaps++
	}
	switch {
	case s.noFrame && r.shared != nil:
		ev := s.d.event(&r.evBuf, lv)
		if r.shared.engSeq != s.seq { // the first run here brings the shared book along
			md.Replay(r.shared.eng, ev, s.local)
			r.shared.engSeq = s.seq
		}
		_ = r.eng.OnReplayedEventAt(instrument.Index(ln), ev, s.d.malformed(), s.local)
	case s.noFrame:
		_ = r.eng.OnEventAt(instrument.Index(ln), s.d.event(&r.evBuf, lv), s.d.malformed(), s.local)
	default:
		_ = r.onFrame(ln, r.frame(s), s.local) // malformed frames are counted by the engine
	}
	if l := r.lanes[ln]; !l.everValid {
		l.everValid = r.bookValid(ln)
	}
}

// end closes the step at t: the strategy may have halted in it.
func (r *replay) end(t int64) {
	if !r.halted && r.eng.Halted() != nil {
		r.halted, r.haltedAt = true, t
	}
}

// sample records the equity at every interval boundary up to t, before the event at t,
// at the marks the exchanges' books gave after the last market event (markLane).
func (r *replay) sample(t int64) {
	for r.nextSample <= t {
		r.curve = append(r.curve, r.point(r.nextSample))
		r.nextSample += r.interval
		if len(r.curve) == maxCurvePoints {
			r.thin()
		}
	}
}

// thin halves the equity curve, keeping every other sample, and doubles the sampling
// interval; the next sample stays due where it was, one new interval after the last
// kept one.
func (r *replay) thin() {
	n := 0
	for i := 0; i < len(r.curve); i += 2 {
		r.curve[n] = r.curve[i]
		n++
	}
	clear(r.curve[n:])
	r.curve = r.curve[:n]
	r.interval *= 2
}

func (r *replay) mark() decimal.Decimal {
	return r.cfg.Engine.Instrument.PriceScale.Decimal(r.lastMid)
}

// point is the equity sample at t: equity, position and the mark. A sample whose mark and
// fills are those of the previous one shares its decimals (they are immutable values), so
// a long quiet stretch of data does not grow the curve's memory by three big numbers a
// sample.
func (r *replay) point(t int64) EquityPoint {
	if len(r.lanes) > 1 {
		return r.multiPoint(t)
	}
	if r.cfg.freshSamples {
		return EquityPoint{Time: t, Equity: r.acct.Equity(r.mark()), Position: r.acct.Position(), Mid: r.mark()}
	}
	paid := r.fundingPayments()
	if n := len(r.curve); n > 0 && r.lastMid == r.sampledMid && r.acct.Fills() == r.sampledFills && paid == r.sampledPaid {
		p := r.curve[n-1]
		p.Time = t
		return p
	}
	mark := r.mark()
	if n := len(r.curve); n > 0 && r.acct.Fills() == r.sampledFills {
		prev := r.curve[n-1]
		r.sampledMid, r.sampledPaid = r.lastMid, paid
		equity := prev.Equity
		if !prev.Position.IsZero() {
			equity = r.acct.Equity(mark)
		}
		return EquityPoint{Time: t, Equity: equity, Position: prev.Position, Mid: mark}
	}
	r.sampledMid, r.sampledFills, r.sampledPaid = r.lastMid, r.acct.Fills(), paid
	return EquityPoint{Time: t, Equity: r.acct.Equity(mark), Position: r.acct.Position(), Mid: mark}
}

// fundingPayments counts the funding payments so far: each changes the equity of an
// open position without a fill or a new mark.
func (r *replay) fundingPayments() (n uint64) {
	for _, p := range r.payers {
		n += p.fund.rep.Payments
	}
	return n
}

// report builds the report at the end of the run.
func (r *replay) report() *Report {
	r.marks()
	cfg := r.cfg
	cfg.EquityInterval = time.Duration(r.interval) // doubled by each thinning of a long curve
	ec := cfg.Engine
	mark := r.mark()
	a := r.acct
	equity := a.Equity(mark)
	pnl := equity.Sub(a.Initial())
	vol, makerVol, takerVol := a.Volume()
	ec2 := r.ex.Counters()
	c := r.eng.Counters()

	rep := &Report{
		priceScale: ec.Instrument.PriceScale,
		Strategy:   cfg.StrategyName,
		Symbol:     ec.Instrument.Symbol,
		Venue:      reportVenue(r.ex.cfg.Instrument.ID.Venue),
		Data:       append([]string{}, cfg.Data...),
		Settings: Settings{
			Latency:        cfg.Latency.Describe(),
			MakerFeeBps:    cfg.MakerFeeBps,
			TakerFeeBps:    cfg.TakerFeeBps,
			QueueModel:     cfg.Queue.String(),
			QueuePower:     cfg.QueuePower,
			PartialFills:   cfg.PartialFills,
			InitialBalance: cfg.InitialBalance,
			EquityInterval: cfg.EquityInterval.String(),
			MaxFeedLatency: cfg.MaxFeedLatency.String(),
			MaxTimeJump:    time.Duration(r.clock.bound).String(),
			Currency:       r.currency(),
		},
		Result: Result{
			FinalEquity:    equity,
			PnL:            pnl,
			ReturnPct:      pnl.Mul(decimal.NewFromInt(100)).DivRound(a.Initial(), 6),
			Realized:       a.Realized(),
			Unrealized:     a.Unrealized(mark),
			Fees:           a.Fees(),
			Funding:        a.FundingTotal(),
			Position:       a.Position(),
			AvgEntry:       a.AvgEntry(),
			Mark:           mark,
			Turnover:       a.Turnover(),
			Volume:         vol,
			MakerVolume:    makerVol,
			TakerVolume:    takerVol,
			EnginePosition: ec.Instrument.QtyScale.Decimal(r.eng.Risk().Position()),
			EngineFees:     ec.Instrument.PriceScale.Decimal(engineFees(r.eng.Risk())),
		},
		Orders: Orders{
			Sent:            c.OrdersSent,
			CancelsSent:     c.CancelsSent,
			SendFailures:    c.SendFailures,
			RiskRejected:    c.OrdersRejected,
			RiskRejections:  riskRejections(r.eng.Risk()),
			VenueRejections: ec2.RejectCounts(),
			Acks:            ec2.Acks,
			Fills:           ec2.Fills,
			MakerFills:      ec2.MakerFills,
			TakerFills:      ec2.TakerFills,
			Cancelled:       ec2.Cancelled,
			Expired:         ec2.Expired,
			CancelsTooLate:  ec2.CancelsTooLate,
			RestingAtEnd:    r.ex.Resting(),
		},
		Events: Events{
			Frames:            r.frames,
			Steps:             r.steps,
			EngineMalformed:   c.Malformed,
			BookUpdates:       c.BookUpdates,
			Trades:            c.Trades,
			StrategyErrors:    c.StrategyErrors,
			EngineGaps:        r.engineGaps(),
			ExchangeMalformed: ec2.Malformed,
			ExchangeGaps:      r.ex.Gaps(),
		},
		Funding: r.funding(),
		Feed: Feed{
			ExchangeTime:    cfg.ExchangeTime.String(),
			ClockOffsetMode: cfg.ClockOffset.String(),
			ClockOffsetNs:   r.offset,
			FramesWithTime:  r.feed.withE,
			FramesWithout:   r.feed.withoutE,
			ClockBackwards:  r.feed.backwards,
			LatencyClamped:  r.feed.clamped,
			TimeJumps:       r.clock.jumps,
			TimeGaps:        r.clock.gaps,
			BadEventTimes:   r.feed.badE,
			LatencyMin:      time.Duration(r.feed.min).String(),
			LatencyMax:      time.Duration(r.feed.max).String(),
			LatencyMean:     "0s",
		},
	}
	if r.feed.withE > 0 {
		rep.Feed.LatencyMean = time.Duration(r.feed.sum / int64(r.feed.withE)).String()
	}
	if r.started {
		rep.Start = stamp(r.startTime)
		rep.End = stamp(r.now)
		rep.Duration = time.Duration(r.now - r.startTime).String()
	}
	if h := r.eng.Halted(); h != nil {
		rep.Halted = h.Error()
		rep.HaltedAt = stamp(r.haltedAt)
	}
	rep.Problems = problems(r.neverValid(), c.OrdersSent, rep.Events.EngineGaps)
	// The curve ends with the final equity at the last event's time.
	curve := r.curve
	if r.started && (len(curve) == 0 || curve[len(curve)-1].Time < r.now) {
		curve = append(curve, r.point(r.now))
	}
	rep.Equity = curve
	rep.Instruments = r.instrumentResults()
	rep.Fills = r.ex.fillLog(ec.Instrument.PriceScale, ec.Instrument.QtyScale)
	rep.OrderLog = r.ex.orderLog(ec.Instrument.PriceScale, ec.Instrument.QtyScale)
	if len(r.lanes) > 1 {
		r.totals(rep)
	}
	rep.Quoting = r.ex.quoting()
	for _, h := range MarkoutHorizons {
		rep.MarkoutHorizons = append(rep.MarkoutHorizons, time.Duration(h).String())
	}
	if lat := r.eng.Latency(); lat != nil {
		rep.Timing.Latency = lat.Snapshot()
	}
	rep.Result.MaxDrawdown, rep.Result.MaxDrawdownPct = maxDrawdown(curve)
	rep.Result.Sharpe, rep.Result.SharpeSamples, rep.Result.SharpeNote = sharpe(curve)
	if !cfg.NoTearsheet {
		rep.Tearsheet = ComputeTearsheet(rep)
	}
	return rep
}

// engineGaps returns the gaps in the first instrument's sequence the engine met: those
// its feed found in the frames it decoded, and those of the events it replayed.
func (r *replay) engineGaps() uint64 {
	n := r.replayedGaps
	if f := r.eng.Sync(); f != nil {
		n += f.Counters().Gaps
	}
	return n
}

// reportVenue is the report's name of an instrument venue: Binance's venues by their
// market ("spot", "usdm"; nanotick's local exchange speaks Binance Spot), any other
// by its name.
func reportVenue(venue string) string {
	switch venue {
	case instrument.VenueBinanceSpot, instrument.VenueSim, "":
		return "spot"
	case instrument.VenueBinanceUSDM:
		return "usdm"
	}
	return venue
}

func engineFees(rc *risk.Checker) int64 {
	_, fees, _ := rc.PnL()
	return fees
}

func riskRejections(rc *risk.Checker) []ReasonCount {
	var counts [risk.NumReasons]uint64
	rc.RejectionCounts(&counts)
	var out []ReasonCount
	for i, n := range counts {
		if n > 0 {
			out = append(out, ReasonCount{Reason: risk.Reason(i).String(), Count: n})
		}
	}
	return out
}

func stamp(ns int64) string { return time.Unix(0, ns).UTC().Format(time.RFC3339Nano) }

// drawdown returns the largest fall from a peak of the curve, in quote units and as a
// percentage of that peak.
func drawdown(curve []EquityPoint) (decimal.Decimal, float64) {
	var peak, worst decimal.Decimal
	var worstPct float64
	for i, p := range curve {
		if i == 0 || p.Equity.GreaterThan(peak) {
			peak = p.Equity
		}
		if dd := peak.Sub(p.Equity); dd.GreaterThan(worst) {
			worst = dd
			if peak.Sign() > 0 {
				worstPct = dd.Mul(decimal.NewFromInt(100)).DivRound(peak, 8).InexactFloat64()
			}
		}
	}
	return worst, worstPct
}

// SharpePeriod is the period of the returns a Sharpe ratio is computed from, and
// SharpeMinReturns how many of them it needs. Returns over seconds are not a sample a
// Sharpe ratio can be annualized from: a market maker's intraday returns are
// autocorrelated through its inventory, and scaling a few minutes by √(seconds in a
// year) turns noise into figures like -1499. Daily returns are the standard sample
// (nautilus_trader and pyfolio use them), and 30 is the usual floor for a mean and
// a standard deviation to mean anything.
const (
	SharpePeriod     = 24 * time.Hour
	SharpeMinReturns = 30
)

// sharpe returns the annualized Sharpe ratio of the curve's daily returns (no risk
// free rate), the number of daily returns, and a note saying how it was computed or
// why it is not reported; the ratio is 0 when it is not.
func sharpe(curve []EquityPoint) (float64, int, string) {
	var span time.Duration
	if len(curve) > 1 {
		span = time.Duration(curve[len(curve)-1].Time - curve[0].Time)
	}
	// The equity at each period boundary from the first sample: the last sample at or
	// before it.
	var rets []float64
	if len(curve) > 1 {
		period := int64(SharpePeriod)
		prev, next, j := curve[0].Equity, curve[0].Time+period, 0
		for next <= curve[len(curve)-1].Time {
			for j+1 < len(curve) && curve[j+1].Time <= next {
				j++
			}
			cur := curve[j].Equity
			if prev.Sign() > 0 {
				rets = append(rets, cur.Sub(prev).Div(prev).InexactFloat64())
			}
			prev, next = cur, next+period
		}
	}
	n := len(rets)
	if n < SharpeMinReturns {
		return 0, n, fmt.Sprintf("not reported: %s of data gives %d daily returns, and a Sharpe ratio needs at least %d (returns over shorter intervals do not annualize)", span.Round(time.Millisecond), n, SharpeMinReturns)
	}
	var mean float64
	for _, x := range rets {
		mean += x
	}
	mean /= float64(n)
	var ss float64
	for _, x := range rets {
		ss += float64((x - mean) * (x - mean)) // rounded: no fused multiply-add
	}
	sd := math.Sqrt(ss / float64(n-1))
	s := mean / sd * math.Sqrt(365)
	if sd == 0 || math.IsNaN(s) || math.IsInf(s, 0) || s == 0 {
		return 0, n, fmt.Sprintf("not reported: the %d daily returns have no variance or no mean", n)
	}
	return s, n, fmt.Sprintf("mean/stdev of %d daily returns × sqrt(365), no risk-free rate", n)
}
