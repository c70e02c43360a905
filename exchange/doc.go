// Package exchange is nanotick's local exchange: a simulated venue that speaks
// Binance Spot's protocols over real websockets and HTTP on 127.0.0.1, so that
// the engine can be seen trading, and tested end to end, on a machine that
// reaches no exchange.
//
// It needs its own home because it is the other side of the wire from the rest
// of nanotick. The feeds, gateway and backtest packages are clients: they
// decode what a venue sends and encode what it accepts. This package is the
// venue: a price-time priority matching engine (an L3 book, which the L2
// orderbook package deliberately is not), a synthetic market of simulated
// participants that keeps that book deep and moving, accounts with balances,
// and the servers that publish it all in Binance's byte formats:
//
//   - market data: combined (/stream?streams=...) and raw (/ws/<stream>)
//     websocket streams of depthUpdate (@depth@100ms, @depth), trade and
//     bookTicker, and the REST depth snapshot GET /api/v3/depth;
//   - order entry: the WebSocket API at /ws-api/v3 (order.place, order.cancel,
//     openOrders.status, openOrders.cancelAll, account.status, session.logon,
//     userDataStream.subscribe[.signature]) with request signatures verified
//     as Binance documents them, and executionReport events.
//
// A replay mode serves a recorded file (see package recording) at its recorded
// pace instead of the synthetic market, and fault injection (dropped depth
// messages, periodic disconnects, latency, malformed frames, stalls) exercises
// a client's recovery paths.
//
// Nothing here is on nanotick's tick path: the exchange favours clarity and
// exactness over allocation-free code. Prices and quantities are fixed-point
// int64 at Binance Spot's wire scale of 8 decimals, so that every number the
// exchange prints is exact.
package exchange
