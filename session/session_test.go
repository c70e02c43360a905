package session_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/nanotick/nanotick/engine"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/internal/enginetest"
	"github.com/nanotick/nanotick/session"
	"github.com/nanotick/nanotick/strategy"
	"github.com/nanotick/nanotick/telemetry"
)

// label is a market-data connection the tests never run: the session only needs to
// know which instruments it carries. The frames are handed to its Sink by the test.
type label struct {
	name string
	idx  []instrument.Index
}

func (l label) Name() string                                                { return l.name }
func (l label) Instruments() []instrument.Index                             { return l.idx }
func (l label) Run(context.Context, session.Sink, session.RunOptions) error { return nil }
func (l label) Wake()                                                       {}
func (l label) Counters() session.Counters                                  { return session.Counters{} }

// perpLead quotes the spot instrument off the perpetual's book on every perpetual book
// update: a frame of the second connection leads to an order, as in a lead-lag
// strategy.
type perpLead struct {
	strategy.Base
	spot, perp *strategy.Market
	bid        uint64
}

func (s *perpLead) Init(ctx *strategy.Context) error {
	var err error
	if s.spot, err = ctx.Bind("binance-spot:BTCUSDT"); err != nil {
		return err
	}
	s.perp, err = ctx.Bind("binance-usdm:BTCUSDT")
	return err
}

func (s *perpLead) OnBook(ctx *strategy.Context) error {
	if ctx.Event() != s.perp || !s.perp.BookValid() || !s.spot.BookValid() {
		return nil
	}
	px := min(s.perp.Mid()*(1-2e-4), s.spot.Price(strategy.Sell, 0)-s.spot.TickSize())
	if _, open := s.spot.Order(s.bid); !open {
		s.bid = s.spot.Buy(px, 0.001, strategy.PostOnly)
	} else {
		s.bid = s.spot.Replace(s.bid, px, 0.001, strategy.PostOnly)
	}
	return nil
}

type rig struct {
	s          *session.Session
	e          *engine.Engine
	v          *enginetest.Venue
	spotDepth  []enginetest.Frame
	perpDepth  []enginetest.Frame
	perpSnap   enginetest.Frame
	spot, perp session.Sink
	now        int64
}

// newRig builds a session over two connections: Binance Spot BTCUSDT on the engine's own
// (index 0), the USD-M perpetual on a second one whose frames cross the ring, both books
// synced from the recordings' snapshots.
func newRig(t testing.TB) *rig {
	spotSnap, spotDepth := depthFrames(t, enginetest.SpotFile)
	perpSnap, perpDepth := depthFrames(t, enginetest.USDMFile)
	e, v := enginetest.NewEngineWith(t, enginetest.PairConfig(), &perpLead{})
	// Slots hold every recorded frame: one too large would travel by reference, its
	// producer waiting for an engine goroutine that, in this test, is the producer's.
	s, err := session.New(session.Config{Engine: e, SlotSize: 128 << 10, MarketData: []session.MarketData{
		label{"binance-spot", []instrument.Index{0}}, label{"binance-usdm", []instrument.Index{1}}}})
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{s: s, e: e, v: v, spotDepth: spotDepth, perpDepth: perpDepth, perpSnap: perpSnap, spot: s.SinkOf(0), perp: s.SinkOf(1)}
	r.now = min(spotSnap.Local, perpSnap.Local)
	if err := e.Start(r.now); err != nil {
		t.Fatal(err)
	}
	if err := r.spot.Snapshot(0, spotSnap.Data, r.now); err != nil {
		t.Fatal(err)
	}
	// A snapshot through the ring returns once the engine has taken it: the engine's
	// goroutine must be draining meanwhile.
	done := make(chan error, 1)
	go func() { done <- r.perp.Snapshot(1, perpSnap.Data, r.now) }()
	for len(done) == 0 {
		s.RunIdle(r.now)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	return r
}

func depthFrames(t testing.TB, file string) (snapshot enginetest.Frame, depth []enginetest.Frame) {
	for _, f := range enginetest.LoadFrames(t, file) {
		switch {
		case bytes.HasPrefix(f.Data, []byte(`{"lastUpdateId"`)):
			if snapshot.Data == nil {
				snapshot = f
			}
		case bytes.Contains(f.Data[:min(len(f.Data), 40)], []byte("@depth")):
			// Those before the snapshot too: one of them may bridge it.
			depth = append(depth, f)
		}
	}
	if snapshot.Data == nil || len(depth) == 0 {
		t.Fatalf("%s lacks a snapshot or depth frames", file)
	}
	return snapshot, depth
}

// step hands the k'th perpetual frame to the second connection's sink and the k'th
// spot frame to the engine's own, then runs the idle pass that drains the ring, and
// answers the orders.
func (r *rig) step(k int) {
	r.now += int64(time.Millisecond) // risk's order rate sees time pass
	sf := r.spotDepth[k%len(r.spotDepth)]
	pf := r.perpDepth[k%len(r.perpDepth)]
	_ = r.perp.Frame(1, pf.Data, r.now)
	_ = r.spot.Frame(0, sf.Data, r.now)
	r.s.RunIdle(r.now)
	r.v.Answer(r.now)
}

// TestTwoConnectionsOneEngine: frames of the second connection reach the engine through
// the ring, in order with the first's, and lead to orders; both books stay valid.
func TestTwoConnectionsOneEngine(t *testing.T) {
	r := newRig(t)
	n := min(len(r.spotDepth), len(r.perpDepth), 2000)
	for k := range n {
		r.step(k)
	}
	if !r.e.BookAt(0).Valid() || !r.e.BookAt(1).Valid() {
		t.Fatalf("books valid: spot %v perp %v", r.e.BookAt(0).Valid(), r.e.BookAt(1).Valid())
	}
	c := r.e.Counters()
	if c.Frames < uint64(2*n) || c.Malformed != 0 {
		t.Errorf("engine counters %+v after %d frames per connection", c, n)
	}
	if r.v.Placed == 0 || r.v.BadBook != 0 {
		t.Errorf("%d orders placed, %d from an invalid book", r.v.Placed, r.v.BadBook)
	}
	if r.s.RingOf(1).Len() != 0 {
		t.Errorf("%d frames left in the ring", r.s.RingOf(1).Len())
	}
}

// TestResetOnlyItsInstruments: a connection that is lost resets its own instruments'
// books (fail closed: invalid at once, in order with its frames, and needing a
// snapshot), never the other connection's.
func TestResetOnlyItsInstruments(t *testing.T) {
	r := newRig(t)
	for k := range 50 {
		r.step(k)
	}
	r.perp.Reset(1)
	if !r.perp.NeedSnapshot(1) {
		t.Error("the connection does not see its reset instrument needing a snapshot")
	}
	r.s.RunIdle(r.now)
	if r.e.BookAt(1).Valid() {
		t.Error("the perpetual's book is still valid after its connection was reset")
	}
	if !r.e.BookAt(0).Valid() {
		t.Error("the spot book turned invalid when the other connection was reset")
	}
	if !r.e.FeedAt(1).NeedSnapshot() || r.e.FeedAt(0).NeedSnapshot() {
		t.Errorf("need snapshot: spot %v perp %v", r.e.FeedAt(0).NeedSnapshot(), r.e.FeedAt(1).NeedSnapshot())
	}
	for k := 50; k < 100; k++ {
		r.step(k) // the perpetual's frames buffer until a snapshot; the spot book trades on
	}
	if r.v.BadBook != 0 {
		t.Errorf("%d orders sent from an invalid book", r.v.BadBook)
	}
	if !r.e.BookAt(0).Valid() || r.e.BookAt(1).Valid() {
		t.Errorf("books valid: spot %v perp %v", r.e.BookAt(0).Valid(), r.e.BookAt(1).Valid())
	}
}

// TestNoAllocations is the multi-connection tick path: a frame read by the second
// connection is copied into the ring, drained by the engine's goroutine into decode,
// book, strategy (reading both books), risk and the encoded order, and a frame of the
// engine's own connection goes the direct way; none of it allocates.
func TestNoAllocations(t *testing.T) {
	r := newRig(t)
	k := 0
	for ; k < 3000 && k < len(r.perpDepth); k++ {
		r.step(k) // warm every buffer up
	}
	placed := r.v.Placed
	allocs := testing.AllocsPerRun(2000, func() {
		r.step(k)
		k++
	})
	if allocs != 0 {
		t.Errorf("%.2f allocations per step", allocs)
	}
	if r.v.Placed == placed {
		t.Error("no order was placed while measuring: the tick-to-order path was not exercised")
	}
}

// BenchmarkHop is the engine's cost of a frame arriving on the engine's own connection
// (direct) and on a second one (ring: copied into a slot by the reader, then drained),
// with the order it leads to; one goroutine, so what differs is the ring's copy and
// bookkeeping, not the wake-up (docs/live.md measures that over sockets).
func BenchmarkHop(b *testing.B) {
	for _, via := range []string{"direct", "ring"} {
		b.Run(via, func(b *testing.B) {
			r := newRig(b)
			sink := r.s.SinkOf(0)
			if via == "ring" {
				sink = r.perp
			}
			n := min(len(r.perpDepth), 20000)
			for k := range n {
				r.step(k)
			}
			r.e.FeedAt(1).Reset()
			_ = r.e.OnFrameAt(1, r.perpSnap.Data, r.now)
			r.e.Latency().Reset()
			b.ReportAllocs()
			k := 0
			for b.Loop() {
				r.now += int64(time.Millisecond)
				if k == n {
					// The day is over: resync from its snapshot and play it again.
					r.e.FeedAt(1).Reset()
					_ = r.e.OnFrameAt(1, r.perpSnap.Data, r.now)
					k = 0
				}
				_ = sink.Frame(1, r.perpDepth[k].Data, r.now)
				r.s.RunIdle(r.now)
				r.v.Answer(r.now)
				k++
			}
			b.ReportMetric(float64(r.e.Latency().Percentile(telemetry.TickToOrder, 50)), "t2o-p50-ns")
		})
	}
}
