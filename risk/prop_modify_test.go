package risk

import (
	"math/big"

	"github.com/nanotick/nanotick/orderbook"
	"pgregory.net/rapid"
)

// modify draws a modify of a working order (now and then of one that is not working, of
// the wrong side, or to no more than has filled), checks it with CheckModify and
// verifies the decision against the model: an accepted modify breaks no rule at its new
// terms, counting the larger of the old and new remainders until the venue answers; a
// rejected one is rejected for a reason that holds.
func (m *model) modify(rt *rapid.T, c *Checker, b *orderbook.Book) {
	id, ok := m.pick(rt)
	if !ok || rapid.IntRange(0, 19).Draw(rt, "modifyGone") == 0 {
		id = m.nextID + 1000 // an id that never worked
	}
	w := m.working[id]
	ref := m.mark
	if m.book.bid > 0 && m.book.ask > 0 {
		ref = (m.book.bid + m.book.ask) / 2
	}
	mo := &Order{ID: id, Side: orderbook.Bid,
		Price: ref - ref%m.inst.Tick + m.inst.Tick*ri(-30, 30).Draw(rt, "modTicks"),
		Qty:   m.inst.Lot * (1 + ri(0, 39).Draw(rt, "modLots"))}
	if w != nil {
		mo.Side = w.side
		mo.Qty += w.filled
		switch rapid.IntRange(0, 9).Draw(rt, "modKind") {
		case 0: // quantity only, lower: keeps its place at the venue
			mo.Price = w.price
			mo.Qty = w.filled + max(w.rem-m.inst.Lot, m.inst.Lot)
		case 1: // price only
			mo.Qty = w.filled + w.rem
		case 2:
			mo.Side = 1 - w.side
		case 3:
			mo.Qty = w.filled // nothing left: a cancel
		case 4:
			mo.Price += ri(1, m.inst.Tick+1).Draw(rt, "modOffTick")
		}
	}
	m.hw = max(m.hw, m.now)
	r := c.CheckModify(mo, m.bookArg(b), m.now)
	m.stats.reasons[r]++
	if r != ReasonOK {
		m.justifyModify(rt, mo, w, r)
		return
	}
	if w == nil {
		rt.Fatalf("modify of %d, which is not working, accepted", id)
	}
	m.modifyAccepted(rt, mo, w)
	m.stats.modifies++
	newRem := mo.Qty - w.filled
	w.mod = &modelMod{price: mo.Price, newRem: newRem, oldRem: w.rem}
	w.rem = max(w.rem, newRem)
	m.tokens = append(m.tokens, m.hw)
}

// modifyAccepted fails the test if an accepted modify breaks a rule.
func (m *model) modifyAccepted(rt *rapid.T, mo *Order, w *modelOrder) {
	fail := func(what string) { rt.Fatalf("accepted modify %+v of %+v breaks %s", *mo, *w, what) }
	if m.killed || m.loss == lossYes {
		fail("halt")
	}
	if m.loss == lossMaybe {
		m.loss = lossNo
	}
	if w.mod != nil {
		fail("one pending modify")
	}
	if mo.Side != w.side {
		fail("side")
	}
	newRem := mo.Qty - w.filled
	if newRem <= 0 {
		fail("something left")
	}
	if m.reducing && !m.reduces(mo.Side, newRem, w.rem) {
		fail("reducing only")
	}
	if w.reduceOnly && !m.reduces(mo.Side, newRem, w.rem) {
		fail("reduce only")
	}
	in := &m.inst
	if mo.Price%in.Tick != 0 || mo.Qty%in.Lot != 0 {
		fail("tick/lot")
	}
	if mo.Qty < in.MinQty || mo.Qty > in.MaxQty || mo.Qty > m.maxOrderQty {
		fail("quantity limits")
	}
	notional := new(big.Int).Mul(big.NewInt(mo.Price), big.NewInt(mo.Qty))
	unit := big.NewInt(in.QtyScale.Unit())
	if notional.Cmp(new(big.Int).Mul(big.NewInt(in.MinNotional), unit)) < 0 ||
		notional.Cmp(new(big.Int).Mul(big.NewInt(m.maxOrderNotional), unit)) > 0 {
		fail("notional limits")
	}
	br, mid := m.bookUsable()
	if br != ReasonOK {
		fail("book usability: " + br.String())
	}
	dev := max(mo.Price-mid, mid-mo.Price)
	if big.NewInt(dev*1_000_000).Cmp(new(big.Int).Mul(big.NewInt(m.bandMicro), big.NewInt(mid))) > 0 {
		fail("price band")
	}
	counted := max(newRem, w.rem)
	if w.side == orderbook.Bid && m.pos+m.pending(orderbook.Bid)-w.rem+counted > m.maxPos ||
		w.side == orderbook.Ask && -m.pos+m.pending(orderbook.Ask)-w.rem+counted > m.maxPos {
		fail("max position")
	}
	m.checkRate(func() { fail("order rate") })
	for oid, o := range m.working {
		if oid != mo.ID && o.side != mo.Side && o.crossedBy(mo.Side, mo.Price) {
			fail("self-trade")
		}
	}
}

// justifyModify fails the test if a modify's rejection reason does not hold.
func (m *model) justifyModify(rt *rapid.T, mo *Order, w *modelOrder, r Reason) {
	bad := func() { rt.Fatalf("modify %+v of %+v rejected for %v, which does not hold", *mo, w, r) }
	in := &m.inst
	var newRem, counted int64
	if w != nil {
		newRem = mo.Qty - w.filled
		counted = max(newRem, w.rem)
	}
	switch r {
	case ReasonHalted:
		if !m.killed {
			bad()
		}
	case ReasonDailyLoss, ReasonDrawdown:
		if m.reducing || m.loss == lossNo {
			bad()
		}
		m.loss = lossYes
	case ReasonNotWorking:
		if w != nil {
			bad()
		}
	case ReasonModifyPending:
		if w == nil || w.mod == nil {
			bad()
		}
	case ReasonInvalidOrder:
		if w != nil && mo.Side == w.side && newRem > 0 && mo.Price > 0 {
			bad()
		}
	case ReasonReducingOnly:
		if !m.reducing || m.reduces(mo.Side, newRem, w.rem) {
			bad()
		}
	case ReasonReduceOnly:
		if !w.reduceOnly || m.reduces(mo.Side, newRem, w.rem) {
			bad()
		}
	case ReasonTick:
		if mo.Price%in.Tick == 0 {
			bad()
		}
	case ReasonLot:
		if mo.Qty%in.Lot == 0 {
			bad()
		}
	case ReasonMinQty:
		if mo.Qty >= in.MinQty {
			bad()
		}
	case ReasonMaxQty:
		if mo.Qty <= in.MaxQty {
			bad()
		}
	case ReasonMinNotional:
		if mo.Price*mo.Qty >= in.MinNotional*in.QtyScale.Unit() {
			bad()
		}
	case ReasonMaxOrderQty:
		if mo.Qty <= m.maxOrderQty {
			bad()
		}
	case ReasonMaxOrderNotional:
		if mo.Price*mo.Qty <= m.maxOrderNotional*in.QtyScale.Unit() {
			bad()
		}
	case ReasonNoBook, ReasonInvalidBook, ReasonStaleBook:
		if br, _ := m.bookUsable(); br != r {
			bad()
		}
	case ReasonPriceBand:
		br, mid := m.bookUsable()
		dev := max(mo.Price-mid, mid-mo.Price)
		if br != ReasonOK || dev*1_000_000 <= m.bandMicro*mid {
			bad()
		}
	case ReasonMaxPosition:
		if mo.Side == orderbook.Bid && m.pos+m.pending(orderbook.Bid)-w.rem+counted <= m.maxPos ||
			mo.Side == orderbook.Ask && -m.pos+m.pending(orderbook.Ask)-w.rem+counted <= m.maxPos {
			bad()
		}
	case ReasonRateLimit:
		if len(m.tokens) == 0 || m.fullBucket() {
			bad()
		}
	case ReasonSelfTrade:
		found := false
		for oid, o := range m.working {
			found = found || oid != mo.ID && o.side != mo.Side && o.crossedBy(mo.Side, mo.Price)
		}
		if !found {
			bad()
		}
	default:
		rt.Fatalf("unexpected modify reason %v", r)
	}
}
