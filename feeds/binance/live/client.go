package live

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/rs/zerolog"
)

// Syncer is the part of a feeds/binance Sync the client drives: it asks whether a REST
// snapshot is needed and resets it when the stream is broken. *binance.Sync implements it.
// It is called only on the reading goroutine, like the handler.
type Syncer interface {
	NeedSnapshot() bool
	Reset()
}

// State is a change in the connection the client reports to Config.OnState.
type State uint8

// The states reported to Config.OnState.
const (
	// StateConnected: a new connection is up. The Sync was reset and the book stays
	// invalid until a snapshot bridges the new stream.
	StateConnected State = iota + 1
	// StateDisconnected: the connection failed or was closed; the Sync was reset.
	StateDisconnected
	// StateStale: no message within Config.StaleAfter; the connection is dropped
	// and the Sync reset, as for a disconnect.
	StateStale
	// StateRotated: a planned switch to a connection opened beforehand; the Sync
	// is kept, and catches any gap itself.
	StateRotated
)

// String returns the state's name.
func (s State) String() string {
	switch s {
	case StateConnected:
		return "connected"
	case StateDisconnected:
		return "disconnected"
	case StateStale:
		return "stale"
	case StateRotated:
		return "rotated"
	}
	return "unknown"
}

// Config is what a Client needs. URL and Handler are required; everything else has a
// default.
type Config struct {
	// URL is the websocket URL to read, usually a combined stream built by StreamURL.
	URL string
	// RESTURL is the REST base ("https://api.binance.com") for depth snapshots, and
	// Symbol the symbol to ask for. Empty RESTURL or nil Sync: no snapshots.
	RESTURL string
	Symbol  string
	// SnapshotLimit is the depth asked for; 0 means 1000.
	SnapshotLimit int
	// SnapshotPath is the REST path of the depth snapshot: "/api/v3/depth" (Spot, the
	// default) or "/fapi/v1/depth" (USD-M futures).
	SnapshotPath string
	// Sync is the book sync the frames feed; the client resets it on every new or
	// lost connection and fetches a snapshot whenever it needs one.
	Sync Syncer
	// Handler gets every data frame and every snapshot body with its local receive
	// time (ns since the epoch), on the reading goroutine. The frame is valid only
	// during the call. An error counts the frame as malformed; reading goes on.
	Handler func(frame []byte, local int64) error
	// OnIdle, if set, runs on the reading goroutine after every data frame and at
	// least every IdleInterval while the feed is quiet or down, and promptly after
	// Wake: the place to drain the gateway's Ring and run timers.
	OnIdle func(now int64)
	// OnState, if set, is told of every connection change on the reading goroutine.
	OnState func(s State, err error, now int64)
	// IdleInterval bounds the time between OnIdle calls; 0 means 2ms.
	IdleInterval time.Duration
	// StaleAfter is how long without a data message makes the feed stale; 0 means
	// 10s, negative disables the check.
	StaleAfter time.Duration
	// RotateAfter is the age at which a connection is replaced by a fresh one,
	// opened first so no message is lost; 0 means 23h (Binance ends connections at
	// 24h), negative disables rotation.
	RotateAfter time.Duration
	// RotateOverlap is how long the old connection is still read after the new one
	// is up, so that it delivers everything published before the new one subscribed;
	// 0 means 2s. Depth events seen on both are dropped by the Sync as already
	// applied; trades and tickers of the overlap reach the handler twice if the old
	// connection lagged, so consumers that count trades dedupe by trade id.
	RotateOverlap time.Duration
	// BackoffMin and BackoffMax bound the reconnect and snapshot-refetch delays,
	// which double from BackoffMin up to BackoffMax, each drawn at random in
	// [d/2, d]; 0 means 100ms and 30s.
	BackoffMin, BackoffMax time.Duration
	// Rand returns numbers in [0, 1) for the jitter; nil means a PCG seeded by Seed.
	Rand func() float64
	Seed uint64
	// DialTimeout bounds the opening handshake; 0 means 10s.
	DialTimeout time.Duration
	// SnapshotTimeout bounds one snapshot request; 0 means 5s. SnapshotRetries is how
	// many attempts one fetch makes before it reports failure; 0 means 3.
	SnapshotTimeout time.Duration
	SnapshotRetries int
	// HTTPClient fetches snapshots; nil means a client with no overall timeout
	// (each request has SnapshotTimeout).
	HTTPClient *http.Client
	// MaxMessage is the largest message accepted; 0 means 16 MiB.
	MaxMessage int
	// Instruments, when set, makes the connection serve several instruments, as a
	// combined stream of several symbols does: each has its own symbol, Sync and depth
	// snapshots. Symbol, Sync and Handler are then unused: Route says which instrument
	// a data frame belongs to, Frame receives it with that instrument's position in
	// Instruments, and Snapshot receives each instrument's snapshot bodies. A frame
	// Route places nowhere (a subscription answer, a symbol not asked for) counts as
	// malformed. A reconnect resets every instrument's Sync: all of the connection's
	// books turn invalid together, and no other connection's.
	Instruments []Instrument
	Route       func(frame []byte) (int, bool)
	Frame       func(i int, frame []byte, local int64) error
	Snapshot    func(i int, body []byte, local int64) error
	// BusyPoll makes the reading goroutine poll the socket without ever blocking,
	// running the idle work between polls, instead of sleeping until data comes. It
	// takes a whole core, and saves every frame the wake-up of a sleeping goroutine (and
	// often core): tens of microseconds of tick-to-order. Unix only.
	BusyPoll bool
	// TLSConfig, if set, is used for wss URLs instead of the system's roots and the
	// URL's host name: for a venue or proxy with a private certificate authority.
	TLSConfig *tls.Config
	Logger    zerolog.Logger
}

// Instrument is one instrument of a connection that serves several (Config.Instruments).
type Instrument struct {
	// Symbol is the symbol its depth snapshots are asked for.
	Symbol string
	// Sync is its book's sync; nil: no snapshots for it.
	Sync Syncer
}

// Counters are what a Client has done. They are read atomically, from any goroutine.
type Counters struct {
	Connects         uint64 // connections opened, rotations included
	Reconnects       uint64 // connections lost and opened again
	DialFailures     uint64
	Stale            uint64 // connections dropped for silence
	Rotations        uint64 // planned switches to a fresh connection
	Frames           uint64 // data messages handed to Handler
	Malformed        uint64 // messages Handler refused, and binary messages
	Snapshots        uint64 // snapshots handed to Handler
	SnapshotFailures uint64 // fetches that failed after all their attempts
	Resyncs          uint64 // snapshots requested on a connection that already had one
	Wakes            uint64 // idle passes run
}

type counters struct {
	connects, reconnects, dialFailures, stale, rotations, frames, malformed atomic.Uint64
	snapshots, snapshotFailures, resyncs, wakes                             atomic.Uint64
}

var (
	errStale   = errors.New("live: feed stale")
	errRotate  = errors.New("live: rotating to a new connection")
	errStopped = errors.New("live: client stopped")
	// ErrRunning is returned by Run when the client is already running.
	ErrRunning = errors.New("live: client already running")
)

// Client reads one websocket feed for its owner. Run does the reading on the caller's
// goroutine; Start and Close run it on a goroutine of the client's own.
type Client struct {
	cfg       Config
	log       zerolog.Logger
	idleEvery time.Duration
	rnd       func() float64
	http      *http.Client

	running atomic.Bool
	stop    atomic.Bool // set once the Run context is done
	woken   atomic.Bool
	cur     atomic.Pointer[wakeConn] // the connection being read, for Wake
	next    atomic.Pointer[conn]     // a rotation's fresh connection, ready to switch to
	snapReq chan snapRequest         // snapshots wanted; capacity: one per instrument
	streak  atomic.Uint64

	cnt counters

	start time.Time // Client.mono's origin

	// Owned by the reading goroutine.
	fr        *frameReader
	gen       uint64 // connection generation: snapshots of an older one are dropped
	nextIdle  int64  // when the idle work is due, on the mono clock
	lastMsg   int64  // local time of the last data message
	lastLocal int64
	gotFrame  bool // the current connection has delivered a data message
	insts     []inst
	malLogged uint64

	// Start/Close.
	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
}

type conn struct {
	ws     *websocket.Conn
	wc     *wakeConn
	dialed time.Time
}

// inst is the client's state of one of its instruments.
type inst struct {
	symbol       string
	sync         Syncer
	snap         atomic.Pointer[snapResult]
	snapInflight bool
	hadSnapshot  bool // the current connection has had a snapshot of it
	gotFrame     bool // the current connection has delivered a message of it
}

type snapRequest struct {
	gen uint64 // connection generation wanting it
	i   int    // instrument
}

type snapResult struct {
	gen  uint64
	body []byte
	at   int64
	err  error
}

// New returns a client for cfg, or an error naming what is missing.
func New(cfg Config) (*Client, error) {
	if cfg.URL == "" {
		return nil, errors.New("live: config: URL is required")
	}
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("live: config: url: %w", err)
	}
	if u.Scheme != "ws" && u.Scheme != "wss" {
		return nil, fmt.Errorf("live: config: url scheme %q: want ws or wss", u.Scheme)
	}
	if len(cfg.Instruments) > 0 {
		if cfg.Route == nil || cfg.Frame == nil || cfg.Snapshot == nil {
			return nil, errors.New("live: config: Route, Frame and Snapshot are required with Instruments")
		}
		for i, in := range cfg.Instruments {
			if cfg.RESTURL != "" && in.Sync != nil && in.Symbol == "" {
				return nil, fmt.Errorf("live: config: instrument %d: Symbol is required for snapshots", i)
			}
		}
	} else {
		if cfg.Handler == nil {
			return nil, errors.New("live: config: Handler is required")
		}
		if cfg.RESTURL != "" && cfg.Symbol == "" {
			return nil, errors.New("live: config: Symbol is required for snapshots")
		}
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&cfg.IdleInterval, 2*time.Millisecond)
	def(&cfg.StaleAfter, 10*time.Second)
	def(&cfg.RotateAfter, 23*time.Hour)
	def(&cfg.RotateOverlap, 2*time.Second)
	def(&cfg.BackoffMin, 100*time.Millisecond)
	def(&cfg.BackoffMax, 30*time.Second)
	def(&cfg.DialTimeout, 10*time.Second)
	def(&cfg.SnapshotTimeout, 5*time.Second)
	if cfg.BackoffMax < cfg.BackoffMin {
		cfg.BackoffMax = cfg.BackoffMin
	}
	if cfg.SnapshotPath == "" {
		cfg.SnapshotPath = "/api/v3/depth"
	}
	if cfg.SnapshotLimit == 0 {
		cfg.SnapshotLimit = 1000
	}
	if cfg.SnapshotRetries <= 0 {
		cfg.SnapshotRetries = 3
	}
	if cfg.MaxMessage <= 0 {
		cfg.MaxMessage = 16 << 20
	}
	if cfg.BusyPoll && !busyPollSupported {
		return nil, errors.New("live: config: busy polling needs unix sockets")
	}
	c := &Client{cfg: cfg, log: cfg.Logger.With().Str("component", "live").Logger(),
		idleEvery: cfg.IdleInterval, http: cfg.HTTPClient, start: time.Now(),
		fr: newFrameReader(nil, 64<<10, cfg.MaxMessage)}
	if len(cfg.Instruments) > 0 {
		c.insts = make([]inst, len(cfg.Instruments))
		for i, in := range cfg.Instruments {
			c.insts[i].symbol, c.insts[i].sync = in.Symbol, in.Sync
		}
	} else {
		c.insts = []inst{{symbol: cfg.Symbol, sync: cfg.Sync}}
	}
	c.snapReq = make(chan snapRequest, len(c.insts))
	if c.cfg.BusyPoll && runtime.GOMAXPROCS(0) < 2 {
		// The poll loop would hold the only processor: the order gateway's reader, on
		// another goroutine, would run only when the scheduler preempts it, every 10 ms.
		c.log.Warn().Int("gomaxprocs", runtime.GOMAXPROCS(0)).Msg("busy polling needs two processors: reading the feed with blocking reads instead")
		c.cfg.BusyPoll = false
	}
	c.rnd = cfg.Rand
	if c.rnd == nil {
		c.rnd = rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)).Float64
	}
	if c.http == nil {
		c.http = &http.Client{}
	}
	return c, nil
}

// Counters returns the counters so far.
func (c *Client) Counters() Counters {
	k := &c.cnt
	return Counters{Connects: k.connects.Load(), Reconnects: k.reconnects.Load(),
		DialFailures: k.dialFailures.Load(), Stale: k.stale.Load(), Rotations: k.rotations.Load(),
		Frames: k.frames.Load(), Malformed: k.malformed.Load(), Snapshots: k.snapshots.Load(),
		SnapshotFailures: k.snapshotFailures.Load(), Resyncs: k.resyncs.Load(), Wakes: k.wakes.Load()}
}

// Wake makes the reading goroutine run its idle work (OnIdle, snapshot delivery) as soon
// as it is between frames, instead of at the next idle interval. It is safe from any
// goroutine, takes no lock and does not allocate: the order gateway's reader calls it
// after pushing into the Ring.
func (c *Client) Wake() {
	c.woken.Store(true)
	if c.cfg.BusyPoll {
		return // the poll loop checks woken between polls
	}
	if w := c.cur.Load(); w != nil {
		_ = w.Conn.SetReadDeadline(pastDeadline)
	}
}

// RequestSnapshot resets the Sync so that a fresh snapshot is fetched and delivered, as
// the recorder does at the start of every file so that each file replays on its own. It
// is not counted or logged as a resync. Only the reading goroutine (the handler or
// OnIdle) may call it.
func (c *Client) RequestSnapshot() {
	for i := range c.insts {
		in := &c.insts[i]
		if in.sync != nil {
			in.sync.Reset()
		}
		in.hadSnapshot = false
	}
}

// resetSyncs resets every instrument's Sync: the connection's books turn invalid.
func (c *Client) resetSyncs() {
	for i := range c.insts {
		if s := c.insts[i].sync; s != nil {
			s.Reset()
		}
	}
}

// snapshotting reports whether the client fetches snapshots at all.
func (c *Client) snapshotting() bool {
	if c.cfg.RESTURL == "" {
		return false
	}
	for i := range c.insts {
		if c.insts[i].sync != nil {
			return true
		}
	}
	return false
}

// Start runs the client on a goroutine of its own until Close or until ctx is done.
func (c *Client) Start(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done != nil {
		return ErrRunning
	}
	ctx, c.cancel = context.WithCancel(ctx)
	c.done = make(chan struct{})
	go func() {
		defer close(c.done)
		if err := c.Run(ctx); err != nil {
			c.log.Error().Err(err).Msg("feed client stopped")
		}
	}()
	return nil
}

// Close stops a client started with Start and waits until its goroutines have ended.
func (c *Client) Close() error {
	c.mu.Lock()
	cancel, done := c.cancel, c.done
	c.mu.Unlock()
	if cancel == nil {
		return nil
	}
	cancel()
	<-done
	return nil
}

// Run reads the feed on the calling goroutine until ctx is done, reconnecting as needed,
// and returns nil then; every goroutine it started has ended by the time it returns.
func (c *Client) Run(ctx context.Context) error {
	if !c.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	defer c.running.Store(false)
	c.stop.Store(false)
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait() // runs after cancel: deferred calls run last-in first-out
	defer cancel()
	stopAfter := context.AfterFunc(ctx, func() { c.stop.Store(true); c.Wake() })
	defer stopAfter()
	defer func() {
		if nc := c.next.Swap(nil); nc != nil {
			nc.ws.Close()
		}
	}()
	if c.snapshotting() {
		wg.Add(1)
		go func() { defer wg.Done(); c.fetcher(ctx) }()
	}

	attempt := 0
	var cn *conn
	fresh := true
	for {
		if c.stop.Load() {
			return nil
		}
		if cn == nil {
			var err error
			cn, err = c.dialIdle(ctx)
			if err != nil {
				if c.stop.Load() {
					return nil
				}
				c.cnt.dialFailures.Add(1)
				d := c.backoff(attempt)
				attempt++
				c.log.Warn().Err(err).Stringer("retry_in", d).Int("attempt", attempt).Msg("feed dial failed")
				c.wait(d)
				continue
			}
			c.cnt.connects.Add(1)
			fresh = true
		}
		rctx, rcancel := context.WithCancel(ctx)
		if c.cfg.RotateAfter > 0 {
			wg.Add(1)
			go func(after time.Duration) { defer wg.Done(); c.rotateLater(rctx, after) }(c.cfg.RotateAfter - time.Since(cn.dialed))
		}
		err := c.serve(cn, fresh)
		rcancel()
		c.cur.Store(nil)
		now := time.Now().UnixNano()
		switch {
		case c.stop.Load():
			_ = cn.ws.WriteControl(websocket.CloseMessage,
				websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
			cn.ws.Close()
			return nil
		case errors.Is(err, errRotate):
			nc := c.next.Swap(nil)
			cn.ws.Close()
			cn, fresh = nc, false
			if cn == nil {
				continue
			}
			c.cnt.rotations.Add(1)
			c.log.Info().Msg("feed connection rotated")
			c.state(StateRotated, nil, now)
			continue
		}
		cn.ws.Close()
		cn = nil
		if c.gotFrame {
			attempt = 0
		}
		c.gotFrame = false // no snapshot requests until the next connection delivers
		for i := range c.insts {
			c.insts[i].gotFrame = false
		}
		// The books must stop looking valid at once, not when the next connection is up.
		c.resetSyncs()
		c.cnt.reconnects.Add(1)
		d := c.backoff(attempt)
		attempt++
		if errors.Is(err, errStale) {
			c.cnt.stale.Add(1)
			c.log.Warn().Stringer("silence", c.cfg.StaleAfter).Stringer("retry_in", d).Msg("feed stale: reconnecting, book invalid until resync")
			c.state(StateStale, err, now)
		} else {
			c.log.Warn().Err(err).Stringer("retry_in", d).Msg("feed disconnected: reconnecting, book invalid until resync")
			c.state(StateDisconnected, err, now)
		}
		c.wait(d)
	}
}

// serve reads cn until it fails, the client stops or a rotation is ready.
func (c *Client) serve(cn *conn, fresh bool) error {
	now := time.Now().UnixNano()
	c.fr.reset(cn.wc)
	c.lastMsg = now
	c.cur.Store(cn.wc)
	if fresh {
		c.gen++
		c.gotFrame = false
		for i := range c.insts {
			in := &c.insts[i]
			in.snapInflight, in.hadSnapshot, in.gotFrame = false, false, false
		}
		c.resetSyncs()
		c.log.Info().Uint64("connection", c.gen).Msg("feed connected")
		c.state(StateConnected, nil, now)
	}
	for {
		op, p, err := c.fr.next()
		if err != nil {
			return err
		}
		now := time.Now().UnixNano()
		switch op {
		case opText:
			c.lastMsg, c.gotFrame = now, true
			if now < c.lastLocal {
				now = c.lastLocal // local times never go back, whatever the wall clock does
			}
			c.lastLocal = now
			c.cnt.frames.Add(1)
			if err := c.handle(p, now); err != nil {
				c.malformed(err)
			}
			c.idle(now)
			if err := c.check(now); err != nil {
				return err
			}
		case opBinary:
			// Binance sends text only; a binary message is not a frame the decoder knows.
			c.lastMsg = now
			c.malformed(errors.New("binary message"))
		case opPing:
			// Binance closes a connection that does not answer its pings (spot: a ping
			// every 20s, pong due within a minute): answer at once with the same payload.
			if err := cn.ws.WriteControl(websocket.PongMessage, p, time.Now().Add(time.Second)); err != nil {
				return fmt.Errorf("live: pong: %w", err)
			}
		case opPong:
		case opClose:
			code, text := websocket.CloseNoStatusReceived, ""
			if len(p) >= 2 {
				code, text = int(p[0])<<8|int(p[1]), string(p[2:])
			}
			_ = cn.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, ""), time.Now().Add(time.Second))
			return fmt.Errorf("live: server closed the connection: code %d %q", code, text)
		}
	}
}

// errUnrouted is the error of a data frame of none of a connection's instruments.
var errUnrouted = errors.New("live: frame of no instrument of this connection")

// handle hands a data frame to the owner: to Handler, or to Frame with its instrument.
func (c *Client) handle(p []byte, now int64) error {
	if len(c.cfg.Instruments) == 0 {
		c.insts[0].gotFrame = true
		return c.cfg.Handler(p, now)
	}
	i, ok := c.cfg.Route(p)
	if !ok || i < 0 || i >= len(c.insts) {
		return errUnrouted
	}
	c.insts[i].gotFrame = true
	return c.cfg.Frame(i, p, now)
}

// check reports why reading must stop: the client stops, the feed went stale, or a
// rotation is ready. It runs before every blocking read, so it stays cheap: atomics and
// one comparison.
func (c *Client) check(now int64) error {
	if c.stop.Load() {
		return errStopped
	}
	if c.cfg.StaleAfter > 0 && now-c.lastMsg > int64(c.cfg.StaleAfter) {
		return errStale
	}
	if c.next.Load() != nil {
		return errRotate
	}
	return nil
}

// mono returns the time since the client was made, on the steady clock, which no
// change of the wall clock moves: what the idle interval is measured on.
func (c *Client) mono() int64 { return int64(time.Since(c.start)) }

// idle runs the owner's idle work and delivers or requests snapshots.
func (c *Client) idle(now int64) {
	c.cnt.wakes.Add(1)
	c.woken.Store(false)
	c.nextIdle = c.mono() + int64(c.idleEvery)
	if c.cfg.RESTURL != "" {
		for i := range c.insts {
			if c.insts[i].sync != nil {
				c.snapshots(i, now)
			}
		}
	}
	if c.cfg.OnIdle != nil {
		c.cfg.OnIdle(now)
	}
}

// snapshots hands a fetched snapshot to the handler and asks for one when the Sync
// needs it. Only the reading goroutine calls it.
func (c *Client) snapshots(i int, now int64) {
	in := &c.insts[i]
	if r := in.snap.Swap(nil); r != nil {
		if r.gen == c.gen {
			in.snapInflight = false
		}
		switch {
		case r.gen != c.gen:
			// Fetched for a connection that is gone: events buffered since the reset may
			// not reach back to it. The current connection's request, if any, is still
			// queued behind it.
		case r.err != nil:
			c.cnt.snapshotFailures.Add(1)
			c.streak.Add(1)
			c.log.Warn().Err(r.err).Str("symbol", in.symbol).Msg("depth snapshot failed; will retry after backoff")
		default:
			local := max(r.at, c.lastLocal)
			c.lastLocal = local
			c.cnt.snapshots.Add(1)
			in.hadSnapshot = true
			var err error
			if len(c.cfg.Instruments) > 0 {
				err = c.cfg.Snapshot(i, r.body, local)
			} else {
				err = c.cfg.Handler(r.body, local)
			}
			if err != nil {
				c.malformed(err)
			}
			if in.sync.NeedSnapshot() {
				c.streak.Add(1)
				c.log.Warn().Str("symbol", in.symbol).Msg("depth snapshot did not bridge the stream; fetching another")
			} else {
				c.streak.Store(0)
				c.log.Info().Str("symbol", in.symbol).Msg("book in sync")
			}
		}
	}
	if in.snapInflight || !in.gotFrame || !in.sync.NeedSnapshot() {
		return
	}
	// Binance's procedure: open the stream, buffer its events, then fetch the snapshot;
	// so nothing is asked for before the connection has delivered a message of the
	// instrument.
	select {
	case c.snapReq <- snapRequest{gen: c.gen, i: i}:
		in.snapInflight = true
		if in.hadSnapshot {
			c.cnt.resyncs.Add(1)
			c.log.Warn().Str("symbol", in.symbol).Msg("depth sequence lost: resyncing with a new snapshot")
		}
	default:
	}
}

func (c *Client) malformed(err error) {
	n := c.cnt.malformed.Add(1)
	// Logged sparsely: a venue sending garbage must not turn into a log flood.
	if n <= 10 || n%1000 == 0 {
		c.log.Warn().Err(err).Uint64("malformed", n).Msg("malformed frame skipped")
	}
}

func (c *Client) state(s State, err error, now int64) {
	if c.cfg.OnState != nil {
		c.cfg.OnState(s, err, now)
	}
}

// backoff returns the delay before retry number attempt (from 0): doubling from
// BackoffMin, capped at BackoffMax, drawn in [d/2, d] so that many clients cut off
// together do not come back together.
func (c *Client) backoff(attempt int) time.Duration {
	d := c.cfg.BackoffMin
	for i := 0; i < attempt && d < c.cfg.BackoffMax; i++ {
		d *= 2
	}
	d = min(d, c.cfg.BackoffMax)
	return d/2 + time.Duration(c.rnd()*float64(d/2))
}

// wait sleeps d in idle-interval steps, running the idle work meanwhile: the engine keeps
// draining the gateway's answers while the feed is down.
func (c *Client) wait(d time.Duration) {
	end := time.Now().Add(d)
	for !c.stop.Load() {
		left := time.Until(end)
		if left <= 0 {
			return
		}
		time.Sleep(min(left, c.idleEvery))
		c.idle(time.Now().UnixNano())
	}
}

// dialIdle dials on a goroutine of its own and runs the idle work meanwhile, every idle
// interval, so that what the owner does there (a session's other connections' frames,
// the order gateway's answers, timers) never waits for a handshake, which may take
// DialTimeout.
func (c *Client) dialIdle(ctx context.Context) (*conn, error) {
	type result struct {
		cn  *conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		cn, err := c.dial(ctx)
		ch <- result{cn, err}
	}()
	for {
		select {
		case r := <-ch:
			return r.cn, r.err
		case <-time.After(c.idleEvery):
			c.idle(time.Now().UnixNano())
		}
	}
}

// dial opens a connection whose reads do the client's idle work.
func (c *Client) dial(ctx context.Context) (*conn, error) {
	ws, wc, err := dialWS(ctx, c.cfg.URL, c.cfg.DialTimeout, c)
	if err != nil {
		return nil, err
	}
	return &conn{ws: ws, wc: wc, dialed: time.Now()}, nil
}

// dialWS opens a websocket to u: gorilla does the handshake over a wakeConn, which is
// returned armed, and bound to owner (nil: plain blocking reads).
func dialWS(ctx context.Context, u string, timeout time.Duration, owner *Client) (*websocket.Conn, *wakeConn, error) {
	var wc *wakeConn
	var pc *pollConn
	wrap := func(nc net.Conn) net.Conn {
		wc = &wakeConn{Conn: nc, c: owner}
		return wc
	}
	var nd net.Dialer
	// gorilla bounds its wait for the HTTP upgrade response by the context's deadline
	// only, not by its cancellation: closing the socket when ctx is done is what makes
	// a stop or a Close during a hung handshake return at once.
	var mu sync.Mutex
	var sock net.Conn
	cancelled := false
	stop := context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		cancelled = true
		if sock != nil {
			sock.Close()
		}
	})
	defer stop()
	// dialTCP opens the socket, under a pollConn if the owner busy-polls: below TLS, so
	// that TLS decrypts what the poll loop reads.
	dialTCP := func(ctx context.Context, network, addr string) (net.Conn, error) {
		nc, err := nd.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		mu.Lock()
		sock = nc
		gone := cancelled
		mu.Unlock()
		if gone {
			nc.Close()
			return nil, context.Canceled
		}
		if owner == nil || !owner.cfg.BusyPoll {
			return nc, nil
		}
		if pc, err = newPollConn(nc, owner); err != nil {
			nc.Close()
			return nil, err
		}
		return pc, nil
	}
	d := websocket.Dialer{
		HandshakeTimeout: timeout,
		NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			nc, err := dialTCP(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return wrap(nc), nil
		},
		// TLS is done here, under the wakeConn's caller, so that gorilla's handshake
		// reads go through the wakeConn one byte at a time over TLS too.
		NetDialTLSContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			nc, err := dialTCP(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			host, _, _ := net.SplitHostPort(addr)
			cfg := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
			if owner != nil && owner.cfg.TLSConfig != nil {
				cfg = owner.cfg.TLSConfig.Clone()
				if cfg.ServerName == "" {
					cfg.ServerName = host
				}
				// A websocket is an HTTP/1.1 upgrade: a config made for net/http offers
				// h2 too, and a server that picks it cannot be spoken to.
				cfg.NextProtos = nil
			}
			tc := tls.Client(nc, cfg)
			if err := tc.HandshakeContext(ctx); err != nil {
				nc.Close()
				return nil, err
			}
			return wrap(tc), nil
		},
	}
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ws, resp, err := d.DialContext(dctx, u, nil)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		if resp != nil {
			return nil, nil, fmt.Errorf("live: dial %s: %w (http status %d)", redact(u), err, resp.StatusCode)
		}
		return nil, nil, fmt.Errorf("live: dial %s: %w", redact(u), err)
	}
	if !stop() {
		// ctx ended as the handshake finished: the socket may be closed already.
		ws.Close()
		return nil, nil, fmt.Errorf("live: dial %s: %w", redact(u), context.Cause(ctx))
	}
	wc.armed.Store(true)
	if pc != nil {
		wc.poll = pc
		pc.armed.Store(true)
	}
	return ws, wc, nil
}

// redact drops a URL's query and user info: they are no business of a log line.
func redact(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(unparsable url)"
	}
	p.RawQuery, p.User = "", nil
	return p.String()
}

// rotateLater opens a fresh connection after a delay and offers it to the reader, which
// switches at its next frame boundary or idle pass.
func (c *Client) rotateLater(ctx context.Context, after time.Duration) {
	t := time.NewTimer(max(after, 0))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return
	case <-t.C:
	}
	nc, err := c.dial(ctx)
	if err != nil {
		// The old connection keeps serving; if it ends, the normal reconnect takes over.
		c.log.Warn().Err(err).Msg("feed rotation: dial failed; keeping the current connection")
		return
	}
	t.Reset(c.cfg.RotateOverlap)
	select {
	case <-ctx.Done():
		nc.ws.Close()
		return
	case <-t.C:
	}
	if ctx.Err() != nil || !c.next.CompareAndSwap(nil, nc) {
		nc.ws.Close()
		return
	}
	c.cnt.connects.Add(1)
	c.Wake()
}

// fetcher fetches depth snapshots on request, one at a time, backing off when they keep
// failing or keep failing to bridge the stream.
func (c *Client) fetcher(ctx context.Context) {
	for {
		var req snapRequest
		select {
		case <-ctx.Done():
			return
		case req = <-c.snapReq:
		}
		if s := c.streak.Load(); s > 0 {
			d := c.backoff(int(s - 1))
			t := time.NewTimer(d)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
		body, err := c.fetch(ctx, c.insts[req.i].symbol)
		if ctx.Err() != nil {
			return
		}
		c.insts[req.i].snap.Store(&snapResult{gen: req.gen, body: body, at: time.Now().UnixNano(), err: err})
		c.Wake()
	}
}

// fetch gets one snapshot body, trying up to SnapshotRetries times.
func (c *Client) fetch(ctx context.Context, symbol string) ([]byte, error) {
	u := strings.TrimRight(c.cfg.RESTURL, "/") + c.cfg.SnapshotPath + "?symbol=" + url.QueryEscape(symbol) +
		"&limit=" + fmt.Sprint(c.cfg.SnapshotLimit)
	var err error
	for i := 0; i < c.cfg.SnapshotRetries; i++ {
		if i > 0 {
			t := time.NewTimer(c.backoff(i - 1))
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, ctx.Err()
			case <-t.C:
			}
		}
		var body []byte
		body, err = c.fetchOnce(ctx, u)
		if err == nil {
			return body, nil
		}
		c.log.Debug().Err(err).Int("attempt", i+1).Msg("depth snapshot attempt failed")
	}
	return nil, fmt.Errorf("live: depth snapshot after %d attempts: %w", c.cfg.SnapshotRetries, err)
}

func (c *Client) fetchOnce(ctx context.Context, u string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.SnapshotTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, int64(c.cfg.MaxMessage)+1))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("http status %d: %.200s", resp.StatusCode, body)
	}
	if len(body) > c.cfg.MaxMessage {
		return nil, fmt.Errorf("body over %d bytes", c.cfg.MaxMessage)
	}
	// A frame is one line in a recording and one JSON value for the decoder: compact
	// away any newlines a server's formatting put in.
	var buf bytes.Buffer
	if err := json.Compact(&buf, body); err != nil {
		return nil, fmt.Errorf("body is not JSON: %w", err)
	}
	return buf.Bytes(), nil
}

// StreamURL returns the combined-stream URL for symbol's streams on base
// ("wss://stream.binance.com:9443"): base/stream?streams=btcusdt@trade/btcusdt@bookTicker.
// Stream names are given without the symbol ("depth@100ms", "trade", "bookTicker").
func StreamURL(base, symbol string, streams ...string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("live: stream url: %w", err)
	}
	if u.Scheme != "ws" && u.Scheme != "wss" {
		return "", fmt.Errorf("live: stream url scheme %q: want ws or wss", u.Scheme)
	}
	if symbol == "" || strings.ContainsAny(symbol, "/@?&= ") {
		return "", fmt.Errorf("live: stream url: bad symbol %q", symbol)
	}
	if len(streams) == 0 {
		return "", errors.New("live: stream url: no streams")
	}
	sym := strings.ToLower(symbol)
	var b strings.Builder
	b.WriteString(strings.TrimRight(base, "/"))
	if !strings.HasSuffix(u.Path, "/stream") {
		b.WriteString("/stream")
	}
	b.WriteString("?streams=")
	for i, s := range streams {
		if s == "" || strings.ContainsAny(s, "/?&= ") {
			return "", fmt.Errorf("live: stream url: bad stream %q", s)
		}
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(sym + "@" + s)
	}
	return b.String(), nil
}
