package kraken

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nanotick/nanotick/feeds/binance/live"
	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/internal/backoff"
	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/risk"
	"github.com/rs/zerolog"
)

// Errors Place, Amend and Cancel return; the engine counts them as send failures.
var (
	ErrNotConnected  = errors.New("kraken gateway: not connected to the venue")
	ErrTooManyOrders = errors.New("kraken gateway: order table full")
	ErrClosed        = errors.New("kraken gateway: closed")
	// ErrGaveUp is every request after the reconnects ran out (Config.MaxReconnects):
	// the gateway no longer trades.
	ErrGaveUp = errors.New("kraken gateway: reconnects exhausted: trading stopped")
	// ErrUnknownOrder is an amend of an order that is not live.
	ErrUnknownOrder = errors.New("kraken gateway: no such live order")
)

// Config is what a Gateway needs.
type Config struct {
	// RESTURL is the REST API's base ("https://api.kraken.com"), where WebSocket
	// tokens come from; WSURL the private WebSocket ("wss://ws-auth.kraken.com/v2").
	RESTURL, WSURL string
	// Symbol ("BTC/USD"), its assets, and the instrument's scales (price_precision,
	// qty_precision).
	Symbol, BaseAsset, QuoteAsset string
	PriceScale, QtyScale          fixed.Scale
	// Credentials sign the token request; load them with CredentialsFromEnv, never from
	// a config file in plain text.
	Credentials Credentials
	// Prefix starts every cl_ord_id, followed by the engine's order id in base 36; it
	// must be unique per session. Empty means "n" and 4 random characters.
	Prefix string
	// CancelOpenOnStart makes Start cancel open orders it finds on the account
	// (cancel_all) instead of refusing to start.
	CancelOpenOnStart bool
	// Wake, if set, is called after answers are queued for Drain: the feed client's
	// Wake, so that the engine goroutine drains at once.
	Wake func()
	// OnGiveUp, if set, is called once, from the gateway's goroutine, when the
	// reconnects have run out: the owner halts trading.
	OnGiveUp func(reason string)
	// RequestTimeout bounds the token request, the dial and each control request; 0
	// means 5s. WriteTimeout bounds one socket write on the tick path; 0 means 200ms.
	RequestTimeout, WriteTimeout time.Duration
	// AckTimeout is how long an add_order may go unanswered before the connection is
	// presumed broken and is replaced (reconciling from the executions snapshot); 0
	// means 5s.
	AckTimeout time.Duration
	// PingEvery is how often the gateway pings (Kraken's {"method":"ping"}); a
	// connection silent for ReadTimeout (no heartbeat, no pong, nothing) is replaced.
	// 0 means 5s and 15s.
	PingEvery, ReadTimeout time.Duration
	// BackoffMin and BackoffMax bound the reconnect delay (capped exponential with
	// jitter); 0 means 250ms and 10s. MaxReconnects is how many reconnects in a row may
	// fail before the gateway gives up; 0 means 10.
	BackoffMin, BackoffMax time.Duration
	MaxReconnects          int
	// RetryMin and RetryMax bound the delay before a refused cancel is sent again;
	// MaxAttempts limits the cancels sent about one order. 0 means 200ms, 5s and 8.
	RetryMin, RetryMax time.Duration
	MaxAttempts        int
	// MaxRecoverPages bounds how many pages of TradesHistory (50 fills each) a
	// reconnect reads to recover the fills made while disconnected; more fills than
	// that stop the gateway (ErrTooManyMissed). 0 means 20.
	MaxRecoverPages int
	// MaxOrders is the number of live orders the table holds; 0 means 1024.
	MaxOrders int
	// RingSize is the capacity of the answer ring (a power of two); 0 means 4096.
	RingSize int
	// HTTPClient does the token request; nil means a client with RequestTimeout.
	HTTPClient *http.Client
	Logger     zerolog.Logger
}

// Counters are what a Gateway has done; they are read atomically from any goroutine.
type Counters struct {
	Placed, Amends, Cancels uint64 // requests sent
	// Rejects are add_order requests Kraken refused; AmendRejects and CancelRejects the
	// refused amends and cancels. Each reaches the log with Kraken's error string; a
	// rejected order reaches the strategy with it.
	Rejects, AmendRejects, CancelRejects uint64
	Fills                                uint64
	Answers                              uint64 // answers queued for the engine
	Malformed                            uint64 // venue messages that could not be read
	Foreign                              uint64 // entries about other symbols' or sessions' orders
	Dropped                              uint64 // answers about orders no longer live
	Reconnects, ReconnectFailures        uint64
	AckTimeouts                          uint64 // connections replaced for an unanswered add_order
	Silences                             uint64 // connections replaced for silence
	// Lost are orders sent before a reconnect that the next snapshot did not list and
	// that never got an answer: rejected to the engine as lost. Closed are acknowledged
	// orders the snapshot no longer listed: cancelled to the engine.
	Lost, Closed             uint64
	WriteFailures, RingWaits uint64
	UnpricedFees             uint64
	// Recovered are fills made while disconnected that TradesHistory gave back after
	// the reconnect (the executions snapshot lists the last 50 only).
	Recovered uint64
}

// link is one authenticated connection: its socket, its token and its generation.
type link struct {
	c     *live.Conn
	token string
	gen   uint64
	done  chan struct{} // closed when its reader has returned
	// snap receives the number of open orders on the account of the first executions
	// snapshot, once.
	snap chan int
}

// Gateway is the Kraken WebSocket v2 order gateway of one symbol. Place, Amend, Cancel
// and Drain belong to the engine's goroutine; Start, CancelAll and Close to its owner;
// one reader goroutine per connection decodes the venue's messages into the ring, and
// one supervisor reconnects and pings.
type Gateway struct {
	cfg    Config
	log    zerolog.Logger
	enc    *Encoder
	http   *http.Client
	nonces Nonces

	// Engine goroutine.
	wbuf  []byte
	table *table
	ring  *live.Ring[answer]
	gen   uint64 // the generation the engine last saw connect
	// fees passes the fills' fees (answer.fee, millionths of a price unit) on in price
	// units, the exact total of the instrument's fills rounded once: a carry per order
	// would round each order's on its own, and orders that fill in one piece, as most
	// do, would be rounded one by one.
	fees fixed.Carry

	// pushMu makes the ring's producers one at a time: the reader goroutine, and the
	// owner's connect and recovery.
	pushMu sync.Mutex
	// rec maps Kraken's order ids to ours and remembers the fills passed on, across
	// connections, for the recovery from TradesHistory after a reconnect.
	rec *recovery

	// Owner side.
	ctlMu   sync.Mutex
	ctlBuf  []byte
	waitMu  sync.Mutex
	waiters map[uint64]chan wire
	ctlN    atomic.Uint64
	gens    atomic.Uint64

	link     atomic.Pointer[link]
	lastRead atomic.Int64 // wall ns of the last message read
	closed   atomic.Bool
	gaveUp   atomic.Bool
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	started  bool

	placed, amends, cancels, rejects, amendRejects, cancelRejects, fills atomic.Uint64
	answers, malformed, foreign, dropped, reconnects, reconnectFailures  atomic.Uint64
	ackTimeouts, silences, lost, closedN, writeFailures, ringWaits       atomic.Uint64
	unpriced, recovered                                                  atomic.Uint64
}

// New returns a gateway for cfg; it does not connect until Start.
func New(cfg Config) (*Gateway, error) {
	if cfg.RESTURL == "" || cfg.WSURL == "" || cfg.Symbol == "" || cfg.BaseAsset == "" || cfg.QuoteAsset == "" {
		return nil, errors.New("kraken gateway: config: RESTURL, WSURL, Symbol, BaseAsset and QuoteAsset are required")
	}
	if !cfg.Credentials.Set() {
		return nil, errors.New("kraken gateway: config: no credentials")
	}
	if cfg.Prefix == "" {
		const digits = "abcdefghijklmnopqrstuvwxyz0123456789"
		b := []byte("n")
		for range MaxPrefix - 1 {
			b = append(b, digits[rand.IntN(len(digits))])
		}
		cfg.Prefix = string(b)
	}
	enc, err := NewEncoder(cfg.Symbol, cfg.PriceScale, cfg.QtyScale, cfg.Prefix)
	if err != nil {
		return nil, fmt.Errorf("kraken gateway: config: %w", err)
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.RequestTimeout, 5*time.Second)
	def(&cfg.WriteTimeout, 200*time.Millisecond)
	def(&cfg.AckTimeout, 5*time.Second)
	def(&cfg.PingEvery, 5*time.Second)
	def(&cfg.ReadTimeout, 3*cfg.PingEvery)
	def(&cfg.BackoffMin, 250*time.Millisecond)
	def(&cfg.BackoffMax, 10*time.Second)
	def(&cfg.RetryMin, 200*time.Millisecond)
	def(&cfg.RetryMax, 5*time.Second)
	if cfg.MaxReconnects <= 0 {
		cfg.MaxReconnects = 10
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 8
	}
	if cfg.MaxOrders <= 0 {
		cfg.MaxOrders = 1024
	}
	if cfg.MaxRecoverPages <= 0 {
		cfg.MaxRecoverPages = 20
	}
	if cfg.RingSize <= 0 {
		cfg.RingSize = 4096
	}
	ring, err := live.NewRing[answer](cfg.RingSize)
	if err != nil {
		return nil, fmt.Errorf("kraken gateway: config: %w", err)
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: cfg.RequestTimeout}
	}
	return &Gateway{cfg: cfg, enc: enc, http: hc, ring: ring, table: newTable(cfg.MaxOrders), rec: newRecovery(),
		wbuf: make([]byte, 0, 512), waiters: map[uint64]chan wire{}, fees: fixed.NewCarry(feeFineDigits),
		log: cfg.Logger.With().Str("component", "gateway").Str("venue", "kraken").Str("symbol", cfg.Symbol).Logger()}, nil
}

// Prefix returns the session's cl_ord_id prefix.
func (g *Gateway) Prefix() string { return g.cfg.Prefix }

// Encoder returns the gateway's encoder (its GTDFor may be set before Start).
func (g *Gateway) Encoder() *Encoder { return g.enc }

// Counters returns the counters so far.
func (g *Gateway) Counters() Counters {
	return Counters{Placed: g.placed.Load(), Amends: g.amends.Load(), Cancels: g.cancels.Load(),
		Rejects: g.rejects.Load(), AmendRejects: g.amendRejects.Load(), CancelRejects: g.cancelRejects.Load(),
		Fills: g.fills.Load(), Answers: g.answers.Load(), Malformed: g.malformed.Load(), Foreign: g.foreign.Load(),
		Dropped: g.dropped.Load(), Reconnects: g.reconnects.Load(), ReconnectFailures: g.reconnectFailures.Load(),
		AckTimeouts: g.ackTimeouts.Load(), Silences: g.silences.Load(), Lost: g.lost.Load(), Closed: g.closedN.Load(),
		WriteFailures: g.writeFailures.Load(), RingWaits: g.ringWaits.Load(), UnpricedFees: g.unpriced.Load(),
		Recovered: g.recovered.Load()}
}

// Start gets a token, connects, subscribes to the executions channel and reconciles
// from its snapshot: open orders on the account make it refuse to start (the engine
// would not know them), unless CancelOpenOnStart is set, in which case they are
// cancelled (cancel_all) first. Any failure returns an error and leaves nothing
// running: the engine must not trade.
func (g *Gateway) Start(ctx context.Context) error {
	if g.started {
		return errors.New("kraken gateway: already started")
	}
	g.started = true
	sctx, cancel := context.WithCancel(context.Background())
	g.cancel = cancel
	l, open, err := g.connect(ctx, 0)
	if err != nil {
		g.shutdown()
		return err
	}
	if open > 0 {
		if !g.cfg.CancelOpenOnStart {
			g.shutdown()
			return fmt.Errorf("kraken gateway: reconcile: %d open orders on the account that this session did not place; cancel them or set CancelOpenOnStart", open)
		}
		g.log.Warn().Int("open_orders", open).Msg("cancelling open orders found at start")
		if err := g.CancelAll(ctx); err != nil {
			g.shutdown()
			return err
		}
	}
	g.wg.Add(1)
	go func() { defer g.wg.Done(); g.supervise(sctx, l) }()
	g.log.Info().Object("credentials", logCreds{}).Str("prefix", g.cfg.Prefix).Msg("kraken gateway started")
	return nil
}

type logCreds struct{}

func (logCreds) MarshalZerologObject(e *zerolog.Event) { e.Str("key", "***") }

// connect gets a token, recovers the fills made since lostAt (unix ns; 0 at start)
// from TradesHistory, dials, starts the reader, subscribes to executions and waits for
// the first snapshot; it returns the link, stored for Place, and the number of open
// orders the snapshot listed. The recovered fills reach the engine before the
// snapshot, whose last 50 fills then repeat some of them (passed on once, by trade
// id) and whose open orders reconcile the rest.
func (g *Gateway) connect(ctx context.Context, lostAt int64) (*link, int, error) {
	rctx, cancel := context.WithTimeout(ctx, g.cfg.RequestTimeout)
	defer cancel()
	tok, err := FetchToken(rctx, g.http, g.cfg.RESTURL, g.cfg.Credentials, g.nonces.Next(time.Now().UnixMilli()))
	if err != nil {
		return nil, 0, fmt.Errorf("kraken gateway: connect: %w", err)
	}
	if lostAt > 0 {
		n, err := g.recoverFills(ctx, lostAt)
		if err != nil {
			return nil, 0, fmt.Errorf("kraken gateway: recover fills: %w", err)
		}
		if n > 0 {
			g.recovered.Add(uint64(n))
			g.log.Warn().Int("fills", n).Msg("fills made while disconnected recovered from TradesHistory")
		}
	}
	c, err := live.Dial(ctx, g.cfg.WSURL, g.cfg.RequestTimeout, 0)
	if err != nil {
		return nil, 0, fmt.Errorf("kraken gateway: connect: %w", err)
	}
	l := &link{c: c, token: tok.Token, gen: g.gens.Add(1), done: make(chan struct{}), snap: make(chan int, 1)}
	g.lastRead.Store(time.Now().UnixNano())
	g.wg.Add(1)
	go func() { defer g.wg.Done(); defer close(l.done); g.read(l) }()
	fail := func(err error) (*link, int, error) {
		c.Close()
		<-l.done
		return nil, 0, err
	}
	if _, err := g.request(ctx, l, func(b []byte, req uint64) []byte { return AppendSubscribeExecutions(b, l.token, req) }); err != nil {
		return fail(fmt.Errorf("kraken gateway: subscribe to executions: %w", err))
	}
	t := time.NewTimer(g.cfg.RequestTimeout)
	defer t.Stop()
	var open int
	select {
	case open = <-l.snap:
	case <-l.done:
		return fail(errors.New("kraken gateway: connection lost before the executions snapshot"))
	case <-t.C:
		return fail(fmt.Errorf("kraken gateway: no executions snapshot within %v", g.cfg.RequestTimeout))
	case <-ctx.Done():
		return fail(ctx.Err())
	}
	g.link.Store(l)
	if g.closed.Load() {
		if g.link.CompareAndSwap(l, nil) {
			c.Close()
		}
		<-l.done
		return nil, 0, ErrClosed
	}
	g.push(answer{kind: ansConnected, gen: l.gen})
	return l, open, nil
}

// request sends a control request built by build with a fresh req_id on l and waits
// for its answer; a success:false answer is an error carrying Kraken's string.
func (g *Gateway) request(ctx context.Context, l *link, build func([]byte, uint64) []byte) (wire, error) {
	if l == nil {
		return wire{}, ErrNotConnected
	}
	req := ReqID(g.ctlN.Add(1), reqControl)
	ch := make(chan wire, 1)
	g.waitMu.Lock()
	g.waiters[req] = ch
	g.waitMu.Unlock()
	defer func() {
		g.waitMu.Lock()
		delete(g.waiters, req)
		g.waitMu.Unlock()
	}()
	g.ctlMu.Lock()
	g.ctlBuf = build(g.ctlBuf[:0], req)
	err := l.c.WriteText(g.ctlBuf, time.Now().Add(g.cfg.RequestTimeout))
	g.ctlMu.Unlock()
	if err != nil {
		l.c.Close()
		return wire{}, fmt.Errorf("write: %w", err)
	}
	t := time.NewTimer(g.cfg.RequestTimeout)
	defer t.Stop()
	select {
	case m := <-ch:
		if m.Success != nil && !*m.Success {
			return m, fmt.Errorf("%s refused: %s", m.Method, m.Error)
		}
		return m, nil
	case <-l.done:
		return wire{}, errors.New("connection lost")
	case <-t.C:
		return wire{}, fmt.Errorf("no answer within %v", g.cfg.RequestTimeout)
	case <-ctx.Done():
		return wire{}, ctx.Err()
	}
}

// CancelAll cancels every open order of the account (cancel_all) and waits for the
// answer: the shutdown and halt path, which must not depend on the engine's view of
// what is open. It belongs to the owner's goroutine.
func (g *Gateway) CancelAll(ctx context.Context) error {
	l := g.link.Load()
	if l == nil {
		return fmt.Errorf("kraken gateway: cancel all: %w", ErrNotConnected)
	}
	if _, err := g.request(ctx, l, func(b []byte, req uint64) []byte { return AppendCancelAll(b, l.token, req) }); err != nil {
		return fmt.Errorf("kraken gateway: cancel all: %w", err)
	}
	g.log.Info().Msg("all open orders cancelled")
	return nil
}

// Close cancels every open order (bounded by RequestTimeout), closes the connection and
// waits for the gateway's goroutines. It returns the cancel-all error, if any: an open
// order may then remain at the venue.
func (g *Gateway) Close() error {
	if g.closed.Load() {
		return nil
	}
	var err error
	if g.link.Load() != nil {
		ctx, cancel := context.WithTimeout(context.Background(), g.cfg.RequestTimeout)
		err = g.CancelAll(ctx)
		cancel()
		if err != nil {
			g.log.Error().Err(err).Msg("cancel all on shutdown failed: orders may remain open at the venue")
		}
	}
	g.shutdown()
	return err
}

func (g *Gateway) shutdown() {
	g.closed.Store(true)
	if g.cancel != nil {
		g.cancel()
	}
	if l := g.link.Swap(nil); l != nil {
		l.c.Close()
	}
	g.wg.Wait()
}

// supervise pings, watches for silence, and reconnects with capped backoff whenever
// the connection ends, until Close or until MaxReconnects attempts in a row failed.
func (g *Gateway) supervise(ctx context.Context, l *link) {
	ping := time.NewTicker(g.cfg.PingEvery)
	defer ping.Stop()
	var pbuf []byte
	for {
		select {
		case <-ctx.Done():
			return
		case <-ping.C:
			if time.Since(time.Unix(0, g.lastRead.Load())) > g.cfg.ReadTimeout {
				g.silences.Add(1)
				g.log.Warn().Stringer("silent_for", time.Since(time.Unix(0, g.lastRead.Load()))).Msg("order connection silent: replacing it")
				l.c.Close()
				continue
			}
			g.ctlMu.Lock()
			pbuf = AppendPing(pbuf[:0], ReqID(g.ctlN.Add(1), reqControl))
			err := l.c.WriteText(pbuf, time.Now().Add(g.cfg.WriteTimeout))
			g.ctlMu.Unlock()
			if err != nil {
				l.c.Close()
			}
			continue
		case <-l.done:
		}
		g.link.CompareAndSwap(l, nil)
		if ctx.Err() != nil {
			return
		}
		g.log.Warn().Msg("order connection lost: live orders are unknown until the executions snapshot")
		lostAt := g.lastRead.Load() // fills after the last message read may have been missed
		var err error
		for attempt := 0; ; attempt++ {
			if attempt >= g.cfg.MaxReconnects {
				g.giveUp(fmt.Sprintf("%d reconnects in a row failed, the last: %v", attempt, err))
				return
			}
			t := time.NewTimer(backoff.Delay(g.cfg.BackoffMin, g.cfg.BackoffMax, attempt))
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
			var open int
			l, open, err = g.connect(ctx, lostAt)
			if errors.Is(err, ErrTooManyMissed) {
				// Fail closed: the engine cannot know its position.
				g.giveUp(err.Error())
				return
			}
			if err == nil {
				if open > 0 {
					g.log.Info().Int("open_orders", open).Msg("executions snapshot after reconnect")
				}
				break
			}
			if ctx.Err() != nil {
				return
			}
			g.reconnectFailures.Add(1)
			g.log.Warn().Err(err).Int("attempt", attempt+1).Msg("order connection: reconnect failed")
		}
		g.reconnects.Add(1)
		g.log.Info().Msg("order connection restored")
	}
}

func (g *Gateway) giveUp(reason string) {
	if g.gaveUp.Swap(true) {
		return
	}
	g.log.Error().Str("reason", reason).Msg("kraken gateway gives up: trading stopped")
	if g.cfg.OnGiveUp != nil {
		g.cfg.OnGiveUp("kraken gateway: " + reason)
	}
}

// read decodes l's messages until it fails: answers go to the ring, control replies to
// their waiters. It is the ring's only producer while it runs.
func (g *Gateway) read(l *link) {
	r := newReader(g.enc, g.cfg.BaseAsset, g.cfg.QuoteAsset, g.rec)
	snapped := false
	emit := func(a answer) { g.push(a) }
	for {
		_, msg, err := l.c.Next()
		if err != nil {
			if !g.closed.Load() {
				g.log.Warn().Err(err).Msg("order connection read failed")
			}
			g.push(answer{kind: ansDisconnected, gen: l.gen})
			return
		}
		g.lastRead.Store(time.Now().UnixNano())
		if !snapped && isSnapshot(msg) {
			// The first snapshot, before the link is handed to the engine: count the
			// open orders on the account for Start's reconciliation.
			snapped = true
			l.snap <- openOrders(msg)
		}
		f0, u0 := r.foreign, r.unpriced
		method, req, err := r.read(msg, l.gen, emit)
		g.foreign.Add(r.foreign - f0)
		g.unpriced.Add(r.unpriced - u0)
		if err != nil {
			n := g.malformed.Add(1)
			if n <= 10 || n%1000 == 0 {
				g.log.Warn().Err(err).Uint64("malformed", n).Str("msg", string(msg[:min(len(msg), 200)])).Msg("venue message skipped")
			}
		}
		if method != "" {
			if _, k := SplitReqID(req); k == reqControl {
				g.waitMu.Lock()
				ch := g.waiters[req]
				g.waitMu.Unlock()
				if ch != nil {
					var m wire
					_ = json.Unmarshal(msg, &m)
					select {
					case ch <- m:
					default:
					}
				}
			}
		}
	}
}

func isSnapshot(msg []byte) bool {
	var m struct {
		Channel string `json:"channel"`
		Type    string `json:"type"`
	}
	return json.Unmarshal(msg, &m) == nil && m.Channel == "executions" && m.Type == "snapshot"
}

// openOrders counts the open orders of an executions snapshot, whoever placed them.
func openOrders(msg []byte) int {
	var m struct {
		Data []execEntry `json:"data"`
	}
	if json.Unmarshal(msg, &m) != nil {
		return 0
	}
	n := 0
	for _, e := range m.Data {
		switch e.OrderStatus {
		case "pending_new", "new", "partially_filled":
			n++
		}
	}
	return n
}

// push queues an answer for the engine goroutine. A full ring is waited out, never
// dropped: an ack or fill lost here would leave the engine wrong about its orders.
func (g *Gateway) push(a answer) {
	g.pushMu.Lock()
	defer g.pushMu.Unlock()
	for !g.ring.Push(a) {
		g.ringWaits.Add(1)
		if g.cfg.Wake != nil {
			g.cfg.Wake()
		}
		if g.closed.Load() {
			return
		}
		time.Sleep(100 * time.Microsecond)
	}
	g.answers.Add(1)
	if g.cfg.Wake != nil {
		g.cfg.Wake()
	}
}

// usable returns the link orders may be sent on, or why there is none.
func (g *Gateway) usable() (*link, error) {
	if g.gaveUp.Load() {
		return nil, ErrGaveUp
	}
	l := g.link.Load()
	if l != nil {
		return l, nil
	}
	switch {
	case g.gaveUp.Load():
		return nil, ErrGaveUp
	case g.closed.Load():
		return nil, ErrClosed
	}
	return nil, ErrNotConnected
}

// Place sends o as a limit order (post-only or IOC as o says, GTC otherwise). It is
// called on the engine's goroutine and does not block beyond WriteTimeout. A write
// that fails closes the connection but returns nil: the order may have left, so it
// stays in the table, unknown until the next executions snapshot says.
func (g *Gateway) Place(o *risk.Order, now int64) error {
	return g.PlaceTIF(o, TIFOf(o), now)
}

// PlaceTIF is Place with an explicit time in force (GTD lives Encoder().GTDFor).
func (g *Gateway) PlaceTIF(o *risk.Order, tif TimeInForce, now int64) error {
	l, err := g.usable()
	if err != nil {
		return err
	}
	g.wbuf, err = g.enc.AppendAdd(g.wbuf[:0], o, tif, l.token, time.Now().UnixNano())
	if err != nil {
		return err
	}
	t := g.table.add(o.ID)
	if t == nil {
		return ErrTooManyOrders
	}
	t.price, t.qty, t.postOnly, t.sentAt, t.gen = o.Price, o.Qty, o.PostOnly, now, l.gen
	g.placed.Add(1)
	g.write(l, o.ID)
	return nil
}

// Amend asks Kraken to give order id the quantity qty and, when price is positive, the
// price price (amend_order keeps the order's place in the queue where it can). The
// answer comes as an "amended" execution; a refusal is counted and logged, the order
// unchanged.
func (g *Gateway) Amend(id uint64, price, qty int64, now int64) error {
	o := g.table.get(id)
	if o == nil {
		return ErrUnknownOrder
	}
	l, err := g.usable()
	if err != nil {
		return err
	}
	g.wbuf, err = g.enc.AppendAmend(g.wbuf[:0], id, price, qty, o.postOnly, l.token)
	if err != nil {
		return err
	}
	g.amends.Add(1)
	g.write(l, id)
	return nil
}

// ModifySink is a Sink that learns the outcome of Modify (the engine's OnModified and
// OnModifyRejected); Drain calls it when the answer comes.
type ModifySink interface {
	OnModified(id uint64, price, qty int64, now int64)
	OnModifyRejected(id uint64, reason string, now int64)
}

// Modify implements engine.Modifier with amend_order: qty is the order's new total
// quantity (filled part included, as Kraken's order_qty is) and price its new price.
// Kraken's "amended" execution is OnModified, a refused amend_order OnModifyRejected with
// Kraken's error string; both reach the engine through a Sink that is a ModifySink.
func (g *Gateway) Modify(id uint64, side orderbook.Side, price, qty, now int64) error {
	o := g.table.get(id)
	if o == nil {
		return ErrUnknownOrder
	}
	if err := g.Amend(id, price, qty, now); err != nil {
		return err
	}
	o.modifying = true
	return nil
}

// Cancel asks Kraken to cancel order id. The wish stands until the order is final: a
// cancel already on its way is not sent again, and one Kraken refused is sent again by
// Drain after a capped backoff, up to MaxAttempts. A final or unknown id is ignored.
func (g *Gateway) Cancel(id uint64, now int64) error {
	o := g.table.get(id)
	if o == nil {
		return nil
	}
	o.wantCancel = true
	if o.cancelling {
		return nil
	}
	if _, err := g.usable(); err != nil {
		return err // sent once connected, by Drain's sweep
	}
	g.sendCancel(o, now)
	return nil
}

func (g *Gateway) sendCancel(o *order, now int64) {
	l := g.link.Load()
	if l == nil || o.attempts >= g.cfg.MaxAttempts {
		return
	}
	o.cancelling = true
	o.attempts++
	g.wbuf = g.enc.AppendCancel(g.wbuf[:0], o.id, l.token)
	g.cancels.Add(1)
	g.write(l, o.id)
}

func (g *Gateway) write(l *link, id uint64) {
	if err := l.c.WriteText(g.wbuf, time.Now().Add(g.cfg.WriteTimeout)); err != nil {
		g.writeFailures.Add(1)
		g.log.Error().Err(err).Uint64("order", id).Msg("order write failed: closing the connection; the order is unknown until the executions snapshot")
		l.c.Close()
	}
}

// Drain hands the answers queued since the last call to sink, and resends refused
// cancels and replaces a connection that leaves an add_order unanswered. It runs on
// the engine's goroutine (the feed client's OnIdle).
func (g *Gateway) Drain(sink Sink, now int64) {
	for {
		a, ok := g.ring.Pop()
		if !ok {
			break
		}
		g.apply(&a, sink, now)
	}
	g.sweep(now)
}

// apply acts on one answer. Engine goroutine.
func (g *Gateway) apply(a *answer, sink Sink, now int64) {
	switch a.kind {
	case ansConnected:
		g.gen = a.gen
		return
	case ansDisconnected:
		g.table.each(func(o *order) {
			o.cancelling = false
			if o.state == stPending {
				o.state = stUnknown
			}
		})
		return
	case ansSnapBegin:
		g.table.each(func(o *order) { o.seen = false })
		return
	case ansSnapEnd:
		g.reconcile(a.gen, sink, now)
		return
	}
	o := g.table.get(a.id)
	if o == nil {
		g.dropped.Add(1)
		return
	}
	switch a.kind {
	case ansAddOK:
		g.ack(o, sink, now)
	case ansAddErr:
		g.rejects.Add(1)
		g.log.Warn().Uint64("order", o.id).Str("error", a.reason).Msg("kraken refused an order")
		g.table.remove(o)
		sink.OnRejected(a.id, a.reason, now)
	case ansAmendErr:
		g.amendRejects.Add(1)
		g.log.Warn().Uint64("order", o.id).Str("error", a.reason).Msg("kraken refused an amend: the order is unchanged")
		if o.modifying {
			o.modifying = false
			if ms, ok := sink.(ModifySink); ok {
				ms.OnModifyRejected(o.id, a.reason, now)
			}
		}
	case ansCancelErr:
		g.cancelRejects.Add(1)
		o.cancelling = false
		o.retryAt = now + int64(backoff.Delay(g.cfg.RetryMin, g.cfg.RetryMax, o.attempts))
		g.log.Warn().Uint64("order", o.id).Str("error", a.reason).Int("attempts", o.attempts).Msg("kraken refused a cancel")
	case ansExec:
		g.exec(o, a, sink, now)
	}
}

func (g *Gateway) ack(o *order, sink Sink, now int64) {
	if o.state == stPending || o.state == stUnknown {
		o.state = stOpen
		sink.OnAck(o.id, now)
	}
}

// exec acts on one executions entry about live order o.
func (g *Gateway) exec(o *order, a *answer, sink Sink, now int64) {
	id := o.id // o is cleared when it is removed
	if a.snapshot && a.open {
		o.seen, o.rested = true, true
		o.gen = a.gen
	}
	switch a.exec {
	case exPendingNew:
		g.ack(o, sink, now)
	case exNew:
		o.rested = true
		g.ack(o, sink, now)
	case exTrade:
		g.ack(o, sink, now)
		qty := min(a.qty, o.qty-o.filled)
		if qty <= 0 {
			g.dropped.Add(1)
			return
		}
		o.filled += qty
		g.fills.Add(1)
		sink.OnFill(id, a.price, qty, g.fees.Add(a.fee), a.maker, now)
		if o.filled >= o.qty {
			g.table.remove(o)
		}
	case exFilled:
		// Completion after the trades; a fill not seen (a snapshot that did not list
		// it) leaves the engine's order short: say so.
		if o.filled < o.qty {
			g.log.Warn().Uint64("order", o.id).Int64("filled", o.filled).Int64("qty", o.qty).Msg("order reported filled with fills unseen")
		}
		g.table.remove(o)
		sink.OnCancelled(id, now)
	case exCanceled, exExpired:
		// A post-only order that would have taken liquidity, or any order Kraken
		// cancels on its own before it ever rested ("new"), is a reject with Kraken's
		// reason, so that the strategy hears why; add_order's success only said the
		// request was valid.
		if !o.wantCancel && o.filled == 0 && a.reason != "" && !o.rested {
			g.rejects.Add(1)
			g.table.remove(o)
			sink.OnRejected(id, a.reason, now)
			return
		}
		g.table.remove(o)
		sink.OnCancelled(id, now)
	case exAmended, exRestated:
		if a.qty > 0 {
			o.qty = a.qty
		}
		if a.price > 0 {
			o.price = a.price
		}
		if o.filled >= o.qty {
			g.table.remove(o)
			sink.OnCancelled(id, now)
			return
		}
		if a.exec == exAmended && o.modifying {
			o.modifying = false
			if ms, ok := sink.(ModifySink); ok {
				ms.OnModified(id, o.price, o.qty, now)
			}
		}
	}
}

// reconcile ends an executions snapshot: every order sent on an earlier connection
// that the snapshot did not list open is no longer at the venue. One never answered is
// rejected as lost; one acknowledged is cancelled (its fills, if the snapshot's last
// trades held them, have been passed on already).
func (g *Gateway) reconcile(gen uint64, sink Sink, now int64) {
	g.table.each(func(o *order) {
		if o.gen >= gen || o.seen {
			if o.seen && (o.state == stPending || o.state == stUnknown) {
				g.ack(o, sink, now)
			}
			return
		}
		id := o.id
		if o.state == stOpen {
			g.closedN.Add(1)
			g.log.Warn().Uint64("order", id).Msg("order closed while disconnected: reported cancelled")
			g.table.remove(o)
			sink.OnCancelled(id, now)
			return
		}
		g.lost.Add(1)
		g.log.Warn().Uint64("order", id).Msg("order not at the venue after reconnect: reported rejected as lost")
		g.table.remove(o)
		sink.OnRejected(id, "lost: not at the venue after reconnect", now)
	})
}

// sweep resends refused cancels whose backoff has passed and replaces a connection
// that leaves an add_order unanswered past AckTimeout. Engine goroutine.
func (g *Gateway) sweep(now int64) {
	l := g.link.Load()
	if l == nil || g.table.live == 0 {
		return
	}
	stale := false
	g.table.each(func(o *order) {
		if o.wantCancel && !o.cancelling && now >= o.retryAt && o.attempts < g.cfg.MaxAttempts {
			g.sendCancel(o, now)
		}
		if o.state == stPending && o.gen == l.gen && now-o.sentAt > int64(g.cfg.AckTimeout) {
			stale = true
		}
	})
	if stale {
		g.ackTimeouts.Add(1)
		g.log.Warn().Msg("an add_order went unanswered: replacing the connection to reconcile")
		if g.link.CompareAndSwap(l, nil) {
			l.c.Close()
		}
	}
}

// Live returns the number of live orders in the table. Engine goroutine only.
func (g *Gateway) Live() int { return g.table.live }
