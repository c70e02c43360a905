// Package live owns the live Binance market-data connection of one instrument: the
// combined-stream websocket, its reconnects, rotation and stale detection, and the REST
// depth snapshots that (re)synchronise the local book. It hands every frame, with its
// local receive time, to the owner's handler on the goroutine that reads the socket, so
// the engine runs on that goroutine with no channel hop between the socket and the book.
//
// The package also provides Ring, the lock-free single-producer single-consumer queue
// through which other sockets (the order gateway's) pass the venue's answers to that same
// goroutine, and the wake-up that makes the reader drain it: see Client.Wake and
// Config.OnIdle.
//
// # One goroutine, two sockets
//
// The engine is single-threaded: frames and the venue's answers must reach it on one
// goroutine, without a lock or a channel receive per tick. The feed's reading goroutine
// is that goroutine. The gateway's reader pushes answers into a Ring and calls
// Client.Wake; the feed reader runs OnIdle (which drains the Ring into the engine) after
// every frame, when woken, and at least every IdleInterval when the feed is quiet.
//
// A blocked websocket read cannot simply time out to do that: gorilla/websocket, like
// most websocket libraries, keeps the first read error forever, so a deadline would kill
// the connection. Instead the socket under the websocket is a wakeConn, whose Read sets a
// short deadline on the raw connection, treats each timeout as a wake-up (run the idle
// work, read again) and never lets it reach the layers above; Wake moves the deadline
// into the past from the gateway's goroutine, with a flag checked after the deadline is
// set so that no wake-up is lost. Frames are parsed by the package's own reader straight
// from the socket into one reused buffer, because gorilla's NextReader allocates an
// object per message; gorilla still does the handshake (TLS included) and the control
// frames' writes. Conn packages the same reader and an allocation-free masked writer
// for the order gateway's socket.
//
// The package must never decode or interpret frames (that is feeds/binance's job), never
// allocate per message on the read path, never leave a goroutine running after Run
// returns, and never let a book it cannot vouch for look valid: on any disconnect, stall
// or rotation failure it resets the Sync, which marks the book out of sync until a new
// snapshot bridges the stream again.
package live
