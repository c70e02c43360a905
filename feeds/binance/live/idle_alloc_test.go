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
	v.stall.Store(true)
	time.Sleep(50 * time.Millisecond)
	var before, after runtime.MemStats
	w0 := h.c.Counters().Wakes
	runtime.ReadMemStats(&before)
	time.Sleep(300 * time.Millisecond)
	runtime.ReadMemStats(&after)
	wakes := h.c.Counters().Wakes - w0
	per := float64(after.Mallocs-before.Mallocs) / float64(wakes)
	t.Logf("%d idle passes, %.2f allocations each (venue and runtime included)", wakes, per)
	if wakes < 50 || per > 3 {
		t.Fatalf("%d idle passes, %.2f allocations each", wakes, per)
	}
}

// TestBusyPollIdleAllocs is TestIdleWakeAllocs for a busy-polling client: its idle passes
// come from the poll loop's own timeout, not from a deadline, and allocate nothing.
func TestBusyPollIdleAllocs(t *testing.T) {
	if !busyPollSupported {
		t.Skip("busy polling needs unix sockets")
	}
	v := newVenue(t, 5*time.Millisecond, nil)
	h := startHarness(t, v, func(c *Config) { c.StaleAfter, c.BusyPoll = -1, true })
	waitFor(t, 3*time.Second, "book valid", h.valid.Load)
	if _, ok := h.c.cur.Load().Conn.(*pollConn); !ok {
		t.Fatalf("the connection reads through %T, not a pollConn", h.c.cur.Load().Conn)
	}
	v.stall.Store(true)
	time.Sleep(50 * time.Millisecond)
	var before, after runtime.MemStats
	w0 := h.c.Counters().Wakes
	runtime.ReadMemStats(&before)
	time.Sleep(300 * time.Millisecond)
	runtime.ReadMemStats(&after)
	wakes := h.c.Counters().Wakes - w0
	per := float64(after.Mallocs-before.Mallocs) / float64(wakes)
	t.Logf("%d idle passes, %.3f allocations each (venue and runtime included)", wakes, per)
	if wakes < 100 || per > 0.05 {
		t.Fatalf("%d idle passes, %.3f allocations each", wakes, per)
	}
}
