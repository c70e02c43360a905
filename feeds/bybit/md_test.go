package bybit

import (
	"testing"

	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/md"
	"github.com/nanotick/nanotick/orderbook"
)

func linearSpec() instrument.Spec {
	return instrument.Spec{ID: instrument.ID{Venue: VenueLinear, Symbol: "BTCUSDT"}, Kind: instrument.Perpetual,
		Base: "BTC", Quote: "USDT", PriceScale: 2, QtyScale: 3, Tick: 10, Lot: 1}
}

// TestMDFeed walks a snapshot, deltas, a trade, a gap and the resubscribe's snapshot
// through the md.Feed interface.
func TestMDFeed(t *testing.T) {
	spec := linearSpec()
	book := orderbook.New(128)
	f, err := NewMDFeed(&spec, book, md.Config{Index: 3})
	if err != nil {
		t.Fatal(err)
	}
	mk := newMarket(DefaultDepth, 9)
	step := func(msg []byte, local int64, kind md.Kind, status md.Status, applied int) {
		t.Helper()
		ev, err := f.Decode(msg)
		if err != nil {
			t.Fatal(err)
		}
		if ev.Kind == md.Depth || ev.Kind == md.Snapshot {
			if err := f.Apply(local); err != nil {
				t.Fatal(err)
			}
		}
		if ev.Kind != kind || ev.Status != status || ev.Applied != applied || ev.Instrument != 3 || f.Status() != status {
			t.Fatalf("event %+v (feed %v); want %v %v applied %d", ev, f.Status(), kind, status, applied)
		}
	}
	step(mk.delta(), 1, md.Depth, md.Resyncing, 0) // before any snapshot: ignored
	step(mk.snapshot(), 2, md.Snapshot, md.Valid, 1)
	if !book.Valid() || book.LocalTime() != 2 || !bookEquals(f.(*MDFeed).Bybit(), mk) {
		t.Fatal("snapshot not applied")
	}
	step(mk.delta(), 3, md.Depth, md.Valid, 1)
	ev, err := f.Decode(readTestdata(t, "doc_trade.json"))
	if err != nil || ev.Kind != md.Trade || ev.Trade.Price != 1657850 || ev.Trade.Qty != 1 || ev.Trade.Aggressor != orderbook.Bid || ev.Trade.Time != 1672304486865e6 {
		t.Fatalf("trade %+v %v", ev, err)
	}
	// The documented linear ticker (v5/websocket/public/ticker): markPrice 66666.60,
	// indexPrice 115418.19, fundingRate -0.005, nextFundingTime 1760342400000, at
	// md's scales.
	ev, err = f.Decode(readTestdata(t, "doc_ticker_linear.json"))
	want := md.PerpMark{Price: 6666660000000, Index: 11541819000000, FundingRate: -50000000, NextFunding: 1760342400000e6,
		Fields: md.HasMarkPrice | md.HasIndexPrice | md.HasFundingRate | md.HasNextFunding}
	if err != nil || ev.Kind != md.Mark || ev.Mark != want || ev.Exchange != 1760325052630e6 {
		t.Fatalf("ticker %+v %v, want mark %+v", ev, err, want)
	}
	mk.delta() // lost
	step(mk.delta(), 4, md.Depth, md.Gap, 0)
	if book.Valid() || !f.NeedSnapshot() {
		t.Fatal("gap left the book valid")
	}
	f.(*MDFeed).Bybit().Resubscribing()
	step(mk.snapshot(), 5, md.Snapshot, md.Valid, 1)
	c := f.Counters()
	if c.Applied != 3 || c.Snapshots != 2 || c.Gaps != 1 || c.Resyncs != 1 || c.Dropped != 1 {
		t.Fatalf("counters %+v", c)
	}
	f.Reset()
	if f.Status() != md.Resyncing || book.Valid() {
		t.Fatal("Reset left the book valid")
	}
}

// TestMDFeedAllocs: Decode and Apply of a delta, and Warm, allocate nothing.
func TestMDFeedAllocs(t *testing.T) {
	spec := linearSpec()
	f, err := NewMDFeedDepth(&spec, orderbook.New(128), md.Config{}, DefaultDepth)
	if err != nil {
		t.Fatal(err)
	}
	mk := newMarket(DefaultDepth, 5)
	f.Decode(mk.snapshot())
	f.Apply(1)
	deltas := make([][]byte, 64)
	for i := range deltas {
		deltas[i] = mk.delta()
	}
	u, seq := f.f.last, f.f.seq
	i := 0
	a := testing.AllocsPerRun(300, func() {
		if i == len(deltas) {
			i, f.f.last, f.f.seq = 0, u, seq
		}
		if _, err := f.Decode(deltas[i]); err != nil {
			t.Fatal(err)
		}
		f.Apply(2)
		f.Warm()
		i++
	})
	if a != 0 || f.Status() != md.Valid {
		t.Fatalf("%v allocs per delta, status %v", a, f.Status())
	}
}

func TestMDFeedVenues(t *testing.T) {
	spec := linearSpec()
	spec.ID.Venue = instrument.VenueKraken
	if _, err := NewMDFeed(&spec, orderbook.New(8), md.Config{}); err == nil {
		t.Fatal("a Kraken instrument accepted")
	}
	spec.ID.Venue = VenueSpot
	f, err := NewMDFeed(&spec, orderbook.New(8), md.Config{})
	if err != nil || f.(*MDFeed).Bybit().Config().Category != Spot {
		t.Fatal(err)
	}
}
