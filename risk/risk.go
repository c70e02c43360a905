// Package risk owns nanotick's pre-trade risk layer for one instrument: the
// checks every new order must pass before it may leave for the venue, the
// bookkeeping of working orders, position and PnL those checks depend on,
// the trading state (Active, Reducing, Halted) and the kill switch.
//
// The engine calls Check for every order the strategy emits, on its tick
// loop, and forwards a non-OK Reason to the strategy. Checks run cheapest
// first: state, order validity against the exchange's rules, per-order size,
// price band around the mid, net position counting working orders, open
// orders, order rate, duplicates, self-trade. Loss limits (daily loss,
// drawdown) are evaluated when fills and marks arrive and halt trading.
//
// Risk must never let an order through when it cannot tell that the order is
// safe: a missing, unsynced, crossed or stale book, an arithmetic overflow,
// an unknown fill all fail closed. It must never read wall time (the engine's
// clock is passed in, so backtests replay exactly), never allocate on the
// check, fill and cancel paths, never panic, and never start goroutines. It
// sends nothing itself: it tells the engine which orders to cancel.
//
// A Checker belongs to the engine's tick goroutine. The only methods safe
// from other goroutines are Halt (the kill switch), State, Rejections and
// RejectionCounts.
package risk

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"sync/atomic"

	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/orderbook"
	"github.com/rs/zerolog"
)

// Order is a new order as the strategy emits it, in the instrument's
// fixed-point units. IDs are chosen by the engine, unique and non-zero.
type Order struct {
	ID   uint64
	Side orderbook.Side
	// Instrument is the order's instrument in the engine's table: which Checker judges
	// it, and which venue's gateway sends it.
	Instrument instrument.Index
	Price      int64 // price units
	Qty        int64 // quantity units
	PostOnly   bool
	IOC        bool
	// FOK (fill or kill) orders fill completely on arrival or not at all.
	FOK bool
	// ReduceOnly orders may only shrink the position: Check refuses one that, with every
	// working order on its side filled too, would not (see reduces).
	ReduceOnly bool
}

// Errors returned (wrapped with the order ID) by the lifecycle methods.
var (
	// ErrUnknownOrder reports an event for an order risk is not tracking.
	ErrUnknownOrder = errors.New("unknown order")
	// ErrOverfill reports a fill larger than the order's remaining quantity.
	ErrOverfill = errors.New("fill exceeds remaining quantity")
	// ErrInvalidFill reports a fill with a non-positive price or quantity.
	ErrInvalidFill = errors.New("invalid fill")
	// ErrOverflow reports PnL arithmetic that no longer fits an int64.
	ErrOverflow = errors.New("pnl overflow")
)

// working is one order that has been accepted and not yet finished.
type working struct {
	id    uint64
	side  orderbook.Side
	acked bool
	price int64
	rem   int64 // remaining quantity
	// The order's filled quantity is in Checker.filled, at the same index: the table
	// is scanned on every Check, and 32 bytes an entry index with a shift.
	reduceOnly bool
	// modding is set while a modify is sent and not yet answered (see CheckModify):
	// its terms are in Checker.mods, kept out of this table so that the scans of the
	// working orders on every Check stay at 40 bytes an order.
	modding bool
}

// closedRing remembers the side of recently finished orders, so that a fill
// that races a cancel or reject confirmation still moves the position.
const closedRing = 64

type closedOrder struct {
	id   uint64
	side orderbook.Side
}

// dupRing is how many recent accepted orders the duplicate check remembers.
// The rate limit bounds how many fit in a DuplicateWindow in practice; an
// order pushed out early only weakens a heuristic, never a hard limit.
const dupRing = 32

type recent struct {
	at         int64
	price, qty int64
	side       orderbook.Side
	used       bool
}

// Checker is the pre-trade risk state of one instrument. Build it with New.
type Checker struct {
	lim   Limits
	inst  Instrument
	qUnit int64
	log   zerolog.Logger

	// state is written only on the tick goroutine; stateView mirrors it for
	// State callers elsewhere. haltReq is the kill switch: Reason+1, or 0.
	state         State
	stateView     atomic.Uint32
	haltReq       atomic.Uint32
	haltCause     Reason
	cancelPending bool

	// Working orders, dense (swap-remove), cap MaxOpenOrders, and the
	// total remaining quantity on each side.
	work     []working
	filled   []int64         // work[i]'s filled quantity (a modify names a new total)
	mods     []pendingModify // the pending modifies, dense, cap MaxOpenOrders
	pendBuy  int64
	pendSell int64
	closed   [closedRing]closedOrder
	closedN  uint

	// Token bucket: tokens in units of 1e-12 order (so that refill is
	// elapsed ns × RateMilli, exactly), capped at Burst orders.
	tokens    int64
	tokenCap  int64
	refilled  int64
	clockInit bool

	dup     [dupRing]recent
	dupNext int

	acct account

	rejects [NumReasons]atomic.Uint64
	bursts  burstLog

	// perp are the perpetual's limits (PerpConfig), off for spot.
	perp perpLimits

	// port is the portfolio layer over this and the strategy's other instruments, if
	// any (NewPortfolio), and portIdx this instrument's index in it.
	port    *Portfolio
	portIdx instrument.Index
}

// tokenUnit is one order in the token bucket's units: 1e9 ns × 1e3 milli.
const tokenUnit = 1_000_000_000_000

// New validates cfg and inst and returns a Checker in the Active state with
// a full token bucket, no position and no working orders. Errors name the
// offending field.
func New(cfg Config, inst Instrument) (*Checker, error) {
	if err := inst.validate(); err != nil {
		return nil, err
	}
	lim, err := cfg.limits(inst)
	if err != nil {
		return nil, err
	}
	pl, err := cfg.Perp.limits(inst)
	if err != nil {
		return nil, err
	}
	c := &Checker{
		perp:   pl,
		lim:    lim,
		inst:   inst,
		qUnit:  inst.QtyScale.Unit(),
		log:    cfg.Logger,
		work:   make([]working, 0, lim.MaxOpenOrders),
		mods:   make([]pendingModify, 0, lim.MaxOpenOrders),
		filled: make([]int64, 0, lim.MaxOpenOrders),
	}
	c.tokenCap = lim.Burst * tokenUnit
	c.tokens = c.tokenCap
	c.bursts.quiet = lim.LogQuiet
	c.bursts.ps, c.bursts.qs = inst.PriceScale, inst.QtyScale
	c.acct.init(c.qUnit, inst.PriceScale)
	if inst.Inverse {
		c.acct.inverse(inst.PriceScale, inst.QtyScale)
	}
	return c, nil
}

// notionalPrice returns what an order's quantity is multiplied by for its notional in
// price units (after division by the quantity unit): its price, or for an inverse
// instrument, whose quantity is already the quote value, one price unit.
func (c *Checker) notionalPrice(price int64) int64 {
	if c.inst.Inverse {
		return c.inst.PriceScale.Unit()
	}
	return price
}

// Limits returns the fixed-point limits New derived from the Config.
func (c *Checker) Limits() Limits { return c.lim }

// Check decides whether o may be sent, at engine time now (Unix ns), with
// book as the instrument's current book (nil if there is none). On ReasonOK
// the order is recorded as working: it counts against the position, open
// order and rate limits until OnFill completes it or OnCancel / OnReject
// removes it, so the engine must send it (or report OnReject). Any other
// Reason leaves no trace but a counter and possibly a log line.
//
// Cancels never go through Check: a cancel only ever reduces risk, so it is
// always allowed, in every state.
func (c *Checker) Check(o *Order, book *orderbook.Book, now int64) Reason {
	if c == nil || c.lim.RateMilli == 0 {
		// A nil or zero Checker (not built by New) has no limits: refuse
		// rather than divide by zero or let everything through.
		return ReasonHalted
	}
	c.observe()
	// Refill on every call, whatever the outcome, so that the bucket's
	// notion of time is simply the latest clock Check has seen.
	c.refill(now)
	r := c.check(o, book, now)
	if r == ReasonOK && c.port != nil {
		r = c.port.check(c.portIdx, o)
	}
	if r == ReasonOK {
		c.accept(o, now)
	} else {
		c.reject(r, o, now)
	}
	if c.bursts.open > 0 && now >= c.bursts.next {
		c.bursts.flush(&c.log, now)
	}
	return r
}

// check runs the checks in order, cheapest first, and has no side effect.
func (c *Checker) check(o *Order, book *orderbook.Book, now int64) Reason {
	// 1. Trading state.
	switch c.state {
	case Active:
	case Reducing:
		if o == nil {
			return ReasonInvalidOrder
		}
		if !c.reduces(o) {
			return ReasonReducingOnly
		}
	default:
		return c.haltCause
	}
	// 2. Validity against the exchange's rules.
	if o == nil || o.ID == 0 || o.Side > orderbook.Ask || o.Price <= 0 || o.Qty <= 0 {
		return ReasonInvalidOrder
	}
	if o.ReduceOnly && !c.reduces(o) {
		return ReasonReduceOnly
	}
	if r := c.checkRules(o); r != ReasonOK {
		return r
	}
	// 4. Price band around the mid; fails closed without a fresh valid book.
	if r := c.checkBand(o, book, now); r != ReasonOK {
		return r
	}
	// A perpetual whose mark is watched: fails closed without a fresh mark.
	if r := c.checkMark(now); r != ReasonOK {
		return r
	}
	// 5. Net position, worst case: every working order on this side fills.
	if r := c.checkPosition(o, 0); r != ReasonOK {
		return r
	}
	// 6. Open orders.
	if len(c.work) >= c.lim.MaxOpenOrders {
		return ReasonMaxOpenOrders
	}
	// 7. Order rate (the bucket was refilled by Check).
	if c.tokens < tokenUnit {
		return ReasonRateLimit
	}
	// 8. Duplicate side/price/qty within the window. A clock that went
	// backwards makes now−at negative, which counts as within: fail closed.
	for i := range c.dup {
		d := &c.dup[i]
		if d.used && d.side == o.Side && d.price == o.Price && d.qty == o.Qty &&
			now-d.at < c.lim.DuplicateWindow {
			return ReasonDuplicate
		}
	}
	// 9. Self-trade against our own working orders, and duplicate IDs, in
	// one pass over the working table.
	// The loop makes no call, so that the table's bounds stay in registers; the
	// rare orders with a modify pending are checked at their new price after it.
	modding := false
	for i := range c.work {
		w := &c.work[i]
		if w.id == o.ID {
			return ReasonDuplicateID
		}
		if w.side != o.Side {
			if o.Side == orderbook.Bid && o.Price >= w.price || o.Side == orderbook.Ask && o.Price <= w.price {
				return ReasonSelfTrade
			}
			modding = modding || w.modding
		}
	}
	if modding {
		for i := range c.mods {
			if m := &c.mods[i]; c.find(m.id) >= 0 && c.work[c.find(m.id)].side != o.Side &&
				(o.Side == orderbook.Bid && o.Price >= m.price || o.Side == orderbook.Ask && o.Price <= m.price) {
				return ReasonSelfTrade
			}
		}
	}
	return ReasonOK
}

// checkRules runs the checks of an order's terms against the exchange's rules and
// the per-order limits (checks 2 and 3).
func (c *Checker) checkRules(o *Order) Reason {
	in := &c.inst
	if o.Price%in.Tick != 0 {
		return ReasonTick
	}
	if o.Qty%in.Lot != 0 {
		return ReasonLot
	}
	if o.Qty < in.MinQty {
		return ReasonMinQty
	}
	if o.Qty > in.MaxQty {
		return ReasonMaxQty
	}
	// price × qty ≥ MinNotional × unit, exact in 128 bits: a truncated
	// notional could let through an order just under the exchange minimum.
	if cmpMul(c.notionalPrice(o.Price), o.Qty, in.MinNotional, c.qUnit) < 0 {
		return ReasonMinNotional
	}
	// 3. Per-order size.
	if o.Qty > c.lim.MaxOrderQty {
		return ReasonMaxOrderQty
	}
	if cmpMul(c.notionalPrice(o.Price), o.Qty, c.lim.MaxOrderNotional, c.qUnit) > 0 {
		return ReasonMaxOrderNotional
	}
	return ReasonOK
}

// checkBand checks the price against the band around a fresh, valid book's mid.
func (c *Checker) checkBand(o *Order, book *orderbook.Book, now int64) Reason {
	if book == nil {
		return ReasonNoBook
	}
	if !book.Valid() {
		return ReasonInvalidBook
	}
	if lt := book.LocalTime(); now-lt > c.lim.StaleAfter || lt <= 0 {
		return ReasonStaleBook
	}
	mid, ok := book.Mid()
	if !ok || mid <= 0 {
		return ReasonInvalidBook
	}
	dev := o.Price - mid
	if dev < 0 {
		dev = -dev
	}
	// |price − mid| × 1e6 ≤ band × mid, exact.
	if cmpMul(dev, 1_000_000, c.lim.PriceBandMicro, mid) > 0 {
		return ReasonPriceBand
	}
	return ReasonOK
}

// checkPosition checks the net position in the worst case, every working order on
// o's side filling, with o's quantity counted on top and already counted shrinking
// that side's pending total (a modify's old remainder, which o replaces).
func (c *Checker) checkPosition(o *Order, already int64) Reason {
	pos := c.acct.pos
	if o.Side == orderbook.Bid {
		worst, ok := add3(pos, c.pendBuy-already, o.Qty)
		if !ok || worst > c.lim.MaxPosition {
			return ReasonMaxPosition
		}
	} else {
		worst, ok := add3(-pos, c.pendSell-already, o.Qty)
		if !ok || worst > c.lim.MaxPosition {
			return ReasonMaxPosition
		}
	}
	return c.checkLeverage(o, already)
}

// crosses reports whether a new order on side at price would trade against working
// order w of the other side, at its price or, while a modify of it is pending, at
// the modify's price.
func (c *Checker) crosses(side orderbook.Side, price int64, w *working) bool {
	if side == orderbook.Bid && price >= w.price || side == orderbook.Ask && price <= w.price {
		return true
	}
	return w.modding && c.crossesModified(side, price, w.id)
}

// crossesModified is crosses at the price of working order id's pending modify.
func (c *Checker) crossesModified(side orderbook.Side, price int64, id uint64) bool {
	mp := c.modOf(id).price
	return side == orderbook.Bid && price >= mp || side == orderbook.Ask && price <= mp
}

// reduces reports whether o strictly shrinks the position even if every
// working order on its side fills too: a buy only against a short, a sell
// only against a long, and never through zero.
func (c *Checker) reduces(o *Order) bool { return c.reducesWith(o, 0) }

// reducesWith is reduces with already of the side's pending quantity not counted (a
// modify's old remainder, which the modified order replaces).
func (c *Checker) reducesWith(o *Order, already int64) bool {
	if o.Qty <= 0 {
		return false
	}
	pos := c.acct.pos
	switch o.Side {
	case orderbook.Bid:
		if pos >= 0 {
			return false
		}
		s, ok := add3(-pos, -(c.pendBuy - already), -o.Qty) // short left after all buys
		return ok && s >= 0
	case orderbook.Ask:
		if pos <= 0 {
			return false
		}
		s, ok := add3(pos, -(c.pendSell - already), -o.Qty)
		return ok && s >= 0
	}
	return false
}

// accept records an order that passed every check.
func (c *Checker) accept(o *Order, now int64) {
	c.tokens -= tokenUnit
	c.dup[c.dupNext] = recent{at: now, price: o.Price, qty: o.Qty, side: o.Side, used: true}
	c.dupNext = (c.dupNext + 1) % dupRing
	c.work = append(c.work, working{id: o.ID, side: o.Side, price: o.Price, rem: o.Qty, reduceOnly: o.ReduceOnly})
	c.filled = append(c.filled, 0)
	if o.Side == orderbook.Bid {
		c.pendBuy += o.Qty
	} else {
		c.pendSell += o.Qty
	}
}

// refill adds the tokens earned since the last refill. A clock that goes
// backwards earns nothing and does not move the refill time, so a replay
// glitch cannot mint tokens.
func (c *Checker) refill(now int64) {
	if !c.clockInit {
		c.refilled, c.clockInit = now, true
		return
	}
	if now <= c.refilled {
		return
	}
	elapsed := now - c.refilled
	c.refilled = now
	need := c.tokenCap - c.tokens
	// elapsed × rate only when it cannot exceed need, so never overflows.
	if elapsed >= need/c.lim.RateMilli+1 {
		c.tokens = c.tokenCap
		return
	}
	c.tokens += elapsed * c.lim.RateMilli
	c.tokens = min(c.tokens, c.tokenCap)
}

// reject counts and logs a rejection.
func (c *Checker) reject(r Reason, o *Order, now int64) {
	if r < NumReasons {
		c.rejects[r].Add(1)
	}
	c.bursts.reject(&c.log, r, o, now)
}

// Rejections returns how many orders have been rejected for r since New.
// It is safe from any goroutine (metrics exporters).
func (c *Checker) Rejections(r Reason) uint64 {
	if r >= NumReasons {
		return 0
	}
	return c.rejects[r].Load()
}

// RejectionCounts copies every counter into dst, indexed by Reason. It is
// safe from any goroutine; dst[ReasonOK] is always zero.
func (c *Checker) RejectionCounts(dst *[NumReasons]uint64) {
	for i := range dst {
		dst[i] = c.rejects[i].Load()
	}
}

// find returns the index of working order id, or -1.
func (c *Checker) find(id uint64) int {
	for i := range c.work {
		if c.work[i].id == id {
			return i
		}
	}
	return -1
}

// remove drops working order i and remembers its side for late fills.
func (c *Checker) remove(i int) {
	w := c.work[i]
	if w.side == orderbook.Bid {
		c.pendBuy -= w.rem
	} else {
		c.pendSell -= w.rem
	}
	if w.modding {
		c.dropMod(w.id)
	}
	c.closed[c.closedN%closedRing] = closedOrder{id: w.id, side: w.side}
	c.closedN++
	last := len(c.work) - 1
	c.work[i] = c.work[last]
	c.work = c.work[:last]
	c.filled[i] = c.filled[last]
	c.filled = c.filled[:last]
}

// closedSide returns the side of a recently finished order.
func (c *Checker) closedSide(id uint64) (orderbook.Side, bool) {
	for i := range c.closed {
		if c.closed[i].id == id && id != 0 {
			return c.closed[i].side, true
		}
	}
	return 0, false
}

// Knows reports whether id is one of this checker's working orders or one it closed
// recently (the ids a late fill or cancel confirmation may still name). An engine with
// several instruments asks each checker to find which one an answer from a venue is for.
func (c *Checker) Knows(id uint64) bool {
	if c.find(id) >= 0 {
		return true
	}
	_, ok := c.closedSide(id)
	return ok
}

// OnAck records the venue's acknowledgement of a working order. Limits count
// an order from acceptance, not from its ack, so this is bookkeeping only.
func (c *Checker) OnAck(id uint64) error {
	i := c.find(id)
	if i < 0 {
		return fmt.Errorf("risk: ack of order %d: %w", id, ErrUnknownOrder)
	}
	c.work[i].acked = true
	return nil
}

// OnCancel records the venue's confirmation that order id was cancelled:
// its remaining quantity stops counting. (Call it on the confirmation, not
// on the cancel request: until then the order can still fill.)
func (c *Checker) OnCancel(id uint64) error {
	i := c.find(id)
	if i < 0 {
		return fmt.Errorf("risk: cancel of order %d: %w", id, ErrUnknownOrder)
	}
	c.remove(i)
	return nil
}

// OnReject records that the venue (or the engine, failing to send) rejected
// order id: it stops counting. Its rate-limit token stays spent.
func (c *Checker) OnReject(id uint64) error {
	i := c.find(id)
	if i < 0 {
		return fmt.Errorf("risk: venue reject of order %d: %w", id, ErrUnknownOrder)
	}
	c.remove(i)
	return nil
}

// OnFill applies a fill of qty at price to order id: its remaining quantity
// shrinks (it finishes at zero), the position moves, realized PnL and fees
// (fee in price units, positive is a cost, negative a rebate) accrue, and the
// loss limits are evaluated, which may halt.
//
// A fill always moves the position: the money has moved. A fill of a
// recently finished order (racing its cancel) is applied by its remembered
// side. A fill risk cannot attribute, or with a non-positive price or
// quantity, halts with ReasonBookkeeping, because the position is then
// unknown. An overfill is applied in full and reported as ErrOverfill.
func (c *Checker) OnFill(id uint64, price, qty, fee int64) error {
	c.observe()
	if price <= 0 || qty <= 0 {
		c.halt(ReasonBookkeeping)
		return fmt.Errorf("risk: fill of order %d (price %d, qty %d): %w", id, price, qty, ErrInvalidFill)
	}
	var side orderbook.Side
	var err error
	if i := c.find(id); i >= 0 {
		w := &c.work[i]
		side = w.side
		var over bool
		if w.modding {
			over = c.fillModifying(i, qty)
		} else {
			take := min(qty, w.rem)
			w.rem -= take
			c.filled[i] += take
			if side == orderbook.Bid {
				c.pendBuy -= take
			} else {
				c.pendSell -= take
			}
			over = qty > take
		}
		if over {
			err = fmt.Errorf("risk: fill of order %d: %w", id, ErrOverfill)
		}
		if w.rem == 0 {
			c.remove(i)
		}
	} else if s, ok := c.closedSide(id); ok {
		side = s
	} else {
		c.halt(ReasonBookkeeping)
		return fmt.Errorf("risk: fill of order %d: %w", id, ErrUnknownOrder)
	}
	if !c.acct.fill(side, price, qty, fee) {
		c.halt(ReasonBookkeeping)
		return fmt.Errorf("risk: fill of order %d: %w", id, ErrOverflow)
	}
	c.evaluatePerp()
	c.evaluate()
	if c.port != nil {
		c.port.evaluate()
	}
	return err
}

// Mark revalues the position at mid (price units) at engine time now,
// starting a new day's loss budget when now is past UTC midnight, and
// evaluates the loss limits, which may halt. A perpetual that has had a mark
// price from its venue (OnMarkPrice) keeps being valued at that.
func (c *Checker) Mark(now, mid int64) {
	c.observe()
	if mid > 0 && c.perp.mark == 0 {
		c.acct.mark, c.acct.marked = mid, true
	}
	c.acct.rollDay(now)
	c.evaluatePerp()
	c.evaluate()
	if c.port != nil {
		c.port.evaluate()
	}
	if c.bursts.open > 0 && now >= c.bursts.next {
		c.bursts.flush(&c.log, now)
	}
}

// OnBook marks the position at the book's mid when the book is valid, and
// otherwise keeps the last mark; either way the day rolls and the loss
// limits are evaluated. The engine calls it after each applied update.
func (c *Checker) OnBook(book *orderbook.Book, now int64) {
	var mid int64
	if book != nil && book.Valid() {
		mid, _ = book.Mid()
	}
	c.Mark(now, mid)
}

// evaluate halts if a loss limit is breached. Only Active halts: Reducing
// after a loss halt is how an operator deliberately flattens.
func (c *Checker) evaluate() {
	eq, ok := c.acct.equity()
	if !ok {
		c.halt(ReasonBookkeeping)
		return
	}
	a := &c.acct
	if eq > a.peak {
		a.peak = eq
	}
	if c.state != Active {
		return
	}
	// Differences of two int64 can overflow; saturate toward "breached".
	if loss, ok := sub(a.dayStart, eq); !ok || loss > c.lim.MaxDailyLoss {
		c.halt(ReasonDailyLoss)
	} else if dd, ok := sub(a.peak, eq); !ok || dd > c.lim.MaxDrawdown {
		c.halt(ReasonDrawdown)
	}
}

// Halt is the kill switch: it halts trading with cause (ReasonHalted if
// cause is not a halt reason), and the engine's next Cancels call returns
// every working order. It is safe from any goroutine: it only sets an atomic
// that the tick goroutine observes on its next call. ReasonShutdown is the
// orderly end of a run: it halts the same way but is logged at Info.
func (c *Checker) Halt(cause Reason) {
	switch cause {
	case ReasonHalted, ReasonDailyLoss, ReasonDrawdown, ReasonBookkeeping, ReasonPortfolioLoss, ReasonPortfolioDrawdown,
		ReasonShutdown:
	default:
		cause = ReasonHalted
	}
	c.haltReq.Store(uint32(cause) + 1)
}

// observe applies a pending kill switch. One atomic load when there is none.
func (c *Checker) observe() {
	if c.haltReq.Load() == 0 {
		return
	}
	if r := c.haltReq.Swap(0); r != 0 {
		c.halt(Reason(r - 1))
	}
}

// halt enters Halted on the tick goroutine and demands cancels. The first
// cause is kept: a later breach does not hide why trading stopped, and an
// orderly stop after a halt does not turn the halt into a normal end. A halt
// is logged at Error ("risk halted"): someone must look. An orderly stop
// (ReasonShutdown) is logged at Info ("trading stopped"): a grep for errors
// at the end of a normal run finds nothing.
func (c *Checker) halt(cause Reason) {
	c.cancelPending = true
	if c.state == Halted {
		return
	}
	c.state, c.haltCause = Halted, cause
	c.stateView.Store(uint32(Halted))
	eq, _ := c.acct.equity()
	ev, msg := c.log.Error(), "risk halted"
	if cause == ReasonShutdown {
		ev, msg = c.log.Info(), "trading stopped"
	}
	ev.Str("cause", cause.String()).Int("working", len(c.work)).
		RawJSON("position", c.inst.QtyScale.Append(c.bursts.num[:0], c.acct.pos)). // decimals, as a person reads them,
		RawJSON("equity", c.inst.PriceScale.Append(c.bursts.num[:0], eq)).Msg(msg) // in the log's scratch buffer
}

// State returns the trading state. It is safe from any goroutine; a Halt not
// yet observed by the tick goroutine already reads as Halted.
func (c *Checker) State() State {
	if c.haltReq.Load() != 0 {
		return Halted
	}
	return State(c.stateView.Load())
}

// HaltCause returns why trading is halted, or ReasonOK when it is not.
func (c *Checker) HaltCause() Reason {
	c.observe()
	if c.state != Halted {
		return ReasonOK
	}
	return c.haltCause
}

// SetState moves to s deliberately: Halted works like Halt; Reducing from
// any state (including after a loss halt, to flatten); Active is Resume.
func (c *Checker) SetState(s State) error {
	switch s {
	case Active:
		c.Resume()
	case Reducing:
		c.observe()
		c.setState(Reducing, ReasonOK)
	case Halted:
		c.observe()
		c.halt(ReasonHalted)
	default:
		return fmt.Errorf("risk: set state %d: unknown state", s)
	}
	return nil
}

// Resume returns to Active. It is the only way out of a halt, so a loss
// halt never clears itself. It acknowledges the drawdown (the peak restarts
// at the current equity) but not the daily loss: if the day's loss is still
// beyond MaxDailyLoss, Resume halts again at once, until UTC midnight.
// A kill switch pulled before Resume is applied first, then cleared.
func (c *Checker) Resume() {
	c.observe()
	if eq, ok := c.acct.equity(); ok {
		c.acct.peak = eq
	}
	c.setState(Active, ReasonOK)
	// Evaluate now rather than at the next fill or mark, so that not a
	// single order is accepted while the daily loss is still breached.
	c.evaluate()
}

func (c *Checker) setState(s State, cause Reason) {
	if c.state != s {
		c.log.Warn().Str("from", c.state.String()).Str("to", s.String()).Msg("risk state")
	}
	c.state, c.haltCause = s, cause
	c.stateView.Store(uint32(s))
}

// Cancels appends to dst the IDs of every working order if a halt has
// happened since the last call, and returns dst. The engine calls it once per
// loop iteration (one atomic load and a branch when nothing happened) and
// sends a cancel for each ID; orders keep counting until OnCancel confirms.
func (c *Checker) Cancels(dst []uint64) []uint64 {
	c.observe()
	if !c.cancelPending {
		return dst
	}
	c.cancelPending = false
	return c.AppendWorking(dst)
}

// AppendWorking appends the IDs of all working orders to dst.
func (c *Checker) AppendWorking(dst []uint64) []uint64 {
	for i := range c.work {
		dst = append(dst, c.work[i].id)
	}
	return dst
}

// Working returns the number of working orders.
func (c *Checker) Working() int { return len(c.work) }

// Pending returns the remaining quantity of working buys and sells.
func (c *Checker) Pending() (buys, sells int64) { return c.pendBuy, c.pendSell }

// Position returns the filled net position in quantity units.
func (c *Checker) Position() int64 { return c.acct.pos }

// PnL returns realized PnL (before fees), fees paid and unrealized PnL at
// the last mark, in price units.
func (c *Checker) PnL() (realized, fees, unrealized int64) {
	u, _ := c.acct.unrealized()
	return c.acct.realizedPrice(), c.acct.fees, u
}

// cmpMul compares a×b with c×d for non-negative operands, exactly: −1, 0 or
// +1. Negative operands are treated as zero (limits and order fields are
// validated positive before they get here).
func cmpMul(a, b, c, d int64) int {
	hi1, lo1 := bits.Mul64(uint64(max(a, 0)), uint64(max(b, 0)))
	hi2, lo2 := bits.Mul64(uint64(max(c, 0)), uint64(max(d, 0)))
	switch {
	case hi1 != hi2:
		if hi1 < hi2 {
			return -1
		}
		return 1
	case lo1 < lo2:
		return -1
	case lo1 > lo2:
		return 1
	}
	return 0
}

// add3 returns a+b+c and false on overflow.
func add3(a, b, c int64) (int64, bool) {
	s, ok := add(a, b)
	if !ok {
		return 0, false
	}
	return add(s, c)
}

func add(a, b int64) (int64, bool) {
	s := a + b
	return s, (s > a) == (b > 0)
}

func sub(a, b int64) (int64, bool) {
	if b == math.MinInt64 {
		return 0, false
	}
	return add(a, -b)
}
