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
// The package must never decode or interpret frames (that is feeds/binance's job), never
// allocate per message on the read path, never leave a goroutine running after Run
// returns, and never let a book it cannot vouch for look valid: on any disconnect, stall
// or rotation failure it resets the Sync, which marks the book out of sync until a new
// snapshot bridges the stream again.
package live
