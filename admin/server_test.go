package admin

import (
	"context"
	"encoding/json"
	"io"
	"math"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/nanotick/nanotick/engine"
	"github.com/nanotick/nanotick/feeds/binance"
	"github.com/nanotick/nanotick/risk"
	"github.com/nanotick/nanotick/telemetry"
)

// fakeRisk is a RiskSource that Halt can halt, safe from any goroutine.
type fakeRisk struct {
	mu    sync.Mutex
	state risk.State
	rej   [risk.NumReasons]uint64
}

func (f *fakeRisk) State() risk.State {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.state
}

func (f *fakeRisk) RejectionCounts(dst *[risk.NumReasons]uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	*dst = f.rej
}

func (f *fakeRisk) halt() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.state = risk.Halted
}

// fixture is a started server over a Publisher, a fakeRisk, a kill switch that counts its
// calls and one feed.
type fixture struct {
	srv    *Server
	pub    *Publisher
	risk   *fakeRisk
	halts  atomic.Int32
	client *http.Client
	base   string
}

func startFixture(t *testing.T, withHalt bool) *fixture {
	t.Helper()
	checkNoLeaks(t)
	f := &fixture{pub: NewPublisher(0), risk: &fakeRisk{}}
	f.risk.rej[risk.ReasonPriceBand] = 7
	f.risk.rej[risk.ReasonMaxPosition] = 2
	cfg := Config{
		Addr:  "127.0.0.1:0",
		Stats: f.pub,
		Risk:  f.risk,
		Feeds: []Feed{{Name: "binance", Counters: func() FeedCounters {
			return FeedCounters{Frames: 100, Reconnects: 3, Resyncs: 2, Gaps: 1}
		}}},
	}
	if withHalt {
		cfg.Halt = func() { f.halts.Add(1); f.risk.halt() }
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	f.srv = srv
	f.client = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	f.base = "http://" + srv.Addr()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return f
}

func (f *fixture) do(t *testing.T, method, path string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, f.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+f.srv.Token())
	resp, err := f.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return resp.StatusCode, resp.Header, string(body)
}

func TestServerListensOnLoopback(t *testing.T) {
	f := startFixture(t, true)
	host, _, err := net.SplitHostPort(f.srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		t.Errorf("listening on %s, want loopback", f.srv.Addr())
	}
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if s.cfg.Addr != DefaultAddr || !strings.HasPrefix(DefaultAddr, "127.0.0.1:") {
		t.Errorf("default address %q", s.cfg.Addr)
	}
	if s.Addr() != "" {
		t.Errorf("Addr before Start = %q", s.Addr())
	}
}

func TestIsLoopback(t *testing.T) {
	for _, tc := range []struct {
		addr    string
		want    bool
		wantErr bool
	}{
		{"127.0.0.1:6060", true, false},
		{"127.0.0.2:0", true, false},
		{"[::1]:6060", true, false},
		{"localhost:6060", true, false},
		{":6060", false, false},
		{"0.0.0.0:6060", false, false},
		{"[::]:6060", false, false},
		{"10.1.2.3:6060", false, false},
		{"example.com:6060", false, false},
		{"127.0.0.1", false, true},
	} {
		got, err := isLoopback(tc.addr)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("isLoopback(%q) = %v, %v; want %v, error %v", tc.addr, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestHalt(t *testing.T) {
	f := startFixture(t, true)
	for _, tc := range []struct {
		method    string
		wantCode  int
		wantHalts int32
		wantBody  string
	}{
		{http.MethodGet, http.StatusMethodNotAllowed, 0, ""},
		{http.MethodPut, http.StatusMethodNotAllowed, 0, ""},
		{http.MethodPost, http.StatusOK, 1, `{"halted":true,"state":"halted"}`},
		{http.MethodGet, http.StatusMethodNotAllowed, 1, ""},
		{http.MethodPost, http.StatusOK, 2, `{"halted":true,"state":"halted"}`},
	} {
		code, hdr, body := f.do(t, tc.method, "/halt")
		if code != tc.wantCode {
			t.Errorf("%s /halt: status %d, want %d (%s)", tc.method, code, tc.wantCode, body)
		}
		if got := f.halts.Load(); got != tc.wantHalts {
			t.Errorf("after %s /halt: kill switch pulled %d times, want %d", tc.method, got, tc.wantHalts)
		}
		if code == http.StatusMethodNotAllowed && hdr.Get("Allow") != http.MethodPost {
			t.Errorf("%s /halt: Allow %q", tc.method, hdr.Get("Allow"))
		}
		if tc.wantBody != "" {
			if strings.TrimSpace(body) != tc.wantBody {
				t.Errorf("%s /halt: body %q, want %q", tc.method, body, tc.wantBody)
			}
			if ct := hdr.Get("Content-Type"); ct != "application/json" {
				t.Errorf("content type %q", ct)
			}
		}
	}
}

func TestHaltNotConfigured(t *testing.T) {
	f := startFixture(t, false)
	if code, _, _ := f.do(t, http.MethodPost, "/halt"); code != http.StatusNotImplemented {
		t.Errorf("POST /halt with no kill switch: status %d, want 501", code)
	}
}

func TestHealthAndPprof(t *testing.T) {
	f := startFixture(t, true)
	for _, tc := range []struct {
		method, path string
		wantCode     int
		wantIn       string
	}{
		{http.MethodGet, "/healthz", http.StatusOK, `"status":"ok"`},
		{http.MethodGet, "/healthz", http.StatusOK, `"state":"active"`},
		{http.MethodPost, "/healthz", http.StatusMethodNotAllowed, ""},
		{http.MethodGet, "/debug/pprof/", http.StatusOK, "goroutine"},
		{http.MethodGet, "/debug/pprof/goroutine?debug=1", http.StatusOK, "goroutine profile"},
		{http.MethodGet, "/debug/pprof/cmdline", http.StatusOK, ""},
		{http.MethodGet, "/nope", http.StatusNotFound, ""},
	} {
		code, _, body := f.do(t, tc.method, tc.path)
		if code != tc.wantCode || !strings.Contains(body, tc.wantIn) {
			t.Errorf("%s %s: status %d, body %.200q; want %d containing %q", tc.method, tc.path, code, body, tc.wantCode, tc.wantIn)
		}
	}
}

// scrape fetches /metrics and parses it.
func (f *fixture) scrape(t *testing.T) map[string]*dto.MetricFamily {
	t.Helper()
	code, _, body := f.do(t, http.MethodGet, "/metrics")
	if code != http.StatusOK {
		t.Fatalf("GET /metrics: status %d: %s", code, body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse /metrics: %v\n%s", err, body)
	}
	return fams
}

// value returns the value of the series of family name whose labels include labels.
func value(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels map[string]string) (float64, bool) {
	t.Helper()
	fam, ok := fams[name]
	if !ok {
		return 0, false
	}
next:
	for _, m := range fam.GetMetric() {
		for k, v := range labels {
			found := false
			for _, lp := range m.GetLabel() {
				if lp.GetName() == k && lp.GetValue() == v {
					found = true
				}
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Summary != nil:
			return float64(m.Summary.GetSampleCount()), true
		}
	}
	return 0, false
}

func TestMetrics(t *testing.T) {
	f := startFixture(t, true)

	before := f.scrape(t)
	if _, ok := before["nanotick_frames_total"]; ok {
		t.Error("engine series exported before the engine published anything")
	}
	if _, ok := before["go_goroutines"]; !ok {
		t.Error("no Go runtime metrics")
	}

	lat := telemetry.NewLatency(time.Second)
	for i := int64(1); i <= 1000; i++ {
		lat.Record(telemetry.TickToOrder, i*1000) // 1 us .. 1 ms
		lat.Record(telemetry.Decode, 500)
	}
	f.pub.Publish(func(s *Stats) {
		s.Counters = engine.Counters{Frames: 1000, Malformed: 1, BookUpdates: 900, Trades: 99, OrdersSent: 40,
			OrdersRejected: 9, SendFailures: 2, CancelsSent: 30, Fills: 12, StrategyErrors: 0}
		s.Sync = binance.Counters{Gaps: 4, Resyncs: 5, Snapshots: 6}
		s.StrategyHalted = true
		s.SetLatency(lat)
		s.Trading = Trading{Position: -0.25, Realized: 12.5, Unrealized: -2.25, Fees: -0.75, Equity: 11, OpenOrders: 3}
	})
	fams := f.scrape(t)
	for _, tc := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"nanotick_frames_total", nil, 1000},
		{"nanotick_malformed_frames_total", nil, 1},
		{"nanotick_book_updates_total", nil, 900},
		{"nanotick_trades_total", nil, 99},
		{"nanotick_orders_sent_total", nil, 40},
		{"nanotick_orders_rejected_total", nil, 9},
		{"nanotick_send_failures_total", nil, 2},
		{"nanotick_cancels_sent_total", nil, 30},
		{"nanotick_fills_total", nil, 12},
		{"nanotick_strategy_errors_total", nil, 0},
		{"nanotick_book_sync_gaps_total", nil, 4},
		{"nanotick_book_sync_resyncs_total", nil, 5},
		{"nanotick_book_sync_snapshots_total", nil, 6},
		{"nanotick_risk_rejections_total", map[string]string{"reason": risk.ReasonPriceBand.String()}, 7},
		{"nanotick_risk_rejections_total", map[string]string{"reason": risk.ReasonMaxPosition.String()}, 2},
		{"nanotick_risk_rejections_total", map[string]string{"reason": risk.ReasonTick.String()}, 0},
		{"nanotick_risk_state", map[string]string{"state": "active"}, 1},
		{"nanotick_risk_state", map[string]string{"state": "halted"}, 0},
		{"nanotick_strategy_halted", nil, 1},
		{"nanotick_feed_frames_total", map[string]string{"source": "binance"}, 100},
		{"nanotick_feed_reconnects_total", map[string]string{"source": "binance"}, 3},
		{"nanotick_feed_resyncs_total", map[string]string{"source": "binance"}, 2},
		{"nanotick_feed_gaps_total", map[string]string{"source": "binance"}, 1},
		{"nanotick_latency_seconds", map[string]string{"stage": "tick-to-order"}, 1000}, // sample count
		{"nanotick_latency_seconds", map[string]string{"stage": "decode"}, 1000},
		{"nanotick_latency_seconds", map[string]string{"stage": "risk"}, 0},
		{"nanotick_stats_publications_total", nil, 1},
		{"nanotick_stats_publications_skipped_total", nil, 0},
		{"nanotick_position", nil, -0.25},
		{"nanotick_pnl_realized", nil, 12.5},
		{"nanotick_pnl_unrealized", nil, -2.25},
		{"nanotick_fees", nil, -0.75},
		{"nanotick_equity", nil, 11},
		{"nanotick_open_orders", nil, 3},
	} {
		got, ok := value(t, fams, tc.name, tc.labels)
		if !ok {
			t.Errorf("no series %s%v", tc.name, tc.labels)
			continue
		}
		if got != tc.want {
			t.Errorf("%s%v = %v, want %v", tc.name, tc.labels, got, tc.want)
		}
	}
	if n := len(fams["nanotick_risk_rejections_total"].GetMetric()); n != int(risk.NumReasons)-1 {
		t.Errorf("%d rejection reasons exported, want %d", n, risk.NumReasons-1)
	}
	if age, ok := value(t, fams, "nanotick_stats_age_seconds", nil); !ok || age < 0 || age > 60 {
		t.Errorf("stats age %v (present %v)", age, ok)
	}

	// Each stage's sum is the total of what it recorded: 1+2+...+1000 us, 1000 × 500 ns,
	// and 0 for a stage with no measurements (not NaN).
	for stage, want := range map[string]float64{"tick-to-order": 0.5005, "decode": 0.0005, "risk": 0} {
		var got float64 = math.NaN()
		for _, m := range fams["nanotick_latency_seconds"].GetMetric() {
			if m.GetLabel()[0].GetValue() == stage {
				got = m.GetSummary().GetSampleSum()
			}
		}
		if math.Abs(got-want) > 1e-12 {
			t.Errorf("latency_seconds_sum{stage=%q} = %v, want %v", stage, got, want)
		}
	}

	// The tick-to-order quantiles are within HdrHistogram's precision of 1..1000 us.
	var quantiles map[float64]float64
	for _, m := range fams["nanotick_latency_seconds"].GetMetric() {
		if m.GetLabel()[0].GetValue() == "tick-to-order" {
			quantiles = map[float64]float64{}
			for _, q := range m.GetSummary().GetQuantile() {
				quantiles[q.GetQuantile()] = q.GetValue()
			}
		}
	}
	for _, tc := range []struct{ q, want float64 }{
		{0.5, 500e-6},
		{0.9, 900e-6},
		{0.99, 990e-6},
		{1, 1000e-6},
	} {
		got, ok := quantiles[tc.q]
		if !ok || math.Abs(got-tc.want)/tc.want > 0.002 {
			t.Errorf("tick-to-order quantile %v = %v, want %v", tc.q, got, tc.want)
		}
	}

	// After the kill switch the risk state series follow.
	f.do(t, http.MethodPost, "/halt")
	fams = f.scrape(t)
	for _, tc := range []struct {
		state string
		want  float64
	}{{"active", 0}, {"reducing", 0}, {"halted", 1}} {
		if got, _ := value(t, fams, "nanotick_risk_state", map[string]string{"state": tc.state}); got != tc.want {
			t.Errorf("after halt: risk_state{state=%q} = %v, want %v", tc.state, got, tc.want)
		}
	}
}

func TestFlightMetrics(t *testing.T) {
	checkNoLeaks(t)
	fr, err := NewFlightRecorder(FlightConfig{Dir: t.TempDir(), Threshold: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	fr.Observe(int64(2 * time.Millisecond)) // not started: counted, and one left pending
	fr.Observe(int64(2 * time.Millisecond))
	s, err := New(Config{Flight: fr})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{header: http.Header{}}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, "/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+s.Token())
	s.Handler().ServeHTTP(rec, req)
	fams, err := func() (map[string]*dto.MetricFamily, error) {
		p := expfmt.NewTextParser(model.UTF8Validation)
		return p.TextToMetricFamilies(strings.NewReader(rec.body.String()))
	}()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		want float64
	}{
		{"nanotick_slow_ticks_total", 2},
		{"nanotick_slow_tick_traces_total", 0},
		{"nanotick_slow_tick_traces_skipped_total", 1},
	} {
		if got, ok := value(t, fams, tc.name, nil); !ok || got != tc.want {
			t.Errorf("%s = %v (present %v), want %v", tc.name, got, ok, tc.want)
		}
	}
}

// recorder is a minimal http.ResponseWriter.
type recorder struct {
	header http.Header
	code   int
	body   strings.Builder
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) WriteHeader(code int)        { r.code = code }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }

func TestServerStopsWithContext(t *testing.T) {
	checkNoLeaks(t)
	s, err := New(Config{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(ctx); err == nil {
		t.Error("second Start succeeded")
	}
	addr := s.Addr()
	cancel()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("server still accepting after its context was cancelled")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Shutdown after the context stopped it waits for that shutdown and returns cleanly.
	if err := s.Shutdown(context.Background()); err != nil {
		t.Errorf("shutdown after context: %v", err)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Errorf("second shutdown: %v", err)
	}
}

func TestShutdownBeforeStart(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Errorf("shutdown before start: %v", err)
	}
}

// TestHaltResponseShape pins the JSON field names the operator's tooling reads.
func TestHaltResponseShape(t *testing.T) {
	b, err := json.Marshal(haltResponse{Halted: true, State: "halted"})
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"halted":true,"state":"halted"}` {
		t.Errorf("halt response %s", b)
	}
}
