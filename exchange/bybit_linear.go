package exchange

// Bybit v5 linear perpetuals: order entry, positions, the unified wallet and funding.
//
// The perpetuals are the futures markets (Config.Futures), traded over /v5/trade with
// category "linear" by the accounts of the Binance WebSocket API, whose USDT balance is
// the unified wallet that margins them (Bybit's unified trading account). As Bybit
// documents them (github.com/bybit-exchange/docs at 072c197: v5/order/create-order,
// amend-order, cancel-order, v5/websocket/private/position, wallet, execution,
// v5/enum, v5/error):
//   - order.create takes orderType Limit with timeInForce GTC, IOC, FOK or PostOnly, and
//     reduceOnly; one-way mode only (positionIdx 0). A PostOnly order that would take
//     is accepted and then cancelled with rejectReason EC_PostOnlyWillTakeLiquidity, as
//     Bybit does; an FOK that cannot fill whole is cancelled (EC_FOKCannotFillFully...
//     here "EC_NoError" with orderStatus Cancelled, the enum naming no FOK reason);
//   - a reduce-only order needs a position on the other side (110017 "orderQty will be
//     truncated to zero" otherwise) and is cut to the position's size;
//   - an order whose initial margin (price × qty / leverage) exceeds the available
//     balance (wallet minus the margin of positions and open orders) is refused with
//     110007 "Available balance is insufficient";
//   - order.amend changes qty and/or price; a price change loses the order's place in
//     the queue, a lower qty keeps it. An amend that would make a PostOnly order take
//     is refused (10001) and the order left as it was;
//   - order.cancel of an order that is not open is 110001 "Order does not exist";
//   - every fill moves the position (size, average entry, realised PnL) and the wallet
//     (realised PnL minus the fee, Config.Commission's rates on the notional), and is
//     pushed on execution (execType Trade, closedSize, feeRate), position and wallet;
//   - funding: every BybitLinear.FundingInterval (from 00:00 UTC) each position pays
//     size × mark price × rate (positive rate: longs pay) from the wallet, pushed as an
//     execution with execType Funding and execFee the amount paid, then position and
//     wallet. The mark price is the book's mid.
//
// The local exchange's choices where Bybit has no rule for it: leverage is
// BybitLinear.Leverage for every symbol, there is no liquidation (liqPrice is computed
// and published, nothing is liquidated), and Market orders are refused (10001).

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/fixed"
)

// BybitLinear configures the Bybit perpetuals of the local exchange.
type BybitLinear struct {
	// FundingInterval is the funding grid from 00:00 UTC; 0 means Bybit's 8 hours.
	FundingInterval time.Duration
	// FundingRate is the rate charged at every funding time ("0.0001" is 0.01%, longs
	// pay shorts); "" means 0.0001.
	FundingRate string
	// Leverage is every position's leverage; 0 means 10.
	Leverage int
}

// Bybit's reasons and codes the perpetuals answer with (v5/error, v5/enum).
const (
	bybitPostOnlyTakes  = "EC_PostOnlyWillTakeLiquidity"
	bybitNoError        = "EC_NoError"
	codeBybitParam      = 10001
	codeBybitNoOrder    = 110001
	codeBybitBalance    = 110007
	codeBybitReduceOnly = 110017
	codeBybitDupLink    = 110072
	codeBybitSpotNoOrd  = 170213
)

// linearState is the perpetuals' side of the exchange, under the exchange's lock.
type linearState struct {
	interval  int64 // funding grid, ns
	rate      int64 // funding rate at the wire scale
	leverage  int64
	nextFund  int64 // ns: the next funding time
	positions map[*Account]map[string]*linPos
	open      map[*Account]map[string]*linOrder // open orders by orderLinkId
	// orders are every Bybit perpetual order, by the matching engine's order (ids
	// are per market, so two perpetuals may reuse one).
	orders  map[*Order]*linOrder
	holding bool
	held    []func()
	orderN  uint64
	lose    bool // private stream messages are lost (BybitLoseStreams)
}

// linOrder is an order on a perpetual's book and what Bybit says of it.
type linOrder struct {
	o          *Order
	a          *Account
	link       string
	reduceOnly bool
	postOnly   bool
	fee        int64 // cumulative fee
	// cum is the quantity settled so far, fill by fill: an execution's leavesQty is
	// the order's quantity less it, as it was at that fill (the order's Filled is
	// already the sweep's total when its fills are settled).
	cum    int64
	reject string
}

// linPos is one account's position in one perpetual, one-way mode.
type linPos struct {
	size     int64 // signed, wire scale: positive long
	entry    int64 // average entry price
	cumReal  int64 // all-time realised PnL, fees and funding included
	curReal  int64 // realised PnL of the current position
	created  int64 // ms
	updated  int64 // ms
	seq      int64
	everUsed bool
}

func newLinearState(c BybitLinear, now int64) (*linearState, error) {
	s := &linearState{
		interval: int64(8 * time.Hour), rate: 10_000, leverage: 10,
		positions: map[*Account]map[string]*linPos{},
		open:      map[*Account]map[string]*linOrder{},
		orders:    map[*Order]*linOrder{},
	}
	if c.FundingInterval < 0 || c.FundingInterval > 0 && c.FundingInterval < time.Second {
		return nil, fmt.Errorf("bybit linear: funding interval %s: want at least a second", c.FundingInterval)
	}
	if c.FundingInterval > 0 {
		s.interval = int64(c.FundingInterval)
	}
	if c.FundingRate != "" {
		r, err := wireScale.ParseString(c.FundingRate)
		if err != nil || r <= -wireUnit/100 || r >= wireUnit/100 {
			return nil, fmt.Errorf("bybit linear: funding rate %q: want a decimal within ±0.01 with at most 8 places", c.FundingRate)
		}
		s.rate = r
	}
	if c.Leverage < 0 || c.Leverage > 100 {
		return nil, fmt.Errorf("bybit linear: leverage %d: want 1 to 100", c.Leverage)
	}
	if c.Leverage > 0 {
		s.leverage = int64(c.Leverage)
	}
	s.nextFund = now - now%s.interval + s.interval
	return s, nil
}

// setupBybitLinear readies the perpetuals for trading over Bybit's protocol: a fill
// of a Bybit order settles its position here, and a fill with a side placed through
// another protocol (USD-M's, on the same books) goes on to that protocol's settlement.
func (e *Exchange) setupBybitLinear() error {
	s, err := newLinearState(e.cfg.BybitLinear, e.start.UnixNano())
	if err != nil {
		return fmt.Errorf("exchange: %w", err)
	}
	e.linear = s
	for _, m := range e.futures {
		other := m.onFill
		m.onFill = func(f *Fill) {
			e.settleLinear(f)
			if other == nil {
				return
			}
			for _, o := range []*Order{f.Maker, f.Taker} {
				if o.account != nil && s.orders[o] == nil {
					other(f)
					return
				}
			}
		}
	}
	return nil
}

func (s *linearState) pos(a *Account, sym string) *linPos {
	ps := s.positions[a]
	if ps == nil {
		ps = map[string]*linPos{}
		s.positions[a] = ps
	}
	p := ps[sym]
	if p == nil {
		p = &linPos{}
		ps[sym] = p
	}
	return p
}

// later runs f now, or after the request's answer while a request is being answered.
func (s *linearState) later(f func()) {
	if s.holding {
		s.held = append(s.held, f)
		return
	}
	f()
}

// linArgs reads one order's arguments.
type linArgs map[string]any

func (a linArgs) str(k string) string { s, _ := a[k].(string); return s }

// linearCreate runs order.create for category linear. Called with the exchange locked.
func (p *bybitPrivate) linearCreate(req bybitRequest, args linArgs) {
	e := p.c.e
	s := e.linear
	m := e.futures[args.str("symbol")]
	if m == nil {
		p.answer(req, codeBybitParam, "params error: symbol invalid", nil)
		return
	}
	e.stepMarket(m)
	in := m.inst
	lo := &linOrder{a: p.acct, link: args.str("orderLinkId")}
	o := &Order{account: p.acct, market: m, maker: -1, Type: Limit, TIF: GTC, Step: in.StepSize, ClientID: lo.link}
	switch args.str("side") {
	case "Buy":
		o.Side = Buy
	case "Sell":
		o.Side = Sell
	default:
		p.answer(req, codeBybitParam, "params error: side invalid", nil)
		return
	}
	if args.str("orderType") != "Limit" {
		p.answer(req, codeBybitParam, "params error: the local exchange takes orderType Limit only", nil)
		return
	}
	switch tif := args.str("timeInForce"); tif {
	case "", "GTC":
	case "IOC":
		o.TIF = IOC
	case "FOK":
		o.TIF = FOK
	case "PostOnly":
		lo.postOnly = true
	default:
		p.answer(req, codeBybitParam, "params error: timeInForce invalid", nil)
		return
	}
	if v, ok := args["reduceOnly"]; ok {
		b, isBool := v.(bool)
		if !isBool {
			p.answer(req, codeBybitParam, "params error: reduceOnly must be a boolean", nil)
			return
		}
		lo.reduceOnly = b
	}
	if pi, ok := args["positionIdx"]; ok {
		if f, _ := pi.(float64); f != 0 {
			p.answer(req, codeBybitParam, "position idx not match position mode", nil)
			return
		}
	}
	price, err1 := wireScale.ParseString(args.str("price"))
	qty, err2 := wireScale.ParseString(args.str("qty"))
	switch {
	case err1 != nil || price <= 0 || price%in.TickSize != 0 || price < in.MinPrice || price > in.MaxPrice:
		p.answer(req, codeBybitParam, "params error: price invalid", nil)
		return
	case err2 != nil || qty <= 0 || qty%in.StepSize != 0 || qty > in.MaxQty:
		p.answer(req, codeBybitParam, "params error: qty invalid", nil)
		return
	case qty < in.MinQty:
		p.answer(req, 110094, "Order does not meet minimum order value", nil)
		return
	}
	if len(lo.link) > 36 || lo.link != "" && !validClientID(lo.link) {
		p.answer(req, codeBybitParam, "params error: orderLinkId invalid", nil)
		return
	}
	if lo.link != "" && s.open[p.acct][lo.link] != nil {
		p.answer(req, codeBybitDupLink, "OrderLinkedID is duplicate", nil)
		return
	}
	o.Price, o.Qty = price, qty
	pos := s.pos(p.acct, in.Symbol)
	if lo.reduceOnly {
		if pos.size == 0 || (pos.size > 0) == (o.Side == Buy) {
			p.answer(req, codeBybitReduceOnly, "orderQty will be truncated to zero", nil)
			return
		}
		o.Qty = min(o.Qty, abs64(pos.size))
	} else if n, ok := mulDiv(o.Price, o.Qty, wireUnit); !ok || n < in.MinNotional {
		p.answer(req, 110094, "Order does not meet minimum order value", nil)
		return
	} else if im := n / s.leverage; im > s.available(e, p.acct) {
		p.answer(req, codeBybitBalance, "Available balance is insufficient", nil)
		return
	}
	if lo.link == "" {
		s.orderN++
		lo.link = "local-" + strconv.FormatUint(s.orderN, 10)
		o.ClientID = lo.link
	}
	lo.o = o
	now := m.nowMs()
	var fills []Fill
	if lo.postOnly && m.book.WouldTake(o.Side, o.Price) {
		// Bybit accepts the request and cancels the order (v5/enum rejectReason).
		m.book.orderID++
		o.ID = m.book.orderID
		o.Status, o.Created, o.Updated = StatusCanceled, now, now
		lo.reject = bybitPostOnlyTakes
	} else {
		var err error
		fills, err = m.book.Place(o, now)
		if err != nil {
			p.answer(req, codeBybitParam, "order refused: "+err.Error(), nil)
			return
		}
		fills = slices.Clone(fills)
	}
	s.orders[o] = lo
	if o.Status.Open() {
		if s.open[p.acct] == nil {
			s.open[p.acct] = map[string]*linOrder{}
		}
		s.open[p.acct][lo.link] = lo
	}
	s.holding = true
	m.fills(fills)
	held := s.held
	s.holding, s.held = false, nil
	p.answer(req, 0, "OK", linOrderIDs(o))
	e.linearOrderMsg(lo, "New")
	for _, f := range held {
		f()
	}
	if !o.Status.Open() && o.Status != StatusFilled {
		e.linearOrderMsg(lo, "")
	}
	if o.Status == StatusCanceled || o.Status == StatusExpired {
		e.linearPositionMsg(p.acct, m) // every create changes the position topic
	}
	m.publish()
}

func linOrderIDs(o *Order) []byte {
	return []byte(`{"orderId":"` + strconv.FormatUint(o.ID, 10) + `","orderLinkId":` + strconv.Quote(o.ClientID) + `}`)
}

// available is the account's balance free for new orders' margin: the wallet's free
// USDT less the initial margin of its positions and open orders.
func (s *linearState) available(e *Exchange, a *Account) int64 {
	free := a.bal("USDT").free
	for _, p := range s.positions[a] {
		n, _ := mulDiv(abs64(p.size), p.entry, wireUnit)
		free -= n / s.leverage
	}
	for _, lo := range s.open[a] {
		if lo.reduceOnly {
			continue
		}
		n, _ := mulDiv(lo.o.Remaining(), lo.o.Price, wireUnit)
		free -= n / s.leverage
	}
	return free
}

// findLinear returns the open order of args (orderLinkId or orderId, and symbol), or
// nil.
func (s *linearState) findLinear(a *Account, args linArgs) *linOrder {
	if link := args.str("orderLinkId"); link != "" {
		return s.open[a][link]
	}
	if id, err := strconv.ParseUint(args.str("orderId"), 10, 64); err == nil {
		for _, lo := range s.open[a] {
			if lo.o.ID == id && lo.o.market.inst.Symbol == args.str("symbol") {
				return lo
			}
		}
	}
	return nil
}

// linearCancel runs order.cancel for category linear. Called with the exchange locked.
func (p *bybitPrivate) linearCancel(req bybitRequest, args linArgs) {
	e := p.c.e
	s := e.linear
	lo := s.findLinear(p.acct, args)
	if lo == nil || lo.o.market.inst.Symbol != args.str("symbol") {
		p.answer(req, codeBybitNoOrder, "Order does not exist", nil)
		return
	}
	m := lo.o.market
	e.stepMarket(m)
	if !lo.o.Status.Open() { // filled as the market stepped
		p.answer(req, codeBybitNoOrder, "Order does not exist", nil)
		return
	}
	m.book.Cancel(lo.o.ID, m.nowMs())
	delete(s.open[p.acct], lo.link)
	p.answer(req, 0, "OK", linOrderIDs(lo.o))
	e.linearOrderMsg(lo, "")
	e.linearPositionMsg(p.acct, m)
	m.publish()
}

// linearAmend runs order.amend for category linear. Called with the exchange locked.
func (p *bybitPrivate) linearAmend(req bybitRequest, args linArgs) {
	e := p.c.e
	s := e.linear
	lo := s.findLinear(p.acct, args)
	if lo == nil || lo.o.market.inst.Symbol != args.str("symbol") {
		p.answer(req, codeBybitNoOrder, "Order does not exist", nil)
		return
	}
	o := lo.o
	m := o.market
	e.stepMarket(m)
	if !o.Status.Open() {
		p.answer(req, codeBybitNoOrder, "Order does not exist", nil)
		return
	}
	price, qty := o.Price, o.Qty
	if v := args.str("price"); v != "" {
		x, err := wireScale.ParseString(v)
		if err != nil || x <= 0 || x%m.inst.TickSize != 0 || x < m.inst.MinPrice || x > m.inst.MaxPrice {
			p.answer(req, codeBybitParam, "params error: price invalid", nil)
			return
		}
		price = x
	}
	if v := args.str("qty"); v != "" {
		x, err := wireScale.ParseString(v)
		if err != nil || x <= 0 || x%m.inst.StepSize != 0 || x > m.inst.MaxQty || x <= o.Filled {
			p.answer(req, codeBybitParam, "params error: qty invalid", nil)
			return
		}
		qty = x
	}
	if price == o.Price && qty == o.Qty {
		p.answer(req, codeBybitParam, "params error: nothing to amend", nil)
		return
	}
	if lo.postOnly && price != o.Price && m.book.WouldTake(o.Side, price) {
		p.answer(req, codeBybitParam, "params error: the amended PostOnly order would take liquidity", nil)
		return
	}
	now := m.nowMs()
	var fills []Fill
	if price == o.Price && qty < o.Qty {
		m.book.Amend(o.ID, qty, now)
	} else {
		// A new price or a larger quantity: the order leaves the queue and
		// enters again, keeping its id and what it has filled.
		id, created := o.ID, o.Created
		m.book.Cancel(id, now)
		o.Price, o.Qty = price, qty
		fills, _ = m.book.Place(o, now)
		fills = slices.Clone(fills)
		delete(m.book.orders, o.ID)
		m.book.orderID-- // the id Place drew is given back
		o.ID, o.Created = id, created
		if o.Status.Open() {
			m.book.orders[id] = o
		}
	}
	s.holding = true
	m.fills(fills)
	held := s.held
	s.holding, s.held = false, nil
	p.answer(req, 0, "OK", linOrderIDs(o))
	e.linearOrderMsg(lo, "")
	for _, f := range held {
		f()
	}
	e.linearPositionMsg(p.acct, m)
	m.publish()
}

// settleLinear books one fill of a perpetual for the accounts on either side of it.
// Called by the Market with the exchange locked.
func (e *Exchange) settleLinear(f *Fill) {
	s := e.linear
	for _, o := range []*Order{f.Maker, f.Taker} {
		a := o.account
		if a == nil {
			continue
		}
		lo := s.orders[o]
		if lo == nil {
			continue
		}
		m := o.market
		maker := o == f.Maker
		rate := e.comm.taker
		if maker {
			rate = e.comm.maker
		}
		fee, _ := mulDiv(f.Quote, rate, wireUnit)
		lo.fee += fee
		lo.cum += f.Qty
		p := s.pos(a, m.inst.Symbol)
		q := f.Qty
		if o.Side == Sell {
			q = -q
		}
		closed := p.apply(q, f.Price)
		p.cumReal -= fee
		p.curReal -= fee
		p.seq++
		p.updated = m.nowMs()
		if p.created == 0 {
			p.created = p.updated
		}
		a.bal("USDT").free += closedPnL(closed) - fee
		if o.Status == StatusFilled || !o.Status.Open() {
			delete(s.open[a], lo.link)
		}
		exec := linExec{price: f.Price, qty: f.Qty, fee: fee, rate: rate, maker: maker, closed: abs64(closed.qty), tradeID: f.TradeID,
			leaves: max(o.Qty-lo.cum, 0)}
		e.recordLinearExec(lo, exec)
		s.later(func() {
			e.linearExecMsg(lo, exec)
			if o.Status == StatusFilled || o.Status == StatusPartiallyFilled {
				e.linearOrderMsg(lo, "")
			}
			e.linearPositionMsg(a, m)
			e.linearWalletMsg(a)
		})
	}
}

// closing is what a fill closed of a position: qty (signed like the position was) at
// the entry price, closed at price.
type closing struct{ qty, entry, price int64 }

func closedPnL(c closing) int64 {
	v, _ := mulDiv(c.qty, c.price-c.entry, wireUnit)
	return v
}

// apply moves the position by q (signed) at price and returns what it closed.
func (p *linPos) apply(q, price int64) closing {
	p.everUsed = true
	if p.size == 0 || (p.size > 0) == (q > 0) {
		n := abs64(p.size) + abs64(q)
		v1, _ := mulDiv(abs64(p.size), p.entry, 1)
		v2, _ := mulDiv(abs64(q), price, 1)
		p.entry = (v1 + v2) / n
		if p.size == 0 {
			p.curReal = 0
		}
		p.size += q
		return closing{}
	}
	c := closing{entry: p.entry, price: price}
	if abs64(q) <= abs64(p.size) {
		c.qty = -q
	} else {
		c.qty = p.size
	}
	p.curReal += closedPnL(c)
	p.cumReal += closedPnL(c)
	p.size += q
	switch {
	case p.size == 0:
		p.entry = 0
	case (p.size > 0) != (c.qty > 0): // flipped: the rest opened at price
		p.entry = price
		p.curReal = 0
	}
	return c
}

// fundLinear charges funding to every position when a funding time has passed. Called
// with the exchange locked, as the clock moves.
func (e *Exchange) fundLinear(now int64) {
	s := e.linear
	if s == nil || now < s.nextFund {
		return
	}
	for now >= s.nextFund {
		s.nextFund += s.interval
	}
	for _, a := range slices.SortedFunc(maps.Keys(s.positions), func(x, y *Account) int {
		return cmpString(x.cfg.APIKey, y.cfg.APIKey)
	}) {
		for _, sym := range slices.Sorted(maps.Keys(s.positions[a])) {
			p := s.positions[a][sym]
			m := e.futures[sym]
			if p.size == 0 || m == nil {
				continue
			}
			mark := markOf(m)
			notional, _ := mulDiv(p.size, mark, wireUnit)
			pay, _ := mulDiv(notional, s.rate, wireUnit)
			a.bal("USDT").free -= pay
			p.cumReal -= pay
			p.curReal -= pay
			p.seq++
			p.updated = m.nowMs()
			e.linearFundingMsg(a, m, p, pay, mark)
			e.linearPositionMsg(a, m)
			e.linearWalletMsg(a)
		}
	}
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// markOf is a perpetual's mark price: the book's mid, rounded down to the tick, or the
// market's reference price when a side is empty.
func markOf(m *Market) int64 {
	bp, _, okb := m.book.Best(Buy)
	ap, _, oka := m.book.Best(Sell)
	if !okb || !oka {
		return m.ref
	}
	mid := (bp + ap) / 2
	return mid - mid%m.inst.TickSize
}

// indexOf is a perpetual's index price: the mid of the spot market it follows, or its
// mark price.
func (e *Exchange) indexOf(m *Market) int64 {
	if m.lead != nil {
		return markOf(m.lead.leader)
	}
	return markOf(m)
}

// linExec is one fill of a linear order, for its execution message.
type linExec struct {
	price, qty, fee, rate, closed int64
	leaves                        int64 // the order's leavesQty after this fill
	maker                         bool
	tradeID                       uint64
}

// linearSubs calls fn for each /v5/private connection of a subscribed to topic.
func (e *Exchange) linearSubs(a *Account, topic string, fn func(p *bybitPrivate)) {
	for p := range e.bybitSubs {
		if p.acct == a && p.wants(topic, "linear") {
			fn(p)
		}
	}
}

func (e *Exchange) linearSend(a *Account, topic string, w *jw) {
	if e.linear.lose {
		return
	}
	e.linearSubs(a, topic, func(p *bybitPrivate) { p.c.send(outMsg{data: w.b, at: time.Now()}) })
}

// linearOrderMsg pushes the order's state on "order"; status "" derives it.
func (e *Exchange) linearOrderMsg(lo *linOrder, status string) {
	o := lo.o
	m := o.market
	if status == "" {
		status = map[Status]string{StatusNew: "New", StatusPartiallyFilled: "PartiallyFilled", StatusFilled: "Filled"}[o.Status]
		if o.Status == StatusCanceled || o.Status == StatusExpired {
			status = "Cancelled"
			if o.Filled > 0 {
				status = "PartiallyFilledCanceled"
			}
		}
	}
	w := &jw{}
	now := m.nowMs()
	pd, qd := stepDecimals(m.inst.TickSize), stepDecimals(m.inst.StepSize)
	w.open().str("topic", "order").str("id", strconv.FormatUint(o.ID, 10)+"-"+strconv.FormatInt(now, 10)).int("creationTime", now)
	w.arr("data")
	w.elem().str("category", "linear").str("symbol", m.inst.Symbol).str("orderId", strconv.FormatUint(o.ID, 10)).str("orderLinkId", lo.link)
	w.str("side", bybitSide(o.Side)).str("orderType", "Limit").int("positionIdx", 0)
	w.str("price", wireAt(pd, o.Price)).str("qty", wireAt(qd, o.Qty))
	tif := o.TIF.String()
	if lo.postOnly {
		tif = "PostOnly"
	}
	reason := bybitNoError
	if lo.reject != "" && status == "Cancelled" {
		reason = lo.reject
	}
	w.str("orderStatus", status).str("rejectReason", reason).str("timeInForce", tif).bool("reduceOnly", lo.reduceOnly)
	w.str("cumExecQty", wireAt(qd, o.Filled)).str("leavesQty", wireAt(qd, max(o.Qty-o.Filled, 0)))
	avg := ""
	if o.Filled > 0 {
		v, _ := mulDiv(o.Quote, wireUnit, o.Filled)
		avg = wireAt(pd, v-v%wireDiv(pd))
	}
	w.str("avgPrice", avg).str("cumExecValue", decText(o.Quote)).str("cumExecFee", decText(lo.fee))
	w.str("createdTime", strconv.FormatInt(o.Created, 10)).str("updatedTime", strconv.FormatInt(now, 10))
	w.close().endArr()
	w.close()
	e.linearSend(lo.a, "order", w)
}

func bybitSide(s Side) string {
	if s == Buy {
		return "Buy"
	}
	return "Sell"
}

// wireAt prints a wire-scale value at d decimals (truncated), as Bybit prints prices
// and sizes: at the tick's or the step's decimals.
func wireAt(d fixed.Scale, v int64) string {
	return string(d.AppendFixed(nil, v/wireDiv(d)))
}

// decText prints a wire-scale value in its shortest exact form ("26.3725275").
func decText(v int64) string { return string(wireScale.Append(nil, v)) }

// linearExecMsg pushes one fill on "execution".
func (e *Exchange) linearExecMsg(lo *linOrder, x linExec) {
	o := lo.o
	m := o.market
	now := m.nowMs()
	pd, qd := stepDecimals(m.inst.TickSize), stepDecimals(m.inst.StepSize)
	w := &jw{}
	w.open().str("topic", "execution").str("id", strconv.FormatUint(x.tradeID, 10)+"-"+strconv.FormatUint(o.ID, 10)).int("creationTime", now)
	w.arr("data")
	w.elem().str("category", "linear").str("symbol", m.inst.Symbol).str("orderId", strconv.FormatUint(o.ID, 10)).str("orderLinkId", lo.link)
	w.str("side", bybitSide(o.Side)).str("orderType", "Limit").str("execId", strconv.FormatUint(x.tradeID, 10)+"-"+strconv.FormatUint(o.ID, 10)).str("execType", "Trade")
	w.str("execPrice", wireAt(pd, x.price)).str("execQty", wireAt(qd, x.qty))
	w.str("execValue", decText(quoteOf(x.price, x.qty))).str("execFee", decText(x.fee)).str("feeRate", decText(x.rate))
	w.str("feeCurrency", "USDT").bool("isMaker", x.maker).str("execTime", strconv.FormatInt(now, 10))
	w.str("orderPrice", wireAt(pd, o.Price)).str("orderQty", wireAt(qd, o.Qty)).str("leavesQty", wireAt(qd, x.leaves))
	w.str("closedSize", wireAt(qd, x.closed)).str("markPrice", wireAt(pd, markOf(m)))
	w.close().endArr()
	w.close()
	e.linearSend(lo.a, "execution", w)
}

// linearFundingMsg pushes a funding payment on "execution" (execType Funding).
func (e *Exchange) linearFundingMsg(a *Account, m *Market, p *linPos, pay, mark int64) {
	e.recordFundingExec(a, m, p.size, pay, mark)
	now := m.nowMs()
	pd, qd := stepDecimals(m.inst.TickSize), stepDecimals(m.inst.StepSize)
	side := "Buy"
	if p.size < 0 {
		side = "Sell"
	}
	w := &jw{}
	w.open().str("topic", "execution").str("id", "funding-"+strconv.FormatInt(now, 10)).int("creationTime", now)
	w.arr("data")
	w.elem().str("category", "linear").str("symbol", m.inst.Symbol).str("orderId", "").str("orderLinkId", "")
	w.str("side", side).str("orderType", "UNKNOWN").str("execId", "funding-"+m.inst.Symbol+"-"+strconv.FormatInt(now, 10)).str("execType", "Funding")
	w.str("execPrice", wireAt(pd, mark)).str("execQty", wireAt(qd, abs64(p.size)))
	notional, _ := mulDiv(abs64(p.size), mark, wireUnit)
	w.str("execValue", decText(notional)).str("execFee", decText(pay)).str("feeRate", decText(e.linear.rate))
	w.str("feeCurrency", "USDT").bool("isMaker", false).str("execTime", strconv.FormatInt(now, 10)).str("markPrice", wireAt(pd, mark))
	w.close().endArr()
	w.close()
	e.linearSend(a, "execution", w)
}

// appendPosition writes one position object, as the position topic and
// /v5/position/list share it.
func (e *Exchange) appendPosition(w *jw, m *Market, p *linPos) {
	s := e.linear
	pd, qd := stepDecimals(m.inst.TickSize), stepDecimals(m.inst.StepSize)
	mark := markOf(m)
	side := ""
	switch {
	case p.size > 0:
		side = "Buy"
	case p.size < 0:
		side = "Sell"
	}
	size := abs64(p.size)
	value, _ := mulDiv(size, p.entry, wireUnit)
	upnl, _ := mulDiv(p.size, mark-p.entry, wireUnit)
	mm := value / 200 // 0.5%: Bybit's first risk tier for BTCUSDT
	liq := ""
	if p.size != 0 {
		// Isolated-style estimate: the price at which the position's initial margin
		// is gone down to its maintenance margin.
		move, _ := mulDiv(p.entry, wireUnit/s.leverage-wireUnit/200, wireUnit)
		lp := p.entry - move
		if p.size < 0 {
			lp = p.entry + move
		}
		liq = wireAt(pd, max(lp, 0))
	}
	w.str("category", "linear").str("symbol", m.inst.Symbol).str("side", side).str("size", wireAt(qd, size)).int("positionIdx", 0)
	w.str("positionValue", decText(value)).str("entryPrice", decText(p.entry)).str("markPrice", wireAt(pd, mark))
	w.str("leverage", strconv.FormatInt(s.leverage, 10)).str("positionIM", decText(value/s.leverage)).str("positionMM", decText(mm))
	w.str("liqPrice", liq).str("unrealisedPnl", decText(upnl)).str("curRealisedPnl", decText(p.curReal)).str("cumRealisedPnl", decText(p.cumReal))
	w.str("positionStatus", "Normal").bool("isReduceOnly", false)
	w.str("createdTime", strconv.FormatInt(p.created, 10)).str("updatedTime", strconv.FormatInt(p.updated, 10))
	seq := p.seq
	if !p.everUsed {
		seq = -1
	}
	w.int("seq", seq)
}

// linearPositionMsg pushes the account's position in m on "position".
func (e *Exchange) linearPositionMsg(a *Account, m *Market) {
	p := e.linear.pos(a, m.inst.Symbol)
	now := m.nowMs()
	w := &jw{}
	w.open().str("id", "position-"+strconv.FormatInt(now, 10)).str("topic", "position").int("creationTime", now)
	w.arr("data")
	w.elem()
	e.appendPosition(w, m, p)
	w.close().endArr()
	w.close()
	e.linearSend(a, "position", w)
}

// appendWallet writes the account's wallet object (wallet topic and
// /v5/account/wallet-balance).
func (e *Exchange) appendWallet(w *jw, a *Account) {
	s := e.linear
	var upnl, im, mm int64
	for sym, p := range s.positions[a] {
		m := e.futures[sym]
		if m == nil || p.size == 0 {
			continue
		}
		u, _ := mulDiv(p.size, markOf(m)-p.entry, wireUnit)
		v, _ := mulDiv(abs64(p.size), p.entry, wireUnit)
		upnl += u
		im += v / s.leverage
		mm += v / 200
	}
	b := a.bal("USDT")
	wallet := b.free + b.locked
	avail := s.available(e, a)
	w.str("accountType", "UNIFIED").str("totalEquity", decText(wallet+upnl)).str("totalWalletBalance", decText(wallet))
	w.str("totalMarginBalance", decText(wallet+upnl)).str("totalAvailableBalance", decText(avail))
	w.str("totalPerpUPL", decText(upnl)).str("totalInitialMargin", decText(im)).str("totalMaintenanceMargin", decText(mm))
	w.arr("coin")
	for _, asset := range slices.Sorted(maps.Keys(a.balances)) {
		bb := a.balances[asset]
		w.elem().str("coin", asset).str("walletBalance", decText(bb.free+bb.locked)).str("locked", decText(bb.locked))
		if asset == "USDT" {
			w.str("equity", decText(bb.free+bb.locked+upnl)).str("unrealisedPnl", decText(upnl))
			w.str("totalPositionIM", decText(im)).str("totalPositionMM", decText(mm))
		} else {
			w.str("equity", decText(bb.free+bb.locked)).str("unrealisedPnl", "0")
		}
		w.close()
	}
	w.endArr()
}

// linearWalletMsg pushes the account's wallet on "wallet".
func (e *Exchange) linearWalletMsg(a *Account) {
	now := time.Now().UnixMilli()
	w := &jw{}
	w.open().str("id", "wallet-"+strconv.FormatInt(now, 10)).str("topic", "wallet").int("creationTime", now)
	w.arr("data")
	w.elem()
	e.appendWallet(w, a)
	w.close().endArr()
	w.close()
	e.linearSend(a, "wallet", w)
}

// BybitDropConnections closes every Bybit trade and private connection, as a network
// fault would; clients must reconnect, log in again and reconcile.
func (e *Exchange) BybitDropConnections() {
	e.connMu.Lock()
	conns := make([]*conn, 0, len(e.conns))
	for c := range e.conns {
		conns = append(conns, c)
	}
	e.connMu.Unlock()
	e.mu.Lock()
	kill := map[*conn]bool{}
	for p := range e.bybitSubs {
		kill[p.c] = true
	}
	for _, c := range conns {
		if c.bybitTrade {
			kill[c] = true
		}
	}
	e.mu.Unlock()
	for c := range kill {
		c.kill()
	}
}

// BybitLoseStreams makes the private streams lose every message while on is set, as if
// the connection had been down: a client learns what it missed only by reconciling.
func (e *Exchange) BybitLoseStreams(on bool) {
	e.mu.Lock()
	e.linear.lose = on
	e.mu.Unlock()
}

// BybitLinearOrders returns the open perpetual orders of the account with apiKey,
// oldest first, for tests that compare them with what a client believes.
func (e *Exchange) BybitLinearOrders(apiKey string) []OrderView {
	e.mu.Lock()
	defer e.mu.Unlock()
	a := e.accounts[apiKey]
	var out []OrderView
	for _, lo := range e.linear.open[a] {
		out = append(out, orderView(lo.o))
	}
	slices.SortFunc(out, func(x, y OrderView) int { return cmp.Compare(x.OrderID, y.OrderID) })
	return out
}

// BybitLinearPosition returns the signed position of the account with apiKey in the
// perpetual symbol (Bybit's protocol), for tests that compare it with a client's.
func (e *Exchange) BybitLinearPosition(apiKey, symbol string) decimal.Decimal {
	e.mu.Lock()
	defer e.mu.Unlock()
	a := e.accounts[apiKey]
	if a == nil || e.linear == nil {
		return decimal.Zero
	}
	return wireScale.Decimal(e.linear.pos(a, symbol).size)
}
