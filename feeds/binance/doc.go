// Package binance owns the Binance market-data wire format and the rules that
// keep a local order book in sync with it, for Spot and USD-M futures.
//
// A Decoder turns one websocket frame (combined-stream {"stream":..,"data":..}
// or a bare single-stream frame) or one REST depth snapshot body into an Event,
// scanning the bytes by hand and decoding prices and quantities straight into
// fixed-point int64 units of the Instrument's scales. A Sync applies decoded
// depth events and snapshots to an orderbook.Book following Binance's
// "How to manage a local order book correctly" procedure, and a Feed ties the
// two together for a stream of frames.
//
// The package must never allocate per frame once warmed up, never panic on any
// input, and never let a book it cannot prove in sync be seen as valid: a
// sequence gap marks the book out of sync until a new snapshot bridges it.
// It does no I/O: fetching snapshots and reading sockets or recordings belong
// to the caller.
package binance
