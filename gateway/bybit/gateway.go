package bybit

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/feeds/binance/live"
	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/internal/backoff"
	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/risk"
)

// Errors Place and Cancel return; the engine counts them as send failures.
var (
	ErrNotConnected = errors.New("bybit gateway: not connected to the venue")
	ErrClosed       = errors.New("bybit gateway: closed")
	// ErrUnknownOrder and ErrModifyPending refuse a Modify before anything is sent.
	ErrUnknownOrder  = errors.New("order not open at the gateway")
	ErrModifyPending = errors.New("a modify of the order is awaiting its answer")
	// ErrGaveUp is the gateway's state after Config.MaxReconnects reconnects in a row
	// failed: it refuses every order from then on (fail closed).
	ErrGaveUp = errors.New("bybit gateway: reconnect attempts exhausted: trading stopped")
)

// Config is what a Gateway needs.
type Config struct {
	// TradeURL is the trade API (wss://stream.bybit.com/v5/trade), PrivateURL the
	// private streams (wss://stream.bybit.com/v5/private) and RESTURL the REST API
	// (https://api.bybit.com) that reconciliation queries.
	TradeURL, PrivateURL, RESTURL string
	// Category, Symbol and the instrument's assets and scales; Instrument is its index
	// in the engine's table, for the funding payments it books (FundingSink).
	Category                      Category
	Instrument                    instrument.Index
	Symbol, BaseAsset, QuoteAsset string
	PriceScale, QtyScale          fixed.Scale
	// Credentials sign the logins and REST queries.
	Credentials Credentials
	// Prefix starts every orderLinkId, followed by the engine's order id; it must be
	// unique per session. Empty means "nt", 6 random characters and '-'.
	Prefix string
	// RecvWindow is X-BAPI-RECV-WINDOW; 0 means Bybit's 5 s.
	RecvWindow time.Duration
	// PingEvery is the heartbeat on both connections: Bybit asks for {"op":"ping"}
	// every 20 s (v5/ws/connect), the default. A connection silent for three
	// periods is dropped and reconnected.
	PingEvery time.Duration
	// BackoffMin and BackoffMax bound the reconnect delay (capped exponential, with
	// jitter); 0 means 200 ms and 10 s.
	BackoffMin, BackoffMax time.Duration
	// MaxReconnects is how many reconnects in a row may fail before the gateway gives
	// up and refuses every order (ErrGaveUp; OnFatal is called); 0 means 8.
	MaxReconnects int
	// RequestTimeout bounds dialling, logging in and each REST query; 0 means 5 s.
	RequestTimeout time.Duration
	// WriteTimeout bounds one socket write on the tick path; 0 means 200 ms.
	WriteTimeout time.Duration
	// Wake, if set, is called after answers are queued for Drain.
	Wake func()
	// OnFatal, if set, is called once when the gateway gives up reconnecting: the
	// owner halts trading.
	OnFatal func(err error)
	// HTTPClient makes the REST queries; nil means one with RequestTimeout.
	HTTPClient *http.Client
	Logger     zerolog.Logger
}

// Counters are what a Gateway has done; read them from any goroutine.
type Counters struct {
	Placed, Cancels, Amends uint64 // requests sent
	Answers                 uint64 // answers queued for the engine
	// Rejects are orders the venue refused (retCode on order.create, Rejected or
	// EC_PostOnlyWillTakeLiquidity on the order stream). RejectCodes counts the
	// retCodes of refused requests, creates, amends and cancels alike.
	Rejects     uint64
	RejectCodes map[int]uint64
	Reconnects  uint64
	// Reconciled are orders whose state was read from /v5/order/realtime after a
	// reconnect; Recovered the fills the streams had not said that were read from
	// /v5/execution/list, each with its price, quantity and fee; RecoveredNoFee the
	// fills only the order's cumulative quantity showed (the execution list could not
	// be read, or ran past its page bound): one fill at the average price, fee 0;
	// Lost the orders the venue did not know (they never reached it).
	Reconciled, Recovered, RecoveredNoFee, Lost uint64
	Malformed                                   uint64
	WriteFailures                               uint64
	Duplicates                                  uint64 // fills dropped as already counted
	FundingPayments                             uint64
	// FundingMismatches are funding payments that differ from package perp's
	// FundingPayment of the same position, mark and rate by more than 0.01 quote.
	FundingMismatches uint64
}

// Account is what the gateway knows of the account: the position (linear) and wallet,
// from the REST queries at start and after reconnects and from the streams since.
type Account struct {
	Position PositionUpdate
	Wallet   WalletUpdate
	// FundingPaid is the sum of funding payments (positive: paid).
	FundingPaid decimal.Decimal
	// HasPosition and HasWallet say which of the above the venue has reported.
	HasPosition, HasWallet bool
}

// Gateway is the Bybit v5 order gateway of one instrument: orders over the trade API,
// their fate over the private streams, both connections kept up by the gateway. Place,
// Cancel and Drain belong to the engine's goroutine; Start, CancelAll and Close to its
// owner. One goroutine per connection reads it; one supervisor keeps the pair alive.
type Gateway struct {
	cfg  Config
	log  zerolog.Logger
	enc  *Encoder
	http *http.Client

	// Engine goroutine.
	wbuf  []byte
	table map[uint64]*gwOrder
	pool  []*gwOrder
	// fees passes the fills' fees (answer.fee, fineScale units of the quote) on in
	// price units: the exact total rounded once, whichever reader or REST recovery
	// read them.
	fees fixed.Carry

	// Both connections, replaced together on reconnect.
	trade, priv atomic.Pointer[live.Conn]
	connected   atomic.Bool
	gaveUp      atomic.Bool
	closed      atomic.Bool
	lastHeard   atomic.Int64 // Unix ns of the last message on either connection
	encMu       sync.Mutex   // the encoder numbers requests: Place/Cancel and CancelAll share it
	cancel      context.CancelFunc
	wg          sync.WaitGroup
	started     bool
	fatalOnce   sync.Once

	// Answers from the readers to the engine.
	qmu     sync.Mutex
	queue   []answer
	spare   []answer
	leaves  map[uint64]int64 // an execution's leavesQty, for the OnFill that follows it
	liveIDs map[uint64]struct{}
	// execs are the execIds delivered of each live order, from the stream or
	// recovered over REST: a fill reaches the engine once, whichever way it came.
	execs map[uint64]map[string]struct{}

	accMu sync.Mutex
	acct  Account
	// fundLog lists the funding payments, oldest first, at most maxFundingLog.
	fundLog []FundingUpdate

	placed, cancels, amends, answers, rejects, reconnects atomic.Uint64
	reconciled, recovered, recoveredNoFee, lost           atomic.Uint64
	malformed, writeFails                                 atomic.Uint64
	duplicates, fundings, fundMismatch                    atomic.Uint64
	codeMu                                                sync.Mutex
	codes                                                 map[int]uint64
}

type answerKind uint8

const (
	ansAck answerKind = iota + 1
	ansFill
	ansCancelled
	ansRejected
	// ansStatus is an order's state read from /v5/order/realtime: status, cum
	// quantity and value.
	ansStatus
	ansLost
	// ansFunding is a funding payment of the position: price holds what it added to
	// the account, in price units (negative: paid).
	ansFunding
	// ansAmended and ansAmendRejected are an order.amend's answer (reason: Bybit's
	// "retCode: retMsg").
	ansAmended
	ansAmendRejected
)

// ModifySink is a Sink that learns the outcome of Modify (the engine's OnModified and
// OnModifyRejected); Drain calls it when the order.amend answer comes.
type ModifySink interface {
	OnModified(id uint64, price, qty int64, now int64)
	OnModifyRejected(id uint64, reason string, now int64)
}

// FundingSink is a Sink that books funding payments (*engine.Engine implements it):
// amount in price units of the instrument, positive received, negative paid.
type FundingSink interface {
	OnFunding(i instrument.Index, amount int64, now int64)
}

type answer struct {
	kind       answerKind
	id         uint64
	price, qty int64
	fee        int64
	maker      bool
	leaves     int64 // -1: unknown
	cum        int64 // ansStatus: cumExecQty (price: the average price, cumExecValue / cumExecQty)
	final      bool  // ansStatus: the order is done at the venue
	cancelled  bool  // ansStatus: done by cancel (else filled, or rejected with reason)
	reason     string
	now        int64
}

// gwOrder is one order of the engine's table.
type gwOrder struct {
	id          uint64
	qty, filled int64
	acked       bool
	// A Modify awaiting its answer: the terms sent, and the quantity to go back to
	// if Bybit refuses them.
	modifying              bool
	modPrice, modQty, oldQ int64
}

// New returns a gateway for cfg; it does not connect until Start.
func New(cfg Config) (*Gateway, error) {
	if cfg.TradeURL == "" || cfg.PrivateURL == "" || cfg.RESTURL == "" {
		return nil, errors.New("bybit gateway: config: TradeURL, PrivateURL and RESTURL are required")
	}
	if cfg.BaseAsset == "" || cfg.QuoteAsset == "" {
		return nil, errors.New("bybit gateway: config: BaseAsset and QuoteAsset are required")
	}
	if cfg.Credentials.apiKey == "" {
		return nil, errors.New("bybit gateway: config: no credentials")
	}
	if cfg.Prefix == "" {
		const digits = "abcdefghijklmnopqrstuvwxyz0123456789"
		b := []byte("nt")
		for range 6 {
			b = append(b, digits[rand.IntN(len(digits))])
		}
		cfg.Prefix = string(append(b, '-'))
	}
	if cfg.PingEvery <= 0 {
		cfg.PingEvery = 20 * time.Second
	}
	if cfg.BackoffMin <= 0 {
		cfg.BackoffMin = 200 * time.Millisecond
	}
	if cfg.BackoffMax <= 0 {
		cfg.BackoffMax = 10 * time.Second
	}
	if cfg.MaxReconnects <= 0 {
		cfg.MaxReconnects = 8
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 5 * time.Second
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = 200 * time.Millisecond
	}
	enc, err := NewEncoder(cfg.Category, cfg.Symbol, cfg.PriceScale, cfg.QtyScale, cfg.Prefix, cfg.RecvWindow.Milliseconds())
	if err != nil {
		return nil, err
	}
	g := &Gateway{cfg: cfg, log: cfg.Logger.With().Str("gateway", "bybit-"+string(cfg.Category)).Str("symbol", cfg.Symbol).Logger(),
		enc: enc, http: cfg.HTTPClient,
		wbuf: make([]byte, 0, 1024), table: make(map[uint64]*gwOrder, 1024),
		queue: make([]answer, 0, 1024), spare: make([]answer, 0, 1024),
		leaves: make(map[uint64]int64, 64), liveIDs: make(map[uint64]struct{}, 1024),
		execs: make(map[uint64]map[string]struct{}, 64), codes: map[int]uint64{},
		fees: newFeeCarry(cfg.PriceScale)}
	if g.http == nil {
		g.http = &http.Client{Timeout: cfg.RequestTimeout}
	}
	for range 256 {
		g.pool = append(g.pool, &gwOrder{})
	}
	return g, nil
}

// Prefix returns the orderLinkId prefix of this session.
func (g *Gateway) Prefix() string { return g.cfg.Prefix }

// Start reads the account (position and wallet on linear, open orders of the symbol),
// then connects, logs in and subscribes both connections, and keeps them up until
// Close. It refuses to start when the symbol has open orders: nanotick would not know
// whose they are.
func (g *Gateway) Start(ctx context.Context) (Account, error) {
	if g.started {
		return Account{}, errors.New("bybit gateway: already started")
	}
	open, err := g.openOrders(ctx)
	if err != nil {
		return Account{}, fmt.Errorf("bybit gateway: start: %w", err)
	}
	if open > 0 {
		return Account{}, fmt.Errorf("bybit gateway: start: %d open orders on %s %s: cancel them first (nanotick does not trade beside orders it did not send)", open, g.cfg.Category, g.cfg.Symbol)
	}
	if err := g.readAccount(ctx); err != nil {
		return Account{}, fmt.Errorf("bybit gateway: start: %w", err)
	}
	if err := g.connect(ctx); err != nil {
		return Account{}, fmt.Errorf("bybit gateway: start: %w", err)
	}
	g.started = true
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	g.cancel = cancel
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		g.supervise(sctx)
	}()
	return g.Account(), nil
}

// Account returns what the gateway knows of the account now.
func (g *Gateway) Account() Account {
	g.accMu.Lock()
	defer g.accMu.Unlock()
	return g.acct
}

// maxFundingLog bounds the payments Fundings lists: three a day for a year (the
// counters and Account's FundingPaid keep counting past it).
const maxFundingLog = 1100

// Fundings returns a copy of the funding payments received so far, oldest first.
func (g *Gateway) Fundings() []FundingUpdate {
	g.accMu.Lock()
	defer g.accMu.Unlock()
	return append([]FundingUpdate(nil), g.fundLog...)
}

// Counters returns what the gateway has done.
func (g *Gateway) Counters() Counters {
	c := Counters{
		Placed: g.placed.Load(), Cancels: g.cancels.Load(), Amends: g.amends.Load(), Answers: g.answers.Load(),
		Rejects: g.rejects.Load(), Reconnects: g.reconnects.Load(), Reconciled: g.reconciled.Load(),
		Recovered: g.recovered.Load(), RecoveredNoFee: g.recoveredNoFee.Load(), Lost: g.lost.Load(), Malformed: g.malformed.Load(),
		WriteFailures: g.writeFails.Load(), Duplicates: g.duplicates.Load(), FundingPayments: g.fundings.Load(),
		FundingMismatches: g.fundMismatch.Load(), RejectCodes: map[int]uint64{},
	}
	g.codeMu.Lock()
	for k, v := range g.codes {
		c.RejectCodes[k] = v
	}
	g.codeMu.Unlock()
	return c
}

// connect dials, logs in and subscribes both connections, then starts their readers.
func (g *Gateway) connect(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, g.cfg.RequestTimeout)
	defer cancel()
	tc, err := g.login(ctx, g.cfg.TradeURL, nil)
	if err != nil {
		return fmt.Errorf("trade connection: %w", err)
	}
	topics := []string{"order", "execution"}
	if g.cfg.Category == Linear {
		topics = append(topics, "position", "wallet")
	}
	pc, err := g.login(ctx, g.cfg.PrivateURL, topics)
	if err != nil {
		tc.Close()
		return fmt.Errorf("private connection: %w", err)
	}
	g.lastHeard.Store(time.Now().UnixNano())
	g.trade.Store(tc)
	g.priv.Store(pc)
	g.connected.Store(true)
	return nil
}

// login dials u, authenticates and subscribes to topics, reading the answers itself.
func (g *Gateway) login(ctx context.Context, u string, topics []string) (*live.Conn, error) {
	c, err := live.Dial(ctx, u, g.cfg.RequestTimeout, 0)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*live.Conn, error) {
		c.Close()
		return nil, err
	}
	deadline := time.Now().Add(g.cfg.RequestTimeout)
	expires := time.Now().Add(g.cfg.RequestTimeout).UnixMilli()
	if err := c.WriteText(g.cfg.Credentials.AppendAuth(nil, expires), deadline); err != nil {
		return fail(err)
	}
	if err := g.await(c, "auth", deadline); err != nil {
		return fail(err)
	}
	if len(topics) > 0 {
		b, _ := json.Marshal(map[string]any{"req_id": "sub", "op": "subscribe", "args": topics})
		if err := c.WriteText(b, deadline); err != nil {
			return fail(err)
		}
		if err := g.await(c, "subscribe", deadline); err != nil {
			return fail(err)
		}
	}
	return c, nil
}

// await reads c until the answer to op, which must be a success. Other messages
// before it (none are expected) are passed over.
func (g *Gateway) await(c *live.Conn, op string, deadline time.Time) error {
	done := make(chan error, 1)
	go func() {
		for {
			_, p, err := c.Next()
			if err != nil {
				done <- err
				return
			}
			var m struct {
				Op      string `json:"op"`
				RetCode *int   `json:"retCode"`
				RetMsg  string `json:"retMsg"`
				Success *bool  `json:"success"`
				Msg2    string `json:"ret_msg"`
			}
			if json.Unmarshal(p, &m) != nil || m.Op != op {
				continue
			}
			if m.RetCode != nil && *m.RetCode != 0 || m.Success != nil && !*m.Success {
				code := 0
				if m.RetCode != nil {
					code = *m.RetCode
				}
				msg := m.RetMsg + m.Msg2
				if op == "auth" {
					done <- fmt.Errorf("%w: %d: %s", ErrAuth, code, msg)
				} else {
					done <- fmt.Errorf("bybit gateway: %s refused: %d: %s", op, code, msg)
				}
				return
			}
			done <- nil
			return
		}
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(time.Until(deadline)):
		c.Close() // ends the reading goroutine
		<-done
		return fmt.Errorf("bybit gateway: no answer to %s in time", op)
	}
}

// supervise runs the readers and the heartbeat of the current connections; when either
// connection breaks it closes both, reconnects with backoff and reconciles. It returns
// when ctx ends or the reconnects run out.
func (g *Gateway) supervise(ctx context.Context) {
	for {
		broken := make(chan struct{}, 2)
		var readers sync.WaitGroup
		tc, pc := g.trade.Load(), g.priv.Load()
		rd := NewReader(g.enc, g.cfg.BaseAsset, g.cfg.QuoteAsset)
		g.hook(rd)
		for _, c := range []*live.Conn{tc, pc} {
			readers.Add(1)
			go func(c *live.Conn) {
				defer readers.Done()
				g.read(c, rd)
				broken <- struct{}{}
			}(c)
		}
		g.heartbeat(ctx, broken, tc, pc)
		g.connected.Store(false)
		tc.Close()
		pc.Close()
		readers.Wait()
		if ctx.Err() != nil || g.closed.Load() {
			return
		}
		g.log.Warn().Msg("connection lost: reconnecting")
		if !g.reconnect(ctx) {
			return
		}
	}
}

// heartbeat pings both connections every PingEvery until one breaks, ctx ends, or
// nothing has been heard for three periods (the connection is then dropped).
func (g *Gateway) heartbeat(ctx context.Context, broken <-chan struct{}, conns ...*live.Conn) {
	t := time.NewTicker(g.cfg.PingEvery)
	defer t.Stop()
	// Bybit documents {"op":"ping"} for both the trade API and the private streams;
	// req_id is optional.
	ping := []byte(`{"op":"ping"}`)
	for {
		select {
		case <-ctx.Done():
			return
		case <-broken:
			return
		case <-t.C:
		}
		if silent := time.Since(time.Unix(0, g.lastHeard.Load())); silent > 3*g.cfg.PingEvery {
			g.log.Warn().Dur("silent", silent).Msg("no message from the venue for three heartbeats: dropping the connections")
			return
		}
		for _, c := range conns {
			if err := c.WriteText(ping, time.Now().Add(g.cfg.WriteTimeout)); err != nil {
				g.writeFails.Add(1)
				return
			}
		}
	}
}

// reconnect connects again with capped exponential backoff and jitter, at most
// MaxReconnects attempts, then reconciles the orders in flight. It reports false when
// the gateway gave up (or closed).
func (g *Gateway) reconnect(ctx context.Context) bool {
	for attempt := 1; ; attempt++ {
		wait := backoff.Delay(g.cfg.BackoffMin, g.cfg.BackoffMax, attempt-1)
		select {
		case <-ctx.Done():
			return false
		case <-time.After(wait):
		}
		err := g.connect(ctx)
		if err == nil {
			g.reconnects.Add(1)
			g.log.Info().Int("attempt", attempt).Msg("reconnected")
			g.reconcile(ctx)
			return true
		}
		g.log.Warn().Err(err).Int("attempt", attempt).Msg("reconnect failed")
		if errors.Is(err, ErrAuth) || attempt >= g.cfg.MaxReconnects {
			g.giveUp(fmt.Errorf("%w after %d attempts: %v", ErrGaveUp, attempt, err))
			return false
		}
	}
}

func (g *Gateway) giveUp(err error) {
	g.gaveUp.Store(true)
	g.log.Error().Err(err).Msg("giving up: every order is refused from now on")
	g.fatalOnce.Do(func() {
		if g.cfg.OnFatal != nil {
			g.cfg.OnFatal(err)
		}
	})
}

// read reads one connection until it breaks, turning what it says into answers.
func (g *Gateway) read(c *live.Conn, rd *Reader) {
	sink := queueSink{g}
	for {
		_, p, err := c.Next()
		if err != nil {
			return
		}
		now := time.Now().UnixNano()
		g.lastHeard.Store(now)
		g.qmu.Lock()
		herr := rd.Handle(p, now, sink)
		g.qmu.Unlock()
		if herr != nil {
			if errors.Is(herr, ErrMalformed) {
				g.malformed.Add(1)
			}
			g.refusal(p)
			g.log.Warn().Err(herr).Msg("venue message")
		}
		if g.cfg.Wake != nil {
			g.cfg.Wake()
		}
	}
}

// refusal counts the retCode of a refused request.
func (g *Gateway) refusal(p []byte) {
	var m struct {
		RetCode int `json:"retCode"`
	}
	if json.Unmarshal(p, &m) == nil && m.RetCode != 0 {
		g.codeMu.Lock()
		g.codes[m.RetCode]++
		g.codeMu.Unlock()
	}
}

// hook connects the reader's account hooks to the gateway. They run with qmu held.
func (g *Gateway) hook(rd *Reader) {
	rd.OnLeaves = func(id uint64, leaves int64) { g.leaves[id] = leaves }
	rd.OnExec = func(id uint64, execID string) bool {
		if g.deliverLocked(id, execID) {
			return true
		}
		g.duplicates.Add(1)
		return false
	}
	rd.OnPosition = func(p *PositionUpdate) {
		g.accMu.Lock()
		g.acct.Position, g.acct.HasPosition = *p, true
		g.accMu.Unlock()
	}
	rd.OnWallet = func(w *WalletUpdate) {
		g.accMu.Lock()
		g.acct.Wallet, g.acct.HasWallet = *w, true
		g.accMu.Unlock()
	}
	rd.OnFunding = func(f *FundingUpdate) {
		g.fundings.Add(1)
		if f.Fee.Sub(f.Expected).Abs().GreaterThan(decimal.New(1, -2)) {
			g.fundMismatch.Add(1)
			g.log.Warn().Str("fee", f.Fee.String()).Str("expected", f.Expected.String()).Msg("funding payment differs from position x mark x rate")
		}
		g.accMu.Lock()
		g.acct.FundingPaid = g.acct.FundingPaid.Add(f.Fee)
		if f.Time == 0 {
			f.Time = time.Now().UnixMilli() // no execTime: when it arrived
		}
		if len(g.fundLog) < maxFundingLog {
			g.fundLog = append(g.fundLog, *f)
		}
		g.accMu.Unlock()
		// Booked at the venue's amount, truncated toward zero to the price unit.
		amount := f.Fee.Neg().Shift(int32(g.cfg.PriceScale)).IntPart()
		g.queue = append(g.queue, answer{kind: ansFunding, price: amount, now: time.Now().UnixNano()})
	}
}

// queueSink queues the reader's answers for Drain; it runs with qmu held.
type queueSink struct{ g *Gateway }

func (s queueSink) push(a answer) {
	s.g.queue = append(s.g.queue, a)
}
func (s queueSink) onAmended(id uint64, now int64) {
	s.push(answer{kind: ansAmended, id: id, now: now})
}
func (s queueSink) onAmendRejected(id uint64, reason string, now int64) {
	s.push(answer{kind: ansAmendRejected, id: id, reason: reason, now: now})
}
func (s queueSink) OnAck(id uint64, now int64) { s.push(answer{kind: ansAck, id: id, now: now}) }

// OnFill queues a fill whose fee is in price units (the Reader gives the queue exact
// fees, through onFillFine).
func (s queueSink) OnFill(id uint64, price, qty, fee int64, maker bool, now int64) {
	fine, ok := fixed.MulDiv(fee, s.g.fees.Unit(), 1)
	if !ok {
		fine = math.MaxInt64 // beyond 9 million of the quote asset: as much as fits
		if fee < 0 {
			fine = math.MinInt64 + 1
		}
	}
	s.onFillFine(id, price, qty, fine, maker, now)
}

// onFillFine queues a fill with its exact fee, for Drain to carry.
func (s queueSink) onFillFine(id uint64, price, qty, fee int64, maker bool, now int64) {
	leaves, ok := s.g.leaves[id]
	if ok {
		delete(s.g.leaves, id)
		if leaves == 0 {
			s.g.forgetLocked(id)
		}
	} else {
		leaves = -1
	}
	s.push(answer{kind: ansFill, id: id, price: price, qty: qty, fee: fee, maker: maker, leaves: leaves, now: now})
}
func (s queueSink) OnCancelled(id uint64, now int64) {
	s.g.forgetLocked(id)
	s.push(answer{kind: ansCancelled, id: id, now: now})
}
func (s queueSink) OnRejected(id uint64, reason string, now int64) {
	s.g.forgetLocked(id)
	s.g.rejects.Add(1)
	// A refused order.create's reason is "retCode: retMsg" (Reader.answer).
	if code, _, ok := strings.Cut(reason, ": "); ok {
		if n, err := strconv.Atoi(code); err == nil {
			s.g.codeMu.Lock()
			s.g.codes[n]++
			s.g.codeMu.Unlock()
		}
	}
	s.push(answer{kind: ansRejected, id: id, reason: reason, now: now})
}

// Place sends order o (a limit order risk accepted) as order.create.
func (g *Gateway) Place(o *risk.Order, now int64) error {
	return g.place(o, TIFOf(o), false, now)
}

// PlaceReduceOnly sends o as a reduce-only order (linear only), with time in force tif.
func (g *Gateway) PlaceReduceOnly(o *risk.Order, tif TimeInForce, now int64) error {
	return g.place(o, tif, true, now)
}

func (g *Gateway) place(o *risk.Order, tif TimeInForce, reduceOnly bool, now int64) error {
	if err := g.usable(); err != nil {
		return err
	}
	g.encMu.Lock()
	b, err := g.enc.AppendCreate(g.wbuf[:0], o, tif, reduceOnly, now/1e6)
	g.encMu.Unlock()
	if err != nil {
		return err
	}
	g.wbuf = b
	if _, dup := g.table[o.ID]; !dup {
		g.table[o.ID] = g.newOrder(o.ID, o.Qty)
	}
	g.qmu.Lock()
	g.liveIDs[o.ID] = struct{}{}
	g.qmu.Unlock()
	if err := g.write(b); err != nil {
		// Sent or not, the order is in the table: the reconciliation after the
		// reconnect says which.
		return err
	}
	g.placed.Add(1)
	return nil
}

func (g *Gateway) newOrder(id uint64, qty int64) *gwOrder {
	var o *gwOrder
	if n := len(g.pool); n > 0 {
		o, g.pool = g.pool[n-1], g.pool[:n-1]
	} else {
		o = &gwOrder{}
	}
	*o = gwOrder{id: id, qty: qty}
	return o
}

// Cancel sends order.cancel for order id.
func (g *Gateway) Cancel(id uint64, now int64) error {
	if err := g.usable(); err != nil {
		return err
	}
	g.encMu.Lock()
	b := g.enc.AppendCancel(g.wbuf[:0], id, now/1e6)
	g.encMu.Unlock()
	g.wbuf = b
	if err := g.write(b); err != nil {
		return err
	}
	g.cancels.Add(1)
	return nil
}

// Amend sends order.amend moving order id to price and qty (0 keeps either).
func (g *Gateway) Amend(id uint64, price, qty int64, now int64) error {
	if err := g.usable(); err != nil {
		return err
	}
	g.encMu.Lock()
	b, err := g.enc.AppendAmend(g.wbuf[:0], id, price, qty, now/1e6)
	g.encMu.Unlock()
	if err != nil {
		return err
	}
	g.wbuf = b
	if err := g.write(b); err != nil {
		return err
	}
	if o := g.table[id]; o != nil && qty > 0 {
		o.qty = qty
	}
	g.amends.Add(1)
	return nil
}

// Modify is engine.Modifier: order.amend to price and qty, the new total quantity
// (the filled part included, as Bybit's qty is). The answer reaches the sink in Drain,
// if it is a ModifySink: OnModified with the terms sent when retCode is 0, else
// OnModifyRejected with Bybit's "retCode: retMsg". An order the gateway does not know,
// or one with a Modify in flight, is refused here and nothing is sent.
func (g *Gateway) Modify(id uint64, side orderbook.Side, price, qty, now int64) error {
	o := g.table[id]
	switch {
	case o == nil:
		return fmt.Errorf("bybit gateway: modify of order %d: %w", id, ErrUnknownOrder)
	case o.modifying:
		return fmt.Errorf("bybit gateway: modify of order %d: %w", id, ErrModifyPending)
	}
	old := o.qty
	if err := g.Amend(id, price, qty, now); err != nil {
		return err
	}
	o.modifying, o.modPrice, o.modQty, o.oldQ = true, price, qty, old
	return nil
}

func (g *Gateway) usable() error {
	switch {
	case g.closed.Load():
		return ErrClosed
	case g.gaveUp.Load():
		return ErrGaveUp
	case !g.connected.Load():
		return ErrNotConnected
	}
	return nil
}

func (g *Gateway) write(b []byte) error {
	c := g.trade.Load()
	if c == nil {
		return ErrNotConnected
	}
	if err := c.WriteText(b, time.Now().Add(g.cfg.WriteTimeout)); err != nil {
		g.writeFails.Add(1)
		c.Close() // the supervisor reconnects
		return fmt.Errorf("bybit gateway: write: %w", err)
	}
	return nil
}

// Drain hands the queued answers to sink on the engine's goroutine. A fill already
// counted (an execution whose leavesQty shows the order no further along than the
// table, after a reconciliation recovered it) is dropped; a reconciled status becomes
// the fills the streams missed and the order's end.
func (g *Gateway) Drain(sink Sink, now int64) {
	g.qmu.Lock()
	q := g.queue
	g.queue, g.spare = g.spare[:0], q
	g.qmu.Unlock()
	for i := range q {
		a := &q[i]
		if a.kind == ansFunding {
			if fs, ok := sink.(FundingSink); ok {
				fs.OnFunding(g.cfg.Instrument, a.price, a.now)
			}
			continue
		}
		o := g.table[a.id]
		if o == nil {
			continue // an order of a past session, or already final
		}
		g.answers.Add(1)
		switch a.kind {
		case ansAck:
			if !o.acked {
				o.acked = true
				sink.OnAck(a.id, a.now)
			}
		case ansFill:
			if a.leaves >= 0 && o.qty-a.leaves <= o.filled {
				g.duplicates.Add(1)
				continue
			}
			o.filled += a.qty
			sink.OnFill(a.id, a.price, a.qty, g.fees.Add(a.fee), a.maker, a.now)
			if o.filled >= o.qty {
				g.done(o)
			}
		case ansAmended, ansAmendRejected:
			if !o.modifying {
				continue // an Amend's answer, not a Modify's
			}
			o.modifying = false
			ms, ok := sink.(ModifySink)
			if a.kind == ansAmendRejected {
				o.qty = o.oldQ
				if ok {
					ms.OnModifyRejected(a.id, a.reason, a.now)
				}
			} else if ok {
				ms.OnModified(a.id, o.modPrice, o.modQty, a.now)
			}
		case ansCancelled:
			sink.OnCancelled(a.id, a.now)
			g.done(o)
		case ansRejected, ansLost:
			sink.OnRejected(a.id, a.reason, a.now)
			g.done(o)
		case ansStatus:
			if a.cum > o.filled {
				// Fills neither the streams nor /v5/execution/list said
				// (reconcile could not read the list): one fill at the order's
				// average price, fee unknown (0), counted apart.
				qty := a.cum - o.filled
				g.recoveredNoFee.Add(1)
				o.filled = a.cum
				sink.OnFill(a.id, a.price, qty, 0, false, a.now)
			}
			if !o.acked && !a.final {
				o.acked = true
				sink.OnAck(a.id, a.now)
			}
			switch {
			case a.final && o.filled >= o.qty:
				g.done(o)
			case a.final && a.cancelled:
				sink.OnCancelled(a.id, a.now)
				g.done(o)
			case a.final:
				sink.OnRejected(a.id, a.reason, a.now)
				g.done(o)
			}
		}
	}
	clear(q)
}

func (g *Gateway) done(o *gwOrder) {
	delete(g.table, o.id)
	g.pool = append(g.pool, o)
	g.qmu.Lock()
	g.forgetLocked(o.id)
	g.qmu.Unlock()
}

// forgetLocked drops what the readers keep of an order that is no longer live. It runs
// with qmu held.
func (g *Gateway) forgetLocked(id uint64) {
	delete(g.liveIDs, id)
	delete(g.execs, id)
}

// deliverLocked records that execution execID of order id reaches the engine, and
// reports false when it already has (it is then a duplicate). It runs with qmu held.
func (g *Gateway) deliverLocked(id uint64, execID string) bool {
	if _, live := g.liveIDs[id]; !live {
		return true // not tracked: Drain drops what it no longer knows
	}
	seen := g.execs[id]
	if seen == nil {
		seen = make(map[string]struct{}, 4)
		g.execs[id] = seen
	}
	if _, dup := seen[execID]; dup {
		return false
	}
	seen[execID] = struct{}{}
	return true
}

// reconcile reads, for every order the gateway believes live, its state from
// /v5/order/realtime and queues it for Drain; an order the venue does not know never
// reached it and is queued as rejected ("lost"). When an order's cumExecQty is more
// than its executions delivered so far, the executions it lacks are read from
// /v5/execution/list and queued first, each a fill with its own price, quantity and
// fee, and each execId recorded so that the stream's copy, if it comes, is dropped. On
// linear it reads the position and wallet again too. It runs before the new
// connections' readers start, so nothing the stream says is queued in between.
func (g *Gateway) reconcile(ctx context.Context) {
	g.qmu.Lock()
	ids := make([]uint64, 0, len(g.liveIDs))
	for id := range g.liveIDs {
		ids = append(ids, id)
	}
	g.qmu.Unlock()
	for _, id := range ids {
		a, err := g.orderStatus(ctx, id)
		if err != nil {
			// Unknown state: the order stays as it was; the next reconnect
			// tries again, and a cancel-all at shutdown covers it.
			g.log.Error().Err(err).Uint64("order", id).Msg("reconcile")
			continue
		}
		g.reconciled.Add(1)
		if a.kind == ansLost {
			g.lost.Add(1)
		}
		var fills []answer
		if a.kind == ansStatus && a.cum > 0 {
			// The executions are read whenever the order has any: which of them
			// were delivered is known by execId only.
			fills, err = g.missedFills(ctx, id, a.cum)
			if err != nil {
				// What the list did not give, the status's cumulative quantity
				// still recovers (Drain), at the average price and without fee.
				g.log.Error().Err(err).Uint64("order", id).Msg("reconcile: executions")
			}
		}
		g.qmu.Lock()
		for _, f := range fills {
			if g.deliverLocked(id, f.reason) {
				f.reason = ""
				g.queue = append(g.queue, f)
				g.recovered.Add(1)
			}
		}
		if a.final || a.kind == ansLost {
			g.forgetLocked(id)
		}
		g.queue = append(g.queue, a)
		g.qmu.Unlock()
	}
	if err := g.readAccount(ctx); err != nil {
		g.log.Error().Err(err).Msg("reconcile: account")
	}
	if g.cfg.Wake != nil {
		g.cfg.Wake()
	}
}

// restOrder is one order of /v5/order/realtime.
type restOrder struct {
	OrderLinkID  string `json:"orderLinkId"`
	Symbol       string `json:"symbol"`
	OrderStatus  string `json:"orderStatus"`
	RejectReason string `json:"rejectReason"`
	CumExecQty   string `json:"cumExecQty"`
	CumExecValue string `json:"cumExecValue"`
}

// maxExecPages bounds the pages of /v5/execution/list read for one order (100
// executions a page): past it, the rest is recovered from the order's cumulative
// quantity, without fees.
const maxExecPages = 20

// missedFills reads order id's executions from /v5/execution/list, newest first, page
// by page until the executions listed add up to cum (the order's cumExecQty), the list
// ends or maxExecPages, and returns those of execType Trade, oldest
// first, as fills whose reason holds the execId (for reconcile to record; those
// delivered already are dropped there). Past maxExecPages it returns the newest
// executions with an error.
func (g *Gateway) missedFills(ctx context.Context, id uint64, cum int64) ([]answer, error) {
	link := g.cfg.Prefix + strconv.FormatUint(id, 10)
	rd := NewReader(g.enc, g.cfg.BaseAsset, g.cfg.QuoteAsset)
	var list []execData
	var listed int64
	var bound error
	cursor := ""
	for page := 0; ; page++ {
		if page == maxExecPages {
			// The newest executions are read: the missed ones are among them
			// unless the disconnect lasted more fills than the bound.
			bound = fmt.Errorf("order %s: more than %d pages of executions: the older ones are not read", link, maxExecPages)
			break
		}
		q := url.Values{"category": {string(g.cfg.Category)}, "orderLinkId": {link}, "limit": {"100"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var res struct {
			List           []execData `json:"list"`
			NextPageCursor string     `json:"nextPageCursor"`
		}
		if err := g.get(ctx, "/v5/execution/list", q, &res); err != nil {
			return nil, err
		}
		for _, d := range res.List {
			if d.ExecType != "Trade" || d.OrderLinkID != link {
				continue
			}
			qty, err := g.cfg.QtyScale.ParseString(d.ExecQty)
			if err != nil || qty <= 0 {
				return nil, fmt.Errorf("%w: execution %s of order %s: execQty %q", ErrMalformed, d.ExecID, link, d.ExecQty)
			}
			if d.ExecID == "" {
				return nil, fmt.Errorf("%w: an execution of order %s without execId", ErrMalformed, link)
			}
			listed += qty
			list = append(list, d)
		}
		if res.NextPageCursor == "" || listed >= cum || len(res.List) == 0 {
			break
		}
		cursor = res.NextPageCursor
	}
	// Oldest first: by execTime, and within one time by leavesQty going down (Bybit:
	// "Response items will have sorting issues when 'execTime' is the same").
	type keyed struct {
		d            *execData
		time, leaves int64
	}
	ks := make([]keyed, len(list))
	for i := range list {
		t, _ := strconv.ParseInt(list[i].ExecTime, 10, 64)
		l, _ := g.cfg.QtyScale.ParseString(orZero(list[i].LeavesQty))
		ks[i] = keyed{&list[i], t, l}
	}
	slices.SortStableFunc(ks, func(a, b keyed) int {
		if a.time != b.time {
			return cmp.Compare(a.time, b.time)
		}
		return cmp.Compare(b.leaves, a.leaves)
	})
	now := time.Now().UnixNano()
	out := make([]answer, 0, len(ks))
	for _, k := range ks {
		d := k.d
		price, err1 := g.cfg.PriceScale.ParseString(d.ExecPrice)
		qty, err2 := g.cfg.QtyScale.ParseString(d.ExecQty)
		if err := errors.Join(err1, err2); err != nil || price <= 0 {
			return nil, fmt.Errorf("%w: execution %s of order %s: price %q qty %q", ErrMalformed, d.ExecID, link, d.ExecPrice, d.ExecQty)
		}
		fee, err := rd.fee(d, price)
		if err != nil {
			// The fill happened: it is recovered, its fee uncounted, and logged.
			g.log.Error().Err(err).Str("exec", d.ExecID).Uint64("order", id).Msg("reconcile: execution fee")
		}
		// leaves -1: the execId decides what is a duplicate, not the order's progress
		// (an earlier fill the stream missed comes after a later one it said).
		out = append(out, answer{kind: ansFill, id: id, price: price, qty: qty, fee: fee, maker: d.IsMaker, leaves: -1, reason: d.ExecID, now: now})
	}
	return out, bound
}

// orderStatus queries one order by its orderLinkId.
func (g *Gateway) orderStatus(ctx context.Context, id uint64) (answer, error) {
	link := g.cfg.Prefix + strconv.FormatUint(id, 10)
	var res struct {
		List []restOrder `json:"list"`
	}
	if err := g.get(ctx, "/v5/order/realtime", url.Values{"category": {string(g.cfg.Category)}, "symbol": {g.cfg.Symbol}, "orderLinkId": {link}}, &res); err != nil {
		return answer{}, err
	}
	now := time.Now().UnixNano()
	for _, o := range res.List {
		if o.OrderLinkID != link {
			continue
		}
		a := answer{kind: ansStatus, id: id, now: now}
		cum, err := g.cfg.QtyScale.ParseString(orZero(o.CumExecQty))
		if err != nil {
			return a, fmt.Errorf("%w: cumExecQty %q", ErrMalformed, o.CumExecQty)
		}
		val, err := decimal.NewFromString(orZero(o.CumExecValue))
		if err != nil {
			return a, fmt.Errorf("%w: cumExecValue %q", ErrMalformed, o.CumExecValue)
		}
		a.cum = cum
		if cum > 0 {
			// The average price in price units, truncated: exact in decimal,
			// where value × 10^(ps+qs) would overflow int64.
			avg := val.Div(g.cfg.QtyScale.Decimal(cum)).Shift(int32(g.cfg.PriceScale))
			a.price = avg.IntPart()
		}
		switch o.OrderStatus {
		case "New", "PartiallyFilled", "Untriggered":
		case "Filled":
			a.final = true
		case "Cancelled", "PartiallyFilledCanceled", "Deactivated":
			a.final, a.cancelled = true, o.RejectReason != RejectPostOnly
			a.reason = o.RejectReason
		case "Rejected":
			a.final, a.reason = true, o.RejectReason
		default:
			return a, fmt.Errorf("%w: orderStatus %q", ErrMalformed, o.OrderStatus)
		}
		return a, nil
	}
	return answer{kind: ansLost, id: id, now: now, reason: "lost: Bybit does not know the order (it never reached the venue)"}, nil
}

func orZero(s string) string {
	if s == "" {
		return "0"
	}
	return s
}

// openOrders counts the open orders of the symbol.
func (g *Gateway) openOrders(ctx context.Context) (int, error) {
	var res struct {
		List []restOrder `json:"list"`
	}
	if err := g.get(ctx, "/v5/order/realtime", url.Values{"category": {string(g.cfg.Category)}, "symbol": {g.cfg.Symbol}}, &res); err != nil {
		return 0, err
	}
	return len(res.List), nil
}

// readAccount reads the position (linear) and the wallet.
func (g *Gateway) readAccount(ctx context.Context) error {
	rd := NewReader(g.enc, g.cfg.BaseAsset, g.cfg.QuoteAsset)
	g.hook(rd)
	var res struct {
		List json.RawMessage `json:"list"`
	}
	if g.cfg.Category == Linear {
		if err := g.get(ctx, "/v5/position/list", url.Values{"category": {"linear"}, "symbol": {g.cfg.Symbol}}, &res); err != nil {
			return err
		}
		if err := rd.positions(res.List); err != nil {
			return err
		}
	}
	if err := g.get(ctx, "/v5/account/wallet-balance", url.Values{"accountType": {"UNIFIED"}}, &res); err != nil {
		return err
	}
	return rd.wallets(res.List)
}

// get makes one signed REST query (v5/guide: X-BAPI-SIGN = hex(HMAC-SHA256(secret,
// timestamp + apiKey + recvWindow + queryString))) and decodes its result.
func (g *Gateway) get(ctx context.Context, path string, q url.Values, result any) error {
	ctx, cancel := context.WithTimeout(ctx, g.cfg.RequestTimeout)
	defer cancel()
	query := q.Encode()
	ts := strconv.FormatInt(time.Now().UnixMilli(), 10)
	recv := "5000"
	if g.cfg.RecvWindow > 0 {
		recv = strconv.FormatInt(g.cfg.RecvWindow.Milliseconds(), 10)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, g.cfg.RESTURL+path+"?"+query, nil)
	if err != nil {
		return err
	}
	m := hmac.New(sha256.New, g.cfg.Credentials.secret)
	m.Write([]byte(ts + g.cfg.Credentials.apiKey + recv + query))
	req.Header.Set("X-BAPI-API-KEY", g.cfg.Credentials.apiKey)
	req.Header.Set("X-BAPI-TIMESTAMP", ts)
	req.Header.Set("X-BAPI-RECV-WINDOW", recv)
	req.Header.Set("X-BAPI-SIGN", hex.EncodeToString(m.Sum(nil)))
	resp, err := g.http.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	var env struct {
		RetCode *int            `json:"retCode"`
		RetMsg  string          `json:"retMsg"`
		Result  json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(body, &env); err != nil || env.RetCode == nil {
		return fmt.Errorf("GET %s: HTTP %d: %w: %.200s", path, resp.StatusCode, ErrMalformed, body)
	}
	if *env.RetCode != 0 {
		if *env.RetCode == 10003 || *env.RetCode == 10004 {
			return fmt.Errorf("GET %s: %w: %d: %s", path, ErrAuth, *env.RetCode, env.RetMsg)
		}
		return fmt.Errorf("GET %s: retCode %d: %s", path, *env.RetCode, env.RetMsg)
	}
	if err := json.Unmarshal(env.Result, result); err != nil {
		return fmt.Errorf("GET %s: %w: %v", path, ErrMalformed, err)
	}
	return nil
}

// CancelAll cancels every order the gateway believes live and waits, until ctx ends,
// for the venue to confirm each. The engine's goroutine must have stopped calling
// Place, Cancel and Drain.
func (g *Gateway) CancelAll(ctx context.Context) error {
	g.qmu.Lock()
	ids := make([]uint64, 0, len(g.liveIDs))
	for id := range g.liveIDs {
		ids = append(ids, id)
	}
	g.qmu.Unlock()
	if len(ids) == 0 {
		return nil
	}
	if err := g.usable(); err != nil {
		return fmt.Errorf("bybit gateway: cancel all: %d orders may be open: %w", len(ids), err)
	}
	for _, id := range ids {
		g.encMu.Lock()
		b := g.enc.AppendCancel(nil, id, time.Now().UnixMilli())
		g.encMu.Unlock()
		if err := g.write(b); err != nil {
			return fmt.Errorf("bybit gateway: cancel all: %w", err)
		}
		g.cancels.Add(1)
	}
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		g.qmu.Lock()
		n := len(g.liveIDs)
		g.qmu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("bybit gateway: cancel all: %d orders unconfirmed: %w", n, ctx.Err())
		case <-t.C:
		}
	}
}

// Close closes the connections and stops the supervisor.
func (g *Gateway) Close() error {
	if !g.closed.CompareAndSwap(false, true) {
		return nil
	}
	if g.cancel != nil {
		g.cancel()
	}
	if c := g.trade.Load(); c != nil {
		c.Close()
	}
	if c := g.priv.Load(); c != nil {
		c.Close()
	}
	g.wg.Wait()
	return nil
}
