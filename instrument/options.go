package instrument

import (
	"fmt"
	"strings"
)

// Option is an order option a venue may or may not offer: a bit set. The bit values
// are shared with strategy.Flags (PostOnly 1, IOC 2, FOK 4, ReduceOnly 8), so that a
// strategy's flags convert with a cast and are checked with one AND.
type Option uint8

// The order options.
const (
	// OptPostOnly: the order must rest; if it would take liquidity on arrival the venue
	// rejects or expires it (Binance Spot LIMIT_MAKER, USD-M timeInForce GTX, Bybit
	// PostOnly, Kraken post_only).
	OptPostOnly Option = 1 << iota
	// OptIOC: immediate or cancel; what does not fill on arrival is cancelled.
	OptIOC
	// OptFOK: fill or kill; the whole quantity fills on arrival or nothing does.
	OptFOK
	// OptReduceOnly: the order may only shrink the position, never grow or flip it.
	OptReduceOnly
	// OptModify: a working order's price and quantity can be changed in place, keeping
	// its id (USD-M order.modify, Bybit order.amend, Kraken amend_order).
	OptModify
)

// optionNames names each option as the strategy API spells it, in bit order.
var optionNames = [...]string{"POST_ONLY", "IOC", "FOK", "REDUCE_ONLY", "modify"}

// String lists the options set, "POST_ONLY|IOC", or "none".
func (o Option) String() string {
	if o == 0 {
		return "none"
	}
	var parts []string
	for i, n := range optionNames {
		if o&(1<<i) != 0 {
			parts = append(parts, n)
		}
	}
	if rest := o &^ (1<<len(optionNames) - 1); rest != 0 {
		parts = append(parts, fmt.Sprintf("Option(%#x)", uint8(rest)))
	}
	return strings.Join(parts, "|")
}

// ModifyPriority says what an in-place modify does to the order's place in its price
// level's queue.
type ModifyPriority uint8

// The queue rules of a modify.
const (
	// RequeueAlways: every modify sends the order to the back of the queue at its (new)
	// price. Binance USD-M: "modified orders will be reordered in the match queue"
	// (Modify Order, PUT /fapi/v1/order and WebSocket order.modify).
	RequeueAlways ModifyPriority = iota + 1
	// KeepOnDecrease: a modify that only lowers the quantity keeps the order's place;
	// a price change or a quantity increase loses it. Bybit (amend: "Increasing
	// OrderQty causes the order to lose its current queue position. Decreasing
	// OrderQty does not affect queue position"; a new price is a new level's queue),
	// Kraken (amend_order keeps "queue priority in the order book where possible").
	KeepOnDecrease
)

// Capabilities are the order options of one venue.
type Capabilities struct {
	// Options are the options the venue's orders may carry.
	Options Option
	// Modify is the queue rule of an in-place modify, when Options has OptModify.
	Modify ModifyPriority
	// PostOnly is the venue's own name for a post-only order, for messages.
	PostOnly string
	// Note explains what the venue lacks and what to use instead, for messages.
	Note string
}

// venueCaps is the table of venue capabilities, from each venue's documentation:
//   - Binance Spot (binance-spot-api-docs, enums.md and "Order Amend Keep Priority"):
//     timeInForce GTC, IOC, FOK; post-only is the order type LIMIT_MAKER; there is no
//     reduce-only; there is no in-place modify of price: cancel-replace gives a new id
//     and loses priority, and order.amend.keepPriority only lowers the quantity.
//   - Binance USD-M (derivatives docs, New Order and Modify Order): timeInForce GTC, IOC,
//     FOK, GTX (post-only); reduceOnly; order.modify of price and quantity keeping the
//     order id, the order requeued.
//   - Bybit v5 (order/create-order, order/amend-order): timeInForce GTC, IOC, FOK,
//     PostOnly; reduceOnly on linear (and inverse) only; order.amend keeps the id.
//   - Kraken spot v2 (add_order, amend_order): time_in_force gtc, gtd, ioc (no FOK);
//     post_only; reduce_only applies to margin positions only, which nanotick does not
//     trade; amend_order keeps the id.
//   - Venues nanotick backtests from Tardis.dev files only (no connector; their orders
//     exist only in the simulated exchange, which is checked against what the venue
//     would accept). None is given modify: its queue rule is not documented clearly
//     enough to simulate, so orders.replace cancels and places anew.
//     OKX (v5 Place order, ordType post_only, fok, ioc; reduceOnly only for MARGIN and
//     FUTURES/SWAP orders in net mode): okx-spot, okx-swap, okx-futures.
//     Coinbase Exchange (Create a new order: time_in_force GTC, GTT, IOC, FOK; post_only
//     with GTC and GTT; a spot venue, no reduce-only).
//     Deribit (private/buy and private/sell: time_in_force good_til_cancelled,
//     good_til_day, fill_or_kill, immediate_or_cancel; post_only with reject_post_only
//     rejects instead of repricing; reduce_only).
//
// The local exchange (sim) speaks Binance Spot's protocol and has its options.
var venueCaps = map[string]Capabilities{
	"okx-spot":       {Options: OptPostOnly | OptIOC | OptFOK, PostOnly: "post_only", Note: "OKX's reduceOnly applies to margin and derivatives orders only"},
	"okx-swap":       {Options: OptPostOnly | OptIOC | OptFOK | OptReduceOnly, PostOnly: "post_only"},
	"okx-futures":    {Options: OptPostOnly | OptIOC | OptFOK | OptReduceOnly, PostOnly: "post_only"},
	"coinbase":       {Options: OptPostOnly | OptIOC | OptFOK, PostOnly: "post_only", Note: "Coinbase is a spot venue: no reduce-only"},
	"deribit":        {Options: OptPostOnly | OptIOC | OptFOK | OptReduceOnly, PostOnly: "post_only with reject_post_only"},
	VenueBinanceSpot: binanceSpotCaps,
	VenueSim:         binanceSpotCaps,
	VenueBinanceUSDM: {Options: OptPostOnly | OptIOC | OptFOK | OptReduceOnly | OptModify, Modify: RequeueAlways, PostOnly: "GTX"},
	VenueBybitSpot: {Options: OptPostOnly | OptIOC | OptFOK | OptModify, Modify: KeepOnDecrease, PostOnly: "PostOnly",
		Note: "reduce-only exists on Bybit's linear and inverse contracts only"},
	VenueBybitLinear: {Options: OptPostOnly | OptIOC | OptFOK | OptReduceOnly | OptModify, Modify: KeepOnDecrease, PostOnly: "PostOnly"},
	VenueKraken: {Options: OptPostOnly | OptIOC | OptModify, Modify: KeepOnDecrease, PostOnly: "post_only",
		Note: "Kraken's time_in_force is gtc, gtd or ioc (no fill-or-kill), and reduce_only applies to margin positions only"},
}

var binanceSpotCaps = Capabilities{Options: OptPostOnly | OptIOC | OptFOK, PostOnly: "LIMIT_MAKER",
	Note: "Binance Spot has no reduce-only orders and no in-place modify: orders.replace cancels and places anew (new id, priority lost)"}

// VenueCapabilities returns the order options of venue, and false for a venue nanotick
// does not know (which then has none).
func VenueCapabilities(venue string) (Capabilities, bool) {
	c, ok := venueCaps[venue]
	return c, ok
}

// Capabilities returns the order options of the instrument's venue.
func (s *Spec) Capabilities() Capabilities {
	c, _ := VenueCapabilities(s.ID.Venue)
	return c
}

// ErrUnsupportedOption reports an order option the instrument's venue does not offer.
var ErrUnsupportedOption = fmt.Errorf("order option not offered by the venue")

// CheckOptions reports whether an order on venue may carry opts: every option must be
// one the venue offers, and the time-in-force options exclude each other (post-only,
// IOC and FOK are each a time in force on the venues nanotick knows). The error names
// the venue, the option and, where the venue says one, the alternative.
func CheckOptions(venue string, opts Option) error {
	if n := opts & (OptPostOnly | OptIOC | OptFOK); n&(n-1) != 0 {
		return fmt.Errorf("%s: at most one of POST_ONLY, IOC and FOK (each is a time in force)", opts)
	}
	c, known := venueCaps[venue]
	missing := opts &^ c.Options
	if missing == 0 {
		return nil
	}
	if !known {
		return fmt.Errorf("%w: venue %q is unknown, so %s cannot be checked", ErrUnsupportedOption, venue, missing)
	}
	msg := fmt.Errorf("%w: %s has no %s orders (it offers: %s)", ErrUnsupportedOption, venue, missing, c.Options)
	if c.Note != "" {
		msg = fmt.Errorf("%w; %s", msg, c.Note)
	}
	return msg
}
