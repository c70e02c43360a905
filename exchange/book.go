package exchange

import (
	"errors"
	"sort"
)

// Side is the side of an order: Buy rests on the bid side, Sell on the ask.
type Side uint8

// The sides.
const (
	Buy Side = iota + 1
	Sell
)

// String returns Binance's name of the side.
func (s Side) String() string {
	if s == Buy {
		return "BUY"
	}
	return "SELL"
}

// OrderType is the type of an order.
type OrderType uint8

// The order types.
const (
	Limit       OrderType = iota + 1 // LIMIT
	LimitMaker                       // LIMIT_MAKER: post-only, rejected if it would take
	MarketOrder                      // MARKET: takes at any price, the rest expires
)

// String returns Binance's name of the type.
func (t OrderType) String() string {
	switch t {
	case LimitMaker:
		return "LIMIT_MAKER"
	case MarketOrder:
		return "MARKET"
	}
	return "LIMIT"
}

// TimeInForce says what happens to the part of an order that does not
// match at once: GTC rests it on the book, IOC expires it, FOK expires the
// whole order unless all of it matches at once.
type TimeInForce uint8

// The times in force.
const (
	GTC TimeInForce = iota + 1
	IOC
	FOK
)

// String returns Binance's name of the time in force.
func (t TimeInForce) String() string {
	switch t {
	case IOC:
		return "IOC"
	case FOK:
		return "FOK"
	}
	return "GTC"
}

// Status is the state of an order, as Binance names it.
type Status uint8

// The order states.
const (
	StatusNew Status = iota + 1
	StatusPartiallyFilled
	StatusFilled
	StatusCanceled
	StatusExpired
)

var statusNames = [...]string{"", "NEW", "PARTIALLY_FILLED", "FILLED", "CANCELED", "EXPIRED"}

// String returns Binance's name of the status.
func (s Status) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return "UNKNOWN"
}

// Open reports whether an order in this state rests on the book.
func (s Status) Open() bool { return s == StatusNew || s == StatusPartiallyFilled }

// Order is one order in the matching engine. Price and Qty are in units of
// 10^-8 (the wire scale); Filled and Quote (the cumulative quote amount
// traded, price×qty) grow as it matches.
type Order struct {
	ID       uint64
	ClientID string
	Side     Side
	Type     OrderType
	TIF      TimeInForce
	Price    int64
	Qty      int64
	Filled   int64
	Quote    int64
	Status   Status
	Created  int64 // ms since the epoch
	Updated  int64 // ms since the epoch
	// QuoteQty is a MARKET order's quoteOrderQty: the quote amount to
	// spend or receive, 0 when the order gives a quantity. Such an order's
	// Qty is an upper bound until it is done, then what it filled.
	QuoteQty int64
	// Step is the instrument's lot step, which a QuoteQty order fills in.
	Step int64

	// account is the owner, nil for the synthetic participants, and
	// market the market the order was sent to.
	account *Account
	market  *Market
	// locked is what the owner's balance holds back for the unfilled part.
	locked int64
	// maker is the synthetic market maker's bookkeeping: the index of the
	// order in its side's list, or -1.
	maker int
	// level is where the order rests, nil when it does not.
	level *level
}

// Remaining returns the quantity still to fill.
func (o *Order) Remaining() int64 { return o.Qty - o.Filled }

// Fill is one trade: a taker order matched against a resting maker order at
// the maker's price. The orders are the engine's; their fields are as they
// stand after the fill until the next call into the book.
type Fill struct {
	TradeID uint64
	Price   int64
	Qty     int64
	Quote   int64 // Price×Qty at the wire scale
	Maker   *Order
	Taker   *Order
	// MakerFilled and TakerFilled are the cumulative fills of the two orders
	// right after this trade, so that a report built later still shows the
	// state at the time of the trade.
	MakerFilled, TakerFilled int64
	MakerQuote, TakerQuote   int64
	// TakerCommission and TakerCommissionAsset are what an account's taker
	// order paid for this fill, set when the exchange settles it.
	TakerCommission      int64
	TakerCommissionAsset string
}

// BuyerMaker reports whether the buyer was the maker, Binance's "m".
func (f *Fill) BuyerMaker() bool { return f.Maker.Side == Buy }

// LevelChange is one change of the aggregated (L2) book: the new total
// quantity at a price, zero meaning the level is gone. UpdateID is the book's
// update id after the change, the sequence Binance's depth streams carry.
type LevelChange struct {
	Side     Side
	Price    int64
	Qty      int64
	UpdateID uint64
}

// ErrWouldTake is the rejection of a post-only order that would match at once.
var ErrWouldTake = errors.New("order would immediately match and take")

// level is one price of one side: the resting orders in time priority.
type level struct {
	price  int64
	total  int64
	orders []*Order
}

// bookSide is one side of the book. prices is sorted so that the best price
// is last: appending and removing at the top, where most of the activity is,
// shifts nothing.
type bookSide struct {
	buy    bool
	prices []int64
	levels map[int64]*level
}

// better reports whether price a is strictly better than b on this side.
func (s *bookSide) better(a, b int64) bool {
	if s.buy {
		return a > b
	}
	return a < b
}

func (s *bookSide) best() *level {
	if len(s.prices) == 0 {
		return nil
	}
	return s.levels[s.prices[len(s.prices)-1]]
}

func (s *bookSide) get(price int64) *level { return s.levels[price] }

func (s *bookSide) add(price int64) *level {
	if l := s.levels[price]; l != nil {
		return l
	}
	l := &level{price: price}
	s.levels[price] = l
	i := sort.Search(len(s.prices), func(i int) bool { return s.better(s.prices[i], price) })
	s.prices = append(s.prices, 0)
	copy(s.prices[i+1:], s.prices[i:])
	s.prices[i] = price
	return l
}

func (s *bookSide) remove(price int64) {
	delete(s.levels, price)
	i := sort.Search(len(s.prices), func(i int) bool { return !s.better(price, s.prices[i]) })
	if i < len(s.prices) && s.prices[i] == price {
		s.prices = append(s.prices[:i], s.prices[i+1:]...)
	}
}

// Book is the price-time priority limit order book of one symbol. Every
// change of an aggregated level bumps the update id and is recorded as a
// LevelChange, which the caller collects with TakeChanges. A Book is not safe
// for concurrent use.
type Book struct {
	bids, asks bookSide
	orders     map[uint64]*Order
	updateID   uint64
	tradeID    uint64
	orderID    uint64
	changes    []LevelChange
	fills      []Fill
}

// NewBook returns an empty book whose first update, trade and order ids
// will be the ones after the given ones.
func NewBook(updateID, tradeID, orderID uint64) *Book {
	return &Book{
		bids:     bookSide{buy: true, levels: make(map[int64]*level)},
		asks:     bookSide{levels: make(map[int64]*level)},
		orders:   make(map[uint64]*Order),
		updateID: updateID,
		tradeID:  tradeID,
		orderID:  orderID,
	}
}

func (b *Book) side(s Side) *bookSide {
	if s == Buy {
		return &b.bids
	}
	return &b.asks
}

// UpdateID returns the update id of the last change.
func (b *Book) UpdateID() uint64 { return b.updateID }

// Order returns the open order with the given id.
func (b *Book) Order(id uint64) (*Order, bool) {
	o, ok := b.orders[id]
	return o, ok
}

// Best returns the best price of side and the total quantity there.
func (b *Book) Best(s Side) (price, qty int64, ok bool) {
	l := b.side(s).best()
	if l == nil {
		return 0, 0, false
	}
	return l.price, l.total, true
}

// Levels appends to dst up to n aggregated levels of side s, best first, as
// (price, qty) pairs; n < 0 means all.
func (b *Book) Levels(dst [][2]int64, s Side, n int) [][2]int64 {
	bs := b.side(s)
	for i := len(bs.prices) - 1; i >= 0 && n != 0; i-- {
		l := bs.levels[bs.prices[i]]
		dst = append(dst, [2]int64{l.price, l.total})
		n--
	}
	return dst
}

// Depth returns the number of price levels on side s.
func (b *Book) Depth(s Side) int { return len(b.side(s).prices) }

// QtyAt returns the total quantity resting at price on side s.
func (b *Book) QtyAt(s Side, price int64) int64 {
	if l := b.side(s).get(price); l != nil {
		return l.total
	}
	return 0
}

// TakeChanges appends the level changes since the last call to dst and
// forgets them.
func (b *Book) TakeChanges(dst []LevelChange) []LevelChange {
	dst = append(dst, b.changes...)
	b.changes = b.changes[:0]
	return dst
}

func (b *Book) changed(s Side, l *level) {
	b.updateID++
	b.changes = append(b.changes, LevelChange{Side: s, Price: l.price, Qty: l.total, UpdateID: b.updateID})
}

// crosses reports whether a price on side s would match the best opposite.
func (b *Book) crosses(s Side, price int64) bool {
	if s == Buy {
		l := b.asks.best()
		return l != nil && l.price <= price
	}
	l := b.bids.best()
	return l != nil && l.price >= price
}

// WouldTake reports whether an order at price on side s would match at once.
func (b *Book) WouldTake(s Side, price int64) bool { return b.crosses(s, price) }

// Place assigns o an order id and enters it: it matches against the
// opposite side in price-time priority, then rests (GTC) or expires (IOC)
// what is left. A LIMIT_MAKER that would match is rejected with ErrWouldTake
// and changes nothing. The fills returned belong to the book and are valid
// until the next call. o must have Side, Type, TIF, Price and Qty > 0 set;
// its times are set to now (ms).
func (b *Book) Place(o *Order, now int64) ([]Fill, error) {
	b.fills = b.fills[:0]
	if o.Type == LimitMaker && b.crosses(o.Side, o.Price) {
		return nil, ErrWouldTake
	}
	b.orderID++
	o.ID = b.orderID
	o.Status = StatusNew
	o.Created, o.Updated = now, now
	opp := Sell
	if o.Side == Sell {
		opp = Buy
	}
	os := b.side(opp)
	if o.TIF == FOK && b.Available(o.Side, o.Price, o.Type == MarketOrder, o.Qty) < o.Qty {
		o.Status = StatusExpired
		return b.fills, nil
	}
	quoteDone := false
	for o.Remaining() > 0 && !quoteDone {
		l := os.best()
		if l == nil || o.Type != MarketOrder && ((o.Side == Buy && l.price > o.Price) || (o.Side == Sell && l.price < o.Price)) {
			break
		}
		for len(l.orders) > 0 && o.Remaining() > 0 {
			m := l.orders[0]
			q := min(m.Remaining(), o.Remaining())
			if o.QuoteQty > 0 {
				// Fill as close to the quote amount as whole lots allow.
				left, _ := mulDiv(o.QuoteQty-o.Quote, wireUnit, l.price)
				if step := max(o.Step, 1); left%step != 0 {
					left -= left % step
				}
				if left < q {
					q, quoteDone = left, true
				}
				if q <= 0 {
					break
				}
			}
			quote := quoteOf(l.price, q)
			m.Filled += q
			m.Quote += quote
			o.Filled += q
			o.Quote += quote
			l.total -= q
			m.Updated, o.Updated = now, now
			if m.Remaining() == 0 {
				m.Status = StatusFilled
				m.level = nil
				l.orders[0] = nil
				l.orders = l.orders[1:]
				delete(b.orders, m.ID)
			} else {
				m.Status = StatusPartiallyFilled
			}
			b.tradeID++
			b.fills = append(b.fills, Fill{
				TradeID: b.tradeID, Price: l.price, Qty: q, Quote: quote, Maker: m, Taker: o,
				MakerFilled: m.Filled, TakerFilled: o.Filled, MakerQuote: m.Quote, TakerQuote: o.Quote,
			})
		}
		if len(l.orders) == 0 {
			os.remove(l.price)
			l.total = 0
		}
		b.changed(opp, l)
	}
	if quoteDone && o.Filled > 0 {
		o.Qty = o.Filled // a quoteOrderQty order is done once its quote is spent
	}
	switch {
	case o.Remaining() == 0:
		o.Status = StatusFilled
	case o.TIF == IOC || o.TIF == FOK || o.Type == MarketOrder:
		if o.QuoteQty > 0 {
			o.Qty = o.Filled
		}
		o.Status = StatusExpired
	default:
		if o.Filled > 0 {
			o.Status = StatusPartiallyFilled
		}
		ms := b.side(o.Side)
		l := ms.add(o.Price)
		l.orders = append(l.orders, o)
		l.total += o.Remaining()
		o.level = l
		b.orders[o.ID] = o
		b.changed(o.Side, l)
	}
	return b.fills, nil
}

// Available returns how much of qty an order on side s at price (at any
// price when market is set) would match at once, for FOK orders and market
// order checks.
func (b *Book) Available(s Side, price int64, market bool, qty int64) int64 {
	opp := &b.asks
	if s == Sell {
		opp = &b.bids
	}
	var n int64
	for i := len(opp.prices) - 1; i >= 0 && n < qty; i-- {
		p := opp.prices[i]
		if !market && ((s == Buy && p > price) || (s == Sell && p < price)) {
			break
		}
		n += opp.levels[p].total
	}
	return min(n, qty)
}

// Cost returns the quote amount an order on side s for qty would trade at
// once at any price, and the quantity it would get.
func (b *Book) Cost(s Side, qty int64) (quote, got int64) {
	opp := &b.asks
	if s == Sell {
		opp = &b.bids
	}
	for i := len(opp.prices) - 1; i >= 0 && got < qty; i-- {
		l := opp.levels[opp.prices[i]]
		q := min(l.total, qty-got)
		got += q
		quote += quoteOf(l.price, q)
	}
	return quote, got
}

// Amend lowers the quantity of the open order id to qty (which must be
// above what it has filled and below its quantity), keeping its place in
// the queue, as order.amend.keepPriority does.
func (b *Book) Amend(id uint64, qty, now int64) (*Order, bool) {
	o, ok := b.orders[id]
	if !ok || qty <= o.Filled || qty >= o.Qty {
		return nil, false
	}
	l := o.level
	l.total -= o.Qty - qty
	o.Qty = qty
	o.Updated = now
	b.changed(o.Side, l)
	return o, true
}

// Cancel removes the open order id from the book, marks it canceled and
// returns it; it reports false if no such order rests.
func (b *Book) Cancel(id uint64, now int64) (*Order, bool) {
	o, ok := b.orders[id]
	if !ok {
		return nil, false
	}
	delete(b.orders, id)
	l := o.level
	for i, x := range l.orders {
		if x == o {
			l.orders = append(l.orders[:i], l.orders[i+1:]...)
			break
		}
	}
	l.total -= o.Remaining()
	o.level = nil
	o.Status = StatusCanceled
	o.Updated = now
	s := b.side(o.Side)
	if len(l.orders) == 0 {
		s.remove(l.price)
		l.total = 0
	}
	b.changed(o.Side, l)
	return o, true
}

// quoteOf returns price×qty at the wire scale, truncated: the quote amount
// of a trade, exact for prices with at most 8 decimals times quantities of
// whole lots as long as the product has no more than 8 decimals.
func quoteOf(price, qty int64) int64 {
	v, _ := mulDiv(price, qty, wireUnit)
	return v
}
