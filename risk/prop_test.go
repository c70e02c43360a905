package risk

import (
	"maps"
	"math"
	"math/big"
	"slices"
	"testing"
	"time"

	"github.com/nanotick/nanotick/orderbook"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

// The property test drives a Checker with random sequences of orders,
// fills, cancels, venue rejects, book moves, clock advances, kill switches,
// state changes and resumes, and checks every decision against a model that
// is written independently and simply: plain maps and slices, big-number
// arithmetic, cash-flow equity instead of average cost. It reads nothing of
// the Checker but its API results (Check's Reason, Cancels' IDs).

// model is the test's own account of what risk must guarantee.
type model struct {
	inst Instrument
	// limits in the model's own units, computed from the same decimals.
	maxOrderQty, maxOrderNotional, maxPos int64
	bandMicro, rateMilli, burst           int64
	stale, dupWindow                      int64
	maxOpen                               int
	maxDailyLoss, maxDrawdown             int64

	now  int64
	hw   int64 // the highest clock Check has seen: the clock may step back
	book struct {
		present, synced bool
		bid, ask        int64 // 0: side empty
		local           int64
	}
	working map[uint64]*modelOrder
	nextID  uint64

	pos  int64
	cash *big.Rat // −Σ buy notional + Σ sell notional − fees
	mark int64
	fill int // number of fills, for the rounding tolerance

	killed, reducing bool
	loss             lossState
	dayStart, peak   *big.Rat
	day              int64
	cancelsDue       bool // a halt happened: Cancels must list everything
	cancelsMaybe     bool

	accepts []acceptRec
	tokens  []int64 // the clock's high-water mark at each order and modify accepted
	stats   *propStats
}

type modelOrder struct {
	side       orderbook.Side
	price, rem int64 // rem counts the larger remainder while a modify is pending
	filled     int64
	reduceOnly bool
	mod        *modelMod
}

// modelMod is a modify sent and not answered: the order may fill at either terms.
type modelMod struct {
	price          int64
	newRem, oldRem int64
}

type acceptRec struct {
	at         int64 // the clock at the accept
	hw         int64 // the clock's high-water mark at the accept
	side       orderbook.Side
	price, qty int64
}

type lossState uint8

const (
	lossNo lossState = iota
	lossMaybe
	lossYes
)

type propStats struct {
	steps, accepts, fills, halts int
	modifies, reduceOnly         int // accepted modifies and reduce-only orders
	reasons                      [NumReasons]int
}

func ri(lo, hi int64) *rapid.Generator[int64] { return rapid.Int64Range(lo, hi) }

func TestPropertyLimitsHold(t *testing.T) {
	stats := &propStats{}
	// Each rapid.Check runs -rapid.checks (default 100) sequences from a
	// fresh seed. Boundary bugs (a >= written as >) show up in roughly one
	// run of 3000 sequences, so the full run repeats it; -short runs once.
	rounds := 30
	if testing.Short() {
		rounds = 1
	}
	for range rounds {
		rapid.Check(t, func(rt *rapid.T) { runProperty(rt, stats) })
		if t.Failed() {
			break
		}
	}
	t.Logf("steps %d, accepted %d, fills %d, halts %d, reasons %v",
		stats.steps, stats.accepts, stats.fills, stats.halts, stats.reasons)
	// The generator must exercise every check, or the property is vacuous.
	// A -short run is too small to hit every reason.
	if testing.Short() {
		if stats.accepts == 0 {
			t.Errorf("generator too narrow: %+v", *stats)
		}
		return
	}
	if stats.accepts == 0 || stats.fills == 0 || stats.halts == 0 || stats.modifies == 0 || stats.reduceOnly == 0 {
		t.Errorf("generator too narrow: %+v", *stats)
	}
	for r := ReasonHalted; r < NumReasons; r++ {
		if r == ReasonBookkeeping {
			continue // needs a fill risk cannot attribute; unit-tested
		}
		if r >= ReasonPortfolioNotional && r <= ReasonPortfolioDrawdown {
			continue // one instrument has no portfolio: TestPropertyPortfolio's
		}
		if r >= ReasonMaxLeverage {
			continue // perpetual limits: TestPerp* (the model has no collateral)
		}
		if stats.reasons[r] == 0 {
			t.Errorf("no rejection for %v in the whole run", r)
		}
	}
}

func runProperty(rt *rapid.T, stats *propStats) {
	// Instrument: price scale 2, qty scale 3; small numbers so that limits
	// are hit often.
	inst := Instrument{
		PriceScale: 2, QtyScale: 3,
		Tick: rapid.SampledFrom([]int64{1, 5, 50}).Draw(rt, "tick"),
		Lot:  rapid.SampledFrom([]int64{1, 10}).Draw(rt, "lot"),
	}
	inst.MinQty = inst.Lot * ri(1, 3).Draw(rt, "minLots")
	inst.MaxQty = inst.Lot * (200 - ri(0, 180).Draw(rt, "maxLots"))
	inst.MinNotional = ri(0, 500).Draw(rt, "minNotional")
	dq := func(v int64) decimal.Decimal { return decimal.New(v, -3) }
	dp := func(v int64) decimal.Decimal { return decimal.New(v, -2) }
	m := &model{
		inst:             inst,
		maxOrderQty:      inst.Lot * (100 - ri(0, 95).Draw(rt, "maxOrderLots")),
		maxOrderNotional: 50_000 - ri(0, 49_900).Draw(rt, "maxOrderNotional"),
		maxPos:           inst.Lot * (150 - ri(0, 145).Draw(rt, "maxPosLots")),
		bandMicro:        10_000 - ri(0, 9_999).Draw(rt, "bandMicro"),
		rateMilli:        20_000 - ri(0, 19_999).Draw(rt, "rateMilli"),
		burst:            5 - ri(0, 4).Draw(rt, "burst"),
		stale:            (3000 - ri(0, 2999).Draw(rt, "staleMs")) * ms,
		dupWindow:        ri(1, 300).Draw(rt, "dupMs") * ms,
		maxOpen:          8 - rapid.IntRange(0, 7).Draw(rt, "maxOpen"),
		maxDailyLoss:     5000 - ri(0, 4950).Draw(rt, "maxDailyLoss"),
		maxDrawdown:      5000 - ri(0, 4950).Draw(rt, "maxDrawdown"),
		working:          map[uint64]*modelOrder{},
		nextID:           1,
		cash:             new(big.Rat),
		dayStart:         new(big.Rat),
		peak:             new(big.Rat),
		stats:            stats,
	}
	cfg := Config{
		MaxOrderQty:      dq(m.maxOrderQty),
		MaxOrderNotional: dp(m.maxOrderNotional),
		PriceBandBps:     decimal.New(m.bandMicro, -2),
		StaleAfter:       time.Duration(m.stale),
		MaxPosition:      dq(m.maxPos),
		MaxOpenOrders:    m.maxOpen,
		OrdersPerSecond:  decimal.New(m.rateMilli, -3),
		OrderBurst:       int(m.burst),
		DuplicateWindow:  time.Duration(m.dupWindow),
		MaxDailyLoss:     dp(m.maxDailyLoss),
		MaxDrawdown:      dp(m.maxDrawdown),
	}
	c, err := New(cfg, inst)
	if err != nil {
		rt.Fatalf("New: %v", err)
	}
	// Start just before a UTC midnight so that some runs cross it.
	m.now = (t0/dayNanos+1)*dayNanos - ri(0, 20).Draw(rt, "toMidnight")*sec
	m.hw = math.MinInt64 // the first Check sets it
	book := orderbook.New(4)
	m.setBook(book, 100_000, 100_050, true, true)
	m.markAt(c, book)
	cancelBuf := make([]uint64, 0, 16)

	actions := map[string]func(*rapid.T){
		"order": func(rt *rapid.T) { m.order(rt, c, book) },
		"fill": func(rt *rapid.T) {
			id, ok := m.pick(rt)
			if !ok {
				return
			}
			o := m.working[id]
			qty := o.rem
			if rapid.Bool().Draw(rt, "partial") && o.rem > inst.Lot {
				qty = inst.Lot * ri(1, o.rem/inst.Lot).Draw(rt, "lots")
			}
			if o.mod != nil && rapid.Bool().Draw(rt, "fillAtSmaller") {
				// A fill at the terms in force: it may be the smaller remainder.
				if small := min(o.mod.oldRem, o.mod.newRem); small > 0 {
					qty = small
				}
			}
			price := o.price + ri(-20, 20).Draw(rt, "improve")
			if price <= 0 {
				price = o.price
			}
			fee := ri(-5, 20).Draw(rt, "fee")
			if err := c.OnFill(id, price, qty, fee); err != nil {
				rt.Fatalf("OnFill(%d): %v", id, err)
			}
			m.applyFill(o, id, price, qty, fee)
			m.evaluate()
		},
		"cancel": func(rt *rapid.T) {
			id, ok := m.pick(rt)
			if !ok {
				return
			}
			if err := c.OnCancel(id); err != nil {
				rt.Fatalf("OnCancel(%d): %v", id, err)
			}
			delete(m.working, id)
		},
		"venueReject": func(rt *rapid.T) {
			id, ok := m.pick(rt)
			if !ok {
				return
			}
			if err := c.OnReject(id); err != nil {
				rt.Fatalf("OnReject(%d): %v", id, err)
			}
			delete(m.working, id)
		},
		"book": func(rt *rapid.T) {
			mid := int64(100_000)
			if m.book.bid > 0 && m.book.ask > 0 {
				mid = (m.book.bid + m.book.ask) / 2
			}
			mid = max(mid+ri(-300, 300).Draw(rt, "move"), 1000)
			spread := 1 + ri(0, 100).Draw(rt, "spread")
			if rapid.IntRange(0, 19).Draw(rt, "crossed") == 19 {
				spread = -ri(0, 20).Draw(rt, "cross")
			}
			synced := rapid.IntRange(0, 9).Draw(rt, "synced") < 9
			fresh := rapid.IntRange(0, 9).Draw(rt, "fresh") < 9
			m.setBook(book, mid-spread/2, mid-spread/2+spread, synced, fresh)
			if rapid.IntRange(0, 19).Draw(rt, "emptySide") == 19 {
				book.Set(orderbook.Ask, m.book.ask, 0)
				m.book.ask = 0
			}
			m.markAt(c, book)
		},
		"noBook": func(rt *rapid.T) {
			m.book.present = !m.book.present
		},
		"advance": func(rt *rapid.T) {
			switch rapid.IntRange(0, 9).Draw(rt, "jump") {
			case 9:
				m.now += ri(1, 3600).Draw(rt, "secs") * sec
			case 8: // a replay glitch or an NTP step back
				m.now -= ri(1, 1000).Draw(rt, "backMs") * ms
			default:
				m.now += ri(0, 400).Draw(rt, "ms") * ms
			}

			if rapid.Bool().Draw(rt, "markAfter") {
				m.markAt(c, book)
			}
		},
		"kill": func(rt *rapid.T) {
			done := make(chan struct{})
			go func() { c.Halt(ReasonHalted); close(done) }()
			<-done
			m.killed, m.cancelsDue = true, true
			stats.halts++
		},
		"reducing": func(rt *rapid.T) {
			if err := c.SetState(Reducing); err != nil {
				rt.Fatal(err)
			}
			m.killed, m.reducing = false, true
			m.loss = lossNo // Reducing is allowed while a loss limit is breached
		},
		"resume": func(rt *rapid.T) {
			c.Resume()
			m.killed, m.reducing, m.loss = false, false, lossNo
			m.peak.Set(m.equity())
			m.evaluate()
		},
		"modify": func(rt *rapid.T) { m.modify(rt, c, book) },
		"modifyAnswer": func(rt *rapid.T) {
			var ids []uint64
			for _, id := range m.workingIDs() {
				if m.working[id].mod != nil {
					ids = append(ids, id)
				}
			}
			if len(ids) == 0 {
				return
			}
			id := rapid.SampledFrom(ids).Draw(rt, "modified")
			o := m.working[id]
			if rapid.IntRange(0, 3).Draw(rt, "venueRefuses") == 0 {
				if err := c.OnModifyRejected(id); err != nil {
					rt.Fatalf("OnModifyRejected(%d): %v", id, err)
				}
				o.rem = o.mod.oldRem
			} else {
				if err := c.OnModified(id); err != nil {
					rt.Fatalf("OnModified(%d): %v", id, err)
				}
				o.rem, o.price = o.mod.newRem, o.mod.price
			}
			o.mod = nil
			if o.rem == 0 {
				delete(m.working, id)
			}
		},
		"cancels": func(rt *rapid.T) {
			ids := c.Cancels(cancelBuf[:0])
			if m.cancelsDue && len(ids) != len(m.working) {
				rt.Fatalf("Cancels after a halt returned %v, working %v", ids, m.workingIDs())
			}
			if len(ids) > 0 {
				if got, want := sorted(ids), m.workingIDs(); !slices.Equal(got, want) {
					rt.Fatalf("Cancels = %v, working %v", got, want)
				}
			}
			m.cancelsDue, m.cancelsMaybe = false, false
		},
	}
	// Weights: orders dominate, the kill switch is rare so that there is
	// trading to check between halts.
	weights := map[string]int{
		"order": 16, "fill": 5, "cancel": 2, "venueReject": 1, "book": 5,
		"noBook": 1, "advance": 6, "kill": 1, "reducing": 1, "resume": 5, "cancels": 2,
		"modify": 6, "modifyAnswer": 4,
	}
	var deck []string
	for _, name := range slices.Sorted(maps.Keys(weights)) {
		for range weights[name] {
			deck = append(deck, name)
		}
	}
	n := rapid.IntRange(20, 400).Draw(rt, "steps")
	for range n {
		actions[rapid.SampledFrom(deck).Draw(rt, "action")](rt)
		stats.steps++
		// HALTED lets nothing through: probe with an order whenever the
		// model says halted.
		if m.killed || m.loss == lossYes {
			m.hw = max(m.hw, m.now)
			r := c.Check(&Order{ID: 1 << 62, Side: orderbook.Bid, Price: m.inst.Tick, Qty: m.inst.MinQty}, m.bookArg(book), m.now)
			if r == ReasonOK {
				rt.Fatalf("halted (killed %v, loss %v) accepted an order", m.killed, m.loss)
			}
			stats.reasons[r]++
		}
	}
}

// setBook puts one level on each side, as the feed would.
func (m *model) setBook(b *orderbook.Book, bid, ask int64, synced, fresh bool) {
	bid -= bid % m.inst.Tick
	ask -= ask % m.inst.Tick
	if bid <= 0 {
		bid = m.inst.Tick
	}
	if ask <= 0 {
		ask = m.inst.Tick
	}
	b.Clear()
	b.Set(orderbook.Bid, bid, 1000)
	b.Set(orderbook.Ask, ask, 1000)
	b.SetSynced(synced)
	if fresh {
		m.book.local = m.now
	}
	b.SetUpdate(1, m.book.local, m.book.local)
	m.book.present, m.book.synced, m.book.bid, m.book.ask = true, synced, bid, ask
}

// bookArg is the book the engine would pass: nil when there is none.
func (m *model) bookArg(b *orderbook.Book) *orderbook.Book {
	if !m.book.present {
		return nil
	}
	return b
}

// bookUsable is the model's price-band precondition and the mid.
func (m *model) bookUsable() (Reason, int64) {
	bk := &m.book
	switch {
	case !bk.present:
		return ReasonNoBook, 0
	case !bk.synced || bk.bid == 0 || bk.ask == 0 || bk.bid >= bk.ask:
		return ReasonInvalidBook, 0
	case bk.local == 0 || m.now-bk.local > m.stale:
		return ReasonStaleBook, 0
	}
	return ReasonOK, (bk.bid + bk.ask) / 2
}

// markAt gives the Checker the current book (or a Mark when there is none)
// and does the same to the model: mark at the mid of a valid book, roll the
// day at UTC midnight, evaluate the loss limits.
func (m *model) markAt(c *Checker, b *orderbook.Book) {
	c.OnBook(m.bookArg(b), m.now)
	bk := &m.book
	if bk.present && bk.synced && bk.bid > 0 && bk.ask > 0 && bk.bid < bk.ask {
		m.mark = (bk.bid + bk.ask) / 2
	}
	day := m.now / dayNanos
	if m.day == 0 {
		m.day = day
	} else if day > m.day {
		m.day = day
		m.dayStart.Set(m.equity())
	}
	m.evaluate()
}

// equity is cash + position × mark, exactly.
func (m *model) equity() *big.Rat {
	e := new(big.Rat).SetFrac64(m.pos*m.mark, m.inst.QtyScale.Unit())
	return e.Add(e, m.cash)
}

// tol is the rounding the Checker's integer accounting may accumulate: a
// few price units per fill.
func (m *model) tol() *big.Rat { return new(big.Rat).SetInt64(int64(3*m.fill + 3)) }

// evaluate is the loss-limit rule: when Active, a loss beyond its limit
// halts. Within the rounding tolerance of the limit the model does not know
// and learns from the next Check.
func (m *model) evaluate() {
	e := m.equity()
	if e.Cmp(m.peak) > 0 {
		m.peak.Set(e)
	}
	if m.killed || m.reducing || m.loss == lossYes {
		return
	}
	daily := new(big.Rat).Sub(m.dayStart, e)
	dd := new(big.Rat).Sub(m.peak, e)
	over := func(x *big.Rat, lim int64) int {
		hi := new(big.Rat).Add(new(big.Rat).SetInt64(lim), m.tol())
		lo := new(big.Rat).Sub(new(big.Rat).SetInt64(lim), m.tol())
		switch {
		case x.Cmp(hi) > 0:
			return 2
		case x.Cmp(lo) > 0:
			return 1
		}
		return 0
	}
	switch max(over(daily, m.maxDailyLoss), over(dd, m.maxDrawdown)) {
	case 2:
		// Past the limit for certain. From "maybe" the Checker may have halted already,
		// when the loss first came within the tolerance, and its cancels may be gone.
		if m.loss == lossMaybe {
			m.cancelsMaybe = true
		} else {
			m.cancelsDue = true
		}
		m.loss = lossYes
		m.stats.halts++
	case 1:
		m.loss, m.cancelsMaybe = lossMaybe, true
	}
}

func (m *model) applyFill(o *modelOrder, id uint64, price, qty, fee int64) {
	n := new(big.Rat).SetFrac64(price*qty, m.inst.QtyScale.Unit())
	if o.side == orderbook.Bid {
		m.cash.Sub(m.cash, n)
		m.pos += qty
	} else {
		m.cash.Add(m.cash, n)
		m.pos -= qty
	}
	m.cash.Sub(m.cash, new(big.Rat).SetInt64(fee))
	o.filled += qty
	if o.mod != nil {
		o.mod.oldRem = max(o.mod.oldRem-qty, 0)
		o.mod.newRem = max(o.mod.newRem-qty, 0)
		o.rem = max(o.mod.oldRem, o.mod.newRem)
	} else {
		o.rem -= qty
	}
	if o.rem == 0 {
		delete(m.working, id)
	}
	m.fill++
	m.stats.fills++
}

func (m *model) pick(rt *rapid.T) (uint64, bool) {
	ids := m.workingIDs()
	if len(ids) == 0 {
		return 0, false
	}
	return rapid.SampledFrom(ids).Draw(rt, "id"), true
}

func (m *model) workingIDs() []uint64 {
	ids := make([]uint64, 0, len(m.working))
	for id := range m.working {
		ids = append(ids, id)
	}
	return sorted(ids)
}

func sorted(ids []uint64) []uint64 {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	return ids
}

// pending sums the remaining quantity of the model's working orders.
func (m *model) pending(side orderbook.Side) int64 {
	var s int64
	for _, o := range m.working {
		if o.side == side {
			s += o.rem
		}
	}
	return s
}

// order draws an order, mostly plausible, sometimes broken in one respect,
// checks it, and verifies the decision against the model.
func (m *model) order(rt *rapid.T, c *Checker, b *orderbook.Book) {
	side := orderbook.Side(rapid.IntRange(0, 1).Draw(rt, "side"))
	ref := m.mark
	if m.book.bid > 0 && m.book.ask > 0 {
		ref = (m.book.bid + m.book.ask) / 2
	}
	o := &Order{
		ID:    m.nextID,
		Side:  side,
		Price: ref - ref%m.inst.Tick + m.inst.Tick*ri(-30, 30).Draw(rt, "ticks"),
		Qty:   m.inst.Lot * (1 + ri(0, 39).Draw(rt, "lots")),
	}
	switch rapid.IntRange(0, 9).Draw(rt, "kind") {
	case 0, 1:
		o.ReduceOnly = true
		if m.pos != 0 && rapid.Bool().Draw(rt, "closing") {
			// Aim at the position, so that some reduce-only orders are good.
			o.Side = orderbook.Bid
			if m.pos > 0 {
				o.Side = orderbook.Ask
			}
			o.Qty = max(min(abs64(m.pos)-m.pending(o.Side), o.Qty), m.inst.Lot)
			o.Qty -= o.Qty % m.inst.Lot
		}
	case 2:
		o.IOC = true
	case 3:
		o.FOK = true
	case 4:
		o.PostOnly = true
	}
	switch rapid.IntRange(0, 19).Draw(rt, "mutation") {
	case 19:
		o.Price += ri(1, m.inst.Tick+1).Draw(rt, "offTick")
	case 18:
		o.Qty += ri(1, m.inst.Lot+1).Draw(rt, "offLot")
	case 17:
		if len(m.working) > 0 {
			o.ID, _ = m.pick(rt)
		}
	case 16, 15:
		if len(m.accepts) > 0 { // repeat a recent order
			a := m.accepts[len(m.accepts)-1]
			o.Side, o.Price, o.Qty = a.side, a.price, a.qty
		}
	case 14:
		o.Qty = 0
	case 12, 11, 10, 9:
		// Price exactly at one of our working orders on the other side:
		// the self-trade boundary.
		for _, id := range m.workingIDs() {
			if w := m.working[id]; w.side != o.Side {
				o.Price = w.price
				break
			}
		}
	case 13:
		o.Side = orderbook.Side(rapid.IntRange(2, 255).Draw(rt, "badSide"))
	}
	m.hw = max(m.hw, m.now) // Check refills the bucket up to now
	r := c.Check(o, m.bookArg(b), m.now)
	m.stats.reasons[r]++
	if o.ID == m.nextID {
		m.nextID++
	}
	if r != ReasonOK {
		m.justify(rt, o, r)
		return
	}
	m.stats.accepts++
	if o.ReduceOnly {
		m.stats.reduceOnly++
	}
	m.accepted(rt, o)
	m.working[o.ID] = &modelOrder{side: o.Side, price: o.Price, rem: o.Qty, reduceOnly: o.ReduceOnly}
	m.accepts = append(m.accepts, acceptRec{at: m.now, hw: m.hw, side: o.Side, price: o.Price, qty: o.Qty})
	m.tokens = append(m.tokens, m.hw)
}

// accepted fails the test if an accepted order breaks any rule.
func (m *model) accepted(rt *rapid.T, o *Order) {
	fail := func(what string) { rt.Fatalf("accepted order %+v breaks %s", *o, what) }
	if m.killed || m.loss == lossYes {
		fail("halt")
	}
	if m.loss == lossMaybe {
		m.loss = lossNo // it was within the limit after all
	}
	if m.reducing && !m.reduces(o.Side, o.Qty, 0) {
		fail("reducing only")
	}
	if o.ReduceOnly && !m.reduces(o.Side, o.Qty, 0) {
		fail("reduce only")
	}
	in := &m.inst
	if o.ID == 0 || o.Side > orderbook.Ask || o.Price <= 0 || o.Qty <= 0 {
		fail("validity")
	}
	if o.Price%in.Tick != 0 || o.Qty%in.Lot != 0 {
		fail("tick/lot")
	}
	if o.Qty < in.MinQty || o.Qty > in.MaxQty || o.Qty > m.maxOrderQty {
		fail("quantity limits")
	}
	notional := new(big.Int).Mul(big.NewInt(o.Price), big.NewInt(o.Qty))
	unit := big.NewInt(in.QtyScale.Unit())
	if notional.Cmp(new(big.Int).Mul(big.NewInt(in.MinNotional), unit)) < 0 {
		fail("min notional")
	}
	if notional.Cmp(new(big.Int).Mul(big.NewInt(m.maxOrderNotional), unit)) > 0 {
		fail("max order notional")
	}
	br, mid := m.bookUsable()
	if br != ReasonOK {
		fail("book usability: " + br.String())
	}
	dev := o.Price - mid
	if dev < 0 {
		dev = -dev
	}
	if big.NewInt(dev*1_000_000).Cmp(new(big.Int).Mul(big.NewInt(m.bandMicro), big.NewInt(mid))) > 0 {
		fail("price band")
	}
	if m.pos+m.pending(orderbook.Bid)+qtyIf(o, orderbook.Bid) > m.maxPos ||
		-m.pos+m.pending(orderbook.Ask)+qtyIf(o, orderbook.Ask) > m.maxPos {
		fail("max position")
	}
	if len(m.working)+1 > m.maxOpen {
		fail("max open orders")
	}
	if _, dup := m.working[o.ID]; dup {
		fail("unique id")
	}
	m.checkRate(func() { fail("order rate") })
	for i, a := range m.accepts {
		// The duplicate check remembers the last dupRing accepts (its
		// documented capacity); within the window, including a clock
		// that went back, none of them may repeat.
		if len(m.accepts)-i <= dupRing &&
			a.side == o.Side && a.price == o.Price && a.qty == o.Qty && m.now-a.at < m.dupWindow {
			fail("duplicate window")
		}
	}
	for _, w := range m.working {
		if w.side != o.Side && w.crossedBy(o.Side, o.Price) {
			fail("self-trade")
		}
	}
}

// checkRate is the token bucket's property: over any interval [a, now], at most burst +
// rate × length orders and modifies. Time that goes backwards earns nothing: only the
// high-water mark's progress refills.
func (m *model) checkRate(fail func()) {
	for i, hw := range m.tokens {
		count := int64(len(m.tokens) - i + 1)
		if (count-m.burst)*tokenUnit > m.rateMilli*(m.hw-hw) {
			fail()
		}
	}
}

// crossedBy reports whether an order on side at price would trade against w, at its
// price or at a pending modify's.
func (w *modelOrder) crossedBy(side orderbook.Side, price int64) bool {
	x := func(wp int64) bool {
		return side == orderbook.Bid && price >= wp || side == orderbook.Ask && price <= wp
	}
	return x(w.price) || w.mod != nil && x(w.mod.price)
}

// reduces is the reducing rule: qty on side, with every working order on that side
// (less already, a modified order's counted remainder) filled too, shrinks the
// position without flipping it.
func (m *model) reduces(side orderbook.Side, qty, already int64) bool {
	if side == orderbook.Bid {
		return m.pos < 0 && m.pos+m.pending(orderbook.Bid)-already+qty <= 0
	}
	return m.pos > 0 && m.pos-(m.pending(orderbook.Ask)-already)-qty >= 0
}

func qtyIf(o *Order, side orderbook.Side) int64 {
	if o.Side == side {
		return o.Qty
	}
	return 0
}

// justify fails the test if a rejection's reason does not actually hold:
// risk must not block trading for a reason that is not there.
func (m *model) justify(rt *rapid.T, o *Order, r Reason) {
	bad := func() { rt.Fatalf("order %+v rejected for %v, which does not hold", *o, r) }
	in := &m.inst
	switch r {
	case ReasonHalted:
		if !m.killed {
			bad()
		}
	case ReasonDailyLoss, ReasonDrawdown:
		// The first cause is kept: a loss halt before a kill switch
		// still reports the loss.
		if m.reducing || m.loss == lossNo {
			bad()
		}
		m.loss = lossYes
	case ReasonReducingOnly:
		if !m.reducing {
			bad()
		}
	case ReasonReduceOnly:
		if !o.ReduceOnly || m.reduces(o.Side, o.Qty, 0) {
			bad()
		}
	case ReasonInvalidOrder:
		if o.ID != 0 && o.Side <= orderbook.Ask && o.Price > 0 && o.Qty > 0 {
			bad()
		}
	case ReasonTick:
		if o.Price%in.Tick == 0 {
			bad()
		}
	case ReasonLot:
		if o.Qty%in.Lot == 0 {
			bad()
		}
	case ReasonMinQty:
		if o.Qty >= in.MinQty {
			bad()
		}
	case ReasonMaxQty:
		if o.Qty <= in.MaxQty {
			bad()
		}
	case ReasonMinNotional:
		if o.Price*o.Qty >= in.MinNotional*in.QtyScale.Unit() {
			bad()
		}
	case ReasonMaxOrderQty:
		if o.Qty <= m.maxOrderQty {
			bad()
		}
	case ReasonMaxOrderNotional:
		if o.Price*o.Qty <= m.maxOrderNotional*in.QtyScale.Unit() {
			bad()
		}
	case ReasonNoBook, ReasonInvalidBook, ReasonStaleBook:
		if br, _ := m.bookUsable(); br != r {
			bad()
		}
	case ReasonPriceBand:
		br, mid := m.bookUsable()
		dev := max(o.Price-mid, mid-o.Price)
		if br != ReasonOK || dev*1_000_000 <= m.bandMicro*mid {
			bad()
		}
	case ReasonMaxPosition:
		if m.pos+m.pending(orderbook.Bid)+qtyIf(o, orderbook.Bid) <= m.maxPos &&
			-m.pos+m.pending(orderbook.Ask)+qtyIf(o, orderbook.Ask) <= m.maxPos {
			bad()
		}
	case ReasonMaxOpenOrders:
		if len(m.working) < m.maxOpen {
			bad()
		}
	case ReasonRateLimit:
		// The bucket starts full, and is full again once the clock has
		// advanced burst / rate past the last accept: then it has a token.
		if len(m.tokens) == 0 || m.fullBucket() {
			bad()
		}
	case ReasonDuplicate:
		found := false
		for _, a := range m.accepts {
			found = found || a.side == o.Side && a.price == o.Price && a.qty == o.Qty && m.now-a.at < m.dupWindow
		}
		if !found {
			bad()
		}
	case ReasonSelfTrade:
		found := false
		for _, w := range m.working {
			found = found || w.side != o.Side && w.crossedBy(o.Side, o.Price)
		}
		if !found {
			bad()
		}
	case ReasonDuplicateID:
		if _, ok := m.working[o.ID]; !ok {
			bad()
		}
	default:
		rt.Fatalf("unexpected reason %v", r)
	}
}

// fullBucket reports whether the clock's high-water mark has advanced
// enough since the last accept for any bucket to be full again.
func (m *model) fullBucket() bool {
	last := m.tokens[len(m.tokens)-1]
	earned := new(big.Int).Mul(big.NewInt(m.hw-last), big.NewInt(m.rateMilli))
	return earned.Cmp(big.NewInt(m.burst*tokenUnit)) >= 0
}
