package binance

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nanotick/nanotick/feeds/binance/live"
	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/risk"
	"github.com/rs/zerolog"
	"github.com/shopspring/decimal"
)

// Errors Place and Cancel return; the engine counts them as send failures.
var (
	ErrNotConnected  = errors.New("gateway: not connected to the venue")
	ErrTooManyOrders = errors.New("gateway: order table full")
	ErrClosed        = errors.New("gateway: closed")
	// ErrRateLimited is a request the rate limit budget held back: the venue's weight
	// or order count would be exceeded, or the venue asked to pause (429).
	ErrRateLimited = errors.New("gateway: rate limit budget exhausted or venue asked to pause")
	// ErrBanned is any new order after the venue banned this IP (418): trading halts.
	ErrBanned = errors.New("gateway: banned by the venue (418): trading halted")
)

// Config is what a Gateway needs.
type Config struct {
	// URL is the WebSocket API endpoint ("wss://ws-api.binance.com:443/ws-api/v3").
	URL string
	// Symbol and its assets, as Binance names them, and the instrument's scales.
	Symbol, BaseAsset, QuoteAsset string
	PriceScale, QtyScale          fixed.Scale
	// Credentials sign every request; load them with CredentialsFromEnv or
	// CredentialsFromFile, never from a config file in plain text.
	Credentials Credentials
	// Prefix starts every client order id, followed by the engine's order id; it
	// must be unique per session. Empty means "nt" and 6 random characters and '-'.
	Prefix string
	// AckTimeout is how long an order may wait for an answer before it becomes
	// unknown and is queried; 0 means 2s.
	AckTimeout time.Duration
	// RequestTimeout bounds each request of Start, CancelAll and Close; 0 means 5s.
	RequestTimeout time.Duration
	// WriteTimeout bounds one socket write on the tick path; 0 means 200ms. A write
	// that times out closes the connection.
	WriteTimeout time.Duration
	// MaxOrders is the number of live orders the table holds; 0 means 1024.
	MaxOrders int
	// RingSize is the capacity of the answer ring (a power of two); 0 means 4096.
	RingSize int
	// CancelOpenOnStart makes Start cancel open orders it finds on the symbol
	// instead of refusing to start.
	CancelOpenOnStart bool
	// Wake, if set, is called after answers are queued for Drain: the feed client's
	// Wake, so that the engine goroutine drains at once.
	Wake func()
	// BackoffMin and BackoffMax bound the reconnect delay; 0 means 100ms and 10s.
	BackoffMin, BackoffMax time.Duration
	// RetryMin and RetryMax bound the capped exponential backoff (with jitter) between
	// repeated status queries and cancels of one order; 0 means 200ms and 5s.
	RetryMin, RetryMax time.Duration
	// MaxAttempts limits the status queries, and separately the cancels, sent about
	// one order; 0 means 12. An order whose queries run out is written off as lost.
	MaxAttempts int
	// LostAfter is how long the venue must keep answering -2013 (no such order) to
	// status queries, three answers at least, before the order is written off as lost:
	// the engine is told it was rejected ("lost: ..."), which frees its risk slots.
	// 0 means 10s.
	LostAfter time.Duration
	// FeePrices are the prices, in the quote asset, of the assets commissions may be
	// paid in besides the base and quote ("BNB": 600): a fee in BNB is valued at it.
	FeePrices map[string]decimal.Decimal
	// ReconcileEvery is how often the balances the gateway expects (the start's, moved
	// by every fill net of its commission) are compared with the venue's
	// (account.status); a difference that persists over two comparisons is flagged as
	// drift (Counters.Drifts, an error in the log). 0 means 30s; negative never.
	ReconcileEvery time.Duration
	// OnBan, if set, is called once, from the reader goroutine, when the venue answers
	// 418 (IP banned): the owner halts trading (engine.Halt). The gateway itself
	// refuses every new order from then on.
	OnBan  func(reason string)
	Logger zerolog.Logger
}

// Balance is one asset's balance at the venue.
type Balance struct{ Free, Locked decimal.Decimal }

// OpenOrder is an order the venue reports open.
type OpenOrder struct {
	ClientOrderID string
	Side          string
	Price, Qty    decimal.Decimal
	Filled        decimal.Decimal
}

// Account is what Start learnt from the venue: balances, the position in the base asset
// (free plus locked) and the open orders it found on the symbol.
type Account struct {
	Balances   map[string]Balance
	Position   decimal.Decimal
	OpenOrders []OpenOrder
}

// Counters are what a Gateway has done; they are read atomically from any goroutine.
type Counters struct {
	Placed, Cancels, Queries uint64 // requests sent
	Answers                  uint64 // answers and reports queued for the engine
	Unknown                  uint64 // orders that went unknown (timeout or disconnect)
	Reconnects               uint64
	WriteFailures, RingWaits uint64
	Malformed                uint64 // venue messages that could not be decoded
	Dropped                  uint64 // answers about orders not in the table (late duplicates, foreign ids)
	// Lost are orders written off: the venue kept denying them (-2013) or never
	// answered their status queries.
	Lost uint64
	// RateLimited counts 429 answers, Banned 418 answers; Denied the requests the
	// weight budget held back. WeightUsed and WeightLimit are the budget's current
	// minute.
	RateLimited, Banned, Denied uint64
	WeightUsed, WeightLimit     int64
	// UnpricedFees are commissions in an asset without a price in Config.FeePrices.
	UnpricedFees uint64
	// Reconciles are the balance comparisons made, Drifts those that found a
	// persistent difference.
	Reconciles, Drifts uint64
	// TradeQueries are the trade list requests sent (spot's myTrades, USD-M's GET
	// /fapi/v1/userTrades) to learn fills an order.status answer showed and no report
	// told; Recovered the fills learnt from
	// them, each with its own price, commission and liquidity; RecoveredNoFee the
	// orders whose missing fills were told at the limit price with no fee because no
	// trade list could be had (a warning each).
	TradeQueries, Recovered, RecoveredNoFee uint64
}

// Gateway is the Binance WebSocket API order gateway of one symbol. Place, Cancel and
// Drain belong to the engine's goroutine; Start, CancelAll and Close to its owner; one
// reader goroutine per connection decodes the venue's messages into the Ring.
type Gateway struct {
	cfg Config
	log zerolog.Logger
	enc *Encoder

	// Engine goroutine.
	hot   *Signer
	wbuf  []byte
	table *orders
	swept int64
	ring  *live.Ring[answer]

	// Owner side: control requests.
	ctlMu   sync.Mutex
	ctl     *Signer
	ctlBuf  []byte
	waitMu  sync.Mutex
	waiters map[string]chan reply
	reqN    atomic.Uint64

	conn    atomic.Pointer[live.Conn]
	closed  atomic.Bool
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	started bool

	placed, cancels, queries, answers, reconnects atomic.Uint64
	writeFailures, ringWaits, malformed, dropped  atomic.Uint64
	rateLimited, banned, unpricedFees             atomic.Uint64
	reconciles, drifts, tradeQueries              atomic.Uint64
	ledger                                        *ledger

	limits  *budget
	banOnce sync.Once
}

type reply struct {
	status int
	code   int
	msg    string
	result json.RawMessage
}

// validPrefix reports whether p is a client order id prefix of 1 to 16 characters
// matching ^[.A-Za-z:/0-9_-]{1,16}$ (Binance's client id characters). It is a loop, not
// a regexp compiled at package initialisation, which every nanotick command would pay.
func validPrefix(p string) bool {
	if len(p) == 0 || len(p) > 16 {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == ':' || c == '/' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// New returns a gateway for cfg; it does not connect until Start.
func New(cfg Config) (*Gateway, error) {
	if cfg.URL == "" || cfg.Symbol == "" || cfg.BaseAsset == "" || cfg.QuoteAsset == "" {
		return nil, errors.New("gateway: config: URL, Symbol, BaseAsset and QuoteAsset are required")
	}
	if cfg.Credentials.apiKey == "" {
		return nil, errors.New("gateway: config: no credentials")
	}
	if !cfg.PriceScale.Valid() || !cfg.QtyScale.Valid() {
		return nil, errors.New("gateway: config: invalid scales")
	}
	if cfg.Prefix == "" {
		const digits = "abcdefghijklmnopqrstuvwxyz0123456789"
		b := []byte("nt")
		for range 6 {
			b = append(b, digits[rand.IntN(len(digits))])
		}
		cfg.Prefix = string(append(b, '-'))
	}
	if !validPrefix(cfg.Prefix) {
		return nil, fmt.Errorf("gateway: config: prefix %q: want 1-16 of [.A-Za-z:/0-9_-]", cfg.Prefix)
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.AckTimeout, 2*time.Second)
	def(&cfg.RequestTimeout, 5*time.Second)
	def(&cfg.WriteTimeout, 200*time.Millisecond)
	def(&cfg.BackoffMin, 100*time.Millisecond)
	def(&cfg.BackoffMax, 10*time.Second)
	def(&cfg.RetryMin, 200*time.Millisecond)
	def(&cfg.RetryMax, 5*time.Second)
	def(&cfg.LostAfter, 10*time.Second)
	if cfg.ReconcileEvery == 0 {
		cfg.ReconcileEvery = 30 * time.Second
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 12
	}
	if cfg.MaxOrders <= 0 {
		cfg.MaxOrders = 1024
	}
	if cfg.RingSize <= 0 {
		cfg.RingSize = 4096
	}
	ring, err := live.NewRing[answer](cfg.RingSize)
	if err != nil {
		return nil, fmt.Errorf("gateway: config: %w", err)
	}
	g := &Gateway{cfg: cfg, ring: ring, waiters: map[string]chan reply{},
		log: cfg.Logger.With().Str("component", "gateway").Str("symbol", cfg.Symbol).Logger(),
		enc: NewEncoder(cfg.Symbol, cfg.PriceScale, cfg.QtyScale, cfg.Prefix),
		hot: NewSigner(cfg.Credentials), ctl: NewSigner(cfg.Credentials),
		wbuf: make([]byte, 0, 1024), table: newOrders(cfg.MaxOrders, int64(cfg.AckTimeout)), limits: newBudget(),
		ledger: newLedger()}
	g.table.fees = fixed.NewCarry(feeScale(cfg.PriceScale) - cfg.PriceScale)
	g.table.retry = retryPolicy{min: int64(cfg.RetryMin), max: int64(cfg.RetryMax), maxAttempts: cfg.MaxAttempts,
		lostAfter: int64(cfg.LostAfter), minMissing: 3}
	g.table.query = g.query
	g.table.cancel = g.sendCancel
	g.table.trades = g.askTrades
	g.table.booked = func(tr *trade) {
		g.ledger.trade(tr.side, tr.rawQty, tr.rawQuote, tr.rawFee, tr.feeAsset, g.cfg.BaseAsset, g.cfg.QuoteAsset)
	}
	g.table.log = func(id uint64, msg string) {
		g.log.Warn().Uint64("order", id).Msg(msg)
	}
	g.table.note = func(id uint64, msg string) { g.log.Info().Uint64("order", id).Msg(msg) }
	return g, nil
}

// Prefix returns the session's client order id prefix.
func (g *Gateway) Prefix() string { return g.cfg.Prefix }

// Counters returns the counters so far.
func (g *Gateway) Counters() Counters {
	used, limit, _, _, denied := g.limits.state(time.Now().UnixMilli())
	return Counters{Placed: g.placed.Load(), Cancels: g.cancels.Load(), Queries: g.queries.Load(),
		Answers: g.answers.Load(), Unknown: g.table.unknowns.Load(), Reconnects: g.reconnects.Load(),
		WriteFailures: g.writeFailures.Load(), RingWaits: g.ringWaits.Load(),
		Malformed: g.malformed.Load(), Dropped: g.dropped.Load(), Lost: g.table.lost.Load(),
		RateLimited: g.rateLimited.Load(), Banned: g.banned.Load(), Denied: denied,
		WeightUsed: used, WeightLimit: limit, UnpricedFees: g.unpricedFees.Load(),
		Reconciles: g.reconciles.Load(), Drifts: g.drifts.Load(),
		TradeQueries: g.tradeQueries.Load(), Recovered: g.table.recovered.Load(), RecoveredNoFee: g.table.recoveredNoFee.Load()}
}

// Start connects, subscribes to the account's execution reports, and reconciles with the
// venue: it reads the balances and the open orders of the symbol. Open orders make it
// refuse to start (the engine would not know them), unless CancelOpenOnStart is set, in
// which case they are cancelled and the venue is asked again. Any failure returns an
// error and leaves nothing running: the engine must not trade.
func (g *Gateway) Start(ctx context.Context) (*Account, error) {
	if g.started {
		return nil, errors.New("gateway: already started")
	}
	g.started = true
	sctx, cancel := context.WithCancel(context.Background())
	g.cancel = cancel
	c, done, err := g.connect(ctx)
	if err != nil {
		g.shutdown()
		return nil, err
	}
	acct, err := g.reconcile(ctx)
	if err != nil {
		g.shutdown()
		return nil, err
	}
	g.ledger.reset(acct.Balances)
	g.wg.Add(1)
	go func() { defer g.wg.Done(); g.supervise(sctx, c, done) }()
	if g.cfg.ReconcileEvery > 0 {
		g.wg.Add(1)
		go func() { defer g.wg.Done(); g.reconcileLoop(sctx) }()
	}
	g.log.Info().Object("credentials", g.cfg.Credentials).Str("prefix", g.cfg.Prefix).
		Int("open_orders", len(acct.OpenOrders)).Str("position", acct.Position.String()).Msg("gateway started")
	return acct, nil
}

// connect dials, starts the connection's reader and subscribes to the user data stream.
// done is closed when the reader has ended.
func (g *Gateway) connect(ctx context.Context) (*live.Conn, chan struct{}, error) {
	if !g.limits.allow(time.Now().UnixMilli(), weightConnect, prioRescue, false) {
		return nil, nil, fmt.Errorf("gateway: connect: %w", ErrRateLimited)
	}
	c, err := live.Dial(ctx, g.cfg.URL, g.cfg.RequestTimeout, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("gateway: connect: %w", err)
	}
	done := make(chan struct{})
	g.wg.Add(1)
	go func() { defer g.wg.Done(); defer close(done); g.read(c) }()
	if _, err := g.request(ctx, c, "userDataStream.subscribe.signature", "sub", nil); err != nil {
		c.Close()
		<-done
		return nil, nil, fmt.Errorf("gateway: subscribe to execution reports: %w", err)
	}
	g.conn.Store(c)
	if g.closed.Load() {
		// Close ran meanwhile and may have missed this connection: close it here.
		if g.conn.CompareAndSwap(c, nil) {
			c.Close()
		}
		<-done
		return nil, nil, ErrClosed
	}
	return c, done, nil
}

func (g *Gateway) reconcile(ctx context.Context) (*Account, error) {
	c := g.conn.Load()
	res, err := g.request(ctx, c, "account.status", "acct", nil)
	if err != nil {
		return nil, fmt.Errorf("gateway: reconcile balances: %w", err)
	}
	var st struct {
		CanTrade bool `json:"canTrade"`
		Balances []struct {
			Asset  string          `json:"asset"`
			Free   decimal.Decimal `json:"free"`
			Locked decimal.Decimal `json:"locked"`
		} `json:"balances"`
	}
	if err := json.Unmarshal(res, &st); err != nil {
		return nil, fmt.Errorf("gateway: reconcile balances: decode account.status: %w", err)
	}
	if !st.CanTrade {
		return nil, errors.New("gateway: reconcile: the account cannot trade")
	}
	acct := &Account{Balances: map[string]Balance{}}
	for _, b := range st.Balances {
		acct.Balances[b.Asset] = Balance{Free: b.Free, Locked: b.Locked}
	}
	if _, ok := acct.Balances[g.cfg.QuoteAsset]; !ok {
		return nil, fmt.Errorf("gateway: reconcile: no %s balance on the account", g.cfg.QuoteAsset)
	}
	base := acct.Balances[g.cfg.BaseAsset]
	acct.Position = base.Free.Add(base.Locked)

	open, err := g.openOrders(ctx)
	if err != nil {
		return nil, err
	}
	if len(open) > 0 {
		if !g.cfg.CancelOpenOnStart {
			return nil, fmt.Errorf("gateway: reconcile: %d open orders on %s that this session did not place; cancel them or set CancelOpenOnStart", len(open), g.cfg.Symbol)
		}
		g.log.Warn().Int("open_orders", len(open)).Msg("cancelling open orders found at start")
		if err := g.CancelAll(ctx); err != nil {
			return nil, err
		}
		if open, err = g.openOrders(ctx); err != nil {
			return nil, err
		}
		if len(open) > 0 {
			return nil, fmt.Errorf("gateway: reconcile: %d orders still open after cancelling all", len(open))
		}
	}
	acct.OpenOrders = open
	return acct, nil
}

func (g *Gateway) openOrders(ctx context.Context) ([]OpenOrder, error) {
	res, err := g.request(ctx, g.conn.Load(), "openOrders.status", "open", []Param{{"symbol", g.cfg.Symbol}})
	if err != nil {
		return nil, fmt.Errorf("gateway: reconcile open orders: %w", err)
	}
	var list []struct {
		ClientOrderID string          `json:"clientOrderId"`
		Side          string          `json:"side"`
		Price         decimal.Decimal `json:"price"`
		OrigQty       decimal.Decimal `json:"origQty"`
		ExecutedQty   decimal.Decimal `json:"executedQty"`
	}
	if err := json.Unmarshal(res, &list); err != nil {
		return nil, fmt.Errorf("gateway: reconcile open orders: decode: %w", err)
	}
	out := make([]OpenOrder, 0, len(list))
	for _, o := range list {
		out = append(out, OpenOrder{ClientOrderID: o.ClientOrderID, Side: o.Side, Price: o.Price, Qty: o.OrigQty, Filled: o.ExecutedQty})
	}
	return out, nil
}

// CancelAll asks the venue to cancel every open order of the symbol (openOrders.cancelAll)
// and waits for the answer: the shutdown and halt path, which must not depend on the
// engine's view of what is open. No open orders counts as success. It blocks up to
// RequestTimeout, so it belongs to the owner's goroutine (the kill switch, shutdown),
// never the engine's; the engine's own halt cancels its working orders through Cancel.
func (g *Gateway) CancelAll(ctx context.Context) error {
	c := g.conn.Load()
	if c == nil {
		return fmt.Errorf("gateway: cancel all: %w", ErrNotConnected)
	}
	_, err := g.request(ctx, c, "openOrders.cancelAll", "cxl", []Param{{"symbol", g.cfg.Symbol}})
	var ae *APIError
	if errors.As(err, &ae) && ae.Code == codeCancelReject {
		return nil
	}
	if err != nil {
		return fmt.Errorf("gateway: cancel all: %w", err)
	}
	g.log.Info().Msg("all open orders cancelled")
	return nil
}

// Close cancels every open order (bounded by RequestTimeout), closes the connection and
// waits for the gateway's goroutines. It returns the cancel-all error, if any: an open
// order may then remain at the venue.
func (g *Gateway) Close() error {
	if g.closed.Swap(true) {
		return nil
	}
	var err error
	if g.conn.Load() != nil {
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
	if c := g.conn.Swap(nil); c != nil {
		c.Close()
	}
	g.wg.Wait()
}

// APIError is an error answer of the venue.
type APIError struct {
	Status, Code int
	Msg          string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("venue error %d (http %d): %s", e.Code, e.Status, e.Msg)
}

// request sends a signed control request on c and waits for its answer.
func (g *Gateway) request(ctx context.Context, c *live.Conn, method, tag string, params []Param) (json.RawMessage, error) {
	if c == nil {
		return nil, ErrNotConnected
	}
	if !g.limits.allow(time.Now().UnixMilli(), controlWeight(method), prioRescue, false) {
		return nil, fmt.Errorf("%s: %w", method, ErrRateLimited)
	}
	id := "x" + tag + strconv.FormatUint(g.reqN.Add(1), 10)
	ch := make(chan reply, 1)
	g.waitMu.Lock()
	g.waiters[id] = ch
	g.waitMu.Unlock()
	defer func() {
		g.waitMu.Lock()
		delete(g.waiters, id)
		g.waitMu.Unlock()
	}()
	g.ctlMu.Lock()
	g.ctlBuf = g.ctl.AppendSignedRequest(g.ctlBuf[:0], id, method, params, time.Now().UnixMilli())
	err := c.WriteText(g.ctlBuf, time.Now().Add(g.cfg.RequestTimeout))
	g.ctlMu.Unlock()
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("%s: write: %w", method, err)
	}
	t := time.NewTimer(g.cfg.RequestTimeout)
	defer t.Stop()
	select {
	case r := <-ch:
		if r.status == 0 {
			return nil, fmt.Errorf("%s: %s", method, r.msg)
		}
		if r.status != 200 {
			return nil, fmt.Errorf("%s: %w", method, &APIError{Status: r.status, Code: r.code, Msg: r.msg})
		}
		return r.result, nil
	case <-t.C:
		return nil, fmt.Errorf("%s: no answer within %v", method, g.cfg.RequestTimeout)
	case <-ctx.Done():
		return nil, fmt.Errorf("%s: %w", method, ctx.Err())
	}
}

// controlWeight is the request weight of a control request.
func controlWeight(method string) int64 {
	switch method {
	case "account.status":
		return weightAccount
	case "openOrders.status":
		return weightOpenOrders
	case "openOrders.cancelAll":
		return weightCancelAll
	case "userDataStream.subscribe.signature":
		return weightSubscribe
	}
	return 1
}

// supervise reconnects whenever the connection's reader ends, until Close.
func (g *Gateway) supervise(ctx context.Context, c *live.Conn, done chan struct{}) {
	attempt := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-done:
		}
		g.conn.CompareAndSwap(c, nil)
		if ctx.Err() != nil {
			return
		}
		g.log.Warn().Msg("order connection lost: live orders are unknown until queried")
		for {
			d := backoff(g.cfg.BackoffMin, g.cfg.BackoffMax, attempt)
			attempt++
			t := time.NewTimer(d)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
			var err error
			c, done, err = g.connect(ctx)
			if err == nil {
				break
			}
			if ctx.Err() != nil {
				return
			}
			g.log.Warn().Err(err).Stringer("retry_in", backoff(g.cfg.BackoffMin, g.cfg.BackoffMax, attempt)).Msg("order connection: reconnect failed")
		}
		attempt = 0
		g.reconnects.Add(1)
		g.log.Info().Msg("order connection restored")
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

// Place sends o. It is called on the engine's goroutine and does not block beyond
// WriteTimeout. A write that fails closes the connection but returns nil: the order may
// have left, so it stays in the table as unknown until the venue is asked about it.
func (g *Gateway) Place(o *risk.Order, now int64) error {
	c := g.conn.Load()
	if c == nil {
		if g.closed.Load() {
			return ErrClosed
		}
		return ErrNotConnected
	}
	if g.banned.Load() > 0 {
		return ErrBanned
	}
	wall := time.Now().UnixMilli()
	if len(g.table.free) == 0 {
		return ErrTooManyOrders
	}
	if !g.limits.allow(wall, weightPlace, prioOrder, true) {
		return ErrRateLimited
	}
	g.table.add(o.ID, o.Price, o.Qty, now)
	g.wbuf = g.enc.AppendSignedPlace(g.wbuf[:0], o, wall, g.hot)
	g.placed.Add(1)
	g.write(c, o.ID)
	return nil
}

// Cancel asks the venue to cancel order id. The wish stands until the order is final:
// a cancel already on its way is not sent again, and one the venue refused, or the
// rate limit budget held back, is resent by Drain's sweep with backoff, up to
// MaxAttempts. A final or unknown id is ignored.
func (g *Gateway) Cancel(id uint64, now int64) error {
	o, ok := g.table.get(id)
	if !ok {
		return nil
	}
	if g.conn.Load() == nil {
		o.wantCancel = true // sent once connected
		if g.closed.Load() {
			return ErrClosed
		}
		return ErrNotConnected
	}
	g.table.requestCancel(o, now)
	return nil
}

// sendCancel writes order.cancel for id if connected and the budget allows; the
// state machine calls it.
func (g *Gateway) sendCancel(id uint64, now int64) bool {
	c := g.conn.Load()
	if c == nil {
		return false
	}
	wall := time.Now().UnixMilli()
	if !g.limits.allow(wall, weightCancel, prioRescue, false) {
		return false
	}
	g.wbuf = g.enc.AppendSignedCancel(g.wbuf[:0], id, wall, g.hot)
	g.cancels.Add(1)
	return g.write(c, id)
}

// query sends order.status for id; the state machine calls it for unknown orders.
func (g *Gateway) query(id uint64, now int64) bool {
	c := g.conn.Load()
	if c == nil {
		return false
	}
	wall := time.Now().UnixMilli()
	if !g.limits.allow(wall, weightStatus, prioRescue, false) {
		return false
	}
	g.wbuf = g.enc.AppendSignedStatus(g.wbuf[:0], id, wall, g.hot)
	g.queries.Add(1)
	return g.write(c, id)
}

// askTrades sends myTrades for order id (the venue's orderId venueID), from trade id
// fromID when not 0; the state machine calls it to learn fills no report told. It is
// off the tick path (it allocates, as control requests do).
func (g *Gateway) askTrades(id uint64, venueID, fromID int64, now int64) bool {
	c := g.conn.Load()
	if c == nil {
		return false
	}
	wall := time.Now().UnixMilli()
	if !g.limits.allow(wall, weightTrades, prioRescue, false) {
		return false
	}
	params := []Param{{"symbol", g.cfg.Symbol}, {"orderId", strconv.FormatInt(venueID, 10)}, {"limit", strconv.Itoa(maxTradePage)}}
	if fromID > 0 {
		params = append(params, Param{"fromId", strconv.FormatInt(fromID, 10)})
	}
	g.wbuf = g.hot.AppendSignedRequest(g.wbuf[:0], string(idTrades)+strconv.FormatUint(id, 10), "myTrades", params, wall)
	g.tradeQueries.Add(1)
	return g.write(c, id)
}

func (g *Gateway) write(c *live.Conn, id uint64) bool {
	if err := c.WriteText(g.wbuf, time.Now().Add(g.cfg.WriteTimeout)); err != nil {
		g.writeFailures.Add(1)
		g.log.Error().Err(err).Uint64("order", id).Msg("order write failed: closing the connection; the order's state is unknown until queried")
		c.Close()
		return false
	}
	return true
}

// Drain hands the answers queued since the last call to sink and runs the order timeouts.
// It runs on the engine's goroutine: from the feed client's OnIdle, which runs after
// every frame and every idle interval.
func (g *Gateway) Drain(sink Sink, now int64) {
	for {
		a, ok := g.ring.Pop()
		if !ok {
			break
		}
		if a.kind != ansConnected && a.kind != ansDisconnected {
			if _, live := g.table.get(a.id); !live {
				g.dropped.Add(1)
				continue
			}
		}
		g.table.apply(&a, sink, now)
	}
	if now-g.swept >= int64(time.Millisecond) {
		g.swept = now
		g.table.sweep(now, sink)
	}
}

// State returns the state of order id and whether it is live. Engine goroutine only.
func (g *Gateway) State(id uint64) (OrderState, bool) {
	o, ok := g.table.get(id)
	if !ok {
		return 0, false
	}
	return o.state, true
}

// push queues an answer for the engine goroutine. A full ring is waited out, never
// dropped: an ack or fill lost here would leave the engine wrong about its orders.
func (g *Gateway) push(a answer) {
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

// read decodes c's messages until it fails: answers and reports go to the ring, control
// replies to their waiters. It is the ring's only producer while it runs.
func (g *Gateway) read(c *live.Conn) {
	for {
		_, msg, err := c.Next()
		if err != nil {
			if !g.closed.Load() {
				g.log.Warn().Err(err).Msg("order connection read failed")
			}
			g.failWaiters(err)
			g.push(answer{kind: ansDisconnected})
			return
		}
		if err := g.handle(msg); err != nil {
			n := g.malformed.Add(1)
			if n <= 10 || n%1000 == 0 {
				g.log.Warn().Err(err).Uint64("malformed", n).Msg("venue message skipped")
			}
		}
	}
}

func (g *Gateway) failWaiters(err error) {
	g.waitMu.Lock()
	defer g.waitMu.Unlock()
	for id, ch := range g.waiters {
		select {
		case ch <- reply{msg: "connection lost: " + err.Error()}:
		default:
		}
		delete(g.waiters, id)
	}
}

type wireMsg struct {
	ID     *string         `json:"id"`
	Status int             `json:"status"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code int             `json:"code"`
		Msg  string          `json:"msg"`
		Data json.RawMessage `json:"data"`
	} `json:"error"`
	SubscriptionID *int            `json:"subscriptionId"`
	Event          json.RawMessage `json:"event"`
	RateLimits     []rateLimit     `json:"rateLimits"`
}

// handle decodes one venue message. It runs on the reader goroutine, off the tick path,
// and uses encoding/json: answers are rare next to market data.
func (g *Gateway) handle(msg []byte) error {
	var m wireMsg
	if err := json.Unmarshal(msg, &m); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	if m.ID == nil {
		if m.Event != nil {
			return g.report(m.Event)
		}
		return errors.New("message with neither id nor event")
	}
	id := *m.ID
	if id == "" {
		return errors.New("empty id")
	}
	now := time.Now().UnixMilli()
	if len(m.RateLimits) > 0 {
		g.limits.observe(now, m.RateLimits)
	}
	r := reply{status: m.Status, result: m.Result}
	if m.Error != nil {
		r.code, r.msg = m.Error.Code, m.Error.Msg
		g.rateLimit(m.Status, r.code, r.msg, m.Error.Data, now)
	}
	if id[0] == idOther {
		if strings.HasPrefix(id, "xsub") && m.Status == 200 {
			g.push(answer{kind: ansConnected})
		}
		g.waitMu.Lock()
		ch := g.waiters[id]
		g.waitMu.Unlock()
		if ch != nil {
			select {
			case ch <- r:
			default:
			}
		}
		return nil
	}
	oid, err := strconv.ParseUint(id[1:], 10, 64)
	if err != nil {
		return fmt.Errorf("answer id %q: %w", id, err)
	}
	a := answer{id: oid, code: r.code, reason: r.msg}
	ok := m.Status == 200
	switch id[0] {
	case idPlace:
		a.kind = pick(ok, ansPlaceOK, ansPlaceErr)
	case idCancel:
		a.kind = pick(ok, ansCancelOK, ansCancelErr)
		if ok {
			// The cancelled order's executedQty and orderId: fills beyond what the
			// reports told are learnt from the trade list before the order ends.
			if _, a.cum, a.venueID, err = orderResult(m.Result, g.cfg.QtyScale); err != nil {
				return fmt.Errorf("order.cancel result: %w", err)
			}
		}
	case idStatus:
		a.kind = pick(ok, ansStatus, ansStatusErr)
		if ok {
			if a.status, a.cum, a.venueID, err = orderResult(m.Result, g.cfg.QtyScale); err != nil {
				return fmt.Errorf("order.status result: %w", err)
			}
		}
	case idTrades:
		a.kind = pick(ok, ansTrades, ansTradesErr)
		if ok {
			if a.trades, err = g.trades(m.Result); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("answer id %q of no request kind", id)
	}
	if !ok {
		refused(&g.log, id[0], oid, r.code, r.msg)
	}
	g.push(a)
	return nil
}

// trades decodes a myTrades result (web-socket-api.md "Account trade history"): the
// trades of one order, sorted by trade id, each with its commission valued as a
// report's is (see fee).
func (g *Gateway) trades(res json.RawMessage) ([]trade, error) {
	var list []struct {
		ID              int64  `json:"id"`
		Price           string `json:"price"`
		Qty             string `json:"qty"`
		QuoteQty        string `json:"quoteQty"`
		Commission      string `json:"commission"`
		CommissionAsset string `json:"commissionAsset"`
		IsBuyer         bool   `json:"isBuyer"`
		IsMaker         bool   `json:"isMaker"`
	}
	if err := json.Unmarshal(res, &list); err != nil {
		return nil, fmt.Errorf("myTrades result: %w", err)
	}
	out := make([]trade, 0, len(list))
	for _, v := range list {
		tr := trade{id: v.ID, maker: v.IsMaker, side: "SELL", rawQty: v.Qty, rawQuote: v.QuoteQty,
			rawFee: v.Commission, feeAsset: v.CommissionAsset}
		if v.IsBuyer {
			tr.side = "BUY"
		}
		var err error
		if tr.price, err = g.cfg.PriceScale.ParseString(v.Price); err != nil {
			return nil, fmt.Errorf("myTrades trade %d price %q: %w", v.ID, v.Price, err)
		}
		if tr.qty, err = g.cfg.QtyScale.ParseString(v.Qty); err != nil {
			return nil, fmt.Errorf("myTrades trade %d qty %q: %w", v.ID, v.Qty, err)
		}
		tr.fee, tr.baseFee = g.fee(v.Commission, v.CommissionAsset, v.Price)
		out = append(out, tr)
	}
	slices.SortFunc(out, func(a, b trade) int { return cmp.Compare(a.id, b.id) })
	return out, nil
}

// rateLimit acts on a rate limit answer: a 429 (-1003 weight, -1015 orders) pauses
// every request until its retryAfter; a 418 (IP ban) pauses them until the ban's end
// and halts trading: new orders are refused for good and OnBan is called.
func (g *Gateway) rateLimit(status, code int, msg string, data json.RawMessage, now int64) {
	switch {
	case status == 418:
		until := retryAfter(data, now)
		g.limits.pause(until, true)
		g.banned.Add(1)
		g.banOnce.Do(func() {
			g.log.Error().Int("code", code).Str("msg", msg).Int64("until_ms", until).Msg("banned by the venue (418): trading halted")
			if g.cfg.OnBan != nil {
				g.cfg.OnBan("venue ban (418): " + msg)
			}
		})
	case status == 429 || code == codeTooMany || code == codeTooManyOrder:
		until := retryAfter(data, now)
		g.limits.pause(until, false)
		if n := g.rateLimited.Add(1); n <= 10 || n%100 == 0 {
			g.log.Warn().Int("code", code).Str("msg", msg).Int64("pause_ms", until-now).Uint64("count", n).Msg("rate limited by the venue: pausing requests")
		}
	}
}

func pick(ok bool, yes, no answerKind) answerKind {
	if ok {
		return yes
	}
	return no
}

func parseStatus(s string) venueStatus {
	switch s {
	case "NEW":
		return vsNew
	case "PARTIALLY_FILLED":
		return vsPartial
	case "FILLED":
		return vsFilled
	case "CANCELED":
		return vsCanceled
	case "EXPIRED", "EXPIRED_IN_MATCH":
		return vsExpired
	case "REJECTED":
		return vsRejected
	case "PENDING_CANCEL":
		return vsPendingCancel
	}
	return vsNone
}

// report decodes an executionReport. Its keys differ only in case ("e" and "E", "c" and
// "C"...), which encoding/json matches case-insensitively into struct fields, so it is
// decoded into a map.
func (g *Gateway) report(ev json.RawMessage) error {
	var f map[string]json.RawMessage
	if err := json.Unmarshal(ev, &f); err != nil {
		return fmt.Errorf("event: %w", err)
	}
	str := func(k string) string {
		var s string
		_ = json.Unmarshal(f[k], &s)
		return s
	}
	if str("e") != "executionReport" {
		return nil // balance updates and the like: the engine does not take them
	}
	if str("s") != g.cfg.Symbol {
		g.dropped.Add(1)
		return nil
	}
	client := str("C") // set on cancel reports: the cancelled order's id
	if client == "" {
		client = str("c")
	}
	num, ok := strings.CutPrefix(client, g.cfg.Prefix)
	if !ok {
		g.dropped.Add(1)
		return nil // another session's or a manual order
	}
	id, err := strconv.ParseUint(num, 10, 64)
	if err != nil {
		return fmt.Errorf("executionReport client id %q: %w", client, err)
	}
	a := answer{kind: ansReport, id: id, status: parseStatus(str("X")), reason: str("r")}
	switch str("x") {
	case "NEW":
		a.exec = exNew
	case "TRADE":
		a.exec = exTrade
	case "CANCELED":
		a.exec = exCanceled
	case "EXPIRED":
		a.exec = exExpired
	case "REJECTED":
		a.exec = exRejected
	default:
		a.exec = exOther
	}
	if a.exec == exCanceled || a.exec == exExpired {
		// The order's end says how much of it filled (z): more than the trade reports
		// told is fills the stream missed, learnt from the trade list by its orderId (i)
		// before the end applies (orders.apply).
		var err error
		if a.cum, err = g.cfg.QtyScale.ParseString(str("z")); err != nil {
			return fmt.Errorf("executionReport z: %w", err)
		}
		_ = json.Unmarshal(f["i"], &a.venueID)
	}
	if a.exec == exTrade {
		var err error
		if a.price, err = g.cfg.PriceScale.ParseString(str("L")); err != nil {
			return fmt.Errorf("executionReport L: %w", err)
		}
		if a.last, err = g.cfg.QtyScale.ParseString(str("l")); err != nil {
			return fmt.Errorf("executionReport l: %w", err)
		}
		if a.cum, err = g.cfg.QtyScale.ParseString(str("z")); err != nil {
			return fmt.Errorf("executionReport z: %w", err)
		}
		_ = json.Unmarshal(f["m"], &a.maker)
		a.fee, a.baseFee = g.fee(str("n"), str("N"), str("L"))
		g.ledger.trade(str("S"), str("l"), str("Y"), str("n"), str("N"), g.cfg.BaseAsset, g.cfg.QuoteAsset)
	}
	g.push(a)
	return nil
}

// feeDigits is the scale commissions are read at, in the quote (or margin) asset: 10^-12,
// finer than Binance writes a commission (8 decimals) or a base-asset one valued at a
// fill price of up to 4 decimals, and wide enough for 9 million of the asset per fill.
// A price scale finer than that is used instead.
const feeDigits = 12

// feeScale returns the scale a gateway of price scale ps reads commissions at.
func feeScale(ps fixed.Scale) fixed.Scale { return max(feeDigits, ps) }

// feeFine returns commission n (of the quote asset) in units of s, a commission beyond
// an int64's reach taken as the largest it holds.
func feeFine(n decimal.Decimal, s fixed.Scale) int64 {
	v := n.Shift(int32(s)).Round(0)
	switch {
	case v.GreaterThan(maxFine):
		return math.MaxInt64
	case v.LessThan(minFine):
		return math.MinInt64 + 1
	}
	return v.IntPart()
}

var maxFine, minFine = decimal.NewFromInt(math.MaxInt64), decimal.NewFromInt(math.MinInt64 + 1)

// fee converts a fill's commission (n, in asset N) into feeScale units of the quote
// asset (orders.fill carries them to the engine in price units): as is for the quote
// asset, times the fill price for the base asset (whose quantity is also returned, in
// baseFine units below the quantity unit, to come off the position), at
// Config.FeePrices for any other asset (BNB). A commission in an asset without a
// price is counted (Counters.UnpricedFees), warned about, and valued at zero.
func (g *Gateway) fee(amount, asset, price string) (fee, baseQty int64) {
	n, err := decimal.NewFromString(amount)
	if err != nil || n.IsZero() {
		return 0, 0
	}
	switch asset {
	case g.cfg.QuoteAsset:
	case g.cfg.BaseAsset:
		p, err := decimal.NewFromString(price)
		if err != nil {
			return 0, 0
		}
		baseQty = n.Shift(int32(g.cfg.QtyScale) + baseFineDigits).Round(0).IntPart()
		n = n.Mul(p)
	default:
		p, ok := g.cfg.FeePrices[asset]
		if !ok {
			if c := g.unpricedFees.Add(1); c <= 10 || c%1000 == 0 {
				g.log.Warn().Str("asset", asset).Uint64("count", c).Msg("commission in an asset without a price (Config.FeePrices): valued at zero")
			}
			return 0, 0
		}
		n = n.Mul(p)
	}
	return feeFine(n, feeScale(g.cfg.PriceScale)), baseQty
}

// orderResult reads what an order.status or order.cancel result says of its order
// (spot's and USD-M's both carry these): its status, its executedQty (at scale qs) and
// the venue's orderId.
func orderResult(result json.RawMessage, qs fixed.Scale) (st venueStatus, cum, venueID int64, err error) {
	var r struct {
		Status      string  `json:"status"`
		ExecutedQty string  `json:"executedQty"`
		OrderID     flexInt `json:"orderId"`
	}
	if err := json.Unmarshal(result, &r); err != nil {
		return vsNone, 0, 0, err
	}
	if cum, err = qs.ParseString(r.ExecutedQty); err != nil {
		return vsNone, 0, 0, fmt.Errorf("executedQty %q: %w", r.ExecutedQty, err)
	}
	return parseStatus(r.Status), cum, int64(r.OrderID), nil
}
