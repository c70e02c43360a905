// Package admin owns nanotick's operator surface: the admin HTTP server (pprof, Prometheus
// metrics in the text exposition format, health and the kill switch), the lock-free publication of engine statistics that
// feeds it, and the flight recorder that keeps an execution trace of slow ticks.
//
// The engine's state belongs to the engine's goroutine. This package never reads it from
// another goroutine: the engine copies its counters and a latency summary into a Publisher from its
// own goroutine, between ticks, and the server only reads what was published. The only
// engine and risk calls made from the server's goroutines are the ones documented as safe
// from any goroutine (the kill switch, risk state and rejection counts).
//
// What this package must never do:
//
//   - bind a non-loopback address unless the caller configured one explicitly, and then it
//     logs a warning, because the admin server can halt trading, behind a bearer token only;
//   - block, lock or allocate on the engine's tick path: FlightRecorder.Observe is one
//     compare on a fast tick, and Publisher.Publish never waits for a reader (it skips the
//     publication instead) and never allocates;
//   - serve http.DefaultServeMux: the server has its own mux. (Importing net/http/pprof
//     registers its handlers on DefaultServeMux; nothing here serves that mux.)
//   - import the Prometheus client library: every nanotick process, backtests included,
//     would pay its package initialisation at start-up. /metrics is written by hand in
//     the Prometheus text format (textformat.go), with the Go runtime's and the process's
//     metrics under the names that library gave them (gometrics.go, procmetrics.go).
//
// Wiring, in outline:
//
//	pub := admin.NewPublisher(0)                       // engine goroutine, between events:
//	                                                   //   if pub.Due(now) { pub.PublishEngine(e) }
//	fr, _ := admin.NewFlightRecorder(admin.FlightConfig{Dir: dir, Threshold: 500 * time.Microsecond})
//	_ = fr.Start(); defer fr.Close()                   // engine goroutine, each tick: fr.Observe(ns)
//	srv, _ := admin.New(admin.Config{Stats: pub, Risk: e.Risk(), Halt: e.Halt, Flight: fr,
//		Feeds: []admin.Feed{{Name: "binance", Counters: feedCounters}}})
//	_ = srv.Start(ctx); defer srv.Shutdown(shutdownCtx)
package admin
