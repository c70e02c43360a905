package backtest

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/risk"
	"github.com/nanotick/nanotick/strategy"
	"github.com/nanotick/nanotick/venues"
)

type (
	strategyBase    = strategy.Base
	strategyContext = strategy.Context
)

// sliceSource replays frames from memory.
type sliceSource struct {
	local  []int64
	frames []string
	i      int
}

func (s *sliceSource) Next() (int64, []byte, error) {
	if s.i == len(s.frames) {
		return 0, nil, io.EOF
	}
	s.i++
	return s.local[s.i-1], []byte(s.frames[s.i-1]), nil
}

func TestEventTime(t *testing.T) {
	for _, tt := range []struct {
		frame string
		want  int64
		ok    bool
	}{
		{`{"stream":"btcusdt@trade","data":{"e":"trade","E":1723161255343,"s":"BTCUSDT"}}`, 1723161255343 * ms, true},
		{`{"e":"depthUpdate","E":5,"U":1}`, 5 * ms, true},
		{`{"stream":"btcusdt@bookTicker","data":{"u":1,"s":"BTCUSDT","b":"1"}}`, 0, false},
		{`{"lastUpdateId":1,"bids":[],"asks":[]}`, 0, false},
		{`{"E":x}`, 0, false},
	} {
		got, ok := eventTime([]byte(tt.frame))
		if got != tt.want || ok != tt.ok {
			t.Errorf("eventTime(%s) = %d, %v; want %d, %v", tt.frame, got, ok, tt.want, tt.ok)
		}
	}
}

// TestReadStampsExchangeTime checks the time base: the exchange sees a frame at its
// receive time minus its feed latency, the feed latency being local − E less the
// smallest local − E seen so far, whatever the sign of local − E (the spot recording's
// clock is 1.3 s behind the exchange's).
func TestReadStampsExchangeTime(t *testing.T) {
	const skew = -1300 * ms // local clock behind the exchange
	frame := func(eMs int64) string { return fmt.Sprintf(`{"e":"trade","E":%d}`, eMs) }
	e := func(localMs, latMs int64) int64 { return (localMs*ms - skew - latMs*ms) / ms } // E for a given true latency
	src := &sliceSource{
		local: []int64{1000 * ms, 1010 * ms, 1020 * ms, 1030 * ms, 1025 * ms, 4000 * ms, 4010 * ms},
		frames: []string{
			frame(e(1000, 3)), // first frame: taken as the fastest, latency 0
			frame(e(1010, 8)), // 5 ms slower than the first
			frame(e(1020, 1)), // faster than the first: the offset moves, latency 0
			`{"stream":"btcusdt@bookTicker","data":{"u":1}}`, // no E: the last latency
			frame(e(1025, 1)),    // local clock went back 5 ms: clamped to 1030
			frame(e(4000, 2500)), // 2.5 s late: clamped to the 1 s maximum
			frame(e(4010, 1)),
		},
	}
	r := testReplay(src, 2)
	for !r.eof {
		if _, err := r.read(); err != nil {
			t.Fatal(err)
		}
	}
	want := []struct{ local, exch int64 }{
		{1000, 1000}, {1010, 1005}, {1020, 1020}, {1030, 1030}, {1030, 1030}, {4000, 3000}, {4010, 4010},
	}
	if r.n != len(want) {
		t.Fatalf("%d frames buffered, want %d", r.n, len(want))
	}
	for i, w := range want {
		s := r.slotAt(i)
		if s.local != w.local*ms || s.exch != w.exch*ms {
			t.Errorf("frame %d: local %d exch %d (ms), want %d %d", i, s.local/ms, s.exch/ms, w.local, w.exch)
		}
	}
	if r.feed.backwards != 1 || r.feed.clamped != 1 || r.feed.withoutE != 1 {
		t.Errorf("feed stats %+v: want 1 backwards, 1 clamped, 1 without E", r.feed)
	}
	if r.offset != 1020*ms-e(1020, 1)*ms {
		t.Errorf("offset %v", time.Duration(r.offset))
	}
}

// TestNextTieBreak checks the order of events at equal times: the exchange's frame,
// then an arrival at the exchange, then a response, then the strategy's frame.
func TestNextTieBreak(t *testing.T) {
	lat, _ := ConstantLatency(5*time.Millisecond, 0)
	x, err := NewExchange(ExchangeConfig{Instrument: testSpec("", ps, qs), NewFeed: venues.NewFeed, Latency: lat})
	if err != nil {
		t.Fatal(err)
	}
	l := &lane{ex: x}
	// An engine whose timer is due at 100, 110, 120...: a timer is a step of its own
	// only strictly before everything else, and not once the events are over.
	cfg := spotBacktest(t)
	cfg.Engine.TimerInterval = 10
	eng, err := newEngine(cfg, []*lane{l})
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.Start(90); err != nil {
		t.Fatal(err)
	}
	r := &replay{ex: x, eng: eng, lanes: []*lane{l}, ring: make([]slot, 4)}
	r.ring[0] = slot{local: 100, exch: 90}
	r.ring[1] = slot{local: 120, exch: 100}
	r.n, l.exOff = 2, 1 // the exchange has seen frame 0, the strategy has not
	o := risk.Order{ID: 1, Side: orderbook.Bid, Price: 1, Qty: 1}
	_ = x.Place(&o, 100-int64(5*time.Millisecond)) // arrives at 100
	var rec recorder
	var order []string
	for i := 0; i < 10; i++ {
		kind, _, at := r.next()
		if kind == evNone {
			break
		}
		switch kind {
		case evMarket:
			order = append(order, fmt.Sprintf("market@%d", at))
			l.exOff++
		case evOrderPath:
			order = append(order, fmt.Sprintf("order-path@%d", at))
			x.Step(&rec)
		case evFrame:
			order = append(order, fmt.Sprintf("frame@%d", at))
			r.head, r.n, l.exOff = r.head+1, r.n-1, l.exOff-1
			eng.OnClock(at) // the engine fires the timers due by a frame first
		case evTimer:
			order = append(order, fmt.Sprintf("timer@%d", at))
			eng.OnClock(at)
		}
	}
	// Frame 1 at the exchange (100) before the order's arrival (100); the arrival
	// (a rejection: no market data) answers at 100 with zero response latency, before
	// the strategy's frame 0 at 100, which fires the timer due at 100; the timer at 110
	// is a step; then frame 1 reaches the strategy at 120 (and fires the timer at 120),
	// and with the events over, no timer is.
	want := "[market@100 order-path@100 order-path@100 frame@100 timer@110 frame@120]"
	if got := fmt.Sprint(order); got != want {
		t.Errorf("order %s, want %s", got, want)
	}
	if len(rec.got) != 1 || rec.got[0].kind != "rejected" {
		t.Errorf("answers %v", rec.got)
	}
}

// panicky is a strategy that panics on its first book.
type panicky struct{ strategyBase }

func (panicky) OnBook(*strategyContext) error { panic("boom") }

func TestStrategyPanicIsAnError(t *testing.T) {
	cfg := spotBacktest(t)
	cfg.Strategy = panicky{}
	rep, err := Run(cfg)
	if err == nil || rep != nil {
		t.Fatalf("Run = %v, %v; want an error", rep, err)
	}
	if !strings.Contains(err.Error(), "panic: boom") {
		t.Errorf("error %q does not name the panic", err)
	}
}

// TestFrameArena pushes and pops frames of random sizes through the replay's ring and
// arena and checks that every frame comes out as it went in.
func TestFrameArena(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		var frames []string
		for i := rapid.IntRange(1, 400).Draw(rt, "n"); i > 0; i-- {
			size := rapid.IntRange(0, 70_000).Draw(rt, "size")
			frames = append(frames, strings.Repeat(string(rune('a'+i%26)), size))
		}
		src := &sliceSource{local: make([]int64, len(frames)), frames: frames}
		r := testReplay(src, 2)
		next := 0
		for !r.eof || r.n > 0 {
			if !r.eof && (r.n == 0 || rapid.Bool().Draw(rt, "read")) {
				if _, err := r.read(); err != nil {
					rt.Fatal(err)
				}
				continue
			}
			if got := string(r.frame(r.slotAt(0))); got != frames[next] {
				rt.Fatalf("frame %d: %d bytes out, %d in", next, len(got), len(frames[next]))
			}
			next++
			r.head = (r.head + 1) % len(r.ring)
			r.n--
		}
		if next != len(frames) {
			rt.Fatalf("%d frames out of %d", next, len(frames))
		}
	})
}
