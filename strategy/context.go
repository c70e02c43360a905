package strategy

import (
	"errors"
	"fmt"
	"math"

	"github.com/rs/zerolog"

	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/md"
	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/risk"
)

// Instrument is what a strategy knows of the instrument it trades.
type Instrument struct {
	Symbol               string
	PriceScale, QtyScale fixed.Scale
	Tick, Lot            int64 // price and quantity increments, in fixed-point units
}

// InstrumentOf returns what a strategy knows of spec.
func InstrumentOf(spec *instrument.Spec) Instrument {
	return Instrument{Symbol: spec.ID.Symbol, PriceScale: spec.PriceScale, QtyScale: spec.QtyScale, Tick: spec.Tick, Lot: spec.Lot}
}

// MaxIntents bounds the orders and cancels a strategy may issue in one callback. It is
// far above any sensible strategy's needs; reaching it means a runaway loop, which halts
// the strategy rather than flooding the venue.
const MaxIntents = 256

// ErrTooManyIntents halts a strategy that issued more than MaxIntents orders and cancels
// in one callback.
var ErrTooManyIntents = fmt.Errorf("more than %d orders and cancels in one callback", MaxIntents)

// IntentKind says what an Intent asks for.
type IntentKind uint8

// The kinds of intents.
const (
	IntentPlace IntentKind = iota + 1
	IntentCancel
	// IntentModify changes a working order's price and quantity in place: Order.ID is
	// the order, Order.Price its new price and Order.Qty its new total quantity.
	IntentModify
)

// Intent is an order or cancel a strategy issued during a callback, which the engine
// passes through risk and on to the venue after the callback returns. Order.Instrument
// says which instrument it is for.
type Intent struct {
	Kind  IntentKind
	Order risk.Order // for IntentCancel only Order.ID and Order.Instrument are set
}

// Params are a strategy's parameters as the config gives them, by name.
type Params map[string]float64

// MarketConfig is what NewContext needs to know of one instrument.
type MarketConfig struct {
	Spec *instrument.Spec
	Book *orderbook.Book
	Risk *risk.Checker
	// NoModify says the instrument's gateway cannot modify orders (it does not
	// implement engine.Modifier), even if the venue can: Modify is then refused when
	// the strategy is bound, as on a venue without it.
	NoModify bool
}

// Context is a strategy's view of its instruments and its means of acting on them. The
// engine owns it and updates it before each callback; a strategy uses it only during
// callbacks.
//
// It embeds the Market of the default instrument (index 0), so that ctx.Mid(),
// ctx.Buy(...) and the rest mean that instrument, as they did when an engine had only
// one. A strategy trading several binds each in Init with Bind and keeps the *Market.
type Context struct {
	*Market // the default instrument

	markets []*Market
	table   *instrument.Table
	event   *Market // the instrument of the event being handled
	log     zerolog.Logger

	now     int64
	outbox  []Intent
	nextID  *uint64
	err     error // sticky: set by a misuse the strategy must be halted for
	params  Params
	used    map[string]bool // parameter names the strategy asked for, checked after Init
	running bool
}

// Market is a strategy's view of one instrument: its book, rules, position and open
// orders, and the means to place and cancel its orders. Its methods are valid only
// during callbacks, like the Context it belongs to.
type Market struct {
	c         *Context
	idx       instrument.Index
	spec      *instrument.Spec
	inst      Instrument
	priceUnit float64
	qtyUnit   float64
	book      *orderbook.Book
	risk      *risk.Checker

	lastTrade Trade
	hasTrade  bool
	orders    orderTable
	// opts are the order options the venue offers (instrument.Capabilities); all of
	// them for an instrument without a venue (NewContext), which nothing can check.
	opts     instrument.Option
	noModify bool        // the venue modifies, the gateway cannot
	mark     md.PerpMark // a perpetual's last reference prices; zero Fields before any
}

// NewContext returns a Context for inst over book and the risk checker that guards it:
// one instrument, as NewMarkets with one market. nextID is the engine's order id
// counter.
func NewContext(inst Instrument, book *orderbook.Book, rc *risk.Checker, params Params, nextID *uint64, log zerolog.Logger) *Context {
	spec := &instrument.Spec{ID: instrument.ID{Symbol: inst.Symbol}, PriceScale: inst.PriceScale, QtyScale: inst.QtyScale, Tick: inst.Tick, Lot: inst.Lot}
	c := newContext(nil, params, nextID, log)
	c.addMarket(spec, book, rc)
	c.markets[0].inst = inst
	return c
}

// NewMarkets returns a Context over the instruments of table, markets[i] describing
// instrument i. nextID is the engine's order id counter, shared by all of its
// instruments so that ids are unique per engine.
func NewMarkets(table *instrument.Table, markets []MarketConfig, params Params, nextID *uint64, log zerolog.Logger) *Context {
	c := newContext(table, params, nextID, log)
	for _, m := range markets {
		c.addMarket(m.Spec, m.Book, m.Risk)
		if m.NoModify {
			mk := c.markets[len(c.markets)-1]
			mk.noModify = mk.opts&instrument.OptModify != 0
			mk.opts &^= instrument.OptModify
		}
	}
	return c
}

func newContext(table *instrument.Table, params Params, nextID *uint64, log zerolog.Logger) *Context {
	return &Context{
		table:  table,
		log:    log,
		outbox: make([]Intent, 0, MaxIntents),
		nextID: nextID,
		params: params,
		used:   make(map[string]bool),
	}
}

func (c *Context) addMarket(spec *instrument.Spec, book *orderbook.Book, rc *risk.Checker) {
	m := &Market{
		c:         c,
		idx:       instrument.Index(len(c.markets)),
		spec:      spec,
		inst:      InstrumentOf(spec),
		priceUnit: float64(spec.PriceScale.Unit()),
		qtyUnit:   float64(spec.QtyScale.Unit()),
		book:      book,
		risk:      rc,
		orders:    newOrderTable(risk.MaxOpenOrdersLimit + MaxIntents),
		opts:      spec.Capabilities().Options,
	}
	if spec.ID.Venue == "" {
		m.opts = instrument.Option(AllFlags) | instrument.OptModify
	}
	c.markets = append(c.markets, m)
	if c.Market == nil {
		c.Market, c.event = m, m
	}
}

// Instrument returns the default instrument.
func (c *Context) Instrument() Instrument { return c.Market.inst }

// Markets returns how many instruments the strategy can trade.
func (c *Context) Markets() int { return len(c.markets) }

// MarketAt returns instrument i's Market, or nil if there is none.
func (c *Context) MarketAt(i instrument.Index) *Market {
	if int(i) >= len(c.markets) {
		return nil
	}
	return c.markets[i]
}

// Bind returns the Market of the instrument named venue:SYMBOL, which must be one the
// engine was configured with. Strategies call it in Init and keep the result.
func (c *Context) Bind(name string) (*Market, error) {
	if c.table == nil {
		id, err := instrument.ParseID(name)
		if err != nil {
			return nil, err
		}
		if c.Market.spec.ID.Symbol == id.Symbol && (c.Market.spec.ID.Venue == "" || c.Market.spec.ID.Venue == id.Venue) {
			return c.Market, nil
		}
		return nil, fmt.Errorf("instrument %s is not configured (configured: %s)", id, c.Market.spec.ID)
	}
	i, err := c.table.Find(name)
	if err != nil {
		return nil, err
	}
	return c.markets[i], nil
}

// Event returns the Market of the instrument whose event is being handled: the book
// that changed, the trade's or the order's instrument. Timers are the default
// instrument's.
func (c *Context) Event() *Market { return c.event }

// Now returns the engine's clock: the local receive time of the event being handled, in
// Unix nanoseconds (recorded time in a backtest, wall time live).
func (c *Context) Now() int64 { return c.now }

// Log returns the strategy's logger.
func (c *Context) Log() *zerolog.Logger { return &c.log }

// Index returns the instrument's index in the engine's table.
func (m *Market) Index() instrument.Index { return m.idx }

// Spec returns the instrument's description; read it, never write it.
func (m *Market) Spec() *instrument.Spec { return m.spec }

// Name returns the instrument's name, venue:SYMBOL.
func (m *Market) Name() string { return m.spec.ID.String() }

// Instrument returns what the strategy knows of the instrument.
func (m *Market) Instrument() Instrument { return m.inst }

// Book returns the instrument's book in fixed-point units, for Go strategies that want
// exact numbers. Scripts use the float accessors below.
func (m *Market) Book() *orderbook.Book { return m.book }

// BookValid reports whether the book is in sync, not crossed and has both sides. Orders
// priced off an invalid book are rejected by risk anyway; a strategy checks this to
// avoid trying.
func (m *Market) BookValid() bool { return m.book.Valid() }

// Price returns the price of the i-th level of side (0 is the best), or 0 if there is none.
func (m *Market) Price(side Side, i int) float64 {
	l, ok := m.book.Level(side, i)
	if !ok {
		return 0
	}
	return float64(l.Price) / m.priceUnit
}

// Qty returns the quantity of the i-th level of side, or 0 if there is none.
func (m *Market) Qty(side Side, i int) float64 {
	l, ok := m.book.Level(side, i)
	if !ok {
		return 0
	}
	return float64(l.Qty) / m.qtyUnit
}

// Levels returns how many levels side has.
func (m *Market) Levels(side Side) int { return m.book.Len(side) }

// Mid returns the mid price, or 0 if a side is empty.
func (m *Market) Mid() float64 {
	bid, ok1 := m.book.Best(Buy)
	ask, ok2 := m.book.Best(Sell)
	if !ok1 || !ok2 {
		return 0
	}
	// Halved in float so that an odd sum of ticks keeps its half tick.
	return (float64(bid.Price) + float64(ask.Price)) / 2 / m.priceUnit
}

// Spread returns best ask minus best bid, or 0 if a side is empty.
func (m *Market) Spread() float64 {
	bid, ok1 := m.book.Best(Buy)
	ask, ok2 := m.book.Best(Sell)
	if !ok1 || !ok2 {
		return 0
	}
	return float64(ask.Price-bid.Price) / m.priceUnit
}

// Depth returns the total quantity of the top n levels of side.
func (m *Market) Depth(side Side, n int) float64 {
	return float64(m.book.DepthQty(side, n)) / m.qtyUnit
}

// LastTrade returns the instrument's last public trade and whether there has been one.
func (m *Market) LastTrade() (Trade, bool) { return m.lastTrade, m.hasTrade }

// Position returns the net filled position in base units (negative is short).
func (m *Market) Position() float64 { return float64(m.risk.Position()) / m.qtyUnit }

// AvgEntry returns the average entry price of the open position, or 0 when flat.
func (m *Market) AvgEntry() float64 { return float64(m.risk.AvgEntry()) / m.priceUnit }

// RealizedPnL returns the realized profit and loss before fees, in the quote currency.
func (m *Market) RealizedPnL() float64 {
	r, _, scale := m.risk.PnLFine() // not truncated to the price unit (USD-M: 0.01 USDT)
	return scale.Float(r)
}

// UnrealizedPnL returns the open position's profit and loss at the last mark.
func (m *Market) UnrealizedPnL() float64 {
	_, u, scale := m.risk.PnLFine()
	return scale.Float(u)
}

// Fees returns the fees paid so far (negative for net rebates).
func (m *Market) Fees() float64 {
	_, f, _ := m.risk.PnL()
	return float64(f) / m.priceUnit
}

// TickSize returns the instrument's price increment.
func (m *Market) TickSize() float64 { return float64(m.inst.Tick) / m.priceUnit }

// LotSize returns the instrument's quantity increment.
func (m *Market) LotSize() float64 { return float64(m.inst.Lot) / m.qtyUnit }

// OpenOrders returns how many of the strategy's orders on this instrument are open
// (placed and not yet filled, cancelled or rejected).
func (m *Market) OpenOrders() int { return m.orders.len() }

// OpenOrder returns the i-th open order, oldest first.
func (m *Market) OpenOrder(i int) (OrderInfo, bool) {
	if i < 0 || i >= m.orders.len() {
		return OrderInfo{}, false
	}
	return m.orders.at(i), true
}

// Order returns the open order with id.
func (m *Market) Order(id uint64) (OrderInfo, bool) {
	i := m.orders.find(id)
	if i < 0 {
		return OrderInfo{}, false
	}
	return m.orders.at(i), true
}

// Buy places a limit buy of qty at price and returns its id. The price is rounded down to
// the tick and the quantity down to the lot (never more aggressive, never larger than
// asked); see RoundPrice. The order goes through risk after the callback returns, and
// its acceptance or rejection arrives in OnOrder. It returns 0 if the order could not
// even be queued, which halts the strategy after the callback.
func (m *Market) Buy(price, qty float64, flags Flags) uint64 {
	return m.place(Buy, price, qty, flags)
}

// Sell places a limit sell of qty at price; the price is rounded up to the tick.
func (m *Market) Sell(price, qty float64, flags Flags) uint64 {
	return m.place(Sell, price, qty, flags)
}

func (m *Market) place(side Side, price, qty float64, flags Flags) uint64 {
	c := m.c
	if !m.flagsOK(flags) || !c.queueable() {
		return 0
	}
	*c.nextID++
	id := *c.nextID
	o := risk.Order{
		ID:         id,
		Instrument: m.idx,
		Side:       side,
		Price:      RoundPrice(side, price, m.inst.PriceScale, m.inst.Tick),
		Qty:        RoundQty(qty, m.inst.QtyScale, m.inst.Lot),
		PostOnly:   flags&PostOnly != 0,
		IOC:        flags&IOC != 0,
		FOK:        flags&FOK != 0,
		ReduceOnly: flags&ReduceOnly != 0,
	}
	// The table holds every order risk may count as working plus one callback's worth of
	// new ones, so it cannot fill up; if it ever did, losing track of an order would be
	// worse than halting.
	if !m.orders.add(OrderInfo{ID: id, Side: side, PriceFixed: o.Price, QtyFixed: o.Qty, Status: pendingNew,
		Price: float64(o.Price) / m.priceUnit, Qty: float64(o.Qty) / m.qtyUnit}) {
		c.err = errors.New("order table full")
		return 0
	}
	c.outbox = append(c.outbox, Intent{Kind: IntentPlace, Order: o})
	return id
}

// Cancel asks to cancel the open order id of this instrument. It reports false if there
// is no such open order (already filled, cancelled or never placed). A cancel is never
// refused by risk.
func (m *Market) Cancel(id uint64) bool {
	c := m.c
	i := m.orders.find(id)
	if i < 0 || !c.queueable() {
		return false
	}
	if m.orders.cancelRequested(i) {
		return true // one request is enough; the venue answers it
	}
	m.orders.markCancel(i)
	c.outbox = append(c.outbox, Intent{Kind: IntentCancel, Order: risk.Order{ID: id, Instrument: m.idx}})
	return true
}

// CancelAll cancels every open order of this instrument and returns how many cancels it
// issued.
func (m *Market) CancelAll() int {
	n := 0
	for i := 0; i < m.orders.len(); i++ {
		o := m.orders.at(i)
		if !m.orders.cancelRequested(i) && m.Cancel(o.ID) {
			n++
		}
	}
	return n
}

// Replace cancels order id and places a new order on the same side at price and qty,
// returning the new order's id (0 if id is not open).
func (m *Market) Replace(id uint64, price, qty float64, flags Flags) uint64 {
	i := m.orders.find(id)
	if i < 0 {
		return 0
	}
	side := m.orders.at(i).Side
	if !m.Cancel(id) {
		return 0
	}
	return m.place(side, price, qty, flags)
}

func (c *Context) queueable() bool {
	if len(c.outbox) >= MaxIntents {
		if c.err == nil {
			c.err = ErrTooManyIntents
		}
		return false
	}
	return true
}

// Param returns the parameter name from the config, or def if the config does not set
// it. A strategy declares its parameters by asking for them in Init; the engine rejects
// a config that sets a parameter no strategy asked for.
func (c *Context) Param(name string, def float64) float64 {
	c.used[name] = true
	if v, ok := c.params[name]; ok {
		return v
	}
	return def
}

// ErrUnknownParam reports a config parameter the strategy never declared.
var ErrUnknownParam = errors.New("unknown strategy parameter")

// CheckParams returns an error naming every config parameter the strategy did not ask for
// during Init: a misspelt parameter must not silently leave the default in force.
func (c *Context) CheckParams() error {
	var errs []error
	for name := range c.params {
		if !c.used[name] {
			errs = append(errs, fmt.Errorf("%w %q", ErrUnknownParam, name))
		}
	}
	return errors.Join(errs...)
}

// RoundPrice converts a strategy's float price into fixed-point units on the tick grid,
// in the direction that is never more aggressive than asked: a buy rounds down, a sell
// rounds up. The float is first taken to the nearest unit of the price scale, which is
// exact for any price a float64 can hold to the scale's precision (61837.63 is stored as
// 61837.629999999997, and must still mean 61837.63). NaN, infinities and prices that
// do not fit give 0, which risk rejects as invalid.
func RoundPrice(side Side, price float64, scale fixed.Scale, tick int64) int64 {
	p, ok := scale.FromFloat(price)
	if !ok || p <= 0 || tick <= 0 {
		return 0
	}
	r := p % tick
	if r == 0 {
		return p
	}
	if side == Buy {
		return p - r
	}
	if p > math.MaxInt64-(tick-r) {
		return 0
	}
	return p + tick - r
}

// RoundQty converts a float quantity into fixed-point units, rounded down to the lot so an
// order is never larger than asked. Non-positive, NaN or oversized quantities give 0.
func RoundQty(qty float64, scale fixed.Scale, lot int64) int64 {
	q, ok := scale.FromFloat(qty)
	if !ok || q <= 0 || lot <= 0 {
		return 0
	}
	return q - q%lot
}
