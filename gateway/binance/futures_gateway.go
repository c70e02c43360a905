package binance

// FuturesGateway: the order gateway of one Binance USD-M perpetual.
//
// Two connections: the WebSocket API (ws-fapi/v1) carries order.place, order.modify,
// order.cancel, order.status and v2/account.position; the user data stream
// (<stream URL>/private/ws/<listenKey>, the key from POST /fapi/v1/listenKey, kept alive with a
// PUT every KeepAlive and replaced when the venue says it expired) carries the order,
// account and margin call events. Both are supervised: a lost connection is redialled
// with capped exponential backoff and jitter, and every (re)connect reconciles the
// position and the open orders with the venue. Orders go through the same state machine
// as spot's (orders.go): acks, fills, cancels, expiries (a GTX order that would have
// taken expires on USD-M), timeouts, status queries, write-offs.
//
// At Start it refuses hedge mode, sets the margin type and leverage the config asks for,
// and refuses to trade when the venue's position is not the one the config expects or
// orders it did not place are open. A liquidation, an ADL or a margin call halts the
// strategy (OnHalt) and cancels every open order of the symbol. FUNDING_FEE balance
// changes are checked against the gateway's own computation (perp.FundingPayment on the
// position held at the funding time and the last mark price the engine saw before it).

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nanotick/nanotick/feeds/binance/live"
	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/md"
	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/perp"
	"github.com/nanotick/nanotick/risk"
	"github.com/rs/zerolog"
	"github.com/shopspring/decimal"
)

// FuturesConfig is what a FuturesGateway needs.
type FuturesConfig struct {
	// APIURL is the WebSocket API endpoint ("wss://ws-fapi.binance.com/ws-fapi/v1"),
	// RESTURL the REST base ("https://fapi.binance.com"), StreamURL the market stream
	// host base whose /private/ws/<listenKey> is the user data stream
	// ("wss://fstream.binance.com"; see futuresUserStreamURL).
	APIURL, RESTURL, StreamURL string
	// Symbol and its margin asset ("USDT"), and the instrument's scales.
	Symbol, MarginAsset  string
	PriceScale, QtyScale fixed.Scale
	// Credentials sign every request: an HMAC key or an Ed25519 key.
	Credentials Credentials
	// Prefix starts every client order id; empty means "nt", 6 random characters, '-'.
	Prefix string
	// Leverage is set on the symbol at start (1-125); 0 leaves the venue's.
	Leverage int
	// MarginMode is set on the symbol at start; perp.Cross or perp.Isolated. SetMargin
	// false leaves the venue's.
	MarginMode perp.MarginMode
	SetMargin  bool
	// ExpectedPosition is the position (signed, in the base asset) the venue must hold at
	// start; any other refuses to trade.
	ExpectedPosition decimal.Decimal
	// CancelOpenOnStart cancels open orders found at start instead of refusing.
	CancelOpenOnStart bool
	// KeepAlive is how often the listen key is extended (PUT); 0 means 30 minutes
	// (Binance: valid 60 minutes, "recommended to send a ping about every 60 minutes"
	// for spot, every 30-50 here to keep a margin).
	KeepAlive time.Duration
	// AckTimeout, RequestTimeout, WriteTimeout, BackoffMin/Max, RetryMin/Max,
	// MaxAttempts, LostAfter, MaxOrders and RingSize mean what they mean in Config; 0
	// takes the same defaults.
	AckTimeout, RequestTimeout, WriteTimeout time.Duration
	BackoffMin, BackoffMax                   time.Duration
	RetryMin, RetryMax                       time.Duration
	MaxAttempts                              int
	LostAfter                                time.Duration
	MaxOrders, RingSize                      int
	// FeePrices are the prices in the margin asset of other commission assets ("BNB").
	FeePrices map[string]decimal.Decimal
	// Wake, if set, is called after answers are queued for Drain.
	Wake func()
	// OnHalt, if set, is called once per cause, from a reader goroutine, when trading
	// must stop: a ban (418), a liquidation, an ADL, a margin call. The owner halts the
	// engine; the gateway itself cancels every open order of the symbol.
	OnHalt func(reason string)
	// Instrument is the symbol's index in the engine's table, for FundingSink.
	Instrument instrument.Index
	// MarkSource, if set, returns the last mark price message the engine has for the
	// symbol; Drain samples it (on the engine's goroutine) for the funding check.
	MarkSource func() md.PerpMark
	// MarkTimeout is how long after the first Drain a missing mark price is logged and
	// counted (MarkMissing); 0 means 30 seconds (the stream sends one a second).
	MarkTimeout time.Duration
	// HTTPClient makes the REST calls; nil means one with RequestTimeout.
	HTTPClient *http.Client
	Logger     zerolog.Logger
}

// FuturesPosition is the symbol's one-way position at the venue.
type FuturesPosition struct {
	Amount, EntryPrice, Unrealized decimal.Decimal
	MarginType                     string
	// LiquidationPrice and Leverage, when the venue's answer carries them.
	LiquidationPrice decimal.Decimal
}

// FuturesAccount is what Start learnt from the venue.
type FuturesAccount struct {
	Position   FuturesPosition
	OpenOrders []OpenOrder
}

// FundingCheck is one funding payment: the venue's (FUNDING_FEE balance change) and the
// gateway's own computation, side by side.
type FundingCheck struct {
	Time     int64           // the event's transaction time, Unix ms
	Position decimal.Decimal // the position held then
	Mark     decimal.Decimal // the last mark price before it (zero: none seen)
	Rate     decimal.Decimal // the funding rate the mark stream announced for it
	Venue    decimal.Decimal // what the venue paid (+) or charged (−)
	Ours     decimal.Decimal // perp.FundingPayment(Position, Mark, Rate)
	// Checked is false when no mark had been seen: Ours is then not computed.
	Checked bool
}

// FuturesCounters are what a FuturesGateway has done, read atomically.
type FuturesCounters struct {
	Counters
	Modifies uint64 // order.modify requests sent
	// Rejects counts the orders the venue refused, by reason: MarginInsufficient
	// (-2019), ReduceOnly (-2022), PostOnly (-5022), FOK (-5021), RateLimit (-1003,
	// -1015, 429, 418), Filter (-1013, -4xxx filter failures) and Other.
	Rejects                                                   uint64
	RejectMargin, RejectReduceOnly, RejectPostOnly, RejectFOK uint64
	RejectRateLimit, RejectFilter, RejectOther                uint64
	// Liquidations, ADLs and MarginCalls are the forced events seen; Settlements the
	// delisting settlements.
	Liquidations, ADLs, MarginCalls, Settlements uint64
	// ForcedFills are the fills of forced orders handed to the engine (ForcedFillSink).
	ForcedFills uint64
	// AccountMismatches are reconciliations whose position, entry price or wallet
	// balance differed from the engine's own accounting (compareAccount).
	AccountMismatches uint64
	// Fundings are the FUNDING_FEE events seen; FundingMismatches those whose venue
	// amount differed from ours by more than a cent.
	Fundings, FundingMismatches uint64
	// ListenKeyRenewals are new listen keys after the first; KeepAlives the PUTs sent.
	ListenKeyRenewals, KeepAlives uint64
	// PositionResyncs are reconciliations that found the venue's position different from
	// the one the events had given.
	PositionResyncs uint64
	// MarkSeen is 1 once a mark price has reached the engine (MarkSource); MarkMissing
	// is 1 when none had within MarkTimeout of the first Drain (futures_markwatch.go).
	MarkSeen, MarkMissing uint64
}

// FuturesGateway is the USD-M order gateway of one symbol. Place, Cancel, Modify and Drain
// belong to the engine's goroutine; Start, CancelAll and Close to its owner.
type FuturesGateway struct {
	cfg FuturesConfig
	log zerolog.Logger
	enc *Encoder

	// Engine goroutine.
	hot   *Signer
	wbuf  []byte
	table *orders
	swept int64
	ring  *live.Ring[answer]
	marks markMemory
	mw    markWatch
	// acctBase and bookedEvents feed compareAccount (futures_perpacct.go).
	acctBase     accountBase
	bookedEvents uint64

	// Control requests on the WebSocket API.
	ctlMu   sync.Mutex
	ctl     *Signer
	ctlBuf  []byte
	waitMu  sync.Mutex
	waiters map[string]chan reply
	reqN    atomic.Uint64

	restMu sync.Mutex
	rest   *rest
	// perpAcct is the account the last reconciliation read, until Drain hands it over.
	perpAcct atomic.Pointer[perpAccount]

	conn    atomic.Pointer[live.Conn] // WebSocket API
	ustream atomic.Pointer[live.Conn] // user data stream
	closed  atomic.Bool
	cancel  context.CancelFunc
	sctx    context.Context
	wg      sync.WaitGroup
	started bool

	placed, cancels, queries, modifies, answers, reconnects   atomic.Uint64
	writeFailures, ringWaits, malformed, dropped              atomic.Uint64
	rateLimited, banned, unpricedFees                         atomic.Uint64
	rejects                                                   [rejectKinds]atomic.Uint64
	liquidations, adls, marginCalls, settlements, forcedFills atomic.Uint64
	acctMismatches                                            atomic.Uint64
	fundings, fundingMismatches                               atomic.Uint64
	renewals, keepAlives, resyncs                             atomic.Uint64
	tradeQueries                                              atomic.Uint64
	// tradeSlots bounds the trade list requests in flight (askTrades' goroutines).
	tradeSlots chan struct{}

	// Reader side: the venue's position as the events give it, and the funding checks.
	posMu     sync.Mutex
	position  FuturesPosition
	fundMu    sync.Mutex
	fundingLg []FundingCheck
	haltOnce  sync.Map // cause → *sync.Once
	// forcedCum is each forced order seen, by client id, with the quantity of its fills
	// handed over so far.
	forcedMu  sync.Mutex
	forcedCum map[string]int64

	limits *budget
	// pushMu serializes the ring's producers (the two readers, the supervisors): the
	// ring is single-producer.
	pushMu sync.Mutex
}

// Reject reasons, as counted.
const (
	rejMargin = iota
	rejReduceOnly
	rejPostOnly
	rejFOK
	rejRateLimit
	rejFilter
	rejOther
	rejectKinds
)

// maxFundingLog bounds the funding checks kept (three a day on the real grid; the local
// exchange's short intervals make many more).
const maxFundingLog = 4096

// answer kinds beyond spot's.
const (
	ansModifyOK answerKind = iota + 100 // order.modify answered 200 (price, last = qty)
	ansModifyErr
	ansFunding // a FUNDING_FEE balance change (price = amount at fundingScale, cum = time ms, last = position qty)
	ansForced  // a fill the venue forced (liquidation, ADL): maker = bought, price, last = qty, fee
)

// fundingScale is the fixed-point scale a funding amount crosses the ring at.
const fundingScale fixed.Scale = 8

// FundingSink is a Sink that books funding payments (*engine.Engine implements it):
// amount in price units of the instrument, positive received, negative paid.
type FundingSink interface {
	OnFunding(i instrument.Index, amount int64, now int64)
}

// ForcedFillSink is a Sink that books the fills the venue forces on the account without
// an order of ours, a liquidation or an ADL closing the position (*engine.Engine
// implements it), so that its position stays the venue's.
type ForcedFillSink interface {
	OnForcedFill(i instrument.Index, side orderbook.Side, price, qty, fee int64, now int64)
}

// ModifySink is a Sink that learns the outcome of Modify; the gateway calls it on the
// engine's goroutine when the venue answers.
type ModifySink interface {
	OnModified(id uint64, price, qty int64, now int64)
	OnModifyRejected(id uint64, reason string, now int64)
}

// NewFutures returns a USD-M gateway for cfg; it does not connect until Start.
func NewFutures(cfg FuturesConfig) (*FuturesGateway, error) {
	if cfg.APIURL == "" || cfg.RESTURL == "" || cfg.StreamURL == "" || cfg.Symbol == "" || cfg.MarginAsset == "" {
		return nil, errors.New("futures gateway: config: APIURL, RESTURL, StreamURL, Symbol and MarginAsset are required")
	}
	if cfg.Credentials.apiKey == "" {
		return nil, errors.New("futures gateway: config: no credentials")
	}
	if !cfg.PriceScale.Valid() || !cfg.QtyScale.Valid() {
		return nil, errors.New("futures gateway: config: invalid scales")
	}
	if cfg.Leverage < 0 || cfg.Leverage > 125 {
		return nil, fmt.Errorf("futures gateway: config: leverage %d: want 1-125 (0 leaves the venue's)", cfg.Leverage)
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
		return nil, fmt.Errorf("futures gateway: config: prefix %q: want 1-16 of [.A-Za-z:/0-9_-]", cfg.Prefix)
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
	def(&cfg.KeepAlive, 30*time.Minute)
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
		return nil, fmt.Errorf("futures gateway: config: %w", err)
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: cfg.RequestTimeout}
	}
	g := &FuturesGateway{cfg: cfg, ring: ring, waiters: map[string]chan reply{},
		log: cfg.Logger.With().Str("component", "gateway").Str("venue", "binance-usdm").Str("symbol", cfg.Symbol).Logger(),
		enc: NewFuturesEncoder(cfg.Symbol, cfg.PriceScale, cfg.QtyScale, cfg.Prefix),
		hot: NewSigner(cfg.Credentials), ctl: NewSigner(cfg.Credentials),
		wbuf: make([]byte, 0, 1024), table: newOrders(cfg.MaxOrders, int64(cfg.AckTimeout)), limits: newFuturesBudget()}
	g.table.fees = fixed.NewCarry(feeScale(cfg.PriceScale) - cfg.PriceScale)
	g.rest = &rest{base: strings.TrimRight(cfg.RESTURL, "/"), client: hc, signer: NewSigner(cfg.Credentials),
		apiKey: cfg.Credentials.apiKey, limits: g.limits,
		onBan: func(status int, msg string, data json.RawMessage) {
			g.rateLimit(status, codeTooMany, msg, data, time.Now().UnixMilli())
		}}
	g.table.retry = retryPolicy{min: int64(cfg.RetryMin), max: int64(cfg.RetryMax), maxAttempts: cfg.MaxAttempts,
		lostAfter: int64(cfg.LostAfter), minMissing: 3}
	g.table.query = g.query
	g.table.cancel = g.sendCancel
	g.table.trades = g.askTrades
	g.tradeSlots = make(chan struct{}, maxTradeRequests)
	g.table.log = func(id uint64, msg string) { g.log.Warn().Uint64("order", id).Msg(msg) }
	g.table.note = func(id uint64, msg string) { g.log.Info().Uint64("order", id).Msg(msg) }
	return g, nil
}

// newFuturesBudget starts with USD-M's documented limits (GET /fapi/v1/exchangeInfo's
// rateLimits: REQUEST_WEIGHT 2400 a minute, ORDERS 1200 a minute and 300 per 10 s)
// until the venue reports its own.
func newFuturesBudget() *budget {
	return &budget{weight: counter{length: 60_000, limit: 2400},
		orders: []counter{{length: 10_000, limit: 300}, {length: 60_000, limit: 1200}}}
}

// Request weights on USD-M's WebSocket API ("Weight(IP)" of each method): order.place 0
// and order.modify 0 on the IP limit (each counts one against the order-count limits),
// order.cancel 1, order.status 1, v2/account.position 5; connecting is charged 2 as on
// spot, to stay on the safe side.
const (
	futWeightPlace    = 0
	futWeightCancel   = 1
	futWeightStatus   = 1
	futWeightModify   = 0
	futWeightPosition = 5
	futWeightConnect  = 2
	// futWeightTrades is GET /fapi/v1/userTrades' ("Weight: 5").
	futWeightTrades = 5
)

// maxTradeRequests bounds the userTrades requests in flight at once: after a reconnect
// every order that filled unseen asks, and the REST client is serialized anyway.
const maxTradeRequests = 4

// Prefix returns the session's client order id prefix.
func (g *FuturesGateway) Prefix() string { return g.cfg.Prefix }

// Counters returns the counters so far.
func (g *FuturesGateway) Counters() FuturesCounters {
	used, limit, _, _, denied := g.limits.state(time.Now().UnixMilli())
	c := FuturesCounters{Counters: Counters{Placed: g.placed.Load(), Cancels: g.cancels.Load(), Queries: g.queries.Load(),
		Answers: g.answers.Load(), Unknown: g.table.unknowns.Load(), Reconnects: g.reconnects.Load(),
		WriteFailures: g.writeFailures.Load(), RingWaits: g.ringWaits.Load(),
		Malformed: g.malformed.Load(), Dropped: g.dropped.Load(), Lost: g.table.lost.Load(),
		RateLimited: g.rateLimited.Load(), Banned: g.banned.Load(), Denied: denied,
		WeightUsed: used, WeightLimit: limit, UnpricedFees: g.unpricedFees.Load(),
		TradeQueries: g.tradeQueries.Load(), Recovered: g.table.recovered.Load(), RecoveredNoFee: g.table.recoveredNoFee.Load()},
		Modifies:     g.modifies.Load(),
		RejectMargin: g.rejects[rejMargin].Load(), RejectReduceOnly: g.rejects[rejReduceOnly].Load(),
		RejectPostOnly: g.rejects[rejPostOnly].Load(), RejectFOK: g.rejects[rejFOK].Load(),
		RejectRateLimit: g.rejects[rejRateLimit].Load(), RejectFilter: g.rejects[rejFilter].Load(),
		RejectOther:  g.rejects[rejOther].Load(),
		Liquidations: g.liquidations.Load(), ADLs: g.adls.Load(), MarginCalls: g.marginCalls.Load(),
		Settlements: g.settlements.Load(), ForcedFills: g.forcedFills.Load(), AccountMismatches: g.acctMismatches.Load(), Fundings: g.fundings.Load(), FundingMismatches: g.fundingMismatches.Load(),
		ListenKeyRenewals: g.renewals.Load(), KeepAlives: g.keepAlives.Load(), PositionResyncs: g.resyncs.Load(),
		MarkSeen: b2u(g.mw.seen.Load()), MarkMissing: b2u(g.mw.missing.Load())}
	for i := range g.rejects {
		c.Rejects += g.rejects[i].Load()
	}
	return c
}

// Position returns the venue's position as the events last gave it.
func (g *FuturesGateway) Position() FuturesPosition {
	g.posMu.Lock()
	defer g.posMu.Unlock()
	return g.position
}

// Fundings returns the funding payments seen, each with our own computation.
func (g *FuturesGateway) Fundings() []FundingCheck {
	g.fundMu.Lock()
	defer g.fundMu.Unlock()
	return append([]FundingCheck(nil), g.fundingLg...)
}

// Start prepares the account and connects: it refuses hedge mode, sets the margin type
// and leverage, opens the user data stream and the WebSocket API, and reconciles the
// position and open orders. Any failure returns an error and leaves nothing running.
func (g *FuturesGateway) Start(ctx context.Context) (*FuturesAccount, error) {
	if g.started {
		return nil, errors.New("futures gateway: already started")
	}
	g.started = true
	g.sctx, g.cancel = context.WithCancel(context.Background())
	fail := func(err error) (*FuturesAccount, error) {
		g.shutdown()
		return nil, err
	}
	rctx, cancel := context.WithTimeout(ctx, 4*g.cfg.RequestTimeout)
	defer cancel()
	if err := g.prepareAccount(rctx); err != nil {
		return fail(err)
	}
	uc, udone, err := g.connectStream(rctx)
	if err != nil {
		return fail(err)
	}
	c, done, err := g.connectAPI(rctx)
	if err != nil {
		return fail(err)
	}
	acct, err := g.reconcile(rctx, true)
	if err != nil {
		return fail(err)
	}
	g.wg.Add(3)
	go func() { defer g.wg.Done(); g.superviseAPI(g.sctx, c, done) }()
	go func() { defer g.wg.Done(); g.superviseStream(g.sctx, uc, udone) }()
	go func() { defer g.wg.Done(); g.keepAliveLoop(g.sctx) }()
	g.log.Info().Object("credentials", g.cfg.Credentials).Str("prefix", g.cfg.Prefix).
		Str("position", acct.Position.Amount.String()).Int("leverage", g.cfg.Leverage).
		Str("margin", g.cfg.MarginMode.String()).Msg("futures gateway started")
	return acct, nil
}

// prepareAccount refuses hedge mode and sets margin type and leverage.
func (g *FuturesGateway) prepareAccount(ctx context.Context) error {
	g.restMu.Lock()
	defer g.restMu.Unlock()
	dual, err := g.rest.dualSide(ctx)
	if err != nil {
		return fmt.Errorf("futures gateway: position mode: %w", err)
	}
	if dual {
		return errors.New("futures gateway: the account is in hedge mode (dualSidePosition true): nanotick trades one-way mode only; switch it with POST /fapi/v1/positionSide/dual dualSidePosition=false (no position or open order may exist) and start again")
	}
	if g.cfg.SetMargin {
		mt := "CROSSED"
		if g.cfg.MarginMode == perp.Isolated {
			mt = "ISOLATED"
		}
		if err := g.rest.setMarginType(ctx, g.cfg.Symbol, mt); err != nil {
			return fmt.Errorf("futures gateway: margin type %s on %s: %w", mt, g.cfg.Symbol, err)
		}
	}
	if g.cfg.Leverage > 0 {
		if err := g.rest.setLeverage(ctx, g.cfg.Symbol, g.cfg.Leverage); err != nil {
			return fmt.Errorf("futures gateway: leverage %d on %s: %w", g.cfg.Leverage, g.cfg.Symbol, err)
		}
	}
	return nil
}

// connectAPI dials the WebSocket API and starts its reader.
func (g *FuturesGateway) connectAPI(ctx context.Context) (*live.Conn, chan struct{}, error) {
	if !g.limits.allow(time.Now().UnixMilli(), futWeightConnect, prioRescue, false) {
		return nil, nil, fmt.Errorf("futures gateway: connect: %w", ErrRateLimited)
	}
	c, err := live.Dial(ctx, g.cfg.APIURL, g.cfg.RequestTimeout, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("futures gateway: connect %s: %w", g.cfg.APIURL, err)
	}
	done := make(chan struct{})
	g.wg.Add(1)
	go func() { defer g.wg.Done(); defer close(done); g.readAPI(c) }()
	g.conn.Store(c)
	if g.closed.Load() {
		if g.conn.CompareAndSwap(c, nil) {
			c.Close()
		}
		<-done
		return nil, nil, ErrClosed
	}
	return c, done, nil
}

// connectStream gets a listen key (POST returns the active one, extended, or a new one)
// and dials the user data stream with it.
func (g *FuturesGateway) connectStream(ctx context.Context) (*live.Conn, chan struct{}, error) {
	g.restMu.Lock()
	key, err := g.rest.newListenKey(ctx)
	g.restMu.Unlock()
	if err != nil {
		return nil, nil, fmt.Errorf("futures gateway: user data stream: %w", err)
	}
	u := futuresUserStreamURL(g.cfg.StreamURL, key)
	c, err := live.Dial(ctx, u, g.cfg.RequestTimeout, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("futures gateway: user data stream: %w", err)
	}
	done := make(chan struct{})
	g.wg.Add(1)
	go func() { defer g.wg.Done(); defer close(done); g.readStream(c) }()
	g.ustream.Store(c)
	if g.closed.Load() {
		if g.ustream.CompareAndSwap(c, nil) {
			c.Close()
		}
		<-done
		return nil, nil, ErrClosed
	}
	return c, done, nil
}

// reconcile reads the venue's position and open orders. At start (first) the position
// must be the expected one and no order may be open (unless CancelOpenOnStart); after a
// reconnect the venue's position replaces the one the events gave (counted when they
// differ), our own open orders the table does not hold are cancelled, and an order that
// is not ours halts trading: someone else trades the symbol.
func (g *FuturesGateway) reconcile(ctx context.Context, first bool) (*FuturesAccount, error) {
	pos, err := g.readPosition(ctx)
	if err != nil {
		return nil, err
	}
	acct := &FuturesAccount{Position: pos}
	if first && !pos.Amount.Equal(g.cfg.ExpectedPosition) {
		return nil, fmt.Errorf("futures gateway: reconcile: the venue holds a position of %s %s, the config expects %s: refusing to trade (close it, or set the expected position)",
			pos.Amount, g.cfg.Symbol, g.cfg.ExpectedPosition)
	}
	g.posMu.Lock()
	if !first && !g.position.Amount.Equal(pos.Amount) {
		g.resyncs.Add(1)
		g.log.Warn().Str("events", g.position.Amount.String()).Str("venue_position", pos.Amount.String()).Msg("position differs from the events' after reconnect: taking the venue's")
	}
	g.position = pos
	g.posMu.Unlock()

	// The venue's wallet balance and brackets, for risk's perpetual limits: at start
	// they must be readable (fail closed); after a reconnect the last ones stay.
	pa, err := g.readPerpAccount(ctx)
	switch {
	case err != nil && first:
		return nil, err
	case err != nil:
		g.log.Error().Err(err).Msg("reconcile: the venue's wallet balance and brackets could not be read: risk keeps the last ones")
	default:
		pa.first = first
		pa.positionOK = true
		q, e1 := g.cfg.QtyScale.FromDecimal(pos.Amount)
		ep, e2 := g.cfg.PriceScale.FromDecimal(pos.EntryPrice.Round(int32(g.cfg.PriceScale)))
		if e1 != nil || e2 != nil {
			pa.positionOK = false
		}
		pa.position, pa.entry = q, ep
		g.perpAcct.Store(pa)
		if g.cfg.Wake != nil {
			g.cfg.Wake()
		}
	}

	g.restMu.Lock()
	open, err := g.rest.openOrders(ctx, g.cfg.Symbol)
	g.restMu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("futures gateway: reconcile open orders: %w", err)
	}
	var foreign int
	for _, o := range open {
		if !strings.HasPrefix(o.ClientOrderID, g.cfg.Prefix) {
			foreign++
		}
		acct.OpenOrders = append(acct.OpenOrders, OpenOrder{ClientOrderID: o.ClientOrderID, Side: o.Side,
			Price: decimalOrZero(o.Price), Qty: decimalOrZero(o.OrigQty), Filled: decimalOrZero(o.ExecutedQty)})
	}
	if first && len(open) > 0 {
		if !g.cfg.CancelOpenOnStart {
			return nil, fmt.Errorf("futures gateway: reconcile: %d open orders on %s that this session did not place; cancel them or set CancelOpenOnStart", len(open), g.cfg.Symbol)
		}
		g.log.Warn().Int("open_orders", len(open)).Msg("cancelling open orders found at start")
		if err := g.CancelAll(ctx); err != nil {
			return nil, err
		}
		acct.OpenOrders = nil
	}
	if !first && foreign > 0 {
		g.halt("foreign", fmt.Sprintf("%d open orders on %s not placed by this session appeared: halting", foreign, g.cfg.Symbol))
	}
	return acct, nil
}

// readPosition asks v2/account.position for the symbol's one-way (BOTH) position.
func (g *FuturesGateway) readPosition(ctx context.Context) (FuturesPosition, error) {
	res, err := g.request(ctx, g.conn.Load(), "v2/account.position", "pos", []Param{{"symbol", g.cfg.Symbol}})
	if err != nil {
		return FuturesPosition{}, fmt.Errorf("futures gateway: reconcile position: %w", err)
	}
	var list []struct {
		Symbol           string `json:"symbol"`
		PositionSide     string `json:"positionSide"`
		PositionAmt      string `json:"positionAmt"`
		EntryPrice       string `json:"entryPrice"`
		UnRealizedProfit string `json:"unRealizedProfit"`
		LiquidationPrice string `json:"liquidationPrice"`
		MarginType       string `json:"marginType"`
	}
	if err := json.Unmarshal(res, &list); err != nil {
		return FuturesPosition{}, fmt.Errorf("futures gateway: reconcile position: decode: %w", err)
	}
	var p FuturesPosition
	for _, e := range list {
		if e.Symbol != g.cfg.Symbol {
			continue
		}
		if e.PositionSide != "" && e.PositionSide != "BOTH" {
			return FuturesPosition{}, fmt.Errorf("futures gateway: reconcile position: a %s position side on %s: hedge mode is refused", e.PositionSide, g.cfg.Symbol)
		}
		amt, err := decimal.NewFromString(e.PositionAmt)
		if err != nil {
			return FuturesPosition{}, fmt.Errorf("futures gateway: reconcile position: positionAmt %q: %w", e.PositionAmt, err)
		}
		p = FuturesPosition{Amount: amt, EntryPrice: decimalOrZero(e.EntryPrice), Unrealized: decimalOrZero(e.UnRealizedProfit),
			LiquidationPrice: decimalOrZero(e.LiquidationPrice), MarginType: e.MarginType}
	}
	return p, nil
}

func decimalOrZero(s string) decimal.Decimal {
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Zero
	}
	return d
}

// CancelAll cancels every open order of the symbol (DELETE /fapi/v1/allOpenOrders): the
// shutdown and halt path. It blocks up to RequestTimeout: owner goroutine only.
func (g *FuturesGateway) CancelAll(ctx context.Context) error {
	g.restMu.Lock()
	err := g.rest.cancelAll(ctx, g.cfg.Symbol)
	g.restMu.Unlock()
	if err != nil {
		return fmt.Errorf("futures gateway: cancel all: %w", err)
	}
	g.log.Info().Msg("all open orders cancelled")
	return nil
}

// Close cancels every open order, closes the listen key and the connections, and waits
// for the gateway's goroutines. It returns the cancel-all error, if any.
func (g *FuturesGateway) Close() error {
	if g.closed.Swap(true) {
		return nil
	}
	var err error
	if g.started {
		ctx, cancel := context.WithTimeout(context.Background(), g.cfg.RequestTimeout)
		err = g.CancelAll(ctx)
		if err != nil {
			g.log.Error().Err(err).Msg("cancel all on shutdown failed: orders may remain open at the venue")
		}
		g.restMu.Lock()
		if e := g.rest.closeListenKey(ctx); e != nil {
			g.log.Warn().Err(e).Msg("closing the listen key failed; it expires by itself within 60 minutes")
		}
		g.restMu.Unlock()
		cancel()
	}
	g.shutdown()
	return err
}

func (g *FuturesGateway) shutdown() {
	g.closed.Store(true)
	if g.cancel != nil {
		g.cancel()
	}
	if c := g.conn.Swap(nil); c != nil {
		c.Close()
	}
	if c := g.ustream.Swap(nil); c != nil {
		c.Close()
	}
	g.wg.Wait()
}

// request sends a signed control request on the WebSocket API and waits for its answer.
func (g *FuturesGateway) request(ctx context.Context, c *live.Conn, method, tag string, params []Param) (json.RawMessage, error) {
	if c == nil {
		return nil, ErrNotConnected
	}
	if !g.limits.allow(time.Now().UnixMilli(), futWeightPosition, prioRescue, false) {
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

// superviseAPI redials the WebSocket API whenever its reader ends, and reconciles.
func (g *FuturesGateway) superviseAPI(ctx context.Context, c *live.Conn, done chan struct{}) {
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
		var ok bool
		if c, done, ok = g.redial(ctx, "order connection", g.connectAPI); !ok {
			return
		}
		g.afterReconnect(ctx)
	}
}

// superviseStream redials the user data stream whenever its reader ends (a drop, or the
// listen key expired), and reconciles: events may have been missed meanwhile, so live
// orders are queried too.
func (g *FuturesGateway) superviseStream(ctx context.Context, c *live.Conn, done chan struct{}) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-done:
		}
		g.ustream.CompareAndSwap(c, nil)
		if ctx.Err() != nil {
			return
		}
		g.log.Warn().Msg("user data stream lost: orders are queried and the position reconciled once it is back")
		g.pushLocked(answer{kind: ansDisconnected})
		var ok bool
		if c, done, ok = g.redial(ctx, "user data stream", g.connectStream); !ok {
			return
		}
		g.renewals.Add(1)
		g.afterReconnect(ctx)
	}
}

// redial retries connect with capped exponential backoff and jitter until it succeeds or
// ctx ends.
func (g *FuturesGateway) redial(ctx context.Context, what string, connect func(context.Context) (*live.Conn, chan struct{}, error)) (*live.Conn, chan struct{}, bool) {
	for attempt := 0; ; attempt++ {
		t := time.NewTimer(backoff(g.cfg.BackoffMin, g.cfg.BackoffMax, attempt))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, nil, false
		case <-t.C:
		}
		rctx, cancel := context.WithTimeout(ctx, 2*g.cfg.RequestTimeout)
		c, done, err := connect(rctx)
		cancel()
		if err == nil {
			g.reconnects.Add(1)
			g.log.Info().Msg(what + " restored")
			return c, done, true
		}
		if ctx.Err() != nil {
			return nil, nil, false
		}
		g.log.Warn().Err(err).Int("attempt", attempt+1).Msg(what + ": reconnect failed")
	}
}

// afterReconnect reconciles with the venue and lets the state machine query what was in
// flight.
func (g *FuturesGateway) afterReconnect(ctx context.Context) {
	if g.conn.Load() == nil {
		return // the WebSocket API's own supervisor reconciles once it is back
	}
	rctx, cancel := context.WithTimeout(ctx, 2*g.cfg.RequestTimeout)
	defer cancel()
	if _, err := g.reconcile(rctx, false); err != nil {
		g.log.Error().Err(err).Msg("reconcile after reconnect failed: orders are still queried one by one")
	}
	g.pushLocked(answer{kind: ansConnected})
}

// keepAliveLoop extends the listen key every KeepAlive; a key the venue no longer knows
// (-1125) is replaced by closing the stream, whose supervisor gets a new one.
func (g *FuturesGateway) keepAliveLoop(ctx context.Context) {
	t := time.NewTicker(g.cfg.KeepAlive)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		rctx, cancel := context.WithTimeout(ctx, g.cfg.RequestTimeout)
		g.restMu.Lock()
		err := g.rest.keepAlive(rctx)
		g.restMu.Unlock()
		cancel()
		g.keepAlives.Add(1)
		if err == nil {
			continue
		}
		var ae *APIError
		if errors.As(err, &ae) && ae.Code == codeListenKeyMissing {
			g.log.Warn().Err(err).Msg("listen key gone: reopening the user data stream with a new one")
			if c := g.ustream.Load(); c != nil {
				c.Close()
			}
			continue
		}
		g.log.Warn().Err(err).Msg("listen key keepalive failed; retried at the next interval")
	}
}

// halt calls OnHalt once per cause and cancels every open order of the symbol.
func (g *FuturesGateway) halt(cause, reason string) {
	o, _ := g.haltOnce.LoadOrStore(cause, &sync.Once{})
	o.(*sync.Once).Do(func() {
		g.log.Error().Str("cause", cause).Msg(reason)
		if g.cfg.OnHalt != nil {
			g.cfg.OnHalt(reason)
		}
		if g.closed.Load() || g.sctx == nil {
			return
		}
		g.wg.Add(1)
		go func() {
			defer g.wg.Done()
			ctx, cancel := context.WithTimeout(g.sctx, g.cfg.RequestTimeout)
			defer cancel()
			if err := g.CancelAll(ctx); err != nil && !g.closed.Load() {
				g.log.Error().Err(err).Msg("cancel all after a halt failed: the engine still cancels its own orders")
			}
		}()
	})
}

// Place sends o (engine goroutine). A write that fails closes the connection but
// returns nil: the order may have left, so it stays in the table as unknown.
func (g *FuturesGateway) Place(o *risk.Order, now int64) error {
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
	if !g.limits.allow(wall, futWeightPlace, prioOrder, true) {
		return ErrRateLimited
	}
	g.table.add(o.ID, o.Price, o.Qty, now)
	g.wbuf = g.enc.AppendSignedPlace(g.wbuf[:0], o, wall, g.hot)
	g.placed.Add(1)
	g.write(c, o.ID)
	return nil
}

// Cancel asks the venue to cancel order id; see Gateway.Cancel.
func (g *FuturesGateway) Cancel(id uint64, now int64) error {
	o, ok := g.table.get(id)
	if !ok {
		return nil
	}
	if g.conn.Load() == nil {
		o.wantCancel = true
		if g.closed.Load() {
			return ErrClosed
		}
		return ErrNotConnected
	}
	g.table.requestCancel(o, now)
	return nil
}

// Modify asks the venue to change working order id's price and total quantity in place
// (order.modify; the order keeps its id): side is the order's side (engine.Modifier).
// The outcome reaches a ModifySink; a modify the venue refuses leaves the order as it
// was. An order not in the table (final) or unknown is an error.
func (g *FuturesGateway) Modify(id uint64, side orderbook.Side, price, qty, now int64) error {
	w, ok := g.table.get(id)
	if !ok || w.state == StateUnknown {
		return fmt.Errorf("futures gateway: modify %d: %w", id, ErrNotLive)
	}
	c := g.conn.Load()
	if c == nil {
		return ErrNotConnected
	}
	wall := time.Now().UnixMilli()
	if !g.limits.allow(wall, futWeightModify, prioOrder, true) {
		return ErrRateLimited
	}
	g.wbuf = g.enc.AppendSignedModify(g.wbuf[:0], id, side, price, qty, wall, g.hot)
	g.modifies.Add(1)
	g.write(c, id)
	return nil
}

// ErrNotLive is a modify of an order that is final or whose state is unknown.
var ErrNotLive = errors.New("order not live")

func (g *FuturesGateway) sendCancel(id uint64, now int64) bool {
	c := g.conn.Load()
	if c == nil {
		return false
	}
	wall := time.Now().UnixMilli()
	if !g.limits.allow(wall, futWeightCancel, prioRescue, false) {
		return false
	}
	g.wbuf = g.enc.AppendSignedCancel(g.wbuf[:0], id, wall, g.hot)
	g.cancels.Add(1)
	return g.write(c, id)
}

func (g *FuturesGateway) query(id uint64, now int64) bool {
	c := g.conn.Load()
	if c == nil {
		return false
	}
	wall := time.Now().UnixMilli()
	if !g.limits.allow(wall, futWeightStatus, prioRescue, false) {
		return false
	}
	g.wbuf = g.enc.AppendSignedStatus(g.wbuf[:0], id, wall, g.hot)
	g.queries.Add(1)
	return g.write(c, id)
}

func (g *FuturesGateway) write(c *live.Conn, id uint64) bool {
	if err := c.WriteText(g.wbuf, time.Now().Add(g.cfg.WriteTimeout)); err != nil {
		g.writeFailures.Add(1)
		g.log.Error().Err(err).Uint64("order", id).Msg("order write failed: closing the connection; the order's state is unknown until queried")
		c.Close()
		return false
	}
	return true
}

// Drain hands the answers queued since the last call to sink, checks funding payments,
// and runs the order timeouts (engine goroutine).
func (g *FuturesGateway) Drain(sink Sink, now int64) {
	if g.cfg.MarkSource != nil {
		m := g.cfg.MarkSource()
		g.marks.observe(m)
		g.watchMark(m, now)
	}
	for {
		a, ok := g.ring.Pop()
		if !ok {
			break
		}
		switch a.kind {
		case ansReport, ansStatus, ansForced, ansFunding, ansTrades:
			g.bookedEvents++ // may book into the wallet: the tolerance of the next comparison
		}
		switch a.kind {
		case ansFunding:
			g.checkFunding(&a)
			if fs, ok := sink.(FundingSink); ok {
				// The venue's amount is what the wallet got: it is what is booked.
				amt := decimal.New(a.price, -int32(fundingScale)).Shift(int32(g.cfg.PriceScale)).Round(0).IntPart()
				fs.OnFunding(g.cfg.Instrument, amt, now)
			}
			continue
		case ansForced:
			if fs, ok := sink.(ForcedFillSink); ok {
				side := orderbook.Ask
				if a.maker {
					side = orderbook.Bid
				}
				// The same carry as the orders' fills: the engine's fees are the
				// account's commissions rounded once.
				fs.OnForcedFill(g.cfg.Instrument, side, a.price, a.last, g.table.fees.Add(a.fee), now)
			}
			continue
		case ansConnected, ansDisconnected:
			g.table.apply(&a, sink, now)
			continue
		}
		o, live := g.table.get(a.id)
		if !live {
			g.dropped.Add(1)
			continue
		}
		switch a.kind {
		case ansModifyOK:
			// The answer and the AMENDMENT event both say it: the sink hears it once.
			if o.price == a.price && o.qty == a.last {
				continue
			}
			o.price, o.qty = a.price, a.last
			if ms, ok := sink.(ModifySink); ok {
				ms.OnModified(a.id, a.price, a.last, now)
			}
			continue
		case ansModifyErr:
			if ms, ok := sink.(ModifySink); ok {
				ms.OnModifyRejected(a.id, a.reason, now)
			}
			continue
		}
		g.table.apply(&a, sink, now)
	}
	// The account a reconciliation read is handed over after the answers queued before
	// it, so that the engine's figures it is compared with include them.
	g.deliverPerpAccount(sink)
	if now-g.swept >= int64(time.Millisecond) {
		g.swept = now
		g.table.sweep(now, sink)
	}
}

// State returns the state of order id and whether it is live. Engine goroutine only.
func (g *FuturesGateway) State(id uint64) (OrderState, bool) {
	o, ok := g.table.get(id)
	if !ok {
		return 0, false
	}
	return o.state, true
}

func (g *FuturesGateway) push(a answer) {
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

// readAPI decodes the WebSocket API's answers until the connection fails. The ring has
// two producers (this reader and the user data stream's), so pushes are serialized.
func (g *FuturesGateway) readAPI(c *live.Conn) {
	for {
		_, msg, err := c.Next()
		if err != nil {
			if !g.closed.Load() {
				g.log.Warn().Err(err).Msg("order connection read failed")
			}
			g.failWaiters(err)
			g.pushLocked(answer{kind: ansDisconnected})
			return
		}
		if err := g.handleAnswer(msg); err != nil {
			g.skip(err)
		}
	}
}

// readStream decodes the user data stream's events until the connection fails.
func (g *FuturesGateway) readStream(c *live.Conn) {
	for {
		_, msg, err := c.Next()
		if err != nil {
			if !g.closed.Load() {
				g.log.Warn().Err(err).Msg("user data stream read failed")
			}
			return
		}
		if err := g.handleEvent(msg); err != nil {
			g.skip(err)
		}
	}
}

func (g *FuturesGateway) skip(err error) {
	n := g.malformed.Add(1)
	if n <= 10 || n%1000 == 0 {
		g.log.Warn().Err(err).Uint64("malformed", n).Msg("venue message skipped")
	}
}

func (g *FuturesGateway) pushLocked(a answer) {
	g.pushMu.Lock()
	g.push(a)
	g.pushMu.Unlock()
}

func (g *FuturesGateway) failWaiters(err error) {
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

// handleAnswer decodes one WebSocket API answer (reader goroutine; encoding/json).
func (g *FuturesGateway) handleAnswer(msg []byte) error {
	var m wireMsg
	if err := json.Unmarshal(msg, &m); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	if m.ID == nil || *m.ID == "" {
		return errors.New("answer without id")
	}
	id := *m.ID
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
	if !ok {
		a.reason = "venue error " + strconv.Itoa(r.code) + ": " + r.msg
	}
	switch id[0] {
	case idPlace:
		a.kind = pick(ok, ansPlaceOK, ansPlaceErr)
		if !ok && r.code != codeUnknownSend {
			g.countReject(m.Status, r.code)
		}
	case idCancel:
		a.kind = pick(ok, ansCancelOK, ansCancelErr)
		if ok {
			// The cancelled order's executedQty and orderId: fills beyond what the
			// reports told are learnt from the trade list before the order ends.
			if _, a.cum, a.venueID, err = orderResult(m.Result, g.cfg.QtyScale); err != nil {
				return fmt.Errorf("order.cancel result: %w", err)
			}
		}
	case idModify:
		a.kind = pick(ok, ansModifyOK, ansModifyErr)
		if ok {
			var st struct {
				Price   string `json:"price"`
				OrigQty string `json:"origQty"`
			}
			if err := json.Unmarshal(m.Result, &st); err != nil {
				return fmt.Errorf("order.modify result: %w", err)
			}
			if a.price, err = g.cfg.PriceScale.ParseString(st.Price); err != nil {
				return fmt.Errorf("order.modify price %q: %w", st.Price, err)
			}
			if a.last, err = g.cfg.QtyScale.ParseString(st.OrigQty); err != nil {
				return fmt.Errorf("order.modify origQty %q: %w", st.OrigQty, err)
			}
		}
	case idStatus:
		a.kind = pick(ok, ansStatus, ansStatusErr)
		if ok {
			if a.status, a.cum, a.venueID, err = orderResult(m.Result, g.cfg.QtyScale); err != nil {
				return fmt.Errorf("order.status result: %w", err)
			}
		}
	default:
		return fmt.Errorf("answer id %q of no request kind", id)
	}
	if !ok {
		refused(&g.log, id[0], oid, r.code, r.msg)
	}
	g.pushLocked(a)
	return nil
}

// firstForced reports whether client names a forced order no event named before, and
// remembers it.
func (g *FuturesGateway) firstForced(client string) bool {
	g.forcedMu.Lock()
	defer g.forcedMu.Unlock()
	if _, seen := g.forcedCum[client]; seen {
		return false
	}
	if g.forcedCum == nil || len(g.forcedCum) >= maxForcedOrders {
		g.forcedCum = map[string]int64{} // forced orders are rare; an old one is finished
	}
	g.forcedCum[client] = 0
	return true
}

// forcedFill hands the engine what a forced order (liquidation, ADL, settlement) has
// filled since its last event: its cumulative quantity z grows by the fill. The docs
// show such an order as NEW and then its executions (CALCULATED for a liquidation, or
// TRADE); counting by z books each quantity once whichever events carry it.
func (g *FuturesGateway) forcedFill(o *futuresOrderEvent) error {
	if o.CumQty == "" {
		return nil
	}
	cum, err := g.cfg.QtyScale.ParseString(o.CumQty)
	if err != nil {
		return fmt.Errorf("ORDER_TRADE_UPDATE z of a forced order: %w", err)
	}
	g.forcedMu.Lock()
	defer g.forcedMu.Unlock()
	done := g.forcedCum[o.Client]
	if cum <= done {
		return nil
	}
	px := o.LastPrice
	if d, err := decimal.NewFromString(px); err != nil || !d.IsPositive() {
		px = o.AvgPrice // an execution without its own last price: the average
	}
	price, err := g.cfg.PriceScale.ParseString(px)
	if err != nil || price <= 0 {
		return fmt.Errorf("ORDER_TRADE_UPDATE of forced order %s: no price (L %q, ap %q)", o.Client, o.LastPrice, o.AvgPrice)
	}
	if g.forcedCum == nil {
		g.forcedCum = map[string]int64{}
	}
	g.forcedCum[o.Client] = cum
	g.forcedFills.Add(1)
	g.pushLocked(answer{kind: ansForced, maker: o.Side == "BUY", price: price, last: cum - done, fee: g.fee(o.Fee, o.FeeAsset)})
	return nil
}

// maxForcedOrders bounds the forced orders whose filled quantity is remembered.
const maxForcedOrders = 64

// countReject counts a refused order by its reason.
func (g *FuturesGateway) countReject(status, code int) {
	k := rejOther
	switch {
	case code == codeMarginInsufficient:
		k = rejMargin
	case code == codeReduceOnlyReject:
		k = rejReduceOnly
	case code == codeGTXReject:
		k = rejPostOnly
	case code == codeFOKReject:
		k = rejFOK
	case status == 429 || status == 418 || code == codeTooMany || code == codeTooManyOrder:
		k = rejRateLimit
	case code == -1013 || code == -1111 || code == -4002 || code == -4003 || code == -4004 || code == -4005 ||
		code == -4013 || code == -4014 || code == -4016 || code == -4023 || code == -4024 || code == -4131 || code == -4164:
		// USD-M "Error Codes": INVALID_MESSAGE (a filter failure), BAD_PRECISION, price
		// above max, quantity below zero, below min, above max, price below min, not a
		// multiple of the tick, above or below the mark price multiplier (PERCENT_PRICE),
		// quantity not a multiple of the step, MARKET_ORDER_REJECT (PERCENT_PRICE),
		// MIN_NOTIONAL.
		k = rejFilter
	}
	g.rejects[k].Add(1)
}

// rateLimit acts on a 429 or 418 answer as the spot gateway does; a ban halts.
func (g *FuturesGateway) rateLimit(status, code int, msg string, data json.RawMessage, now int64) {
	switch {
	case status == 418:
		g.limits.pause(retryAfter(data, now), true)
		g.banned.Add(1)
		g.halt("ban", "banned by the venue (418): trading halted: "+msg)
	case status == 429 || code == codeTooMany || code == codeTooManyOrder:
		until := retryAfter(data, now)
		g.limits.pause(until, false)
		if n := g.rateLimited.Add(1); n <= 10 || n%100 == 0 {
			g.log.Warn().Int("code", code).Str("msg", msg).Int64("pause_ms", until-now).Uint64("count", n).Msg("rate limited by the venue: pausing requests")
		}
	}
}

// handleEvent decodes one user data stream event and acts on it (reader goroutine).
func (g *FuturesGateway) handleEvent(msg []byte) error {
	ev, err := decodeFuturesEvent(msg)
	if err != nil {
		return err
	}
	switch ev.Type {
	case evOrderTradeUpdate:
		return g.orderEvent(&ev)
	case evAccountUpdate:
		g.accountEvent(&ev)
	case evMarginCall:
		g.marginCalls.Add(1)
		var detail []string
		for _, p := range ev.Called {
			detail = append(detail, p.Symbol+" "+p.Amount+" at mark "+p.Mark+", maintenance "+p.Maintenance)
		}
		g.halt("margin-call", "margin call on the account ("+strings.Join(detail, "; ")+"): trading halted")
	case evListenKeyExpired:
		g.log.Warn().Msg("listen key expired: reopening the user data stream with a new one")
		if c := g.ustream.Load(); c != nil {
			c.Close()
		}
	case evAccountConfigUpdate:
		if ev.ConfigSymbol == g.cfg.Symbol && g.cfg.Leverage > 0 && ev.ConfigLeverage != int64(g.cfg.Leverage) {
			g.log.Warn().Int64("leverage", ev.ConfigLeverage).Int("configured", g.cfg.Leverage).Msg("leverage changed at the venue by someone else")
		}
	case evTradeLite:
		// Fills come from ORDER_TRADE_UPDATE, which carries the commission and the
		// cumulative quantity; TRADE_LITE is its faster, shorter twin.
	}
	return nil
}

func (g *FuturesGateway) orderEvent(ev *futuresEvent) error {
	o := &ev.Order
	if o.Symbol != g.cfg.Symbol {
		g.dropped.Add(1)
		return nil
	}
	if kind := forcedKind(o); kind != "" {
		if o.Exec == "NEW" || o.Exec == "CALCULATED" || o.Exec == "TRADE" {
			if g.firstForced(o.Client) {
				// Counted once per forced order, whichever of its events comes first.
				switch kind {
				case "liquidation":
					g.liquidations.Add(1)
				case "adl":
					g.adls.Add(1)
				case "settlement":
					g.settlements.Add(1)
				}
			}
			g.halt(kind, fmt.Sprintf("%s on %s: %s %s at %s (client id %s, execution %s): trading halted",
				kind, o.Symbol, o.Side, o.Qty, o.Price, o.Client, o.Exec))
		}
		return g.forcedFill(o)
	}
	num, ok := strings.CutPrefix(o.Client, g.cfg.Prefix)
	if !ok {
		g.dropped.Add(1)
		return nil
	}
	id, err := strconv.ParseUint(num, 10, 64)
	if err != nil {
		return fmt.Errorf("ORDER_TRADE_UPDATE client id %q: %w", o.Client, err)
	}
	a := answer{kind: ansReport, id: id, status: parseStatus(o.Status)}
	switch o.Exec {
	case "NEW":
		a.exec = exNew
	case "TRADE":
		a.exec = exTrade
	case "CANCELED":
		a.exec = exCanceled
	case "EXPIRED":
		a.exec = exExpired
		a.reason = expiryReason(int64(o.ExpiryReason))
	case "AMENDMENT":
		a.kind = ansModifyOK
		if a.price, err = g.cfg.PriceScale.ParseString(o.Price); err != nil {
			return fmt.Errorf("ORDER_TRADE_UPDATE p: %w", err)
		}
		if a.last, err = g.cfg.QtyScale.ParseString(o.Qty); err != nil {
			return fmt.Errorf("ORDER_TRADE_UPDATE q: %w", err)
		}
		g.pushLocked(a)
		return nil
	default:
		a.exec = exOther
	}
	if a.exec == exCanceled || a.exec == exExpired {
		// The order's end says how much of it filled (z): more than the trade updates
		// told is fills the stream missed, learnt from userTrades by its orderId (i)
		// before the end applies (orders.apply).
		if a.cum, err = g.cfg.QtyScale.ParseString(o.CumQty); err != nil {
			return fmt.Errorf("ORDER_TRADE_UPDATE z: %w", err)
		}
		a.venueID = int64(o.OrderID)
	}
	if a.exec == exTrade {
		if a.price, err = g.cfg.PriceScale.ParseString(o.LastPrice); err != nil {
			return fmt.Errorf("ORDER_TRADE_UPDATE L: %w", err)
		}
		if a.last, err = g.cfg.QtyScale.ParseString(o.LastQty); err != nil {
			return fmt.Errorf("ORDER_TRADE_UPDATE l: %w", err)
		}
		if a.cum, err = g.cfg.QtyScale.ParseString(o.CumQty); err != nil {
			return fmt.Errorf("ORDER_TRADE_UPDATE z: %w", err)
		}
		a.maker = o.Maker
		a.fee = g.fee(o.Fee, o.FeeAsset)
	}
	g.pushLocked(a)
	return nil
}

// expiryReason names ORDER_TRADE_UPDATE's er.
func expiryReason(er int64) string {
	switch er {
	case 1:
		return "expired by self-trade prevention"
	case 2:
		return "IOC remainder cancelled"
	case 3:
		return "IOC remainder cancelled by self-trade prevention"
	case 4:
		return "knocked out by a higher priority reduce-only order"
	case 5:
		return "expired when the account was liquidated"
	case 6:
		return "GTE condition unsatisfied"
	case 7:
		return "symbol delisted"
	}
	return ""
}

// askTrades asks GET /fapi/v1/userTrades (symbol and orderId, the venue's venueID; from
// trade id fromID when not 0) for order id's trades, on a goroutine of the gateway's
// (the engine's goroutine must not wait for REST), which queues the answer for Drain.
// The state machine calls it to learn fills no event told; it reports false when the
// gateway is closed or maxTradeRequests are in flight (asked again after the backoff).
func (g *FuturesGateway) askTrades(id uint64, venueID, fromID int64, now int64) bool {
	if g.closed.Load() || g.sctx == nil {
		return false
	}
	select {
	case g.tradeSlots <- struct{}{}:
	default:
		return false
	}
	g.tradeQueries.Add(1)
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		defer func() { <-g.tradeSlots }()
		q := url.Values{"symbol": {g.cfg.Symbol}, "orderId": {strconv.FormatInt(venueID, 10)}, "limit": {strconv.Itoa(maxTradePage)}}
		if fromID > 0 {
			q.Set("fromId", strconv.FormatInt(fromID, 10))
		}
		var list []futuresTrade
		ctx, cancel := context.WithTimeout(g.sctx, g.cfg.RequestTimeout)
		g.restMu.Lock()
		err := g.rest.call(ctx, http.MethodGet, "/fapi/v1/userTrades", q, true, futWeightTrades, &list)
		g.restMu.Unlock()
		cancel()
		a := answer{kind: ansTrades, id: id}
		if err == nil {
			a.trades, err = g.trades(list)
		}
		if err != nil {
			if g.closed.Load() {
				return
			}
			a = answer{kind: ansTradesErr, id: id, reason: err.Error()}
		}
		g.pushLocked(a)
	}()
	return true
}

// futuresTrade is one trade of GET /fapi/v1/userTrades.
type futuresTrade struct {
	ID              int64  `json:"id"`
	OrderID         int64  `json:"orderId"`
	Price           string `json:"price"`
	Qty             string `json:"qty"`
	Commission      string `json:"commission"`
	CommissionAsset string `json:"commissionAsset"`
	Maker           bool   `json:"maker"`
	Buyer           bool   `json:"buyer"`
}

// trades converts a userTrades answer into the order's trades, by trade id, each
// commission valued as an event's is (see fee).
func (g *FuturesGateway) trades(list []futuresTrade) ([]trade, error) {
	out := make([]trade, 0, len(list))
	for _, v := range list {
		tr := trade{id: v.ID, maker: v.Maker}
		var err error
		if tr.price, err = g.cfg.PriceScale.ParseString(v.Price); err != nil {
			return nil, fmt.Errorf("userTrades trade %d price %q: %w", v.ID, v.Price, err)
		}
		if tr.qty, err = g.cfg.QtyScale.ParseString(v.Qty); err != nil {
			return nil, fmt.Errorf("userTrades trade %d qty %q: %w", v.ID, v.Qty, err)
		}
		tr.fee = g.fee(v.Commission, v.CommissionAsset)
		out = append(out, tr)
	}
	slices.SortFunc(out, func(a, b trade) int { return cmp.Compare(a.id, b.id) })
	return out, nil
}

// fee converts a fill's commission into feeScale units of the margin asset, which the
// order table's carry passes to the engine in price units. USD-M sends the commission
// as a positive amount (older payloads: negative for a charge); its magnitude is the
// fee. A commission in another asset is valued at FeePrices.
func (g *FuturesGateway) fee(amount, asset string) int64 {
	n, err := decimal.NewFromString(amount)
	if err != nil || n.IsZero() {
		return 0
	}
	n = n.Abs()
	if asset != g.cfg.MarginAsset {
		p, ok := g.cfg.FeePrices[asset]
		if !ok {
			if c := g.unpricedFees.Add(1); c <= 10 || c%1000 == 0 {
				g.log.Warn().Str("asset", asset).Uint64("count", c).Msg("commission in an asset without a price (FeePrices): valued at zero")
			}
			return 0
		}
		n = n.Mul(p)
	}
	return feeFine(n, feeScale(g.cfg.PriceScale))
}

// accountEvent takes ACCOUNT_UPDATE: the symbol's position, and a FUNDING_FEE balance
// change, which is queued for the funding check with the position held before it.
func (g *FuturesGateway) accountEvent(ev *futuresEvent) {
	g.posMu.Lock()
	held := g.position.Amount
	for _, p := range ev.Positions {
		if p.Symbol != g.cfg.Symbol || (p.PositionSide != "" && p.PositionSide != "BOTH") {
			continue
		}
		amt, err := decimal.NewFromString(p.Amount)
		if err != nil {
			continue
		}
		if ev.Reason == "FUNDING_FEE" {
			// An isolated position's FUNDING_FEE carries the position it was charged on
			// ("Event: Balance and Position Update"); a cross one only the balance, and
			// the position the events gave stands in.
			held = amt
		}
		g.position.Amount = amt
		g.position.EntryPrice = decimalOrZero(p.EntryPrice)
		g.position.Unrealized = decimalOrZero(p.Unrealized)
		g.position.MarginType = p.MarginType
	}
	g.posMu.Unlock()
	if ev.Reason != "FUNDING_FEE" || (ev.FundingSym != "" && ev.FundingSym != g.cfg.Symbol) {
		return
	}
	for _, b := range ev.Balances {
		if b.Asset != g.cfg.MarginAsset {
			continue
		}
		amt, err := decimal.NewFromString(b.BalanceChange)
		if err != nil {
			return
		}
		g.fundings.Add(1)
		g.pushLocked(answer{kind: ansFunding, price: amt.Shift(int32(fundingScale)).Round(0).IntPart(),
			cum: ev.TxTime, last: held.Shift(int32(g.cfg.QtyScale)).Round(0).IntPart()})
		return
	}
}

// checkFunding computes our funding payment for a venue's and records both (engine
// goroutine: the mark memory is its).
func (g *FuturesGateway) checkFunding(a *answer) {
	fc := FundingCheck{Time: a.cum, Position: decimal.New(a.last, -int32(g.cfg.QtyScale)),
		Venue: decimal.New(a.price, -int32(fundingScale))}
	if m, ok := g.marks.forTime(a.cum * int64(time.Millisecond)); ok {
		fc.Mark = decimal.New(m.Price, -int32(md.MarkPriceScale))
		fc.Rate = decimal.New(m.FundingRate, -int32(md.RateScale))
		fc.Ours = perp.FundingPayment(fc.Position, fc.Mark, fc.Rate)
		fc.Checked = true
		if fc.Ours.Sub(fc.Venue).Abs().GreaterThan(decimal.New(1, -2)) {
			g.fundingMismatches.Add(1)
			g.log.Warn().Str("venue_amount", fc.Venue.String()).Str("ours", fc.Ours.String()).Str("position", fc.Position.String()).
				Str("mark", fc.Mark.String()).Str("rate", fc.Rate.String()).Msg("funding payment differs from our computation")
		}
	}
	g.log.Info().Str("venue_amount", fc.Venue.String()).Str("ours", fc.Ours.String()).Bool("checked", fc.Checked).
		Str("position", fc.Position.String()).Msg("funding payment")
	g.fundMu.Lock()
	if len(g.fundingLg) >= maxFundingLog {
		g.fundingLg = append(g.fundingLg[:0], g.fundingLg[1:]...)
	}
	g.fundingLg = append(g.fundingLg, fc)
	g.fundMu.Unlock()
}

// markMemory remembers, on the engine's goroutine, the last mark message that announced
// each of the last few funding times: the rate charged at a funding time is the one the
// stream announced for it, on the mark seen last before it.
type markMemory struct {
	cur  md.PerpMark
	prev [4]md.PerpMark // the last message of each previous funding period, newest first
}

func (m *markMemory) observe(p md.PerpMark) {
	const want = md.HasMarkPrice | md.HasFundingRate | md.HasNextFunding
	if p.Fields&want != want {
		return
	}
	if m.cur.NextFunding != 0 && p.NextFunding != m.cur.NextFunding {
		copy(m.prev[1:], m.prev[:len(m.prev)-1])
		m.prev[0] = m.cur
	}
	m.cur = p
}

// forTime returns the mark message that announced funding time t (Unix ns), allowing
// the venue's and our clocks a second's disagreement.
func (m *markMemory) forTime(t int64) (md.PerpMark, bool) {
	near := func(p md.PerpMark) bool {
		d := p.NextFunding - t
		return p.NextFunding != 0 && d > -int64(time.Second) && d < int64(time.Second)
	}
	if near(m.cur) {
		return m.cur, true
	}
	for _, p := range m.prev {
		if near(p) {
			return p, true
		}
	}
	return md.PerpMark{}, false
}
