package admin

import (
	"context"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nanotick/nanotick/engine"
	"github.com/nanotick/nanotick/feeds/binance"
	"github.com/nanotick/nanotick/risk"
	"github.com/nanotick/nanotick/telemetry"
)

// oddFeedName is a feed name with every character a label value must escape.
const oddFeedName = "odd \"quoted\" \\ back\\slash\nand a new line"

// goldenConfig is a server over fixed statistics, risk state, feeds and flight recorder
// counters, with values that exercise the number format: the largest counter, a negative
// zero, tiny and large gauges, stages never measured (NaN quantiles).
// testdata/metrics.golden was scraped from it by this package as it was when it used the
// Prometheus client library (client_golang v1.25, main 7b2223d), so the comparison is
// with that library's output, not with ours.
func goldenConfig(t testing.TB) Config {
	t.Helper()
	pub := NewPublisher(0)
	lat := telemetry.NewLatency(time.Second)
	for i := int64(1); i <= 1000; i++ {
		lat.Record(telemetry.TickToOrder, i*1000)
		lat.Record(telemetry.Decode, 500+i)
	}
	pub.Publish(func(s *Stats) {
		s.Counters = engine.Counters{Frames: math.MaxUint64, Malformed: 1, BookUpdates: 900, Trades: 99, OrdersSent: 1 << 53,
			OrdersRejected: 9, SendFailures: 2, CancelsSent: 30, Fills: 12, StrategyErrors: 0}
		s.Sync = binance.Counters{Gaps: 4, Resyncs: 5, Snapshots: 6, Overflows: 7, Crossed: 8}
		s.StrategyHalted = true
		s.SetLatency(lat)
		s.Trading = Trading{Position: -0.25, Realized: 123456789.123, Unrealized: 1e-9, Fees: math.Copysign(0, -1),
			Equity: 0.1 + 0.2, OpenOrders: 3}
	})
	rk := &fakeRisk{state: risk.Reducing}
	rk.rej[risk.ReasonPriceBand] = 7
	rk.rej[risk.ReasonMaxPosition] = 2
	fr, err := NewFlightRecorder(FlightConfig{Dir: t.TempDir(), Threshold: time.Microsecond})
	if err != nil {
		t.Fatal(err)
	}
	fr.Observe(int64(time.Millisecond)) // slow, handed to the (not started) writer
	fr.Observe(int64(time.Millisecond)) // slow, skipped: the writer has one pending
	fr.Observe(1)                       // fast
	return Config{
		Addr:  "127.0.0.1:0",
		Token: "0123456789abcdef0123456789abcdef",
		Stats: pub,
		Risk:  rk,
		Feeds: []Feed{
			{Name: "zeta", Counters: func() FeedCounters { return FeedCounters{Frames: 1, Reconnects: 2, Resyncs: 3, Gaps: 4} }},
			{Name: oddFeedName, Counters: func() FeedCounters { return FeedCounters{Frames: 5} }},
			{Name: "binance", Counters: func() FeedCounters { return FeedCounters{Frames: 100, Reconnects: 3, Resyncs: 2, Gaps: 1} }},
			{Name: "no counters"},
		},
		Flight: fr,
	}
}

// volatile reports whether a series' value changes from one scrape or process to the next.
func volatile(series string) bool {
	return strings.HasPrefix(series, "go_") || strings.HasPrefix(series, "process_") ||
		strings.HasPrefix(series, "nanotick_stats_age_seconds")
}

// maskVolatile replaces the value of every volatile series of a scrape with "X".
func maskVolatile(body string) string {
	var b strings.Builder
	for line := range strings.Lines(body) {
		if !strings.HasPrefix(line, "#") && volatile(line) {
			line = line[:strings.LastIndexByte(line, ' ')] + " X\n"
		}
		b.WriteString(line)
	}
	return b.String()
}

// dropZeroRejections removes the series of rejection reasons never counted.
func dropZeroRejections(body string) string {
	var b strings.Builder
	for line := range strings.Lines(body) {
		if strings.HasPrefix(line, "nanotick_risk_rejections_total{") && strings.HasSuffix(line, "} 0\n") {
			continue
		}
		b.WriteString(line)
	}
	return b.String()
}

// scrapeServer starts a server on loopback with cfg, scrapes /metrics over TCP once and
// shuts the server down.
func scrapeServer(t *testing.T, cfg Config, header http.Header) (*http.Response, []byte) {
	t.Helper()
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	}()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://"+srv.Addr()+"/metrics", nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Authorization", "Bearer "+srv.Token())
	client := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{DisableKeepAlives: true, DisableCompression: true}}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s: %s", resp.Status, body)
	}
	return resp, body
}

// TestMetricsAsTheClientLibraryWroteThem compares a scrape, its volatile values masked,
// with what the Prometheus client library served for the same state: every family, HELP
// text, TYPE, series, label (escaping included), value and the order of them all.
func TestMetricsAsTheClientLibraryWroteThem(t *testing.T) {
	checkNoLeaks(t)
	resp, body := scrapeServer(t, goldenConfig(t), nil)
	if ct := resp.Header.Get("Content-Type"); ct != textContentType {
		t.Errorf("Content-Type %q, want %q", ct, textContentType)
	}
	got := maskVolatile(string(body))
	path := filepath.Join("testdata", "metrics.golden")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// No rejection reason is counted but the two the fixture sets: leaving the zeros out
	// keeps the golden file true when the risk layer gains a reason.
	// TestEveryRejectionReasonIsExported checks each reason has its series.
	got, want := dropZeroRejections(got), dropZeroRejections(string(b))
	if got != want {
		gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
		for i := 0; i < len(gl) || i < len(wl); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("scrape differs from %s at line %d:\n got  %q\n want %q", path, i+1, g, w)
			}
		}
	}
}
