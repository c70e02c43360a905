package main

import (
	"context"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/nanotick/nanotick/admin"
	"github.com/nanotick/nanotick/config"
	"github.com/nanotick/nanotick/telemetry"
)

// BenchmarkLiveTickToOrder measures the live path end to end over loopback: the engine
// reads the local exchange's market data from a websocket, runs the JavaScript market
// maker, and writes signed order requests to the WebSocket API socket. One op is one tick
// that sent an order; the latency of each, from the frame read off the socket to the
// order request written to the gateway's socket, is reported as t2o-p50/p99/p99.9 (ns).
// The market sets the pace, so run it with a count: -benchtime=200x.
//
// It runs twice: "block", with the feed's goroutine sleeping between frames, and "busy",
// with it polling the socket ([latency] busy_poll), which spends a core to take the
// goroutine's wake-up out of every tick.
func BenchmarkLiveTickToOrder(b *testing.B) {
	for _, busy := range []bool{false, true} {
		name := "block"
		if busy {
			name = "busy"
		}
		b.Run(name, func(b *testing.B) { benchLiveTickToOrder(b, busy) })
	}
}

func benchLiveTickToOrder(b *testing.B, busy bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	c := config.Default()
	c.Latency.BusyPoll = busy
	s, err := startSession(ctx, c, sessionOptions{seed: 3}, zerolog.Nop())
	if err != nil {
		b.Fatal(err)
	}
	defer s.closeExchange()
	done := make(chan error, 1)
	go func() { done <- s.run(ctx) }()

	// The engine's state belongs to its goroutine: progress is read from the stats it
	// publishes once a second.
	b.ResetTimer()
	start := time.Now()
	for {
		var n int64
		s.stats.Read(func(st *admin.Stats) { n = st.Latency[telemetry.TickToOrder].Count })
		if n >= int64(b.N) {
			break
		}
		if time.Since(start) > 9*time.Minute {
			b.Fatalf("only %d ticks sent orders", n)
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.StopTimer()
	cancel()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	s.shutdown()
	lat := s.eng.Latency() // the engine's goroutine has returned
	b.ReportMetric(float64(lat.Percentile(telemetry.TickToOrder, 50)), "t2o-p50-ns")
	b.ReportMetric(float64(lat.Percentile(telemetry.TickToOrder, 99)), "t2o-p99-ns")
	b.ReportMetric(float64(lat.Percentile(telemetry.TickToOrder, 99.9)), "t2o-p99.9-ns")
}
