package md

import (
	"testing"

	"github.com/nanotick/nanotick/orderbook"
)

func TestReplay(t *testing.T) {
	b := orderbook.New(64)
	lv := func(p, q int64) []orderbook.Level { return []orderbook.Level{{Price: p, Qty: q}} }
	steps := []struct {
		ev        Event
		local     int64
		bid, ask  int64 // best prices after, 0: none
		valid     bool
		localTime int64
	}{
		{Event{Kind: Snapshot, Status: Resyncing, Bids: lv(100, 1), Asks: lv(101, 1)}, 10, 100, 101, false, 10},
		{Event{Kind: Depth, Applied: 1, Status: Valid, Bids: lv(100, 2), Asks: lv(102, 1)}, 11, 100, 101, true, 11},
		{Event{Kind: Depth, Applied: 0, Status: Valid, Bids: lv(99, 1)}, 12, 100, 101, true, 11}, // buffered: nothing set
		{Event{Kind: Trade}, 13, 100, 101, true, 11},
		{Event{Kind: Depth, Applied: 1, Status: Valid, Asks: lv(101, 0)}, 14, 100, 102, true, 14},
		{Event{Kind: StatusChange, Status: Gap}, 15, 100, 102, false, 14},
		{Event{Kind: Snapshot, Applied: 1, Status: Valid, Bids: lv(50, 1), Asks: lv(60, 1)}, 16, 50, 60, true, 16},
	}
	for i, s := range steps {
		Replay(b, &s.ev, s.local)
		bid, _ := b.Best(orderbook.Bid)
		ask, _ := b.Best(orderbook.Ask)
		if bid.Price != s.bid || ask.Price != s.ask || b.Valid() != s.valid || b.LocalTime() != s.localTime {
			t.Fatalf("step %d: bid %d ask %d valid %v local %d", i, bid.Price, ask.Price, b.Valid(), b.LocalTime())
		}
	}
	if b.Len(orderbook.Bid) != 1 {
		t.Errorf("a snapshot left %d bids, want the snapshot's 1", b.Len(orderbook.Bid))
	}
	ev := Event{Kind: Depth, Applied: 1, Status: Valid, Bids: lv(51, 1)}
	if n := testing.AllocsPerRun(100, func() { Replay(b, &ev, 20) }); n != 0 {
		t.Errorf("Replay allocates %v times", n)
	}
}
