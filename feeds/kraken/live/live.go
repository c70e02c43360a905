// Package live owns the connection to Kraken's public WebSocket v2 for the books and
// trades of some instruments: it dials, subscribes each symbol's book (with its
// snapshot) and trades, hands every book and trade message to the engine's goroutine
// with the instrument it belongs to, resubscribes a book its feed has found invalid
// (a checksum mismatch), pings, replaces a silent connection, and reconnects with
// capped backoff.
//
// It never decodes a book (feeds/kraken does, on the engine's goroutine), never lets a
// book it can no longer vouch for look valid (every instrument is reset on connect and
// disconnect, so only a new verified snapshot makes it valid again), and never leaves a
// goroutine behind when Run returns.
//
// One reader goroutine owns the socket and copies each message into a preallocated
// ring of reusable slots; Run's goroutine, the engine's, takes them from the ring,
// routes them by their "symbol" and runs the idle work at least every IdleInterval.
// Kraken has no combined stream of the Binance kind, so the hop is the price of a
// blocking read that must not stop the engine's idle work; it allocates nothing once
// the slots have grown to the largest message.
package live

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	binlive "github.com/nanotick/nanotick/feeds/binance/live"
	"github.com/nanotick/nanotick/instrument"
	"github.com/rs/zerolog"
)

// Instrument is one instrument the connection serves: its engine index and its Kraken
// symbol ("BTC/USD").
type Instrument struct {
	Index  instrument.Index
	Symbol string
}

// Config is what a Conn needs.
type Config struct {
	// Name names the connection in logs and counters ("kraken").
	Name string
	// URL is the public WebSocket ("wss://ws.kraken.com/v2").
	URL         string
	Instruments []Instrument
	// Depth is the book depth subscribed (10, 25, 100, 500, 1000); 0 means 10, the
	// levels the checksum covers.
	Depth int
	// NoTrades leaves the trade channel unsubscribed.
	NoTrades bool
	// PingEvery is how often the connection pings; a connection silent for ReadTimeout
	// (Kraken sends a heartbeat every second) is replaced. 0 means 5s and 10s.
	PingEvery, ReadTimeout time.Duration
	// BackoffMin and BackoffMax bound the reconnect delay; 0 means 250ms and 10s.
	BackoffMin, BackoffMax time.Duration
	// ResubscribeEvery bounds how often one book is resubscribed; 0 means 1s.
	ResubscribeEvery time.Duration
	// DialTimeout bounds a dial; 0 means 10s.
	DialTimeout time.Duration
	// Slots is the ring's capacity in messages (a power of two); 0 means 1024.
	Slots  int
	Logger zerolog.Logger
}

// Sink receives what the connection reads, on the goroutine running Run (a session's
// engine goroutine): session.Sink's methods this venue uses.
type Sink interface {
	// Frame gets a book or trade message of instrument i received at local (Unix ns).
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
	log   zerolog.Logger
	slots []slot
	mask  uint64
	head  atomic.Uint64 // next slot to read (Run's goroutine)
	tail  atomic.Uint64 // next slot to write (reader)
	wake  chan struct{}
	sym   [][]byte // `"symbol":"BTC/USD"` per instrument, for routing

	cur      atomic.Pointer[binlive.Conn]
	lastRead atomic.Int64
	resubAt  []int64 // per instrument: when it was last resubscribed
	reqN     atomic.Uint64

	connects, reconnects, dialFailures, stale atomic.Uint64
	frames, malformed, resyncs, refusals      atomic.Uint64
}

// New returns a connection for cfg; it does not dial until Run.
func New(cfg Config) (*Conn, error) {
	if cfg.URL == "" || len(cfg.Instruments) == 0 {
		return nil, errors.New("kraken live: URL and instruments are required")
	}
	if cfg.Name == "" {
		cfg.Name = "kraken"
	}
	if cfg.Depth == 0 {
		cfg.Depth = 10
	}
	switch cfg.Depth {
	case 10, 25, 100, 500, 1000:
	default:
		return nil, fmt.Errorf("kraken live: depth %d: want 10, 25, 100, 500 or 1000", cfg.Depth)
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.PingEvery, 5*time.Second)
	def(&cfg.ReadTimeout, 2*cfg.PingEvery)
	def(&cfg.BackoffMin, 250*time.Millisecond)
	def(&cfg.BackoffMax, 10*time.Second)
	def(&cfg.ResubscribeEvery, time.Second)
	def(&cfg.DialTimeout, 10*time.Second)
	if cfg.Slots <= 0 {
		cfg.Slots = 1024
	}
	if cfg.Slots&(cfg.Slots-1) != 0 {
		return nil, fmt.Errorf("kraken live: %d slots: want a power of two", cfg.Slots)
	}
	c := &Conn{cfg: cfg, slots: make([]slot, cfg.Slots), mask: uint64(cfg.Slots - 1), wake: make(chan struct{}, 1),
		resubAt: make([]int64, len(cfg.Instruments)),
		log:     cfg.Logger.With().Str("component", "marketdata").Str("venue", cfg.Name).Logger()}
	for _, in := range cfg.Instruments {
		for i := 0; i < len(in.Symbol); i++ {
			if ch := in.Symbol[i]; ch == '"' || ch == '\\' || ch < 0x20 {
				return nil, fmt.Errorf("kraken live: symbol %q", in.Symbol)
			}
		}
		c.sym = append(c.sym, []byte(`"symbol":"`+in.Symbol+`"`))
	}
	return c, nil
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

// Counters returns the counters so far.
func (c *Conn) Counters() Counters {
	return Counters{Connects: c.connects.Load(), Reconnects: c.reconnects.Load(), DialFailures: c.dialFailures.Load(),
		Stale: c.stale.Load(), Frames: c.frames.Load(), Malformed: c.malformed.Load(), Resyncs: c.resyncs.Load(),
		Refusals: c.refusals.Load()}
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

var (
	keyChannel   = []byte(`"channel":"`)
	chanBook     = []byte(`"channel":"book"`)
	chanTrade    = []byte(`"channel":"trade"`)
	successFalse = []byte(`"success":false`)
)

// route sends a book or trade message to its instrument; other messages (heartbeat,
// status, pong, subscription answers) stay here, a refusal is logged.
func (c *Conn) route(sink Sink, b []byte, local int64) {
	if !bytes.Contains(b, keyChannel) {
		if bytes.Contains(b, successFalse) {
			n := c.refusals.Add(1)
			if n <= 10 || n%1000 == 0 {
				c.log.Warn().Bytes("answer", b[:min(len(b), 300)]).Msg("kraken refused a request")
			}
		}
		return
	}
	if !bytes.Contains(b, chanBook) && !bytes.Contains(b, chanTrade) {
		return
	}
	for k := range c.sym {
		if bytes.Contains(b, c.sym[k]) {
			c.frames.Add(1)
			if err := sink.Frame(c.cfg.Instruments[k].Index, b, local); err != nil {
				c.malformed.Add(1)
			}
			return
		}
	}
	c.malformed.Add(1)
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
			b := c.appendBook(nil, "unsubscribe", in.Symbol, false)
			b2 := c.appendBook(nil, "subscribe", in.Symbol, true)
			if cn.WriteText(b, now.Add(time.Second)) != nil || cn.WriteText(b2, now.Add(time.Second)) != nil {
				cn.Close()
				return
			}
			sink.Reset(in.Index)
		}
	}
	if now.Sub(time.Unix(0, c.lastRead.Load())) > c.cfg.ReadTimeout {
		c.stale.Add(1)
		c.log.Warn().Msg("market data silent: replacing the connection")
		cn.Close()
		return
	}
	if now.Sub(*lastPing) >= c.cfg.PingEvery {
		*lastPing = now
		b := strconv.AppendUint([]byte(`{"method":"ping","req_id":`), c.reqN.Add(1), 10)
		if cn.WriteText(append(b, '}'), now.Add(time.Second)) != nil {
			cn.Close()
		}
	}
}

// appendBook appends a book (un)subscribe request, as docs.kraken.com/api/docs/
// websocket-v2/book shows it.
func (c *Conn) appendBook(dst []byte, method, symbol string, snapshot bool) []byte {
	dst = append(dst, `{"method":"`...)
	dst = append(dst, method...)
	dst = append(dst, `","params":{"channel":"book","symbol":["`...)
	dst = append(dst, symbol...)
	dst = append(dst, `"],"depth":`...)
	dst = strconv.AppendInt(dst, int64(c.cfg.Depth), 10)
	if snapshot {
		dst = append(dst, `,"snapshot":true`...)
	}
	dst = append(dst, `},"req_id":`...)
	dst = strconv.AppendUint(dst, c.reqN.Add(1), 10)
	return append(dst, '}')
}

// reader dials, subscribes and reads until ctx ends, reconnecting with capped backoff.
func (c *Conn) reader(ctx context.Context) {
	attempt := 0
	for ctx.Err() == nil {
		if c.connects.Load() > 0 || attempt > 0 {
			t := time.NewTimer(backoff(c.cfg.BackoffMin, c.cfg.BackoffMax, attempt))
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
			continue
		}
		if c.connects.Add(1) > 1 {
			c.reconnects.Add(1)
		}
		attempt = 0
		c.lastRead.Store(time.Now().UnixNano())
		c.cur.Store(cn)
		c.push(ctx, evConnected, nil, nil)
		err = c.read(ctx, cn)
		c.cur.CompareAndSwap(cn, nil)
		cn.Close()
		if ctx.Err() != nil {
			return
		}
		c.log.Warn().Err(err).Msg("market data connection lost")
		c.push(ctx, evDisconnected, nil, err)
	}
}

func (c *Conn) subscribe(cn *binlive.Conn) error {
	deadline := time.Now().Add(c.cfg.DialTimeout)
	for _, in := range c.cfg.Instruments {
		if err := cn.WriteText(c.appendBook(nil, "subscribe", in.Symbol, true), deadline); err != nil {
			return err
		}
		if c.cfg.NoTrades {
			continue
		}
		b := []byte(`{"method":"subscribe","params":{"channel":"trade","symbol":["` + in.Symbol + `"],"snapshot":false},"req_id":`)
		b = strconv.AppendUint(b, c.reqN.Add(1), 10)
		if err := cn.WriteText(append(b, '}'), deadline); err != nil {
			return err
		}
	}
	return nil
}

// read copies messages into the ring until the connection fails.
func (c *Conn) read(ctx context.Context, cn *binlive.Conn) error {
	for {
		_, msg, err := cn.Next()
		if err != nil {
			return err
		}
		now := time.Now().UnixNano()
		c.lastRead.Store(now)
		if !c.push(ctx, 0, msg, nil) {
			return ctx.Err()
		}
	}
}

// push queues a message or an event for Run's goroutine, waiting while the ring is
// full (a dropped book message would only be caught by the next checksum); false when
// ctx ended meanwhile.
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

func backoff(lo, hi time.Duration, attempt int) time.Duration {
	d := lo
	for i := 0; i < attempt && d < hi; i++ {
		d *= 2
	}
	d = min(d, hi)
	return d/2 + rand.N(d/2+1)
}
