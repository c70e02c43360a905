package risk

import "strconv"

// Reason is why Check rejected an order, or ReasonOK. It is returned to the
// caller, counted per value and logged once per burst, so it is a small
// integer that can index an array without allocating.
type Reason uint8

// The reasons, in the order the checks run. ReasonOK is zero so that the zero
// value means "accepted".
const (
	ReasonOK Reason = iota
	// ReasonHalted: trading is halted (kill switch or SetState(Halted)).
	ReasonHalted
	// ReasonDailyLoss: halted because the day's loss exceeded MaxDailyLoss.
	ReasonDailyLoss
	// ReasonDrawdown: halted because the drawdown exceeded MaxDrawdown.
	ReasonDrawdown
	// ReasonBookkeeping: halted because risk's own accounting can no longer
	// be trusted (a fill for an unknown order, an invalid fill, overflow).
	ReasonBookkeeping
	// ReasonReducingOnly: the state is Reducing and the order, together with
	// the working orders on its side, would not strictly shrink the position.
	ReasonReducingOnly
	// ReasonInvalidOrder: nil order, zero ID, unknown side, price or
	// quantity not positive.
	ReasonInvalidOrder
	// ReasonTick: the price is not a multiple of the instrument's tick.
	ReasonTick
	// ReasonLot: the quantity is not a multiple of the instrument's lot.
	ReasonLot
	// ReasonMinQty: the quantity is below the instrument's minimum.
	ReasonMinQty
	// ReasonMaxQty: the quantity is above the instrument's maximum.
	ReasonMaxQty
	// ReasonMinNotional: price × quantity is below the instrument's minimum.
	ReasonMinNotional
	// ReasonMaxOrderQty: the quantity is above the configured MaxOrderQty.
	ReasonMaxOrderQty
	// ReasonMaxOrderNotional: price × quantity is above MaxOrderNotional.
	ReasonMaxOrderNotional
	// ReasonNoBook: there is no book to check the price against.
	ReasonNoBook
	// ReasonInvalidBook: the book is not Valid (unsynced, one-sided, crossed).
	ReasonInvalidBook
	// ReasonStaleBook: the book's last update is older than StaleAfter.
	ReasonStaleBook
	// ReasonPriceBand: the price is further from the mid than PriceBandBps.
	ReasonPriceBand
	// ReasonMaxPosition: the position plus all working orders on the
	// order's side would exceed MaxPosition.
	ReasonMaxPosition
	// ReasonMaxOpenOrders: MaxOpenOrders orders are already working.
	ReasonMaxOpenOrders
	// ReasonRateLimit: the order-rate token bucket is empty.
	ReasonRateLimit
	// ReasonDuplicate: the same side, price and quantity was accepted
	// within DuplicateWindow.
	ReasonDuplicate
	// ReasonSelfTrade: the order would cross one of our own working orders.
	ReasonSelfTrade
	// ReasonDuplicateID: an order with this ID is already working.
	ReasonDuplicateID
	// ReasonPortfolioNotional: the gross notional of every instrument's
	// position and working orders, with this order, would exceed the
	// portfolio's MaxGrossNotional.
	ReasonPortfolioNotional
	// ReasonPortfolioPosition: the net position in the order's base asset
	// across instruments (spot and perpetual), with every working order on the
	// order's side filled, would exceed the portfolio's MaxNetPosition.
	ReasonPortfolioPosition
	// ReasonPortfolioLoss: halted because the loss over all instruments
	// exceeded the portfolio's MaxTotalLoss.
	ReasonPortfolioLoss
	// ReasonPortfolioDrawdown: halted because the drawdown over all
	// instruments exceeded the portfolio's MaxDrawdown.
	ReasonPortfolioDrawdown
	// ReasonReduceOnly: a reduce-only order (or the modify of one) that, with
	// every working order on its side filled too, would not shrink the position.
	ReasonReduceOnly
	// ReasonNotWorking: a modify of an order risk is not tracking as working
	// (filled, cancelled, rejected, or never accepted).
	ReasonNotWorking
	// ReasonModifyPending: a modify of an order whose previous modify the venue
	// has not answered yet.
	ReasonModifyPending
	// ReasonMaxLeverage: a perpetual's position notional, with every working
	// order on the order's side filled, over the equity would exceed MaxLeverage.
	ReasonMaxLeverage
	// ReasonLiquidationDistance: a perpetual's mark is closer to the
	// position's liquidation price than MinLiquidationDistanceBps (the state
	// goes to Reducing), or the order would bring it closer than that.
	ReasonLiquidationDistance
	// ReasonFundingPaid: the funding a perpetual's position paid, net of what
	// it received, exceeded MaxFundingPaid (the state goes to Reducing).
	ReasonFundingPaid
	// ReasonShutdown: trading stopped because the run is ending in order (its
	// duration reached, a signal, the session's shutdown): not a breach and
	// not the kill switch. It halts like ReasonHalted, every working order is
	// cancelled and no order is accepted after it, but it is logged at Info,
	// and orders refused for it at Debug: nothing went wrong.
	ReasonShutdown
	// ReasonStaleMark: a perpetual with PerpConfig.MarkStaleAfter set has had no mark
	// price from the venue yet, or none for longer than that: every perpetual limit and
	// the funding check read the mark, so no new order goes out without one (cancels
	// still do).
	ReasonStaleMark

	// NumReasons is the number of Reason values, for arrays indexed by Reason.
	NumReasons
)

var reasonNames = [NumReasons]string{
	ReasonOK:               "ok",
	ReasonHalted:           "halted",
	ReasonDailyLoss:        "daily_loss",
	ReasonDrawdown:         "drawdown",
	ReasonBookkeeping:      "bookkeeping",
	ReasonReducingOnly:     "reducing_only",
	ReasonInvalidOrder:     "invalid_order",
	ReasonTick:             "tick",
	ReasonLot:              "lot",
	ReasonMinQty:           "min_qty",
	ReasonMaxQty:           "max_qty",
	ReasonMinNotional:      "min_notional",
	ReasonMaxOrderQty:      "max_order_qty",
	ReasonMaxOrderNotional: "max_order_notional",
	ReasonNoBook:           "no_book",
	ReasonInvalidBook:      "invalid_book",
	ReasonStaleBook:        "stale_book",
	ReasonPriceBand:        "price_band",
	ReasonMaxPosition:      "max_position",
	ReasonMaxOpenOrders:    "max_open_orders",
	ReasonRateLimit:        "rate_limit",
	ReasonDuplicate:        "duplicate",
	ReasonSelfTrade:        "self_trade",
	ReasonDuplicateID:      "duplicate_id",

	ReasonPortfolioNotional: "portfolio_notional",
	ReasonPortfolioPosition: "portfolio_position",
	ReasonPortfolioLoss:     "portfolio_loss",
	ReasonPortfolioDrawdown: "portfolio_drawdown",

	ReasonReduceOnly:          "reduce_only",
	ReasonNotWorking:          "not_working",
	ReasonModifyPending:       "modify_pending",
	ReasonMaxLeverage:         "max_leverage",
	ReasonLiquidationDistance: "liquidation_distance",
	ReasonFundingPaid:         "funding_paid",
	ReasonStaleMark:           "stale_mark",
	ReasonShutdown:            "shutdown",
}

// String returns the reason's snake_case name, as used in logs and metrics
// labels. It does not allocate for known reasons.
func (r Reason) String() string {
	if r < NumReasons {
		return reasonNames[r]
	}
	return "Reason(" + strconv.Itoa(int(r)) + ")"
}

// State is the trading state: what kinds of orders risk lets through.
type State uint32

// The trading states.
const (
	// Active lets every order that passes the checks through.
	Active State = iota
	// Reducing lets through only orders that shrink the position, counting
	// the working orders on the same side.
	Reducing
	// Halted lets no new order through; only cancels leave.
	Halted
)

// String returns "active", "reducing" or "halted".
func (s State) String() string {
	switch s {
	case Active:
		return "active"
	case Reducing:
		return "reducing"
	case Halted:
		return "halted"
	}
	return "State(" + strconv.Itoa(int(s)) + ")"
}
