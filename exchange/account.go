package exchange

import (
	"crypto/ed25519"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/shopspring/decimal"
)

// AccountConfig is one trading account of the WebSocket API.
type AccountConfig struct {
	// APIKey identifies the account in requests.
	APIKey string
	// Secret is the HMAC-SHA256 secret key that signs its requests.
	Secret string
	// Ed25519 is the account's Ed25519 public key, if it has one: requests
	// may then be signed with the private key (base64 signatures), and
	// session.logon is allowed, as Binance only allows it for Ed25519 keys.
	Ed25519 ed25519.PublicKey
	// Balances are the starting balances, asset → decimal amount
	// ({"USDT": "100000", "BTC": "1"}).
	Balances map[string]string
}

type balance struct{ free, locked int64 }

// Account is a trading account: its balances, its orders, and the
// connections subscribed to its user data stream. The Exchange's lock
// guards it.
type Account struct {
	cfg      AccountConfig
	balances map[string]*balance
	initial  map[string]int64
	open     map[uint64]*Order // open orders by id
	orders   map[uint64]*Order // every order, by id
	byClient map[string]*Order // latest order of each client order id
	subs     map[*conn]int     // user data subscribers → subscription id
	clientN  uint64            // generated client order ids
	updated  int64             // ms: last balance change
	oc       orderCount        // the unfilled order count (ORDERS rate limits)
	// trades are the account's last fills, oldest first, for myTrades
	// (binance_trades.go).
	trades []accountTrade
}

func newAccount(ac AccountConfig) (*Account, error) {
	if ac.APIKey == "" || (ac.Secret == "" && ac.Ed25519 == nil) {
		return nil, fmt.Errorf("account %q: an api key and a secret or an Ed25519 key are required", ac.APIKey)
	}
	if ac.Ed25519 != nil && len(ac.Ed25519) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("account %q: Ed25519 public key has %d bytes", ac.APIKey, len(ac.Ed25519))
	}
	a := &Account{
		cfg:      ac,
		balances: make(map[string]*balance),
		initial:  make(map[string]int64),
		open:     make(map[uint64]*Order),
		orders:   make(map[uint64]*Order),
		byClient: make(map[string]*Order),
		subs:     make(map[*conn]int),
	}
	for asset, s := range ac.Balances {
		v, err := wireScale.ParseString(s)
		if err != nil || v < 0 {
			return nil, fmt.Errorf("account %q: balance %s %q: not a non-negative decimal with at most 8 places", ac.APIKey, asset, s)
		}
		a.balances[asset] = &balance{free: v}
		a.initial[asset] = v
	}
	return a, nil
}

func (a *Account) bal(asset string) *balance {
	b := a.balances[asset]
	if b == nil {
		b = &balance{}
		a.balances[asset] = b
	}
	return b
}

// reserve is what an order of qty at price holds back: the quote amount of a
// buy (rounded up), the base quantity of a sell.
func reserve(s Side, price, qty int64) int64 {
	if s == Sell {
		return qty
	}
	v, _ := mulDiv(price, qty, wireUnit)
	if p, _ := mulDiv(v, wireUnit, price); p < qty {
		v++
	}
	return v
}

// lock holds back the funds of a new order, or fails with the balance error.
func (a *Account) lock(in Instrument, o *Order) *apiError {
	asset := in.Quote
	if o.Side == Sell {
		asset = in.Base
	}
	need := reserve(o.Side, o.Price, o.Qty)
	b := a.bal(asset)
	if b.free < need {
		return errBalance
	}
	b.free -= need
	b.locked += need
	o.locked = need
	return nil
}

// release gives back what an order that left the book still held.
func (a *Account) release(in Instrument, o *Order) {
	asset := in.Quote
	if o.Side == Sell {
		asset = in.Base
	}
	b := a.bal(asset)
	b.locked -= o.locked
	b.free += o.locked
	o.locked = 0
	delete(a.open, o.ID)
}

// unsubscribe forgets a connection's user data subscription.
func (a *Account) unsubscribe(c *conn) { delete(a.subs, c) }

// settle books one fill for the accounts on either side of it, commission
// included, and sends their execution reports. Called by the Market with the
// exchange locked. The taker's commission is recorded on the fill for the
// FULL response of order.place.
func (e *Exchange) settle(f *Fill) {
	for _, o := range []*Order{f.Maker, f.Taker} {
		a := o.account
		if a == nil {
			continue
		}
		m := o.market
		in := m.inst
		base, quote := a.bal(in.Base), a.bal(in.Quote)
		maker := o == f.Maker
		filled, cum := f.TakerFilled, f.TakerQuote
		if maker {
			filled, cum = f.MakerFilled, f.MakerQuote
		}
		comm, commAsset := e.comm.charge(a, in, o.Side, maker, f.Price, f.Qty)
		if o.Side == Buy {
			rest := reserve(Buy, o.Price, o.Qty-filled)
			if o.Type == MarketOrder {
				// A market buy locked what it may spend, not price×qty.
				rest = o.locked - f.Quote
			}
			freed := o.locked - rest
			o.locked = rest
			quote.locked -= freed
			quote.free += freed - f.Quote
			base.free += f.Qty
		} else {
			o.locked -= f.Qty
			base.locked -= f.Qty
			quote.free += f.Quote
		}
		if comm > 0 {
			a.bal(commAsset).free -= comm
		}
		if !maker {
			f.TakerCommission, f.TakerCommissionAsset = comm, commAsset
		}
		if filled == f.Qty { // the order's first fill
			credit := 1
			if maker {
				credit = e.limits.cfg.MakerFillCredit
			}
			a.oc.firstFill(credit)
		}
		status := StatusPartiallyFilled
		if filled == o.Qty {
			status = StatusFilled
			delete(a.open, o.ID)
		}
		a.updated = m.nowMs()
		a.recordTrade(accountTrade{id: f.TradeID, orderID: o.ID, market: m, price: f.Price, qty: f.Qty, quote: f.Quote,
			commission: comm, commissionAsset: commAsset, time: a.updated, buyer: o.Side == Buy, maker: maker})
		e.report(a, o, report{exec: "TRADE", status: status, lastQty: f.Qty, lastPrice: f.Price,
			cumQty: filled, cumQuote: cum, tradeID: int64(f.TradeID), maker: maker,
			commission: comm, commissionAsset: commAsset})
	}
}

// report is one execution report's variable part.
type report struct {
	exec      string // NEW, TRADE, CANCELED, EXPIRED
	status    Status
	lastQty   int64
	lastPrice int64
	cumQty    int64
	cumQuote  int64
	tradeID   int64 // -1 when not a trade
	maker     bool
	cancelID  string // the cancel request's client order id
	origID    string // an amended order's client order id before the amend
	// commission of a trade and its asset ("" when none).
	commission      int64
	commissionAsset string
}

// report sends an executionReport, then the outboundAccountPosition of the
// symbol's two assets, to the account's user data subscribers.
func (e *Exchange) report(a *Account, o *Order, r report) {
	e.bybitReport(a, o, r)
	e.krakenReport(a, o, r)
	if len(a.subs) == 0 || e.binanceLose {
		return
	}
	if r.tradeID == 0 {
		r.tradeID = -1
	}
	m := o.market
	now := m.nowMs()
	w := &jw{}
	w.open()
	w.str("e", "executionReport").int("E", now).str("s", m.inst.Symbol)
	clientID, orig := o.ClientID, ""
	if r.cancelID != "" {
		clientID, orig = r.cancelID, o.ClientID
	}
	if r.origID != "" {
		orig = r.origID
	}
	w.str("c", clientID).str("S", o.Side.String()).str("o", o.Type.String()).str("f", o.TIF.String())
	w.dec("q", o.Qty).dec("p", o.Price).dec("P", 0).dec("F", 0).int("g", -1).str("C", orig)
	w.str("x", r.exec).str("X", r.status.String()).str("r", "NONE").uint("i", o.ID)
	w.dec("l", r.lastQty).dec("z", r.cumQty).dec("L", r.lastPrice)
	if r.commissionAsset != "" {
		w.dec("n", r.commission).str("N", r.commissionAsset)
	} else {
		w.str("n", "0").raw("N", []byte("null"))
	}
	// "I" is the execution id: unique per report, across the exchange.
	e.execID++
	w.int("T", now).int("t", r.tradeID).int("I", e.execID)
	onBook := r.status.Open()
	w.bool("w", onBook).bool("m", r.maker).bool("M", false).int("O", o.Created)
	w.dec("Z", r.cumQuote).dec("Y", quoteOf(r.lastPrice, r.lastQty)).dec("Q", o.QuoteQty)
	if onBook {
		w.int("W", o.Created)
	}
	w.str("V", "NONE")
	w.close()
	e.sendEvent(a, w.b)

	w = &jw{}
	w.open()
	w.str("e", "outboundAccountPosition").int("E", now).int("u", now)
	w.arr("B")
	assets := []string{m.inst.Base, m.inst.Quote}
	if r.commissionAsset == "BNB" {
		assets = append(assets, "BNB")
	}
	for _, asset := range assets {
		b := a.bal(asset)
		w.elem().str("a", asset).dec("f", b.free).dec("l", b.locked).close()
	}
	w.endArr()
	w.close()
	e.sendEvent(a, w.b)
}

// sendEvent wraps an event as the WebSocket API delivers user data,
// {"subscriptionId":N,"event":{..}}, and queues it for every subscriber, or
// holds it while a request is being answered (see hold).
func (e *Exchange) sendEvent(a *Account, event []byte) {
	if e.binanceDelay {
		e.binanceDelayed = append(e.binanceDelayed, heldEvent{a, event})
		return
	}
	if e.holding {
		e.held = append(e.held, heldEvent{a, event})
		return
	}
	for c, id := range a.subs {
		msg := make([]byte, 0, len(event)+40)
		msg = append(msg, `{"subscriptionId":`...)
		msg = strconv.AppendInt(msg, int64(id), 10)
		msg = append(msg, `,"event":`...)
		msg = append(msg, event...)
		msg = append(msg, '}')
		c.send(outMsg{data: msg, at: timeNow()})
	}
}

// OrderView is an order as the exchange sees it.
type OrderView struct {
	Symbol   string
	OrderID  uint64
	ClientID string
	Side     string
	Type     string
	TIF      string
	Price    decimal.Decimal
	Qty      decimal.Decimal
	Filled   decimal.Decimal
	Status   string
}

// BalanceView is one asset's balance.
type BalanceView struct {
	Free, Locked decimal.Decimal
}

// AccountView is the exchange's own view of an account, for tests that
// compare it with what the engine believes.
type AccountView struct {
	Balances map[string]BalanceView
	// Position is, per symbol, the change of the base asset's total balance
	// since the start.
	Position map[string]decimal.Decimal
	// PnL is, per symbol, the change of the quote balance plus the position
	// valued at the market's mid price (no fees are charged).
	PnL map[string]decimal.Decimal
	// OpenOrders are the orders on the book, oldest first.
	OpenOrders []OrderView
}

// Account returns the exchange's view of the account with apiKey.
func (e *Exchange) Account(apiKey string) (AccountView, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	a := e.accounts[apiKey]
	if a == nil {
		return AccountView{}, false
	}
	v := AccountView{Balances: map[string]BalanceView{}, Position: map[string]decimal.Decimal{}, PnL: map[string]decimal.Decimal{}}
	for asset, b := range a.balances {
		v.Balances[asset] = BalanceView{Free: wireScale.Decimal(b.free), Locked: wireScale.Decimal(b.locked)}
	}
	total := func(asset string) int64 {
		b := a.bal(asset)
		return b.free + b.locked - a.initial[asset]
	}
	markets := e.markets
	if e.replay != nil && e.replay.mkt != nil {
		markets = map[string]*Market{e.replay.symbol: e.replay.mkt}
	}
	for sym, m := range markets {
		pos := total(m.inst.Base)
		v.Position[sym] = wireScale.Decimal(pos)
		bp, _, okb := m.book.Best(Buy)
		ap, _, oka := m.book.Best(Sell)
		pnl := wireScale.Decimal(total(m.inst.Quote))
		if okb && oka {
			mid := wireScale.Decimal(bp).Add(wireScale.Decimal(ap)).Div(decimal.NewFromInt(2))
			pnl = pnl.Add(wireScale.Decimal(pos).Mul(mid))
		}
		v.PnL[sym] = pnl
	}
	for _, id := range slices.Sorted(maps.Keys(a.open)) {
		v.OpenOrders = append(v.OpenOrders, orderView(a.open[id]))
	}
	return v, true
}

func orderView(o *Order) OrderView {
	return OrderView{
		Symbol: o.market.inst.Symbol, OrderID: o.ID, ClientID: o.ClientID,
		Side: o.Side.String(), Type: o.Type.String(), TIF: o.TIF.String(),
		Price: wireScale.Decimal(o.Price), Qty: wireScale.Decimal(o.Qty), Filled: wireScale.Decimal(o.Filled),
		Status: o.Status.String(),
	}
}

var timeNow = time.Now

// heldEvent is a user data event held back until a request's response is
// queued (or not, see Config.ReportsFirstRate).
type heldEvent struct {
	a     *Account
	event []byte
}

// hold starts holding user data events; the function returned stops and
// returns a function that sends what was held.
func (e *Exchange) hold() func() func() {
	e.holding, e.held = true, nil
	return func() func() {
		held := e.held
		e.holding, e.held = false, nil
		return func() {
			for _, h := range held {
				e.sendEvent(h.a, h.event)
			}
		}
	}
}
