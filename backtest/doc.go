// Package backtest replays recorded market data through the engine, the strategy and
// risk exactly as they run live, against a simulated exchange: the only thing
// simulated is the venue.
//
// Run (or RunSource) drives one backtest. Each recorded frame is seen twice, by two
// instances of the same decoder, book sync and book: by the Exchange at the exchange
// time of its event, and by the engine at its local receive time. Orders and cancels
// reach the Exchange after the entry latency; its acks, fills, cancels and rejections
// reach the engine after the response latency (Latency: constant or drawn from a
// recorded distribution). The Exchange matches against its book: crossing orders take
// the levels at their prices, IOC remainders expire, post-only orders that would cross
// are rejected, and resting orders fill on trades through their price, on the queue
// ahead of them being traded away (QueueModel: RiskAverse or PowerLaw), or when the
// book crosses them. The Account books every fill exactly in decimal, and the Report
// holds everything, deterministically.
//
// The replay streams: memory does not grow with the data, except for the equity curve
// and the fill log. The exchange's per-event path allocates nothing in steady state.
// No panic escapes Run. docs/backtesting.md states every model and its limits.
package backtest
