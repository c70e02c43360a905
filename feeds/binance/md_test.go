package binance

import (
	"testing"

	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/md"
	"github.com/nanotick/nanotick/orderbook"
)

// TestMDFeedMatchesFeed replays each recording through the md.Feed adapter and through
// the Feed the recorder and the backtester's exchange use: the books and counters must
// come out identical, and every frame's normalized event must say what the Binance event
// said.
func TestMDFeedMatchesFeed(t *testing.T) {
	for _, tc := range []struct {
		file string
		spec instrument.Spec
	}{
		{"binance-spot-btcusdt-20240808.gz", instrument.BinanceSpotBTCUSDT()},
		{"binance-usdm-btcusdt-20240808.gz", instrument.BinanceUSDMBTCUSDT()},
	} {
		t.Run(tc.spec.ID.Venue, func(t *testing.T) {
			recs := loadRecording(t, tc.file)
			venue, _ := VenueOf(tc.spec.ID.Venue)
			refBook := orderbook.New(8192)
			ref, err := NewFeed(venue, Instrument{Symbol: "BTCUSDT", PriceScale: tc.spec.PriceScale, QtyScale: tc.spec.QtyScale}, refBook, SyncConfig{})
			if err != nil {
				t.Fatal(err)
			}
			book := orderbook.New(8192)
			f, err := NewMDFeed(&tc.spec, book, md.Config{Index: 3})
			if err != nil {
				t.Fatal(err)
			}
			var kinds [5]int
			for _, r := range recs {
				bev, rerr := ref.Handle(r.frame, r.local)
				ev, err := f.Decode(r.frame)
				if err == nil {
					err = f.Apply(r.local)
				}
				if (err == nil) != (rerr == nil) {
					t.Fatalf("line %d: md feed error %v, feed error %v", r.line, err, rerr)
				}
				if ev.Instrument != 3 {
					t.Fatalf("line %d: instrument %d, want 3", r.line, ev.Instrument)
				}
				kinds[ev.Kind]++
				switch bev.Kind {
				case KindDepth:
					if ev.Kind != md.Depth || len(ev.Bids) != len(bev.Depth.Bids) || ev.Exchange != bev.Depth.EventTime*1e6 {
						t.Fatalf("line %d: depth normalized as %+v", r.line, ev)
					}
				case KindTrade:
					side := orderbook.Bid
					if bev.Trade.BuyerMaker {
						side = orderbook.Ask
					}
					tr := ev.Trade
					if ev.Kind != md.Trade || tr.Price != bev.Trade.Price || tr.Qty != bev.Trade.Qty || tr.Aggressor != side || tr.Time != bev.Trade.TradeTime*1e6 {
						t.Fatalf("line %d: trade normalized as %+v from %+v", r.line, ev, bev.Trade)
					}
				case KindSnapshot:
					if ev.Kind != md.Snapshot || len(ev.Bids) != len(bev.Snapshot.Bids) || len(ev.Asks) != len(bev.Snapshot.Asks) {
						t.Fatalf("line %d: snapshot normalized as %+v", r.line, ev)
					}
				}
				if ev.Status != f.Status() {
					t.Fatalf("line %d: event status %v, feed %v", r.line, ev.Status, f.Status())
				}
			}
			if f.Counters() != ref.Counters() {
				t.Errorf("counters %+v, want %+v", f.Counters(), ref.Counters())
			}
			if f.Status() != md.Valid || !book.Valid() {
				t.Errorf("status %v, book valid %v at the end of the day", f.Status(), book.Valid())
			}
			for side := orderbook.Bid; side <= orderbook.Ask; side++ {
				if book.Len(side) != refBook.Len(side) {
					t.Fatalf("side %d: %d levels, want %d", side, book.Len(side), refBook.Len(side))
				}
				for i := 0; i < book.Len(side); i++ {
					a, _ := book.Level(side, i)
					b, _ := refBook.Level(side, i)
					if a != b {
						t.Fatalf("side %d level %d: %+v, want %+v", side, i, a, b)
					}
				}
			}
			if kinds[md.Depth] == 0 || kinds[md.Trade] == 0 || kinds[md.Snapshot] != 1 {
				t.Errorf("event kinds %v: want depth, trades and one snapshot", kinds)
			}
			// Warm decodes again without changing what anyone sees.
			before := f.Counters()
			f.Warm()
			if f.Counters() != before || !book.Valid() {
				t.Error("Warm changed the feed")
			}
		})
	}
}

// TestMDFeedAllocs checks that a warm feed decodes and applies a frame without
// allocating.
func TestMDFeedAllocs(t *testing.T) {
	recs := loadRecording(t, "binance-spot-btcusdt-20240808.gz")
	spec := instrument.BinanceSpotBTCUSDT()
	f, err := NewMDFeed(&spec, orderbook.New(8192), md.Config{IgnoreTickers: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if _, err := f.Decode(r.frame); err == nil {
			_ = f.Apply(r.local)
		}
	}
	i := 0
	allocs := testing.AllocsPerRun(2000, func() {
		r := recs[len(recs)-1-i%1000]
		i++
		if _, err := f.Decode(r.frame); err == nil {
			_ = f.Apply(r.local)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per frame", allocs)
	}
}

func TestMDFeedRefusesOtherVenues(t *testing.T) {
	spec := instrument.Spec{ID: instrument.ID{Venue: "kraken", Symbol: "BTC/USD"}}
	if _, err := NewMDFeed(&spec, orderbook.New(16), md.Config{}); err == nil {
		t.Error("a Kraken instrument got a Binance feed")
	}
}
