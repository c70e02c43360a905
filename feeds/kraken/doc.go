// Package kraken owns nanotick's Kraken Spot WebSocket v2 "book" and "trade"
// channels: it decodes their messages, keeps one orderbook.Book per
// subscription exactly in sync with the exchange, proves it after every
// message with Kraken's CRC32 checksum, and hands over the symbol's live
// trades (the trade channel's snapshot of past trades is passed over).
//
// It must never trade on a book it cannot prove: a checksum mismatch or a
// malformed message marks the book invalid and asks the engine to
// resubscribe (a malformed trade message is counted and skipped: it says
// nothing about the book); nothing but a new verified snapshot makes it valid again. It
// must never allocate on the per-message path (decode, apply, checksum), never
// read a price through float64, and never open a connection itself: the
// engine owns the websocket and hands Feed.Handle each text message.
//
// # The model
//
// Kraken's v2 book channel (https://docs.kraken.com/api/docs/websocket-v2/book)
// sends, after the subscribe acknowledgement, one snapshot of the subscribed
// depth (10, 25, 100, 500 or 1000 levels per side) and then updates that set
// a level's quantity or, with qty 0, delete it. Prices and quantities are
// JSON numbers, not strings; the decoder reads their text straight into
// fixed point at the instrument's precision.
//
// The local book must be truncated to the subscribed depth after every
// message, because Kraken sends no delete for a level that a better one
// pushes out of range; a level left behind would resurface in the top ten
// when a better level is deleted, and the checksum would catch it too late.
//
// # Wiring
//
// The engine that owns the connection to wss://ws.kraken.com/v2 does, per
// book:
//
//	price, qty, err := kraken.InstrumentScales(instrumentMsg, "BTC/USD")
//	f, err := kraken.NewFeed(kraken.Config{Symbol: "BTC/USD", Depth: 10,
//		PriceScale: price, QtyScale: qty}, orderbook.New(10+16))
//	conn.Write(f.AppendSubscribe(nil, reqID))
//	for each text message msg received at local time now:
//		switch ev, err := f.Handle(msg, now); ev {
//		case kraken.EventSnapshot, kraken.EventUpdate:
//			// the book changed and is verified: run the strategy
//		case kraken.EventResubscribe:
//			// err says why; the book is invalid
//			conn.Write(f.AppendUnsubscribe(nil, reqID))
//			conn.Write(f.AppendSubscribe(nil, reqID))
//			f.Resubscribing()
//		}
//
// # Differences from Binance
//
// Binance numbers its diff events (U, u) and the client proves continuity by
// checking that each event starts where the last one ended, after stitching
// the stream onto a REST snapshot. Kraken has no sequence numbers and no REST
// step: the snapshot arrives on the same subscription, and every snapshot and
// update carries instead a CRC32 of the resulting top ten levels of each side
// (https://docs.kraken.com/api/docs/guides/spot-ws-book-v2). So a gap is not
// seen when it happens but when the checksum next disagrees: on the next
// message if the missed change was in the top ten levels, and only once the
// affected level enters the top ten if it was deeper, since the checksum
// covers ten levels whatever the depth. Recovery is not a buffer-and-replay
// but an unsubscribe, a subscribe and a fresh snapshot.
// The checksum also proves more than continuity: that the client applied
// every message correctly, so that its top ten levels are the exchange's to
// the last digit of the precision Kraken formats them at (see Checksum). Having no update ids, the feed stamps the book with its
// own count of applied messages (orderbook.Book.UpdateID).
package kraken
