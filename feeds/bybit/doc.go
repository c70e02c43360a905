// Package bybit owns nanotick's Bybit v5 public market data for spot and
// linear symbols: it decodes the orderbook.{1,50,200,1000}, publicTrade and
// tickers topics, keeps one orderbook.Book per symbol in sync with the
// orderbook topic, and merges the ticker (mark, index and funding on linear).
//
// It must never trade on a book it cannot prove: a delta out of sequence
// marks the book invalid and asks the engine to resubscribe; nothing but a
// new snapshot makes it valid again. It must never allocate on the
// per-message path (decode, apply), never read a price through float64, and
// never open a connection itself: the engine owns the websocket and hands
// Feed.Handle each text message.
//
// # The model
//
// Bybit's orderbook topic (https://bybit-exchange.github.io/docs/v5/websocket/public/orderbook,
// checked 2026-12 at bybit-exchange/docs 072c197) sends, after a successful
// subscribe, a snapshot of the subscribed depth and then deltas: "If you
// receive an amount that is 0, delete the entry. If you receive an amount
// that does not exist, insert it. If the entry exists, you simply update the
// value." Prices and sizes are strings ("16493.50"); the decoder reads their
// text straight into fixed point at the instrument's scales. Each message
// carries u, the update id, and seq, the cross sequence ("for the smaller
// seq, ... the data is generated earlier").
//
// A new snapshot may arrive at any time and always resets the book: "If
// you receive a new snapshot message, you will have to reset your local
// orderbook. If there is a problem on Bybit's end, a snapshot will be
// re-sent." Two cases have their own wording: "Occasionally, you'll receive
// "u"=1, which is a snapshot data due to the restart of the service. So
// please overwrite your local orderbook" (counted as Stats.Restarts), and
// level 1 is snapshots only, re-sent every 3 s without a change "and the
// field u will be the same as that in the previous message".
//
// Bybit states no continuity rule for deltas. The feed holds them to the one
// the numbering implies: a delta's u is the book's u + 1 and its seq does
// not go backwards. Anything else (a lost message, a reordering) marks the
// book invalid, and since Bybit sends snapshots only on a subscription or
// its own initiative, recovery is an unsubscribe, a subscribe and the
// snapshot that answers it (State, EventResubscribe).
//
// # Wiring
//
// The engine that owns the connection to wss://stream.bybit.com/v5/public/linear
// (or /spot) does, per symbol:
//
//	f, err := bybit.NewFeed(bybit.Config{Category: bybit.Linear, Symbol: "BTCUSDT",
//		Depth: 50, PriceScale: 2, QtyScale: 3}, orderbook.New(50+16))
//	conn.Write(bybit.AppendSubscribe(nil, reqID, f.Topics()...))
//	every 20 s: conn.Write(bybit.AppendPing(nil, reqID))
//	for each text message msg received at local time now:
//		switch ev, err := f.Handle(msg, now); ev {
//		case bybit.EventSnapshot, bybit.EventUpdate:
//			// the book changed and is in sequence: run the strategy
//		case bybit.EventTrade:
//			// f.Message().Trades
//		case bybit.EventResubscribe:
//			// err says why; the book is invalid
//			conn.Write(bybit.AppendUnsubscribe(nil, reqID, f.BookTopic()))
//			conn.Write(bybit.AppendSubscribe(nil, reqID, f.BookTopic()))
//			f.Resubscribing()
//		}
//
// # Differences from Binance and Kraken
//
// Binance numbers its diff events with a range (U, u) and a previous id
// (pu on futures) and takes its snapshot from REST, so the client stitches
// the stream onto the snapshot. Bybit sends the snapshot on the stream, like
// Kraken, and numbers each message with one u, so continuity is a single
// comparison and no buffering is needed: there is nothing to bridge. Unlike
// Kraken there is no checksum, so a lost delta is seen at once from u but a
// wrongly applied one is not seen at all; the decoder is therefore strict
// (every number exact at the instrument's scales, no duplicate fields, data
// symbol equal to the topic's). Like Kraken, the book is truncated to the
// subscribed depth after every message.
package bybit
