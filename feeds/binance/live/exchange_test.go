package live

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nanotick/nanotick/exchange"
)

// startExchange runs the local exchange for one test.
func startExchange(t *testing.T, cfg exchange.Config) *exchange.Exchange {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	ex, err := exchange.Start(ctx, cfg)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { ex.Close(); cancel() })
	return ex
}

// exchangeVenue adapts the local exchange to the harness's venue.
func exchangeHarness(t *testing.T, ex *exchange.Exchange, mutate func(*Config)) *harness {
	u, err := StreamURL(ex.MarketDataURL(), "BTCUSDT", "depth@100ms", "trade", "bookTicker")
	if err != nil {
		t.Fatal(err)
	}
	return startHarness(t, nil, func(c *Config) {
		c.URL, c.RESTURL = u, ex.RESTURL()
		if mutate != nil {
			mutate(c)
		}
	})
}

// TestExchangeCleanFeed: the synthetic market stays in sync from a single snapshot.
func TestExchangeCleanFeed(t *testing.T) {
	ex := startExchange(t, exchange.Config{Seed: 3})
	h := exchangeHarness(t, ex, nil)
	waitFor(t, 5*time.Second, "book valid", h.valid.Load)
	waitFor(t, 5*time.Second, "frames", func() bool { return h.c.Counters().Frames >= 30 })
	if k := h.c.Counters(); k.Reconnects != 0 || k.Resyncs != 0 || h.gaps.Load() != 0 || k.Malformed != 0 {
		t.Fatalf("counters %+v gaps %d", k, h.gaps.Load())
	}
}

// TestExchangeFaults runs the client through the exchange's fault injection at once:
// dropped depth messages (gaps), malformed frames, periodic disconnects and a stall. The
// client must come back in sync after each.
func TestExchangeFaults(t *testing.T) {
	ex := startExchange(t, exchange.Config{Seed: 5, Faults: exchange.Faults{
		DropRate: 0.05, MalformedRate: 0.05, DisconnectEvery: 700 * time.Millisecond,
		StallAfter: 300 * time.Millisecond, StallFor: 400 * time.Millisecond,
	}})
	h := exchangeHarness(t, ex, func(c *Config) { c.StaleAfter = 250 * time.Millisecond })
	waitFor(t, 10*time.Second, "recoveries", func() bool {
		k := h.c.Counters()
		return k.Reconnects >= 2 && k.Resyncs >= 1 && k.Malformed >= 1
	})
	waitFor(t, 5*time.Second, "book valid", h.valid.Load)
	k := h.c.Counters()
	t.Logf("counters %+v, gaps seen %d, book lost %d times", k, h.gaps.Load(), h.lost.Load())
}

// TestExchangePingPong: with the exchange pinging every 30ms and closing connections
// that do not pong within 150ms, the client stays connected.
func TestExchangePingPong(t *testing.T) {
	ex := startExchange(t, exchange.Config{Seed: 9, PingInterval: 30 * time.Millisecond, PongTimeout: 150 * time.Millisecond})
	h := exchangeHarness(t, ex, nil)
	waitFor(t, 5*time.Second, "book valid", h.valid.Load)
	time.Sleep(600 * time.Millisecond)
	if k := h.c.Counters(); k.Reconnects != 0 || k.Connects != 1 {
		t.Fatalf("disconnected despite pongs: %+v", k)
	}
}

// TestExchangeRotation: planned rotations against the exchange lose nothing: the depth
// sequence continues across the switch without a gap or a resync.
func TestExchangeRotation(t *testing.T) {
	ex := startExchange(t, exchange.Config{Seed: 11})
	h := exchangeHarness(t, ex, func(c *Config) { c.RotateAfter, c.RotateOverlap = 300*time.Millisecond, 50*time.Millisecond })
	waitFor(t, 5*time.Second, "two rotations", func() bool { return h.c.Counters().Rotations >= 2 })
	waitFor(t, 3*time.Second, "book valid", h.valid.Load)
	if k := h.c.Counters(); k.Reconnects != 0 || k.Resyncs != 0 || h.gaps.Load() != 0 || h.lost.Load() != 0 {
		t.Fatalf("rotation broke the stream: %+v gaps %d lost %d", k, h.gaps.Load(), h.lost.Load())
	}
}

// TestExchangeDropsStalledReader: an engine that blocks the reading goroutine longer
// than the venue's pong timeout is disconnected by the venue (it cannot answer pings
// while blocked); the client reconnects and resyncs by itself afterwards.
func TestExchangeDropsStalledReader(t *testing.T) {
	ex := startExchange(t, exchange.Config{Seed: 13, PingInterval: 20 * time.Millisecond, PongTimeout: 100 * time.Millisecond})
	var block atomic.Bool
	var h *harness
	h = exchangeHarness(t, ex, func(c *Config) {
		inner := c.Handler
		c.Handler = func(frame []byte, local int64) error {
			if block.Swap(false) {
				time.Sleep(400 * time.Millisecond) // a stuck strategy
			}
			return inner(frame, local)
		}
	})
	waitFor(t, 5*time.Second, "book valid", h.valid.Load)
	block.Store(true)
	waitFor(t, 5*time.Second, "a reconnect", func() bool { return h.c.Counters().Reconnects >= 1 })
	waitFor(t, 5*time.Second, "book valid again", h.valid.Load)
}
