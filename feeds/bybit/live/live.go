// Package live owns one connection to Bybit v5's public WebSocket of one category
// (wss://stream.bybit.com/v5/public/spot or /linear) for the books, trades and tickers
// of some instruments: it dials, subscribes each symbol's topics (orderbook.N.SYMBOL,
// tickers.SYMBOL, publicTrade.SYMBOL; at most 10 per request, as spot requires), hands
// every message of those topics to the engine's goroutine with the instrument it
// belongs to, resubscribes a book its feed has found out of sequence (Bybit's only
// repair: a new subscription brings a new snapshot), sends {"op":"ping"} every 20 s as
// Bybit asks (v5/ws/connect), replaces a silent connection, and reconnects with capped
// backoff.
//
// It never decodes a book (feeds/bybit does, on the engine's goroutine), never lets a
// book it can no longer vouch for look valid (every instrument is reset on connect and
// disconnect, so only a new snapshot makes it valid again), and never leaves a
// goroutine behind when Run returns.
//
// One reader goroutine owns the socket and copies each message into a preallocated
// ring of reusable slots; Run's goroutine, the engine's, takes them from the ring,
// routes them by their "topic" and runs the idle work at least every idle interval.
// It allocates nothing once the slots have grown to the largest message. Its shape is
// feeds/kraken/live's, on purpose: both are session.MarketData.
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
	"github.com/nanotick/nanotick/feeds/bybit"
	"github.com/nanotick/nanotick/instrument"
	"github.com/rs/zerolog"
)

// Instrument is one instrument the connection serves: its engine index and its Bybit
// symbol ("BTCUSDT").
type Instrument struct {
	Index  instrument.Index
	Symbol string
}

// Config is what a Conn needs.
type Config struct {
	// Name names the connection in logs and counters ("bybit-linear").
	Name string
	// URL is the category's public WebSocket ("wss://stream.bybit.com/v5/public/linear").
	URL         string
	Instruments []Instrument
	// Depth is the orderbook topic's depth (1, 50, 200, 1000); 0 means
	// feeds/bybit's DefaultDepth, the depth its md.Feed keeps.
	Depth int
	// NoTrades leaves publicTrade unsubscribed; NoTickers leaves tickers unsubscribed
	// (a spot ticker carries nothing the engine uses).
	NoTrades, NoTickers bool
	// PingEvery is how often the connection pings; a connection silent for
	// ReadTimeout is replaced. 0 means Bybit's 20s and 50s.
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

// Counters are what a Conn has done; each only grows.
type Counters struct {
	Connects, Reconnects, DialFailures, Stale uint64
	Frames, Malformed, Resyncs, Refusals      uint64
	// Foreign are messages of a topic no instrument here subscribed to.
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
	cfg    Config
	log    zerolog.Logger
	slots  []slot
	mask   uint64
	head   atomic.Uint64 // next slot to read (Run's goroutine)
	tail   atomic.Uint64 // next slot to write (reader)
	wake   chan struct{}
	topics [][3][]byte // per instrument: `"topic":"orderbook.50.BTCUSDT"`, tickers, publicTrade

	cur      atomic.Pointer[binlive.Conn]
	lastRead atomic.Int64
	resubAt  []int64 // per instrument: when it was last resubscribed
	reqN     atomic.Uint64

	connects, reconnects, dialFailures, stale atomic.Uint64
	frames, malformed, resyncs, refusals      atomic.Uint64
	foreign                                   atomic.Uint64
}

// New returns a connection for cfg; it does not dial until Run.
func New(cfg Config) (*Conn, error) {
	if cfg.URL == "" || len(cfg.Instruments) == 0 {
		return nil, errors.New("bybit live: URL and instruments are required")
	}
	if cfg.Name == "" {
		cfg.Name = "bybit"
	}
	if cfg.Depth == 0 {
		cfg.Depth = bybit.DefaultDepth
	}
	switch cfg.Depth {
	case 1, 50, 200, 1000:
	default:
		return nil, fmt.Errorf("bybit live: depth %d: want 1, 50, 200 or 1000", cfg.Depth)
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.PingEvery, 20*time.Second)
	def(&cfg.ReadTimeout, 5*cfg.PingEvery/2)
	def(&cfg.BackoffMin, 250*time.Millisecond)
	def(&cfg.BackoffMax, 10*time.Second)
	def(&cfg.ResubscribeEvery, time.Second)
	def(&cfg.DialTimeout, 10*time.Second)
	if cfg.Slots <= 0 {
		cfg.Slots = 1024
	}
	if cfg.Slots&(cfg.Slots-1) != 0 {
		return nil, fmt.Errorf("bybit live: %d slots: want a power of two", cfg.Slots)
	}
	c := &Conn{cfg: cfg, slots: make([]slot, cfg.Slots), mask: uint64(cfg.Slots - 1), wake: make(chan struct{}, 1),
		resubAt: make([]int64, len(cfg.Instruments)),
		log:     cfg.Logger.With().Str("component", "marketdata").Str("venue", cfg.Name).Logger()}
	for _, in := range cfg.Instruments {
		for i := 0; i < len(in.Symbol); i++ {
			if ch := in.Symbol[i]; !(ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '-' || ch == '_') {
				return nil, fmt.Errorf("bybit live: symbol %q: Bybit symbols are upper-case letters and digits", in.Symbol)
			}
		}
		c.topics = append(c.topics, [3][]byte{
			[]byte(`"topic":"orderbook.` + strconv.Itoa(cfg.Depth) + "." + in.Symbol + `"`),
			[]byte(`"topic":"tickers.` + in.Symbol + `"`),
			[]byte(`"topic":"publicTrade.` + in.Symbol + `"`),
		})
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
		default:
			c.route(sink, s.b, s.local)
		}
		c.head.Store(h + 1)
		sink.Idle(s.local)
	}
}

var (
	keyTopic     = []byte(`"topic":"`)
	successFalse = []byte(`"success":false`)
)

// topicWindow is how far into a message its topic is looked for first: Bybit writes
// "topic" first, so the search rarely reads past it even in a 1000-level snapshot.
const topicWindow = 128

// route sends a message of an instrument's topic to it; other messages (pongs,
// subscription answers) stay here, a refusal is logged and counted.
func (c *Conn) route(sink Sink, b []byte, local int64) {
	head := b[:min(len(b), topicWindow)]
	if !bytes.Contains(head, keyTopic) {
		head = b
		if !bytes.Contains(b, keyTopic) {
			if bytes.Contains(b, successFalse) {
				n := c.refusals.Add(1)
				if n <= 10 || n%1000 == 0 {
					c.log.Warn().Bytes("answer", b[:min(len(b), 300)]).Msg("bybit refused a request")
				}
			}
			return
		}
	}
	for k := range c.topics {
		for _, t := range c.topics[k] {
			if bytes.Contains(head, t) {
				c.frames.Add(1)
				if err := sink.Frame(c.cfg.Instruments[k].Index, b, local); err != nil {
					c.malformed.Add(1)
				}
				return
			}
		}
	}
	c.foreign.Add(1) // a topic of no instrument here
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
			topic := c.topic(k, 0)
			b := bybit.AppendUnsubscribe(nil, c.reqN.Add(1), topic)
			b2 := bybit.AppendSubscribe(nil, c.reqN.Add(1), topic)
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
		if cn.WriteText(bybit.AppendPing(nil, c.reqN.Add(1)), now.Add(time.Second)) != nil {
			cn.Close()
		}
	}
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

// subscribe sends one subscribe request per instrument: its book, then its tickers and
// trades unless left out (three topics, within spot's ten per request). A topic the
// venue refuses is answered success false: counted and logged by route.
func (c *Conn) subscribe(cn *binlive.Conn) error {
	deadline := time.Now().Add(c.cfg.DialTimeout)
	for k := range c.cfg.Instruments {
		topics := []string{c.topic(k, 0)}
		if !c.cfg.NoTickers {
			topics = append(topics, c.topic(k, 1))
		}
		if !c.cfg.NoTrades {
			topics = append(topics, c.topic(k, 2))
		}
		if err := cn.WriteText(bybit.AppendSubscribe(nil, c.reqN.Add(1), topics...), deadline); err != nil {
			return err
		}
	}
	return nil
}

// topic returns instrument k's topic n (0 book, 1 tickers, 2 publicTrade).
func (c *Conn) topic(k, n int) string {
	t := c.topics[k][n]
	return string(t[len(keyTopic) : len(t)-1])
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
// full (a dropped delta would cost a resubscription); false when ctx ended meanwhile.
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
