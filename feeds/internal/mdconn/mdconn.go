// Package mdconn owns the mechanism a venue's public market-data WebSocket connection
// shares with the other venues whose books come through a reader goroutine (Bybit,
// Kraken): dialing, sending the venue's subscriptions, one reader goroutine that copies
// every message into a preallocated ring of reusable slots, Run's loop on the engine's
// goroutine that takes them from the ring, routes them with the venue's router and runs
// the idle work at least every idle interval, resubscription of a book its feed found
// invalid (at most every ResubscribeEvery), pings, replacement of a silent connection,
// reconnection with capped and jittered backoff, and the counters.
//
// It never knows a venue's protocol: message shapes, topics, the ping and subscribe
// requests and how a refusal reads are the Protocol's, in the venue's own package
// (feeds/bybit/live, feeds/kraken/live), as are the ping interval and the silence
// allowed (a venue's rule). It never decodes a message (the engine's md.Feed does),
// never drops one (a full ring makes the reader wait: a lost delta costs a
// resubscription), never lets a book it can no longer vouch for look valid (every
// instrument is reset on connect and on loss, so only a new snapshot makes it valid
// again), and never leaves a goroutine behind when Run returns. It allocates nothing
// per message once the slots have grown to the largest message.
//
// feeds/binance/live does not use it: Binance's client reads its socket on the
// engine's goroutine itself (no ring hop), rotates connections and fetches REST
// snapshots, which this package has no part of.
package mdconn

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	binlive "github.com/nanotick/nanotick/feeds/binance/live"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/internal/backoff"
	"github.com/rs/zerolog"
)

// Instrument is one instrument a connection serves: its engine index and its venue
// symbol (for logs; the Protocol routes by it).
type Instrument struct {
	Index  instrument.Index
	Symbol string
}

// Route is what a message is, as the venue's Protocol reads it.
type Route uint8

// The routes.
const (
	// Other: a pong, heartbeat, status or subscription answer; nothing to hand on.
	Other Route = iota
	// Data: a message of instrument k, handed to Sink.Frame.
	Data
	// Refused: the venue refused a request; counted and logged, sparsely.
	Refused
	// Foreign: a data message of an instrument this connection does not serve;
	// counted (it is not malformed: the venue sent what it sends, to the wrong place).
	Foreign
)

// IDs numbers a connection's requests; every request takes the next number.
type IDs struct{ n atomic.Uint64 }

// Next returns the next request number, from 1. Any goroutine.
func (i *IDs) Next() uint64 { return i.n.Add(1) }

// Protocol is a venue's part of a connection: its requests and its routing. Subscribe
// runs on the reader goroutine, the others on Run's; none may block.
type Protocol interface {
	// Subscribe returns the requests to send, in order, after each dial.
	Subscribe(ids *IDs) [][]byte
	// Resubscribe returns the requests, in order, that bring instrument k (its
	// position in Config.Instruments) a fresh book snapshot.
	Resubscribe(k int, ids *IDs) [][]byte
	// Ping returns one application-level ping request.
	Ping(ids *IDs) []byte
	// Route says what msg is and, for Data, which instrument k it belongs to. It runs
	// on every message: it must not allocate.
	Route(msg []byte) (k int, r Route)
}

// Config is what a Conn needs.
type Config struct {
	// Name names the connection in logs ("bybit-linear").
	Name string
	// Venue names the venue in log messages ("bybit").
	Venue       string
	URL         string
	Instruments []Instrument
	// PingEvery is how often the connection pings; a connection silent for
	// ReadTimeout is replaced. Both are the venue's rule and must be set.
	PingEvery, ReadTimeout time.Duration
	// BackoffMin and BackoffMax bound the reconnect delay; 0 means 250ms and 10s.
	BackoffMin, BackoffMax time.Duration
	// ResubscribeEvery bounds how often one book is resubscribed; 0 means 1s.
	ResubscribeEvery time.Duration
	// DialTimeout bounds a dial and the subscription after it; 0 means 10s.
	DialTimeout time.Duration
	// Slots is the ring's capacity in messages (a power of two); 0 means 1024.
	Slots  int
	Logger zerolog.Logger
}

// Sink receives what the connection reads, on the goroutine running Run (a session's
// engine goroutine).
type Sink interface {
	// Frame gets a data message of instrument i received at local (Unix ns).
	Frame(i instrument.Index, frame []byte, local int64) error
	// NeedSnapshot says whether i's book waits for a resubscription.
	NeedSnapshot(i instrument.Index) bool
	// Reset marks i's book out of sync until its next snapshot.
	Reset(i instrument.Index)
	// Idle runs the engine goroutine's idle work.
	Idle(now int64)
}

// StateSink is a Sink that also hears of the connection's changes: up after a connect
// and subscribe, down (with why) after a loss. Every instrument has been reset then.
type StateSink interface {
	ConnState(up bool, err error, now int64)
}

// Counters are what a Conn has done; each only grows.
type Counters struct {
	Connects, Reconnects, DialFailures, Stale uint64
	Frames, Malformed, Resyncs, Refusals      uint64
	// Foreign are data messages of an instrument no one here subscribed to.
	Foreign uint64
}

// slot is one message in the ring, or a connection event when kind is not 0.
type slot struct {
	kind  uint8 // 0 a message, evConnected, evDisconnected
	local int64
	b     []byte
	err   error
}

const (
	evConnected = iota + 1
	evDisconnected
)

// Conn is one public connection serving some instruments.
type Conn struct {
	cfg   Config
	proto Protocol
	log   zerolog.Logger
	slots []slot
	mask  uint64
	head  atomic.Uint64 // next slot to read (Run's goroutine)
	tail  atomic.Uint64 // next slot to write (reader)
	wake  chan struct{}

	cur      atomic.Pointer[binlive.Conn]
	lastRead atomic.Int64
	resubAt  []int64 // per instrument: when it was last resubscribed
	ids      IDs

	connects, reconnects, dialFailures, stale atomic.Uint64
	frames, malformed, resyncs, refusals      atomic.Uint64
	foreign                                   atomic.Uint64
}

// New returns a connection for cfg speaking proto; it does not dial until Run.
func New(cfg Config, proto Protocol) (*Conn, error) {
	if cfg.URL == "" || len(cfg.Instruments) == 0 {
		return nil, errors.New("URL and instruments are required")
	}
	if cfg.PingEvery <= 0 || cfg.ReadTimeout <= 0 {
		return nil, errors.New("ping interval and read timeout are required")
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.BackoffMin, 250*time.Millisecond)
	def(&cfg.BackoffMax, 10*time.Second)
	def(&cfg.ResubscribeEvery, time.Second)
	def(&cfg.DialTimeout, 10*time.Second)
	if cfg.Slots <= 0 {
		cfg.Slots = 1024
	}
	if cfg.Slots&(cfg.Slots-1) != 0 {
		return nil, fmt.Errorf("%d slots: want a power of two", cfg.Slots)
	}
	return &Conn{cfg: cfg, proto: proto, slots: make([]slot, cfg.Slots), mask: uint64(cfg.Slots - 1),
		wake: make(chan struct{}, 1), resubAt: make([]int64, len(cfg.Instruments)),
		log: cfg.Logger.With().Str("component", "marketdata").Str("venue", cfg.Name).Logger()}, nil
}

// Name returns the connection's name.
func (c *Conn) Name() string { return c.cfg.Name }

// Instruments returns the engine indexes the connection serves.
func (c *Conn) Instruments() []instrument.Index {
	out := make([]instrument.Index, len(c.cfg.Instruments))
	for k, in := range c.cfg.Instruments {
		out[k] = in.Index
	}
	return out
}

// Wake cuts Run's wait short, from any goroutine: the idle work runs at once.
func (c *Conn) Wake() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// Counters returns the counters so far. Any goroutine.
func (c *Conn) Counters() Counters {
	return Counters{Connects: c.connects.Load(), Reconnects: c.reconnects.Load(), DialFailures: c.dialFailures.Load(),
		Stale: c.stale.Load(), Frames: c.frames.Load(), Malformed: c.malformed.Load(), Resyncs: c.resyncs.Load(),
		Refusals: c.refusals.Load(), Foreign: c.foreign.Load()}
}

// Run connects and serves sink until ctx ends, then returns nil with the reader
// stopped. idle bounds the time between Sink.Idle calls; 0 means 2ms.
func (c *Conn) Run(ctx context.Context, sink Sink, idle time.Duration) error {
	if idle <= 0 {
		idle = 2 * time.Millisecond
	}
	rctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); c.reader(rctx) }()
	defer func() {
		cancel()
		if cn := c.cur.Load(); cn != nil {
			cn.Close()
		}
		wg.Wait()
	}()
	t := time.NewTicker(idle)
	defer t.Stop()
	var lastPing time.Time
	for {
		c.dispatch(sink)
		now := time.Now()
		sink.Idle(now.UnixNano())
		c.maintain(sink, now, &lastPing)
		select {
		case <-ctx.Done():
			return nil
		case <-c.wake:
		case <-t.C:
		}
	}
}

// dispatch hands every queued message to sink. Run's goroutine.
func (c *Conn) dispatch(sink Sink) {
	for {
		h := c.head.Load()
		if h == c.tail.Load() {
			return
		}
		s := &c.slots[h&c.mask]
		switch s.kind {
		case evConnected, evDisconnected:
			for k := range c.cfg.Instruments {
				sink.Reset(c.cfg.Instruments[k].Index)
				c.resubAt[k] = s.local // the fresh subscription brings the snapshot
			}
			if st, ok := sink.(StateSink); ok {
				st.ConnState(s.kind == evConnected, s.err, s.local)
			}
		default:
			c.route(sink, s.b, s.local)
		}
		c.head.Store(h + 1)
		sink.Idle(s.local)
	}
}

// route hands a data message to its instrument and counts the others; a refusal is
// logged, sparsely (a venue refusing every request must not flood the log).
func (c *Conn) route(sink Sink, b []byte, local int64) {
	k, r := c.proto.Route(b)
	switch r {
	case Data:
		c.frames.Add(1)
		if err := sink.Frame(c.cfg.Instruments[k].Index, b, local); err != nil {
			c.malformed.Add(1)
		}
	case Refused:
		n := c.refusals.Add(1)
		if n <= 10 || n%1000 == 0 {
			c.log.Warn().Bytes("answer", b[:min(len(b), 300)]).Msg(c.cfg.Venue + " refused a request")
		}
	case Foreign:
		c.foreign.Add(1)
	}
}

// maintain resubscribes invalid books, pings, and replaces a silent connection. Run's
// goroutine.
func (c *Conn) maintain(sink Sink, now time.Time, lastPing *time.Time) {
	cn := c.cur.Load()
	if cn == nil {
		return
	}
	ns := now.UnixNano()
	for k, in := range c.cfg.Instruments {
		if sink.NeedSnapshot(in.Index) && ns-c.resubAt[k] >= int64(c.cfg.ResubscribeEvery) {
			c.resubAt[k] = ns
			c.resyncs.Add(1)
			c.log.Warn().Str("symbol", in.Symbol).Msg("book invalid: resubscribing")
			for _, req := range c.proto.Resubscribe(k, &c.ids) {
				if cn.WriteText(req, now.Add(time.Second)) != nil {
					c.drop(cn)
					return
				}
			}
			sink.Reset(in.Index)
		}
	}
	if now.Sub(time.Unix(0, c.lastRead.Load())) > c.cfg.ReadTimeout {
		c.stale.Add(1)
		c.log.Warn().Msg("market data silent: replacing the connection")
		c.drop(cn)
		return
	}
	if now.Sub(*lastPing) >= c.cfg.PingEvery {
		*lastPing = now
		if cn.WriteText(c.proto.Ping(&c.ids), now.Add(time.Second)) != nil {
			c.drop(cn)
		}
	}
}

// drop closes cn and forgets it at once, so that the idle passes before the reader
// notices the loss neither write to it nor count its silence again.
func (c *Conn) drop(cn *binlive.Conn) {
	c.cur.CompareAndSwap(cn, nil)
	cn.Close()
}

// reader dials, subscribes and reads until ctx ends, reconnecting with capped backoff.
// The backoff starts over only after a connection that delivered a message: a venue
// that accepts and subscribes, then drops the connection at once, is retried ever more
// slowly, never in a tight loop.
func (c *Conn) reader(ctx context.Context) {
	attempt := 0
	for ctx.Err() == nil {
		if c.connects.Load() > 0 || attempt > 0 {
			t := time.NewTimer(backoff.Delay(c.cfg.BackoffMin, c.cfg.BackoffMax, attempt))
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
		cn, err := binlive.Dial(ctx, c.cfg.URL, c.cfg.DialTimeout, 0)
		if err != nil {
			attempt++
			c.dialFailures.Add(1)
			c.log.Warn().Err(err).Int("attempt", attempt).Msg("market data dial failed")
			continue
		}
		if err := c.subscribe(cn); err != nil {
			cn.Close()
			attempt++
			c.dialFailures.Add(1)
			c.log.Warn().Err(err).Int("attempt", attempt).Msg("market data subscribe failed")
			continue
		}
		if c.connects.Add(1) > 1 {
			c.reconnects.Add(1)
		}
		c.lastRead.Store(time.Now().UnixNano())
		c.cur.Store(cn)
		c.push(ctx, evConnected, nil, nil)
		got, err := c.read(ctx, cn)
		c.cur.CompareAndSwap(cn, nil)
		cn.Close()
		if ctx.Err() != nil {
			return
		}
		if got {
			attempt = 0
		} else {
			attempt++
		}
		c.log.Warn().Err(err).Msg("market data connection lost")
		c.push(ctx, evDisconnected, nil, err)
	}
}

// subscribe sends the venue's subscriptions, all within DialTimeout.
func (c *Conn) subscribe(cn *binlive.Conn) error {
	deadline := time.Now().Add(c.cfg.DialTimeout)
	for _, req := range c.proto.Subscribe(&c.ids) {
		if err := cn.WriteText(req, deadline); err != nil {
			return fmt.Errorf("subscribe: %w", err)
		}
	}
	return nil
}

// read copies messages into the ring until the connection fails; got says whether it
// read any.
func (c *Conn) read(ctx context.Context, cn *binlive.Conn) (got bool, err error) {
	for {
		_, msg, err := cn.Next()
		if err != nil {
			return got, err
		}
		got = true
		c.lastRead.Store(time.Now().UnixNano())
		if !c.push(ctx, 0, msg, nil) {
			return got, ctx.Err()
		}
	}
}

// push queues a message or an event for Run's goroutine, waiting while the ring is
// full (a dropped message would cost a resubscription); false when ctx ended meanwhile.
func (c *Conn) push(ctx context.Context, kind uint8, b []byte, err error) bool {
	for {
		t := c.tail.Load()
		if t-c.head.Load() < uint64(len(c.slots)) {
			s := &c.slots[t&c.mask]
			s.kind, s.err, s.local = kind, err, time.Now().UnixNano()
			s.b = append(s.b[:0], b...)
			c.tail.Store(t + 1)
			c.Wake()
			return true
		}
		c.Wake()
		if ctx.Err() != nil {
			return false
		}
		time.Sleep(100 * time.Microsecond)
	}
}
