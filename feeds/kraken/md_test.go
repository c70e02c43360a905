package kraken

import (
	"errors"
	"testing"

	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/md"
	"github.com/nanotick/nanotick/orderbook"
)

// TestMDFeed walks the resubscribe cycle through the md.Feed interface: a verified
// snapshot is a Snapshot event and a valid book, a checksum mismatch a StatusChange to
// Gap with the error, and after Kraken().Resubscribing the next snapshot is valid again.
func TestMDFeed(t *testing.T) {
	e := newExchange(10, 12, nil)
	spec := instrument.Spec{ID: instrument.ID{Venue: instrument.VenueKraken, Symbol: "BTC/USD"}, Kind: instrument.Spot,
		Base: "BTC", Quote: "USD", PriceScale: 1, QtyScale: 8, Tick: 1, Lot: 1}
	book := orderbook.New(64)
	f, err := NewMDFeed(&spec, book, md.Config{Index: 2})
	if err != nil {
		t.Fatal(err)
	}
	step := func(msg []byte, local int64, kind md.Kind, status md.Status, applied int) error {
		t.Helper()
		ev, err := f.Decode(msg)
		if aerr := f.Apply(local); aerr != nil {
			t.Fatal(aerr)
		}
		if ev.Kind != kind || ev.Status != status || ev.Applied != applied || ev.Instrument != 2 || f.Status() != status {
			t.Fatalf("event %+v (feed status %v); want kind %v, status %v, applied %d", ev, f.Status(), kind, status, applied)
		}
		return err
	}
	if f.Status() != md.Resyncing || book.Valid() {
		t.Fatalf("new feed: %v, valid %v", f.Status(), book.Valid())
	}
	if err := step(e.snapshot(), 100, md.Snapshot, md.Valid, 1); err != nil || !book.Valid() || book.LocalTime() != 100 {
		t.Fatalf("snapshot: %v, valid %v, local %d", err, book.Valid(), book.LocalTime())
	}
	if err := step(e.step(func(r *refBook) { r.set(orderbook.Bid, 99990, 7) }), 200, md.Depth, md.Valid, 1); err != nil || book.LocalTime() != 200 {
		t.Fatalf("update: %v, local %d", err, book.LocalTime())
	}
	bad := corruptChecksum(t, e.step(func(r *refBook) { r.set(orderbook.Ask, 100010, 3) }))
	if err := step(bad, 300, md.StatusChange, md.Gap, 1); !errors.Is(err, ErrChecksum) || book.Valid() || !f.NeedSnapshot() {
		t.Fatalf("mismatch: %v, valid %v, need %v", err, book.Valid(), f.NeedSnapshot())
	}
	f.(*MDFeed).Kraken().Resubscribing()
	if err := step(e.snapshot(), 400, md.Snapshot, md.Valid, 1); err != nil || !book.Valid() {
		t.Fatalf("resubscribed snapshot: %v", err)
	}
	c := f.Counters()
	if c.Snapshots != 2 || c.Applied != 4 || c.Gaps != 1 || c.Resyncs != 1 {
		t.Errorf("counters %+v", c)
	}
	f.Reset()
	if f.Status() != md.Resyncing || book.Valid() {
		t.Errorf("after Reset: %v, valid %v", f.Status(), book.Valid())
	}
}

// TestMDFeedTrade: a live trade message is an md.Trade event of its newest trade.
func TestMDFeedTrade(t *testing.T) {
	spec := instrument.Spec{ID: instrument.ID{Venue: instrument.VenueKraken, Symbol: "BTC/USD"}, Kind: instrument.Spot,
		Base: "BTC", Quote: "USD", PriceScale: 1, QtyScale: 8, Tick: 1, Lot: 1}
	f, err := NewMDFeed(&spec, orderbook.New(64), md.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := f.Decode(btcTrades)
	if err != nil || ev.Kind != md.Trade || ev.Trade.Price != 452852 || ev.Trade.Qty != 100000 || ev.Trade.Aggressor != orderbook.Bid || ev.Trade.Time != mustTime(t, "2023-10-06T17:35:55.512106Z") {
		t.Fatalf("%+v %v", ev, err)
	}
}
