package admin

import (
	"bytes"
	"compress/gzip"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime/debug"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"google.golang.org/protobuf/proto"

	"github.com/nanotick/nanotick/risk"
)

// parseScrape parses a scrape with the Prometheus text parser, strict about names.
func parseScrape(t *testing.T, body []byte) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("the Prometheus parser refuses the scrape: %v\n%s", err, body)
	}
	return fams
}

// labelsOf returns a series' labels as a map.
func labelsOf(m *dto.Metric) map[string]string {
	l := make(map[string]string, len(m.GetLabel()))
	for _, p := range m.GetLabel() {
		l[p.GetName()] = p.GetValue()
	}
	return l
}

func TestScrapeReadsBackWithThePrometheusParser(t *testing.T) {
	checkNoLeaks(t)
	cfg := goldenConfig(t)
	_, body := scrapeServer(t, cfg, nil)
	fams := parseScrape(t, body)

	// Every family of the golden scrape, with its type.
	golden, err := os.ReadFile("testdata/metrics.golden")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for line := range strings.Lines(string(golden)) {
		f := strings.Fields(line)
		if len(f) != 4 || f[0] != "#" || f[1] != "TYPE" {
			continue
		}
		n++
		fam, ok := fams[f[2]]
		if !ok {
			t.Errorf("family %s missing", f[2])
			continue
		}
		if got := strings.ToLower(fam.GetType().String()); got != f[3] {
			t.Errorf("family %s is a %s, want %s", f[2], got, f[3])
		}
	}
	if n != len(fams) || n < 70 {
		t.Errorf("scrape has %d families, the golden scrape %d", len(fams), n)
	}

	// Label values with a quote, backslashes and a line feed read back as they were.
	series := 0
	for _, m := range fams["nanotick_feed_frames_total"].GetMetric() {
		l := labelsOf(m)
		if len(l) != 1 {
			t.Errorf("feed series with labels %v, want source only", l)
		}
		want := map[string]float64{"binance": 100, "zeta": 1, oddFeedName: 5}[l["source"]]
		if got := m.GetCounter().GetValue(); got != want || want == 0 {
			t.Errorf("nanotick_feed_frames_total{source=%q} = %v, want %v", l["source"], got, want)
		}
		series++
	}
	if series != 3 {
		t.Errorf("%d feed series, want 3 (the feed without counters has none)", series)
	}

	// Values as published, through the number format.
	for name, want := range map[string]float64{
		"nanotick_frames_total":            math.MaxUint64,
		"nanotick_orders_sent_total":       1 << 53,
		"nanotick_pnl_realized":            123456789.123,
		"nanotick_pnl_unrealized":          1e-9,
		"nanotick_equity":                  0.1 + 0.2,
		"nanotick_fees":                    0,
		"nanotick_position":                -0.25,
		"nanotick_slow_ticks_total":        2,
		"nanotick_book_sync_crossed_total": 8,
	} {
		m := fams[name].GetMetric()
		if len(m) != 1 {
			t.Errorf("%s: %d series, want 1", name, len(m))
			continue
		}
		got := m[0].GetCounter().GetValue() + m[0].GetGauge().GetValue()
		if got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	for _, m := range fams["nanotick_latency_seconds"].GetMetric() {
		s, stage := m.GetSummary(), labelsOf(m)["stage"]
		if len(s.GetQuantile()) != NumQuantiles {
			t.Fatalf("stage %s: %d quantiles, want %d", stage, len(s.GetQuantile()), NumQuantiles)
		}
		for i, q := range s.GetQuantile() {
			if q.GetQuantile() != LatencyQuantiles[i] {
				t.Errorf("stage %s: quantile %v, want %v", stage, q.GetQuantile(), LatencyQuantiles[i])
			}
			if measured := s.GetSampleCount() > 0; measured == math.IsNaN(q.GetValue()) {
				t.Errorf("stage %s (count %d): quantile %v = %v", stage, s.GetSampleCount(), q.GetQuantile(), q.GetValue())
			}
		}
		if stage == "tick-to-order" && (s.GetSampleCount() != 1000 || math.Abs(s.GetSampleSum()-0.5005) > 1e-12) {
			t.Errorf("tick-to-order: count %d sum %v, want 1000 and 0.5005", s.GetSampleCount(), s.GetSampleSum())
		}
	}
}

func TestEveryRejectionReasonIsExported(t *testing.T) {
	checkNoLeaks(t)
	_, body := scrapeServer(t, goldenConfig(t), nil)
	got := map[string]float64{}
	for _, m := range parseScrape(t, body)["nanotick_risk_rejections_total"].GetMetric() {
		got[labelsOf(m)["reason"]] = m.GetCounter().GetValue()
	}
	if len(got) != int(risk.NumReasons)-1 {
		t.Errorf("%d reasons exported, want %d", len(got), risk.NumReasons-1)
	}
	for r := risk.Reason(1); r < risk.NumReasons; r++ {
		want := map[risk.Reason]float64{risk.ReasonPriceBand: 7, risk.ReasonMaxPosition: 2}[r]
		if v, ok := got[r.String()]; !ok || v != want {
			t.Errorf("reason %s: %v (exported %v), want %v", r, v, ok, want)
		}
	}
}

func TestScrapeGzipped(t *testing.T) {
	checkNoLeaks(t)
	cfg := goldenConfig(t)
	for _, tc := range []struct {
		accept string
		gzip   bool
	}{
		{"", false},
		{"gzip", true},
		{"deflate, gzip;q=0.5", true},
		{"br;q=1.0, *;q=0.1", true},
		{"gzip;q=0", false},
		{"identity", false},
	} {
		h := http.Header{}
		if tc.accept != "" {
			h.Set("Accept-Encoding", tc.accept)
		}
		resp, body := scrapeServer(t, cfg, h)
		if got := resp.Header.Get("Content-Encoding") == "gzip"; got != tc.gzip {
			t.Errorf("Accept-Encoding %q: gzipped %v, want %v", tc.accept, got, tc.gzip)
			continue
		}
		if tc.gzip {
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			if body, err = io.ReadAll(zr); err != nil {
				t.Fatal(err)
			}
		}
		if fams := parseScrape(t, body); len(fams) < 70 {
			t.Errorf("Accept-Encoding %q: %d families", tc.accept, len(fams))
		}
	}
}

func TestNewRefusesFeedsThatCannotBeSeries(t *testing.T) {
	for _, feeds := range [][]Feed{
		{{Name: "binance"}, {Name: "bybit"}, {Name: "binance"}},
		{{Name: "bad \xff utf-8"}},
	} {
		if _, err := New(Config{Feeds: feeds, Token: "0123456789abcdef0123456789abcdef"}); err == nil {
			t.Errorf("New with feeds %q: no error", []string{feeds[0].Name, feeds[len(feeds)-1].Name})
		}
	}
}

// TestRuntimeAndProcessMetricsAsTheClientLibrary reads the Go runtime's and the process's
// metrics with the Prometheus client library's own collectors (a test import only: the
// library is not linked into nanotick) and with the server, at the same moment: the same
// families, HELP texts and types; the values that do not move between the two reads
// equal, the others close.
func TestRuntimeAndProcessMetricsAsTheClientLibrary(t *testing.T) {
	checkNoLeaks(t)
	defer debug.SetGCPercent(debug.SetGCPercent(137))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(3 << 30))

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	theirs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	_, body := scrapeServer(t, Config{Addr: "127.0.0.1:0", Token: "0123456789abcdef0123456789abcdef"}, nil)
	ours := parseScrape(t, body)
	if len(theirs) != len(ours) {
		t.Errorf("%d families, the client library %d", len(ours), len(theirs))
	}

	// Equal, or within a fraction of theirs.
	tolerance := map[string]float64{ // relative to their value
		"go_gc_gogc_percent": 0, "go_gc_gomemlimit_bytes": 0, "go_sched_gomaxprocs_threads": 0, "go_info": 0,
		"process_max_fds": 0, "process_virtual_memory_max_bytes": 0, "process_start_time_seconds": 0,
		"go_memstats_sys_bytes": 0.5, "go_memstats_heap_sys_bytes": 0.5, "go_memstats_next_gc_bytes": 1,
		"go_memstats_alloc_bytes": 1, "process_resident_memory_bytes": 0.5, "process_virtual_memory_bytes": 0.5,
		"go_threads": 1, "process_open_fds": 1, "go_goroutines": 2, "go_memstats_heap_idle_bytes": 1,
		"go_memstats_heap_inuse_bytes": 0.5, "go_memstats_stack_sys_bytes": 1, "go_memstats_gc_sys_bytes": 0.5,
		"go_memstats_buck_hash_sys_bytes": 0.5, "go_memstats_other_sys_bytes": 1, "go_memstats_mspan_sys_bytes": 0.5,
		"go_memstats_mcache_sys_bytes": 0.5, "go_memstats_mallocs_total": 0.5, "go_memstats_frees_total": 1,
	}
	for _, want := range theirs {
		name := want.GetName()
		got, ok := ours[name]
		if !ok {
			t.Errorf("family %s missing", name)
			continue
		}
		if got.GetHelp() != want.GetHelp() || got.GetType() != want.GetType() {
			t.Errorf("family %s: %s %q, want %s %q", name, got.GetType(), got.GetHelp(), want.GetType(), want.GetHelp())
		}
		if len(got.GetMetric()) != 1 || len(want.GetMetric()) != 1 {
			t.Errorf("family %s: %d series, the client library %d", name, len(got.GetMetric()), len(want.GetMetric()))
			continue
		}
		g, w := got.GetMetric()[0], want.GetMetric()[0]
		if !proto.Equal(&dto.Metric{Label: g.Label}, &dto.Metric{Label: w.Label}) {
			t.Errorf("family %s: labels %v, want %v", name, g.Label, w.Label)
		}
		tol, checked := tolerance[name]
		if !checked {
			continue
		}
		gv := g.GetGauge().GetValue() + g.GetCounter().GetValue()
		wv := w.GetGauge().GetValue() + w.GetCounter().GetValue()
		if diff := math.Abs(gv - wv); tol == 0 && diff != 0 || diff > tol*math.Abs(wv) && diff > tol {
			t.Errorf("%s = %v, the client library %v", name, gv, wv)
		}
	}
	// The memstats identities, in one read.
	v := func(name string) float64 {
		m := ours[name].GetMetric()[0]
		return m.GetGauge().GetValue() + m.GetCounter().GetValue()
	}
	if v("go_memstats_heap_sys_bytes") != v("go_memstats_heap_idle_bytes")+v("go_memstats_heap_inuse_bytes") {
		t.Error("heap_sys is not heap_idle + heap_inuse")
	}
	if v("go_memstats_alloc_bytes") != v("go_memstats_heap_alloc_bytes") || v("go_memstats_heap_alloc_bytes") > v("go_memstats_heap_inuse_bytes") {
		t.Error("alloc is not heap_alloc, or over heap_inuse")
	}
	for _, pair := range [][2]string{{"go_memstats_stack_sys_bytes", "go_memstats_stack_inuse_bytes"},
		{"go_memstats_mspan_sys_bytes", "go_memstats_mspan_inuse_bytes"}, {"go_memstats_mcache_sys_bytes", "go_memstats_mcache_inuse_bytes"},
		{"go_memstats_heap_idle_bytes", "go_memstats_heap_released_bytes"}, {"go_memstats_mallocs_total", "go_memstats_frees_total"}} {
		if v(pair[0]) < v(pair[1]) {
			t.Errorf("%s %v < %s %v", pair[0], v(pair[0]), pair[1], v(pair[1]))
		}
	}
	if v := ours["go_gc_gogc_percent"].GetMetric()[0].GetGauge().GetValue(); v != 137 {
		t.Errorf("go_gc_gogc_percent = %v after SetGCPercent(137)", v)
	}
	if v := ours["go_gc_gomemlimit_bytes"].GetMetric()[0].GetGauge().GetValue(); v != 3<<30 {
		t.Errorf("go_gc_gomemlimit_bytes = %v after SetMemoryLimit(3 GiB)", v)
	}
}

// FuzzTextWriterAsExpfmt writes a family with a HELP text, a label value and a value
// both with textWriter and with the Prometheus library's own text writer: the bytes must
// be equal.
func FuzzTextWriterAsExpfmt(f *testing.F) {
	for _, s := range []string{"", `a "quoted" \ back\slash`, "new\nline", "\\n", "ünïcødé", "\"\"\\\\"} {
		f.Add(s, s, 0.1)
	}
	for _, v := range []float64{0, math.Copysign(0, -1), 1, -1, 1e21, 1e-7, 123456.789, math.MaxUint64, math.Inf(1), math.Inf(-1), math.NaN()} {
		f.Add("help", "value", v)
	}
	f.Fuzz(func(t *testing.T, help, value string, v float64) {
		if !utf8.ValidString(help) || !utf8.ValidString(value) {
			t.Skip("the format is UTF-8")
		}
		var w textWriter
		w.header("x_total", help, typeCounter)
		w.sample("x_total", v, "a", value, "b", "c")
		w.header("y", help, typeSummary)
		w.summary("y", []string{"stage", value}, []string{"0.5", "1"}, []float64{v, -v}, v, 7)

		var want bytes.Buffer
		for _, fam := range []*dto.MetricFamily{
			{Name: proto.String("x_total"), Help: proto.String(help), Type: dto.MetricType_COUNTER.Enum(),
				Metric: []*dto.Metric{{Label: labelPairs("a", value, "b", "c"), Counter: &dto.Counter{Value: proto.Float64(v)}}}},
			{Name: proto.String("y"), Help: proto.String(help), Type: dto.MetricType_SUMMARY.Enum(),
				Metric: []*dto.Metric{{Label: labelPairs("stage", value), Summary: &dto.Summary{
					SampleCount: proto.Uint64(7), SampleSum: proto.Float64(v),
					Quantile: []*dto.Quantile{{Quantile: proto.Float64(0.5), Value: proto.Float64(v)}, {Quantile: proto.Float64(1), Value: proto.Float64(-v)}},
				}}}},
		} {
			if _, err := expfmt.MetricFamilyToText(&want, fam); err != nil {
				t.Fatal(err)
			}
		}
		if string(w.b) != want.String() {
			t.Errorf("textWriter wrote\n%s\nexpfmt wrote\n%s", w.b, want.String())
		}
	})
}

func labelPairs(kv ...string) []*dto.LabelPair {
	var l []*dto.LabelPair
	for i := 0; i < len(kv); i += 2 {
		l = append(l, &dto.LabelPair{Name: proto.String(kv[i]), Value: proto.String(kv[i+1])})
	}
	return l
}

func TestParseProcStat(t *testing.T) {
	// A command name with spaces and parentheses; fields from a real /proc/self/stat.
	line := "4242 (my (odd) cmd) S 1 4242 4242 0 -1 4194560 1213 0 0 0 37 12 0 0 20 0 9 0 123456 1852456960 7471 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n"
	st, ok := parseProcStat([]byte(line))
	if !ok || st != (procStat{utime: 37, stime: 12, starttime: 123456, vsize: 1852456960, rss: 7471}) {
		t.Errorf("parseProcStat = %+v, %v", st, ok)
	}
	for _, bad := range []string{"", "4242 (cmd S 1", "4242 (cmd) S 1 2 3", strings.Replace(line, " 37 ", " x ", 1)} {
		if _, ok := parseProcStat([]byte(bad)); ok {
			t.Errorf("parseProcStat(%q) accepted", bad)
		}
	}
	limits := "Limit                     Soft Limit           Hard Limit           Units     \n" +
		"Max open files            1024                 1048576              files     \n" +
		"Max address space         unlimited            unlimited            bytes     \n"
	if v, ok := limit([]byte(limits), "Max open files"); !ok || v != 1024 {
		t.Errorf("open files limit %v %v", v, ok)
	}
	if v, ok := limit([]byte(limits), "Max address space"); !ok || v != math.MaxUint64 {
		t.Errorf("address space limit %v %v", v, ok)
	}
	if _, ok := limit([]byte(limits), "Max locked memory"); ok {
		t.Error("a missing limit read as present")
	}
	netstat := "TcpExt: SyncookiesSent InOctets\nTcpExt: 1 2\nIpExt: InNoRoutes InOctets OutOctets\nIpExt: 0 4598364806 3373498017\n"
	if in, out := netstatValue(netstat, "InOctets"), netstatValue(netstat, "OutOctets"); in != 4598364806 || out != 3373498017 {
		t.Errorf("netstat in %v out %v", in, out)
	}
	if v := netstatValue("IpExt: InNoRoutes\nIpExt: 3\n", "InOctets"); v != 0 {
		t.Errorf("a missing counter read as %v", v)
	}
}

func netstatValue(s, name string) float64 { return netstat([]byte(s), "IpExt:", name) }

func TestOpenFDsCountsTheDescriptors(t *testing.T) {
	before, ok := openFDs()
	if !ok {
		t.Skip("no /proc/self/fd on this system")
	}
	var files []*os.File
	for range 5 {
		f, err := os.Open(os.DevNull)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	after, _ := openFDs()
	for _, f := range files {
		f.Close()
	}
	if after-before != 5 {
		t.Errorf("open descriptors %v before opening 5 files, %v after", before, after)
	}
}

func TestScrapesOverTheLimitAreRefused(t *testing.T) {
	c, err := newCollector(nil, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	scrape := func() int {
		rec := httptest.NewRecorder()
		c.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		return rec.Code
	}
	for range maxScrapesInFlight {
		c.inFlight <- struct{}{} // scrapes being served
	}
	if code := scrape(); code != http.StatusServiceUnavailable {
		t.Errorf("a scrape beyond %d in flight: status %d, want 503", maxScrapesInFlight, code)
	}
	<-c.inFlight
	if code := scrape(); code != http.StatusOK {
		t.Errorf("a scrape with room: status %d, want 200", code)
	}
	if len(c.inFlight) != maxScrapesInFlight-1 {
		t.Errorf("%d scrapes in flight after the scrape returned, want %d", len(c.inFlight), maxScrapesInFlight-1)
	}
}
