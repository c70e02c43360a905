package bybit

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/orderbook"
)

// frame writes an orderbook message of the linear BTCUSDT shape Bybit
// documents; prices and sizes are in the decoder's units (scales 2 and 3).
func frame(typ string, depth int, u, seq int64, bids, asks []orderbook.Level) []byte {
	b := []byte(`{"topic":"orderbook.` + strconv.Itoa(depth) + `.BTCUSDT","type":"` + typ + `","ts":1687940967466,"data":{"s":"BTCUSDT","b":[`)
	b = appendLevels(b, bids)
	b = append(b, `],"a":[`...)
	b = appendLevels(b, asks)
	b = append(b, `],"u":`...)
	b = strconv.AppendInt(b, u, 10)
	b = append(b, `,"seq":`...)
	b = strconv.AppendInt(b, seq, 10)
	return append(b, `},"cts":1687940967464}`...)
}

func appendLevels(b []byte, ls []orderbook.Level) []byte {
	for i, l := range ls {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `["`...)
		b = fixed.Scale(2).AppendFixed(b, l.Price)
		b = append(b, `","`...)
		b = fixed.Scale(3).AppendFixed(b, l.Qty)
		b = append(b, `"]`...)
	}
	return b
}

// market is a test exchange: it keeps the true book at a depth and writes
// the snapshot and deltas Bybit would send as it moves, deleting each level
// pushed out of the top depth as Bybit does.
type market struct {
	depth    int
	rng      *rand.Rand
	bids     map[int64]int64
	asks     map[int64]int64
	mid      int64
	u, seq   int64
	shown    [2]map[int64]int64 // the levels the subscriber was told of, per side
	pendBids []orderbook.Level
	pendAsks []orderbook.Level
}

func newMarket(depth int, seed uint64) *market {
	m := &market{depth: depth, rng: rand.New(rand.NewPCG(seed, 1)), bids: map[int64]int64{}, asks: map[int64]int64{},
		mid: 3_024_800, u: 1_000, seq: 66_544_700_000}
	for i := int64(1); i <= int64(depth)+20; i++ {
		m.bids[m.mid-10*i] = 1 + m.rng.Int64N(5000)
		m.asks[m.mid+10*i] = 1 + m.rng.Int64N(5000)
	}
	return m
}

// top returns the best depth levels of a side, best first.
func (m *market) top(side orderbook.Side) []orderbook.Level {
	src := m.bids
	if side == orderbook.Ask {
		src = m.asks
	}
	ls := make([]orderbook.Level, 0, len(src))
	for p, q := range src {
		ls = append(ls, orderbook.Level{Price: p, Qty: q})
	}
	slices.SortFunc(ls, func(a, b orderbook.Level) int {
		if side == orderbook.Bid {
			return int(b.Price - a.Price)
		}
		return int(a.Price - b.Price)
	})
	return ls[:min(len(ls), m.depth)]
}

func (m *market) snapshot() []byte {
	m.u++
	m.seq += 1 + m.rng.Int64N(50)
	bids, asks := m.top(orderbook.Bid), m.top(orderbook.Ask)
	m.shown = [2]map[int64]int64{{}, {}}
	for _, l := range bids {
		m.shown[0][l.Price] = l.Qty
	}
	for _, l := range asks {
		m.shown[1][l.Price] = l.Qty
	}
	return frame("snapshot", m.depth, m.u, m.seq, bids, asks)
}

// delta moves the market by a few changes and writes the delta that takes
// the subscriber's top depth to the new one.
func (m *market) delta() []byte {
	if m.rng.IntN(4) == 0 {
		// The price moves a tick or two: the levels it crosses go.
		m.mid += 10 * (m.rng.Int64N(5) - 2)
		for p := range m.bids {
			if p >= m.mid {
				delete(m.bids, p)
			}
		}
		for p := range m.asks {
			if p <= m.mid {
				delete(m.asks, p)
			}
		}
		m.bids[m.mid-10] = 1 + m.rng.Int64N(5000)
		m.asks[m.mid+10] = 1 + m.rng.Int64N(5000)
	}
	for k := 2 + m.rng.IntN(8); k > 0; k-- {
		side, book := orderbook.Bid, m.bids
		if m.rng.IntN(2) == 1 {
			side, book = orderbook.Ask, m.asks
		}
		off := 10 * (1 + m.rng.Int64N(int64(m.depth)+5))
		p := m.mid - off
		if side == orderbook.Ask {
			p = m.mid + off
		}
		if m.rng.IntN(3) == 0 {
			delete(book, p)
		} else {
			book[p] = 1 + m.rng.Int64N(5000)
		}
	}
	m.u++
	m.seq += 1 + m.rng.Int64N(50)
	m.pendBids = m.diff(0, m.top(orderbook.Bid), m.pendBids[:0])
	m.pendAsks = m.diff(1, m.top(orderbook.Ask), m.pendAsks[:0])
	return frame("delta", m.depth, m.u, m.seq, m.pendBids, m.pendAsks)
}

// diff writes the changes from what side s showed to top: every level of top
// (new or changed, and now and then an unchanged one, which a subscriber
// applies as a no-op) and a delete for each level no longer in it.
func (m *market) diff(s int, top []orderbook.Level, dst []orderbook.Level) []orderbook.Level {
	now := map[int64]int64{}
	for _, l := range top {
		now[l.Price] = l.Qty
		if q, ok := m.shown[s][l.Price]; !ok || q != l.Qty || m.rng.IntN(4) == 0 {
			dst = append(dst, l)
		}
	}
	for p := range m.shown[s] {
		if _, ok := now[p]; !ok {
			dst = append(dst, orderbook.Level{Price: p})
		}
	}
	m.shown[s] = now
	return dst
}

// newTestFeed returns a linear BTCUSDT feed of depth.
func newTestFeed(t testing.TB, depth int) *Feed {
	t.Helper()
	f, err := NewFeed(Config{Category: Linear, Symbol: "BTCUSDT", Depth: depth, PriceScale: 2, QtyScale: 3},
		orderbook.New(depth+64))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// bookEquals reports whether the feed's book holds exactly the market's top.
func bookEquals(f *Feed, m *market) bool {
	for _, side := range []orderbook.Side{orderbook.Bid, orderbook.Ask} {
		want := m.top(side)
		if f.Book().Len(side) != len(want) {
			return false
		}
		for i, w := range want {
			if got, _ := f.Book().Level(side, i); got != w {
				return false
			}
		}
	}
	return true
}
