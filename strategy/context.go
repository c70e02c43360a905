package strategy

import (
	"errors"
	"fmt"
	"math"

	"github.com/rs/zerolog"

	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/risk"
)

// Instrument is what a strategy knows of the instrument it trades.
type Instrument struct {
	Symbol               string
	PriceScale, QtyScale fixed.Scale
	Tick, Lot            int64 // price and quantity increments, in fixed-point units
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
)

// Intent is an order or cancel a strategy issued during a callback, which the engine
// passes through risk and on to the venue after the callback returns.
type Intent struct {
	Kind  IntentKind
	Order risk.Order // for IntentCancel only Order.ID is set
}

// Params are a strategy's parameters as the config gives them, by name.
type Params map[string]float64

// Context is a strategy's view of its instrument and its means of acting on it. The engine
// owns it and updates it before each callback; a strategy uses it only during callbacks.
type Context struct {
	inst      Instrument
	priceUnit float64
	qtyUnit   float64
	book      *orderbook.Book
	risk      *risk.Checker
	log       zerolog.Logger

	now       int64
	lastTrade Trade
	hasTrade  bool

	orders  orderTable
	outbox  []Intent
	nextID  *uint64
	err     error // sticky: set by a misuse the strategy must be halted for
	params  Params
	used    map[string]bool // parameter names the strategy asked for, checked after Init
	running bool
}

// NewContext returns a Context for inst over book and the risk checker that guards it.
// nextID is the engine's order id counter, shared by all of its instruments so that ids
// are unique per engine.
func NewContext(inst Instrument, book *orderbook.Book, rc *risk.Checker, params Params, nextID *uint64, log zerolog.Logger) *Context {
	return &Context{
		inst:      inst,
		priceUnit: float64(inst.PriceScale.Unit()),
		qtyUnit:   float64(inst.QtyScale.Unit()),
		book:      book,
		risk:      rc,
		log:       log,
		outbox:    make([]Intent, 0, MaxIntents),
		orders:    newOrderTable(risk.MaxOpenOrdersLimit + MaxIntents),
		nextID:    nextID,
		params:    params,
		used:      make(map[string]bool),
	}
}

// Instrument returns the instrument the strategy trades.
func (c *Context) Instrument() Instrument { return c.inst }

// Now returns the engine's clock: the local receive time of the event being handled, in
// Unix nanoseconds (recorded time in a backtest, wall time live).
func (c *Context) Now() int64 { return c.now }

// Log returns the strategy's logger.
func (c *Context) Log() *zerolog.Logger { return &c.log }

// Book returns the instrument's book in fixed-point units, for Go strategies that want
// exact numbers. Scripts use the float accessors below.
func (c *Context) Book() *orderbook.Book { return c.book }

// BookValid reports whether the book is in sync, not crossed and has both sides. Orders
// priced off an invalid book are rejected by risk anyway; a strategy checks this to
// avoid trying.
func (c *Context) BookValid() bool { return c.book.Valid() }

// Price returns the price of the i-th level of side (0 is the best), or 0 if there is none.
func (c *Context) Price(side Side, i int) float64 {
	l, ok := c.book.Level(side, i)
	if !ok {
		return 0
	}
	return float64(l.Price) / c.priceUnit
}

// Qty returns the quantity of the i-th level of side, or 0 if there is none.
func (c *Context) Qty(side Side, i int) float64 {
	l, ok := c.book.Level(side, i)
	if !ok {
		return 0
	}
	return float64(l.Qty) / c.qtyUnit
}

// Levels returns how many levels side has.
func (c *Context) Levels(side Side) int { return c.book.Len(side) }

// Mid returns the mid price, or 0 if a side is empty.
func (c *Context) Mid() float64 {
	bid, ok1 := c.book.Best(Buy)
	ask, ok2 := c.book.Best(Sell)
	if !ok1 || !ok2 {
		return 0
	}
	// Halved in float so that an odd sum of ticks keeps its half tick.
	return (float64(bid.Price) + float64(ask.Price)) / 2 / c.priceUnit
}

// Spread returns best ask minus best bid, or 0 if a side is empty.
func (c *Context) Spread() float64 {
	bid, ok1 := c.book.Best(Buy)
	ask, ok2 := c.book.Best(Sell)
	if !ok1 || !ok2 {
		return 0
	}
	return float64(ask.Price-bid.Price) / c.priceUnit
}

// Depth returns the total quantity of the top n levels of side.
func (c *Context) Depth(side Side, n int) float64 {
	return float64(c.book.DepthQty(side, n)) / c.qtyUnit
}

// LastTrade returns the last public trade and whether there has been one.
func (c *Context) LastTrade() (Trade, bool) { return c.lastTrade, c.hasTrade }

// Position returns the net filled position in base units (negative is short).
func (c *Context) Position() float64 { return float64(c.risk.Position()) / c.qtyUnit }

// AvgEntry returns the average entry price of the open position, or 0 when flat.
func (c *Context) AvgEntry() float64 { return float64(c.risk.AvgEntry()) / c.priceUnit }

// RealizedPnL returns the realized profit and loss before fees, in the quote currency.
func (c *Context) RealizedPnL() float64 {
	r, _, _ := c.risk.PnL()
	return float64(r) / c.priceUnit
}

// UnrealizedPnL returns the open position's profit and loss at the last mark.
func (c *Context) UnrealizedPnL() float64 {
	_, _, u := c.risk.PnL()
	return float64(u) / c.priceUnit
}

// Fees returns the fees paid so far (negative for net rebates).
func (c *Context) Fees() float64 {
	_, f, _ := c.risk.PnL()
	return float64(f) / c.priceUnit
}

// TickSize returns the instrument's price increment.
func (c *Context) TickSize() float64 { return float64(c.inst.Tick) / c.priceUnit }

// LotSize returns the instrument's quantity increment.
func (c *Context) LotSize() float64 { return float64(c.inst.Lot) / c.qtyUnit }

// OpenOrders returns how many of the strategy's orders are open (placed and not yet
// filled, cancelled or rejected).
func (c *Context) OpenOrders() int { return c.orders.len() }

// OpenOrder returns the i-th open order, oldest first.
func (c *Context) OpenOrder(i int) (OrderInfo, bool) {
	if i < 0 || i >= c.orders.len() {
		return OrderInfo{}, false
	}
	return c.orders.at(i), true
}

// Order returns the open order with id.
func (c *Context) Order(id uint64) (OrderInfo, bool) {
	i := c.orders.find(id)
	if i < 0 {
		return OrderInfo{}, false
	}
	return c.orders.at(i), true
}

// Buy places a limit buy of qty at price and returns its id. The price is rounded down to
// the tick and the quantity down to the lot (never more aggressive, never larger than
// asked); see RoundPrice. The order goes through risk after the callback returns, and
// its acceptance or rejection arrives in OnOrder. It returns 0 if the order could not
// even be queued, which halts the strategy after the callback.
func (c *Context) Buy(price, qty float64, flags Flags) uint64 {
	return c.place(Buy, price, qty, flags)
}

// Sell places a limit sell of qty at price; the price is rounded up to the tick.
func (c *Context) Sell(price, qty float64, flags Flags) uint64 {
	return c.place(Sell, price, qty, flags)
}

func (c *Context) place(side Side, price, qty float64, flags Flags) uint64 {
	if !c.queueable() {
		return 0
	}
	*c.nextID++
	id := *c.nextID
	o := risk.Order{
		ID:       id,
		Side:     side,
		Price:    RoundPrice(side, price, c.inst.PriceScale, c.inst.Tick),
		Qty:      RoundQty(qty, c.inst.QtyScale, c.inst.Lot),
		PostOnly: flags&PostOnly != 0,
		IOC:      flags&IOC != 0,
	}
	// The table holds every order risk may count as working plus one callback's worth of
	// new ones, so it cannot fill up; if it ever did, losing track of an order would be
	// worse than halting.
	if !c.orders.add(OrderInfo{ID: id, Side: side, PriceFixed: o.Price, QtyFixed: o.Qty, Status: pendingNew,
		Price: float64(o.Price) / c.priceUnit, Qty: float64(o.Qty) / c.qtyUnit}) {
		c.err = errors.New("order table full")
		return 0
	}
	c.outbox = append(c.outbox, Intent{Kind: IntentPlace, Order: o})
	return id
}

// Cancel asks to cancel the open order id. It reports false if there is no such open
// order (already filled, cancelled or never placed). A cancel is never refused by risk.
func (c *Context) Cancel(id uint64) bool {
	i := c.orders.find(id)
	if i < 0 || !c.queueable() {
		return false
	}
	if c.orders.cancelRequested(i) {
		return true // one request is enough; the venue answers it
	}
	c.orders.markCancel(i)
	c.outbox = append(c.outbox, Intent{Kind: IntentCancel, Order: risk.Order{ID: id}})
	return true
}

// CancelAll cancels every open order and returns how many cancels it issued.
func (c *Context) CancelAll() int {
	n := 0
	for i := 0; i < c.orders.len(); i++ {
		o := c.orders.at(i)
		if !c.orders.cancelRequested(i) && c.Cancel(o.ID) {
			n++
		}
	}
	return n
}

// Replace cancels order id and places a new order on the same side at price and qty,
// returning the new order's id (0 if id is not open).
func (c *Context) Replace(id uint64, price, qty float64, flags Flags) uint64 {
	i := c.orders.find(id)
	if i < 0 {
		return 0
	}
	side := c.orders.at(i).Side
	if !c.Cancel(id) {
		return 0
	}
	return c.place(side, price, qty, flags)
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
