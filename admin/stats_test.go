package admin

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nanotick/nanotick/examples/strategies/marketmaker"
	"github.com/nanotick/nanotick/internal/enginetest"
	"github.com/nanotick/nanotick/telemetry"
)

func TestPublisherReadBeforePublish(t *testing.T) {
	p := NewPublisher(0)
	if p.Read(func(*Stats) { t.Error("read called before any publication") }) {
		t.Error("Read = true before any publication")
	}
}

func TestPublisherDue(t *testing.T) {
	p := NewPublisher(10 * time.Nanosecond)
	for _, tc := range []struct {
		now  int64
		want bool
	}{
		{0, true},   // the first call is always due
		{5, false},  // within the interval
		{9, false},  // still within
		{10, true},  // due again
		{15, false}, // next is 20
		{25, true},  // late: due, and the next is 35
		{34, false},
		{35, true},
	} {
		if got := p.Due(tc.now); got != tc.want {
			t.Errorf("Due(%d) = %v, want %v", tc.now, got, tc.want)
		}
	}
}

// TestPublisherSkipsHeldSlot holds the published slot in a reader and checks that the writer
// publishes into the other slot once, then skips rather than overwrite the held one.
func TestPublisherSkipsHeldSlot(t *testing.T) {
	p := NewPublisher(0)
	set := func(n uint64) func(*Stats) { return func(s *Stats) { s.Counters.Frames = n } }
	if !p.Publish(set(1)) {
		t.Fatal("first publication skipped")
	}
	p.Read(func(s *Stats) {
		if s.Counters.Frames != 1 || s.Seq != 1 {
			t.Errorf("read frames %d seq %d, want 1 and 1", s.Counters.Frames, s.Seq)
		}
		for i, tc := range []struct {
			frames uint64
			want   bool
		}{
			{2, true},  // the free slot
			{3, false}, // the slot held by this reader
			{4, false},
		} {
			if got := p.Publish(set(tc.frames)); got != tc.want {
				t.Errorf("publication %d while held = %v, want %v", i, got, tc.want)
			}
		}
		if s.Counters.Frames != 1 {
			t.Errorf("held Stats changed under the reader: frames %d", s.Counters.Frames)
		}
	})
	if got := p.Skipped(); got != 2 {
		t.Errorf("Skipped = %d, want 2", got)
	}
	p.Read(func(s *Stats) {
		if s.Counters.Frames != 2 || s.Seq != 2 {
			t.Errorf("after release: frames %d seq %d, want 2 and 2", s.Counters.Frames, s.Seq)
		}
	})
	if !p.Publish(set(5)) {
		t.Error("publication skipped with no reader")
	}
}

// TestPublisherRace has one writer publish Stats whose fields all derive from one number
// while readers check each Stats they see is whole. Run it with -race.
func TestPublisherRace(t *testing.T) {
	p := NewPublisher(0)
	const publications = 2000
	var (
		done      atomic.Bool
		wg        sync.WaitGroup
		published atomic.Uint64
	)
	live := telemetry.NewLatency(time.Second)
	wg.Add(1)
	go func() { // the writer, as the engine's goroutine would
		defer wg.Done()
		defer done.Store(true)
		for i := uint64(1); i <= publications; i++ {
			live.Record(telemetry.Decode, int64(i))
			n := i
			if p.Publish(func(s *Stats) {
				s.Counters.Frames = n
				s.Counters.Trades = 2 * n
				s.Sync.Gaps = 3 * n
				s.SetLatency(live)
			}) {
				published.Add(1)
			}
		}
	}()
	const readers = 3
	reads := make([]int, readers)
	for r := range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var last uint64
			for !done.Load() {
				p.Read(func(s *Stats) {
					reads[r]++
					n := s.Counters.Frames
					if s.Counters.Trades != 2*n || s.Sync.Gaps != 3*n || uint64(s.Latency[telemetry.Decode].Count) != n {
						t.Errorf("torn read: frames %d trades %d gaps %d decode count %d",
							n, s.Counters.Trades, s.Sync.Gaps, s.Latency[telemetry.Decode].Count)
					}
					if s.Seq < last {
						t.Errorf("seq went back from %d to %d", last, s.Seq)
					}
					last = s.Seq
				})
			}
		}()
	}
	wg.Wait()
	if got := published.Load() + p.Skipped(); got != publications {
		t.Errorf("published %d + skipped %d != %d", published.Load(), p.Skipped(), publications)
	}
	t.Logf("published %d, skipped %d, reads %v", published.Load(), p.Skipped(), reads)
}

func TestPublishEngine(t *testing.T) {
	frames := enginetest.LoadFrames(t, enginetest.SpotFile)
	e, v := enginetest.NewEngine(t, marketmaker.New())
	enginetest.Replay(t, e, v, frames)
	// The test venue acks and never fills: fill one working order so the PnL gauges have
	// something to show.
	working := e.Risk().AppendWorking(nil)
	if len(working) == 0 {
		t.Fatal("the market maker has no working order at the end of the replay")
	}
	end := frames[len(frames)-1].Local
	mid, _ := e.Book().Mid()
	e.OnFill(working[0], mid, 1_000, 7, true, end)
	p := NewPublisher(0)
	if !p.PublishEngine(e) {
		t.Fatal("publication skipped")
	}
	want, wantSync := e.Counters(), e.Sync().Counters()
	p.Read(func(s *Stats) {
		if s.Counters != want {
			t.Errorf("counters %+v, want %+v", s.Counters, want)
		}
		if s.Sync != wantSync {
			t.Errorf("sync counters %+v, want %+v", s.Sync, wantSync)
		}
		realized, fees, unrealized := e.Risk().PnL()
		ps, qs := e.Context().Instrument().PriceScale, e.Context().Instrument().QtyScale
		wantTrading := Trading{
			Position: qs.Float(e.Risk().Position()), Realized: ps.Float(realized), Fees: ps.Float(fees),
			Unrealized: ps.Float(unrealized), OpenOrders: e.Risk().Working(),
		}
		wantTrading.Equity = wantTrading.Realized - wantTrading.Fees + wantTrading.Unrealized
		if s.Trading != wantTrading {
			t.Errorf("trading %+v, want %+v", s.Trading, wantTrading)
		}
		if s.Trading.Position == 0 || s.Trading.Fees != 7e-8 || s.Trading.OpenOrders == 0 {
			t.Errorf("trading %+v after a fill of 0.00001 with fee 7e-8: want a position, the fee and open orders", s.Trading)
		}
		if s.StrategyHalted != (e.Halted() != nil) {
			t.Errorf("strategy halted %v, engine says %v", s.StrategyHalted, e.Halted())
		}
		for st := telemetry.Stage(0); st < telemetry.NumStages; st++ {
			sl := s.Latency[st]
			if want := e.Latency().Count(st); sl.Count != want {
				t.Errorf("stage %s count %d, want %d", st, sl.Count, want)
			}
			if want := e.Latency().Sum(st); sl.Sum != want || sl.Count > 0 && sl.Sum < sl.Count {
				t.Errorf("stage %s sum %d, want %d (at least 1 ns per measurement)", st, sl.Sum, want)
			}
			if sl.Count == 0 {
				continue
			}
			for i, q := range LatencyQuantiles {
				if want := e.Latency().Percentile(st, q*100); sl.Quantiles[i] != want {
					t.Errorf("stage %s quantile %v = %d, want %d", st, q, sl.Quantiles[i], want)
				}
			}
			if max := e.Latency().Max(st); sl.Quantiles[NumQuantiles-1] != max {
				t.Errorf("stage %s max %d, Latency.Max says %d", st, sl.Quantiles[NumQuantiles-1], max)
			}
		}
	})
	if e.Latency().Count(telemetry.TickToOrder) == 0 {
		t.Error("replay recorded no tick-to-order latency")
	}
	if allocs := testing.AllocsPerRun(20, func() { p.PublishEngine(e) }); allocs != 0 {
		t.Errorf("PublishEngine allocates %v times", allocs)
	}
}

func BenchmarkPublishEngine(b *testing.B) {
	frames := enginetest.LoadFrames(b, enginetest.SpotFile)
	e, v := enginetest.NewEngine(b, marketmaker.New())
	enginetest.Replay(b, e, v, frames)
	p := NewPublisher(0)
	b.ReportAllocs()
	for b.Loop() {
		p.PublishEngine(e)
	}
}

func BenchmarkPublisherDue(b *testing.B) {
	p := NewPublisher(time.Hour)
	p.Due(0)
	for b.Loop() {
		p.Due(1)
	}
}
