package backtest

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/md"
	"github.com/nanotick/nanotick/orderbook"
)

// trimFeed is a venue whose feed keeps only the best depth levels a side, as Kraken's
// book subscriptions do: its Apply does more to the book than set the batch. Frames
// are "d|s b:PRICE:QTY ... a:PRICE:QTY ..." (depth update or snapshot).
type trimFeed struct {
	book  *orderbook.Book
	ev    md.Event
	depth int
	c     md.Counters
}

func (f *trimFeed) Decode(frame []byte) (*md.Event, error) {
	f.ev = md.Event{Kind: md.Depth}
	fields := strings.Fields(string(frame))
	if fields[0] == "s" {
		f.ev.Kind = md.Snapshot
	}
	for _, x := range fields[1:] {
		p := strings.Split(x, ":")
		price, _ := strconv.ParseInt(p[1], 10, 64)
		qty, _ := strconv.ParseInt(p[2], 10, 64)
		if p[0] == "b" {
			f.ev.Bids = append(f.ev.Bids, orderbook.Level{Price: price, Qty: qty})
		} else {
			f.ev.Asks = append(f.ev.Asks, orderbook.Level{Price: price, Qty: qty})
		}
	}
	return &f.ev, nil
}

func (f *trimFeed) Apply(local int64) error {
	if f.ev.Kind == md.Snapshot {
		f.book.Clear()
	}
	f.book.SetLevels(orderbook.Bid, f.ev.Bids)
	f.book.SetLevels(orderbook.Ask, f.ev.Asks)
	for s := orderbook.Bid; s <= orderbook.Ask; s++ {
		for f.book.Len(s) > f.depth {
			lv, _ := f.book.Level(s, f.book.Len(s)-1)
			f.book.Set(s, lv.Price, 0)
		}
	}
	f.book.SetUpdate(0, 0, local)
	f.book.SetSynced(true)
	f.ev.Applied, f.ev.Status = 1, md.Valid
	return nil
}

func (f *trimFeed) Book() *orderbook.Book { return f.book }
func (f *trimFeed) Status() md.Status     { return md.Valid }
func (f *trimFeed) NeedSnapshot() bool    { return false }
func (f *trimFeed) Reset()                {}
func (f *trimFeed) Counters() md.Counters { return f.c }
func (f *trimFeed) Warm()                 {}
func newTrimFeed(_ *instrument.Spec, b *orderbook.Book, _ md.Config) (md.Feed, error) {
	return &trimFeed{book: b, depth: 3}, nil
}

// TestEventsReplayWhatTheFeedDid runs a feed that trims its book through the event
// decoder and wants every replayed event to build exactly the feed's book: the events
// it could not express as a batch become whole-book snapshots.
func TestEventsReplayWhatTheFeedDid(t *testing.T) {
	spec := testSpec("TEST", 0, 0)
	dec, err := newEventDecoder(newTrimFeed, &spec, 64)
	if err != nil {
		t.Fatal(err)
	}
	frames := []string{
		"s b:100:1 b:99:1 b:98:1 a:101:1 a:102:1 a:103:1",
		"d b:100:2",         // a batch: replays as is
		"d b:100:0 b:97:5",  // 97 is trimmed away? no: 100 left, 97 enters at depth 3
		"d b:101:1 b:96:1",  // 96 beyond the depth: trimmed
		"d a:104:1 a:100:2", // 100 enters the asks, 103 or 104 is trimmed
		"d b:95:0",          // deleting an absent level
		"d b:99:0 a:110:1",
	}
	replica := orderbook.New(64)
	var d decoded
	var lv []orderbook.Level
	var ev md.Event
	for i, fr := range frames {
		lv = dec.decode([]byte(fr), int64(i+1), &d, lv[:0])
		md.Replay(replica, d.event(&ev, lv), int64(i+1))
		for s := orderbook.Bid; s <= orderbook.Ask; s++ {
			want := dec.book.AppendLevels(nil, s, 100)
			got := replica.AppendLevels(nil, s, 100)
			if !slices.Equal(got, want) {
				t.Fatalf("frame %d side %v: replayed %v, feed's book %v", i, s, got, want)
			}
		}
	}
	if dec.fixes == 0 {
		t.Error("the trimming never made the decoder record a whole book")
	}
}
