package backtest

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/md"
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
	// RejectReduceOnly and the modify reasons are in orderkinds.go.
)

type rejectReason uint8

const (
	rejPostOnly rejectReason = iota
	rejNoMarket
	rejCapacity
	rejInvalid
	rejDuplicate
	rejReduceOnly
	numRejects
)

var rejectText = [numRejects]string{RejectPostOnly, RejectNoMarket, RejectCapacity, RejectInvalid, RejectDuplicate, RejectReduceOnly}

// ExchangeConfig is what the simulated exchange needs.
type ExchangeConfig struct {
	// Instrument is the instrument the exchange trades: its quantity scale prices
	// the fees, and its venue's feed decodes the frames OnMarket is given.
	Instrument instrument.Spec
	// NewFeed builds the feed that decodes OnMarket's frames (venues.NewFeed). The
	// backtester's replay hands the exchange applied events instead and needs none.
	NewFeed md.NewFeed
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
	// OrderLog keeps a record of every order sent (Report.OrderLog): it grows with the
	// orders, about 100 bytes each during the run and 200 in the report.
	OrderLog bool
	// ModifyRule is the queue rule of an in-place modify (orderkinds.go); zero means the
	// venue's: USD-M requeues every modified order, Spot has no modify.
	ModifyRule instrument.ModifyPriority

	// book, if set, is the book to keep instead of a new one: a lockstep run's
	// shared book (see RunFramesLockstep), which spares it allocating one of its own.
	book *orderbook.Book
}

// ExchangeCounters are what the simulated exchange has seen and done.
type ExchangeCounters struct {
	Frames         uint64 // market frames seen at exchange time
	Malformed      uint64 // market frames that failed to decode
	Gaps           uint64 // breaks in the venue's sequence the feed found
	Orders         uint64 // orders that reached the exchange
	Cancels        uint64 // cancels that reached the exchange
	Acks           uint64
	Fills          uint64
	MakerFills     uint64
	TakerFills     uint64
	Cancelled      uint64 // orders cancelled on request
	Expired        uint64 // IOC remainders cancelled by the exchange
	CancelsTooLate uint64 // cancels for orders already filled or gone
	// Modifies reached the exchange; ModifiesApplied changed an order in place,
	// ModifiesRejected found none to change (or the venue has no modify).
	Modifies, ModifiesApplied, ModifiesRejected uint64
	Rejected                                    [numRejects]uint64
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

// FillCause says why the simulated exchange filled an order.
type FillCause uint8

// The causes of a fill. A resting order fills as maker by the first three; an order
// that crosses the book when it arrives takes liquidity as taker.
const (
	// CauseQueue: trades at the order's price used up the quantity estimated ahead of
	// it in the level's queue, and traded past its place.
	CauseQueue FillCause = iota + 1
	// CauseTradeThrough: a trade printed through the order's price (a sell below our
	// bid, a buy above our ask), so every order at our price was taken.
	CauseTradeThrough
	// CauseBookCrossed: the exchange book's other side moved to or through the order's
	// price.
	CauseBookCrossed
	// CauseTaker: the order crossed the book on arrival and took the levels it crossed.
	CauseTaker
)

// String returns the cause's name in the report: queue, trade_through, book_crossed
// or taker.
func (c FillCause) String() string {
	switch c {
	case CauseQueue:
		return "queue"
	case CauseTradeThrough:
		return "trade_through"
	case CauseBookCrossed:
		return "book_crossed"
	case CauseTaker:
		return "taker"
	}
	return fmt.Sprintf("FillCause(%d)", uint8(c))
}

// restingOrder is an order in the simulated exchange's book.
type restingOrder struct {
	id    uint64
	side  orderbook.Side
	price int64
	qty   int64 // remaining
	q     queuePos
	// ahead0 is the quantity ahead when the order joined its level's queue, and log
	// its index in the exchange's order log.
	ahead0 int64
	log    int
	sent   int64 // when the engine sent it
	// armed is false for an order that crossed on arrival and rests with its
	// remainder: the recorded book still shows the liquidity it took, so the crossing
	// rule waits until the recorded market has left its price once.
	armed bool
	// filled is what has filled so far (a modify names a new total quantity);
	// postOnly and reduceOnly are the order's options, which a modify keeps.
	filled               int64
	postOnly, reduceOnly bool
}

// Exchange is the simulated venue. It implements engine.Gateway: the engine's orders
// and cancels enter a queue and reach the exchange after the entry latency; the
// exchange's answers leave through another queue and reach the strategy after the
// response latency. Between the two, the exchange keeps its own book from the same
// recorded frames, seen at exchange time, decoded and synced by the same venue feed
// the engine uses (their applied events, see md.Replay), and matches the orders
// against it.
//
// Nothing in Place, Cancel, OnMarket or Step allocates in steady state except the
// accounting of a fill (decimal arithmetic, once per fill).
type Exchange struct {
	cfg  ExchangeConfig
	lat  *Latency
	dec  *eventDecoder // OnMarket's; nil without ExchangeConfig.NewFeed
	d    decoded
	lv   []orderbook.Level
	ev   md.Event
	book *orderbook.Book
	// ownTop is the book's top, when the book is the exchange's own (see top).
	ownTop bookTop
	// view, if set, stands for book, which the exchange then does not keep (see exView);
	// inEvent says onEvent is applying an event, which the view's depth then has.
	view    *exView
	inEvent bool
	orders  []restingOrder
	entry   fifo // orders and cancels on their way in
	resp    fifo // answers on their way out
	// lastEntry and lastResp keep each direction in order: a connection does not
	// reorder messages, whatever latency each draws.
	lastEntry, lastResp int64
	now                 int64 // exchange clock
	makerE6, takerE6    int64 // fee rates in millionths of a basis point
	makerBps, takerBps  decimal.Decimal
	lot                 int64
	power               float64
	counters            ExchangeCounters
	fills               []fillEntry  // every fill, for the report
	olog                []orderEntry // every order sent, for the report, if kept
	scratch             orderEntry   // written instead of an entry when the log is not kept
	// markouts holds, per horizon, the indexes of the fills whose mid after that
	// horizon is still to be read, in time order.
	markouts [numMarkouts]intQueue
	touch    touchClock
	pos      int64 // the exchange's position from its fills, for reduce-only
	// closed is set when a fill closed or flipped the position: the resting
	// reduce-only orders that can no longer reduce it expire (expireReduceOnly).
	closed bool

	// feeCarry passes the fills' fees on to the engine in price units, their exact
	// total rounded once (see engineFee); feeDiv scales a quantity times a rate to
	// its fine units.
	feeCarry fixed.Carry
	feeDiv   int64

	// shared, if set, is the set of books book belongs to, shared with other runs'
	// exchanges that replay the same events in lockstep; seq is the number of the
	// event onEvent is applying, and before says advance must read the book's mid as
	// it was before that event (see onEvent).
	shared *sharedBooks
	seq    uint64
	before bool

	// markoutDue is when the first of the markouts' queues comes due: advance looks at
	// them only from then (MaxInt64 when they are empty; 0 at first, before any look).
	markoutDue int64
}

// Markouts are read at these delays after each fill, on the exchange's clock.
const numMarkouts = 3

// MarkoutHorizons are the delays after a fill at which the exchange reads its book's
// mid, for the markouts (adverse selection) of the report.
var MarkoutHorizons = [numMarkouts]int64{int64(100 * time.Millisecond), int64(time.Second), int64(10 * time.Second)}

// fillEntry is a fill in the exchange's log, in fixed point.
type fillEntry struct {
	t, price, qty int64
	id            uint64
	side          orderbook.Side
	maker         bool
	cause         FillCause
	// aheadPlace and aheadFill are the queue estimates (quantity ahead) when the order
	// joined its level and just before the event that filled it; 0 for a taker fill.
	aheadPlace, aheadFill int64
	sent                  int64 // when the engine sent the order
	recv                  int64 // when the strategy receives the fill
	// mid2 is twice the exchange book's mid at the fill (0 if the book had no mid),
	// and after the mid2 at each markout horizon, 0 until read.
	mid2  int64
	after [numMarkouts]int64
}

// orderEntry is an order in the exchange's log, from the moment the engine sent it.
type orderEntry struct {
	id                          uint64
	side                        orderbook.Side
	postOnly, ioc               bool
	fok, reduceOnly             bool
	modified                    int // modifies that reached the order
	status                      OrderStatus
	reason                      rejectReason
	price, qty, filled          int64
	sent, arrived, acked, ended int64 // 0 when it did not happen
	aheadPlace                  int64
}

// OrderStatus is where an order ended, as the exchange saw it.
type OrderStatus uint8

// The statuses of an order in the report's order log.
const (
	StatusInFlight OrderStatus = iota // sent, not yet at the exchange when the data ended
	StatusResting                     // resting at the end of the data
	StatusFilled
	StatusCancelled // cancelled on request (possibly after partial fills)
	StatusExpired   // an IOC remainder, cancelled by the exchange
	StatusRejected
)

// String returns the status's name in the report.
func (s OrderStatus) String() string {
	switch s {
	case StatusInFlight:
		return "in_flight"
	case StatusResting:
		return "resting"
	case StatusFilled:
		return "filled"
	case StatusCancelled:
		return "cancelled"
	case StatusExpired:
		return "expired"
	case StatusRejected:
		return "rejected"
	}
	return fmt.Sprintf("OrderStatus(%d)", uint8(s))
}

// intQueue is a FIFO of fill indexes; it grows with the fills in flight, not with
// the data.
type intQueue struct {
	buf  []int
	head int
}

func (q *intQueue) push(i int) {
	if q.head > 0 && 2*q.head >= len(q.buf) {
		n := copy(q.buf, q.buf[q.head:])
		q.buf, q.head = q.buf[:n], 0
	}
	q.buf = append(q.buf, i)
}

func (q *intQueue) empty() bool { return q.head == len(q.buf) }
func (q *intQueue) peek() int   { return q.buf[q.head] }
func (q *intQueue) pop()        { q.head++ }

// touchClock accumulates, on the exchange's clock, how long the strategy had an order
// resting on each side, and how long one of them was at the touch: at or better than
// the exchange book's best price on its side.
type touchClock struct {
	since                        int64
	started                      bool
	resting, atTouch             [2]bool
	restingNs, atTouchNs, bookNs [2]int64
	valid                        bool
}

// NewExchange returns a simulated exchange.
func NewExchange(cfg ExchangeConfig) (*Exchange, error) {
	if cfg.Latency == nil {
		return nil, errors.New("backtest: exchange needs a latency model")
	}
	var dec *eventDecoder
	if cfg.NewFeed != nil {
		var err error
		if dec, err = newEventDecoder(cfg.NewFeed, &cfg.Instrument, cfg.BookCapacity); err != nil {
			return nil, err
		}
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
	book := cfg.book
	if book == nil {
		book = orderbook.New(cfg.BookCapacity)
	}
	// A fee is price × qty × rate / (10^qs × 10^10) price units: fine units of
	// 10^-(qs+10) hold it exactly, up to the 10^-18 a Carry holds (qs ≤ 8); a finer
	// quantity scale gives up its last digits of fee (dividing qty × rate by feeDiv).
	feeDigits, feeDiv := cfg.Instrument.QtyScale+10, int64(1)
	if feeDigits > fixed.MaxScale {
		feeDiv = (feeDigits - fixed.MaxScale).Unit()
		feeDigits = fixed.MaxScale
	}
	return &Exchange{
		feeCarry: fixed.NewCarry(feeDigits),
		feeDiv:   feeDiv,
		cfg:      cfg,
		lat:      cfg.Latency,
		dec:      dec,
		book:     book,
		ownTop:   topOf(book),
		orders:   make([]restingOrder, 0, cfg.MaxOrders),
		fills:    make([]fillEntry, 0, 1024),
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

// Book returns the exchange's own book. An exchange in a replay that kept none (see
// exView) builds it then, and keeps it from then on.
func (x *Exchange) Book() *orderbook.Book {
	x.materialize()
	return x.book
}

// Gaps returns the breaks in the venue's sequence seen in the market data.
func (x *Exchange) Gaps() uint64 { return x.counters.Gaps }

// Counters returns the exchange's counters.
func (x *Exchange) Counters() ExchangeCounters { return x.counters }

// Resting returns how many orders rest at the exchange.
func (x *Exchange) Resting() int { return len(x.orders) }

// Now returns the exchange's clock.
func (x *Exchange) Now() int64 { return x.now }

// Place sends an order: it reaches the exchange after the entry latency.
func (x *Exchange) Place(o *risk.Order, now int64) error {
	x.lastEntry = max(now+x.lat.Entry(), x.lastEntry)
	log := -1
	if x.cfg.OrderLog {
		x.olog = append(x.olog, orderEntry{id: o.ID, side: o.Side, postOnly: o.PostOnly, ioc: o.IOC, fok: o.FOK, reduceOnly: o.ReduceOnly,
			price: o.Price, qty: o.Qty, sent: now})
		log = len(x.olog) - 1
	}
	x.entry.push(message{due: x.lastEntry, kind: msgPlace, order: *o, log: log, sent: now})
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
		x.advance(m.due)
		switch m.kind {
		case msgPlace:
			x.arrive(&m.order, m.log, m.sent)
		case msgModify:
			x.arriveModify(&m.order)
		default:
			x.arriveCancel(m.order.ID)
		}
		x.expireReduceOnly()
		x.touchUpdate()
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
	case msgModified, msgModifyRejected:
		deliverModify(r, &m)
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

func (x *Exchange) reject(id uint64, why rejectReason, log int) {
	x.counters.Rejected[why]++
	e := x.entryOf(log)
	e.status, e.reason, e.ended = StatusRejected, why, x.now
	x.respond(message{kind: msgRejected, order: risk.Order{ID: id}, reason: rejectText[why]})
}

// OnMarket applies one recorded frame to the exchange's book at exchange time t and
// matches the resting orders against what it shows. It needs ExchangeConfig.NewFeed;
// without it every frame counts as malformed.
func (x *Exchange) OnMarket(frame []byte, t int64) {
	if x.dec == nil {
		x.d = decoded{flags: decMalformed}
		x.onEvent(&x.d, nil, t)
		return
	}
	x.lv = x.dec.decode(frame, t, &x.d, x.lv[:0])
	x.onEvent(&x.d, x.lv, t)
}

// onEvent applies one frame's applied event d, with its levels lv, at exchange time t.
func (x *Exchange) onEvent(d *decoded, lv []orderbook.Level, t int64) {
	if s := x.shared; s != nil {
		if s.exSeq == x.seq && x.seq != 0 {
			// Another run's exchange applied this event to the shared book already:
			// what reads the book before the event reads it as it was.
			x.before = true
		} else {
			s.mid2Before = x.mid2()
		}
	}
	x.advance(t)
	x.before = false
	x.counters.Frames++
	if d.malformed() {
		x.counters.Malformed++
		return
	}
	if d.kind == md.None {
		return
	}
	if x.view != nil && changesBook(d.kind) {
		x.ownTop = d.top() // the top the event leaves, read off the producer's book
	}
	x.inEvent = true // the view's depth then has the event
	x.applyEvent(d.event(&x.ev, lv), d.gap())
	x.inEvent = false
	x.expireReduceOnly()
	x.touchUpdate()
}

// applyEvent applies an applied event to the exchange's book and matches.
func (x *Exchange) applyEvent(ev *md.Event, gap bool) {
	if gap {
		x.counters.Gaps++
	}
	switch ev.Kind {
	case md.Depth:
		x.replay(ev)
		switch ev.Applied {
		case 0:
			return
		case 1:
			x.depthApplied(ev.Bids, ev.Asks)
		default:
			x.refreshLevels()
		}
		x.crossed()
	case md.Snapshot:
		x.replay(ev)
		x.refreshLevels()
		x.crossed()
	case md.StatusChange:
		x.replay(ev)
	case md.Trade:
		x.trade(&ev.Trade)
	}
}

// replay applies ev to the exchange's book, unless the book is shared with other runs'
// exchanges and one of them applied it already.
func (x *Exchange) replay(ev *md.Event) {
	if x.view != nil {
		return // no book of its own: onEvent took the top
	}
	if s := x.shared; s != nil {
		if s.exSeq == x.seq && x.seq != 0 {
			return
		}
		s.exSeq = x.seq
	}
	md.Replay(x.book, ev, x.now)
	*x.top() = topOf(x.book)
}

// bookTop is what of the exchange's book its matching reads after every event: whether
// it is valid, and its best levels and mid. It changes only when an event is replayed
// into the book (Exchange.replay), so it is taken there once, and for all the runs
// sharing the book in lockstep, rather than read again from the book by each run.
type bookTop struct {
	valid    bool
	bid, ask int64 // the best prices, when valid
	mid      int64 // the book's Mid, when valid
}

// topOf reads book's top.
func topOf(book *orderbook.Book) bookTop {
	t := bookTop{valid: book.Valid()}
	if t.valid {
		bid, _ := book.Best(orderbook.Bid)
		ask, _ := book.Best(orderbook.Ask)
		t.bid, t.ask = bid.Price, ask.Price
		t.mid, _ = book.Mid()
	}
	return t
}

// top returns the top of the exchange's book: the shared book's when it has one.
func (x *Exchange) top() *bookTop {
	if x.shared != nil {
		return &x.shared.top
	}
	return &x.ownTop
}

// validMid returns the book's mid when the book is valid.
func (x *Exchange) validMid() (int64, bool) {
	t := x.top()
	return t.mid, t.valid
}

// advance moves the exchange's clock to t. Before it does, the markouts due by t read
// the mid the book shows (the one in force until the event at t), and the time since
// the last event is added to the quoting and touch clocks.
func (x *Exchange) advance(t int64) {
	if t <= x.now && x.touch.started {
		return
	}
	if t >= x.markoutDue {
		mid2 := int64(-1)
		x.markoutDue = math.MaxInt64
		for h := range x.markouts {
			q := &x.markouts[h]
			for !q.empty() {
				if mid2 < 0 {
					mid2 = x.mid2()
				}
				f := &x.fills[q.peek()]
				if due := f.t + MarkoutHorizons[h]; due > t {
					x.markoutDue = min(x.markoutDue, due)
					break
				}
				f.after[h] = mid2
				q.pop()
			}
		}
	}
	tc := &x.touch
	if tc.started {
		d := max(t, x.now) - tc.since
		for s := range 2 {
			if tc.valid {
				tc.bookNs[s] += d
			}
			if tc.resting[s] {
				tc.restingNs[s] += d
			}
			if tc.atTouch[s] {
				tc.atTouchNs[s] += d
			}
		}
	}
	tc.started = true
	x.now = max(x.now, t)
	tc.since = x.now
}

// mid2 returns twice the exchange book's mid (bid + ask), or 0 when it has none.
func (x *Exchange) mid2() int64 {
	if x.before {
		return x.shared.mid2Before
	}
	t := x.top()
	if !t.valid { // a valid book has both sides
		return 0
	}
	return t.bid + t.ask
}

// touchUpdate records, after an event, which sides have an order resting and which
// have one at or better than the book's best price on its side.
func (x *Exchange) touchUpdate() {
	tc := &x.touch
	top := x.top()
	tc.valid = top.valid
	var best [2]int64
	var ok [2]bool
	if tc.valid {
		best, ok = [2]int64{top.bid, top.ask}, [2]bool{true, true}
	}
	tc.resting, tc.atTouch = [2]bool{}, [2]bool{}
	for i := range x.orders {
		o := &x.orders[i]
		tc.resting[o.side] = true
		if ok[o.side] && ((o.side == orderbook.Bid && o.price >= best[o.side]) || (o.side == orderbook.Ask && o.price <= best[o.side])) {
			tc.atTouch[o.side] = true
		}
	}
}

// TouchTimes returns, per side (indexed by orderbook.Side), how long the exchange's
// book was valid, how long the strategy had an order resting, and how long one was at
// the touch, in ns of exchange time.
func (x *Exchange) TouchTimes() (book, resting, atTouch [2]int64) {
	return x.touch.bookNs, x.touch.restingNs, x.touch.atTouchNs
}

// levelQty returns the quantity the exchange's book shows at price on side.
func (x *Exchange) levelQty(side orderbook.Side, price int64) int64 {
	if x.view == nil {
		return x.book.QtyAt(side, price) // one lookup, not a walk from the best
	}
	it := x.levels(side)
	for {
		lv, ok := it.next()
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
func (x *Exchange) depthApplied(bids, asks []orderbook.Level) {
	for i := range x.orders {
		o := &x.orders[i]
		levels := bids
		if o.side == orderbook.Ask {
			levels = asks
		}
		found, qty := false, int64(0)
		for j := len(levels) - 1; j >= 0; j-- { // the last level at the price is the one in force
			if levels[j].Price == o.price {
				found, qty = true, levels[j].Qty
				break
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
	top := x.top()
	if !top.valid {
		return
	}
	bid, ask := top.bid, top.ask
	for i := 0; i < len(x.orders); {
		o := &x.orders[i]
		var through bool
		if o.side == orderbook.Bid {
			through = ask <= o.price
		} else {
			through = bid >= o.price
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
		if x.fillResting(i, o.qty, CauseBookCrossed, o.q.front) {
			continue // removed: the next order moved into i
		}
		i++
	}
}

// trade matches a public trade against the resting orders on the side it hit.
func (x *Exchange) trade(t *md.PublicTrade) {
	// A buyer taking liquidity hits the asks, a seller the bids.
	hit := t.Aggressor.Opposite()
	for i := 0; i < len(x.orders); {
		o := &x.orders[i]
		if o.side != hit {
			i++
			continue
		}
		through := (hit == orderbook.Bid && t.Price < o.price) || (hit == orderbook.Ask && t.Price > o.price)
		var qty int64
		ahead, cause := o.q.front, CauseTradeThrough
		switch {
		case through:
			qty = o.qty
		case t.Price == o.price:
			cause = CauseQueue
			o.q.onTrade(t.Qty)
			if past := o.q.executable(x.lot); past > 0 {
				qty = o.qty
				if x.cfg.PartialFills {
					qty = min(past, o.qty)
					o.q.front += float64(qty)
				}
			}
		}
		if qty > 0 && x.fillResting(i, qty, cause, ahead) {
			continue
		}
		i++
	}
}

// fillResting fills qty of the i-th resting order at its price, as maker, for cause,
// with ahead the queue estimate before the event that filled it, and reports whether
// the order finished and was removed.
func (x *Exchange) fillResting(i int, qty int64, cause FillCause, ahead float64) bool {
	o := &x.orders[i]
	if o.reduceOnly {
		// Never more than closes the position; closed, the order has nothing to do.
		if qty = min(qty, x.reducible(o.side)); qty == 0 {
			x.cancelResting(i, StatusExpired)
			return true
		}
	}
	x.fill(o.id, o.side, o.price, qty, true, cause, o.log, o.sent, o.ahead0, aheadQty(ahead))
	o.qty -= qty
	o.filled += qty
	if o.qty > 0 {
		return false
	}
	x.entryOf(o.log).status, x.entryOf(o.log).ended = StatusFilled, x.now
	x.orders = append(x.orders[:i], x.orders[i+1:]...)
	return true
}

// entryOf returns the order log's entry at index log, or a scratch entry that nobody
// reads when the log is not kept (log is then -1).
func (x *Exchange) entryOf(log int) *orderEntry {
	if log < 0 {
		return &x.scratch
	}
	return &x.olog[log]
}

// aheadQty rounds a queue estimate to quantity units; an estimate below zero (the
// quantity that traded past the order) is no quantity ahead.
func aheadQty(front float64) int64 {
	if !(front > 0) {
		return 0
	}
	return int64(math.Round(front))
}

// fill charges the fee, books the fill and sends it to the strategy. The account books
// the exact fee; the engine is told it in price units, through the exchange's carry
// (engineFee), so that its total is the exact total rounded once.
func (x *Exchange) fill(id uint64, side orderbook.Side, price, qty int64, maker bool, cause FillCause, log int, sent, aheadPlace, aheadFill int64) {
	rate, bps := x.takerE6, x.takerBps
	if maker {
		rate, bps = x.makerE6, x.makerBps
		x.counters.MakerFills++
	} else {
		x.counters.TakerFills++
	}
	x.counters.Fills++
	before := x.pos
	if side == orderbook.Bid {
		x.pos += qty
	} else {
		x.pos -= qty
	}
	x.closed = x.closed || before != 0 && (x.pos == 0 || (x.pos > 0) != (before > 0))
	feePrice := price
	if x.cfg.Instrument.Inverse {
		// The quantity is the notional (USD); the engine's fee is its value in price
		// units, the account books it in the coin.
		feePrice = x.cfg.Instrument.PriceScale.Unit()
	}
	fee := x.engineFee(feePrice, qty, rate)
	if a := x.cfg.Account; a != nil {
		a.Fill(side, price, qty, bps, maker)
	}
	x.respond(message{kind: msgFill, order: risk.Order{ID: id}, price: price, qty: qty, fee: fee, maker: maker})
	x.entryOf(log).filled += qty
	x.fills = append(x.fills, fillEntry{
		t: x.now, price: price, qty: qty, id: id, side: side, maker: maker, cause: cause,
		aheadPlace: aheadPlace, aheadFill: aheadFill, sent: sent, recv: x.lastResp, mid2: x.mid2(),
	})
	for h := range x.markouts {
		x.markouts[h].push(len(x.fills) - 1)
		x.markoutDue = min(x.markoutDue, x.now+MarkoutHorizons[h])
	}
}

// fillLog returns the fills made so far as report records. Decimals of equal values
// are shared, as in orderLog, and a linear instrument's fee is computed in integers
// (feeFixed, the decimal exactFee gives).
func (x *Exchange) fillLog(priceScale, qtyScale fixed.Scale) []FillRecord {
	out := make([]FillRecord, len(x.fills))
	after := make([]decimal.NullDecimal, len(x.fills)*numMarkouts)
	prices, qtys := newDecimalSlots(-int32(priceScale)), newDecimalSlots(-int32(qtyScale))
	mids := newDecimalSlots(-int32(priceScale) - 1) // a mid is half a sum of two prices
	mid := func(m2 int64) decimal.NullDecimal {
		if m2 <= 0 {
			return decimal.NullDecimal{}
		}
		return decimal.NewNullDecimal(mids.halfMid(m2))
	}
	maker, okm := fxOf(x.makerBps)
	taker, okt := fxOf(x.takerBps)
	for i := range x.fills {
		f := &x.fills[i]
		p, q := prices.get(f.price), qtys.get(f.qty)
		bps, rate, ok := x.takerBps, taker, okt
		if f.maker {
			bps, rate, ok = x.makerBps, maker, okm
		}
		fee := decimal.Decimal{}
		if ok = ok && !x.cfg.Instrument.Inverse; ok {
			fee, ok = feeOf(fxInt(f.price, -int32(priceScale)), fxInt(f.qty, -int32(qtyScale)), rate)
		}
		if !ok {
			fee = x.exactFee(p, q, bps)
		}
		a := after[i*numMarkouts : (i+1)*numMarkouts : (i+1)*numMarkouts]
		for h, m2 := range f.after {
			a[h] = mid(m2)
		}
		out[i] = FillRecord{
			Time: f.t, OrderID: f.id, Side: sideName(f.side), Price: p, Qty: q, Fee: fee, Maker: f.maker,
			Cause:             f.cause.String(),
			QueueAheadAtPlace: qtys.get(f.aheadPlace),
			QueueAheadAtFill:  qtys.get(f.aheadFill),
			Sent:              f.sent,
			Received:          f.recv,
			Mid:               mid(f.mid2),
			MidAfter:          a,
		}
	}
	return out
}

// orderLog returns the orders sent so far as report records. Decimals of equal
// values are shared (they are immutable): a strategy sends the same quantity, and
// often the same prices, again and again, and the log is most of a long run's report.
func (x *Exchange) orderLog(priceScale, qtyScale fixed.Scale) []OrderRecord {
	if !x.cfg.OrderLog {
		return nil
	}
	out := make([]OrderRecord, len(x.olog))
	prices, qtys := newDecimalSlots(-int32(priceScale)), newDecimalSlots(-int32(qtyScale))
	for i := range x.olog {
		o := &x.olog[i]
		out[i] = OrderRecord{
			ID: o.id, Side: sideName(o.side), Price: prices.get(o.price), Qty: qtys.get(o.qty),
			Filled: qtys.get(o.filled), PostOnly: o.postOnly, IOC: o.ioc, FOK: o.fok, ReduceOnly: o.reduceOnly,
			Modified: o.modified, Sent: o.sent, Arrived: o.arrived, Acked: o.acked, Ended: o.ended,
			Status: o.status.String(), QueueAheadAtPlace: qtys.get(o.aheadPlace),
		}
		if o.status == StatusRejected {
			out[i].Reason = rejectText[o.reason]
		}
	}
	return out
}

// quoting returns the touch clock's totals for the report.
func (x *Exchange) quoting() Quoting {
	tc := &x.touch
	return Quoting{
		BookValidNs:  tc.bookNs[orderbook.Bid],
		BidRestingNs: tc.restingNs[orderbook.Bid], BidAtTouchNs: tc.atTouchNs[orderbook.Bid],
		AskRestingNs: tc.restingNs[orderbook.Ask], AskAtTouchNs: tc.atTouchNs[orderbook.Ask],
	}
}

func sideName(s orderbook.Side) string {
	if s == orderbook.Ask {
		return "sell"
	}
	return "buy"
}

// exactFee is a fill's exact fee at bps, as the account books it: of the notional, in
// the quote, or for an inverse perpetual, whose quantity is the notional, in the coin
// (qty / price).
func (x *Exchange) exactFee(price, qty, bps decimal.Decimal) decimal.Decimal {
	if x.cfg.Instrument.Inverse {
		return qty.Mul(bps).Shift(-4).DivRound(price, coinDigits)
	}
	return price.Mul(qty).Mul(bps).Shift(-4)
}

// engineFee returns the price units of fee to tell the engine with a fill of qty at
// price at rate millionths of a basis point: the exact fee is added to the exchange's
// carry, and what the carry's rounded total grew by is returned, so that the engine's
// fees add up to the exact total rounded half away from zero, whatever the number of
// fills. A fee too large for the carry (2^62 price units, or qty × rate beyond an
// int64) goes in as Fee truncates it.
func (x *Exchange) engineFee(price, qty, rate int64) int64 {
	if qr, ok := fixed.MulDiv(qty, rate, x.feeDiv); ok {
		if fee, ok := x.feeCarry.AddMul(price, qr); ok {
			return fee
		}
	}
	fee := Fee(price, qty, rate, x.cfg.Instrument.QtyScale)
	if d, ok := x.feeCarry.AddMul(fee, x.feeCarry.Unit()); ok {
		return d
	}
	return fee
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
func (x *Exchange) arrive(o *risk.Order, log int, sent int64) {
	x.counters.Orders++
	x.entryOf(log).arrived = x.now
	if o.Qty <= 0 || o.Price <= 0 || (o.Side != orderbook.Bid && o.Side != orderbook.Ask) {
		x.reject(o.ID, rejInvalid, log)
		return
	}
	for i := range x.orders {
		if x.orders[i].id == o.ID {
			x.reject(o.ID, rejDuplicate, log)
			return
		}
	}
	top := x.top()
	if !top.valid {
		x.reject(o.ID, rejNoMarket, log)
		return
	}
	opp := o.Side.Opposite()
	best := top.bid
	if opp == orderbook.Ask {
		best = top.ask
	}
	crosses := (o.Side == orderbook.Bid && best <= o.Price) || (o.Side == orderbook.Ask && best >= o.Price)
	if crosses && o.PostOnly {
		x.reject(o.ID, rejPostOnly, log)
		return
	}
	if o.ReduceOnly && x.reducible(o.Side) == 0 {
		x.reject(o.ID, rejReduceOnly, log)
		return
	}
	immediate := o.IOC || o.FOK // never rests
	if !immediate && len(x.orders) == cap(x.orders) {
		x.reject(o.ID, rejCapacity, log)
		return
	}
	x.counters.Acks++
	x.respond(message{kind: msgAck, order: risk.Order{ID: o.ID}})
	x.entryOf(log).acked = x.lastResp
	left := o.Qty
	// Fill or kill: all of it against the levels the order crosses, or none of it (a
	// reduce-only FOK also needs the position to take all of it).
	if o.FOK && (!crosses || !x.fokFills(o.Side, o.Price, o.Qty) || o.ReduceOnly && x.reducible(o.Side) < o.Qty) {
		crosses = false
	}
	if crosses {
		// Take the levels the order crosses, at their prices, up to its quantity (a
		// reduce-only order up to the position). The recorded book does not know about
		// this order: the levels it took are still there for the next order (no market
		// impact is modelled).
		want := left
		if o.ReduceOnly {
			want = min(want, x.reducible(o.Side))
		}
		left -= want - x.take(o.ID, o.Side, o.Price, want, log, sent)
	}
	if left == 0 {
		x.entryOf(log).status, x.entryOf(log).ended = StatusFilled, x.now
		return
	}
	if immediate || o.ReduceOnly && x.reducible(o.Side) == 0 {
		// IOC and FOK never rest; a reduce-only order whose position is closed has
		// nothing left to do.
		x.counters.Expired++
		x.entryOf(log).status, x.entryOf(log).ended = StatusExpired, x.now
		x.respond(message{kind: msgCancelled, order: risk.Order{ID: o.ID}})
		return
	}
	var ahead int64
	if !crosses {
		ahead = x.levelQty(o.Side, o.Price)
	}
	x.entryOf(log).status, x.entryOf(log).aheadPlace = StatusResting, ahead
	x.orders = append(x.orders, restingOrder{
		id: o.ID, side: o.Side, price: o.Price, qty: left,
		q:      queuePos{front: float64(ahead), level: ahead},
		armed:  !crosses,
		ahead0: ahead, log: log, sent: sent,
		filled: o.Qty - left, postOnly: o.PostOnly, reduceOnly: o.ReduceOnly,
	})
}

// arriveCancel handles a cancel reaching the exchange.
func (x *Exchange) arriveCancel(id uint64) {
	x.counters.Cancels++
	for i := range x.orders {
		if x.orders[i].id == id {
			e := x.entryOf(x.orders[i].log)
			e.status, e.ended = StatusCancelled, x.now
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
