package live

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nanotick/nanotick/feeds/binance"
	"github.com/nanotick/nanotick/orderbook"
	"github.com/rs/zerolog"
)

// harnessMode is how startHarness and newVenue connect: over TLS (wss, with https
// snapshots), and with the client busy-polling. TestConnectionModes sets it around the
// tests it runs again; nothing else changes it, and the tests do not run in parallel.
var harnessMode struct{ tls, busy bool }

// TestConnectionModes runs the connection tests again over TLS, busy-polling, and both:
// the feed must behave the same whichever way its socket is read.
func TestConnectionModes(t *testing.T) {
	tests := []struct {
		name string
		f    func(*testing.T)
	}{
		{"SyncsBook", TestClientSyncsBook},
		{"ReconnectAfterDrop", TestReconnectAfterDrop},
		{"StaleFeedDetected", TestStaleFeedDetected},
		{"MalformedFramesSkipped", TestMalformedFramesSkipped},
		{"GapResyncs", TestGapResyncs},
		{"PingAnswered", TestPingAnswered},
		{"RotationWithoutGap", TestRotationWithoutGap},
		{"WakeRunsIdlePromptly", TestWakeRunsIdlePromptly},
	}
	for _, mode := range []struct {
		name      string
		tls, busy bool
	}{{"tls", true, false}, {"busy", false, true}, {"tls+busy", true, true}} {
		t.Run(mode.name, func(t *testing.T) {
			harnessMode.tls, harnessMode.busy = mode.tls, mode.busy
			defer func() { harnessMode.tls, harnessMode.busy = false, false }()
			for _, tt := range tests {
				t.Run(tt.name, tt.f)
			}
		})
	}
}

// readPath reports how c's current connection reads its socket: through TLS, and
// through a pollConn. Only the reading goroutine changes the connection; the test reads
// it while the feed runs on one connection.
func readPath(c *Client) (isTLS, polled bool) {
	conn := c.cur.Load().Conn
	if tc, ok := conn.(*tls.Conn); ok {
		isTLS, conn = true, tc.NetConn()
	}
	_, polled = conn.(*pollConn)
	return isTLS, polled
}

// harness runs a Client over a binance.Feed the way the engine does, and mirrors what
// the reading goroutine sees into atomics the test goroutine can poll.
type harness struct {
	t      *testing.T
	c      *Client
	feed   *binance.Feed
	valid  atomic.Bool
	lost   atomic.Int64 // times the book went from valid to invalid
	gaps   atomic.Uint64
	idles  atomic.Int64
	logs   *syncBuffer
	cancel context.CancelFunc
	done   chan error

	mu     sync.Mutex
	states []stateAt
}

type stateAt struct {
	s  State
	at time.Time
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func spotFeed(t testing.TB) *binance.Feed {
	f, err := binance.NewFeed(binance.Spot, binance.Instrument{Symbol: "BTCUSDT", PriceScale: 8, QtyScale: 8},
		orderbook.New(64), binance.SyncConfig{})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func startHarness(t *testing.T, v *venue, mutate func(*Config)) *harness {
	t.Helper()
	before := runtime.NumGoroutine()
	h := &harness{t: t, feed: spotFeed(t), logs: &syncBuffer{}, done: make(chan error, 1)}
	cfg := Config{
		Symbol: "BTCUSDT", Sync: h.feed.Sync(),
		Handler: func(frame []byte, local int64) error {
			_, err := h.feed.Handle(frame, local)
			h.observe()
			return err
		},
		OnIdle: func(int64) { h.idles.Add(1); h.observe() },
		OnState: func(s State, _ error, _ int64) {
			h.observe()
			h.mu.Lock()
			h.states = append(h.states, stateAt{s, time.Now()})
			h.mu.Unlock()
		},
		IdleInterval: time.Millisecond,
		StaleAfter:   time.Second,
		BackoffMin:   40 * time.Millisecond,
		BackoffMax:   200 * time.Millisecond,
		Rand:         func() float64 { return 0.5 },
		Logger:       zerolog.New(h.logs),
	}
	if v != nil {
		cfg.URL, cfg.RESTURL = v.wsURL(), v.srv.URL
		if harnessMode.tls {
			roots := x509.NewCertPool()
			roots.AddCert(v.srv.Certificate())
			cfg.TLSConfig, cfg.HTTPClient = &tls.Config{RootCAs: roots}, v.srv.Client()
		}
	}
	cfg.BusyPoll = harnessMode.busy
	if mutate != nil {
		mutate(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.c = c
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() { h.done <- c.Run(ctx) }()
	t.Cleanup(func() {
		h.stop()
		// Every goroutine the client started must be gone once Run has returned; the
		// venue's are stopped by its own cleanup, which runs after this one.
		deadline := time.Now().Add(2 * time.Second)
		for runtime.NumGoroutine() > before+venueGoroutines(v) && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > before+venueGoroutines(v) {
			buf := make([]byte, 1<<16)
			t.Errorf("goroutines: %d before, %d after Run returned\n%s", before, n, buf[:runtime.Stack(buf, true)])
		}
	})
	return h
}

// venueGoroutines is a generous allowance for the server goroutines still winding down
// when Run returns: connection handlers end when the client's connection closes, at
// their next tick. The servers' own cleanups, which run later, check they all end.
func venueGoroutines(v *venue) int { return 8 }

func (h *harness) observe() {
	ok := h.feed.Sync().Book().Valid()
	if h.valid.Swap(ok) && !ok {
		h.lost.Add(1)
	}
	h.gaps.Store(h.feed.Counters().Gaps)
}

func (h *harness) stop() {
	h.cancel()
	select {
	case err := <-h.done:
		if err != nil {
			h.t.Errorf("Run: %v", err)
		}
		h.done <- nil
	case <-time.After(3 * time.Second):
		h.t.Fatal("Run did not return within 3s of cancel")
	}
}

func (h *harness) statesSeen() []stateAt {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]stateAt(nil), h.states...)
}

func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestClientSyncsBook(t *testing.T) {
	v := newVenue(t, 5*time.Millisecond, nil)
	h := startHarness(t, v, nil)
	waitFor(t, 3*time.Second, "book valid", h.valid.Load)
	waitFor(t, 3*time.Second, "50 frames", func() bool { return h.c.Counters().Frames >= 50 })
	wantPolled := harnessMode.busy && runtime.GOMAXPROCS(0) >= 2 // see TestBusyPollNeedsTwoProcessors
	if tls, polled := readPath(h.c); tls != harnessMode.tls || polled != wantPolled {
		t.Fatalf("the feed reads with TLS %v and polling %v; want %v and %v", tls, polled, harnessMode.tls, wantPolled)
	}
	k := h.c.Counters()
	if k.Connects != 1 || k.Reconnects != 0 || k.Snapshots != 1 || k.Malformed != 0 || h.gaps.Load() != 0 {
		t.Fatalf("counters %+v, gaps %d", k, h.gaps.Load())
	}
	if h.idles.Load() == 0 {
		t.Fatal("OnIdle never ran")
	}
}

func TestReconnectAfterDrop(t *testing.T) {
	v := newVenue(t, 5*time.Millisecond, func(v *venue) { v.dropAfter.Store(40) })
	h := startHarness(t, v, nil)
	waitFor(t, 5*time.Second, "three connections", func() bool { return h.c.Counters().Connects >= 3 })
	v.dropAfter.Store(0)
	waitFor(t, 3*time.Second, "book valid after reconnects", func() bool {
		return h.valid.Load() && h.c.Counters().Snapshots >= 3
	})
	k := h.c.Counters()
	if k.Reconnects < 2 || h.lost.Load() < 2 {
		t.Fatalf("counters %+v, book lost %d times", k, h.lost.Load())
	}
	// Backoff: with the jitter draw fixed at 0.5 the first retry waits 3/4 of BackoffMin.
	st := h.statesSeen()
	for i := 1; i < len(st); i++ {
		if st[i-1].s == StateDisconnected && st[i].s == StateConnected {
			if gap := st[i].at.Sub(st[i-1].at); gap < 30*time.Millisecond {
				t.Fatalf("reconnected %v after the drop: no backoff", gap)
			}
		}
	}
	if !strings.Contains(h.logs.String(), "feed disconnected") {
		t.Fatalf("no reconnect log line:\n%s", h.logs)
	}
	// The delay says its unit: "retry_in":"30ms", not a bare 30.
	if !regexp.MustCompile(`"retry_in":"[0-9.]+(ms|s)"`).MatchString(h.logs.String()) {
		t.Fatalf("retry_in without a unit:\n%s", h.logs)
	}
}

func TestStaleFeedDetected(t *testing.T) {
	v := newVenue(t, 5*time.Millisecond, nil)
	h := startHarness(t, v, func(c *Config) { c.StaleAfter = 150 * time.Millisecond })
	waitFor(t, 3*time.Second, "book valid", h.valid.Load)
	// A loaded machine may starve the reader past StaleAfter on its own: what is asserted
	// is that the stall is detected and the book stops looking valid, not how soon, and
	// the count is taken from here so an earlier detection does not satisfy the wait.
	before := h.c.Counters().Stale
	v.stall.Store(true)
	waitFor(t, 5*time.Second, "stale detected", func() bool { return h.c.Counters().Stale > before })
	waitFor(t, 5*time.Second, "book invalid while the feed is stale", func() bool { return !h.valid.Load() })
	v.stall.Store(false)
	waitFor(t, 3*time.Second, "book valid again", h.valid.Load)
	seen := false
	for _, s := range h.statesSeen() {
		seen = seen || s.s == StateStale
	}
	if !seen {
		t.Fatal("OnState never told of the stale feed")
	}
}

func TestMalformedFramesSkipped(t *testing.T) {
	v := newVenue(t, 5*time.Millisecond, nil)
	h := startHarness(t, v, nil)
	waitFor(t, 3*time.Second, "book valid", h.valid.Load)
	v.malformed.Store(5)
	waitFor(t, 3*time.Second, "5 malformed", func() bool { return h.c.Counters().Malformed >= 5 })
	f := h.c.Counters().Frames
	waitFor(t, 3*time.Second, "frames after the garbage", func() bool { return h.c.Counters().Frames > f+10 })
	if k := h.c.Counters(); k.Reconnects != 0 || !h.valid.Load() {
		t.Fatalf("garbage broke the feed: %+v valid=%v", k, h.valid.Load())
	}
}

func TestGapResyncs(t *testing.T) {
	v := newVenue(t, 5*time.Millisecond, nil)
	h := startHarness(t, v, nil)
	waitFor(t, 3*time.Second, "book valid", h.valid.Load)
	v.gap.Store(true)
	waitFor(t, 3*time.Second, "resync", func() bool { return h.c.Counters().Resyncs >= 1 && h.c.Counters().Snapshots >= 2 })
	waitFor(t, 3*time.Second, "book valid again", h.valid.Load)
	if k := h.c.Counters(); k.Reconnects != 0 || h.gaps.Load() != 1 || h.lost.Load() != 1 {
		t.Fatalf("counters %+v, gaps %d, lost %d", k, h.gaps.Load(), h.lost.Load())
	}
	if !strings.Contains(h.logs.String(), "resyncing") {
		t.Fatalf("no resync log line:\n%s", h.logs)
	}
}

func TestSnapshotFailuresBackOff(t *testing.T) {
	v := newVenue(t, 5*time.Millisecond, func(v *venue) { v.snapFail.Store(3) })
	h := startHarness(t, v, func(c *Config) { c.SnapshotRetries = 1 })
	waitFor(t, 5*time.Second, "book valid", h.valid.Load)
	if k := h.c.Counters(); k.SnapshotFailures != 3 || k.Snapshots != 1 {
		t.Fatalf("counters %+v", k)
	}
}

func TestPingAnswered(t *testing.T) {
	v := newVenue(t, 5*time.Millisecond, func(v *venue) { v.pingEvery = 20 * time.Millisecond })
	h := startHarness(t, v, nil)
	waitFor(t, 3*time.Second, "3 pongs", func() bool { return v.pongs.Load() >= 3 })
	if k := h.c.Counters(); k.Reconnects != 0 {
		t.Fatalf("counters %+v", k)
	}
}

func TestRotationWithoutGap(t *testing.T) {
	v := newVenue(t, 5*time.Millisecond, nil)
	// The overlap is how long the old connection may lag the new one and still deliver
	// everything: 30 ms was less than a loaded machine's scheduling delays, which lost
	// events at the switch. The behaviour tested is the switch itself, so the overlap is
	// generous and the wait long.
	h := startHarness(t, v, func(c *Config) { c.RotateAfter, c.RotateOverlap = 200*time.Millisecond, 400*time.Millisecond })
	waitFor(t, 15*time.Second, "two rotations", func() bool { return h.c.Counters().Rotations >= 2 })
	waitFor(t, 3*time.Second, "book valid", h.valid.Load)
	if k := h.c.Counters(); k.Reconnects != 0 || k.Resyncs != 0 || h.gaps.Load() != 0 || h.lost.Load() != 0 {
		t.Fatalf("rotation broke the stream: %+v gaps %d lost %d", k, h.gaps.Load(), h.lost.Load())
	}
}

func TestWakeRunsIdlePromptly(t *testing.T) {
	v := newVenue(t, 5*time.Millisecond, nil)
	woke := make(chan time.Time, 1)
	var armed atomic.Bool
	h := startHarness(t, v, func(c *Config) {
		c.IdleInterval = 10 * time.Second // only Wake can make OnIdle run while quiet
		c.StaleAfter = -1
		c.OnIdle = func(int64) {
			if armed.Swap(false) {
				woke <- time.Now()
			}
		}
	})
	waitFor(t, 3*time.Second, "frames", func() bool { return h.c.Counters().Frames > 5 })
	v.stall.Store(true)
	time.Sleep(50 * time.Millisecond) // the reader is now blocked in a read
	armed.Store(true)
	start := time.Now()
	h.c.Wake()
	// With a 10 s idle interval and the feed stalled, only Wake can run OnIdle before
	// the interval is up: that it runs at all within half the interval is the behaviour,
	// whatever the load. How promptly is a benchmark's business.
	select {
	case at := <-woke:
		t.Logf("OnIdle ran %v after Wake", at.Sub(start))
	case <-time.After(5 * time.Second):
		t.Fatal("Wake did not run OnIdle")
	}
	if k := h.c.Counters(); k.Reconnects != 0 {
		t.Fatalf("Wake broke the connection: %+v", k)
	}
}

func TestDialFailureBacksOff(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	c, err := New(Config{URL: "ws://" + addr + "/stream", Handler: func([]byte, int64) error { return nil },
		BackoffMin: 20 * time.Millisecond, BackoffMax: 80 * time.Millisecond, Rand: func() float64 { return 0 }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
	defer cancel()
	if err := c.Run(ctx); err != nil {
		t.Fatal(err)
	}
	// Delays 10, 20, 40, 40... ms: about 10 attempts in 400ms, never hundreds.
	if n := c.Counters().DialFailures; n < 3 || n > 15 {
		t.Fatalf("%d dial failures in 400ms", n)
	}
}

func TestStreamURL(t *testing.T) {
	u, err := StreamURL("wss://stream.binance.com:9443", "BTCUSDT", "depth@100ms", "trade", "bookTicker")
	if err != nil || u != "wss://stream.binance.com:9443/stream?streams=btcusdt@depth@100ms/btcusdt@trade/btcusdt@bookTicker" {
		t.Fatalf("%q %v", u, err)
	}
	for _, bad := range [][]string{{"http://x", "BTCUSDT", "trade"}, {"ws://x", "", "trade"}, {"ws://x", "BTCUSDT"}, {"ws://x", "BTCUSDT", "a/b"}} {
		if _, err := StreamURL(bad[0], bad[1], bad[2:]...); err == nil {
			t.Errorf("StreamURL%q: no error", bad)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	h := func([]byte, int64) error { return nil }
	for _, cfg := range []Config{{Handler: h}, {URL: "http://x", Handler: h}, {URL: "ws://x"}, {URL: "ws://x", Handler: h, RESTURL: "http://x"}} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v): no error", cfg)
		}
	}
}

// TestBusyPollNeedsTwoProcessors checks that a client asked to busy-poll with one
// processor reads with blocking reads instead, and says so: the poll loop would hold the
// only processor, and the order gateway's reader would wait for the scheduler to preempt
// it, up to 10 ms per answer.
func TestBusyPollNeedsTwoProcessors(t *testing.T) {
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	var logs syncBuffer
	c, err := New(Config{URL: "ws://127.0.0.1:1/stream", Handler: func([]byte, int64) error { return nil },
		BusyPoll: true, Logger: zerolog.New(&logs)})
	if err != nil {
		t.Fatal(err)
	}
	if c.cfg.BusyPoll {
		t.Fatal("busy polling left on with GOMAXPROCS=1")
	}
	if !strings.Contains(logs.String(), "busy polling needs two processors") {
		t.Fatalf("no warning logged:\n%s", logs.String())
	}
}
