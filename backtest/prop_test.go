package backtest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"

	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/risk"
	"github.com/nanotick/nanotick/venues"
)

// orderState is the property test's own view of one order, from the answers alone.
type orderState struct {
	o        risk.Order
	acked    bool
	filled   int64
	terminal string // "", "filled", "cancelled", "rejected"
}

// checker is a Receiver that checks every answer against what was sent.
type checker struct {
	rt      *rapid.T
	orders  map[uint64]*orderState
	lastDue int64
	pos     int64
}

func (c *checker) get(id uint64, what string) *orderState {
	s, ok := c.orders[id]
	if !ok {
		c.rt.Fatalf("%s for unknown order %d", what, id)
	}
	if s.terminal != "" {
		c.rt.Fatalf("%s for order %d after it was %s", what, id, s.terminal)
	}
	return s
}

func (c *checker) due(now int64) {
	if now < c.lastDue {
		c.rt.Fatalf("answer at %d after one at %d", now, c.lastDue)
	}
	c.lastDue = now
}

func (c *checker) OnAck(id uint64, now int64) {
	c.due(now)
	s := c.get(id, "ack")
	if s.acked {
		c.rt.Fatalf("order %d acked twice", id)
	}
	s.acked = true
}

func (c *checker) OnFill(id uint64, price, q, fee int64, maker bool, now int64) {
	c.due(now)
	s := c.get(id, "fill")
	if !s.acked {
		c.rt.Fatalf("fill of order %d before its ack", id)
	}
	if q <= 0 || q%lot != 0 {
		c.rt.Fatalf("fill of %d: not a positive number of lots", q)
	}
	s.filled += q
	if s.filled > s.o.Qty {
		c.rt.Fatalf("order %d filled %d of %d", id, s.filled, s.o.Qty)
	}
	if maker && price != s.o.Price {
		c.rt.Fatalf("maker fill of order %d at %d, not its price %d", id, price, s.o.Price)
	}
	if (s.o.Side == orderbook.Bid && price > s.o.Price) || (s.o.Side == orderbook.Ask && price < s.o.Price) {
		c.rt.Fatalf("order %d (%v at %d) filled at a worse price %d", id, s.o.Side, s.o.Price, price)
	}
	if maker && s.o.IOC {
		c.rt.Fatalf("IOC order %d filled as maker", id)
	}
	if !maker && s.o.PostOnly {
		c.rt.Fatalf("post-only order %d filled as taker", id)
	}
	if s.o.Side == orderbook.Bid {
		c.pos += q
	} else {
		c.pos -= q
	}
	if s.filled == s.o.Qty {
		s.terminal = "filled"
	}
}

func (c *checker) OnCancelled(id uint64, now int64) {
	c.due(now)
	c.get(id, "cancel").terminal = "cancelled"
}

func (c *checker) OnRejected(id uint64, reason string, now int64) {
	c.due(now)
	s := c.get(id, "reject")
	if s.acked {
		c.rt.Fatalf("order %d rejected after its ack", id)
	}
	s.terminal = "rejected"
}

// TestExchangeProperties runs random markets and random orders through the exchange
// and checks, from its answers alone: every order is acknowledged or rejected once,
// fills come after the ack, never exceed the order, are whole lots, are never at a
// worse price than the limit, maker fills are at the order's price, post-only never
// takes and IOC never rests; answers arrive in time order; every order ends filled,
// cancelled, rejected or resting; and the account's position is the fills' sum.
func TestExchangeProperties(t *testing.T) {
	var seen ExchangeCounters // over all the runs: the test must exercise every rule
	defer func() {
		if seen.MakerFills == 0 || seen.TakerFills == 0 || seen.Expired == 0 || seen.Cancelled == 0 ||
			seen.CancelsTooLate == 0 || seen.Rejected[rejPostOnly] == 0 {
			t.Errorf("the random runs missed a rule: %+v", seen)
		}
	}()
	rapid.Check(t, func(rt *rapid.T) {
		entry := time.Duration(rapid.IntRange(0, 20).Draw(rt, "entryMs")) * time.Millisecond
		resp := time.Duration(rapid.IntRange(0, 20).Draw(rt, "respMs")) * time.Millisecond
		lat, _ := ConstantLatency(entry, resp)
		acct := NewAccount(decimal.NewFromInt(1000), ps, qs)
		queue := rapid.SampledFrom([]QueueModel{RiskAverse, PowerLaw}).Draw(rt, "queue")
		x, err := NewExchange(ExchangeConfig{
			Instrument: testSpec("TEST", ps, qs), NewFeed: venues.NewFeed,
			Lot: lot, Latency: lat, Queue: queue, QueuePower: rapid.Float64Range(0, 4).Draw(rt, "power"),
			PartialFills: rapid.Bool().Draw(rt, "partial"), MakerFeeBps: 1, TakerFeeBps: 2, Account: acct,
		})
		if err != nil {
			rt.Fatal(err)
		}
		c := &checker{rt: rt, orders: map[uint64]*orderState{}}
		now := base
		upd := uint64(100)
		x.OnMarket([]byte(`{"lastUpdateId":100,"bids":[["100.00","5"],["99.00","5"]],"asks":[["101.00","5"],["102.00","5"]]}`), now)
		// Prices in whole units 95..106 around a mid that drifts.
		level := func(p int64, q int64) string { return fmt.Sprintf(`["%d.00","%d"]`, p, q) }
		mid := int64(100)
		nextID := uint64(1)
		steps := rapid.IntRange(1, 120).Draw(rt, "steps")
		for i := 0; i < steps; i++ {
			now += int64(rapid.IntRange(0, 15).Draw(rt, "dtMs")) * ms
			x.RunUntil(now, c)
			switch rapid.IntRange(0, 4).Draw(rt, "action") {
			case 0: // depth: move the touch and resize levels, keeping the book uncrossed
				mid += int64(rapid.IntRange(-1, 1).Draw(rt, "drift"))
				var bs, as []string
				for p := mid - 3; p <= mid; p++ {
					bs = append(bs, level(p, int64(rapid.IntRange(0, 9).Draw(rt, "bq"))))
				}
				for p := mid + 1; p <= mid+4; p++ {
					as = append(as, level(p, int64(rapid.IntRange(0, 9).Draw(rt, "aq"))))
				}
				// Levels outside the band are removed so that the book stays uncrossed.
				for p := mid + 1; p <= mid+6; p++ {
					bs = append(bs, level(p, 0))
				}
				for p := mid - 5; p <= mid; p++ {
					as = append(as, level(p, 0))
				}
				upd++
				x.OnMarket([]byte(fmt.Sprintf(`{"e":"depthUpdate","E":%d,"s":"TEST","U":%d,"u":%d,"b":[%s],"a":[%s]}`,
					now/ms, upd, upd, strings.Join(bs, ","), strings.Join(as, ","))), now)
			case 1: // a public trade
				p := mid + int64(rapid.IntRange(-2, 3).Draw(rt, "tp"))
				x.OnMarket([]byte(fmt.Sprintf(`{"e":"trade","E":%d,"s":"TEST","t":1,"p":"%d.00","q":"%d","T":%d,"m":%v,"M":true}`,
					now/ms, p, rapid.IntRange(1, 6).Draw(rt, "tq"), now/ms, rapid.Bool().Draw(rt, "m"))), now)
			case 2, 3: // an order
				o := risk.Order{
					ID: nextID, Side: orderbook.Side(rapid.IntRange(0, 1).Draw(rt, "side")),
					Price: px(float64(mid + int64(rapid.IntRange(-3, 4).Draw(rt, "op")))),
					Qty:   qty(float64(rapid.IntRange(1, 8).Draw(rt, "oq"))),
				}
				switch rapid.IntRange(0, 2).Draw(rt, "tif") {
				case 1:
					o.PostOnly = true
				case 2:
					o.IOC = true
				}
				nextID++
				c.orders[o.ID] = &orderState{o: o}
				_ = x.Place(&o, now)
			case 4: // a cancel of any order so far
				if nextID > 1 {
					_ = x.Cancel(uint64(rapid.IntRange(1, int(nextID-1)).Draw(rt, "cid")), now)
				}
			}
		}
		x.RunUntil(now+int64(time.Hour), c)
		xc := x.Counters()
		seen.MakerFills += xc.MakerFills
		seen.TakerFills += xc.TakerFills
		seen.Expired += xc.Expired
		seen.Cancelled += xc.Cancelled
		seen.CancelsTooLate += xc.CancelsTooLate
		seen.Rejected[rejPostOnly] += xc.Rejected[rejPostOnly]
		open := 0
		for id, s := range c.orders {
			if !s.acked && s.terminal == "" {
				rt.Fatalf("order %d never answered", id)
			}
			if s.terminal == "" {
				open++
				if s.o.IOC {
					rt.Fatalf("IOC order %d rests", id)
				}
			}
		}
		if open != x.Resting() {
			rt.Fatalf("%d orders open by the answers, %d resting at the exchange", open, x.Resting())
		}
		if !acct.Position().Equal(qs.Decimal(c.pos)) {
			rt.Fatalf("account position %s, fills sum to %s", acct.Position(), qs.Decimal(c.pos))
		}
	})
}
