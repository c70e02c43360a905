package exchange

// Binance USD-M futures trading: the perpetuals of Config.Futures traded by the
// accounts of Config.Accounts, with positions, margin, funding and liquidation.
//
// What is served (usdm_wsapi.go, usdm_rest.go, usdm_stream.go), each shaped as
// Binance's derivatives documentation prints it (developers.binance.com, USDⓈ-M
// Futures; the pages are listed where each part is built) and as the official SDK
// @binance/derivatives-trading-usds-futures types it:
//   - the WebSocket API at /ws-fapi/v1: order.place, order.modify, order.cancel,
//     order.status, account.status and account.position (v2), account.balance,
//     session.logon/status/logout, userDataStream.start/ping/stop;
//   - REST under /fapi: listen keys, position mode, leverage, margin type, position
//     risk, open orders, account, premium index and funding rate history;
//   - the user data stream of a listen key (/fstream/private/ws/<listenKey>, or subscribed on
//     /fstream/private/stream): ORDER_TRADE_UPDATE, ACCOUNT_UPDATE, MARGIN_CALL,
//     listenKeyExpired;
//   - the mark price streams <symbol>@markPrice and @markPrice@1s.
//
// The model, in one place so that every endpoint tells the same story:
//   - each account has one USD-M wallet in USDT, separate from its spot balances; it
//     starts with the account's spot USDT balance (AccountConfig.Balances["USDT"]);
//   - one-way mode only (positionSide BOTH): hedge mode is refused;
//   - each account and symbol has a leverage (default USDMConfig.Leverage) and a
//     margin type, CROSSED (default) or ISOLATED;
//   - a fill moves the position (average entry price on increase, realized profit on
//     decrease, both by Binance's rules) and the wallet (realized profit minus
//     commission, charged as the spot exchange charges it: Config.Commission's maker
//     and taker rates on the quote notional, always in USDT);
//   - an isolated position holds its initial margin (|position| × entry / leverage) in
//     its isolated wallet, taken from the cross wallet;
//   - the mark price is Binance's median of index × (1 + rate × time to funding /
//     interval), index + 30-minute moving basis, and the contract's price (its mid:
//     the synthetic market has no last trade of its own to quote), the index being the
//     followed spot market's mid;
//   - the funding rate is Binance's premium index average plus clamp(interest −
//     premium, ±0.05%), interest 0.01% per interval, charged on every open position at
//     each funding time (every USDMConfig.FundingInterval from the epoch) as
//     −position × mark × rate (package perp);
//   - maintenance margin by BTCUSDT's leverage brackets (package perp); a position
//     whose margin no longer covers it is liquidated by the exchange at its bankruptcy
//     price, after a MARGIN_CALL once its margin ratio passes 80%.
//
// Everything here runs under the exchange's lock, like the spot venue.

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nanotick/nanotick/perp"
	"github.com/shopspring/decimal"
)

// USDMConfig configures USD-M trading on the futures markets of Config.Futures. The
// zero value is Binance's: funding every 8 hours, listen keys valid for 60 minutes,
// leverage 20.
type USDMConfig struct {
	// FundingInterval is the funding grid: funding happens at every multiple of it
	// since the epoch (8h: 00:00, 08:00, 16:00 UTC). A short one (10s) lets a short
	// run see funding.
	FundingInterval time.Duration
	// ListenKeyLifetime is how long a listen key lives without a keepalive (PUT
	// /fapi/v1/listenKey or userDataStream.ping); default 60 minutes.
	ListenKeyLifetime time.Duration
	// Leverage is every symbol's starting leverage; default 20, Binance's.
	Leverage int
	// Brackets are the leverage brackets of every perpetual; default BTCUSDT's first
	// tiers (see USDMBrackets).
	Brackets perp.Brackets
}

func (c USDMConfig) withDefaults() USDMConfig {
	if c.FundingInterval <= 0 {
		c.FundingInterval = 8 * time.Hour
	}
	if c.ListenKeyLifetime <= 0 {
		c.ListenKeyLifetime = 60 * time.Minute
	}
	if c.Leverage <= 0 {
		c.Leverage = 20
	}
	if len(c.Brackets) == 0 {
		c.Brackets = USDMBrackets()
	}
	return c
}

// USDMBrackets returns BTCUSDT's first leverage brackets as GET
// /fapi/v1/leverageBracket shapes them (notional caps in USDT, maintenance margin
// ratio, cum, highest leverage).
func USDMBrackets() perp.Brackets {
	d := decimal.RequireFromString
	return perp.Brackets{
		{NotionalFloor: d("0"), NotionalCap: d("50000"), MaintMarginRatio: d("0.004"), Cum: d("0"), InitialLeverage: 125},
		{NotionalFloor: d("50000"), NotionalCap: d("600000"), MaintMarginRatio: d("0.005"), Cum: d("50"), InitialLeverage: 100},
		{NotionalFloor: d("600000"), NotionalCap: d("3000000"), MaintMarginRatio: d("0.0065"), Cum: d("950"), InitialLeverage: 75},
		{NotionalFloor: d("3000000"), NotionalCap: d("12000000"), MaintMarginRatio: d("0.01"), Cum: d("11450"), InitialLeverage: 50},
		{NotionalFloor: d("12000000"), NotionalCap: d("70000000"), MaintMarginRatio: d("0.02"), Cum: d("131450"), InitialLeverage: 25},
		{NotionalFloor: d("70000000"), NotionalCap: d("100000000"), MaintMarginRatio: d("0.025"), Cum: d("481450"), InitialLeverage: 20},
	}
}

// usdmMarginAsset is the wallet's asset: every listed perpetual is USDT-margined.
const usdmMarginAsset = "USDT"

// marginCallRatio is the margin ratio (maintenance margin / margin balance) at which
// MARGIN_CALL is pushed.
var marginCallRatio = decimal.RequireFromString("0.8")

// usdm is the USD-M venue's state.
type usdm struct {
	cfg      USDMConfig
	accounts map[*Account]*fAccount
	keys     map[string]*listenKey // live listen keys
	// keysMu guards keys for listenKeyValid, which the stream handlers call without
	// the exchange's lock; writers hold both.
	keysMu sync.RWMutex
	marks  map[string]*markState // by symbol
	rng    *rand.Rand            // listen keys
	limits usdmLimiter
	// nextFunding is the next funding time (Unix ns); lastTick the last mark tick.
	nextFunding int64
	lastMark    int64
	// history is every funding event, GET /fapi/v1/fundingRate's answer.
	history []fundingEvent
	// lose loses the user data streams' events while set (USDMLoseStreams).
	lose bool
}

type fundingEvent struct {
	symbol string
	time   int64 // ms
	rate   int64 // 1e-8
	mark   int64 // 1e-8
}

// fAccount is one account's USD-M side.
type fAccount struct {
	a        *Account
	wallet   decimal.Decimal // wallet balance wb, isolated wallets included
	pos      map[string]*fPosition
	orders   map[string]map[uint64]*fOrder // symbol → order id → order
	byClient map[string]*fOrder            // symbol+"/"+clientOrderId → latest order
	key      *listenKey
	called   bool // a MARGIN_CALL was pushed and the ratio has not recovered since
	updated  int64
	oc       usdmOrderCount
	// trades are the account's last fills, oldest first, for GET
	// /fapi/v1/userTrades (usdm_trades.go).
	trades []usdmTrade
}

// fPosition is one symbol's one-way position and settings.
type fPosition struct {
	sym      string
	amt      int64           // signed quantity, 1e-8
	entry    decimal.Decimal // average entry price
	realized decimal.Decimal // cumulative realized profit before fees ("cr")
	fees     decimal.Decimal // commission paid since the position opened (breakeven)
	leverage int
	isolated bool
	iw       decimal.Decimal // isolated wallet
	updated  int64
	called   bool // an isolated position's MARGIN_CALL, as fAccount.called
}

// fOrder is an account's USD-M order: the book's order and what USD-M adds to it.
type fOrder struct {
	o          *Order
	m          *Market
	reduceOnly bool
	gtx        bool
	origType   string // LIMIT, MARKET, LIQUIDATION
	modified   int
	modifyID   string // the last order.modify's modifyId, echoed as given
	realized   decimal.Decimal
	er         string // expiry reason of the last EXPIRED event
}

func (o *fOrder) tif() string {
	if o.gtx {
		return "GTX"
	}
	return o.o.TIF.String()
}

func (o *fOrder) typ() string {
	if o.origType == "LIQUIDATION" {
		return "LIQUIDATION"
	}
	return o.o.Type.String()
}

// startUSDM sets up USD-M trading after the markets exist and registers its
// endpoints. It needs nothing when no perpetual is listed.
func (e *Exchange) startUSDM(mux *http.ServeMux) error {
	cfg := e.cfg.USDM.withDefaults()
	if err := cfg.Brackets.Validate(); err != nil {
		return fmt.Errorf("exchange: usdm brackets: %w", err)
	}
	if cfg.Leverage > cfg.Brackets[0].InitialLeverage {
		return fmt.Errorf("exchange: usdm leverage %d above the brackets' highest %d", cfg.Leverage, cfg.Brackets[0].InitialLeverage)
	}
	u := &usdm{
		cfg:      cfg,
		accounts: make(map[*Account]*fAccount),
		keys:     make(map[string]*listenKey),
		marks:    make(map[string]*markState),
		rng:      rand.New(rand.NewPCG(e.cfg.Seed, 0x75736d64)),
	}
	now := time.Now().UnixNano()
	u.nextFunding = perp.Schedule{Interval: cfg.FundingInterval}.Next(now)
	for _, a := range e.accounts {
		wallet := decimal.Zero
		if s, ok := a.cfg.Balances[usdmMarginAsset]; ok {
			wallet, _ = decimal.NewFromString(s) // validated by newAccount
		}
		u.accounts[a] = &fAccount{a: a, wallet: wallet, pos: map[string]*fPosition{},
			orders: map[string]map[uint64]*fOrder{}, byClient: map[string]*fOrder{}}
	}
	for sym, m := range e.futures {
		m.onFill = e.settleUSDM
		ms := newMarkState(e, u, m)
		// A first sample, so that mark, index and rate are known from the start.
		ms.update(now)
		u.marks[sym] = ms
	}
	e.usdm = u
	e.registerUSDM(mux)
	if len(e.futures) > 0 && e.replay == nil {
		e.wg.Add(1)
		go func() {
			defer e.wg.Done()
			e.usdmLoop()
		}()
	}
	return nil
}

// usdmLoop moves the mark prices, funding, liquidations and listen key expiry along
// the wall clock until the exchange stops.
func (e *Exchange) usdmLoop() {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-e.ctx.Done():
			return
		case now := <-t.C:
			e.mu.Lock()
			e.usdmTick(now.UnixNano())
			e.mu.Unlock()
		}
	}
}

// usdmTick does what is due at now (ns): mark prices each second, funding at its
// time, liquidation checks, listen key expiry. Called with e.mu held.
func (e *Exchange) usdmTick(now int64) {
	u := e.usdm
	e.stepMarkets(now)
	if sec := now / 1e9; sec != u.lastMark/1e9 {
		u.lastMark = now
		for _, sym := range u.symbols() {
			u.marks[sym].update(now)
			e.publishMark(sym, now, sec%3 == 0)
		}
	}
	for now >= u.nextFunding {
		e.fund(u.nextFunding)
		u.nextFunding = perp.Schedule{Interval: u.cfg.FundingInterval}.Next(u.nextFunding)
	}
	e.checkMargins(now)
	e.expireKeys(now)
}

func (u *usdm) symbols() []string {
	syms := make([]string, 0, len(u.marks))
	for s := range u.marks {
		syms = append(syms, s)
	}
	slices.Sort(syms)
	return syms
}

// faccount returns the USD-M side of a.
func (e *Exchange) faccount(a *Account) *fAccount { return e.usdm.accounts[a] }

// position returns the account's position of sym, created flat with the defaults.
func (e *Exchange) position(fa *fAccount, sym string) *fPosition {
	p := fa.pos[sym]
	if p == nil {
		p = &fPosition{sym: sym, leverage: e.usdm.cfg.Leverage}
		fa.pos[sym] = p
	}
	return p
}

// qty converts a quantity in 1e-8 units to a decimal.
func qtyDec(q int64) decimal.Decimal { return wireScale.Decimal(q) }

// markPrice returns the symbol's mark price, its mid before the first mark tick.
func (e *Exchange) markPrice(sym string) decimal.Decimal {
	if ms := e.usdm.marks[sym]; ms != nil && ms.mark > 0 {
		return wireScale.Decimal(ms.mark)
	}
	if m := e.futures[sym]; m != nil {
		if mid, ok := bookMid(m); ok {
			return wireScale.Decimal(mid)
		}
	}
	return decimal.Zero
}

// unrealized returns a position's unrealized profit at the mark price.
func (e *Exchange) unrealized(p *fPosition) decimal.Decimal {
	if p.amt == 0 {
		return decimal.Zero
	}
	return perp.Unrealized(qtyDec(p.amt), p.entry, e.markPrice(p.sym))
}

// notional returns a position's signed notional at the mark price.
func (e *Exchange) notional(p *fPosition) decimal.Decimal {
	return qtyDec(p.amt).Mul(e.markPrice(p.sym))
}

// maint returns a position's maintenance margin.
func (e *Exchange) maint(p *fPosition) decimal.Decimal {
	if p.amt == 0 {
		return decimal.Zero
	}
	return e.usdm.cfg.Brackets.MaintenanceMargin(e.notional(p))
}

// positionIM returns a position's initial margin at its leverage, at the mark price.
func (e *Exchange) positionIM(p *fPosition) decimal.Decimal {
	return perp.InitialMargin(e.notional(p), p.leverage)
}

// isolatedSum returns the sum of the account's isolated wallets.
func (fa *fAccount) isolatedSum() decimal.Decimal {
	s := decimal.Zero
	for _, p := range fa.pos {
		if p.isolated {
			s = s.Add(p.iw)
		}
	}
	return s
}

// crossWallet is the wallet less the isolated wallets ("cw").
func (fa *fAccount) crossWallet() decimal.Decimal { return fa.wallet.Sub(fa.isolatedSum()) }

// openOrderIM returns the initial margin the account's open orders on sym hold: the
// part of each side's remaining quantity that would increase the position, at the
// order's price, over the leverage.
func (e *Exchange) openOrderIM(fa *fAccount, sym string) decimal.Decimal {
	p := e.position(fa, sym)
	im := decimal.Zero
	for _, s := range []Side{Buy, Sell} {
		// What the position lets this side reduce needs no margin.
		free := int64(0)
		if (s == Sell && p.amt > 0) || (s == Buy && p.amt < 0) {
			free = abs64(p.amt)
		}
		for _, o := range fa.sortedOrders(sym) {
			if o.o.Side != s || !o.o.Status.Open() {
				continue
			}
			q := o.o.Remaining()
			use := min(q, free)
			free -= use
			q -= use
			if q > 0 {
				im = im.Add(perp.InitialMargin(qtyDec(q).Mul(wireScale.Decimal(o.o.Price)), p.leverage))
			}
		}
	}
	return im
}

// totals are an account's margin figures (GET /fapi/v2/account's, account.status's).
type totals struct {
	crossUPnL, upnl      decimal.Decimal // unrealized PnL of cross positions, of all
	positionIM, orderIM  decimal.Decimal // initial margin of positions, of open orders
	maint, crossMaint    decimal.Decimal // maintenance margin of all positions, of cross ones
	marginBalance        decimal.Decimal // wallet + unrealized PnL
	available, crossWBal decimal.Decimal
	isolatedMargin       decimal.Decimal
}

// totals computes an account's margin figures at the current mark prices.
func (e *Exchange) totals(fa *fAccount) totals {
	var t totals
	for _, sym := range fa.symbols() {
		p := fa.pos[sym]
		up := e.unrealized(p)
		t.upnl = t.upnl.Add(up)
		mm := e.maint(p)
		t.maint = t.maint.Add(mm)
		t.positionIM = t.positionIM.Add(e.positionIM(p))
		t.orderIM = t.orderIM.Add(e.openOrderIM(fa, sym))
		if p.isolated {
			t.isolatedMargin = t.isolatedMargin.Add(p.iw.Add(up))
		} else {
			t.crossUPnL = t.crossUPnL.Add(up)
			t.crossMaint = t.crossMaint.Add(mm)
		}
	}
	t.crossWBal = fa.crossWallet()
	t.marginBalance = fa.wallet.Add(t.upnl)
	// Available: the cross margin balance less what cross positions and every open
	// order hold (isolated positions hold their own wallets).
	crossIM := decimal.Zero
	for _, p := range fa.pos {
		if !p.isolated {
			crossIM = crossIM.Add(e.positionIM(p))
		}
	}
	t.available = t.crossWBal.Add(t.crossUPnL).Sub(crossIM).Sub(t.orderIM)
	return t
}

// symbols returns the symbols the account has a position record of, sorted.
func (fa *fAccount) symbols() []string {
	syms := make([]string, 0, len(fa.pos))
	for s := range fa.pos {
		syms = append(syms, s)
	}
	slices.Sort(syms)
	return syms
}

// sortedOrders returns the account's open orders on sym (every symbol for ""),
// oldest first.
func (fa *fAccount) sortedOrders(sym string) []*fOrder {
	var out []*fOrder
	for s, byID := range fa.orders {
		if sym != "" && s != sym {
			continue
		}
		for _, o := range byID {
			if o.o.Status.Open() {
				out = append(out, o)
			}
		}
	}
	slices.SortFunc(out, func(x, y *fOrder) int {
		if x.o.Created != y.o.Created {
			return int(x.o.Created - y.o.Created)
		}
		if x.o.ID < y.o.ID {
			return -1
		}
		return 1
	})
	return out
}

// applyFill moves a position by a fill of qty at price on side s and returns the
// realized profit, by Binance's rules: an increase averages the entry price, a
// decrease realizes (price − entry) × closed quantity, a flip opens the rest at price.
func (p *fPosition) applyFill(s Side, price, qty int64) decimal.Decimal {
	dq := qty
	if s == Sell {
		dq = -qty
	}
	px := wireScale.Decimal(price)
	realized := decimal.Zero
	switch {
	case p.amt == 0 || (p.amt > 0) == (dq > 0):
		total := qtyDec(abs64(p.amt)).Mul(p.entry).Add(qtyDec(qty).Mul(px))
		p.amt += dq
		p.entry = total.DivRound(qtyDec(abs64(p.amt)), 8)
	default:
		closed := min(qty, abs64(p.amt))
		sign := decimal.NewFromInt(int64(sgn(p.amt)))
		realized = qtyDec(closed).Mul(px.Sub(p.entry)).Mul(sign).Round(8)
		p.amt += dq
		switch {
		case p.amt == 0:
			p.entry = decimal.Zero
		case (p.amt > 0) == (dq > 0): // flipped: the rest opens at price
			p.entry = px
		}
	}
	p.realized = p.realized.Add(realized)
	return realized
}

// syncIsolated moves an isolated position's margin between its wallet and the cross
// wallet so that it holds |position| × entry / leverage, the initial margin Binance
// assigns on opening.
func (p *fPosition) syncIsolated() {
	if !p.isolated {
		return
	}
	if p.amt == 0 {
		p.iw = decimal.Zero
		return
	}
	p.iw = perp.InitialMargin(qtyDec(p.amt).Mul(p.entry), p.leverage)
}

func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

func sgn(v int64) int {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

// bookMid returns the market's mid price (1e-8), false on an empty side.
func bookMid(m *Market) (int64, bool) {
	bp, _, okb := m.book.Best(Buy)
	ap, _, oka := m.book.Best(Sell)
	if !okb || !oka {
		return 0, false
	}
	return (bp + ap) / 2, true
}

// newClientID returns an id in the shape of Binance's generated ones (22 characters
// of [0-9A-Za-z]).
func (u *usdm) newClientID() string {
	const chars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	var b strings.Builder
	for range 22 {
		b.WriteByte(chars[u.rng.IntN(len(chars))])
	}
	return b.String()
}

// USDMPosition is an account's position as the exchange sees it, for tests.
type USDMPosition struct {
	Amount, Entry, Realized, Unrealized, IsolatedWallet decimal.Decimal
	Leverage                                            int
	Isolated                                            bool
}

// USDMAccount returns the USD-M wallet balance and the positions of the account with
// apiKey.
func (e *Exchange) USDMAccount(apiKey string) (wallet decimal.Decimal, positions map[string]USDMPosition, ok bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	a := e.accounts[apiKey]
	if a == nil || e.usdm == nil {
		return decimal.Zero, nil, false
	}
	fa := e.faccount(a)
	positions = map[string]USDMPosition{}
	for sym, p := range fa.pos {
		positions[sym] = USDMPosition{Amount: qtyDec(p.amt), Entry: p.entry, Realized: p.realized,
			Unrealized: e.unrealized(p), IsolatedWallet: p.iw, Leverage: p.leverage, Isolated: p.isolated}
	}
	return fa.wallet, positions, true
}

// strconvMs formats ms as a JSON number.
func strconvMs(ms int64) string { return strconv.FormatInt(ms, 10) }
