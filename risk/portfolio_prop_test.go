package risk

import (
	"math/big"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"

	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/orderbook"
)

// The portfolio property test drives three instruments (BTC spot at 8/8 decimals, the
// BTC perpetual at 2/3, ETH spot at 2/4) with random streams of orders, fills, cancels
// and book moves, per-instrument limits loose enough that the portfolio's bind, and
// checks every decision against a model in exact rational arithmetic that knows only
// the instruments' real values: no accepted order may take the worst-case net position
// of its base asset or the gross notional past their limits (zero breaches), every
// portfolio rejection must be one the model also sees, and once the model's total PnL
// is past the loss or drawdown limit by more than rounding, every instrument refuses
// every order.

type pleg struct {
	spec    instrument.Spec
	c       *Checker
	book    *orderbook.Book
	mid     int64 // the book's mid, the instrument's mark (price units)
	pos     int64 // filled position, quantity units
	cash    *big.Rat
	working map[uint64]*modelOrder
}

type pmodel struct {
	legs                        []*pleg
	maxGross, maxNet            *big.Rat
	maxLoss, maxDD              *big.Rat
	peak                        *big.Rat
	fills                       int
	now                         int64
	nextID                      uint64
	lossHalted                  bool
	reasons                     *[NumReasons]int
	accepts, fillsN, lossHaltsN *int
}

func (l *pleg) price(v int64) *big.Rat { return big.NewRat(v, l.spec.PriceScale.Unit()) }
func (l *pleg) qty(v int64) *big.Rat   { return big.NewRat(v, l.spec.QtyScale.Unit()) }

// net returns the worst-case net position in asset on side with an extra order of
// extra quantity on leg with.
func (m *pmodel) net(asset string, side orderbook.Side, with *pleg, extra int64) *big.Rat {
	n := new(big.Rat)
	for _, l := range m.legs {
		if l.spec.Base != asset {
			continue
		}
		v := l.pos
		if side == orderbook.Ask {
			v = -v
		}
		n.Add(n, l.qty(v))
		for _, o := range l.working {
			if o.side == side {
				n.Add(n, l.qty(o.rem))
			}
		}
	}
	return n.Add(n, with.qty(extra))
}

// gross returns the gross notional with an extra order on leg with.
func (m *pmodel) gross(with *pleg, price, qty int64) *big.Rat {
	g := new(big.Rat)
	for _, l := range m.legs {
		p := l.pos
		if p < 0 {
			p = -p
		}
		g.Add(g, new(big.Rat).Mul(l.qty(p), l.price(l.mid)))
		for _, o := range l.working {
			g.Add(g, new(big.Rat).Mul(l.qty(o.rem), l.price(o.price)))
		}
	}
	return g.Add(g, new(big.Rat).Mul(with.qty(qty), with.price(price)))
}

// total returns the PnL over all instruments: cash plus positions at their marks.
func (m *pmodel) total() *big.Rat {
	t := new(big.Rat)
	for _, l := range m.legs {
		t.Add(t, l.cash)
		t.Add(t, new(big.Rat).Mul(l.qty(l.pos), l.price(l.mid)))
	}
	return t
}

// evaluate tracks the peak at the points the portfolio evaluates (fills and marks) and
// reports whether a loss limit is clearly breached: past it by more than the rounding
// of the Checkers' average-cost accounting (a price unit of the coarsest instrument per
// fill and per leg).
func (m *pmodel) evaluate() {
	t := m.total()
	if t.Cmp(m.peak) > 0 {
		m.peak.Set(t)
	}
	tol := big.NewRat(int64(m.fills+len(m.legs)+1), 100)
	loss := new(big.Rat).Neg(t)
	dd := new(big.Rat).Sub(m.peak, t)
	if m.maxLoss.Sign() > 0 && loss.Cmp(new(big.Rat).Add(m.maxLoss, tol)) > 0 ||
		m.maxDD.Sign() > 0 && dd.Cmp(new(big.Rat).Add(m.maxDD, tol)) > 0 {
		if !m.lossHalted {
			*m.lossHaltsN++
		}
		m.lossHalted = true
	}
}

func TestPropertyPortfolio(t *testing.T) {
	var reasons [NumReasons]int
	var accepts, fills, lossHalts int
	rounds := 10
	if testing.Short() {
		rounds = 1
	}
	for range rounds {
		rapid.Check(t, func(rt *rapid.T) { runPortfolioProperty(rt, &reasons, &accepts, &fills, &lossHalts) })
		if t.Failed() {
			return
		}
	}
	t.Logf("accepted %d, fills %d, loss halts %d, reasons %v", accepts, fills, lossHalts, reasons)
	if accepts == 0 || fills == 0 {
		t.Errorf("generator too narrow: %d accepts, %d fills", accepts, fills)
	}
	if testing.Short() {
		return
	}
	for r := ReasonPortfolioNotional; r <= ReasonPortfolioDrawdown; r++ {
		if reasons[r] == 0 {
			t.Errorf("no rejection for %v in the whole run", r)
		}
	}
}

func runPortfolioProperty(rt *rapid.T, reasons *[NumReasons]int, accepts, fills, lossHalts *int) {
	specs := []instrument.Spec{
		instrument.BinanceSpotBTCUSDT(),
		instrument.BinanceUSDMBTCUSDT(),
		{ID: instrument.ID{Venue: "binance-spot", Symbol: "ETHUSDT"}, Kind: instrument.Spot, Base: "ETH", Quote: "USDT",
			PriceScale: 2, QtyScale: 4, Tick: 1, Lot: 10, MinQty: 10, MaxQty: 1_000_000_0, MinNotional: 500},
	}
	table := instrument.MustTable(specs...)
	cfg := Config{
		MaxOrderQty: decimal.NewFromInt(100), MaxOrderNotional: decimal.NewFromInt(10_000_000),
		PriceBandBps: decimal.NewFromInt(1000), StaleAfter: time.Hour, MaxPosition: decimal.NewFromInt(1000),
		MaxOpenOrders: 50, OrdersPerSecond: decimal.NewFromInt(1000), OrderBurst: 1000, DuplicateWindow: time.Nanosecond,
		MaxDailyLoss: decimal.NewFromInt(1_000_000), MaxDrawdown: decimal.NewFromInt(1_000_000),
	}
	pc := PortfolioConfig{
		MaxGrossNotional: decimal.NewFromInt(ri(2_000, 40_000).Draw(rt, "maxGross")),
		MaxNetPosition:   decimal.New(ri(1, 300).Draw(rt, "maxNetMilli"), -3),
		MaxTotalLoss:     decimal.NewFromInt(ri(5, 200).Draw(rt, "maxLoss")),
		MaxDrawdown:      decimal.NewFromInt(ri(5, 200).Draw(rt, "maxDD")),
	}
	m := &pmodel{
		maxGross: pc.MaxGrossNotional.Rat(), maxNet: pc.MaxNetPosition.Rat(),
		maxLoss: pc.MaxTotalLoss.Rat(), maxDD: pc.MaxDrawdown.Rat(), peak: new(big.Rat),
		now: t0, nextID: 1, reasons: reasons, accepts: accepts, fillsN: fills, lossHaltsN: lossHalts,
	}
	var checkers []*Checker
	mids := []float64{60000, 60000, 3000}
	for i := range specs {
		spec := *table.At(instrument.Index(i))
		c, err := New(cfg, Instrument{PriceScale: spec.PriceScale, QtyScale: spec.QtyScale, Tick: spec.Tick, Lot: spec.Lot,
			MinQty: spec.MinQty, MaxQty: spec.MaxQty, MinNotional: spec.MinNotional})
		if err != nil {
			rt.Fatal(err)
		}
		checkers = append(checkers, c)
		l := &pleg{spec: spec, c: c, book: orderbook.New(4), cash: new(big.Rat), working: map[uint64]*modelOrder{}}
		m.legs = append(m.legs, l)
		m.setBook(l, int64(mids[i]*float64(spec.PriceScale.Unit())))
	}
	if _, err := NewPortfolio(pc, table, checkers); err != nil {
		rt.Fatal(err)
	}
	for _, l := range m.legs {
		l.c.OnBook(l.book, m.now)
	}
	m.evaluate()

	steps := rapid.IntRange(20, 300).Draw(rt, "steps")
	for range steps {
		l := m.legs[rapid.IntRange(0, len(m.legs)-1).Draw(rt, "leg")]
		switch rapid.IntRange(0, 9).Draw(rt, "action") {
		case 0, 1, 2, 3, 4: // an order
			m.order(rt, l)
		case 5, 6: // a fill of a working order at its price
			id, ok := pickWorking(rt, l)
			if !ok {
				continue
			}
			o := l.working[id]
			q := o.rem
			if rapid.Bool().Draw(rt, "partial") && o.rem > l.spec.Lot {
				q = l.spec.Lot * ri(1, o.rem/l.spec.Lot).Draw(rt, "lots")
			}
			if err := l.c.OnFill(id, o.price, q, 0); err != nil {
				rt.Fatal(err)
			}
			notional := new(big.Rat).Mul(l.qty(q), l.price(o.price))
			if o.side == orderbook.Bid {
				l.pos += q
				l.cash.Sub(l.cash, notional)
			} else {
				l.pos -= q
				l.cash.Add(l.cash, notional)
			}
			if o.rem -= q; o.rem == 0 {
				delete(l.working, id)
			}
			m.fills++
			*fills++
			m.evaluate()
		case 7: // a cancel
			id, ok := pickWorking(rt, l)
			if !ok {
				continue
			}
			if err := l.c.OnCancel(id); err != nil {
				rt.Fatal(err)
			}
			delete(l.working, id)
		default: // the market moves: up to 1%
			move := ri(-100, 100).Draw(rt, "moveBps")
			m.setBook(l, l.mid+l.mid*move/10_000)
			m.now += int64(time.Millisecond)
			l.c.OnBook(l.book, m.now)
			m.evaluate()
		}
		if m.lossHalted {
			// Past a loss limit: every instrument refuses, whatever the order.
			for _, k := range m.legs {
				o := &Order{ID: 1 << 60, Side: orderbook.Ask, Price: k.mid - k.mid%k.spec.Tick, Qty: k.spec.MinQty}
				if r := k.c.Check(o, k.book, m.now); r == ReasonOK {
					rt.Fatalf("%s accepted an order after the portfolio's total PnL %v passed its limits (loss %v, drawdown %v from %v)",
						k.spec.ID, m.total().FloatString(4), m.maxLoss.FloatString(2), m.maxDD.FloatString(2), m.peak.FloatString(4))
				} else {
					reasons[r]++
				}
			}
		}
	}
}

// setBook puts one level a side around mid, a tick apart.
func (m *pmodel) setBook(l *pleg, mid int64) {
	tick := l.spec.Tick
	mid = max(mid-mid%tick, 10*tick)
	l.book.Clear()
	l.book.Set(orderbook.Bid, mid-tick, 1_000_000)
	l.book.Set(orderbook.Ask, mid+tick, 1_000_000)
	l.book.SetSynced(true)
	l.book.SetUpdate(1, m.now, m.now)
	got, _ := l.book.Mid()
	l.mid = got
}

func pickWorking(rt *rapid.T, l *pleg) (uint64, bool) {
	if len(l.working) == 0 {
		return 0, false
	}
	ids := make([]uint64, 0, len(l.working))
	for id := range l.working {
		ids = append(ids, id)
	}
	slicesSort(ids)
	return rapid.SampledFrom(ids).Draw(rt, "id"), true
}

func slicesSort(ids []uint64) {
	for i := 1; i < len(ids); i++ {
		for j := i; j > 0 && ids[j] < ids[j-1]; j-- {
			ids[j], ids[j-1] = ids[j-1], ids[j]
		}
	}
}

// order sends a random order on l and checks the decision against the model.
func (m *pmodel) order(rt *rapid.T, l *pleg) {
	side := orderbook.Side(rapid.IntRange(0, 1).Draw(rt, "side"))
	// Within 2% of the mid, on the passive side mostly, so that orders rest.
	off := ri(-200, 50).Draw(rt, "offBps")
	price := l.mid + l.mid*off/10_000
	if side == orderbook.Ask {
		price = l.mid - l.mid*off/10_000
	}
	price -= price % l.spec.Tick
	qty := l.spec.Lot * ri(1, 1+20*l.spec.MinQty/l.spec.Lot+ri(0, 2000).Draw(rt, "extraLots")).Draw(rt, "lots")
	qty = max(qty, l.spec.MinQty)
	m.nextID++
	id := m.nextID
	m.now += int64(time.Millisecond)
	o := &Order{ID: id, Side: side, Price: price, Qty: qty}
	net := m.net(l.spec.Base, side, l, qty)
	gross := m.gross(l, price, qty)
	r := l.c.Check(o, l.book, m.now)
	m.reasons[r]++
	netOver, grossOver := net.Cmp(m.maxNet) > 0, gross.Cmp(m.maxGross) > 0
	switch r {
	case ReasonOK:
		if netOver || grossOver {
			rt.Fatalf("%s accepted %v %d @ %d: net %s (max %s), gross %s (max %s)", l.spec.ID, side, qty, price,
				net.FloatString(6), m.maxNet.FloatString(6), gross.FloatString(4), m.maxGross.FloatString(4))
		}
		if m.lossHalted {
			rt.Fatalf("%s accepted an order after the loss limit", l.spec.ID)
		}
		l.working[id] = &modelOrder{side: side, price: price, rem: qty}
		*m.accepts++
	case ReasonPortfolioPosition:
		if !netOver {
			rt.Fatalf("%s rejected for net position %s within %s", l.spec.ID, net.FloatString(6), m.maxNet.FloatString(6))
		}
	case ReasonPortfolioNotional:
		if netOver || !grossOver {
			rt.Fatalf("%s rejected for gross notional %s (max %s) with net %s within its limit", l.spec.ID, gross.FloatString(4), m.maxGross.FloatString(4), net.FloatString(6))
		}
	}
}
