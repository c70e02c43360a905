package backtest

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"unsafe"

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

// TestExactFeedsNeedNoFix is the assertion behind md.Exact: Binance's feeds declare
// that their applied events meet md.Replay's contract, so the reading stage checks no
// replica book for them. Here the check runs anyway over both shared recordings: it
// must never have to record an event as a whole book, and a book brought along by the
// events alone must equal the feed's, level for level, all along.
func TestExactFeedsNeedNoFix(t *testing.T) {
	for _, rec := range []string{"spot", "usdm"} {
		t.Run(rec, func(t *testing.T) {
			cfg := recordingBacktest(t, rec)
			table, err := cfg.Engine.InstrumentTable()
			if err != nil {
				t.Fatal(err)
			}
			dec, err := newEventDecoder(cfg.Engine.NewFeed, table.At(0), 0)
			if err != nil {
				t.Fatal(err)
			}
			if dec.replica != nil {
				t.Fatalf("%s: the feed does not declare exact events (md.Exact)", rec)
			}
			dec.checkAlways()
			r, err := cfg.Open(cfg.Data...)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			replayed := orderbook.New(0)
			var d decoded
			var lv []orderbook.Level
			var ev md.Event
			n := 0
			same := func() {
				t.Helper()
				for s := orderbook.Bid; s <= orderbook.Ask; s++ {
					want := dec.book.AppendLevels(nil, s, dec.book.Len(s))
					got := replayed.AppendLevels(nil, s, replayed.Len(s))
					if !slices.Equal(got, want) {
						t.Fatalf("frame %d side %v: the events built another book than the feed's (%d levels, want %d)", n, s, len(got), len(want))
					}
				}
				if replayed.Synced() != dec.book.Synced() {
					t.Fatalf("frame %d: replayed book synced %v, the feed's %v", n, replayed.Synced(), dec.book.Synced())
				}
			}
			for ; ; n++ {
				local, frame, err := r.Next()
				if err != nil {
					break
				}
				lv = dec.decode(frame, local, &d, lv[:0])
				md.Replay(replayed, d.event(&ev, lv), local)
				if n%4096 == 0 {
					same()
				}
			}
			same()
			if n < 40000 {
				t.Fatalf("%d frames read", n)
			}
			if dec.fixes != 0 {
				t.Errorf("%d of %d events were not what the feed did to its book", dec.fixes, n)
			}
		})
	}
}

// TestDecodedLayout holds the layout that decoded's doc explains: a decoded is at
// most 96 bytes, and what the replay reads of every frame (flags, the exchange times,
// the event's kind) lies within its first 32, so that an idle frame costs the replay
// one cache line brought over from the decoding core.
func TestDecodedLayout(t *testing.T) {
	var d decoded
	if n := unsafe.Sizeof(d); n > 96 {
		t.Errorf("a decoded is %d bytes, want at most 96", n)
	}
	for _, f := range []struct {
		name string
		end  uintptr
	}{
		{"flags", unsafe.Offsetof(d.flags) + unsafe.Sizeof(d.flags)},
		{"kind", unsafe.Offsetof(d.kind) + unsafe.Sizeof(d.kind)},
		{"e", unsafe.Offsetof(d.e) + unsafe.Sizeof(d.e)},
		{"t", unsafe.Offsetof(d.t) + unsafe.Sizeof(d.t)},
	} {
		if f.end > 32 {
			t.Errorf("decoded.%s ends at byte %d, want within the first 32", f.name, f.end)
		}
	}
}

// TestDecodedKeepsTheEvent: an event kept in a decoded (setEvent) and rebuilt over its
// levels (event) is the event, in every member its kind has.
func TestDecodedKeepsTheEvent(t *testing.T) {
	lv := []orderbook.Level{{Price: 100, Qty: 1}, {Price: 99, Qty: 2}, {Price: 101, Qty: 3}}
	for _, ev := range []md.Event{
		{Kind: md.None, Exchange: 7, Status: md.Valid},
		{Kind: md.Depth, Instrument: 2, Exchange: 9, Applied: 3, Status: md.Valid, Bids: lv[:2], Asks: lv[2:]},
		{Kind: md.Snapshot, Exchange: -1, Applied: 1, Status: md.Valid, Bids: lv[:1], Asks: lv[1:]},
		{Kind: md.StatusChange, Status: md.Gap},
		{Kind: md.Trade, Instrument: 1, Exchange: 5, Status: md.Valid, Trade: md.PublicTrade{Price: 123, Qty: 4, Aggressor: orderbook.Ask, Time: 6}},
		{Kind: md.Mark, Exchange: 8, Mark: md.PerpMark{Price: 1, Index: 2, FundingRate: -3, NextFunding: 4, Fields: 0b1011}},
	} {
		var d decoded
		d.setEvent(&ev)
		d.nb, d.na = int32(len(ev.Bids)), int32(len(ev.Asks))
		levels := append(slices.Clone(ev.Bids), ev.Asks...)
		var got md.Event
		d.event(&got, levels)
		if got.Kind != ev.Kind || got.Instrument != ev.Instrument || got.Exchange != ev.Exchange || got.Applied != ev.Applied ||
			got.Status != ev.Status || got.Trade != ev.Trade || got.Mark != ev.Mark ||
			!slices.Equal(got.Bids, ev.Bids) || !slices.Equal(got.Asks, ev.Asks) {
			t.Errorf("%v: rebuilt %+v, want %+v", ev.Kind, got, ev)
		}
	}
}
