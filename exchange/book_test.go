package exchange

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
)

// op is one step of a matching scenario: place an order or cancel one (by
// the index of its placement in the scenario).
type op struct {
	cancel int // index of the placement to cancel, or -1
	side   Side
	typ    OrderType
	tif    TimeInForce
	price  int64
	qty    int64
}

func buy(price, qty int64) op {
	return op{cancel: -1, side: Buy, typ: Limit, tif: GTC, price: price, qty: qty}
}
func sell(price, qty int64) op {
	return op{cancel: -1, side: Sell, typ: Limit, tif: GTC, price: price, qty: qty}
}
func (o op) ioc() op    { o.tif = IOC; return o }
func (o op) maker() op  { o.typ = LimitMaker; return o }
func cancelOp(i int) op { return op{cancel: i} }

// trade is a fill as a scenario expects it: maker placement index, price, qty.
type trade struct {
	maker        int
	price, qty   int64
	buyerIsMaker bool
}

func TestMatching(t *testing.T) {
	tests := []struct {
		name       string
		ops        []op
		wantTrades []trade    // fills of the last op
		wantStatus Status     // status of the last op's order
		wantErr    error      // error of the last op
		wantBids   [][2]int64 // book after the last op, best first
		wantAsks   [][2]int64
	}{
		{
			name:       "rests without a match",
			ops:        []op{buy(100, 5), sell(101, 5)},
			wantStatus: StatusNew,
			wantBids:   [][2]int64{{100, 5}}, wantAsks: [][2]int64{{101, 5}},
		},
		{
			name:       "time priority within a level",
			ops:        []op{sell(101, 2), sell(101, 3), buy(101, 4)},
			wantTrades: []trade{{0, 101, 2, false}, {1, 101, 2, false}},
			wantStatus: StatusFilled,
			wantAsks:   [][2]int64{{101, 1}},
		},
		{
			name:       "price priority across levels at the maker's price",
			ops:        []op{sell(103, 1), sell(101, 1), sell(102, 1), buy(105, 3)},
			wantTrades: []trade{{1, 101, 1, false}, {2, 102, 1, false}, {0, 103, 1, false}},
			wantStatus: StatusFilled,
		},
		{
			name:       "partial fill rests the remainder",
			ops:        []op{buy(100, 2), sell(99, 5)},
			wantTrades: []trade{{0, 100, 2, true}},
			wantStatus: StatusPartiallyFilled,
			wantAsks:   [][2]int64{{99, 3}},
		},
		{
			name:       "IOC remainder expires",
			ops:        []op{buy(100, 2), buy(99, 2), sell(100, 5).ioc()},
			wantTrades: []trade{{0, 100, 2, true}},
			wantStatus: StatusExpired,
			wantBids:   [][2]int64{{99, 2}},
		},
		{
			name:       "IOC with no match expires whole",
			ops:        []op{buy(100, 2), sell(101, 1).ioc()},
			wantStatus: StatusExpired,
			wantBids:   [][2]int64{{100, 2}},
		},
		{
			name:     "post-only that would take is rejected",
			ops:      []op{sell(101, 1), buy(101, 1).maker()},
			wantErr:  ErrWouldTake,
			wantAsks: [][2]int64{{101, 1}},
		},
		{
			name:       "post-only that does not cross rests",
			ops:        []op{sell(101, 1), buy(100, 1).maker()},
			wantStatus: StatusNew,
			wantBids:   [][2]int64{{100, 1}}, wantAsks: [][2]int64{{101, 1}},
		},
		{
			name:       "cancel removes the order and keeps the others' priority",
			ops:        []op{sell(101, 1), sell(101, 2), cancelOp(0), buy(101, 1)},
			wantTrades: []trade{{1, 101, 1, false}},
			wantStatus: StatusFilled,
			wantAsks:   [][2]int64{{101, 1}},
		},
		{
			name:     "cancel of the last order removes the level",
			ops:      []op{buy(100, 1), buy(99, 1), cancelOp(0)},
			wantBids: [][2]int64{{99, 1}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := NewBook(1000, 0, 0)
			var orders []*Order
			var fills []Fill
			var err error
			for _, o := range tt.ops {
				if o.cancel >= 0 {
					if _, ok := b.Cancel(orders[o.cancel].ID, 0); !ok {
						t.Fatalf("cancel %d failed", o.cancel)
					}
					orders = append(orders, nil)
					fills, err = nil, nil
					continue
				}
				ord := &Order{Side: o.side, Type: o.typ, TIF: o.tif, Price: o.price, Qty: o.qty}
				orders = append(orders, ord)
				fills, err = b.Place(ord, 0)
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
			var got []trade
			for _, f := range fills {
				got = append(got, trade{slices.Index(orders, f.Maker), f.Price, f.Qty, f.BuyerMaker()})
			}
			if !slices.Equal(got, tt.wantTrades) {
				t.Errorf("trades %v, want %v", got, tt.wantTrades)
			}
			last := tt.ops[len(tt.ops)-1]
			if last.cancel < 0 && tt.wantErr == nil && orders[len(orders)-1].Status != tt.wantStatus {
				t.Errorf("status %v, want %v", orders[len(orders)-1].Status, tt.wantStatus)
			}
			if bids := b.Levels(nil, Buy, -1); !slices.Equal(bids, tt.wantBids) {
				t.Errorf("bids %v, want %v", bids, tt.wantBids)
			}
			if asks := b.Levels(nil, Sell, -1); !slices.Equal(asks, tt.wantAsks) {
				t.Errorf("asks %v, want %v", asks, tt.wantAsks)
			}
			checkChanges(t, b, 1000)
		})
	}
}

// checkChanges replays the book's level changes into an L2 map and checks
// it against the book, and that update ids run 1, 2, 3... after first.
func checkChanges(t *testing.T, b *Book, first uint64) {
	t.Helper()
	l2 := map[Side]map[int64]int64{Buy: {}, Sell: {}}
	for i, c := range b.TakeChanges(nil) {
		if c.UpdateID != first+uint64(i)+1 {
			t.Fatalf("change %d has update id %d, want %d", i, c.UpdateID, first+uint64(i)+1)
		}
		if c.Qty == 0 {
			delete(l2[c.Side], c.Price)
		} else {
			l2[c.Side][c.Price] = c.Qty
		}
	}
	for _, s := range []Side{Buy, Sell} {
		levels := b.Levels(nil, s, -1)
		if len(levels) != len(l2[s]) {
			t.Fatalf("%v: %d levels, changes give %d", s, len(levels), len(l2[s]))
		}
		for _, l := range levels {
			if l2[s][l[0]] != l[1] {
				t.Fatalf("%v %d: book %d, changes %d", s, l[0], l[1], l2[s][l[0]])
			}
		}
	}
}

// refOrder is an order of the reference model.
type refOrder struct {
	id          uint64
	side        Side
	price, left int64
}

// refBook is the simplest possible matching engine: a list of resting
// orders in arrival order, searched in full for the best one each time.
type refBook struct{ orders []*refOrder }

func (r *refBook) place(id uint64, s Side, typ OrderType, tif TimeInForce, price, qty int64) (fills [][3]int64, rejected bool) {
	crosses := func(o *refOrder) bool {
		return o.side != s && (s == Buy && o.price <= price || s == Sell && o.price >= price)
	}
	if typ == LimitMaker && slices.ContainsFunc(r.orders, crosses) {
		return nil, true
	}
	for qty > 0 {
		best := -1
		for i, o := range r.orders {
			if !crosses(o) {
				continue
			}
			if best < 0 || (s == Buy && o.price < r.orders[best].price) || (s == Sell && o.price > r.orders[best].price) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		m := r.orders[best]
		q := min(qty, m.left)
		fills = append(fills, [3]int64{int64(m.id), m.price, q})
		m.left -= q
		qty -= q
		if m.left == 0 {
			r.orders = slices.Delete(r.orders, best, best+1)
		}
	}
	if qty > 0 && tif == GTC {
		r.orders = append(r.orders, &refOrder{id, s, price, qty})
	}
	return fills, false
}

func (r *refBook) cancel(id uint64) bool {
	i := slices.IndexFunc(r.orders, func(o *refOrder) bool { return o.id == id })
	if i < 0 {
		return false
	}
	r.orders = slices.Delete(r.orders, i, i+1)
	return true
}

func (r *refBook) levels(s Side) [][2]int64 {
	agg := map[int64]int64{}
	for _, o := range r.orders {
		if o.side == s {
			agg[o.price] += o.left
		}
	}
	var out [][2]int64
	for p, q := range agg {
		out = append(out, [2]int64{p, q})
	}
	slices.SortFunc(out, func(a, b [2]int64) int {
		if (s == Buy) == (a[0] > b[0]) {
			return -1
		}
		return 1
	})
	return out
}

// TestMatchingRandom runs random orders and cancels through the book and the
// reference model and requires the same fills, the same book, and level
// changes that rebuild the book exactly.
func TestMatchingRandom(t *testing.T) {
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 1))
		b := NewBook(0, 0, 0)
		var ref refBook
		var ids []uint64
		l2 := map[Side]map[int64]int64{Buy: {}, Sell: {}}
		var lastUpdate uint64
		for step := range 2000 {
			if len(ids) > 0 && rng.IntN(4) == 0 {
				id := ids[rng.IntN(len(ids))]
				_, ok := b.Cancel(id, 0)
				if ok != ref.cancel(id) {
					t.Fatalf("seed %d step %d: cancel %d: book %v, reference %v", seed, step, id, ok, !ok)
				}
			} else {
				s := Side(1 + rng.IntN(2))
				typ, tif := Limit, GTC
				switch rng.IntN(4) {
				case 0:
					tif = IOC
				case 1:
					typ = LimitMaker
				}
				price := int64(95 + rng.IntN(11))
				qty := int64(1 + rng.IntN(10))
				o := &Order{Side: s, Type: typ, TIF: tif, Price: price, Qty: qty}
				next := b.orderID + 1
				fills, err := b.Place(o, 0)
				wantFills, rejected := ref.place(next, s, typ, tif, price, qty)
				if rejected != (err != nil) {
					t.Fatalf("seed %d step %d: rejected %v, reference %v", seed, step, err, rejected)
				}
				if rejected {
					continue
				}
				if o.ID != b.orderID {
					t.Fatalf("order id %d, want %d", o.ID, b.orderID)
				}
				var got [][3]int64
				for _, f := range fills {
					got = append(got, [3]int64{int64(f.Maker.ID), f.Price, f.Qty})
				}
				if !slices.Equal(got, wantFills) {
					t.Fatalf("seed %d step %d: fills %v, reference %v", seed, step, got, wantFills)
				}
				ids = append(ids, o.ID)
			}
			for _, c := range b.TakeChanges(nil) {
				if c.UpdateID != lastUpdate+1 {
					t.Fatalf("seed %d step %d: update id %d after %d", seed, step, c.UpdateID, lastUpdate)
				}
				lastUpdate = c.UpdateID
				if c.Qty == 0 {
					delete(l2[c.Side], c.Price)
				} else {
					l2[c.Side][c.Price] = c.Qty
				}
			}
			for _, s := range []Side{Buy, Sell} {
				got, want := b.Levels(nil, s, -1), ref.levels(s)
				if !slices.Equal(got, want) {
					t.Fatalf("seed %d step %d: %v levels %v, reference %v", seed, step, s, got, want)
				}
				if len(l2[s]) != len(got) {
					t.Fatalf("seed %d step %d: changes hold %d %v levels, book %d", seed, step, len(l2[s]), s, len(got))
				}
				for _, l := range got {
					if l2[s][l[0]] != l[1] {
						t.Fatalf("seed %d step %d: changes say %d at %d, book %d", seed, step, l2[s][l[0]], l[0], l[1])
					}
				}
			}
			if bp, _, okb := b.Best(Buy); okb {
				if ap, _, oka := b.Best(Sell); oka && bp >= ap {
					t.Fatalf("seed %d step %d: crossed book %d >= %d", seed, step, bp, ap)
				}
			}
		}
	}
}

// TestMarketDeterministic steps two markets with the same seed through the
// same clock and requires byte-identical market data, and a deep book.
func TestMarketDeterministic(t *testing.T) {
	run := func(seed uint64) ([]string, *Market) {
		var out []string
		m, err := NewMarket(BTCUSDT(), seed, SynthConfig{}, 1_700_000_000_000_000_000, func(stream string, payload []byte, depth bool) {
			out = append(out, stream+" "+string(payload))
		})
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i <= 500; i++ {
			m.Step(1_700_000_000_000_000_000 + int64(i)*10_000_000)
		}
		return out, m
	}
	a, m := run(7)
	b, _ := run(7)
	c, _ := run(8)
	if !slices.Equal(a, b) {
		t.Error("two runs with one seed differ")
	}
	if slices.Equal(a, c) {
		t.Error("two seeds give the same market")
	}
	var depth, trades int
	for _, s := range a {
		switch {
		case len(s) > 20 && s[:20] == "btcusdt@depth@100ms ":
			depth++
		case len(s) > 14 && s[:14] == "btcusdt@trade ":
			trades++
		}
	}
	if depth != 50 || trades < 5 {
		t.Errorf("5 s of market: %d depth events (want 50), %d trades", depth, trades)
	}
	if m.Book().Depth(Buy) < 200 || m.Book().Depth(Sell) < 200 {
		t.Errorf("book depth %d/%d levels, want hundreds", m.Book().Depth(Buy), m.Book().Depth(Sell))
	}
	bp, _, _ := m.Book().Best(Buy)
	ap, _, _ := m.Book().Best(Sell)
	if spread := ap - bp; spread <= 0 || spread > 50*BTCUSDT().TickSize {
		t.Errorf("spread %d", spread)
	}
}
