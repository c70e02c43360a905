package md

import "github.com/nanotick/nanotick/orderbook"

// Replaying applied events: a backtest decodes and syncs a recording once, through the
// venue's Feed, and keeps each frame's Event as Apply left it (an applied event). Any
// other book (the engine's, the simulated exchange's, a second run's) is then brought
// to the state the feed's book reached by Replay, with no venue code and no sync
// procedure: the venue's sequence rules have already decided what reached the book.
//
// For that, an applied event must say everything the frame did to the book:
//   - Snapshot: the book was replaced, and Bids and Asks are the whole book after the
//     frame (the snapshot with the buffered updates it released applied).
//   - Depth with Applied 1: exactly the batch Bids and Asks was set on the book.
//   - Depth with Applied 0 and StatusChange: no level changed.
//
// and, for every kind that touches the book, Status says whether the book is in sync
// (Valid) after the frame. A frame whose effect is none of these (a Depth that
// released several buffered batches, a venue that trims its book beyond a depth) is
// recorded as a Snapshot of the whole book: the producer of applied events checks
// this (see the backtester's event decoder).

// Exact is implemented by a feed whose applied events meet Replay's contract by
// construction (Binance's: its book is exactly the venue's levels, a depth update that
// reaches the book is exactly one batch, and a snapshot that releases buffered batches
// is recorded whole). A producer of applied events may then skip checking each event
// against a replica book; its tests keep that check, over real recordings. A feed that
// trims its book, or applies more than the frame's batch, must not implement it.
type Exact interface {
	// ExactEvents reports whether every applied event meets Replay's contract.
	ExactEvents() bool
}

// Replay applies to book what the applied event ev did to its feed's book, at local
// time (the frame's receive time, which the book records as its last update's). Trades,
// marks and frames of no kind leave the book alone. It allocates nothing once the book
// has grown to the levels it holds.
func Replay(book *orderbook.Book, ev *Event, local int64) {
	switch ev.Kind {
	case Snapshot:
		book.Clear()
		book.SetLevels(orderbook.Bid, ev.Bids)
		book.SetLevels(orderbook.Ask, ev.Asks)
		book.SetUpdate(0, ev.Exchange, local)
	case Depth:
		if ev.Applied > 0 {
			book.SetLevels(orderbook.Bid, ev.Bids)
			book.SetLevels(orderbook.Ask, ev.Asks)
			book.SetUpdate(0, ev.Exchange, local)
		}
	case StatusChange:
	default:
		return
	}
	book.SetSynced(ev.Status == Valid)
}
