package exchange

// USD-M order entry: placing, modifying, cancelling and querying orders, and the
// settlement of their fills into positions and the wallet.
//
// Parameters, rules and errors follow the USDⓈ-M Futures documentation (Trade: "New
// Order", "Modify Order", "Cancel Order", "Query Order", the WebSocket API's
// order.place, order.modify, order.cancel, order.status; "Error Codes"):
//   - LIMIT needs timeInForce (GTC, IOC, FOK, GTX), quantity and price; MARKET needs
//     quantity; conditional types belong to the Algo Order API since 2025-12 (-4120);
//   - reduceOnly "true" must reduce the position: -2022 otherwise;
//   - an order that is not reduce-only needs a notional of at least the symbol's
//     minimum: -4164;
//   - a GTX (post-only) order that would take is rejected with -5022 and not
//     recorded, a FOK order that cannot fill at once with -5021 (what Binance answers
//     today; ORDER_TRADE_UPDATE's EXPIRED is for IOC remainders);
//   - an order needing more initial margin than the account has available: -2019;
//   - order.modify changes price and quantity of a LIMIT order in place, keeping its
//     orderId; the modified order is "reordered in the match queue" (it loses its time
//     priority), a partially filled order modified to a quantity at or below what it
//     executed is cancelled, a GTX order modified to a price that would take is
//     cancelled, the same price and quantity is -5027.

import (
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/nanotick/nanotick/fixed"
	"github.com/shopspring/decimal"
)

// The USD-M errors, with the codes and messages of the USDⓈ-M Futures "Error Codes"
// page.
var (
	errMargin        = &apiError{400, -2019, "Margin is insufficient."}
	errReduceOnly    = &apiError{400, -2022, "ReduceOnly Order is rejected."}
	errFPrecision    = &apiError{400, -1111, "Precision is over the maximum defined for this asset."}
	errFNoOrder      = &apiError{400, -2013, "Order does not exist."}
	errFUnknownOrder = &apiError{400, -2011, "Unknown order sent."}
	errFClientID     = &apiError{400, -4015, "Client order id is not valid."}
	errFDupClientID  = &apiError{400, -4116, "clientOrderId is duplicated"}
	errFRespType     = &apiError{400, -1136, "Invalid newOrderRespType."}
	errFPosSide      = &apiError{400, -4060, "Invalid position side."}
	errFPosSideMode  = &apiError{400, -4061, "Order's position side does not match user's setting."}
	errFPriceLow     = &apiError{400, -4013, "Price less than min price."}
	errFPriceHigh    = &apiError{400, -4002, "Price greater than max price."}
	errFPriceZero    = &apiError{400, -4001, "Price less than 0."}
	errFTick         = &apiError{400, -4014, "Price not increased by tick size."}
	errFQtyZero      = &apiError{400, -4003, "Quantity less than zero."}
	errFQtyLow       = &apiError{400, -4004, "Quantity less than min quantity."}
	errFQtyHigh      = &apiError{400, -4005, "Quantity greater than max quantity."}
	errFStep         = &apiError{400, -4023, "Qty not increased by step size."}
	// The message Binance answers today carries a second sentence the error page
	// leaves out (seen in live answers quoted in public bug reports).
	errFGTX         = &apiError{400, -5022, "Due to the order could not be executed as maker, the Post Only order will be rejected. The order will not be recorded in the order history"}
	errFFOK         = &apiError{400, -5021, "Due to the order could not be filled immediately, the FOK order has been rejected."}
	errFLimitOnly   = &apiError{400, -5025, "Only limit order is supported."}
	errFModifyLimit = &apiError{400, -5026, "Exceed maximum modify order limit."}
	errFSameOrder   = &apiError{400, -5027, "No need to modify the order."}
	errFNotRO       = &apiError{400, -5047, "The original order is not a reduce-only order"}
	errFAlgoType    = &apiError{400, -4120, "Order type not supported for this endpoint. Please use the Algo Order API endpoints instead."}
	errFNoLiquidity = &apiError{400, -2020, "Unable to fill."}
)

// errMinNotional is -4164 with the symbol's minimum.
func errMinNotional(min int64) *apiError {
	return &apiError{400, -4164, "Order's notional must be no smaller than " + wireScale.Decimal(min).String() + " (unless you choose reduce only)"}
}

// maxModify is how many times an order may be modified ("less than 10000 times").
const maxModify = 10000

// fParam parses a decimal parameter of a perpetual at its printed precision div
// (10^(8−precision)): -1111 for more decimals.
func fParam(p params, name string, div int64) (int64, bool, *apiError) {
	s, ok := p[name]
	if !ok || s == "" {
		return 0, false, nil
	}
	v, err := wireScale.ParseString(s)
	if errors.Is(err, fixed.ErrPrecision) {
		return 0, true, errFPrecision
	}
	if err != nil {
		if strings.HasPrefix(s, "-") {
			return -1, true, nil // the filters answer negative values
		}
		return 0, true, errIllegal(name)
	}
	if v%div != 0 {
		return 0, true, errFPrecision
	}
	return v, true, nil
}

// checkFPrice applies PRICE_FILTER.
func checkFPrice(in Instrument, price int64) *apiError {
	switch {
	case price <= 0:
		return errFPriceZero
	case price < in.MinPrice:
		return errFPriceLow
	case price > in.MaxPrice:
		return errFPriceHigh
	case price%in.TickSize != 0:
		return errFTick
	}
	return nil
}

// checkFQty applies LOT_SIZE.
func checkFQty(in Instrument, qty int64) *apiError {
	switch {
	case qty <= 0:
		return errFQtyZero
	case qty < in.MinQty:
		return errFQtyLow
	case qty > in.MaxQty:
		return errFQtyHigh
	case qty%in.StepSize != 0:
		return errFStep
	}
	return nil
}

// usdmOrder parses and validates order.place's parameters into an order not yet
// placed. respType is ACK (the default) or RESULT.
func (e *Exchange) usdmOrder(fa *fAccount, m *Market, p params) (*fOrder, string, *apiError) {
	o := &Order{account: fa.a, market: m, maker: -1, Step: m.inst.StepSize}
	fo := &fOrder{o: o, m: m}
	switch p["side"] {
	case "BUY":
		o.Side = Buy
	case "SELL":
		o.Side = Sell
	case "":
		return nil, "", errMandatory("side")
	default:
		return nil, "", errInvalidSide
	}
	switch p["positionSide"] {
	case "", "BOTH":
	case "LONG", "SHORT":
		return nil, "", errFPosSideMode // one-way mode
	default:
		return nil, "", errFPosSide
	}
	switch p["type"] {
	case "LIMIT":
		o.Type, fo.origType = Limit, "LIMIT"
		switch p["timeInForce"] {
		case "GTC":
			o.TIF = GTC
		case "IOC":
			o.TIF = IOC
		case "FOK":
			o.TIF = FOK
		case "GTX":
			o.TIF, fo.gtx = GTC, true
		case "GTD":
			return nil, "", errUnsupported
		case "":
			return nil, "", errMandatory("timeInForce")
		default:
			return nil, "", errInvalidTIF
		}
	case "MARKET":
		o.Type, o.TIF, fo.origType = MarketOrder, IOC, "MARKET"
	case "STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET", "TRAILING_STOP_MARKET":
		return nil, "", errFAlgoType
	case "":
		return nil, "", errMandatory("type")
	default:
		return nil, "", errInvalidType
	}
	qty, hasQty, perr := fParam(p, "quantity", m.fut.qDiv)
	if perr != nil {
		return nil, "", perr
	}
	if !hasQty {
		return nil, "", errMandatory("quantity")
	}
	if err := checkFQty(m.inst, qty); err != nil {
		return nil, "", err
	}
	o.Qty = qty
	price, hasPrice, perr := fParam(p, "price", m.fut.pDiv)
	if perr != nil {
		return nil, "", perr
	}
	if o.Type == Limit {
		if !hasPrice {
			return nil, "", errMandatory("price")
		}
		if err := checkFPrice(m.inst, price); err != nil {
			return nil, "", err
		}
		o.Price = price
	} else if hasPrice {
		return nil, "", &apiError{400, -1106, "Parameter 'price' sent when not required."}
	}
	switch p["reduceOnly"] {
	case "", "false", "FALSE":
	case "true", "TRUE":
		fo.reduceOnly = true
	default:
		return nil, "", errIllegal("reduceOnly")
	}
	if pm := p["priceMatch"]; pm != "" && pm != "NONE" {
		return nil, "", errUnsupported
	}
	if _, ok := p["goodTillDate"]; ok {
		return nil, "", errUnsupported
	}
	respType := "ACK"
	switch rt := p["newOrderRespType"]; rt {
	case "":
	case "ACK", "RESULT":
		respType = rt
	default:
		return nil, "", errFRespType
	}
	o.ClientID = p["newClientOrderId"]
	if o.ClientID != "" {
		if !validClientID(o.ClientID) {
			return nil, "", errFClientID
		}
		if prev := fa.byClient[m.inst.Symbol+"/"+o.ClientID]; prev != nil && prev.o.Status.Open() {
			return nil, "", errFDupClientID
		}
	}
	return fo, respType, nil
}

// checkReduceOnly applies reduce-only's rule: the order must be on the side that
// reduces the position, and no larger than it.
func (e *Exchange) checkReduceOnly(fa *fAccount, fo *fOrder) *apiError {
	p := e.position(fa, fo.m.inst.Symbol)
	o := fo.o
	if p.amt == 0 || (p.amt > 0) == (o.Side == Buy) || o.Remaining() > abs64(p.amt) {
		return errReduceOnly
	}
	return nil
}

// estPrice is the price an order's margin and notional are judged at: a limit
// order's own, a market order's the best opposite price.
func estPrice(o *Order) int64 {
	if o.Type != MarketOrder {
		return o.Price
	}
	opp := Sell
	if o.Side == Sell {
		opp = Buy
	}
	p, _, _ := o.market.book.Best(opp)
	return p
}

// requiredMargin is the initial margin an order adds: the part of it that would
// increase the position, given the other open orders of its side.
func (e *Exchange) requiredMargin(fa *fAccount, fo *fOrder) decimal.Decimal {
	sym := fo.m.inst.Symbol
	p := e.position(fa, sym)
	free := int64(0)
	if (fo.o.Side == Sell && p.amt > 0) || (fo.o.Side == Buy && p.amt < 0) {
		free = abs64(p.amt)
	}
	for _, o := range fa.sortedOrders(sym) {
		if o.o.Side == fo.o.Side {
			free -= min(free, o.o.Remaining())
		}
	}
	q := max(fo.o.Remaining()-free, 0)
	return qtyDec(q).Mul(wireScale.Decimal(estPrice(fo.o))).Div(decimal.NewFromInt(int64(p.leverage)))
}

// usdmPlace runs order.place for account fa on perpetual m and returns its result.
func (e *Exchange) usdmPlace(fa *fAccount, m *Market, p params) ([]byte, *apiError) {
	fo, respType, err := e.usdmOrder(fa, m, p)
	if err != nil {
		return nil, err
	}
	o := fo.o
	in := m.inst
	if fo.reduceOnly {
		if err := e.checkReduceOnly(fa, fo); err != nil {
			return nil, err
		}
	} else {
		px := estPrice(o)
		if px == 0 {
			return nil, errFNoLiquidity
		}
		if n, _ := mulDiv(px, o.Qty, wireUnit); n < in.MinNotional {
			return nil, errMinNotional(in.MinNotional)
		}
	}
	if fo.gtx && m.book.WouldTake(o.Side, o.Price) {
		return nil, errFGTX
	}
	if o.TIF == FOK && m.book.Available(o.Side, o.Price, false, o.Qty) < o.Qty {
		return nil, errFFOK
	}
	if o.Type == MarketOrder && m.book.Available(o.Side, 0, true, 1) == 0 {
		return nil, errFNoLiquidity
	}
	if !fo.reduceOnly {
		if need := e.requiredMargin(fa, fo); need.GreaterThan(e.totals(fa).available) {
			return nil, errMargin
		}
	}
	if o.ClientID == "" {
		o.ClientID = e.usdm.newClientID()
	}
	now := m.nowMs()
	fills, berr := m.book.Place(o, now)
	if berr != nil {
		return nil, errFGTX // Place refuses only a post-only order that would take
	}
	fills = slices.Clone(fills) // the book's until its next call
	e.track(fa, fo)
	accepted := e.appendFOrder(nil, fo, "place", true)
	e.orderUpdate(fa, fo, fEvent{exec: "NEW", status: StatusNew}, now)
	m.fills(fills)
	if o.Status == StatusExpired {
		fo.er = "2" // an IOC or market order's unfilled rest
		e.orderUpdate(fa, fo, fEvent{exec: "EXPIRED", status: StatusExpired, er: "2"}, now)
	}
	m.publish()
	if respType == "ACK" {
		return accepted, nil
	}
	return e.appendFOrder(nil, fo, "place", false), nil
}

// track records a new order of the account, forgetting the oldest finished ones
// beyond a bound so that a long run does not grow without limit.
func (e *Exchange) track(fa *fAccount, fo *fOrder) {
	sym := fo.m.inst.Symbol
	if fa.orders[sym] == nil {
		fa.orders[sym] = map[uint64]*fOrder{}
	}
	fa.orders[sym][fo.o.ID] = fo
	fa.byClient[sym+"/"+fo.o.ClientID] = fo
	const keep = 20000
	if len(fa.orders[sym]) <= keep {
		return
	}
	var done []*fOrder
	for _, x := range fa.orders[sym] {
		if !x.o.Status.Open() {
			done = append(done, x)
		}
	}
	slices.SortFunc(done, func(a, b *fOrder) int { return int(a.o.Updated - b.o.Updated) })
	for _, x := range done[:len(done)/2] {
		delete(fa.orders[sym], x.o.ID)
		if fa.byClient[sym+"/"+x.o.ClientID] == x {
			delete(fa.byClient, sym+"/"+x.o.ClientID)
		}
	}
}

// findF returns the order named by orderId (which prevails) or origClientOrderId.
func (fa *fAccount) findF(sym string, p params) (*fOrder, *apiError) {
	if s, ok := p["orderId"]; ok {
		id, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return nil, errIllegal("orderId")
		}
		if fo := fa.orders[sym][id]; fo != nil {
			return fo, nil
		}
		return nil, errFNoOrder
	}
	if s, ok := p["origClientOrderId"]; ok {
		if fo := fa.byClient[sym+"/"+s]; fo != nil {
			return fo, nil
		}
		return nil, errFNoOrder
	}
	return nil, &apiError{400, -1102, "Param 'orderId' or 'origClientOrderId' must be sent, but both were empty/null!"}
}

// usdmCancel runs order.cancel.
func (e *Exchange) usdmCancel(fa *fAccount, m *Market, p params) ([]byte, *apiError) {
	fo, err := fa.findF(m.inst.Symbol, p)
	if err == errFNoOrder {
		err = errFUnknownOrder // order.cancel says -2011, order.status -2013
	}
	if err != nil {
		return nil, err
	}
	if !fo.o.Status.Open() {
		return nil, errFUnknownOrder
	}
	e.cancelF(fa, fo, "CANCELED", StatusCanceled, "")
	m.publish()
	return e.appendFOrder(nil, fo, "cancel", false), nil
}

// cancelF takes an open order off the book and reports it with exec and status
// (CANCELED, or EXPIRED with an expiry reason).
func (e *Exchange) cancelF(fa *fAccount, fo *fOrder, exec string, status Status, er string) {
	m := fo.m
	now := m.nowMs()
	m.book.Cancel(fo.o.ID, now)
	fo.o.Status = status
	fo.er = er
	e.orderUpdate(fa, fo, fEvent{exec: exec, status: status, er: er}, now)
}

// usdmModify runs order.modify.
func (e *Exchange) usdmModify(fa *fAccount, m *Market, p params) ([]byte, *apiError) {
	in := m.inst
	fo, err := fa.findF(in.Symbol, p)
	if err != nil {
		return nil, err
	}
	o := fo.o
	side := Buy
	switch p["side"] {
	case "BUY":
	case "SELL":
		side = Sell
	case "":
		return nil, errMandatory("side")
	default:
		return nil, errInvalidSide
	}
	qty, hasQty, perr := fParam(p, "quantity", m.fut.qDiv)
	if perr != nil {
		return nil, perr
	}
	price, hasPrice, perr := fParam(p, "price", m.fut.pDiv)
	if perr != nil {
		return nil, perr
	}
	if pm := p["priceMatch"]; pm != "" && pm != "NONE" {
		return nil, errUnsupported
	}
	// modifyId: "User-defined modification identifier, returned as-is in the response."
	modifyID := p["modifyId"]
	if modifyID != "" {
		if _, err := strconv.ParseInt(modifyID, 10, 64); err != nil {
			return nil, errIllegal("modifyId")
		}
	}
	switch {
	case !hasQty:
		return nil, errMandatory("quantity")
	case !hasPrice:
		return nil, errMandatory("price")
	case !o.Status.Open():
		return nil, errFNoOrder
	case o.Type != Limit:
		return nil, errFLimitOnly
	case side != o.Side:
		return nil, errInvalidSide
	}
	if err := checkFPrice(in, price); err != nil {
		return nil, err
	}
	if err := checkFQty(in, qty); err != nil {
		return nil, err
	}
	if price == o.Price && qty == o.Qty {
		return nil, errFSameOrder
	}
	if fo.modified >= maxModify-1 {
		return nil, errFModifyLimit
	}
	switch p["reduceOnly"] {
	case "true", "TRUE":
		if !fo.reduceOnly {
			return nil, errFNotRO
		}
	}
	if !fo.reduceOnly {
		if n, _ := mulDiv(price, qty, wireUnit); n < in.MinNotional {
			return nil, &apiError{400, -5029, "Order's notional must be no smaller than " + wireScale.Decimal(in.MinNotional).String()}
		}
	}
	now := m.nowMs()
	// The documented cases where the amendment cancels the order.
	if (o.Filled > 0 && qty <= o.Filled) || (fo.gtx && m.book.WouldTake(o.Side, price)) {
		e.cancelF(fa, fo, "CANCELED", StatusCanceled, "")
		m.publish()
		return e.appendFOrder(nil, fo, "modify", false), nil
	}
	if !fo.reduceOnly {
		// The open orders' margin with the order as modified, less what it is now.
		before := e.openOrderIM(fa, in.Symbol)
		oldP, oldQ := o.Price, o.Qty
		o.Price, o.Qty = price, qty
		after := e.openOrderIM(fa, in.Symbol)
		o.Price, o.Qty = oldP, oldQ
		if after.Sub(before).GreaterThan(e.totals(fa).available) {
			return nil, errMargin
		}
	}
	fo.modified++
	fo.modifyID = modifyID
	fills := slices.Clone(m.book.reenter(o, price, qty, now))
	e.orderUpdate(fa, fo, fEvent{exec: "AMENDMENT", status: o.Status}, now)
	m.fills(fills)
	m.publish()
	return e.appendFOrder(nil, fo, "modify", false), nil
}

// settleUSDM books one fill of a perpetual for the accounts on either side of it:
// the position, the realized profit and the commission move the wallet, and the
// account's user data stream gets the TRADE and the ACCOUNT_UPDATE. Called by the
// Market with the exchange locked.
func (e *Exchange) settleUSDM(f *Fill) {
	for _, o := range []*Order{f.Maker, f.Taker} {
		if o.account == nil {
			continue
		}
		fa := e.faccount(o.account)
		m := o.market
		sym := m.inst.Symbol
		fo := fa.orders[sym][o.ID]
		if fo == nil {
			continue // not placed through USD-M: cannot happen
		}
		maker := o == f.Maker
		rate := e.comm.taker
		if maker {
			rate = e.comm.maker
		}
		comm := decimal.Zero
		if rate > 0 {
			c, _ := mulDiv(f.Quote, rate, wireUnit)
			comm = wireScale.Decimal(c)
		}
		p := e.position(fa, sym)
		realized := p.applyFill(o.Side, f.Price, f.Qty)
		if p.amt == 0 {
			p.fees = decimal.Zero
		} else {
			p.fees = p.fees.Add(comm)
		}
		p.syncIsolated()
		fa.wallet = fa.wallet.Add(realized).Sub(comm)
		fo.realized = fo.realized.Add(realized)
		now := m.nowMs()
		p.updated, fa.updated = now, now
		filled, cumQuote := f.TakerFilled, f.TakerQuote
		status := StatusPartiallyFilled
		if maker {
			filled, cumQuote = f.MakerFilled, f.MakerQuote
		}
		if filled == o.Qty {
			status = StatusFilled
		}
		fa.recordTrade(usdmTrade{id: f.TradeID, orderID: o.ID, m: m, price: f.Price, qty: f.Qty, quote: f.Quote,
			commission: comm, realized: realized, time: now, buyer: o.Side == Buy, maker: maker})
		e.orderUpdate(fa, fo, fEvent{exec: "TRADE", status: status, lastQty: f.Qty, lastPrice: f.Price,
			cumQty: filled, cumQuote: cumQuote, tradeID: int64(f.TradeID), maker: maker, commission: comm, charged: true, realized: realized}, now)
		e.accountUpdate(fa, "ORDER", sym, decimal.Zero, now)
		e.knockOut(fa, sym, fo)
	}
}

// knockOut expires the account's reduce-only orders on sym that would now increase or
// flip the position ("knocked out by another higher priority RO (market) order or
// reversed positions would be opened", expiry reason 4).
func (e *Exchange) knockOut(fa *fAccount, sym string, except *fOrder) {
	p := e.position(fa, sym)
	left := abs64(p.amt)
	for _, fo := range fa.sortedOrders(sym) {
		if !fo.reduceOnly || fo == except {
			continue
		}
		reduces := p.amt != 0 && (p.amt > 0) != (fo.o.Side == Buy)
		if reduces && fo.o.Remaining() <= left {
			left -= fo.o.Remaining()
			continue
		}
		e.cancelF(fa, fo, "EXPIRED", StatusExpired, "4")
	}
}

// reenter takes an open order off its level and enters it again at price and qty as
// if it were new, keeping its id: USD-M's modify, which reorders the order in the
// match queue. It returns the fills of a price that crosses.
func (b *Book) reenter(o *Order, price, qty, now int64) []Fill {
	id, created := o.ID, o.Created
	l := o.level
	for i, x := range l.orders {
		if x == o {
			l.orders = append(l.orders[:i], l.orders[i+1:]...)
			break
		}
	}
	l.total -= o.Remaining()
	if len(l.orders) == 0 {
		b.side(o.Side).remove(l.price)
		l.total = 0
	}
	b.changed(o.Side, l)
	delete(b.orders, id)
	o.level = nil
	o.Price, o.Qty = price, qty
	fills, _ := b.Place(o, now) // a limit order: Place refuses only LIMIT_MAKER
	if _, ok := b.orders[o.ID]; ok {
		delete(b.orders, o.ID)
		b.orders[id] = o
	}
	b.orderID-- // Place took the next id; the order keeps its own
	o.ID, o.Created = id, created
	return fills
}
