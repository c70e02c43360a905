package backtest

import (
	"bytes"
	"errors"
	"fmt"
	"math"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/feeds/binance"
	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/risk"
)

// Receiver takes the exchange's answers when they reach the strategy's side. An
// *engine.Engine is one; tests use recorders.
type Receiver interface {
	OnAck(id uint64, now int64)
	OnFill(id uint64, price, qty, fee int64, maker bool, now int64)
	OnCancelled(id uint64, now int64)
	OnRejected(id uint64, reason string, now int64)
}

// The exchange's reasons for rejecting an order. They are constants, so a rejection
// does not allocate.
const (
	RejectPostOnly  = "post-only order would cross"
	RejectNoMarket  = "no market data at the exchange"
	RejectCapacity  = "too many resting orders in the simulator"
	RejectInvalid   = "invalid order"
	RejectDuplicate = "duplicate order id"
)

type rejectReason uint8

const (
	rejPostOnly rejectReason = iota
	rejNoMarket
	rejCapacity
	rejInvalid
	rejDuplicate
	numRejects
)

var rejectText = [numRejects]string{RejectPostOnly, RejectNoMarket, RejectCapacity, RejectInvalid, RejectDuplicate}

// ExchangeConfig is what the simulated exchange needs.
type ExchangeConfig struct {
	Venue      binance.Venue
	Instrument binance.Instrument
	// Lot is the quantity increment; a queue fill is a whole number of lots.
	Lot     int64
	Latency *Latency
	// MakerFeeBps and TakerFeeBps are the fee rates in basis points of the notional;
	// a negative rate is a rebate.
	MakerFeeBps, TakerFeeBps float64
	Queue                    QueueModel
	QueuePower               float64 // PowerLaw's exponent; 0 means 2
	PartialFills             bool
	// MaxOrders is how many orders may rest at once; 0 means 1024.
	MaxOrders int
	// BookCapacity is the levels per side preallocated; 0 means 8192.
	BookCapacity int
	// Account, if not nil, is charged with every fill when it happens at the exchange.
	Account *Account
}

// ExchangeCounters are what the simulated exchange has seen and done.
type ExchangeCounters struct {
	Frames         uint64 // market frames seen at exchange time
	Malformed      uint64 // market frames that failed to decode
	Orders         uint64 // orders that reached the exchange
	Cancels        uint64 // cancels that reached the exchange
	Acks           uint64
	Fills          uint64
	MakerFills     uint64
	TakerFills     uint64
	Cancelled      uint64 // orders cancelled on request
	Expired        uint64 // IOC remainders cancelled by the exchange
	CancelsTooLate uint64 // cancels for orders already filled or gone
	Rejected       [numRejects]uint64
}

// RejectCounts returns the exchange's rejections by reason, in a fixed order,
// leaving out the reasons that never happened.
func (c *ExchangeCounters) RejectCounts() []ReasonCount {
	var out []ReasonCount
	for i, n := range c.Rejected {
		if n > 0 {
			out = append(out, ReasonCount{Reason: rejectText[i], Count: n})
		}
	}
	return out
}

// ReasonCount is a count of rejections for one reason.
type ReasonCount struct {
	Reason string `json:"reason"`
	Count  uint64 `json:"count"`
}

// restingOrder is an order in the simulated exchange's book.
type restingOrder struct {
	id    uint64
	side  orderbook.Side
	price int64
	qty   int64 // remaining
	q     queuePos
	// armed is false for an order that crossed on arrival and rests with its
	// remainder: the recorded book still shows the liquidity it took, so the crossing
	// rule waits until the recorded market has left its price once.
	armed bool
}

// Exchange is the simulated venue. It implements engine.Gateway: the engine's orders
// and cancels enter a queue and reach the exchange after the entry latency; the
// exchange's answers leave through another queue and reach the strategy after the
// response latency. Between the two, the exchange keeps its own book from the same
// recorded frames, seen at exchange time, decoded and synced by the same code the
// engine uses, and matches the orders against it.
//
// Nothing in Place, Cancel, OnMarket or Step allocates in steady state except the
// accounting of a fill (decimal arithmetic, once per fill).
type Exchange struct {
	cfg    ExchangeConfig
	lat    *Latency
	dec    *binance.Decoder
	sync   *binance.Sync
	book   *orderbook.Book
	orders []restingOrder
	entry  fifo // orders and cancels on their way in
	resp   fifo // answers on their way out
	// lastEntry and lastResp keep each direction in order: a connection does not
	// reorder messages, whatever latency each draws.
	lastEntry, lastResp int64
	now                 int64 // exchange clock
	makerE6, takerE6    int64 // fee rates in millionths of a basis point
	makerBps, takerBps  decimal.Decimal
	lot                 int64
	power               float64
	counters            ExchangeCounters
	fills               []fillEntry // every fill, for the report
}

// fillEntry is a fill in the exchange's log, in fixed point.
type fillEntry struct {
	t, price, qty int64
	id            uint64
	side          orderbook.Side
	maker         bool
}

// NewExchange returns a simulated exchange.
func NewExchange(cfg ExchangeConfig) (*Exchange, error) {
	if cfg.Latency == nil {
		return nil, errors.New("backtest: exchange needs a latency model")
	}
	dec, err := exchangeDecoder(cfg.Instrument)
	if err != nil {
		return nil, err
	}
	maker, err := feeE6(cfg.MakerFeeBps)
	if err != nil {
		return nil, fmt.Errorf("backtest: maker fee: %w", err)
	}
	taker, err := feeE6(cfg.TakerFeeBps)
	if err != nil {
		return nil, fmt.Errorf("backtest: taker fee: %w", err)
	}
	switch cfg.Queue {
	case 0:
		cfg.Queue = RiskAverse
	case RiskAverse, PowerLaw:
	default:
		return nil, fmt.Errorf("backtest: unknown queue model %v", cfg.Queue)
	}
	power := cfg.QueuePower
	if power == 0 {
		power = 2
	}
	if math.IsNaN(power) || power < 0 || power > 100 {
		return nil, fmt.Errorf("backtest: queue power %v out of range (0, 100]", power)
	}
	if cfg.MaxOrders <= 0 {
		cfg.MaxOrders = 1024
	}
	if cfg.BookCapacity <= 0 {
		cfg.BookCapacity = 8192
	}
	lot := cfg.Lot
	if lot <= 0 {
		lot = 1
	}
	book := orderbook.New(cfg.BookCapacity)
	return &Exchange{
		cfg:      cfg,
		lat:      cfg.Latency,
		dec:      dec,
		book:     book,
		sync:     binance.NewSync(cfg.Venue, book, binance.SyncConfig{}),
		orders:   make([]restingOrder, 0, cfg.MaxOrders),
		entry:    newFIFO(256),
		resp:     newFIFO(1024),
		makerE6:  maker,
		takerE6:  taker,
		makerBps: decimal.NewFromFloat(cfg.MakerFeeBps),
		takerBps: decimal.NewFromFloat(cfg.TakerFeeBps),
		lot:      lot,
		power:    power,
	}, nil
}

func feeE6(bps float64) (int64, error) {
	if math.IsNaN(bps) || math.IsInf(bps, 0) || bps <= -1e4 || bps >= 1e4 {
		return 0, fmt.Errorf("%v bps out of range (-10000, 10000)", bps)
	}
	return int64(math.Round(bps * 1e6)), nil
}

// Book returns the exchange's own book.
func (x *Exchange) Book() *orderbook.Book { return x.book }

// Sync returns the exchange book's sync machine.
func (x *Exchange) Sync() *binance.Sync { return x.sync }

// Counters returns the exchange's counters.
func (x *Exchange) Counters() ExchangeCounters { return x.counters }

// Resting returns how many orders rest at the exchange.
func (x *Exchange) Resting() int { return len(x.orders) }

// Now returns the exchange's clock.
func (x *Exchange) Now() int64 { return x.now }

// Place sends an order: it reaches the exchange after the entry latency.
func (x *Exchange) Place(o *risk.Order, now int64) error {
	x.lastEntry = max(now+x.lat.Entry(), x.lastEntry)
	x.entry.push(message{due: x.lastEntry, kind: msgPlace, order: *o})
	return nil
}

// Cancel sends a cancel: it reaches the exchange after the entry latency.
func (x *Exchange) Cancel(id uint64, now int64) error {
	x.lastEntry = max(now+x.lat.Entry(), x.lastEntry)
	x.entry.push(message{due: x.lastEntry, kind: msgCancel, order: risk.Order{ID: id}})
	return nil
}

// NextDue returns the due time of the next message in flight, and false if there is
// none. At equal times an arrival at the exchange comes before a response.
func (x *Exchange) NextDue() (int64, bool) {
	switch {
	case x.entry.len() > 0 && x.resp.len() > 0:
		return min(x.entry.peek().due, x.resp.peek().due), true
	case x.entry.len() > 0:
		return x.entry.peek().due, true
	case x.resp.len() > 0:
		return x.resp.peek().due, true
	}
	return 0, false
}

// Step handles the next message in flight: an order or cancel arriving at the
// exchange, or an answer delivered to r. It reports false if nothing was in flight.
func (x *Exchange) Step(r Receiver) bool {
	useEntry := x.entry.len() > 0 && (x.resp.len() == 0 || x.entry.peek().due <= x.resp.peek().due)
	if useEntry {
		m := x.entry.pop()
		x.now = max(x.now, m.due)
		if m.kind == msgPlace {
			x.arrive(&m.order)
		} else {
			x.arriveCancel(m.order.ID)
		}
		return true
	}
	if x.resp.len() == 0 {
		return false
	}
	m := x.resp.pop()
	switch m.kind {
	case msgAck:
		r.OnAck(m.order.ID, m.due)
	case msgFill:
		r.OnFill(m.order.ID, m.price, m.qty, m.fee, m.maker, m.due)
	case msgCancelled:
		r.OnCancelled(m.order.ID, m.due)
	case msgRejected:
		r.OnRejected(m.order.ID, m.reason, m.due)
	}
	return true
}

// RunUntil handles every message in flight due at or before t, in order, including
// those that the answers cause.
func (x *Exchange) RunUntil(t int64, r Receiver) {
	for {
		due, ok := x.NextDue()
		if !ok || due > t {
			return
		}
		x.Step(r)
	}
}

func (x *Exchange) respond(m message) {
	x.lastResp = max(x.now+x.lat.Response(), x.lastResp)
	m.due = x.lastResp
	x.resp.push(m)
}

func (x *Exchange) reject(id uint64, why rejectReason) {
	x.counters.Rejected[why]++
	x.respond(message{kind: msgRejected, order: risk.Order{ID: id}, reason: rejectText[why]})
}

// OnMarket applies one recorded frame to the exchange's book at exchange time t and
// matches the resting orders against what it shows.
func (x *Exchange) OnMarket(frame []byte, t int64) {
	if bookTicker(frame) {
		x.onEvent(&tickerEvent, false, t) // the exchange's book is kept from depth; its ticker adds nothing
		return
	}
	ev, err := x.dec.Decode(frame)
	x.onEvent(ev, err != nil, t)
}

// tickerEvent stands for a bookTicker frame, which the exchange counts and skips.
var tickerEvent = binance.Event{Kind: binance.KindBookTicker}

// exchangeDecoder returns a decoder set up as the exchange's own: a frame decoded by it
// ahead of the replay (see predecoder) is what OnMarket would have decoded.
func exchangeDecoder(inst binance.Instrument) (*binance.Decoder, error) {
	dec, err := binance.NewDecoder(inst)
	if err != nil {
		return nil, fmt.Errorf("backtest: %w", err)
	}
	dec.Ignore(binance.KindBookTicker) // the exchange matches against depth and trades only
	return dec, nil
}

// onEvent is OnMarket after decoding: ev is the frame's event, unless malformed.
func (x *Exchange) onEvent(ev *binance.Event, malformed bool, t int64) {
	x.now = max(x.now, t)
	x.counters.Frames++
	if malformed {
		x.counters.Malformed++
		return
	}
	switch ev.Kind {
	case binance.KindDepth:
		before := x.sync.Counters().Applied
		_ = x.sync.OnDepth(&ev.Depth, x.now) // a gap shows as an invalid book
		switch x.sync.Counters().Applied - before {
		case 0:
			return
		case 1:
			x.depthApplied(&ev.Depth)
		default:
			x.refreshLevels()
		}
		x.crossed()
	case binance.KindSnapshot:
		x.sync.OnSnapshot(&ev.Snapshot, x.now)
		x.refreshLevels()
		x.crossed()
	case binance.KindTrade, binance.KindAggTrade:
		x.trade(&ev.Trade)
	}
}

// bookTicker reports whether frame is a combined-stream bookTicker message, without
// decoding it. (A bare bookTicker frame is decoded and ignored.)
func bookTicker(frame []byte) bool {
	const prefix = `{"stream":"`
	if !bytes.HasPrefix(frame, []byte(prefix)) {
		return false
	}
	name := frame[len(prefix):min(len(frame), len(prefix)+64)]
	end := bytes.IndexByte(name, '"')
	return end > 0 && bytes.HasSuffix(name[:end], []byte("@bookTicker"))
}

// levelQty returns the quantity the exchange's book shows at price on side.
func (x *Exchange) levelQty(side orderbook.Side, price int64) int64 {
	for i := 0; ; i++ {
		lv, ok := x.book.Level(side, i)
		if !ok {
			return 0
		}
		if lv.Price == price {
			return lv.Qty
		}
		if (side == orderbook.Bid && lv.Price < price) || (side == orderbook.Ask && lv.Price > price) {
			return 0
		}
	}
}

// depthApplied updates the queue estimate of each order whose level the event changed.
func (x *Exchange) depthApplied(d *binance.DepthUpdate) {
	for i := range x.orders {
		o := &x.orders[i]
		levels := d.Bids
		if o.side == orderbook.Ask {
			levels = d.Asks
		}
		found, qty := false, int64(0)
		for _, lv := range levels {
			if lv.Price == o.price {
				found, qty = true, lv.Qty
			}
		}
		if found {
			o.q.onDepth(x.cfg.Queue, x.power, qty)
		}
	}
}

// refreshLevels re-reads every order's level after a snapshot replaced the book.
func (x *Exchange) refreshLevels() {
	for i := range x.orders {
		o := &x.orders[i]
		o.q.onDepth(x.cfg.Queue, x.power, x.levelQty(o.side, o.price))
	}
}

// crossed fills every armed order that the other side of the book has moved through:
// the market traded at the order's price or better, so the order was taken.
func (x *Exchange) crossed() {
	if !x.book.Valid() {
		return
	}
	bid, _ := x.book.Best(orderbook.Bid)
	ask, _ := x.book.Best(orderbook.Ask)
	for i := 0; i < len(x.orders); {
		o := &x.orders[i]
		var through bool
		if o.side == orderbook.Bid {
			through = ask.Price <= o.price
		} else {
			through = bid.Price >= o.price
		}
		if !through {
			o.armed = true
			i++
			continue
		}
		if !o.armed {
			i++
			continue
		}
		if x.fillResting(i, o.qty) {
			continue // removed: the next order moved into i
		}
		i++
	}
}

// trade matches a public trade against the resting orders on the side it hit.
func (x *Exchange) trade(t *binance.Trade) {
	// The aggressor sold into the bids when the buyer was the maker.
	hit := orderbook.Ask
	if t.BuyerMaker {
		hit = orderbook.Bid
	}
	for i := 0; i < len(x.orders); {
		o := &x.orders[i]
		if o.side != hit {
			i++
			continue
		}
		through := (hit == orderbook.Bid && t.Price < o.price) || (hit == orderbook.Ask && t.Price > o.price)
		var qty int64
		switch {
		case through:
			qty = o.qty
		case t.Price == o.price:
			o.q.onTrade(t.Qty)
			if past := o.q.executable(x.lot); past > 0 {
				qty = o.qty
				if x.cfg.PartialFills {
					qty = min(past, o.qty)
					o.q.front += float64(qty)
				}
			}
		}
		if qty > 0 && x.fillResting(i, qty) {
			continue
		}
		i++
	}
}

// fillResting fills qty of the i-th resting order at its price, as maker, and reports
// whether the order finished and was removed.
func (x *Exchange) fillResting(i int, qty int64) bool {
	o := &x.orders[i]
	x.fill(o.id, o.side, o.price, qty, true)
	o.qty -= qty
	if o.qty > 0 {
		return false
	}
	x.orders = append(x.orders[:i], x.orders[i+1:]...)
	return true
}

// fill charges the fee, books the fill and sends it to the strategy. The engine's fee
// is in price units, truncated toward zero; the account books the exact fee.
func (x *Exchange) fill(id uint64, side orderbook.Side, price, qty int64, maker bool) {
	rate, bps := x.takerE6, x.takerBps
	if maker {
		rate, bps = x.makerE6, x.makerBps
		x.counters.MakerFills++
	} else {
		x.counters.TakerFills++
	}
	x.counters.Fills++
	x.fills = append(x.fills, fillEntry{t: x.now, price: price, qty: qty, id: id, side: side, maker: maker})
	fee := Fee(price, qty, rate, x.cfg.Instrument.QtyScale)
	if a := x.cfg.Account; a != nil {
		a.Fill(side, price, qty, bps, maker)
	}
	x.respond(message{kind: msgFill, order: risk.Order{ID: id}, price: price, qty: qty, fee: fee, maker: maker})
}

// fillLog returns the fills made so far as report records.
func (x *Exchange) fillLog(priceScale, qtyScale fixed.Scale) []FillRecord {
	out := make([]FillRecord, len(x.fills))
	for i, f := range x.fills {
		p, q := priceScale.Decimal(f.price), qtyScale.Decimal(f.qty)
		bps, side := x.takerBps, "buy"
		if f.maker {
			bps = x.makerBps
		}
		if f.side == orderbook.Ask {
			side = "sell"
		}
		out[i] = FillRecord{Time: f.t, OrderID: f.id, Side: side, Price: p, Qty: q, Fee: p.Mul(q).Mul(bps).Shift(-4), Maker: f.maker}
	}
	return out
}

// Fee returns the fee of a fill of qty at price, in price units, at rate millionths of
// a basis point, truncated toward zero (a rebate is negative).
func Fee(price, qty, rateE6 int64, qtyScale fixed.Scale) int64 {
	notional, ok := fixed.MulDiv(price, qty, qtyScale.Unit())
	if !ok {
		return 0
	}
	fee, ok := fixed.MulDiv(notional, rateE6, 1e10)
	if !ok {
		return 0
	}
	return fee
}

// arrive handles an order reaching the exchange.
func (x *Exchange) arrive(o *risk.Order) {
	x.counters.Orders++
	if o.Qty <= 0 || o.Price <= 0 || (o.Side != orderbook.Bid && o.Side != orderbook.Ask) {
		x.reject(o.ID, rejInvalid)
		return
	}
	for i := range x.orders {
		if x.orders[i].id == o.ID {
			x.reject(o.ID, rejDuplicate)
			return
		}
	}
	if !x.book.Valid() {
		x.reject(o.ID, rejNoMarket)
		return
	}
	opp := o.Side.Opposite()
	best, _ := x.book.Best(opp)
	crosses := (o.Side == orderbook.Bid && best.Price <= o.Price) || (o.Side == orderbook.Ask && best.Price >= o.Price)
	if crosses && o.PostOnly {
		x.reject(o.ID, rejPostOnly)
		return
	}
	if !o.IOC && len(x.orders) == cap(x.orders) {
		x.reject(o.ID, rejCapacity)
		return
	}
	x.counters.Acks++
	x.respond(message{kind: msgAck, order: risk.Order{ID: o.ID}})
	left := o.Qty
	if crosses {
		// Take the levels the order crosses, at their prices, up to its quantity. The
		// recorded book does not know about this order: the levels it took are still
		// there for the next order (no market impact is modelled).
		for i := 0; left > 0; i++ {
			lv, ok := x.book.Level(opp, i)
			if !ok || (o.Side == orderbook.Bid && lv.Price > o.Price) || (o.Side == orderbook.Ask && lv.Price < o.Price) {
				break
			}
			take := min(left, lv.Qty)
			if take <= 0 {
				continue
			}
			x.fill(o.ID, o.Side, lv.Price, take, false)
			left -= take
		}
	}
	if left == 0 {
		return
	}
	if o.IOC {
		x.counters.Expired++
		x.respond(message{kind: msgCancelled, order: risk.Order{ID: o.ID}})
		return
	}
	var ahead int64
	if !crosses {
		ahead = x.levelQty(o.Side, o.Price)
	}
	x.orders = append(x.orders, restingOrder{
		id: o.ID, side: o.Side, price: o.Price, qty: left,
		q:     queuePos{front: float64(ahead), level: ahead},
		armed: !crosses,
	})
}

// arriveCancel handles a cancel reaching the exchange.
func (x *Exchange) arriveCancel(id uint64) {
	x.counters.Cancels++
	for i := range x.orders {
		if x.orders[i].id == id {
			x.orders = append(x.orders[:i], x.orders[i+1:]...)
			x.counters.Cancelled++
			x.respond(message{kind: msgCancelled, order: risk.Order{ID: id}})
			return
		}
	}
	// Filled (the fill is on its way) or already gone: the venue answers with an
	// error that the engine has no use for; it is counted.
	x.counters.CancelsTooLate++
}
