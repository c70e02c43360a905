package risk

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/orderbook"
	"github.com/rs/zerolog"
	"github.com/shopspring/decimal"
)

const (
	sc  = fixed.Scale(8)
	sec = int64(time.Second)
	ms  = int64(time.Millisecond)
	// t0 is a realistic engine time: 2026-11-21 13:00 UTC.
	t0 = int64(1_795_698_000) * sec
)

// v parses a decimal at scale 8 (both price and qty scale of BTCUSDT).
func v(s string) int64 {
	x, err := sc.ParseString(s)
	if err != nil {
		panic(err)
	}
	return x
}

func btcusdt() Instrument {
	return Instrument{
		PriceScale: 8, QtyScale: 8,
		Tick: v("0.01"), Lot: v("0.00001"),
		MinQty: v("0.00001"), MaxQty: v("9000"),
		MinNotional: v("5"),
	}
}

func testConfig() Config {
	d := decimal.RequireFromString
	return Config{
		MaxOrderQty:      d("1"),
		MaxOrderNotional: d("100000"),
		PriceBandBps:     d("50"),
		StaleAfter:       time.Second,
		MaxPosition:      d("2"),
		MaxOpenOrders:    8,
		OrdersPerSecond:  d("10"),
		OrderBurst:       5,
		DuplicateWindow:  100 * time.Millisecond,
		MaxDailyLoss:     d("1000"),
		MaxDrawdown:      d("2000"),
	}
}

func newChecker(t testing.TB, mod func(*Config)) *Checker {
	t.Helper()
	cfg := testConfig()
	if mod != nil {
		mod(&cfg)
	}
	c, err := New(cfg, btcusdt())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// newBook returns a synced book bid..ask updated at localTime.
func newBook(bid, ask string, localTime int64) *orderbook.Book {
	b := orderbook.New(16)
	b.Set(orderbook.Bid, v(bid), v("1"))
	b.Set(orderbook.Ask, v(ask), v("1"))
	b.SetSynced(true)
	b.SetUpdate(1, localTime, localTime)
	return b
}

func buy(id uint64, price, qty string) *Order {
	return &Order{ID: id, Side: orderbook.Bid, Price: v(price), Qty: v(qty)}
}

func sell(id uint64, price, qty string) *Order {
	return &Order{ID: id, Side: orderbook.Ask, Price: v(price), Qty: v(qty)}
}

func mustOK(t *testing.T, c *Checker, o *Order, b *orderbook.Book, now int64) {
	t.Helper()
	if r := c.Check(o, b, now); r != ReasonOK {
		t.Fatalf("order %d: got %v, want ok", o.ID, r)
	}
}

func TestNewValidates(t *testing.T) {
	d := decimal.RequireFromString
	tests := []struct {
		name  string
		cfg   func(*Config)
		inst  func(*Instrument)
		field string
	}{
		{"zero qty", func(c *Config) { c.MaxOrderQty = decimal.Zero }, nil, "MaxOrderQty"},
		{"qty precision", func(c *Config) { c.MaxOrderQty = d("0.000000001") }, nil, "MaxOrderQty"},
		{"negative notional", func(c *Config) { c.MaxOrderNotional = d("-1") }, nil, "MaxOrderNotional"},
		{"band zero", func(c *Config) { c.PriceBandBps = decimal.Zero }, nil, "PriceBandBps"},
		{"band precision", func(c *Config) { c.PriceBandBps = d("0.001") }, nil, "PriceBandBps"},
		{"band 100%", func(c *Config) { c.PriceBandBps = d("10000") }, nil, "PriceBandBps"},
		{"stale", func(c *Config) { c.StaleAfter = 0 }, nil, "StaleAfter"},
		{"position", func(c *Config) { c.MaxPosition = decimal.Zero }, nil, "MaxPosition"},
		{"open orders", func(c *Config) { c.MaxOpenOrders = 0 }, nil, "MaxOpenOrders"},
		{"open orders big", func(c *Config) { c.MaxOpenOrders = MaxOpenOrdersLimit + 1 }, nil, "MaxOpenOrders"},
		{"rate", func(c *Config) { c.OrdersPerSecond = decimal.Zero }, nil, "OrdersPerSecond"},
		{"rate precision", func(c *Config) { c.OrdersPerSecond = d("0.0001") }, nil, "OrdersPerSecond"},
		{"rate big", func(c *Config) { c.OrdersPerSecond = d("1000001") }, nil, "OrdersPerSecond"},
		{"burst", func(c *Config) { c.OrderBurst = 0 }, nil, "OrderBurst"},
		{"dup", func(c *Config) { c.DuplicateWindow = -1 }, nil, "DuplicateWindow"},
		{"daily loss", func(c *Config) { c.MaxDailyLoss = decimal.Zero }, nil, "MaxDailyLoss"},
		{"drawdown", func(c *Config) { c.MaxDrawdown = decimal.Zero }, nil, "MaxDrawdown"},
		{"log quiet", func(c *Config) { c.LogQuiet = -1 }, nil, "LogQuiet"},
		{"tick", nil, func(i *Instrument) { i.Tick = 0 }, "Tick"},
		{"lot", nil, func(i *Instrument) { i.Lot = -1 }, "Lot"},
		{"maxqty", nil, func(i *Instrument) { i.MaxQty = 0 }, "MaxQty"},
		{"minqty", nil, func(i *Instrument) { i.MinQty = i.MaxQty + 1 }, "MinQty"},
		{"minnotional", nil, func(i *Instrument) { i.MinNotional = -1 }, "MinNotional"},
		{"scale", nil, func(i *Instrument) { i.PriceScale = 19 }, "PriceScale"},
		{"empty config", func(c *Config) { *c = Config{} }, nil, "MaxOrderQty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, inst := testConfig(), btcusdt()
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			if tt.inst != nil {
				tt.inst(&inst)
			}
			c, err := New(cfg, inst)
			if err == nil || c != nil {
				t.Fatalf("New accepted it: %v", err)
			}
			if !strings.Contains(err.Error(), tt.field) {
				t.Errorf("error %q does not name %s", err, tt.field)
			}
		})
	}
	c, err := New(testConfig(), btcusdt())
	if err != nil {
		t.Fatal(err)
	}
	l := c.Limits()
	want := Limits{
		MaxOrderQty: v("1"), MaxOrderNotional: v("100000"), PriceBandMicro: 5000,
		StaleAfter: sec, MaxPosition: v("2"), MaxOpenOrders: 8, RateMilli: 10_000, Burst: 5,
		DuplicateWindow: 100 * ms, MaxDailyLoss: v("1000"), MaxDrawdown: v("2000"), LogQuiet: sec,
	}
	if l != want {
		t.Errorf("Limits = %+v, want %+v", l, want)
	}
}

// TestCheckReasons has one case per rejection reason, each next to an order
// that differs in the one respect and passes.
func TestCheckReasons(t *testing.T) {
	type setup func(t *testing.T, c *Checker, b **orderbook.Book)
	working := func(orders ...*Order) setup {
		return func(t *testing.T, c *Checker, b **orderbook.Book) {
			for _, o := range orders {
				mustOK(t, c, o, *b, t0)
			}
		}
	}
	tests := []struct {
		name  string
		setup setup
		cfg   func(*Config)
		order *Order
		at    int64 // offset from t0
		want  Reason
	}{
		{name: "pass buy", order: buy(1, "60000.00", "0.5"), want: ReasonOK},
		{name: "pass sell", order: sell(1, "60000.02", "0.5"), want: ReasonOK},
		{name: "halted", setup: func(t *testing.T, c *Checker, _ **orderbook.Book) { c.Halt(ReasonHalted) },
			order: buy(1, "60000.00", "0.5"), want: ReasonHalted},
		{name: "set halted", setup: func(t *testing.T, c *Checker, _ **orderbook.Book) { c.SetState(Halted) },
			order: buy(1, "60000.00", "0.5"), want: ReasonHalted},
		{name: "reducing flat", setup: func(t *testing.T, c *Checker, _ **orderbook.Book) { c.SetState(Reducing) },
			order: buy(1, "60000.00", "0.5"), want: ReasonReducingOnly},
		{name: "nil order", order: nil, want: ReasonInvalidOrder},
		{name: "zero id", order: buy(0, "60000.00", "0.5"), want: ReasonInvalidOrder},
		{name: "bad side", order: &Order{ID: 1, Side: 2, Price: v("60000"), Qty: v("0.5")}, want: ReasonInvalidOrder},
		{name: "zero price", order: &Order{ID: 1, Price: 0, Qty: v("0.5")}, want: ReasonInvalidOrder},
		{name: "negative qty", order: &Order{ID: 1, Price: v("60000"), Qty: -v("0.5")}, want: ReasonInvalidOrder},
		{name: "tick", order: buy(1, "60000.005", "0.5"), want: ReasonTick},
		{name: "lot", order: buy(1, "60000.00", "0.500001"), want: ReasonLot},
		{name: "min qty", cfg: nil, setup: nil, order: buy(1, "60000.00", "0.00001"), want: ReasonMinNotional},
		{name: "max qty", order: buy(1, "60000.00", "9000.00001"), want: ReasonMaxQty},
		{name: "min notional", order: buy(1, "60000.00", "0.00008"), want: ReasonMinNotional},
		{name: "min notional exact", order: &Order{ID: 1, Price: v("50000.00"), Qty: v("0.0001")},
			setup: func(t *testing.T, c *Checker, b **orderbook.Book) { *b = newBook("50000.00", "50000.02", t0) }, want: ReasonOK},
		{name: "max order qty", order: buy(1, "60000.00", "1.00001"), want: ReasonMaxOrderQty},
		{name: "max order notional", cfg: func(c *Config) { c.MaxOrderNotional = decimal.RequireFromString("29999.99") },
			order: buy(1, "60000.00", "0.5"), want: ReasonMaxOrderNotional},
		{name: "max order notional exact", cfg: func(c *Config) { c.MaxOrderNotional = decimal.RequireFromString("30000") },
			order: buy(1, "60000.00", "0.5"), want: ReasonOK},
		{name: "no book", setup: func(t *testing.T, c *Checker, b **orderbook.Book) { *b = nil },
			order: buy(1, "60000.00", "0.5"), want: ReasonNoBook},
		{name: "unsynced book", setup: func(t *testing.T, c *Checker, b **orderbook.Book) { (*b).SetSynced(false) },
			order: buy(1, "60000.00", "0.5"), want: ReasonInvalidBook},
		{name: "crossed book", setup: func(t *testing.T, c *Checker, b **orderbook.Book) { (*b).Set(orderbook.Bid, v("60000.03"), 1) },
			order: buy(1, "60000.00", "0.5"), want: ReasonInvalidBook},
		{name: "one-sided book", setup: func(t *testing.T, c *Checker, b **orderbook.Book) { (*b).Set(orderbook.Ask, v("60000.02"), 0) },
			order: buy(1, "60000.00", "0.5"), want: ReasonInvalidBook},
		{name: "stale book", at: sec + 1, order: buy(1, "60000.00", "0.5"), want: ReasonStaleBook},
		{name: "book just fresh", at: sec, order: buy(1, "60000.00", "0.5"), want: ReasonOK},
		{name: "never updated book", setup: func(t *testing.T, c *Checker, b **orderbook.Book) { (*b).SetUpdate(0, 0, 0) },
			order: buy(1, "60000.00", "0.5"), want: ReasonStaleBook},
		// mid 60000.01, 50 bp = 300.00005: 59700.01 is inside, 59700.00 outside.
		{name: "band low in", order: buy(1, "59700.01", "0.1"), want: ReasonOK},
		{name: "band low out", order: buy(1, "59700.00", "0.1"), want: ReasonPriceBand},
		{name: "band high in", order: sell(1, "60300.01", "0.1"), want: ReasonOK},
		{name: "band high out", order: sell(1, "60300.02", "0.1"), want: ReasonPriceBand},
		{name: "max position buy", setup: working(buy(10, "59990.00", "1"), buy(11, "59980.00", "0.9")),
			order: buy(1, "59970.00", "0.10001"), want: ReasonMaxPosition},
		{name: "max position buy at limit", setup: working(buy(10, "59990.00", "1"), buy(11, "59980.00", "0.9")),
			order: buy(1, "59970.00", "0.1"), want: ReasonOK},
		{name: "max position sell", setup: working(sell(10, "60010.00", "1"), sell(11, "60020.00", "1")),
			order: sell(1, "60030.00", "0.00100"), want: ReasonMaxPosition},
		{name: "buys do not offset sells", setup: working(sell(10, "60010.00", "1"), sell(11, "60020.00", "1")),
			order: buy(1, "59990.00", "1"), want: ReasonOK},
		{name: "max open orders", cfg: func(c *Config) { c.MaxOpenOrders = 2 },
			setup: working(buy(10, "59990.00", "0.1"), buy(11, "59980.00", "0.1")),
			order: buy(1, "59970.00", "0.1"), want: ReasonMaxOpenOrders},
		{name: "rate limit", cfg: func(c *Config) { c.OrderBurst = 2 },
			setup: working(buy(10, "59990.00", "0.1"), buy(11, "59980.00", "0.1")),
			order: buy(1, "59970.00", "0.1"), want: ReasonRateLimit},
		{name: "rate refilled", cfg: func(c *Config) { c.OrderBurst = 2 },
			setup: working(buy(10, "59990.00", "0.1"), buy(11, "59980.00", "0.1")),
			at:    100 * ms, order: buy(1, "59970.00", "0.1"), want: ReasonOK},
		{name: "rate almost refilled", cfg: func(c *Config) { c.OrderBurst = 2 },
			setup: working(buy(10, "59990.00", "0.1"), buy(11, "59980.00", "0.1")),
			at:    100*ms - 1, order: buy(1, "59970.00", "0.1"), want: ReasonRateLimit},
		{name: "duplicate", setup: working(buy(10, "59990.00", "0.1")),
			at: 99 * ms, order: buy(1, "59990.00", "0.1"), want: ReasonDuplicate},
		{name: "duplicate expired", setup: working(buy(10, "59990.00", "0.1")),
			at: 100 * ms, order: buy(1, "59990.00", "0.1"), want: ReasonOK},
		{name: "not duplicate other qty", setup: working(buy(10, "59990.00", "0.1")),
			order: buy(1, "59990.00", "0.2"), want: ReasonOK},
		{name: "not duplicate other side", setup: working(buy(10, "59990.00", "0.1")),
			order: sell(1, "60010.00", "0.1"), want: ReasonOK},
		{name: "self trade buy", setup: working(sell(10, "60010.00", "0.1")),
			order: buy(1, "60010.00", "0.2"), want: ReasonSelfTrade},
		{name: "no self trade buy below", setup: working(sell(10, "60010.00", "0.1")),
			order: buy(1, "60009.99", "0.2"), want: ReasonOK},
		{name: "self trade sell", setup: working(buy(10, "59990.00", "0.1"), buy(11, "59980.00", "0.1")),
			order: sell(1, "59990.00", "0.2"), want: ReasonSelfTrade},
		{name: "duplicate id", setup: working(buy(10, "59990.00", "0.1")),
			order: buy(10, "59980.00", "0.2"), want: ReasonDuplicateID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newChecker(t, tt.cfg)
			b := newBook("60000.00", "60000.02", t0)
			if tt.setup != nil {
				tt.setup(t, c, &b)
			}
			before := c.Working()
			got := c.Check(tt.order, b, t0+tt.at)
			if got != tt.want {
				t.Fatalf("Check = %v, want %v", got, tt.want)
			}
			wantWorking := before
			if got == ReasonOK {
				wantWorking++
			} else if n := c.Rejections(got); n != 1 {
				t.Errorf("Rejections(%v) = %d, want 1", got, n)
			}
			if c.Working() != wantWorking {
				t.Errorf("Working = %d, want %d", c.Working(), wantWorking)
			}
		})
	}
}

// TestZeroCheckerFailsClosed checks that a Checker not built by New
// rejects instead of panicking or accepting.
func TestZeroCheckerFailsClosed(t *testing.T) {
	b := newBook("60000.00", "60000.02", t0)
	for _, c := range []*Checker{nil, {}} {
		if r := c.Check(buy(1, "60000.00", "0.1"), b, t0); r != ReasonHalted {
			t.Errorf("%p: Check = %v", c, r)
		}
	}
}

func TestMinQty(t *testing.T) {
	inst := btcusdt()
	inst.MinQty = v("0.001")
	c, err := New(testConfig(), inst)
	if err != nil {
		t.Fatal(err)
	}
	b := newBook("60000.00", "60000.02", t0)
	if r := c.Check(buy(1, "60000.00", "0.00099"), b, t0); r != ReasonMinQty {
		t.Errorf("below MinQty: %v", r)
	}
	if r := c.Check(buy(2, "60000.00", "0.001"), b, t0); r != ReasonOK {
		t.Errorf("at MinQty: %v", r)
	}
}

func TestReasonString(t *testing.T) {
	seen := map[string]bool{}
	for r := ReasonOK; r < NumReasons; r++ {
		s := r.String()
		if s == "" || strings.HasPrefix(s, "Reason(") || seen[s] {
			t.Errorf("Reason %d has name %q", r, s)
		}
		seen[s] = true
	}
	if s := NumReasons.String(); s != "Reason("+strconv.Itoa(int(NumReasons))+")" {
		t.Errorf("out of range: %q", s)
	}
}

// TestReducing checks that Reducing lets through only orders that shrink
// the position, counting the working orders on the same side.
func TestReducing(t *testing.T) {
	c := newChecker(t, nil)
	b := newBook("60000.00", "60000.02", t0)
	mustOK(t, c, buy(1, "60000.00", "1"), b, t0)
	if err := c.OnFill(1, v("60000.00"), v("1"), 0); err != nil {
		t.Fatal(err)
	}
	if err := c.SetState(Reducing); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		o    *Order
		want Reason
	}{
		{buy(2, "59990.00", "0.1"), ReasonReducingOnly},  // grows a long
		{sell(3, "60010.00", "1.1"), ReasonReducingOnly}, // flips it
		{sell(4, "60010.00", "0.6"), ReasonOK},
		{sell(5, "60020.00", "0.5"), ReasonReducingOnly}, // 0.6 + 0.5 working > 1
		{sell(6, "60020.00", "0.4"), ReasonOK},           // exactly flat
		{sell(7, "60030.00", "0.00100"), ReasonReducingOnly},
	}
	for i, s := range steps {
		if got := c.Check(s.o, b, t0+int64(i+1)*sec/10); got != s.want {
			t.Fatalf("step %d: order %d got %v, want %v", i, s.o.ID, got, s.want)
		}
	}
	// A cancelled reducing order frees its share.
	if err := c.OnCancel(4); err != nil {
		t.Fatal(err)
	}
	mustOK(t, c, sell(8, "60030.00", "0.6"), b, t0+sec)
	// Short side: reducing means buying back, never through zero.
	c2 := newChecker(t, nil)
	mustOK(t, c2, sell(1, "60000.02", "0.5"), b, t0)
	if err := c2.OnFill(1, v("60000.02"), v("0.5"), 0); err != nil {
		t.Fatal(err)
	}
	c2.SetState(Reducing)
	if r := c2.Check(sell(2, "60010.00", "0.1"), b, t0+sec/10); r != ReasonReducingOnly {
		t.Errorf("sell while short in Reducing: %v", r)
	}
	if r := c2.Check(buy(3, "59990.00", "0.50001"), b, t0+sec/10); r != ReasonReducingOnly {
		t.Errorf("buy through zero: %v", r)
	}
	mustOK(t, c2, buy(4, "59990.00", "0.5"), b, t0+sec/10)
	c2.Resume()
	if c2.State() != Active {
		t.Fatalf("Resume: state %v", c2.State())
	}
	mustOK(t, c2, buy(5, "59980.00", "0.5"), b, t0+sec/5)
}

func TestPnL(t *testing.T) {
	c := newChecker(t, func(c *Config) { c.MaxDailyLoss = decimal.RequireFromString("100000"); c.MaxDrawdown = c.MaxDailyLoss })
	b := newBook("60000.00", "60000.02", t0)
	type fill struct {
		o     *Order
		price string
		qty   string
		fee   string
	}
	// buy 1 @ 60000, sell 0.4 @ 60100 (+40), sell 1.6 @ 60200 in two
	// fills (+120 on the remaining 0.6, then short 1 @ 60200), buy back
	// 0.5 @ 60000 (+100).
	steps := []struct {
		f                        fill
		pos, realized, fees, unr string
		mark                     string
	}{
		{fill{buy(1, "60000.00", "1"), "60000.00", "1", "0.06"}, "1", "0", "0.06", "0", ""},
		{fill{sell(2, "60100.00", "0.4"), "60100.00", "0.4", "0.01"}, "0.6", "40", "0.07", "0", ""},
		{fill{sell(3, "60200.00", "1"), "60200.00", "1", "0"}, "-0.4", "160", "0.07", "0", ""},
		{fill{sell(4, "60200.00", "0.6"), "60200.00", "0.6", "-0.02"}, "-1", "160", "0.05", "-100", "60300"},
		{fill{buy(5, "60000.00", "0.5"), "60000.00", "0.5", "0"}, "-0.5", "260", "0.05", "100", "60000"},
	}
	now := t0
	for i, s := range steps {
		now += sec
		mid := b
		if s.f.o.Side == orderbook.Ask {
			mid = newBook(s.f.price, addTick(s.f.price), now)
		} else {
			mid = newBook(subTick(s.f.price), s.f.price, now)
		}
		mustOK(t, c, s.f.o, mid, now)
		if err := c.OnFill(s.f.o.ID, v(s.f.price), v(s.f.qty), v(s.f.fee)); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if s.mark != "" {
			c.Mark(now, v(s.mark))
		}
		if want := []string{"60000", "60000", "60200", "60200", "60200"}[i]; c.AvgEntry() != v(want) {
			t.Errorf("step %d: AvgEntry %s, want %s", i, sc.String(c.AvgEntry()), want)
		}
		r, f, u := c.PnL()
		if c.Position() != v(s.pos) || r != v(s.realized) || f != v(s.fees) || u != v(s.unr) {
			t.Errorf("step %d: pos %s realized %s fees %s unrealized %s; want %s %s %s %s", i,
				sc.String(c.Position()), sc.String(r), sc.String(f), sc.String(u), s.pos, s.realized, s.fees, s.unr)
		}
	}
	if c.State() != Active {
		t.Errorf("state %v", c.State())
	}
}

func addTick(p string) string { return sc.String(v(p) + v("0.01")) }
func subTick(p string) string { return sc.String(v(p) - v("0.01")) }

// TestLossLimitsHalt checks that daily loss and drawdown halt, demand the
// cancellation of every working order, and need an explicit Resume.
func TestLossLimitsHalt(t *testing.T) {
	tests := []struct {
		name   string
		cfg    func(*Config)
		marks  []string // marks after buying 1 @ 60000
		cause  Reason   // ReasonOK: no halt
		resume State    // state right after Resume and a mark at the last price
	}{
		{"within daily loss", nil, []string{"59000.01"}, ReasonOK, Active},
		{"daily loss", nil, []string{"58999.99"}, ReasonDailyLoss, Halted},
		{"drawdown", func(c *Config) { c.MaxDailyLoss = decimal.RequireFromString("5000") },
			[]string{"62000.00", "59999.99"}, ReasonDrawdown, Active},
		{"drawdown within", func(c *Config) { c.MaxDailyLoss = decimal.RequireFromString("5000") },
			[]string{"62000.00", "60000.00"}, ReasonOK, Active},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newChecker(t, tt.cfg)
			b := newBook("60000.00", "60000.02", t0)
			mustOK(t, c, buy(1, "60000.00", "1"), b, t0)
			if err := c.OnFill(1, v("60000.00"), v("1"), 0); err != nil {
				t.Fatal(err)
			}
			mustOK(t, c, buy(2, "59990.00", "0.1"), b, t0)
			mustOK(t, c, sell(3, "60010.00", "0.1"), b, t0)
			now := t0
			for _, m := range tt.marks {
				now += sec
				c.Mark(now, v(m))
			}
			ids := c.Cancels(nil)
			if tt.cause == ReasonOK {
				if c.State() != Active || len(ids) != 0 {
					t.Fatalf("state %v, cancels %v", c.State(), ids)
				}
				return
			}
			if c.State() != Halted || c.HaltCause() != tt.cause {
				t.Fatalf("state %v cause %v, want halted by %v", c.State(), c.HaltCause(), tt.cause)
			}
			if len(ids) != 2 || ids[0]+ids[1] != 5 {
				t.Fatalf("Cancels = %v, want [2 3]", ids)
			}
			if again := c.Cancels(nil); len(again) != 0 {
				t.Errorf("second Cancels = %v, want none", again)
			}
			if r := c.Check(sell(4, "60000.02", "0.1"), newBook("59000.00", "59000.02", now), now); r != tt.cause {
				t.Errorf("Check while halted = %v, want %v", r, tt.cause)
			}
			// A later mark does not clear the halt.
			now += sec
			c.Mark(now, v("70000"))
			if c.State() != Halted {
				t.Fatal("halt cleared itself")
			}
			c.Mark(now, v(tt.marks[len(tt.marks)-1]))
			c.Resume()
			c.Mark(now, v(tt.marks[len(tt.marks)-1]))
			if c.State() != tt.resume {
				t.Errorf("after Resume: %v, want %v", c.State(), tt.resume)
			}
		})
	}
}

// TestDailyLossRollsAtMidnight checks that a new UTC day restarts the loss
// budget from that day's equity.
func TestDailyLossRollsAtMidnight(t *testing.T) {
	c := newChecker(t, func(c *Config) { c.MaxDrawdown = decimal.RequireFromString("100000") })
	b := newBook("60000.00", "60000.02", t0)
	mustOK(t, c, buy(1, "60000.00", "1"), b, t0)
	c.OnFill(1, v("60000.00"), v("1"), 0)
	midnight := (t0/dayNanos + 1) * dayNanos
	c.Mark(midnight-1, v("59200")) // −800 today
	c.Mark(midnight, v("59200"))   // new day starts at −800
	c.Mark(midnight+sec, v("58300"))
	if c.State() != Active {
		t.Fatalf("−900 on the new day halted: %v", c.HaltCause())
	}
	c.Mark(midnight+2*sec, v("58199.99"))
	if c.HaltCause() != ReasonDailyLoss {
		t.Fatalf("−1000.01 on the new day: %v", c.HaltCause())
	}
	// Resume on the same day re-halts at the next evaluation...
	c.Resume()
	c.Mark(midnight+3*sec, v("58199.99"))
	if c.HaltCause() != ReasonDailyLoss {
		t.Fatal("Resume cleared the daily loss")
	}
	// ...but Reducing lets the operator flatten.
	c.SetState(Reducing)
	c.Mark(midnight+4*sec, v("58000"))
	if c.State() != Reducing {
		t.Fatalf("Reducing re-halted: %v", c.State())
	}
	if r := c.Check(sell(2, "58000.00", "1"), newBook("57999.99", "58000.01", midnight+4*sec), midnight+4*sec); r != ReasonOK {
		t.Fatalf("flattening order: %v", r)
	}
}

func TestSetStateUnknown(t *testing.T) {
	c := newChecker(t, nil)
	if err := c.SetState(Halted + 1); err == nil {
		t.Fatal("SetState accepted an unknown state")
	}
	if c.State() != Active {
		t.Errorf("state %v after a refused SetState", c.State())
	}
}

func TestKillSwitch(t *testing.T) {
	c := newChecker(t, nil)
	b := newBook("60000.00", "60000.02", t0)
	mustOK(t, c, buy(1, "59990.00", "0.1"), b, t0)
	mustOK(t, c, buy(2, "59980.00", "0.1"), b, t0)
	if ids := c.Cancels(nil); len(ids) != 0 {
		t.Fatalf("Cancels before halt: %v", ids)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); c.Halt(ReasonOK) }() // a signal handler
	// The tick loop keeps running concurrently (run with -race).
	for i := 0; i < 100; i++ {
		c.Check(sell(uint64(10+i), "60100.00", "0.1"), b, t0+int64(i))
		_ = c.State()
	}
	wg.Wait()
	if c.State() != Halted {
		t.Fatal("not halted")
	}
	if r := c.Check(buy(3, "59970.00", "0.1"), b, t0+sec); r != ReasonHalted {
		t.Fatalf("Check after Halt: %v", r)
	}
	ids := c.Cancels(make([]uint64, 0, 8))
	if c.Working() < 2 || len(ids) != c.Working() {
		t.Fatalf("Cancels = %v with %d working", ids, c.Working())
	}
	for _, id := range ids {
		if err := c.OnCancel(id); err != nil {
			t.Fatal(err)
		}
	}
	if c.Working() != 0 {
		t.Fatalf("working %d after cancels", c.Working())
	}
	c.Resume()
	mustOK(t, c, buy(4, "59970.00", "0.1"), newBook("60000.00", "60000.02", t0+2*sec), t0+2*sec)
}

func TestLifecycle(t *testing.T) {
	b := newBook("60000.00", "60000.02", t0)
	t.Run("partial fills then done", func(t *testing.T) {
		c := newChecker(t, nil)
		mustOK(t, c, buy(1, "60000.00", "0.5"), b, t0)
		if err := c.OnAck(1); err != nil {
			t.Fatal(err)
		}
		c.OnFill(1, v("60000.00"), v("0.2"), 0)
		if pb, _ := c.Pending(); pb != v("0.3") || c.Working() != 1 || c.Position() != v("0.2") {
			t.Fatalf("pending %d working %d pos %d", pb, c.Working(), c.Position())
		}
		c.OnFill(1, v("59999.00"), v("0.3"), 0)
		if pb, _ := c.Pending(); pb != 0 || c.Working() != 0 || c.Position() != v("0.5") {
			t.Fatalf("pending %d working %d pos %d", pb, c.Working(), c.Position())
		}
		if err := c.OnCancel(1); !errors.Is(err, ErrUnknownOrder) {
			t.Errorf("cancel of filled order: %v", err)
		}
	})
	t.Run("fill racing cancel", func(t *testing.T) {
		c := newChecker(t, nil)
		mustOK(t, c, sell(1, "60000.02", "0.5"), b, t0)
		c.OnCancel(1)
		if err := c.OnFill(1, v("60000.02"), v("0.1"), 0); err != nil {
			t.Fatal(err)
		}
		if c.Position() != -v("0.1") || c.State() != Active {
			t.Fatalf("pos %d state %v", c.Position(), c.State())
		}
	})
	t.Run("venue reject frees", func(t *testing.T) {
		c := newChecker(t, func(c *Config) { c.MaxOpenOrders = 1 })
		mustOK(t, c, buy(1, "60000.00", "0.5"), b, t0)
		if r := c.Check(buy(2, "59990.00", "0.5"), b, t0); r != ReasonMaxOpenOrders {
			t.Fatal(r)
		}
		if err := c.OnReject(1); err != nil {
			t.Fatal(err)
		}
		mustOK(t, c, buy(2, "59990.00", "0.5"), b, t0)
		if err := c.OnReject(1); !errors.Is(err, ErrUnknownOrder) {
			t.Errorf("second reject: %v", err)
		}
	})
	t.Run("overfill", func(t *testing.T) {
		c := newChecker(t, nil)
		mustOK(t, c, buy(1, "60000.00", "0.5"), b, t0)
		if err := c.OnFill(1, v("60000.00"), v("0.6"), 0); !errors.Is(err, ErrOverfill) {
			t.Fatalf("overfill: %v", err)
		}
		if c.Position() != v("0.6") || c.Working() != 0 {
			t.Fatalf("pos %d working %d", c.Position(), c.Working())
		}
	})
	failures := []struct {
		name  string
		id    uint64
		price string
		qty   string
		err   error
	}{
		{"unknown fill", 99, "60000", "0.1", ErrUnknownOrder},
		{"zero qty", 1, "60000", "0", ErrInvalidFill},
		{"negative price", 1, "-1", "0.1", ErrInvalidFill},
	}
	for _, f := range failures {
		t.Run(f.name+" halts", func(t *testing.T) {
			c := newChecker(t, nil)
			mustOK(t, c, buy(1, "60000.00", "0.5"), b, t0)
			if err := c.OnFill(f.id, v(f.price), v(f.qty), 0); !errors.Is(err, f.err) {
				t.Fatalf("OnFill: %v", err)
			}
			if c.HaltCause() != ReasonBookkeeping {
				t.Fatalf("cause %v", c.HaltCause())
			}
			if ids := c.Cancels(nil); len(ids) != 1 || ids[0] != 1 {
				t.Fatalf("Cancels %v", ids)
			}
		})
	}
	t.Run("overflow halts", func(t *testing.T) {
		c := newChecker(t, nil)
		mustOK(t, c, buy(1, "60000.00", "0.5"), b, t0)
		if err := c.OnFill(1, 1<<62, 1<<62, 0); !errors.Is(err, ErrOverflow) {
			t.Fatalf("OnFill: %v", err)
		}
		if c.HaltCause() != ReasonBookkeeping {
			t.Fatalf("cause %v", c.HaltCause())
		}
	})
}

// TestRateLimitClockBackwards checks that a clock going backwards earns no
// tokens.
func TestRateLimitClockBackwards(t *testing.T) {
	c := newChecker(t, func(c *Config) { c.OrderBurst = 1; c.StaleAfter = time.Hour })
	b := newBook("60000.00", "60000.02", t0-10*sec)
	mustOK(t, c, buy(1, "59990.00", "0.1"), b, t0)
	if r := c.Check(buy(2, "59980.00", "0.1"), b, t0-10*sec); r != ReasonRateLimit {
		t.Fatalf("backwards: %v", r)
	}
	if r := c.Check(buy(3, "59980.00", "0.1"), b, t0+99*ms); r != ReasonRateLimit {
		t.Fatalf("t0+99ms: %v", r)
	}
	mustOK(t, c, buy(4, "59980.00", "0.1"), b, t0+100*ms)
}

// TestBurstLogging checks that rejections are logged once per burst, with a
// summary after the quiet period.
func TestBurstLogging(t *testing.T) {
	var buf bytes.Buffer
	c := newChecker(t, func(c *Config) {
		c.Logger = zerolog.New(&buf)
		c.LogQuiet = time.Second
	})
	b := newBook("60000.00", "60000.02", t0)
	bad := buy(1, "60000.005", "0.1") // tick
	now := t0
	for i := 0; i < 100; i++ { // a burst: 100 rejections 10 ms apart
		now += 10 * ms
		c.Check(bad, b, now)
	}
	c.Check(nil, b, now) // another reason: its own line
	if n := strings.Count(buf.String(), "\n"); n != 2 {
		t.Fatalf("during burst: %d lines:\n%s", n, buf.String())
	}
	// Quiet for a second: the next call (any call) closes the burst.
	now += sec
	mustOK(t, c, buy(2, "60000.00", "0.1"), newBook("60000.00", "60000.02", now), now)
	out := buf.String()
	if n := strings.Count(out, "\n"); n != 3 || !strings.Contains(out, `"suppressed":99`) ||
		strings.Count(out, `"reason":"tick"`) != 2 {
		t.Fatalf("after quiet: %d lines:\n%s", strings.Count(out, "\n"), out)
	}
	// A new burst logs again.
	c.Check(bad, b, now+1)
	if n := strings.Count(buf.String(), "\n"); n != 4 {
		t.Fatalf("new burst: %d lines", n)
	}
	if c.Rejections(ReasonTick) != 101 || c.Rejections(ReasonInvalidOrder) != 1 {
		t.Errorf("counters %d %d", c.Rejections(ReasonTick), c.Rejections(ReasonInvalidOrder))
	}
	var counts [NumReasons]uint64
	c.RejectionCounts(&counts)
	if counts[ReasonTick] != 101 || counts[ReasonOK] != 0 {
		t.Errorf("RejectionCounts %v", counts)
	}
}

// TestBurstLoggingStorm checks that a storm that never pauses is still
// summarised every maxBurstQuiets quiet periods.
func TestBurstLoggingStorm(t *testing.T) {
	var buf bytes.Buffer
	c := newChecker(t, func(c *Config) { c.Logger = zerolog.New(&buf) })
	bad := buy(1, "60000.005", "0.1")
	now := t0
	for i := 0; i < 30_000; i++ { // 30 s at one rejection per ms
		now += ms
		c.Check(bad, nil, now)
	}
	// 10 s bursts: 3 first lines and 2 summaries so far.
	if n := strings.Count(buf.String(), "\n"); n != 5 {
		t.Fatalf("%d lines:\n%s", n, buf.String())
	}
}
