package risk

import (
	"testing"
	"time"

	"github.com/nanotick/nanotick/orderbook"
)

// TestPerpMarkStaleAfter: a perpetual whose mark is watched refuses new orders and
// modifies (stale_mark, counted) before its first mark and once the last is older than
// MarkStaleAfter; a fresh mark lets them through again; cancels are never checked.
// Without MarkStaleAfter (backtests, spot) nothing changes.
func TestPerpMarkStaleAfter(t *testing.T) {
	const bound = 10 * time.Second
	c := perpChecker(t, PerpConfig{MarkStaleAfter: bound})
	at := func(d time.Duration) int64 { return t0 + int64(d) }
	book := func(d time.Duration) int64 { return at(d) }
	for _, step := range []struct {
		name string
		mark bool // a mark arrives at the step's time first
		t    time.Duration
		want Reason
	}{
		{"no mark yet", false, 0, ReasonStaleMark},
		{"first mark", true, time.Second, ReasonOK},
		{"within the bound", false, time.Second + bound, ReasonOK},
		{"past the bound", false, 2*time.Second + bound, ReasonStaleMark},
		{"a fresh mark", true, 3*time.Second + bound, ReasonOK},
	} {
		now := at(step.t)
		if step.mark {
			c.OnMarkPriceAt(v("60000"), now)
		}
		o := buy(uint64(100+step.t/time.Millisecond), "60000", "0.001")
		if r := c.Check(o, newBook("59999.99", "60000.01", book(step.t)), now); r != step.want {
			t.Fatalf("%s: %v, want %v", step.name, r, step.want)
		}
		if step.want == ReasonOK {
			if err := c.OnCancel(o.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n := c.Rejections(ReasonStaleMark); n != 2 {
		t.Errorf("%d stale_mark rejections, want 2", n)
	}
	// A working order's modify is refused on a stale mark; its cancel is not checked.
	now := at(3*time.Second + bound)
	mustOK(t, c, buy(1, "59990", "0.001"), newBook("59999.99", "60000.01", now), now)
	late := now + int64(bound) + int64(time.Second)
	if r := c.CheckModify(buy(1, "59980", "0.001"), newBook("59999.99", "60000.01", late), late); r != ReasonStaleMark {
		t.Errorf("modify on a stale mark: %v, want stale_mark", r)
	}
	if err := c.OnCancel(1); err != nil {
		t.Errorf("cancel: %v", err)
	}
	// Unwatched: no mark ever, no refusal.
	u := perpChecker(t, PerpConfig{})
	mustOK(t, u, buy(1, "60000", "0.001"), newBook("59999.99", "60000.01", t0), t0)
	if _, err := New(func() Config { c := testConfig(); c.Perp.MarkStaleAfter = -time.Second; return c }(), btcusdt()); err == nil {
		t.Error("a negative MarkStaleAfter was accepted")
	}
}

func TestPerpMarkCheckAllocatesNothing(t *testing.T) {
	c := perpChecker(t, PerpConfig{MarkStaleAfter: 10 * time.Second})
	n := testing.AllocsPerRun(200, func() {
		c.OnMarkPriceAt(v("60001"), t0)
		_ = c.checkMark(t0 + int64(time.Second))
	})
	if n != 0 {
		t.Fatalf("%v allocations per mark and check", n)
	}
}

// BenchmarkCheckMarkGuard is BenchmarkCheckAllPass with the mark staleness guard off
// and on, side by side: what the guard adds to an accepted order's check.
func BenchmarkCheckMarkGuard(b *testing.B) {
	for _, on := range []bool{false, true} {
		name := "off"
		if on {
			name = "on"
		}
		b.Run(name, func(b *testing.B) {
			c, book := benchChecker(b, 16)
			if on {
				c.perp.markStale = int64(time.Hour)
				c.OnMarkPriceAt(v("60000.01"), t0)
			}
			o := &Order{Side: orderbook.Bid, Price: v("60000.00"), Qty: v("0.001")}
			bid, tick := v("60000.00"), v("0.01")
			now := t0
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				o.ID = uint64(1_000_000 + i)
				o.Price = bid - int64(i&63)*tick
				now += 1000
				book.SetUpdate(uint64(i), now, now)
				if r := c.Check(o, book, now); r != ReasonOK {
					b.Fatalf("iteration %d: %v", i, r)
				}
				c.OnCancel(o.ID)
			}
		})
	}
}
