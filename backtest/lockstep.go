package backtest

import (
	"fmt"
	"slices"
	"time"

	"github.com/nanotick/nanotick/orderbook"
)

// Lockstep runs: the points of a sweep replay the same events, and the two books each
// run keeps (the simulated exchange's, at exchange time, and the engine's, at receive
// time) go through exactly the same states at exactly the same event times in every
// run: nothing a strategy does changes the recorded market. Replaying every event into
// two books per point is most of a point's cost. So RunFramesLockstep replays a group
// of points together, on one goroutine, with one exchange book and one engine book for
// all of them: the runs take their steps in one order of time (at equal times: the
// exchange's frames, the order path, the strategy's frames, as one run orders them; at
// the same event, run by run), the first run to reach an event applies it to the
// shared book, and the others find it applied. Each run keeps everything else of its
// own (engine, strategy, risk, exchange orders, account), and gets the report it gets
// alone (TestLockstepIsAlone).
//
// What a run reads of a shared book is what it would read of its own at that step,
// because every run's steps before an event in that order are done before the event
// is applied, and those after it come after. The one read that comes at the event
// itself, before the run handles it, is kept from before the first run applied it:
// the exchange book's mid for the markouts (advance). And the timers due at a strategy frame fire in every run before the engine book
// takes that frame, as within OnEventAt.

// sharedBooks are the books of runs replaying the same events in lockstep.
type sharedBooks struct {
	ex  *orderbook.Book // the exchanges'
	eng *orderbook.Book // the engines'
	// exSeq and engSeq are the numbers of the last events applied to each book.
	exSeq, engSeq uint64
	// mid2Before is twice the exchange book's mid before event exSeq (0 without one).
	mid2Before int64
	// top is the exchange book's top after event exSeq (see Exchange.top).
	top bookTop
}

// RunFramesLockstep is RunFrames for each of cfgs, over the same frames, replayed in
// lockstep with shared books (see above): the same reports, for a fraction of the
// cost per run. The runs must be of one instrument, that of the frames. The reports
// and errors are by index of cfgs; a run that fails or panics has its error and no
// report, and the others carry on. Runs that read the frames alike (the same exchange
// time, feed latency cap, time-jump bound and clock offset mode: a sweep's points)
// share the reading too; runs that read them differently replay in separate groups.
func RunFramesLockstep(cfgs []Config, f *Frames) ([]*Report, []error) {
	reps, errs := make([]*Report, len(cfgs)), make([]error, len(cfgs))
	var keys []readingKey
	groups := map[readingKey][]int{}
	for i := range cfgs {
		k := readingKeyOf(&cfgs[i])
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], i)
	}
	for _, k := range keys {
		lockstepGroup(cfgs, groups[k], f, nil, reps, errs)
	}
	return reps, errs
}

// readingKey is what of a run's settings its reading of the frames depends on: the
// receive and exchange times the replay gives each frame (replay.read).
type readingKey struct {
	et         ExchangeTime
	feed, jump time.Duration
	offset     ClockOffset
}

// readingKeyOf is cfg's readingKey, with newReplay's defaults.
func readingKeyOf(cfg *Config) readingKey {
	k := readingKey{et: cfg.ExchangeTime, feed: cfg.MaxFeedLatency, jump: cfg.MaxTimeJump, offset: cfg.ClockOffset}
	if k.feed <= 0 {
		k.feed = time.Second
	}
	if k.jump <= 0 {
		k.jump = DefaultMaxTimeJump
	}
	return k
}

// lockstepGroup runs the runs cfgs[idx] in lockstep over f, into reps and errs by
// index of cfgs: they read f alike (one readingKey). src gives them the events: nil
// for a reader of their own (lockReader), or their group's share of a SharedReading.
//
// One reader (a replay that only reads) reads the frames ahead, as each run would
// read them, and orders their two sides: each frame is a market event at the exchange
// at its exchange time, and a strategy frame at its receive time, in the order one
// run's replay.next gives them (by time; at equal times the market event first). The
// runs take each in turn: first every run's order-path events due before it (at
// equal times: before a strategy frame, after a market event, as replay.next orders
// them), on the books as they were; then, at a strategy frame, every run's timers due
// by its time (as within OnEventAt, before the engine's book takes the frame); then
// every run handles it, the first bringing the shared book along. So no run reads or
// decodes a frame, and no run searches for its next event among the others': what a
// run pays per event is its own exchange's and engine's work, and its strategy's.
func lockstepGroup(cfgs []Config, idx []int, f *Frames, src entrySource, reps []*Report, errs []error) {
	capacity := 0
	for _, i := range idx {
		capacity = max(capacity, cfgs[i].Engine.BookCapacity)
	}
	if capacity <= 0 {
		capacity = eventBookCapacity
	}
	shared := &sharedBooks{ex: orderbook.New(capacity), eng: orderbook.New(capacity)}
	var points []*lockPoint
	for _, i := range idx {
		cfg := cfgs[i]
		cfg.Data = f.data
		table, err := cfg.Engine.InstrumentTable()
		if err != nil {
			errs[i] = fmt.Errorf("backtest: %w", err)
			continue
		}
		if table.Len() != 1 || !sameDecoding(table.At(0), &f.spec) {
			errs[i] = fmt.Errorf("backtest: the frames were decoded for %s, not for this run's instruments", f.spec.ID)
			continue
		}
		r, err := safeNewReplay(cfg, shared, &framesSource{f: f})
		if err != nil {
			errs[i] = err
			continue
		}
		points = append(points, &lockPoint{i: i, r: r})
	}
	if len(points) == 0 {
		return
	}
	var progress []func(done, total int64)
	for _, p := range points {
		if p.r.cfg.Progress != nil {
			progress = append(progress, p.r.cfg.Progress)
		}
	}
	if src == nil {
		src = newLockReader(readingKeyOf(&points[0].r.cfg), f)
	}
	src.progress(progress)
	g := &lockLoop{src: src, live: slices.Clone(points)}
	wall := time.Now()
	for !g.done {
		g.resume()
	}
	g.settle()
	for _, p := range points {
		if p.err != nil {
			errs[p.i] = p.err
		}
	}
	for _, p := range g.live {
		func() {
			defer func() {
				if v := recover(); v != nil {
					errs[p.i] = fmt.Errorf("backtest: panic: %v", v)
				}
			}()
			r := p.r
			r.endIdle()
			g.src.finish(r) // what the report says of the reading is the reader's
			reps[p.i] = r.finish(wall)
			reps[p.i].Events.Malformed = f.malformed
		}()
	}
}

// lockLoop is the loop of a lockstep group, kept where it is between calls of resume:
// a run that panics ends alone, and the loop resumes at the next run, with no deferred
// recover per step of every run.
type lockLoop struct {
	src  entrySource
	live []*lockPoint // the runs still running
	done bool

	// The event the runs are taking: its kind and time, its frame and levels, and
	// the first frame not yet taken as a strategy frame.
	kind  int
	t     int64
	s     *slot
	lv    []orderbook.Level
	first *slot
	// phase is where the loop stands (phaseNext, phaseBefore, phaseTake, phaseDrain), and k the next run
	// to go through it, by index of live. reading says the reader is at work.
	phase, k int
	reading  bool
	failed   bool // some run failed since the last settle
}

// The phases of a lockLoop: reading the next event; each run's order path and
// timers before it; each run taking it; and, at the end of the data, each run's
// order path drained.
const (
	phaseNext = iota
	phaseBefore
	phaseTake
	phaseDrain
)

// resume runs the loop from where it stands until the data and every run's order path
// are done, or a run panics: that run fails, and resume returns, to be called again.
// A panic while reading fails every run.
func (g *lockLoop) resume() {
	defer func() {
		if v := recover(); v != nil {
			err := fmt.Errorf("backtest: panic: %v", v)
			if g.reading {
				g.failAll(err)
				return
			}
			g.live[g.k].err = err
			g.k++
			g.failed = true
		}
	}()
	for g.phase != phaseDrain {
		if g.phase == phaseNext {
			if g.failed {
				g.settle()
			}
			g.reading = true
			kind, t, s, lv, err := g.src.next()
			if err != nil {
				g.failAll(err)
				return
			}
			if kind == evNone || len(g.live) == 0 {
				g.phase, g.k = phaseDrain, 0
				break
			}
			g.kind, g.t, g.s, g.lv, g.phase, g.k = kind, t, s, lv, phaseBefore, 0
			g.first = g.src.first()
			g.reading = false
		}
		if g.phase == phaseBefore {
			// What of each run comes before the event, on the books as they were:
			// its order-path events and its timers. Each reads only its own state and
			// the shared books.
			frame := g.kind == evFrame
			for ; g.k < len(g.live); g.k++ {
				if p := g.live[g.k]; p.err == nil {
					p.before(g.t, frame)
				}
			}
			g.phase, g.k = phaseTake, 0
		}
		for ; g.k < len(g.live); g.k++ {
			if p := g.live[g.k]; p.err == nil {
				p.take(g.kind, g.s, g.lv, g.first)
			}
		}
		g.phase = phaseNext
	}
	// The data is over: what is still in flight on each run's order path arrives.
	for ; g.k < len(g.live); g.k++ {
		if p := g.live[g.k]; p.err == nil {
			p.drain()
		}
	}
	g.done = true
}

// failAll fails every run still running with err and ends the loop.
func (g *lockLoop) failAll(err error) {
	for _, p := range g.live {
		if p.err == nil {
			p.err = err
		}
	}
	g.done = true
}

// settle takes the runs that failed out of live.
func (g *lockLoop) settle() {
	n := 0
	for _, p := range g.live {
		if p.err == nil {
			g.live[n] = p
			n++
		}
	}
	clear(g.live[n:])
	g.live = g.live[:n]
	g.failed = false
}

// entrySource gives a lockstep group its events: each frame's market event and
// strategy frame, in the order one run takes them.
type entrySource interface {
	// next returns the next event (evNone at the end): its kind and time, its frame and
	// the frame's levels, valid until the next call.
	next() (kind int, t int64, s *slot, lv []orderbook.Level, err error)
	// first returns the data's first frame, once next has returned an event: its
	// receive time starts each run's engine.
	first() *slot
	// progress sets the functions told of the reading's progress (Config.Progress).
	progress(fns []func(done, total int64))
	// finish gives r what its report says of the reading, once next returned evNone.
	finish(r *replay)
}

// lockReader reads frames ahead for a lockstep group, as each of its runs would
// (replay.read, into a replay that only reads), and gives their market events and
// strategy frames in one run's order.
type lockReader struct {
	*replay
	taken    int  // the kind of the event next returned last, to move past at the next call
	firstOne slot // the first frame
}

// newLockReader returns the reader of f for runs that read it as k says.
func newLockReader(k readingKey, f *Frames) *lockReader {
	r := &replay{
		cfg:     Config{ExchangeTime: k.et, MaxFeedLatency: k.feed, MaxTimeJump: k.jump, ClockOffset: k.offset},
		ring:    make([]slot, 256),
		maxFeed: int64(k.feed),
		lanes:   []*lane{{}},
	}
	g := newClockGuard(&framesSource{f: f}, k.jump)
	r.clocks, r.clock, r.src, r.which = []*clockGuard{g}, g, g, func() int { return 0 }
	return &lockReader{replay: r}
}

func (rd *lockReader) progress(fns []func(done, total int64)) {
	if len(fns) == 0 {
		return
	}
	rd.cfg.Progress = func(done, total int64) {
		for _, fn := range fns {
			fn(done, total)
		}
	}
	rd.progressOf = rd.clock.Progress
}

func (rd *lockReader) next() (kind int, t int64, s *slot, lv []orderbook.Level, err error) {
	if rd.taken != evNone {
		rd.consume(rd.taken)
		rd.taken = evNone
	}
	if kind, t, err = rd.peekEvent(); err != nil || kind == evNone {
		return kind, t, nil, nil, err
	}
	if !rd.started {
		rd.started, rd.firstOne = true, *rd.slotAt(0)
	}
	s = rd.slotAt(0)
	if kind == evMarket {
		s = rd.slotAt(rd.lanes[0].exOff)
	}
	rd.taken = kind
	return kind, t, s, rd.levels(s), nil
}

func (rd *lockReader) first() *slot { return &rd.firstOne }

func (rd *lockReader) finish(r *replay) {
	r.frames, r.feed, r.offset = rd.frames, rd.feed, rd.offset
	r.clock, r.clocks = rd.clock, rd.clocks
}

// peekEvent reads ahead until no unread frame can come before the next market event
// or strategy frame, as replay.peek does, and returns it (evNone at the end).
func (rd *lockReader) peekEvent() (kind int, t int64, err error) {
	l := rd.lanes[0]
	for {
		kind = evNone
		if l.exOff < rd.n {
			kind, t = evMarket, rd.slotAt(l.exOff).exch
		}
		if rd.n > 0 && l.exOff > 0 {
			if lc := rd.slotAt(0).local; kind == evNone || lc < t {
				kind, t = evFrame, lc
			}
		}
		if rd.eof || kind != evNone && rd.readAny && rd.lastLocal-rd.maxFeed > t {
			return kind, t, nil
		}
		if _, err := rd.read(); err != nil {
			return evNone, 0, err
		}
	}
}

// consume moves past the event peekEvent returned.
func (rd *lockReader) consume(kind int) {
	l := rd.lanes[0]
	if kind == evMarket {
		l.exOff++
		return
	}
	rd.head = (rd.head + 1) & (len(rd.ring) - 1)
	rd.n--
	l.exOff--
}

// lockPoint is one run of a lockstep group and what ended it. Its methods report
// whether the run failed in them; a panic is left to lockLoop.resume.
type lockPoint struct {
	i   int // its index in the configs
	r   *replay
	err error
}

// before takes the run's order-path events and timers due before t, in time order (a
// message before a timer at the same time), as the run alone steps them; through takes
// the messages at t too, as before a strategy frame. A timer due at t itself fires in
// the strategy frame at t, or after the market event at t.
func (p *lockPoint) before(t int64, through bool) (failed bool) {
	r := p.r
	for {
		due, msg := r.ex.NextDue()
		msg = msg && (due < t || due == t && through)
		at, timer := r.eng.NextTimer()
		timer = timer && at < t
		var err error
		switch {
		case timer && (!msg || at < due):
			err = r.step(evTimer, 0, at)
		case msg:
			err = r.step(evOrderPath, 0, due)
		default:
			return false
		}
		if err != nil {
			p.err = err
			return true
		}
	}
}

// drain takes what is still in flight on the run's order path once the data is over,
// and the timers due before each message, as alone: the run's timers end with its
// events.
func (p *lockPoint) drain() {
	for due, ok := p.r.ex.NextDue(); ok; due, ok = p.r.ex.NextDue() {
		if p.before(due, true) {
			return
		}
	}
}

// idleStep takes the event of an idle frame (see replay.idle) as a run alone skips
// the frame: counted, not handled, when no equity sample is due by its time t. The
// run's timers are steps of their own (before).
func (r *replay) idleStep(kind int, s *slot, t int64) bool {
	if !s.noFrame || !r.idle(&s.d, t) {
		return false
	}
	r.steps++
	if kind == evMarket {
		l := r.lanes[0]
		l.idleExch = t
		l.ex.counters.Frames++
	} else {
		r.idleEnd = t
	}
	return true
}

// take hands the run the market event or strategy frame s (its levels lv), first
// being the first frame not yet taken as a strategy frame.
func (p *lockPoint) take(kind int, s *slot, lv []orderbook.Level, first *slot) (failed bool) {
	r := p.r
	t := s.local
	if kind == evMarket {
		t = s.exch
	}
	if r.idleStep(kind, s, t) {
		return false
	}
	if err := r.begin(t, first); err != nil {
		p.err = err
		return true
	}
	if kind == evMarket {
		r.market(r.lanes[0], s, lv)
	} else {
		r.strategyFrame(0, s, lv)
	}
	r.end(t)
	return false
}

// safeNewReplay is newReplay with a panic returned as an error.
func safeNewReplay(cfg Config, shared *sharedBooks, src eventSource) (r *replay, err error) {
	defer func() {
		if p := recover(); p != nil {
			r, err = nil, fmt.Errorf("backtest: panic: %v", p)
		}
	}()
	return newReplay(cfg, shared, src)
}
