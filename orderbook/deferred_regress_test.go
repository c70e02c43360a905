package orderbook

import (
	"math"
	"slices"
	"testing"
)

// completeLadderPair returns two books, with upkeep deferred and not, whose bid ladder
// holds the whole side.
func completeLadderPair() (d, p *Book) {
	return bidLadder(true, true), bidLadder(false, true)
}

// A full deferred queue sends the next update down Set's default branch, routed before
// applyDeferred lowered the floor: a delete of a level the queue put on the ladder is lost.
func TestDeferredFullQueueDelete(t *testing.T) {
	d, p := completeLadderPair()
	for _, b := range []*Book{d, p} {
		b.Set(Bid, 900, 1) // deferred on d; extends the complete ladder when applied
		b.Set(Bid, 950, 2) // deferred on d; re-routed to the ladder when applied
		for i := range int64(maxDeferred - 2) {
			b.Set(Bid, 1+i%800, 0) // deletes of absent levels fill d's queue
		}
		b.Set(Bid, 950, 0) // queue full: default branch, applyDeferred, then setInTable
	}
	checkInvariants(t, p)
	checkInvariants(t, d)
	if got, want := d.AppendLevels(nil, Bid, 1000), p.AppendLevels(nil, Bid, 1000); !slices.Equal(got, want) {
		t.Fatalf("deferred book has %d levels, plain %d; 950 in deferred: %v",
			len(got), len(want), slices.Contains(got, Level{950, 2}))
	}
}

// The same with an insert: it raises the floor over a level the queue put on the ladder.
func TestDeferredFullQueueInsert(t *testing.T) {
	d, p := completeLadderPair()
	for _, b := range []*Book{d, p} {
		b.Set(Bid, 900, 1)
		for i := range int64(maxDeferred - 1) {
			b.Set(Bid, 1+i%800, 0)
		}
		b.Set(Bid, 920, 5)
	}
	checkInvariants(t, p)
	checkInvariants(t, d)
	d.Set(Bid, 900, 0) // below the raised floor: misses the ladder level
	p.Set(Bid, 900, 0)
	d.Tidy()
	if got, want := d.AppendLevels(nil, Bid, 1000), p.AppendLevels(nil, Bid, 1000); !slices.Equal(got, want) {
		t.Fatalf("deferred book has %d levels, plain %d", len(got), len(want))
	}
}

// A ladder whose best sinks below MinInt64+span while deferred updates wait: rebuild
// must fall back to the sorted cache.
func TestDeferredRebuildNearMinInt64(t *testing.T) {
	span := int64(ladderSize - 1 - ladderMargin)
	d, p := New(64), New(64)
	d.DeferUpkeep(true)
	base := int64(math.MinInt64) + span + 100
	for _, b := range []*Book{d, p} {
		for i := range int64(400) {
			b.Set(Bid, base-i, 1+i)
		}
	}
	if !d.sides[Bid].ladder {
		t.Skip("no ladder")
	}
	for _, b := range []*Book{d, p} {
		b.Set(Bid, base-399, 0) // deep: deferred
		b.Set(Bid, base-500, 7)
		for i := range int64(110) {
			b.Set(Bid, base-i, 0) // sweep the top: thin
		}
	}
	if got, want := d.AppendLevels(nil, Bid, 100), p.AppendLevels(nil, Bid, 100); !slices.Equal(got, want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
	checkInvariants(t, d)
	checkInvariants(t, p)
}
