package live

import (
	"runtime"
	"testing"
	"time"
)

// TestIdleWakeAllocs measures what an idle pass costs in allocations while the feed is
// quiet: the deadline timeout that wakes the reader is built by package net as a fresh
// *net.OpError, so each pass allocates once. It bounds that, so a regression to more
// shows; frames themselves allocate nothing (TestLoopbackReadPathAllocs).
func TestIdleWakeAllocs(t *testing.T) {
	v := newVenue(t, 5*time.Millisecond, nil)
	h := startHarness(t, v, func(c *Config) { c.StaleAfter = -1 })
	waitFor(t, 3*time.Second, "book valid", h.valid.Load)
	wakes, per := idleAllocs(h, v)
	if wakes < idlePasses || per > 3 {
		t.Fatalf("%d idle passes, %.2f allocations each", wakes, per)
	}
}

// TestBusyPollIdleAllocs is TestIdleWakeAllocs for a busy-polling client, over ws and
// wss: its poll loop waits and runs the idle work below TLS, with no deadline and no
// timeout, so an idle pass allocates nothing (a timeout that crypto/tls retries cost an
// allocation each).
func TestBusyPollIdleAllocs(t *testing.T) {
	if !busyPollSupported || runtime.GOMAXPROCS(0) < 2 {
		t.Skip("busy polling needs unix sockets and two processors")
	}
	for _, useTLS := range []bool{false, true} {
		name := "ws"
		if useTLS {
			name = "wss"
		}
		t.Run(name, func(t *testing.T) {
			harnessMode.tls = useTLS
			defer func() { harnessMode.tls = false }()
			v := newVenue(t, 5*time.Millisecond, nil)
			h := startHarness(t, v, func(c *Config) { c.StaleAfter, c.BusyPoll = -1, true })
			waitFor(t, 3*time.Second, "book valid", h.valid.Load)
			if isTLS, polled := readPath(h.c); isTLS != useTLS || !polled {
				t.Fatalf("the connection reads with TLS %v, polling %v", isTLS, polled)
			}
			wakes, per := idleAllocs(h, v)
			if wakes < idlePasses || per > 0.05 {
				t.Fatalf("%d idle passes, %.3f allocations each", wakes, per)
			}
		})
	}
}

// idlePasses is how many idle passes idleAllocs measures over.
const idlePasses = 150

// idleAllocs stalls the venue, waits for h's client to run idlePasses idle passes, and
// returns how many it ran and the allocations of the whole process per pass. It counts
// passes rather than timing a window: a loaded machine runs fewer passes in any given
// time, which is no fault of the client's.
func idleAllocs(h *harness, v *venue) (passes uint64, per float64) {
	h.t.Helper()
	v.stall.Store(true)
	time.Sleep(50 * time.Millisecond)
	var before, after runtime.MemStats
	w0 := h.c.Counters().Wakes
	runtime.ReadMemStats(&before)
	waitFor(h.t, 30*time.Second, "idle passes", func() bool { return h.c.Counters().Wakes-w0 >= idlePasses })
	runtime.ReadMemStats(&after)
	passes = h.c.Counters().Wakes - w0
	per = float64(after.Mallocs-before.Mallocs) / float64(passes)
	h.t.Logf("%d idle passes, %.3f allocations each (venue and runtime included)", passes, per)
	return passes, per
}
