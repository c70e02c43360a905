package admin

import (
	"math"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/nanotick/nanotick/risk"
	"github.com/nanotick/nanotick/telemetry"
)

// Namespace prefixes every nanotick metric name.
const Namespace = "nanotick"

// RiskSource is the part of *risk.Checker the server reads: both methods must be safe from
// any goroutine, as the Checker's are.
type RiskSource interface {
	State() risk.State
	RejectionCounts(dst *[risk.NumReasons]uint64)
}

// FeedCounters are one feed's connection-level counters, as the server exports them.
type FeedCounters struct {
	Frames     uint64 // messages received
	Reconnects uint64 // connections lost and opened again
	Resyncs    uint64 // book snapshots fetched again after the first
	Gaps       uint64 // breaks in the venue's sequence numbers
}

// Feed names a source of FeedCounters. Counters is called on every scrape from the server's
// goroutine, so it must be safe from any goroutine (the live client's Counters is: it reads
// atomics).
type Feed struct {
	Name     string
	Counters func() FeedCounters
}

// collector turns the published Stats, the risk state and the feeds' counters into
// Prometheus metrics at scrape time. Nothing is kept between scrapes.
type collector struct {
	stats  *Publisher
	risk   RiskSource
	feeds  []Feed
	flight *FlightRecorder

	engineCounters []counterDesc
	syncCounters   []counterDesc
	rejections     *prometheus.Desc
	latency        *prometheus.Desc
	strategyHalted *prometheus.Desc
	statsAge       *prometheus.Desc
	statsSeq       *prometheus.Desc
	statsSkipped   *prometheus.Desc
	riskState      *prometheus.Desc
	feedFrames     *prometheus.Desc
	feedReconnects *prometheus.Desc
	feedResyncs    *prometheus.Desc
	feedGaps       *prometheus.Desc
	slowTicks      *prometheus.Desc
	tracesWritten  *prometheus.Desc
	tracesDropped  *prometheus.Desc
	trading        []tradingDesc
}

// tradingDesc is a gauge read from Stats.Trading.
type tradingDesc struct {
	desc  *prometheus.Desc
	value func(*Trading) float64
}

// counterDesc is a counter read from Stats.
type counterDesc struct {
	desc  *prometheus.Desc
	value func(*Stats) uint64
}

func newDesc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(Namespace+"_"+name, help, labels, nil)
}

func newCollector(stats *Publisher, rs RiskSource, feeds []Feed, fr *FlightRecorder) *collector {
	c := &collector{stats: stats, risk: rs, feeds: feeds, flight: fr}
	c.engineCounters = []counterDesc{
		{newDesc("frames_total", "Frames the engine handled."), func(s *Stats) uint64 { return s.Counters.Frames }},
		{newDesc("malformed_frames_total", "Frames that failed to decode and were skipped."), func(s *Stats) uint64 { return s.Counters.Malformed }},
		{newDesc("book_updates_total", "Depth events applied to the book."), func(s *Stats) uint64 { return s.Counters.BookUpdates }},
		{newDesc("trades_total", "Public trades seen."), func(s *Stats) uint64 { return s.Counters.Trades }},
		{newDesc("orders_sent_total", "Orders risk accepted and the gateway took."), func(s *Stats) uint64 { return s.Counters.OrdersSent }},
		{newDesc("orders_rejected_total", "Orders risk rejected, all reasons."), func(s *Stats) uint64 { return s.Counters.OrdersRejected }},
		{newDesc("send_failures_total", "Orders the gateway failed to send."), func(s *Stats) uint64 { return s.Counters.SendFailures }},
		{newDesc("cancels_sent_total", "Cancels sent."), func(s *Stats) uint64 { return s.Counters.CancelsSent }},
		{newDesc("fills_total", "Fills received."), func(s *Stats) uint64 { return s.Counters.Fills }},
		{newDesc("strategy_errors_total", "Strategy callbacks that returned an error."), func(s *Stats) uint64 { return s.Counters.StrategyErrors }},
	}
	c.syncCounters = []counterDesc{
		{newDesc("book_sync_gaps_total", "Breaks in the depth update id sequence while live."), func(s *Stats) uint64 { return s.Sync.Gaps }},
		{newDesc("book_sync_resyncs_total", "Book snapshots requested after the first."), func(s *Stats) uint64 { return s.Sync.Resyncs }},
		{newDesc("book_sync_snapshots_total", "Book snapshots loaded."), func(s *Stats) uint64 { return s.Sync.Snapshots }},
		{newDesc("book_sync_overflows_total", "Times the pending depth buffer overflowed."), func(s *Stats) uint64 { return s.Sync.Overflows }},
		{newDesc("book_sync_crossed_total", "Applied depth events that left the book crossed."), func(s *Stats) uint64 { return s.Sync.Crossed }},
	}
	c.rejections = newDesc("risk_rejections_total", "Orders risk rejected, by reason.", "reason")
	c.latency = newDesc("latency_seconds",
		"Tick path latency by stage since start, from the engine's HdrHistograms; quantile 1 is the maximum.",
		"stage")
	c.strategyHalted = newDesc("strategy_halted", "1 if a strategy error has halted the strategy.")
	c.statsAge = newDesc("stats_age_seconds", "Time since the engine last published its statistics.")
	c.statsSeq = newDesc("stats_publications_total", "Statistics publications made by the engine.")
	c.statsSkipped = newDesc("stats_publications_skipped_total", "Publications skipped because a scrape held the buffer.")
	c.riskState = newDesc("risk_state", "1 for the current risk trading state, 0 for the others.", "state")
	c.feedFrames = newDesc("feed_frames_total", "Messages a feed received.", "source")
	c.feedReconnects = newDesc("feed_reconnects_total", "Connections a feed lost and opened again.", "source")
	c.feedResyncs = newDesc("feed_resyncs_total", "Book snapshots a feed fetched again.", "source")
	c.feedGaps = newDesc("feed_gaps_total", "Sequence gaps a feed saw.", "source")
	c.slowTicks = newDesc("slow_ticks_total", "Ticks over the flight recorder's threshold.")
	c.tracesWritten = newDesc("slow_tick_traces_total", "Slow tick execution traces written.")
	c.tracesDropped = newDesc("slow_tick_traces_skipped_total", "Slow ticks not traced: rate limit, writer busy or write failure.")
	c.trading = []tradingDesc{
		{newDesc("position", "Net filled position, in the base currency, as the risk layer booked it."), func(t *Trading) float64 { return t.Position }},
		{newDesc("pnl_realized", "Realized PnL since start, before fees, in the quote currency."), func(t *Trading) float64 { return t.Realized }},
		{newDesc("pnl_unrealized", "Unrealized PnL of the position at the last mark (book mid), in the quote currency."), func(t *Trading) float64 { return t.Unrealized }},
		{newDesc("fees", "Fees paid since start, in the quote currency; negative for net rebates."), func(t *Trading) float64 { return t.Fees }},
		{newDesc("equity", "Net PnL since start marked to market (realized - fees + unrealized), in the quote currency: what the daily-loss and drawdown limits are measured on."), func(t *Trading) float64 { return t.Equity }},
		{newDesc("open_orders", "Orders working at the venue or on their way there."), func(t *Trading) float64 { return float64(t.OpenOrders) }},
	}
	return c
}

// Describe sends every descriptor the collector may use.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.engineCounters {
		ch <- d.desc
	}
	for _, d := range c.syncCounters {
		ch <- d.desc
	}
	for _, d := range c.trading {
		ch <- d.desc
	}
	for _, d := range []*prometheus.Desc{c.rejections, c.latency, c.strategyHalted, c.statsAge, c.statsSeq,
		c.statsSkipped, c.riskState, c.feedFrames, c.feedReconnects, c.feedResyncs, c.feedGaps,
		c.slowTicks, c.tracesWritten, c.tracesDropped} {
		ch <- d
	}
}

// Collect reads everything at scrape time. The published Stats are held only while their
// values are copied out, so the engine's publications are skipped for as short as possible.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	if c.stats != nil {
		c.collectStats(ch)
	}
	if c.risk != nil {
		var rej [risk.NumReasons]uint64
		c.risk.RejectionCounts(&rej)
		for r := risk.Reason(1); r < risk.NumReasons; r++ {
			ch <- prometheus.MustNewConstMetric(c.rejections, prometheus.CounterValue, float64(rej[r]), r.String())
		}
		st := c.risk.State()
		for _, s := range []risk.State{risk.Active, risk.Reducing, risk.Halted} {
			ch <- prometheus.MustNewConstMetric(c.riskState, prometheus.GaugeValue, boolFloat(s == st), s.String())
		}
	}
	for _, f := range c.feeds {
		if f.Counters == nil {
			continue
		}
		fc := f.Counters()
		ch <- prometheus.MustNewConstMetric(c.feedFrames, prometheus.CounterValue, float64(fc.Frames), f.Name)
		ch <- prometheus.MustNewConstMetric(c.feedReconnects, prometheus.CounterValue, float64(fc.Reconnects), f.Name)
		ch <- prometheus.MustNewConstMetric(c.feedResyncs, prometheus.CounterValue, float64(fc.Resyncs), f.Name)
		ch <- prometheus.MustNewConstMetric(c.feedGaps, prometheus.CounterValue, float64(fc.Gaps), f.Name)
	}
	if c.flight != nil {
		fc := c.flight.Counters()
		ch <- prometheus.MustNewConstMetric(c.slowTicks, prometheus.CounterValue, float64(fc.SlowTicks))
		ch <- prometheus.MustNewConstMetric(c.tracesWritten, prometheus.CounterValue, float64(fc.Written))
		ch <- prometheus.MustNewConstMetric(c.tracesDropped, prometheus.CounterValue, float64(fc.Skipped))
	}
}

func (c *collector) collectStats(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(c.statsSkipped, prometheus.CounterValue, float64(c.stats.Skipped()))
	var (
		engineVals [16]uint64
		syncVals   [16]uint64
		lat        [telemetry.NumStages]StageLatency
		trading    Trading
		halted     bool
		seq        uint64
		at         int64
	)
	ok := c.stats.Read(func(s *Stats) {
		for i, d := range c.engineCounters {
			engineVals[i] = d.value(s)
		}
		for i, d := range c.syncCounters {
			syncVals[i] = d.value(s)
		}
		lat = s.Latency
		trading = s.Trading
		halted, seq, at = s.StrategyHalted, s.Seq, s.PublishedAt
	})
	if !ok {
		return
	}
	for i, d := range c.engineCounters {
		ch <- prometheus.MustNewConstMetric(d.desc, prometheus.CounterValue, float64(engineVals[i]))
	}
	for i, d := range c.syncCounters {
		ch <- prometheus.MustNewConstMetric(d.desc, prometheus.CounterValue, float64(syncVals[i]))
	}
	for st, l := range lat {
		q := make(map[float64]float64, NumQuantiles)
		for i, p := range LatencyQuantiles {
			if l.Count == 0 {
				q[p] = math.NaN()
			} else {
				q[p] = float64(l.Quantiles[i]) / 1e9
			}
		}
		ch <- prometheus.MustNewConstSummary(c.latency, uint64(l.Count), float64(l.Sum)/1e9, q, telemetry.Stage(st).String())
	}
	for _, d := range c.trading {
		ch <- prometheus.MustNewConstMetric(d.desc, prometheus.GaugeValue, d.value(&trading))
	}
	ch <- prometheus.MustNewConstMetric(c.strategyHalted, prometheus.GaugeValue, boolFloat(halted))
	ch <- prometheus.MustNewConstMetric(c.statsSeq, prometheus.CounterValue, float64(seq))
	ch <- prometheus.MustNewConstMetric(c.statsAge, prometheus.GaugeValue, float64(telemetry.Nanotime()-at)/1e9)
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
