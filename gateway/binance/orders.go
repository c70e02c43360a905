package binance

import (
	"math/rand/v2"
	"strconv"
	"sync/atomic"

	"github.com/rs/zerolog"

	"github.com/nanotick/nanotick/fixed"
)

// OrderState is where an order stands between nanotick and the venue.
type OrderState uint8

// The order states. New, Acked, Partial and Unknown are live: the order may rest on the
// book. Filled, Cancelled and Rejected are final and the order leaves the table.
const (
	StateNew       OrderState = iota + 1 // sent, not yet answered
	StateAcked                           // the venue accepted it; it rests or is matching
	StatePartial                         // partially filled, still working
	StateFilled                          // final: fully filled
	StateCancelled                       // final: cancelled or expired (IOC remainder)
	StateRejected                        // final: the venue refused it
	StateUnknown                         // no answer in time, or the connection broke: being queried
)

// String returns the state's name.
func (s OrderState) String() string {
	switch s {
	case StateNew:
		return "new"
	case StateAcked:
		return "acknowledged"
	case StatePartial:
		return "partially-filled"
	case StateFilled:
		return "filled"
	case StateCancelled:
		return "cancelled"
	case StateRejected:
		return "rejected"
	case StateUnknown:
		return "unknown"
	}
	return "invalid"
}

// final reports whether s is a final state.
func (s OrderState) final() bool {
	return s == StateFilled || s == StateCancelled || s == StateRejected
}

// Sink receives the venue's answers on the engine's goroutine; *engine.Engine implements
// it.
type Sink interface {
	OnAck(id uint64, now int64)
	OnFill(id uint64, price, qty, fee int64, maker bool, now int64)
	OnCancelled(id uint64, now int64)
	OnRejected(id uint64, reason string, now int64)
}

// answerKind is what the venue's message was.
type answerKind uint8

const (
	ansPlaceOK      answerKind = iota + 1 // order.place answered 200
	ansPlaceErr                           // order.place answered an error
	ansCancelOK                           // order.cancel answered 200
	ansCancelErr                          // order.cancel answered an error
	ansStatus                             // order.status answered 200: status and executed quantity
	ansStatusErr                          // order.status answered an error
	ansReport                             // executionReport
	ansConnected                          // a connection is up and subscribed
	ansDisconnected                       // the connection broke
	ansTrades                             // an order's trade list (myTrades, userTrades)
	ansTradesErr                          // the trade list request failed
)

// venueStatus is Binance's order status (X, "status").
type venueStatus uint8

const (
	vsNone venueStatus = iota
	vsNew
	vsPartial
	vsFilled
	vsCanceled
	vsExpired
	vsRejected
	vsPendingCancel
)

// execType is an executionReport's x.
type execType uint8

const (
	exNone execType = iota
	exNew
	exTrade
	exCanceled
	exExpired
	exRejected
	exOther
)

// answer is one message of the venue, decoded by the reader goroutine and passed to the
// engine's goroutine through the Ring. It is a plain value: nothing in it is shared.
type answer struct {
	kind   answerKind
	exec   execType
	status venueStatus
	maker  bool
	code   int    // error code of an error answer
	id     uint64 // nanotick order id
	price  int64  // last fill price (report), order price (status)
	last   int64  // last fill quantity (report)
	cum    int64  // cumulative filled quantity (report z, status and cancel executedQty)
	fee    int64  // fee of the last fill, in feeScale units of the quote asset (its value)
	// baseFee is the part of the fill's commission taken in the base asset, in units of
	// baseFine below the quantity unit: the account received that much less than the
	// fill's quantity. It is finer than the quantity scale so that what each fill rounds
	// away is carried to the next (see orders.fill).
	baseFee int64
	reason  string // error message or reject reason
	// venueID is the venue's orderId (status and cancel answers, cancel and expiry
	// reports): what its trade list is asked by.
	venueID int64
	// trades are an ansTrades' trades of the order, by trade id.
	trades []trade
}

// trade is one fill of an order as the venue's trade list gives it: its own price,
// quantity, commission (in fee units, and the base-asset part as answer.baseFee) and
// liquidity, and, for the balance ledger, the fields as the venue wrote them.
type trade struct {
	id                             int64
	price, qty, fee, baseFee       int64
	maker                          bool
	side, rawQty, rawQuote, rawFee string
	feeAsset                       string
}

// maxTradePage is how many trades one trade list request asks for: Binance's maximum
// (limit "Default: 500; Maximum: 1000" for spot's myTrades and USD-M's userTrades). An
// order with more is read page by page (fromId).
const maxTradePage = 1000

// CommissionSink is a Sink that takes commissions charged in the base asset out of its
// position (*engine.Engine implements it). The gateway calls OnBaseCommission right
// after the fill's OnFill.
type CommissionSink interface {
	OnBaseCommission(id uint64, qty int64, now int64)
}

// Binance error codes the state machine tells apart.
const (
	codeUnknownSend  = -1007 // "Timeout waiting for response from backend server. Send status unknown"
	codeTooMany      = -1003 // TOO_MANY_REQUESTS: weight limit (429) or IP ban (418)
	codeTooManyOrder = -1015 // TOO_MANY_ORDERS: order count limit (429)
	codeCancelReject = -2011 // cancel of an order the venue does not have open
	codeNoSuchOrder  = -2013 // order does not exist
)

// refused logs a request of kind (idPlace, idCancel, ...) about order oid that the
// venue refused with code and msg. A cancel refused with -2011 CANCEL_REJECTED
// ("Unknown order sent.": the order could not be found, Binance's errors.md for Spot and
// USD-M alike) is a race of normal trading, not a warning: the order filled, or a
// cancel-all removed it, while the cancel was on its way. It is logged at Info; the
// state machine asks the order's status, which decides (see orders.apply). Every
// other refusal is a warning.
func refused(log *zerolog.Logger, kind byte, oid uint64, code int, msg string) {
	if kind == idCancel && code == codeCancelReject {
		log.Info().Uint64("order", oid).Int("code", code).Str("msg", msg).
			Msg("cancel refused: the order is not open at the venue (filled or cancelled meanwhile); asking its status")
		return
	}
	log.Warn().Uint64("order", oid).Int("code", code).Str("msg", msg).Msg("venue refused a request")
}

// order is one live order of the table.
type order struct {
	id      uint64
	state   OrderState
	price   int64
	qty     int64
	filled  int64
	sentAt  int64 // when the last request about it that awaits an answer was sent (ns)
	waiting bool  // a place, cancel or status request awaits its answer
	cancel  bool  // a cancel was sent
	acked   bool  // the engine was told of the ack
	queries int   // status queries sent
	// wantCancel is the engine's standing request to cancel: the sweep resends the
	// cancel (with backoff) until the order is final or the attempts run out.
	wantCancel bool
	cancels    int   // cancel requests sent
	nextQuery  int64 // no status query before this (ns): the backoff
	nextCancel int64 // no cancel resent before this (ns)
	// missingSince is when the venue first answered -2013 (no such order) in the
	// current run of such answers, 0 when it has not or knew the order since.
	missingSince int64
	// baseFine is the base-asset commission of its fills so far, in baseFine units;
	// baseSent is what of it the engine was told, in quantity units.
	baseFine, baseSent int64
	// venueID is the venue's orderId, learnt from a status answer.
	venueID int64
	// recoverCum is the cumulative quantity a status answer said filled beyond what
	// the reports told, being learnt from the order's trade list; 0 when nothing is
	// to recover. recoverEnd is the final status that answer (or a cancel report)
	// gave, applied once the fills are recovered.
	recoverCum int64
	recoverEnd venueStatus
	// recovering is set while a trade list request awaits its answer (sent at
	// recoverSent); recoveries counts the requests, nextRecover is the backoff.
	recovering               bool
	recoveries               int
	recoverSent, nextRecover int64
	// recoverFrom and recoverBase page through an order of more than maxTradePage
	// trades: the next page's first trade id and the cumulative quantity before it.
	recoverFrom, recoverBase int64
}

// baseFineDigits is how many decimals below the quantity scale a base-asset commission
// is kept in: Binance's commissions carry 8 decimals, more than a symbol's quantity
// scale, and rounding each fill's would lose up to half a unit per fill (a buy filled
// in three pieces at 0.1% took 9 units off the position instead of 10).
const baseFineDigits = 6

// baseFineUnit is one quantity unit in baseFine units.
const baseFineUnit = 1_000_000

// orders is the gateway's order table and state machine. It belongs to the engine's
// goroutine; the transitions are pure functions of the answers, so they are table-tested
// without a socket.
type orders struct {
	live    map[uint64]*order
	free    []*order
	timeout int64 // ns without an answer before an order becomes unknown
	retry   retryPolicy
	query   func(id uint64, now int64) bool
	cancel  func(id uint64, now int64) bool
	// trades asks the venue for the trades of order id (the venue's venueID), from
	// trade id fromID (0: the first), maxTradePage at most; nil when the venue has no
	// trade list, which leaves the limit price and no fee for fills learnt from a
	// status answer.
	trades func(id uint64, venueID, fromID int64, now int64) bool
	// booked, if set, is told each fill recovered from a trade list (the balance
	// ledger, which the lost reports did not move).
	booked func(tr *trade)
	log    func(id uint64, msg string)
	// note logs at Info what is expected but worth knowing (a fill that beat its
	// cancel); log is for what should not happen.
	note func(id uint64, msg string)
	// fees passes the fills' commissions on in price units, the exact total rounded
	// once (see fixed.Carry): answer.fee is in its fine units, feeScale's (the zero
	// Carry of a bare table passes them on as they are).
	fees fixed.Carry
	// unknowns counts transitions into StateUnknown, lost the orders written off
	// after the venue denied knowing them for RetryPolicy.LostAfter or the attempts
	// ran out; both are read from other goroutines.
	unknowns, lost atomic.Uint64
	// recovered counts the fills learnt from trade lists, recoveredNoFee those
	// learnt from a status answer alone, after the trade list could not be had:
	// told at the limit price with no fee.
	recovered, recoveredNoFee atomic.Uint64
}

// retryPolicy bounds every repeated request about an order: status queries and
// cancels are spaced by capped exponential backoff with jitter, and limited in number.
type retryPolicy struct {
	min, max    int64 // ns: the first delay and the cap
	maxAttempts int   // status queries (and, separately, cancels) per order
	// lostAfter is how long (ns) the venue must keep answering -2013 to status
	// queries, over at least minMissing answers, before the order is written off:
	// Binance answers -2013 for a moment about an order just placed, and a venue that
	// restarted forgets its orders.
	lostAfter  int64
	minMissing int
}

// defaultRetry is the policy of a table built by newOrders.
var defaultRetry = retryPolicy{min: int64(200e6), max: int64(5e9), maxAttempts: 12, lostAfter: int64(10e9), minMissing: 3}

// delay returns the wait before attempt n+1 after n attempts: min doubling up to max,
// with full jitter in its upper half, so that many orders resolved at once (after a
// reconnect) do not query in lockstep.
func (p *retryPolicy) delay(n int) int64 {
	d := p.min
	for i := 1; i < n && d < p.max; i++ {
		d *= 2
	}
	d = min(d, p.max)
	return d/2 + rand.Int64N(d/2+1)
}

func newOrders(capacity int, timeout int64) *orders {
	t := &orders{live: make(map[uint64]*order, capacity), timeout: timeout, retry: defaultRetry,
		query: func(uint64, int64) bool { return false }, cancel: func(uint64, int64) bool { return false },
		log: func(uint64, string) {}, note: func(uint64, string) {}}
	pool := make([]order, capacity)
	for i := range pool {
		t.free = append(t.free, &pool[i])
	}
	return t
}

// add enters an order just sent. It reports false if the table is full.
func (t *orders) add(id uint64, price, qty, now int64) bool {
	if len(t.free) == 0 {
		return false
	}
	o := t.free[len(t.free)-1]
	t.free = t.free[:len(t.free)-1]
	*o = order{id: id, state: StateNew, price: price, qty: qty, sentAt: now, waiting: true}
	t.live[id] = o
	return true
}

func (t *orders) get(id uint64) (*order, bool) {
	o, ok := t.live[id]
	return o, ok
}

func (t *orders) remove(o *order) {
	delete(t.live, o.id)
	t.free = append(t.free, o)
}

// ack moves a new or unknown order to acknowledged (or partially filled), telling the
// sink only the first time: an order that went unknown after its ack is not acked twice.
func (t *orders) ack(o *order, s Sink, now int64) {
	if o.state == StateNew || o.state == StateUnknown {
		o.state = StateAcked
		if o.filled > 0 {
			o.state = StatePartial
		}
	}
	if !o.acked {
		o.acked = true
		s.OnAck(o.id, now)
	}
}

// fill applies a cumulative filled quantity; only the increase is new. Reports and
// status answers may repeat or overtake each other, so the cumulative figure, not the
// last quantity, decides what is new.
func (t *orders) fill(o *order, cum, price, fee, baseFee int64, maker bool, s Sink, now int64) {
	if cum <= o.filled {
		return
	}
	t.ack(o, s, now)
	q := cum - o.filled
	o.filled = cum
	o.state = StatePartial
	if o.filled >= o.qty {
		o.state = StateFilled
	}
	s.OnFill(o.id, price, q, t.fees.Add(fee), maker, now)
	if baseFee > 0 {
		// The engine is told the rounded total so far less what it was told: the
		// order's base commission adds up exactly, whatever the pieces.
		o.baseFine += baseFee
		total := (o.baseFine + baseFineUnit/2) / baseFineUnit
		if d := total - o.baseSent; d > 0 {
			o.baseSent = total
			if cs, ok := s.(CommissionSink); ok {
				cs.OnBaseCommission(o.id, d, now)
			}
		}
	}
	if o.state == StateFilled {
		if o.wantCancel {
			// The venue filled the order before the cancel reached it: the cancel's
			// -2011 refusal, if it came first, was this race, not a lost order.
			t.note(o.id, "order filled before its cancel reached the venue")
		}
		t.remove(o)
	}
}

func (t *orders) finish(o *order, st OrderState, reason string, s Sink, now int64) {
	o.state = st
	if st == StateRejected {
		s.OnRejected(o.id, reason, now)
	} else {
		s.OnCancelled(o.id, now)
	}
	t.remove(o)
}

// apply runs one answer through the state machine.
func (t *orders) apply(a *answer, s Sink, now int64) {
	switch a.kind {
	case ansConnected:
		// Whatever was in flight over the broken connection is queried now.
		for _, o := range t.live {
			if o.state == StateUnknown {
				o.waiting = false
			}
		}
		return
	case ansDisconnected:
		for _, o := range t.live {
			t.toUnknown(o)
			o.waiting, o.cancel = false, false
			o.recovering = false // no answer comes over the broken connection
		}
		return
	}
	o, ok := t.live[a.id]
	if !ok {
		return // final already, or not ours: late duplicates are expected
	}
	switch a.kind {
	case ansPlaceOK:
		o.waiting = false
		t.ack(o, s, now)
	case ansPlaceErr:
		o.waiting = false
		if a.code == codeUnknownSend {
			t.toUnknown(o) // the venue itself does not know: ask
			return
		}
		if o.acked {
			return // a report already proved it live; the error is stale
		}
		t.finish(o, StateRejected, a.reason, s, now)
	case ansCancelOK:
		o.waiting = false
		if a.venueID != 0 {
			o.venueID = a.venueID
		}
		if a.cum > o.filled || o.recoverCum > o.filled {
			// Cancelled with fills no report told (executedQty beyond them): they are
			// learnt from the trade list first, and the end applies after them. Their
			// reports may only be late (USD-M's come on another connection than the
			// answers): the list is asked after the retry policy's first delay, and
			// reports that cover the fills before then end the order without it.
			t.ack(o, s, now)
			if o.recoverCum == 0 {
				o.nextRecover = max(o.nextRecover, now+t.retry.min)
			}
			t.recover(o, a.cum, vsCanceled, s, now)
			return
		}
		t.finish(o, StateCancelled, "", s, now)
	case ansCancelErr:
		o.waiting, o.cancel = false, false
		o.nextCancel = now + t.retry.delay(o.cancels)
		if a.code == codeCancelReject || a.code == codeNoSuchOrder {
			// Not open at the venue: filled or cancelled meanwhile, or never placed, or
			// forgotten. Ask (when the query backoff allows): the answer decides
			// whether to cancel again, and an order the venue has lost is logged then.
			// The refusal itself is expected (see refused) and logged at Info already.
			t.toUnknown(o)
			return
		}
		t.log(o.id, "cancel refused: "+a.reason)
	case ansStatusErr:
		o.waiting = false
		t.toUnknown(o)
		if a.code != codeNoSuchOrder {
			return // a rate limit or another failure: asked again after the backoff
		}
		// Never written off on one -2013: Binance answers it for a moment about an
		// order just placed. Only a venue that keeps denying it for lostAfter, over
		// several answers, has lost it.
		if o.missingSince == 0 {
			o.missingSince = now
		}
		if now-o.missingSince >= t.retry.lostAfter && o.queries >= t.retry.minMissing {
			t.lose(o, "unknown to the venue (-2013) for "+strconv.FormatInt((now-o.missingSince)/1e6, 10)+"ms: "+a.reason, s, now)
		}
	case ansStatus:
		o.waiting = false
		o.missingSince = 0
		if a.venueID != 0 {
			o.venueID = a.venueID
		}
		if a.cum > o.filled || o.recoverCum > o.filled {
			// Fills whose reports were lost (or have not come yet): the status gives
			// only their total, the order's trade list each one's price, quantity,
			// commission and liquidity. The status's end applies once they are in.
			t.ack(o, s, now)
			t.recover(o, a.cum, a.status, s, now)
			return
		}
		switch a.status {
		case vsNew, vsPartial, vsPendingCancel:
			t.ack(o, s, now) // still open: a wanted cancel is resent after its backoff
		case vsFilled:
			// Filled with no fill seen and no quantity: nothing more to learn.
			if o.filled < o.qty {
				t.fill(o, o.qty, o.price, 0, 0, true, s, now)
			}
		case vsCanceled, vsExpired:
			t.ack(o, s, now)
			t.finish(o, StateCancelled, "", s, now)
		case vsRejected:
			t.finish(o, StateRejected, "rejected", s, now)
		}
	case ansReport:
		switch a.exec {
		case exNew:
			t.ack(o, s, now)
		case exTrade:
			t.fill(o, a.cum, a.price, a.fee, a.baseFee, a.maker, s, now)
			if _, live := t.live[a.id]; live && o.recoverCum > 0 && o.filled >= o.recoverCum {
				// The reports have told every fill a recovery was waiting for: its end
				// applies now, whatever the trade list answers later.
				t.endRecovery(o, s, now)
			}
		case exCanceled, exExpired:
			t.ack(o, s, now)
			if a.venueID != 0 {
				o.venueID = a.venueID
			}
			if a.cum > o.filled || o.recoverCum > o.filled {
				// The order ends with fills no report told (the stream missed them, as
				// across a reconnect): they are learnt from its trade list first, and
				// the end applies after them (recover), not the end without them.
				t.recover(o, a.cum, vsCanceled, s, now)
				return
			}
			t.finish(o, StateCancelled, "", s, now)
		case exRejected:
			t.finish(o, StateRejected, a.reason, s, now)
		}
	case ansTrades:
		t.recovered1(o, a, s, now)
	case ansTradesErr:
		o.recovering = false
		t.log(o.id, "trade list refused: "+a.reason+"; asking again after the backoff")
	}
}

// recover starts (or extends) learning o's fills up to cum from its trade list; st is
// the status the venue gave with cum.
func (t *orders) recover(o *order, cum int64, st venueStatus, s Sink, now int64) {
	o.recoverCum = max(o.recoverCum, cum)
	switch st {
	case vsFilled, vsCanceled, vsExpired, vsRejected:
		o.recoverEnd = st
	}
	if !o.recovering && now >= o.nextRecover {
		t.askTrades(o, s, now)
	}
}

// askTrades sends o's next trade list request, or, when the venue has none, o's
// venue id is unknown or the requests ran out (RetryPolicy's attempts, spaced by its
// backoff), tells the engine the fills to recover at the limit price with no fee, as
// maker: all the status answer gave.
func (t *orders) askTrades(o *order, s Sink, now int64) {
	if t.trades == nil || o.venueID == 0 || o.recoveries >= t.retry.maxAttempts {
		t.recoveredNoFee.Add(1)
		t.log(o.id, "fill learnt from order.status without its trades ("+strconv.Itoa(o.recoveries)+
			" trade list requests): price taken as the limit price, no fee")
		t.fill(o, o.recoverCum, o.price, 0, 0, true, s, now)
		if _, ok := t.live[o.id]; ok {
			t.endRecovery(o, s, now)
		}
		return
	}
	o.recoveries++
	o.nextRecover = now + t.retry.delay(o.recoveries)
	if t.trades(o.id, o.venueID, o.recoverFrom, now) {
		o.recovering, o.recoverSent = true, now
	}
}

// recovered1 applies a page of o's trade list: each trade beyond the cumulative
// quantity the engine was told is a fill it missed, told with its own price,
// commission and liquidity. Reports and the list dedupe each other by cumulative
// quantity, as reports and status answers do: a report that came first is not told
// again, and one that comes late is dropped.
func (t *orders) recovered1(o *order, a *answer, s Sink, now int64) {
	o.recovering = false
	cum := o.recoverBase
	for i := range a.trades {
		tr := &a.trades[i]
		cum += tr.qty
		if cum <= o.filled {
			continue
		}
		t.recovered.Add(1)
		if t.booked != nil {
			t.booked(tr)
		}
		t.fill(o, cum, tr.price, tr.fee, tr.baseFee, tr.maker, s, now)
		if _, ok := t.live[o.id]; !ok {
			return
		}
	}
	if o.filled >= o.recoverCum {
		t.endRecovery(o, s, now)
		return
	}
	if len(a.trades) >= maxTradePage {
		// A full page: the order has more trades; the next page at once.
		o.recoverBase, o.recoverFrom = cum, a.trades[len(a.trades)-1].id+1
		o.recoveries = max(o.recoveries-1, 0)
		o.nextRecover = now
		t.askTrades(o, s, now)
		return
	}
	// The list lags the status: asked again after the backoff (the sweep).
	o.recoverBase, o.recoverFrom = 0, 0
}

// endRecovery clears o's recovery and applies the final status it waited for.
func (t *orders) endRecovery(o *order, s Sink, now int64) {
	end := o.recoverEnd
	o.recoverCum, o.recoverEnd, o.recovering, o.recoveries = 0, vsNone, false, 0
	o.recoverFrom, o.recoverBase, o.nextRecover = 0, 0, 0
	switch end {
	case vsFilled:
		if o.filled < o.qty {
			t.fill(o, o.qty, o.price, 0, 0, true, s, now)
		}
	case vsCanceled, vsExpired:
		t.finish(o, StateCancelled, "", s, now)
	case vsRejected:
		t.finish(o, StateRejected, "rejected", s, now)
	}
}

func (t *orders) toUnknown(o *order) {
	if o.state != StateUnknown {
		o.state = StateUnknown
		t.unknowns.Add(1)
	}
}

// lose writes off an order the venue does not know: the engine is told it is gone
// (rejected, with the reason), which frees its risk slots, and it is counted.
func (t *orders) lose(o *order, reason string, s Sink, now int64) {
	t.lost.Add(1)
	t.log(o.id, "order lost: "+reason)
	t.finish(o, StateRejected, "lost: "+reason, s, now)
}

// requestCancel records the engine's wish to cancel o and sends the cancel unless one
// is on its way or the backoff holds it; the sweep sends it later otherwise.
func (t *orders) requestCancel(o *order, now int64) {
	o.wantCancel = true
	t.sendCancel(o, now)
}

func (t *orders) sendCancel(o *order, now int64) {
	if o.cancel || now < o.nextCancel || o.cancels >= t.retry.maxAttempts {
		return
	}
	if t.cancel(o.id, now) {
		o.cancel, o.waiting, o.sentAt = true, true, now
		o.cancels++
		o.nextCancel = now + t.retry.delay(o.cancels)
	}
}

// sweep turns orders unanswered past the timeout into unknown ones, queries unknown
// orders and resends wanted cancels, each no sooner than its backoff allows, and
// writes off orders whose queries ran out.
func (t *orders) sweep(now int64, s Sink) {
	for _, o := range t.live {
		if o.recoverCum > 0 {
			if o.recovering && now-o.recoverSent >= t.timeout {
				o.recovering = false // unanswered: asked again (or given up) below
			}
			if !o.recovering && now >= o.nextRecover {
				t.askTrades(o, s, now)
				if _, ok := t.live[o.id]; !ok {
					continue
				}
			}
		}
		if o.wantCancel && !o.cancel && o.state != StateUnknown {
			t.sendCancel(o, now)
		}
		if o.waiting && now-o.sentAt < t.timeout {
			continue
		}
		if !o.waiting && o.state != StateUnknown {
			continue
		}
		if o.state != StateUnknown {
			t.log(o.id, "no answer in time: order state unknown, querying")
		}
		t.toUnknown(o)
		if o.waiting {
			// The request went unanswered: whatever it was, a cancel may be resent.
			o.waiting, o.cancel = false, false
		}
		if now < o.nextQuery {
			continue
		}
		if o.queries >= t.retry.maxAttempts {
			t.lose(o, "no answer to "+strconv.Itoa(o.queries)+" status queries", s, now)
			continue
		}
		if t.query(o.id, now) {
			o.waiting, o.sentAt = true, now
			o.queries++
			o.nextQuery = now + t.retry.delay(o.queries)
		}
	}
}
