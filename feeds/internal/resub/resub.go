// Package resub owns the sync cycle of a venue book whose only repair is a new
// subscription (Bybit, Kraken): its three states, what each means to the book and to
// the engine (valid or not, md.Status, whether a resubscription is due), the moves
// every such venue makes alike (fail once, resubscribing, reset, synced), and the
// truncation of a book side to the subscribed depth.
//
// It never decides when a message makes a book synced or out of sync: that is the
// venue's rule (Bybit's update ids, Kraken's checksum), in the venue's package, which
// also counts the moves in its own statistics. It never allocates.
package resub

import (
	"strconv"

	"github.com/nanotick/nanotick/md"
	"github.com/nanotick/nanotick/orderbook"
)

// State is where a book stands in its sync cycle:
//
//	WaitingSnapshot --snapshot the venue vouches for--> Live
//	Live --a message out of sync (the venue's rule)--> NeedResubscribe
//	NeedResubscribe --Resubscribing--> WaitingSnapshot
//	WaitingSnapshot, NeedResubscribe --snapshot the venue vouches for--> Live
//	any --Reset (a new connection)--> WaitingSnapshot
//
// Only a Live book is synced; in every other state it is marked invalid.
type State uint8

// The states.
const (
	WaitingSnapshot State = iota // subscribed, no snapshot yet
	Live                         // the book follows the venue's
	NeedResubscribe              // the book is invalid; unsubscribe and subscribe again
)

var stateNames = [...]string{"waiting-snapshot", "live", "need-resubscribe"}

// String returns the state's name.
func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "State(" + strconv.Itoa(int(s)) + ")"
}

// Status is the state as md.Feed's Status: Live is Valid, NeedResubscribe a Gap, and
// waiting for a snapshot Resyncing.
func (s State) Status() md.Status {
	switch s {
	case Live:
		return md.Valid
	case NeedResubscribe:
		return md.Gap
	}
	return md.Resyncing
}

// NeedSnapshot reports whether the connection must resubscribe: md.Feed's
// NeedSnapshot.
func (s State) NeedSnapshot() bool { return s == NeedResubscribe }

// Synced makes the state Live and book valid: a snapshot the venue vouches for.
func (s *State) Synced(book *orderbook.Book) {
	*s = Live
	book.SetSynced(true)
}

// Fail marks book invalid and moves to NeedResubscribe. It reports whether this was
// the move there, so that the venue asks for one resubscription, not one per message.
func (s *State) Fail(book *orderbook.Book) bool {
	book.SetSynced(false)
	if *s == NeedResubscribe {
		return false
	}
	*s = NeedResubscribe
	return true
}

// Resubscribing moves from NeedResubscribe to WaitingSnapshot once the unsubscribe
// and subscribe requests are sent; the book stays invalid until the new snapshot.
func (s *State) Resubscribing() {
	if *s == NeedResubscribe {
		*s = WaitingSnapshot
	}
}

// Reset returns to WaitingSnapshot with book invalid, as after a reconnect: nothing
// received before it connects to what comes after.
func (s *State) Reset(book *orderbook.Book) {
	*s = WaitingSnapshot
	book.SetSynced(false)
}

// Truncate deletes the worst levels of side until at most depth remain. A venue that
// sends no delete for a level pushed out of its depth (Kraken) needs it, or a stale
// level comes back into range when a better one is deleted; for one that does (Bybit)
// it costs nothing and keeps a level left behind from resurfacing.
func Truncate(b *orderbook.Book, side orderbook.Side, depth int) {
	for n := b.Len(side); n > depth; n-- {
		worst, _ := b.Level(side, n-1)
		b.Set(side, worst.Price, 0)
	}
}
