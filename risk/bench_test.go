package risk

import (
	"io"
	"testing"

	"github.com/nanotick/nanotick/internal/testdata"
	"github.com/nanotick/nanotick/orderbook"
	"github.com/rs/zerolog"
	"github.com/shopspring/decimal"
)

// benchChecker returns a BTCUSDT checker whose limits never bind in a
// benchmark loop (rate and duplicate window generous, many open orders),
// with some working orders on both sides so that the table scans are not
// empty, and a real zerolog writer so that logging costs are counted.
func benchChecker(tb testing.TB, working int) (*Checker, *orderbook.Book) {
	tb.Helper()
	c := newChecker(tb, func(c *Config) {
		c.OrdersPerSecond = decimal.RequireFromString("1000000")
		c.OrderBurst = 1_000_000
		c.MaxOpenOrders = 64
		c.MaxPosition = decimal.RequireFromString("1000")
		c.Logger = zerolog.New(io.Discard)
	})
	b := newBook("60000.00", "60000.02", t0)
	for i := 0; i < working; i++ {
		p := v("59900.00") - int64(i)*v("1")
		side := orderbook.Bid
		if i%2 == 1 {
			p, side = v("60100.00")+int64(i)*v("1"), orderbook.Ask
		}
		if r := c.Check(&Order{ID: uint64(1000 + i), Side: side, Price: p, Qty: v("0.001")}, b, t0); r != ReasonOK {
			tb.Fatalf("setup order %d: %v", i, r)
		}
	}
	return c, b
}

// TestZeroAllocs proves that the per-order paths allocate nothing: Check
// accepting and rejecting (including logging while a burst is suppressed),
// OnFill, OnCancel, Mark and Cancels into a reused buffer.
func TestZeroAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under -race")
	}
	c, b := benchChecker(t, 16)
	o := &Order{ID: 1, Side: orderbook.Bid, Price: v("60000.00"), Qty: v("0.001")}
	bad := &Order{ID: 1, Side: orderbook.Bid, Price: v("60000.005"), Qty: v("0.001")}
	now := t0
	id := uint64(1) << 40 // clear of the setup IDs
	tests := []struct {
		name string
		f    func()
	}{
		{"Check accept+OnCancel", func() {
			id++
			o.ID = id
			o.Side = orderbook.Bid
			o.Price = v("60000.00") - int64(id&63)*v("0.01") // not a duplicate
			now += 1000
			b.SetUpdate(id, now, now)
			if r := c.Check(o, b, now); r != ReasonOK {
				t.Fatalf("accept: %v", r)
			}
			if err := c.OnCancel(id); err != nil {
				t.Fatal(err)
			}
		}},
		{"Check reject", func() {
			now += 1000
			if r := c.Check(bad, b, now); r != ReasonTick {
				t.Fatalf("reject: %v", r)
			}
		}},
		{"Check accept+OnFill", func() {
			id++
			o.ID = id
			o.Side ^= 1
			o.Price = v("60000.00") - int64(id&63)*v("0.01")
			if o.Side == orderbook.Ask {
				o.Price = v("60000.02") + int64(id&63)*v("0.01")
			}
			now += 1000
			b.SetUpdate(id, now, now)
			if r := c.Check(o, b, now); r != ReasonOK {
				t.Fatalf("accept: %v", r)
			}
			if err := c.OnFill(id, o.Price, o.Qty, 10); err != nil {
				t.Fatal(err)
			}
		}},
		{"Mark", func() { now += 1000; c.Mark(now, v("60000.01")) }},
		{"OnBook", func() { now += 1000; c.OnBook(b, now) }},
	}
	buf := make([]uint64, 0, 64)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if n := testing.AllocsPerRun(1000, tt.f); n != 0 {
				t.Errorf("%v allocs per run", n)
			}
		})
	}
	t.Run("Check reject logged", func(t *testing.T) {
		// With a 1 ns quiet period every rejection starts a new burst and
		// writes a line: the logging path itself must not allocate.
		var w countingWriter
		lc := newChecker(t, func(c *Config) { c.LogQuiet = 1; c.Logger = zerolog.New(&w) })
		n := testing.AllocsPerRun(1000, func() {
			now += 1000
			if r := lc.Check(bad, b, now); r != ReasonTick {
				t.Fatalf("reject: %v", r)
			}
		})
		if n != 0 || w.lines < 1000 {
			t.Errorf("%v allocs per run, %d lines", n, w.lines)
		}
	})
	t.Run("Cancels", func(t *testing.T) {
		n := testing.AllocsPerRun(100, func() {
			c.Halt(ReasonHalted)
			buf = c.Cancels(buf[:0])
			c.Resume()
		})
		if n != 0 || len(buf) != 16 {
			t.Errorf("%v allocs per run, %d ids", n, len(buf))
		}
	})
}

// BenchmarkCheckAllPass measures an accepted BTCUSDT order through every
// check, with 16 working orders in the table, plus the OnCancel that frees
// it again (so that the state is the same on every iteration).
func BenchmarkCheckAllPass(b *testing.B) {
	c, book := benchChecker(b, 16)
	o := &Order{Side: orderbook.Bid, Price: v("60000.00"), Qty: v("0.001")}
	bid, tick := v("60000.00"), v("0.01") // parsed outside the loop
	now := t0
	b.ReportAllocs()
	cpu := testdata.StartCPUTimer()
	defer reportCPU(b, cpu)
	for i := 0; b.Loop(); i++ {
		o.ID = uint64(1_000_000 + i)
		o.Price = bid - int64(i&63)*tick // not a duplicate
		now += 1000
		book.SetUpdate(uint64(i), now, now)
		if r := c.Check(o, book, now); r != ReasonOK {
			b.Fatalf("iteration %d: %v", i, r)
		}
		c.OnCancel(o.ID)
	}
}

// BenchmarkCheckReject measures rejections: one that fails early (tick)
// and one that fails at the last check (self-trade), with suppressed
// logging.
func BenchmarkCheckReject(b *testing.B) {
	cases := []struct {
		name string
		o    Order
		want Reason
	}{
		{"tick", Order{ID: 1, Side: orderbook.Bid, Price: v("60000.005"), Qty: v("0.001")}, ReasonTick},
		{"selftrade", Order{ID: 1, Side: orderbook.Ask, Price: v("59900.00"), Qty: v("0.001")}, ReasonSelfTrade},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			c, book := benchChecker(b, 16)
			o := bc.o
			book.Set(orderbook.Bid, v("59899.99"), v("1"))
			book.Set(orderbook.Bid, v("60000.00"), 0)
			book.Set(orderbook.Ask, v("60000.02"), 0)
			book.Set(orderbook.Ask, v("59900.01"), v("1"))
			now := t0
			b.ReportAllocs()
			cpu := testdata.StartCPUTimer()
			defer reportCPU(b, cpu)
			for b.Loop() {
				now += 1000
				book.SetUpdate(1, now, now)
				if r := c.Check(&o, book, now); r != bc.want {
					b.Fatalf("got %v, want %v", r, bc.want)
				}
			}
		})
	}
}

// BenchmarkCheckOnFill measures a fill that completes an order (with its Check).
func BenchmarkCheckOnFill(b *testing.B) {
	c, book := benchChecker(b, 16)
	o := &Order{Side: orderbook.Bid, Price: v("60000.00"), Qty: v("0.001")}
	bid, ask, tick := v("60000.00"), v("60000.02"), v("0.01")
	now := t0
	b.ReportAllocs()
	cpu := testdata.StartCPUTimer()
	defer reportCPU(b, cpu)
	for i := 0; b.Loop(); i++ {
		o.ID = uint64(1_000_000 + i)
		o.Side = orderbook.Side(i & 1)
		o.Price = bid - int64(i&63)*tick
		if o.Side == orderbook.Ask {
			o.Price = ask + int64(i&63)*tick
		}
		now += 1000
		book.SetUpdate(uint64(i), now, now)
		if r := c.Check(o, book, now); r != ReasonOK {
			b.Fatalf("iteration %d: %v", i, r)
		}
		c.OnFill(o.ID, o.Price, o.Qty, 6)
	}
}

// reportCPU reports the thread CPU time since cpu started as cpu-ns/op: on
// a machine shared with other work, wall-clock ns/op includes waiting for a
// core, CPU time does not.
func reportCPU(b *testing.B, cpu testdata.CPUTimer) {
	if d, ok := cpu.Stop(); ok && b.N > 0 {
		b.ReportMetric(float64(d.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

// countingWriter counts the lines zerolog writes, without keeping them.
type countingWriter struct{ lines int }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.lines++
	return len(p), nil
}
