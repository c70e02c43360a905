package session

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/nanotick/nanotick/engine"
	"github.com/nanotick/nanotick/instrument"
)

// State is a change of a market-data connection, reported through Sink.State.
type State uint8

// The connection states.
const (
	// Connected: a new connection is up; its instruments' books were reset and stay
	// invalid until snapshots bridge the new stream.
	Connected State = iota + 1
	// Disconnected: the connection failed or was closed; its books were reset.
	Disconnected
	// Stale: nothing arrived for too long; the connection is dropped and its books
	// reset, as for a disconnect.
	Stale
	// Rotated: a planned switch to a connection opened beforehand; nothing was lost and
	// the books were kept.
	Rotated
)

var stateNames = [...]string{"", "connected", "disconnected", "stale", "rotated"}

// String returns the state's name.
func (s State) String() string {
	if int(s) < len(stateNames) && s > 0 {
		return stateNames[s]
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}

// Sink receives what a market-data connection reads, on the goroutine running
// MarketData.Run. See the package doc for what each method means to the connection.
type Sink interface {
	// Frame hands over one data message of instrument i received at local (Unix ns).
	// An error counts the frame as malformed; the connection reads on.
	Frame(i instrument.Index, frame []byte, local int64) error
	// Snapshot hands over a snapshot body of instrument i; the book has taken it when
	// Snapshot returns.
	Snapshot(i instrument.Index, body []byte, local int64) error
	// NeedSnapshot reports whether instrument i's book waits for a snapshot.
	NeedSnapshot(i instrument.Index) bool
	// Reset marks instrument i's book out of sync.
	Reset(i instrument.Index)
	// State reports a change of the connection at local time now.
	State(s State, err error, now int64)
	// Idle runs the engine goroutine's idle work (or nothing, on another goroutine).
	Idle(now int64)
}

// RunOptions are how the session asks a connection to read.
type RunOptions struct {
	// BusyPoll: poll the socket without ever blocking, running Sink.Idle between polls.
	// Only the engine's own connection is asked to.
	BusyPoll bool
	// IdleInterval bounds the time between Sink.Idle calls; 0 means the venue's default
	// (2ms for Binance).
	IdleInterval time.Duration
}

// Counters are what a market-data connection has done; each only grows.
type Counters struct {
	Connects, Reconnects, DialFailures, Stale, Rotations uint64
	Frames, Malformed                                    uint64
	Snapshots, SnapshotFailures, Resyncs                 uint64
}

// MarketData is one venue's market-data connection serving some of the strategy's
// instruments. See the package doc for the contract.
type MarketData interface {
	// Name names the connection in logs, metrics and the summary ("binance-spot").
	Name() string
	// Instruments are the engine indexes of the instruments the connection serves.
	Instruments() []instrument.Index
	// Run reads until ctx is done, delivering to sink on the calling goroutine; it
	// returns nil when ctx ends and an error only when it cannot run at all.
	Run(ctx context.Context, sink Sink, opt RunOptions) error
	// Wake makes the goroutine in Run call sink.Idle as soon as it can. Any goroutine.
	Wake()
	// Counters returns the connection's counters. Any goroutine.
	Counters() Counters
}

// Supplementary is implemented by a market-data connection that may carry no book: one
// whose Supplementary() is true feeds instruments whose depth (and snapshots, and
// resets) another connection carries, as Binance USD-M's /market connection (trades,
// the mark price) beside its /public one (depth). It owns none of its instruments:
// each must still be on exactly one connection that is not supplementary.
type Supplementary interface {
	Supplementary() bool
}

// Answers receives a venue's answers to the engine's orders, on the engine's goroutine.
// *engine.Engine implements it.
type Answers interface {
	OnAck(id uint64, now int64)
	OnFill(id uint64, price, qty, fee int64, maker bool, now int64)
	OnCancelled(id uint64, now int64)
	OnRejected(id uint64, reason string, now int64)
}

// Gateway is one venue's order connection, started before New.
type Gateway interface {
	engine.Gateway
	// Drain hands the answers queued since the last call to a, on the engine's
	// goroutine, at local time now. It must not block or allocate.
	Drain(a Answers, now int64)
	// CancelAll cancels every working order of the session at the venue.
	CancelAll(ctx context.Context) error
	// Close closes the connection; its goroutines have ended when it returns.
	Close() error
}

// Waker wakes the engine's goroutine from any goroutine. It exists before the session
// does, so that gateways built before New can be given its Wake; New points it at the
// engine's connection. Its zero value is ready; Wake before New does nothing.
type Waker struct {
	md atomic.Pointer[wakeTarget]
}

type wakeTarget struct{ md MarketData }

// Wake makes the engine's goroutine run its idle work soon. It takes no lock and does
// not allocate.
func (w *Waker) Wake() {
	if t := w.md.Load(); t != nil {
		t.md.Wake()
	}
}

// Config is what a Session runs.
type Config struct {
	// Engine is the strategy's engine, built with its instruments' feeds
	// (engine.Config.NewFeed) and gateways (engine.Config.Gateways); not started.
	Engine *engine.Engine
	// MarketData are the market-data connections, each instrument on exactly one. The
	// first is read on the engine's goroutine.
	MarketData []MarketData
	// Gateways are the venues' order gateways, each once, for Drain and the teardown.
	Gateways []Gateway
	// Waker, if set, is pointed at the engine's connection (see Waker).
	Waker *Waker
	// Answers gets the gateways' answers; nil means the Engine. A caller counting fills
	// or recording answers puts itself in front of the engine here.
	Answers Answers
	// Frame handles every frame and snapshot; nil means Engine.OnFrameAt. A recorder
	// puts itself in front of the engine here.
	Frame func(i instrument.Index, frame []byte, local int64) error
	// OnIdle, if set, runs at the end of every idle pass on the engine's goroutine
	// (status lines, metrics).
	OnIdle func(now int64)
	// BusyPoll makes the engine's connection poll its socket (see RunOptions).
	BusyPoll bool
	// KeepWarm, with BusyPoll, runs Engine.Warm in every idle pass.
	KeepWarm bool
	// IdleInterval is passed to every connection (RunOptions.IdleInterval).
	IdleInterval time.Duration
	// RingSlots and SlotSize size each further connection's Ring; 0 means
	// DefaultSlots and DefaultSlotSize.
	RingSlots, SlotSize int
	Logger              zerolog.Logger
}

// Session runs one engine over its connections and gateways.
type Session struct {
	cfg     Config
	eng     *engine.Engine
	frame   func(i instrument.Index, frame []byte, local int64) error
	answers Answers
	log     zerolog.Logger
	rings   []*Ring       // one per further connection, in MarketData order from 1
	need    []atomic.Bool // by instrument: its feed needs a snapshot, as last seen by the engine's goroutine
	owner   []int         // by instrument: the connection serving it
	last    int64         // the latest local time handed to the engine

	running  atomic.Bool
	shutOnce sync.Once
}

// New checks cfg and returns a session ready to Run. On error it closes the gateways it
// was given: a failed start leaves nothing open.
func New(cfg Config) (*Session, error) {
	s, err := newSession(cfg)
	if err != nil {
		for _, g := range cfg.Gateways {
			if g != nil {
				g.Close()
			}
		}
		return nil, err
	}
	return s, nil
}

func newSession(cfg Config) (*Session, error) {
	if cfg.Engine == nil {
		return nil, errors.New("session: no engine")
	}
	if len(cfg.MarketData) == 0 {
		return nil, errors.New("session: no market-data connection")
	}
	n := cfg.Engine.Instruments().Len()
	s := &Session{cfg: cfg, eng: cfg.Engine, frame: cfg.Frame, answers: cfg.Answers,
		log:  cfg.Logger.With().Str("component", "session").Logger(),
		need: make([]atomic.Bool, n), owner: make([]int, n)}
	if s.frame == nil {
		s.frame = s.eng.OnFrameAt
	}
	if s.answers == nil {
		s.answers = s.eng
	}
	for i := range s.owner {
		s.owner[i] = -1
	}
	for k, m := range cfg.MarketData {
		if m == nil {
			return nil, fmt.Errorf("session: market-data connection %d is nil", k)
		}
		for _, i := range m.Instruments() {
			if int(i) >= n {
				return nil, fmt.Errorf("session: %s: instrument index %d out of range (%d instruments)", m.Name(), i, n)
			}
			if sup, ok := m.(Supplementary); ok && sup.Supplementary() {
				continue // carries no book: the instrument's owner is another connection
			}
			if o := s.owner[i]; o >= 0 {
				return nil, fmt.Errorf("session: instrument %s is on two connections (%s and %s)",
					s.eng.Instruments().At(i).ID, cfg.MarketData[o].Name(), m.Name())
			}
			s.owner[i] = k
		}
	}
	for i, o := range s.owner {
		if o < 0 {
			return nil, fmt.Errorf("session: instrument %s is on no market-data connection", s.eng.Instruments().At(instrument.Index(i)).ID)
		}
		if s.eng.FeedAt(instrument.Index(i)) == nil {
			return nil, fmt.Errorf("session: instrument %s has no feed (engine.Config.NewFeed)", s.eng.Instruments().At(instrument.Index(i)).ID)
		}
	}
	for _, g := range cfg.Gateways {
		if g == nil {
			return nil, errors.New("session: nil gateway")
		}
	}
	slots, size := cfg.RingSlots, cfg.SlotSize
	if slots == 0 {
		slots = DefaultSlots
	}
	if size == 0 {
		size = DefaultSlotSize
	}
	first := cfg.MarketData[0]
	for range cfg.MarketData[1:] {
		r, err := NewRing(slots, size, first.Wake)
		if err != nil {
			return nil, err
		}
		s.rings = append(s.rings, r)
	}
	s.publishNeeds()
	if cfg.Waker != nil {
		cfg.Waker.md.Store(&wakeTarget{md: first})
	}
	return s, nil
}

// Engine returns the session's engine.
func (s *Session) Engine() *engine.Engine { return s.eng }

// MarketData returns the session's connections.
func (s *Session) MarketData() []MarketData { return s.cfg.MarketData }

// Run starts the engine at the current time and runs it on the calling goroutine,
// reading the first connection, with the others on goroutines of their own, until ctx
// is done. It returns nil then, once every connection's goroutine has ended; an error
// means the engine could not start or a connection could not run.
func (s *Session) Run(ctx context.Context) error {
	if !s.running.CompareAndSwap(false, true) {
		return errors.New("session: already running")
	}
	if err := s.eng.Start(time.Now().UnixNano()); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	errs := make([]error, len(s.cfg.MarketData))
	opt := RunOptions{IdleInterval: s.cfg.IdleInterval}
	for k, m := range s.cfg.MarketData[1:] {
		r := s.rings[k]
		wg.Add(1)
		go func(opt RunOptions) {
			defer wg.Done()
			if err := m.Run(ctx, &ringSink{r: r, s: s}, opt); err != nil {
				errs[k+1] = fmt.Errorf("%s: %w", m.Name(), err)
				cancel() // one connection that cannot run stops the session: fail closed
			}
		}(opt)
	}
	opt.BusyPoll = s.cfg.BusyPoll
	err := s.cfg.MarketData[0].Run(ctx, direct{s}, opt)
	if err != nil {
		err = fmt.Errorf("%s: %w", s.cfg.MarketData[0].Name(), err)
	}
	cancel()
	for _, r := range s.rings {
		r.Stop() // no producer waits for an engine goroutine that is gone
	}
	wg.Wait()
	errs[0] = err
	err = errors.Join(errs...)
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		err = nil
	}
	return err
}

// Shutdown is the session's one teardown, the orderly end of a run: it stops trading
// (engine.Stop: no order is accepted after it, logged at Info as "trading stopped"; a
// halt that came first keeps its cause), cancels every working order at every venue,
// hands the venues' last answers to the engine (settle) and closes the gateways. Call
// it after Run has returned (or instead of Run); it is safe to call twice.
//
// The cancelling is done once. Each venue's cancel-all goes first, since it does not
// depend on the engine's view of what is open; when every one succeeded, the engine's
// own cancels of the same orders are held back while their confirmations arrive, so
// that no cancel goes out for an order already gone (which Binance refuses as unknown,
// -2011). An order still working once the venues have been quiet for cancelAllGrace
// (one the cancel-all missed: placed over another connection as it ran) is then
// cancelled by itself. When any cancel-all failed, the engine cancels every working
// order by itself at once, each cancel with the gateway's backoff and limit: fail
// closed.
func (s *Session) Shutdown() {
	s.shutOnce.Do(func() {
		s.eng.Stop()
		s.eng.HaltCause() // applied now: "trading stopped" logs the orders working at the stop
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		all := true
		for _, g := range s.cfg.Gateways {
			if err := g.CancelAll(ctx); err != nil {
				all = false
				s.log.Error().Err(err).Msg("cancel all at shutdown failed: cancelling each working order")
			}
		}
		sctx, scancel := context.WithTimeout(context.Background(), settleTimeout)
		defer scancel()
		s.settle(sctx, all)
		for _, g := range s.cfg.Gateways {
			g.Close()
		}
	})
}

// settleQuiet is how long the venues must stay silent, once no order is working, before
// the engine's account is taken as final: a fill may reach the engine on the venue's
// user-data connection after the cancel's answer on the order connection.
const settleQuiet = 250 * time.Millisecond

// cancelAllGrace is how long, after the venues' cancel-alls succeeded, orders may stay
// working with no answer arriving before the engine cancels them one by one: a
// cancel-all's confirmations come in one burst, so silence this long means they are
// not coming for these orders.
const cancelAllGrace = time.Second

// settleTimeout bounds settle.
const settleTimeout = 5 * time.Second

// settle hands the venues' last answers (fills that crossed the cancels, the cancels'
// confirmations) to the engine until no order is working and the venues have been
// quiet for settleQuiet, or ctx ends, so that the engine's final position and PnL are
// the venues'. With cancelled, every venue's cancel-all succeeded and the engine's own
// cancels are held back (see Shutdown); without, they go out at once. Run's goroutine
// has ended, so this goroutine now owns the engine.
func (s *Session) settle(ctx context.Context, cancelled bool) {
	held := cancelled
	if held {
		s.eng.HoldCancels()
	} else {
		s.eng.ReleaseCancels() // no answer may come to make the engine send them
	}
	defer func() {
		if held {
			s.eng.ReleaseCancels() // observes the stop, if nothing else did; nothing is working
		}
	}()
	quietSince := time.Now()
	fills, working := s.eng.Counters().Fills, s.working()
	for ctx.Err() == nil {
		now := time.Now()
		for _, g := range s.cfg.Gateways {
			g.Drain(s.answers, now.UnixNano())
		}
		if f, w := s.eng.Counters().Fills, s.working(); f != fills || w != working {
			fills, working, quietSince = f, w, now
		}
		if working == 0 && now.Sub(quietSince) >= settleQuiet {
			return
		}
		if held && working > 0 && now.Sub(quietSince) >= cancelAllGrace {
			held = false
			s.log.Warn().Int("working", working).Msg("orders still working after every venue's cancel-all: cancelling each")
			s.eng.ReleaseCancels()
		}
		time.Sleep(10 * time.Millisecond)
	}
	if working > 0 {
		s.log.Error().Int("working", working).Msg("orders still working at the venue after shutdown's cancels: check the venue")
	}
}

// working returns how many orders risk still counts as working on every instrument.
func (s *Session) working() int {
	n := 0
	for i := range s.eng.Instruments().Len() {
		n += s.eng.RiskAt(instrument.Index(i)).Working()
	}
	return n
}

// idle is the engine goroutine's idle work: the other connections' frames, the venues'
// answers, timers, then the owner's.
func (s *Session) idle(now int64) {
	for _, r := range s.rings {
		s.drain(r)
	}
	for _, g := range s.cfg.Gateways {
		g.Drain(s.answers, now)
	}
	s.eng.OnClock(now)
	if s.cfg.KeepWarm && s.cfg.BusyPoll {
		s.eng.Warm() // after the venue's answers, which must not wait for it
	}
	if s.cfg.OnIdle != nil {
		s.cfg.OnIdle(now)
	}
	if s.cfg.BusyPoll && len(s.rings) > 0 {
		// The poll loop holds its processor; the other connections' readers need one to
		// run on. Yielding at every idle pass bounds how long they wait for it when
		// every other processor is busy.
		runtime.Gosched()
	}
}

// drain handles what one ring holds, at most one ring's worth, so that the engine's own
// socket is not starved by a busy other one.
func (s *Session) drain(r *Ring) {
	for range len(r.slot) {
		sl := r.peek()
		if sl == nil {
			return
		}
		switch sl.kind {
		case slotFrame, slotSnapshot:
			if err := s.handle(sl.inst, sl.payload(), sl.local); err != nil {
				s.malformed(sl.inst, err)
			}
		case slotReset:
			s.eng.FeedAt(sl.inst).Reset()
			s.eng.OnClock(sl.local)
		case slotState:
			s.eng.OnClock(sl.local)
		}
		if sl.kind != slotState {
			s.need[sl.inst].Store(s.eng.FeedAt(sl.inst).NeedSnapshot())
		}
		r.release()
	}
}

// handle hands one frame to the engine. Each connection's local times never decrease,
// but a frame of another connection that waited in its ring may be older than the last
// one of the engine's own: engine time must not go back, so it is taken as no older.
func (s *Session) handle(i instrument.Index, frame []byte, local int64) error {
	if local < s.last {
		local = s.last
	}
	s.last = local
	return s.frame(i, frame, local)
}

// malformed notes a frame of another connection the engine refused; the connection that
// read it cannot count it, so it is logged here, sparsely.
func (s *Session) malformed(i instrument.Index, err error) {
	c := s.eng.Counters().Malformed
	if c <= 10 || c%1000 == 0 {
		s.log.Warn().Err(err).Stringer("instrument", s.eng.Instruments().At(i).ID).Msg("malformed frame skipped")
	}
}

func (s *Session) publishNeeds() {
	for i := range s.need {
		s.need[i].Store(s.eng.FeedAt(instrument.Index(i)).NeedSnapshot())
	}
}

// direct is the Sink of the engine's own connection: everything goes to the engine at
// once.
type direct struct{ s *Session }

func (d direct) Frame(i instrument.Index, frame []byte, local int64) error {
	return d.s.handle(i, frame, local)
}

func (d direct) Snapshot(i instrument.Index, body []byte, local int64) error {
	return d.s.handle(i, body, local)
}

func (d direct) NeedSnapshot(i instrument.Index) bool { return d.s.eng.FeedAt(i).NeedSnapshot() }

func (d direct) Reset(i instrument.Index) { d.s.eng.FeedAt(i).Reset() }

func (d direct) State(st State, err error, now int64) {
	d.s.eng.OnClock(now) // a book may have turned invalid: let risk and the strategy see it
}

func (d direct) Idle(now int64) { d.s.idle(now) }

// ringSink is the Sink of a further connection: everything goes through its Ring to the
// engine's goroutine, in order.
type ringSink struct {
	r *Ring
	s *Session
}

func (k *ringSink) Frame(i instrument.Index, frame []byte, local int64) error {
	if len(frame) <= len(k.r.slot[0].data) {
		k.r.push(slotFrame, i, frame, local, false)
		return nil
	}
	if seq, ok := k.r.push(slotFrame, i, frame, local, true); ok {
		k.r.waitDone(seq) // the frame is the connection's buffer: keep it until used
	}
	return nil
}

func (k *ringSink) Snapshot(i instrument.Index, body []byte, local int64) error {
	// By reference, and waited for: the book has taken it when this returns, so the
	// connection's NeedSnapshot right after it is current.
	if seq, ok := k.r.push(slotSnapshot, i, body, local, true); ok {
		k.r.waitDone(seq)
	}
	return nil
}

func (k *ringSink) NeedSnapshot(i instrument.Index) bool { return k.s.need[i].Load() }

func (k *ringSink) Reset(i instrument.Index) {
	// Seen at once by this connection (it must not fetch a snapshot for the old stream's
	// sake), and by the engine in order with the frames before it.
	k.s.need[i].Store(true)
	k.r.push(slotReset, i, nil, time.Now().UnixNano(), false)
}

func (k *ringSink) State(st State, err error, now int64) {
	k.r.push(slotState, 0, nil, now, false)
}

func (k *ringSink) Idle(int64) {}
