package admin

import (
	"runtime"
	"sync/atomic"
	"time"

	"github.com/nanotick/nanotick/engine"
	"github.com/nanotick/nanotick/feeds/binance"
	"github.com/nanotick/nanotick/telemetry"
)

// Stats is one publication of an engine's statistics: a copy taken by the engine's goroutine
// between two ticks, so every field describes the same instant.
type Stats struct {
	// Seq numbers publications from 1; a Stats with Seq 0 was never published.
	Seq uint64
	// PublishedAt is telemetry.Nanotime when the publication was made.
	PublishedAt int64
	// Counters are the engine's counters.
	Counters engine.Counters
	// Sync are the engine's book synchroniser counters (gaps, resyncs, snapshots).
	Sync binance.Counters
	// StrategyHalted is whether a strategy error has halted the strategy.
	StrategyHalted bool
	// Latency summarises the engine's stage histograms, since the engine started.
	Latency [telemetry.NumStages]StageLatency
	// Trading is the risk layer's book of the strategy's trading.
	Trading Trading
}

// Trading is the position and profit the risk layer has booked from the fills, in
// decimal units (base currency for quantities, quote currency for money): gauges for a
// person, not for accounting. PnL is since the engine started, before any balance the
// venue holds.
type Trading struct {
	Position   float64 // net filled position
	Realized   float64 // realized PnL, before fees
	Unrealized float64 // at the last mark (the book's mid)
	Fees       float64 // fees paid; negative for net rebates
	// Equity is Realized − Fees + Unrealized: the net PnL marked to market, the value
	// the risk layer's daily-loss and drawdown limits are measured on.
	Equity float64
	// OpenOrders counts the orders working at the venue or on their way there.
	OpenOrders int
}

// NumQuantiles is the number of LatencyQuantiles.
const NumQuantiles = 5

// LatencyQuantiles are the quantiles a StageLatency holds, in its order; 1 is the maximum.
var LatencyQuantiles = [NumQuantiles]float64{0.5, 0.9, 0.99, 0.999, 1}

// StageLatency summarises one stage's histogram.
type StageLatency struct {
	Count     int64               // measurements
	Sum       int64               // their total, in nanoseconds
	Quantiles [NumQuantiles]int64 // at LatencyQuantiles, in nanoseconds; zero if Count is zero
}

// SetLatency summarises l into s.Latency. Its cost grows with the measured values, not with
// the histograms' size: each quantile scans the histogram's buckets from the lowest up to
// the quantile's value (tens of microseconds in all for microsecond latencies; see
// BenchmarkPublishEngine). It does not allocate.
//
// Copying the histograms themselves (Latency.Merge into a spare) would scan every bucket,
// about 0.6 ms for six one-second histograms, and Latency.Max scans them all too, which is
// why the maximum is taken as the 100th percentile.
func (s *Stats) SetLatency(l *telemetry.Latency) {
	for st := range s.Latency {
		sl := &s.Latency[st]
		sl.Count = l.Count(telemetry.Stage(st))
		sl.Sum = l.Sum(telemetry.Stage(st))
		for i, q := range LatencyQuantiles {
			if sl.Count == 0 {
				sl.Quantiles[i] = 0
				continue
			}
			sl.Quantiles[i] = l.Percentile(telemetry.Stage(st), q*100)
		}
	}
}

// SetTrading copies e's position, PnL and open orders from its risk layer into
// s.Trading. It must run on e's goroutine. It does not allocate.
func (s *Stats) SetTrading(e *engine.Engine) {
	rc := e.Risk()
	inst := e.Context().Instrument()
	realized, unrealized, fine := rc.PnLFine() // not truncated to the price unit
	_, fees, _ := rc.PnL()
	t := &s.Trading
	t.Position = inst.QtyScale.Float(rc.Position())
	t.Realized = fine.Float(realized)
	t.Unrealized = fine.Float(unrealized)
	t.Fees = inst.PriceScale.Float(fees)
	t.Equity = t.Realized - t.Fees + t.Unrealized // in floats: the int64 sum could overflow
	t.OpenOrders = rc.Working()
}

// slot is one of the Publisher's two buffers, with the number of readers holding it.
type slot struct {
	readers atomic.Int32
	stats   Stats
	_       [64]byte // keep the two slots' reader counts on separate cache lines
}

// Publisher hands Stats from the engine's goroutine (the only writer) to any number of
// reader goroutines without a lock on the writer's side.
//
// It is a double buffer. The writer always fills the slot that is not published, then
// publishes it with one atomic store. A reader marks the published slot as held, checks it
// is still the published one, and reads it; the writer skips a publication (Publish returns
// false and Skipped counts it) rather than overwrite a slot a reader still holds. So the
// writer never waits, and a reader never sees a half-written Stats.
//
// A publication costs some microseconds (see BenchmarkPublishEngine): call it between ticks,
// about once a second (see Due), never inside one.
type Publisher struct {
	slots   [2]slot
	cur     atomic.Uint32 // index of the published slot
	skipped atomic.Uint64

	// Owned by the writer.
	seq     uint64
	every   int64
	nextDue int64
}

// DefaultPublishInterval is how often Due asks for a publication unless NewPublisher is told
// otherwise.
const DefaultPublishInterval = time.Second

// NewPublisher returns a Publisher whose Due method asks for a publication every interval
// (DefaultPublishInterval if interval is not positive).
func NewPublisher(interval time.Duration) *Publisher {
	if interval <= 0 {
		interval = DefaultPublishInterval
	}
	return &Publisher{every: int64(interval)}
}

// Due reports whether a publication is due at now (telemetry.Nanotime), and if so schedules
// the next one. It is one compare when none is due, so the engine's goroutine may call it
// after every event. Only the writer may call it.
func (p *Publisher) Due(now int64) bool {
	if now < p.nextDue {
		return false
	}
	p.nextDue = now + p.every
	return true
}

// Publish lets fill write the next Stats and publishes it. fill receives the Stats of the
// previous publication but one, so it must set every field it uses; Seq and PublishedAt are
// set by Publish. It returns false, without calling fill, when a reader still holds the slot
// to be written. Only the writer (the engine's goroutine) may call it.
func (p *Publisher) Publish(fill func(*Stats)) bool {
	s := p.acquire()
	if s == nil {
		return false
	}
	fill(s)
	p.commit(s)
	return true
}

// PublishEngine publishes e's counters, its synchroniser's counters, whether its strategy is
// halted and a summary of its latency histograms (see Stats.SetLatency). It must run on e's
// goroutine, between ticks. It does not allocate.
func (p *Publisher) PublishEngine(e *engine.Engine) bool {
	s := p.acquire()
	if s == nil {
		return false
	}
	s.Counters = e.Counters()
	s.Sync = e.Sync().Counters()
	s.StrategyHalted = e.Halted() != nil
	s.SetLatency(e.Latency())
	s.SetTrading(e)
	p.commit(s)
	return true
}

// acquire returns the unpublished slot's Stats, or nil if a reader holds it.
func (p *Publisher) acquire() *Stats {
	next := &p.slots[1-p.cur.Load()]
	if next.readers.Load() != 0 {
		p.skipped.Add(1)
		return nil
	}
	return &next.stats
}

// commit stamps s and publishes it.
func (p *Publisher) commit(s *Stats) {
	p.seq++
	s.Seq = p.seq
	s.PublishedAt = telemetry.Nanotime()
	p.cur.Store(1 - p.cur.Load())
}

// Skipped returns how many publications were skipped because a reader held the slot. It is
// safe from any goroutine.
func (p *Publisher) Skipped() uint64 { return p.skipped.Load() }

// Read calls fn with the latest published Stats and returns true, or returns false if
// nothing was published yet. fn must not keep s or anything it points to after it returns,
// and should be quick: while it runs the writer skips the publication that would reuse the
// slot. Read is safe from any number of goroutines.
func (p *Publisher) Read(fn func(s *Stats)) bool {
	var sl *slot
	for {
		i := p.cur.Load()
		sl = &p.slots[i]
		sl.readers.Add(1)
		// The writer only writes the slot that is not published, and publishes it only
		// when done: if i is still published now that we hold it, the writer cannot start
		// on it until we let go.
		if p.cur.Load() == i {
			break
		}
		sl.readers.Add(-1)
		runtime.Gosched()
	}
	defer sl.readers.Add(-1)
	if sl.stats.Seq == 0 {
		return false
	}
	fn(&sl.stats)
	return true
}
