// Package session owns a live trading session of one strategy over its instruments:
// one engine goroutine fed by one market-data connection per venue, every order routed
// to its instrument's venue gateway, and one teardown. It is the venue-neutral seam of
// live trading: a venue plugs in by implementing MarketData (its market-data
// connection) and Gateway (its order connection); this package imports no venue
// package.
//
// # One goroutine, several connections
//
// The engine is single-threaded: every frame of every instrument, every answer of every
// gateway and every clock tick reach it on one goroutine, with no lock and no channel
// receive per tick. That goroutine is the one reading the first market-data connection
// (Config.MarketData[0], the engine's own): its frames go to the engine directly, as
// they always have. Each further connection is read on a goroutine of its own, which
// copies every frame into a Ring, a preallocated single-producer single-consumer queue
// of frame slots, and wakes the engine's goroutine (MarketData.Wake of the first
// connection); the engine's goroutine drains every ring in its idle work, which the
// first connection runs after each of its frames, when woken, and at least every idle
// interval. Gateways hand their answers over the same way (their own ring, Gateway.Drain
// and a wake-up through Waker). docs/live.md measures what the extra hop costs.
//
// With busy polling (RunOptions.BusyPoll) only the first connection polls: its loop
// drains the rings between polls, so a frame of another connection is picked up within
// one poll, while the other connections' readers sleep in the kernel and spend no core.
// They need a processor to wake up on, so the engine's goroutine yields its own at every
// idle pass; on a machine without a spare core their frames still wait for one
// (docs/live.md has the figures).
//
// # The contract a venue implements
//
// MarketData is one websocket (or other) connection carrying the market data of one or
// more of the strategy's instruments, named by their engine index (Instruments). Run
// reads it on the calling goroutine until its context ends, reconnecting by itself with
// backoff, and returns nil then, leaving no goroutine behind. Everything it reads goes to
// the Sink it is given, always on the goroutine that called Run:
//
//   - Sink.Frame gets every data message with the instrument it belongs to and its local
//     receive time (Unix ns, never decreasing). The frame is only valid during the call.
//     The engine decodes it (md.Feed); the connection only routes it, by reading as
//     little of it as it must (Binance: the stream name of a combined stream).
//   - Sink.Snapshot gets a resynchronisation snapshot body (a REST depth snapshot) of one
//     instrument. It returns once the book has taken it, so NeedSnapshot right after it
//     tells whether it bridged the stream.
//   - Sink.NeedSnapshot(i) says whether instrument i's book waits for a snapshot that
//     only the connection can bring; the connection asks it in its idle work and fetches
//     one (with backoff) when it does.
//   - Sink.Reset(i) marks instrument i's book out of sync. A connection calls it for
//     every one of its instruments, at once, when it is lost, goes stale or is replaced
//     by a fresh one (not for a planned rotation that loses nothing), so that no book it
//     can no longer vouch for looks valid: fail closed. It never resets an instrument
//     of another connection.
//   - Sink.State reports a connection change (Connected, Disconnected, Stale, Rotated).
//   - Sink.Idle must run after every data message, promptly after Wake, and at least
//     every RunOptions.IdleInterval while the connection is quiet, down or dialing, so
//     that the engine's goroutine drains the other connections and the gateways and
//     fires timers.
//
// Wake may be called from any goroutine, at any time (before Run too), and must take no
// lock and allocate nothing. Counters may be read from any goroutine.
//
// Gateway is one venue's order connection: engine.Gateway (Place and Cancel, called on
// the engine's goroutine, never blocking) plus Drain, which hands the answers queued
// since the last call to an Answers on the engine's goroutine, CancelAll and Close for
// the teardown. A gateway is built and started (connected, reconciled) by its venue's
// code before New, with the Waker's Wake as the function it calls after queueing
// answers. Several instruments may share one gateway; the engine routes each order to
// its instrument's (engine.Config.Gateways).
//
// The package never decodes a frame, never reads the wall clock for the engine (local
// times come from the connections), and never leaves a goroutine running after Run
// returns. Nothing on the path of a frame allocates: the rings are preallocated, and
// TestNoAllocations checks it.
package session
