package backtest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/risk"
	"github.com/nanotick/nanotick/venues"
)

// The hand-built market of these tests: prices at 2 decimals, quantities at 3, lot
// 1.000 (1000 units), so that 100.00 is 10000 and 1 is 1000.
const (
	ps   fixed.Scale = 2
	qs   fixed.Scale = 3
	lot              = 1000
	ms               = int64(time.Millisecond)
	base             = int64(1_700_000_000_000) * ms // a round Unix time, ns
)

func px(p float64) int64  { v, _ := ps.FromFloat(p); return v }
func qty(q float64) int64 { v, _ := qs.FromFloat(q); return v }

// answer is one thing the exchange told the strategy.
type answer struct {
	kind   string // ack, fill, cancelled, rejected
	id     uint64
	price  int64
	qty    int64
	fee    int64
	maker  bool
	reason string
	t      int64
}

func (a answer) String() string {
	switch a.kind {
	case "fill":
		role := "taker"
		if a.maker {
			role = "maker"
		}
		return fmt.Sprintf("%d fill %d %s@%s fee %s %s", (a.t-base)/ms, a.id, qs.String(a.qty), ps.String(a.price), ps.String(a.fee), role)
	case "rejected":
		return fmt.Sprintf("%d rejected %d %s", (a.t-base)/ms, a.id, a.reason)
	}
	return fmt.Sprintf("%d %s %d", (a.t-base)/ms, a.kind, a.id)
}

// recorder is a Receiver that keeps the answers.
type recorder struct{ got []answer }

func (r *recorder) OnAck(id uint64, now int64) {
	r.got = append(r.got, answer{kind: "ack", id: id, t: now})
}
func (r *recorder) OnFill(id uint64, price, q, fee int64, maker bool, now int64) {
	r.got = append(r.got, answer{kind: "fill", id: id, price: price, qty: q, fee: fee, maker: maker, t: now})
}
func (r *recorder) OnCancelled(id uint64, now int64) {
	r.got = append(r.got, answer{kind: "cancelled", id: id, t: now})
}
func (r *recorder) OnRejected(id uint64, reason string, now int64) {
	r.got = append(r.got, answer{kind: "rejected", id: id, reason: reason, t: now})
}

func (r *recorder) String() string {
	var b strings.Builder
	for _, a := range r.got {
		b.WriteString(a.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// harness drives one Exchange with hand-built Binance spot frames.
type harness struct {
	t   *testing.T
	x   *Exchange
	r   recorder
	upd uint64 // last depth update id
}

type opts struct {
	entry, response time.Duration
	queue           QueueModel
	power           float64
	partial         bool
	maker, taker    float64
}

func newHarness(t *testing.T, o opts) *harness {
	lat, err := ConstantLatency(o.entry, o.response)
	if err != nil {
		t.Fatal(err)
	}
	x, err := NewExchange(ExchangeConfig{
		Instrument: testSpec("TEST", ps, qs), NewFeed: venues.NewFeed,
		Lot: lot, Latency: lat,
		MakerFeeBps: o.maker, TakerFeeBps: o.taker,
		Queue: o.queue, QueuePower: o.power, PartialFills: o.partial,
		BookCapacity: 64, OrderLog: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, x: x}
}

type lv struct{ p, q float64 }

func levels(ls []lv) string {
	parts := make([]string, len(ls))
	for i, l := range ls {
		parts[i] = fmt.Sprintf(`["%s","%s"]`, ps.String(px(l.p)), qs.String(qty(l.q)))
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// at runs the messages due up to time t (ms after base), then applies frame at t.
func (h *harness) at(tms int64, frame string) {
	t := base + tms*ms
	h.x.RunUntil(t, &h.r)
	if frame != "" {
		h.x.OnMarket([]byte(frame), t)
	}
}

func (h *harness) snapshot(tms int64, bids, asks []lv) {
	h.upd = 100
	h.at(tms, fmt.Sprintf(`{"lastUpdateId":%d,"bids":%s,"asks":%s}`, h.upd, levels(bids), levels(asks)))
	h.depth(tms, nil, nil) // the event that bridges the snapshot: the book is live
	if !h.x.Book().Valid() {
		h.t.Fatal("snapshot did not make the exchange book valid")
	}
}

func (h *harness) depth(tms int64, bids, asks []lv) {
	h.upd++
	e := (base + tms*ms) / ms
	h.at(tms, fmt.Sprintf(`{"e":"depthUpdate","E":%d,"s":"TEST","U":%d,"u":%d,"b":%s,"a":%s}`, e, h.upd, h.upd, levels(bids), levels(asks)))
}

// trade prints a public trade; sellerAggressor means it hit the bids.
func (h *harness) trade(tms int64, p, q float64, sellerAggressor bool) {
	e := (base + tms*ms) / ms
	h.at(tms, fmt.Sprintf(`{"e":"trade","E":%d,"s":"TEST","t":1,"p":"%s","q":"%s","T":%d,"m":%v,"M":true}`, e, ps.String(px(p)), qs.String(qty(q)), e, sellerAggressor))
}

func (h *harness) place(tms int64, id uint64, side orderbook.Side, p, q float64, postOnly, ioc bool) {
	h.at(tms, "")
	o := risk.Order{ID: id, Side: side, Price: px(p), Qty: qty(q), PostOnly: postOnly, IOC: ioc}
	if err := h.x.Place(&o, base+tms*ms); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) cancel(tms int64, id uint64) {
	h.at(tms, "")
	if err := h.x.Cancel(id, base+tms*ms); err != nil {
		h.t.Fatal(err)
	}
}

// expect runs everything in flight and compares the answers so far with want, one per
// line, as answer.String formats them.
func (h *harness) expect(want string) {
	h.t.Helper()
	h.x.RunUntil(base+int64(time.Hour), &h.r)
	got := h.r.String()
	want = strings.TrimLeft(strings.ReplaceAll(want, "\t", ""), "\n")
	if got != want {
		h.t.Errorf("answers:\n%s\nwant:\n%s", got, want)
	}
}

var (
	bids = []lv{{100, 5}, {99, 10}}
	asks = []lv{{101, 1}, {102, 2}, {103, 5}}
)

func TestCrossingOrderTakesLevelsAtTheirPrices(t *testing.T) {
	h := newHarness(t, opts{taker: 10, maker: -1, partial: true})
	h.snapshot(0, bids, asks)
	h.place(1, 1, orderbook.Bid, 102, 2.5, false, false)
	// 101 × 1 and 102 × 1.5 at the levels' prices, 10 bps taker fee each.
	h.expect(`
		1 ack 1
		1 fill 1 1@101 fee 0.1 taker
		1 fill 1 1.5@102 fee 0.15 taker
	`)
	if h.x.Resting() != 0 {
		t.Errorf("%d resting, want 0: the order filled", h.x.Resting())
	}
}

func TestCrossingRemainderRestsWithoutPhantomFill(t *testing.T) {
	h := newHarness(t, opts{partial: true})
	h.snapshot(0, bids, asks)
	h.place(1, 1, orderbook.Bid, 102, 4, false, false)
	h.expect(`
		1 ack 1
		1 fill 1 1@101 fee 0 taker
		1 fill 1 2@102 fee 0 taker
	`)
	if h.x.Resting() != 1 {
		t.Fatalf("%d resting, want the remainder", h.x.Resting())
	}
	// The recorded book still shows the asks the order took (no market impact is
	// modelled): they must not fill the remainder a second time.
	h.depth(2, nil, []lv{{103, 4}})
	h.expect(`
		1 ack 1
		1 fill 1 1@101 fee 0 taker
		1 fill 1 2@102 fee 0 taker
	`)
	// A trade printed through its price does fill it, at its price, as maker.
	h.trade(3, 101.5, 0.1, true)
	h.expect(`
		1 ack 1
		1 fill 1 1@101 fee 0 taker
		1 fill 1 2@102 fee 0 taker
		3 fill 1 1@102 fee 0 maker
	`)
}

func TestIOCRemainderIsCancelled(t *testing.T) {
	h := newHarness(t, opts{partial: true})
	h.snapshot(0, bids, asks)
	h.place(1, 1, orderbook.Bid, 102, 10, false, true)
	h.place(2, 2, orderbook.Bid, 100.5, 1, false, true) // not marketable at all
	h.expect(`
		1 ack 1
		1 fill 1 1@101 fee 0 taker
		1 fill 1 2@102 fee 0 taker
		1 cancelled 1
		2 ack 2
		2 cancelled 2
	`)
	if c := h.x.Counters(); c.Expired != 2 || h.x.Resting() != 0 {
		t.Errorf("expired %d, resting %d; want 2 and 0", c.Expired, h.x.Resting())
	}
}

func TestPostOnlyThatWouldCrossIsRejected(t *testing.T) {
	h := newHarness(t, opts{partial: true})
	h.snapshot(0, bids, asks)
	h.place(1, 1, orderbook.Bid, 101, 1, true, false)
	h.place(1, 2, orderbook.Ask, 100, 1, true, false)
	h.place(1, 3, orderbook.Bid, 100.5, 1, true, false)
	h.expect(`
		1 rejected 1 ` + RejectPostOnly + `
		1 rejected 2 ` + RejectPostOnly + `
		1 ack 3
	`)
	if h.x.Resting() != 1 {
		t.Errorf("%d resting, want the one that did not cross", h.x.Resting())
	}
}

func TestNoMarketDataRejects(t *testing.T) {
	h := newHarness(t, opts{})
	h.place(0, 1, orderbook.Bid, 100, 1, false, false)
	h.expect("0 rejected 1 " + RejectNoMarket + "\n")
}

func TestTradeThroughFillsWholeOrder(t *testing.T) {
	h := newHarness(t, opts{partial: true})
	h.snapshot(0, bids, asks)
	h.place(1, 1, orderbook.Bid, 100, 2, false, false) // 5 ahead at 100
	h.trade(2, 99, 0.5, false)                         // a buyer lifted something at 99: not our side
	h.trade(3, 100, 1, true)                           // at our price: the queue ahead shrinks, 4 left
	h.expect("1 ack 1\n")
	h.trade(4, 99.99, 0.1, true) // sold through our price: every bid at 100 was taken
	h.expect(`
		1 ack 1
		4 fill 1 2@100 fee 0 maker
	`)
}

func TestCrossingBookFillsRestingOrder(t *testing.T) {
	h := newHarness(t, opts{partial: true})
	h.snapshot(0, bids, asks)
	h.place(1, 1, orderbook.Ask, 101.5, 1, false, false)
	h.depth(2, []lv{{101.5, 3}}, []lv{{101, 0}}) // the bids moved up to our ask: it was taken
	h.expect(`
		1 ack 1
		2 fill 1 1@101.5 fee 0 maker
	`)
}

// queueScenario rests a 2-lot bid behind 5 lots, lets 5 more join behind, cancels 4
// lots from the level, then prints sells at the price: 2 lots, then 1, 1, 1.
func queueScenario(h *harness) {
	h.snapshot(0, bids, asks)
	h.place(1, 1, orderbook.Bid, 100, 2, false, false)
	h.depth(2, []lv{{100, 10}}, nil) // 5 join behind
	h.depth(3, []lv{{100, 6}}, nil)  // 4 cancelled, from where?
	h.trade(4, 100, 2, true)
	h.trade(5, 100, 1, true)
	h.trade(6, 100, 1, true)
	h.trade(7, 100, 1, true)
}

func TestQueueRiskAverse(t *testing.T) {
	// Risk averse: all 4 cancelled lots were behind, 5 ahead; the trades use up 5
	// lots, the 6th and 7th... only 5 lots trade in all, so nothing fills.
	h := newHarness(t, opts{queue: RiskAverse, partial: true})
	queueScenario(h)
	h.expect("1 ack 1\n")
	h.trade(8, 100, 1.5, true) // 1.5 past the queue: 1 whole lot fills
	h.trade(9, 100, 1, true)   // .5 left over plus 1: the second lot fills
	h.expect(`
		1 ack 1
		8 fill 1 1@100 fee 0 maker
		9 fill 1 1@100 fee 0 maker
	`)
}

func TestQueuePowerLaw(t *testing.T) {
	// Power law, n = 2: front 5, back 5, so half of the 4 cancelled lots were ahead:
	// 3 ahead. The first trade (2) leaves 1 ahead; the next (1) leaves 0; the next
	// (1) is 1 past the queue: 1 lot fills; the last fills the second lot.
	h := newHarness(t, opts{queue: PowerLaw, power: 2, partial: true})
	queueScenario(h)
	h.expect(`
		1 ack 1
		6 fill 1 1@100 fee 0 maker
		7 fill 1 1@100 fee 0 maker
	`)
}

func TestQueuePowerLawExponent(t *testing.T) {
	// A larger exponent puts more of a decrease behind a front-of-queue order: with
	// 2 ahead and 8 behind, n = 3 takes 512/520 of a 5-lot decrease from behind, so
	// the order keeps 2 − 5 × 8/520 ≈ 1.92 lots ahead.
	var q queuePos
	q.front, q.level = 2000, 10000
	q.onDepth(PowerLaw, 3, 5000)
	if want := 2000 - 5000*8.0/520; q.front < want-1e-6 || q.front > want+1e-6 {
		t.Errorf("front %v, want %v", q.front, want)
	}
	// n = 0 splits evenly whatever the sizes: 2.5 of the 5 come from ahead, which
	// held only 2, and the rest from behind.
	q = queuePos{front: 2000, level: 10000}
	q.onDepth(PowerLaw, 0, 5000)
	if q.front != 0 {
		t.Errorf("front %v, want 0 (everything ahead cancelled)", q.front)
	}
	// Trades already counted are not counted again when the depth catches up.
	q = queuePos{front: 5000, level: 5000}
	q.onTrade(2000)
	q.onDepth(PowerLaw, 2, 3000)
	if q.front != 3000 {
		t.Errorf("front %v after a trade the depth then showed, want 3000", q.front)
	}
}

func TestPartialFillsOff(t *testing.T) {
	// The same market as TestQueueRiskAverse without partial fills: the first time the
	// trades pass the queue, the whole order fills.
	h := newHarness(t, opts{queue: RiskAverse, partial: false})
	queueScenario(h)
	h.trade(8, 100, 1.5, true)
	h.expect(`
		1 ack 1
		8 fill 1 2@100 fee 0 maker
	`)
}

func TestPartialFillsOn(t *testing.T) {
	// With partial fills, a trade past the queue fills what traded past, no more.
	h := newHarness(t, opts{queue: RiskAverse, partial: true})
	h.snapshot(0, []lv{{99, 1}}, asks) // nothing at 100: first in the queue
	h.place(1, 1, orderbook.Bid, 100, 3, false, false)
	h.trade(2, 100, 1, true)
	h.trade(3, 100, 5, true)
	h.expect(`
		1 ack 1
		2 fill 1 1@100 fee 0 maker
		3 fill 1 2@100 fee 0 maker
	`)
}

func TestCancelArrivingAfterFillIsTooLate(t *testing.T) {
	h := newHarness(t, opts{entry: 10 * time.Millisecond, response: 10 * time.Millisecond, partial: true})
	h.snapshot(0, bids, asks)
	h.place(0, 1, orderbook.Bid, 100, 1, false, false) // reaches the exchange at 10
	h.cancel(20, 1)                                    // sent at 20, reaches it at 30
	h.trade(25, 99, 1, true)                           // at 25 the market sells through 100
	h.expect(`
		20 ack 1
		35 fill 1 1@100 fee 0 maker
	`)
	if c := h.x.Counters(); c.CancelsTooLate != 1 || c.Cancelled != 0 {
		t.Errorf("cancels too late %d, cancelled %d; want 1 and 0", c.CancelsTooLate, c.Cancelled)
	}
}

func TestCancelArrivingBeforeFillCancels(t *testing.T) {
	h := newHarness(t, opts{entry: 10 * time.Millisecond, response: 10 * time.Millisecond, partial: true})
	h.snapshot(0, bids, asks)
	h.place(0, 1, orderbook.Bid, 100, 1, false, false)
	h.cancel(20, 1)          // reaches the exchange at 30
	h.trade(31, 99, 1, true) // too late to fill it
	h.expect(`
		20 ack 1
		40 cancelled 1
	`)
}

func TestOrderReachesExchangeAfterPriceMove(t *testing.T) {
	// The strategy sees 101 offered and lifts it; by the time its order arrives
	// (10 ms later) the offer is gone, so the IOC expires unfilled.
	h := newHarness(t, opts{entry: 10 * time.Millisecond, response: 1 * time.Millisecond, partial: true})
	h.snapshot(0, bids, asks)
	h.place(1, 1, orderbook.Bid, 101, 1, false, true)
	h.depth(5, nil, []lv{{101, 0}})
	h.expect(`
		12 ack 1
		12 cancelled 1
	`)
	// Without latency the same order fills.
	h0 := newHarness(t, opts{partial: true})
	h0.snapshot(0, bids, asks)
	h0.place(1, 1, orderbook.Bid, 101, 1, false, true)
	h0.depth(5, nil, []lv{{101, 0}})
	h0.expect(`
		1 ack 1
		1 fill 1 1@101 fee 0 taker
	`)
}

func TestMakerRebateIsNegativeFee(t *testing.T) {
	h := newHarness(t, opts{maker: -1, taker: 5, partial: true})
	h.snapshot(0, []lv{{99, 1}}, asks)
	h.place(1, 1, orderbook.Bid, 100, 2, false, false)
	h.trade(2, 100, 2, true)
	// 200 notional × −1 bp = −0.02.
	h.expect(`
		1 ack 1
		2 fill 1 2@100 fee -0.02 maker
	`)
}

// TestEngineFeesAddUpToTheExactTotal fills ten orders whose fee is 0.024 each at 0.01
// price units: the engine is told 0.02 or 0.03, 0.24 in all, where truncating each
// fill's fee told it 0.20 (17% short). Rebates round as their opposites.
func TestEngineFeesAddUpToTheExactTotal(t *testing.T) {
	for _, tt := range []struct {
		bps  float64
		want []int64 // fee of each fill, price units
	}{
		{2.4, []int64{2, 3, 2, 3, 2, 2, 3, 2, 3, 2}}, // round(0.024 k) − round(0.024 (k−1))
		{-2.4, []int64{-2, -3, -2, -3, -2, -2, -3, -2, -3, -2}},
	} {
		h := newHarness(t, opts{maker: tt.bps, partial: true})
		h.snapshot(0, []lv{{99, 1}}, asks)
		for i := range len(tt.want) {
			h.place(int64(10*i+1), uint64(i+1), orderbook.Bid, 100, 1, false, false)
			h.trade(int64(10*i+2), 100, 1, true) // 100 × 1 × 2.4 bp = 0.024
		}
		h.x.RunUntil(base+int64(time.Hour), &h.r)
		var fees []int64
		var total int64
		for _, a := range h.r.got {
			if a.kind == "fill" {
				fees = append(fees, a.fee)
				total += a.fee
			}
		}
		if fmt.Sprint(fees) != fmt.Sprint(tt.want) {
			t.Errorf("%g bp: fees %v, want %v", tt.bps, fees, tt.want)
		}
		// 10 × 0.024 = 0.24, rounded once.
		if want := int64(24); total != want && total != -want {
			t.Errorf("%g bp: engine's fees %s, want ±%s", tt.bps, ps.String(total), ps.String(want))
		}
	}
}

func TestFee(t *testing.T) {
	for _, tt := range []struct {
		price, qty int64
		bps        float64
		want       int64
	}{
		{px(61837.64), qty(0.001), 4.5, 2}, // 61.83764 × 4.5e-4 = 0.0278... → 0.02 (truncated)
		{px(100), qty(1), 10, 10},
		{px(100), qty(1), -1, -1},
		{px(100), qty(1), 0, 0},
		{px(100), qty(1), 0.5, 0}, // 0.005 truncates to 0 at 2 decimals
	} {
		rate, err := feeE6(tt.bps)
		if err != nil {
			t.Fatal(err)
		}
		if got := Fee(tt.price, tt.qty, rate, qs); got != tt.want {
			t.Errorf("Fee(%s × %s at %g bps) = %d, want %d", ps.String(tt.price), qs.String(tt.qty), tt.bps, got, tt.want)
		}
	}
}

func TestResponsesKeepTheirOrderWithDrawnLatencies(t *testing.T) {
	lat, err := ParseLatency(strings.NewReader("# entry response\n1ms 30ms\n40ms,2ms\n\n7ms\n"), 42)
	if err != nil {
		t.Fatal(err)
	}
	x, err := NewExchange(ExchangeConfig{Instrument: testSpec("TEST", ps, qs), NewFeed: venues.NewFeed, Lot: lot, Latency: lat})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, x: x}
	h.snapshot(0, bids, asks)
	for i := uint64(1); i <= 50; i++ {
		h.place(int64(i), i, orderbook.Bid, 90, 1, false, false)
	}
	h.x.RunUntil(base+int64(time.Hour), &h.r)
	var last int64
	for i, a := range h.r.got {
		if a.kind != "ack" || a.id != uint64(i+1) || a.t < last {
			t.Fatalf("answer %d: %v after %d: acks out of order", i, a, (last-base)/ms)
		}
		last = a.t
	}
}
