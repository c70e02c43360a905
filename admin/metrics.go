package admin

import (
	"cmp"
	"compress/gzip"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

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

// family is one metric family of /metrics: its name, HELP text and TYPE, and what writes
// its samples from a scrape's snapshot. A family that writes no sample is left out whole,
// HELP and TYPE included, as the Prometheus client library left it out.
type family struct {
	name, help, typ string
	write           func(w *textWriter, name string, s *snapshot)
}

// snapshot is everything a scrape reads, taken before anything is written.
type snapshot struct {
	statsOK bool // something was published
	stats   Stats
	skipped uint64
	now     int64 // telemetry.Nanotime when the snapshot was taken
	rej     [risk.NumReasons]uint64
	state   risk.State
	feeds   []FeedCounters // in the collector's feed order
	fc      FlightCounters
	rt      *goSnapshot
	proc    procSnapshot
}

// scrapeBuf is one scrape's snapshot and output, reused from one scrape to the next.
type scrapeBuf struct {
	snap snapshot
	w    textWriter
}

// collector writes the published Stats, the risk state, the feeds' and the flight
// recorder's counters, the Go runtime's and the process's metrics in the Prometheus text
// format at scrape time. Nothing is kept between scrapes but reused buffers.
type collector struct {
	stats    *Publisher
	risk     RiskSource
	feeds    []Feed // sorted by name, as the series of a family are
	flight   *FlightRecorder
	families []family      // sorted by name
	bufs     sync.Pool     // of *scrapeBuf
	gzips    sync.Pool     // of *gzip.Writer
	inFlight chan struct{} // a token per scrape being served
}

// maxScrapesInFlight is how many scrapes are served at once; more are answered 503, as
// the Prometheus client's handler was configured to.
const maxScrapesInFlight = 2

func newCollector(stats *Publisher, rs RiskSource, feeds []Feed, fr *FlightRecorder) (*collector, error) {
	feeds = slices.Clone(feeds)
	slices.SortStableFunc(feeds, func(a, b Feed) int { return strings.Compare(a.Name, b.Name) })
	for i, f := range feeds {
		if !utf8.ValidString(f.Name) {
			return nil, fmt.Errorf("admin: feed name %q is not valid UTF-8", f.Name)
		}
		if i > 0 && feeds[i-1].Name == f.Name {
			return nil, fmt.Errorf("admin: two feeds named %q: their metrics would be one series", f.Name)
		}
	}
	c := &collector{stats: stats, risk: rs, feeds: feeds, flight: fr,
		inFlight: make(chan struct{}, maxScrapesInFlight)}
	if stats != nil {
		c.families = append(c.families, statsFamilies()...)
	}
	if rs != nil {
		c.families = append(c.families, riskFamilies()...)
	}
	if len(feeds) > 0 {
		c.families = append(c.families, c.feedFamilies()...)
	}
	if fr != nil {
		c.families = append(c.families, flightFamilies()...)
	}
	c.families = append(c.families, goFamilies()...)
	c.families = append(c.families, processFamilies()...)
	slices.SortFunc(c.families, func(a, b family) int { return cmp.Compare(a.name, b.name) })
	for i := 1; i < len(c.families); i++ {
		if c.families[i-1].name == c.families[i].name {
			return nil, errors.New("admin: two metric families named " + c.families[i].name)
		}
	}
	c.bufs.New = func() any {
		return &scrapeBuf{snap: snapshot{feeds: make([]FeedCounters, len(feeds)), rt: newGoSnapshot()}}
	}
	c.gzips.New = func() any {
		zw, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed) // a valid level: no error
		return zw
	}
	return c, nil
}

// ServeHTTP answers a scrape with every family in the text format, gzipped when the
// scraper accepts it.
func (c *collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	select {
	case c.inFlight <- struct{}{}:
		defer func() { <-c.inFlight }()
	default:
		http.Error(w, fmt.Sprintf("Limit of concurrent requests reached (%d), try again later.", maxScrapesInFlight),
			http.StatusServiceUnavailable)
		return
	}
	buf := c.bufs.Get().(*scrapeBuf)
	defer c.bufs.Put(buf)
	c.read(&buf.snap)
	buf.w.b, buf.w.samples = buf.w.b[:0], 0
	c.write(&buf.w, &buf.snap)

	h := w.Header()
	h.Set("Content-Type", textContentType)
	h.Add("Vary", "Accept-Encoding")
	if !acceptsGzip(r.Header.Values("Accept-Encoding")) {
		h.Set("Content-Length", strconv.Itoa(len(buf.w.b)))
		_, _ = w.Write(buf.w.b) // the scraper went away: nothing to do
		return
	}
	h.Set("Content-Encoding", "gzip")
	zw := c.gzips.Get().(*gzip.Writer)
	defer c.gzips.Put(zw)
	zw.Reset(w)
	_, _ = zw.Write(buf.w.b)
	_ = zw.Close()
}

// acceptsGzip reports whether Accept-Encoding header values accept gzip: listed (or "*"),
// and not with q=0.
func acceptsGzip(values []string) bool {
	for _, v := range values {
		for coding := range strings.SplitSeq(v, ",") {
			name, params, _ := strings.Cut(coding, ";")
			name = strings.ToLower(strings.TrimSpace(name))
			if name != "gzip" && name != "*" {
				continue
			}
			q := 1.0
			for p := range strings.SplitSeq(params, ";") {
				if k, val, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.EqualFold(k, "q") {
					if f, err := strconv.ParseFloat(val, 64); err == nil {
						q = f
					}
				}
			}
			if q > 0 {
				return true
			}
		}
	}
	return false
}

// read takes the snapshot. The published Stats are held only while they are copied, so
// the engine's publications are skipped for as short as possible.
func (c *collector) read(s *snapshot) {
	if c.stats != nil {
		s.skipped = c.stats.Skipped()
		s.statsOK = c.stats.Read(func(st *Stats) { s.stats = *st })
		s.now = telemetry.Nanotime()
	}
	if c.risk != nil {
		c.risk.RejectionCounts(&s.rej)
		s.state = c.risk.State()
	}
	for i, f := range c.feeds {
		s.feeds[i] = FeedCounters{}
		if f.Counters != nil {
			s.feeds[i] = f.Counters()
		}
	}
	if c.flight != nil {
		s.fc = c.flight.Counters()
	}
	s.rt.read()
	s.proc.read()
}

// write writes every family of s.
func (c *collector) write(w *textWriter, s *snapshot) {
	for _, f := range c.families {
		mark, n := len(w.b), w.samples
		w.header(f.name, f.help, f.typ)
		f.write(w, f.name, s)
		if w.samples == n {
			w.b = w.b[:mark]
		}
	}
}

// nanotickFamily is a family of one series with no labels, read from the snapshot.
func nanotickFamily(name, help, typ string, v func(*snapshot) (float64, bool)) family {
	return family{name: Namespace + "_" + name, help: help, typ: typ, write: func(w *textWriter, name string, s *snapshot) {
		if x, ok := v(s); ok {
			w.sample(name, x)
		}
	}}
}

// statsFamilies are read from the engine's published Stats.
func statsFamilies() []family {
	counter := func(name, help string, v func(*Stats) uint64) family {
		return nanotickFamily(name, help, typeCounter, func(s *snapshot) (float64, bool) {
			return float64(v(&s.stats)), s.statsOK
		})
	}
	gauge := func(name, help string, v func(*Stats) float64) family {
		return nanotickFamily(name, help, typeGauge, func(s *snapshot) (float64, bool) {
			return v(&s.stats), s.statsOK
		})
	}
	stages := make([]telemetry.Stage, telemetry.NumStages)
	for i := range stages {
		stages[i] = telemetry.Stage(i)
	}
	slices.SortFunc(stages, func(a, b telemetry.Stage) int { return strings.Compare(a.String(), b.String()) })
	stageLabels := make([][]string, len(stages))
	for i, st := range stages {
		stageLabels[i] = []string{"stage", st.String()}
	}
	quantiles := make([]string, NumQuantiles)
	for i, q := range LatencyQuantiles {
		quantiles[i] = formatFloat(q)
	}
	return []family{
		counter("frames_total", "Frames the engine handled.", func(s *Stats) uint64 { return s.Counters.Frames }),
		counter("malformed_frames_total", "Frames that failed to decode and were skipped.", func(s *Stats) uint64 { return s.Counters.Malformed }),
		counter("book_updates_total", "Depth events applied to the book.", func(s *Stats) uint64 { return s.Counters.BookUpdates }),
		counter("trades_total", "Public trades seen.", func(s *Stats) uint64 { return s.Counters.Trades }),
		counter("orders_sent_total", "Orders risk accepted and the gateway took.", func(s *Stats) uint64 { return s.Counters.OrdersSent }),
		counter("orders_rejected_total", "Orders risk rejected, all reasons.", func(s *Stats) uint64 { return s.Counters.OrdersRejected }),
		counter("send_failures_total", "Orders the gateway failed to send.", func(s *Stats) uint64 { return s.Counters.SendFailures }),
		counter("cancels_sent_total", "Cancels sent.", func(s *Stats) uint64 { return s.Counters.CancelsSent }),
		counter("fills_total", "Fills received.", func(s *Stats) uint64 { return s.Counters.Fills }),
		counter("strategy_errors_total", "Strategy callbacks that returned an error.", func(s *Stats) uint64 { return s.Counters.StrategyErrors }),
		counter("book_sync_gaps_total", "Breaks in the depth update id sequence while live.", func(s *Stats) uint64 { return s.Sync.Gaps }),
		counter("book_sync_resyncs_total", "Book snapshots requested after the first.", func(s *Stats) uint64 { return s.Sync.Resyncs }),
		counter("book_sync_snapshots_total", "Book snapshots loaded.", func(s *Stats) uint64 { return s.Sync.Snapshots }),
		counter("book_sync_overflows_total", "Times the pending depth buffer overflowed.", func(s *Stats) uint64 { return s.Sync.Overflows }),
		counter("book_sync_crossed_total", "Applied depth events that left the book crossed.", func(s *Stats) uint64 { return s.Sync.Crossed }),
		counter("stats_publications_total", "Statistics publications made by the engine.", func(s *Stats) uint64 { return s.Seq }),
		gauge("position", "Net filled position, in the base currency, as the risk layer booked it.", func(s *Stats) float64 { return s.Trading.Position }),
		gauge("pnl_realized", "Realized PnL since start, before fees, in the quote currency.", func(s *Stats) float64 { return s.Trading.Realized }),
		gauge("pnl_unrealized", "Unrealized PnL of the position at the last mark (book mid), in the quote currency.", func(s *Stats) float64 { return s.Trading.Unrealized }),
		gauge("fees", "Fees paid since start, in the quote currency; negative for net rebates.", func(s *Stats) float64 { return s.Trading.Fees }),
		gauge("equity", "Net PnL since start marked to market (realized - fees + unrealized), in the quote currency: what the daily-loss and drawdown limits are measured on.", func(s *Stats) float64 { return s.Trading.Equity }),
		gauge("open_orders", "Orders working at the venue or on their way there.", func(s *Stats) float64 { return float64(s.Trading.OpenOrders) }),
		gauge("strategy_halted", "1 if a strategy error has halted the strategy.", func(s *Stats) float64 { return boolFloat(s.StrategyHalted) }),
		nanotickFamily("stats_age_seconds", "Time since the engine last published its statistics.", typeGauge, func(s *snapshot) (float64, bool) {
			return float64(s.now-s.stats.PublishedAt) / 1e9, s.statsOK
		}),
		nanotickFamily("stats_publications_skipped_total", "Publications skipped because a scrape held the buffer.", typeCounter, func(s *snapshot) (float64, bool) {
			return float64(s.skipped), true
		}),
		{name: Namespace + "_latency_seconds", typ: typeSummary,
			help: "Tick path latency by stage since start, from the engine's HdrHistograms; quantile 1 is the maximum.",
			write: func(w *textWriter, name string, s *snapshot) {
				if !s.statsOK {
					return
				}
				var values [NumQuantiles]float64
				for k, st := range stages {
					l := &s.stats.Latency[st]
					for i := range values {
						values[i] = math.NaN()
						if l.Count != 0 {
							values[i] = float64(l.Quantiles[i]) / 1e9
						}
					}
					w.summary(name, stageLabels[k], quantiles, values[:], float64(l.Sum)/1e9, uint64(l.Count))
				}
			}},
	}
}

// riskFamilies are read from the risk layer.
func riskFamilies() []family {
	reasons := make([]risk.Reason, 0, risk.NumReasons)
	for r := risk.Reason(1); r < risk.NumReasons; r++ {
		reasons = append(reasons, r)
	}
	slices.SortFunc(reasons, func(a, b risk.Reason) int { return strings.Compare(a.String(), b.String()) })
	states := []risk.State{risk.Active, risk.Reducing, risk.Halted}
	slices.SortFunc(states, func(a, b risk.State) int { return strings.Compare(a.String(), b.String()) })
	return []family{
		{name: Namespace + "_risk_rejections_total", typ: typeCounter, help: "Orders risk rejected, by reason.",
			write: func(w *textWriter, name string, s *snapshot) {
				for _, r := range reasons {
					w.sample(name, float64(s.rej[r]), "reason", r.String())
				}
			}},
		{name: Namespace + "_risk_state", typ: typeGauge, help: "1 for the current risk trading state, 0 for the others.",
			write: func(w *textWriter, name string, s *snapshot) {
				for _, st := range states {
					w.sample(name, boolFloat(st == s.state), "state", st.String())
				}
			}},
	}
}

// feedFamilies are read from the feeds' counters, one series per feed.
func (c *collector) feedFamilies() []family {
	feed := func(name, help string, v func(*FeedCounters) uint64) family {
		return family{name: Namespace + "_" + name, help: help, typ: typeCounter,
			write: func(w *textWriter, name string, s *snapshot) {
				for i, f := range c.feeds {
					if f.Counters != nil {
						w.sample(name, float64(v(&s.feeds[i])), "source", f.Name)
					}
				}
			}}
	}
	return []family{
		feed("feed_frames_total", "Messages a feed received.", func(f *FeedCounters) uint64 { return f.Frames }),
		feed("feed_reconnects_total", "Connections a feed lost and opened again.", func(f *FeedCounters) uint64 { return f.Reconnects }),
		feed("feed_resyncs_total", "Book snapshots a feed fetched again.", func(f *FeedCounters) uint64 { return f.Resyncs }),
		feed("feed_gaps_total", "Sequence gaps a feed saw.", func(f *FeedCounters) uint64 { return f.Gaps }),
	}
}

// flightFamilies are read from the flight recorder's counters.
func flightFamilies() []family {
	counter := func(name, help string, v func(*FlightCounters) uint64) family {
		return nanotickFamily(name, help, typeCounter, func(s *snapshot) (float64, bool) { return float64(v(&s.fc)), true })
	}
	return []family{
		counter("slow_ticks_total", "Ticks over the flight recorder's threshold.", func(f *FlightCounters) uint64 { return f.SlowTicks }),
		counter("slow_tick_traces_total", "Slow tick execution traces written.", func(f *FlightCounters) uint64 { return f.Written }),
		counter("slow_tick_traces_skipped_total", "Slow ticks not traced: rate limit, writer busy or write failure.", func(f *FlightCounters) uint64 { return f.Skipped }),
	}
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
