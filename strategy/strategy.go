// Package strategy owns what a trading strategy sees and does: the Strategy interface that
// Go strategies implement and the script strategy adapts, and the Context through which a
// strategy reads its instrument's book, position and orders and places and cancels orders.
//
// A Context never sends anything itself: orders a strategy places are queued in the
// Context's outbox, and the engine passes them through risk and on to the venue after the
// strategy returns, so that each stage of the tick path can be timed and read on its own.
// Nothing here may allocate once a strategy is running, read the wall clock, or block.
package strategy

import (
	"fmt"

	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/risk"
)

// Strategy reacts to market and order events of its instruments. The engine calls its
// methods on its tick goroutine, one at a time; ctx.Event() is the instrument the event
// is about, and the forms of the Context without an instrument mean the default one. A returned error halts the
// strategy: it gets no further calls and its working orders are cancelled.
type Strategy interface {
	// Init runs once before the first event, with the Context ready to read parameters.
	Init(ctx *Context) error
	// OnBook runs after each book update, and once when the book stops being valid.
	OnBook(ctx *Context) error
	// OnTrade runs for each public trade of the instrument.
	OnTrade(ctx *Context, t *Trade) error
	// OnFill runs for each fill of one of the strategy's orders.
	OnFill(ctx *Context, f *Fill) error
	// OnOrder runs when an order is accepted, rejected (with a reason) or cancelled.
	OnOrder(ctx *Context, u *OrderUpdate) error
	// OnTimer runs every configured timer interval of event time.
	OnTimer(ctx *Context) error
}

// Base implements every Strategy method as a no-op, so that a Go strategy embeds it and
// writes only the callbacks it needs.
type Base struct{}

// Init does nothing.
func (Base) Init(*Context) error { return nil }

// OnBook does nothing.
func (Base) OnBook(*Context) error { return nil }

// OnTrade does nothing.
func (Base) OnTrade(*Context, *Trade) error { return nil }

// OnFill does nothing.
func (Base) OnFill(*Context, *Fill) error { return nil }

// OnOrder does nothing.
func (Base) OnOrder(*Context, *OrderUpdate) error { return nil }

// OnTimer does nothing.
func (Base) OnTimer(*Context) error { return nil }

// Side is the side of an order or a trade's aggressor: Buy or Sell.
type Side = orderbook.Side

// The sides. A buy order rests on the bid side of the book, a sell on the ask side.
const (
	Buy  Side = orderbook.Bid
	Sell Side = orderbook.Ask
)

// Flags are order options. Their bits are instrument.Option's, so that the options a
// venue offers (instrument.Capabilities) check them with one AND.
type Flags uint8

// The order options. PostOnly, IOC and FOK are each a time in force: at most one of them.
const (
	// PostOnly orders are rejected or expired by the venue rather than taking liquidity
	// (Binance Spot LIMIT_MAKER, USD-M GTX, Bybit PostOnly, Kraken post_only).
	PostOnly Flags = Flags(instrument.OptPostOnly)
	// IOC (immediate or cancel) orders take what they can and cancel the rest.
	IOC Flags = Flags(instrument.OptIOC)
	// FOK (fill or kill) orders fill completely on arrival or are cancelled whole.
	FOK Flags = Flags(instrument.OptFOK)
	// ReduceOnly orders may only shrink the position (USD-M, Bybit linear).
	ReduceOnly Flags = Flags(instrument.OptReduceOnly)
)

// AllFlags are every order flag.
const AllFlags = PostOnly | IOC | FOK | ReduceOnly

// Trade is a public trade, in float64 for strategy arithmetic and fixed-point for exactness.
type Trade struct {
	Time       int64 // exchange trade time, Unix ns
	Price, Qty float64
	PriceFixed int64
	QtyFixed   int64
	// Aggressor is the side that took liquidity: Sell when the buyer was the maker.
	Aggressor Side
	// Instrument is the trade's instrument in the engine's table (0, the default, for
	// an engine with one).
	Instrument instrument.Index
}

// Fill is an execution of one of the strategy's orders.
type Fill struct {
	OrderID    uint64
	Side       Side
	Price, Qty float64
	Fee        float64 // in the quote currency; negative is a rebate
	Remaining  float64 // quantity still open on the order after this fill
	PriceFixed int64
	QtyFixed   int64
	FeeFixed   int64
	Maker      bool
	Time       int64 // engine time, Unix ns
	// Instrument is the order's instrument in the engine's table.
	Instrument instrument.Index
}

// OrderStatus is where an order stands.
type OrderStatus uint8

// The order statuses an OrderUpdate reports.
const (
	// Accepted: risk passed the order and it was handed to the venue.
	Accepted OrderStatus = iota + 1
	// Acknowledged: the venue confirmed the order is working.
	Acknowledged
	// Rejected: risk or the venue refused the order; Reason says why.
	Rejected
	// Cancelled: the venue confirmed the cancel; the order is gone.
	Cancelled
	// Filled: the order is completely filled.
	Filled
	// Modified: the venue confirmed a modify (Market.Modify); the order works at its new
	// price and quantity, with the same id.
	Modified
	// ModifyRejected: risk or the venue refused a modify; the order works on at its old
	// terms. Reason (risk's) or VenueReason says why.
	ModifyRejected

	// NumStatuses is the number of OrderStatus values, for arrays indexed by status.
	NumStatuses
)

var statusNames = [NumStatuses]string{"", "accepted", "acknowledged", "rejected", "cancelled", "filled", "modified", "modify_rejected"}

// String returns the status's name as scripts see it.
func (s OrderStatus) String() string {
	if int(s) < len(statusNames) && s != 0 {
		return statusNames[s]
	}
	return fmt.Sprintf("status(%d)", uint8(s))
}

// OrderUpdate reports a change of an order's status.
type OrderUpdate struct {
	OrderID uint64
	Status  OrderStatus
	// Reason is why risk rejected the order (risk.ReasonOK otherwise, and for venue
	// rejects, which carry VenueReason instead).
	Reason risk.Reason
	// VenueReason is the venue's text for its own reject, if any. It is valid only
	// during the callback.
	VenueReason string
	Time        int64
	// Instrument is the order's instrument in the engine's table.
	Instrument instrument.Index
}
