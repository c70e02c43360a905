package binance

import (
	"fmt"
	"time"

	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/md"
	"github.com/nanotick/nanotick/orderbook"
)

// MDFeed is a Binance Spot or USD-M feed behind the venue-neutral md.Feed interface: a
// Decoder and a Sync for one instrument, with each frame's event normalized into an
// md.Event. The normalization copies a few fields and slice headers per frame, never a
// level.
type MDFeed struct {
	dec   *Decoder
	sync  *Sync
	bev   *Event // the last decoded Binance event
	ev    md.Event
	warm  []byte // a copy of the first depth frame that fits, for Warm
	wsum  int    // what Warm decoded, kept so that the work is not optimized away
	malf  uint64 // frames that failed to decode or apply
	venue Venue
}

// maxWarmFrame is the largest depth frame Warm keeps a copy of.
const maxWarmFrame = 16 << 10

// VenueOf returns the Binance venue of an instrument venue name: Spot for
// "binance-spot" and for nanotick's local exchange ("sim"), which speaks Spot's
// protocols, USDM for "binance-usdm".
func VenueOf(venue string) (Venue, bool) {
	switch venue {
	case instrument.VenueBinanceSpot, instrument.VenueSim:
		return Spot, true
	case instrument.VenueBinanceUSDM:
		return USDM, true
	}
	return 0, false
}

// NewMDFeed returns the md.Feed of spec, a Binance Spot or USD-M instrument (or one of
// the local exchange's), writing into book. It is an md.NewFeed.
func NewMDFeed(spec *instrument.Spec, book *orderbook.Book, cfg md.Config) (md.Feed, error) {
	return newMDFeed(spec, book, cfg, SyncConfig{})
}

// NewMDFeedSync is NewMDFeed with the Sync's configuration, and the concrete type, for
// callers (the live connector) that drive the Sync themselves.
func NewMDFeedSync(spec *instrument.Spec, book *orderbook.Book, cfg md.Config, sc SyncConfig) (*MDFeed, error) {
	return newMDFeed(spec, book, cfg, sc)
}

func newMDFeed(spec *instrument.Spec, book *orderbook.Book, cfg md.Config, sc SyncConfig) (*MDFeed, error) {
	venue, ok := VenueOf(spec.ID.Venue)
	if !ok {
		return nil, fmt.Errorf("binance: instrument %s is not on a Binance venue", spec.ID)
	}
	dec, err := NewDecoder(Instrument{Symbol: spec.ID.Symbol, PriceScale: spec.PriceScale, QtyScale: spec.QtyScale})
	if err != nil {
		return nil, err
	}
	if cfg.IgnoreTickers {
		dec.Ignore(KindBookTicker)
	}
	f := &MDFeed{dec: dec, sync: NewSync(venue, book, sc), venue: venue, warm: make([]byte, 0, maxWarmFrame)}
	f.ev.Instrument = cfg.Index
	f.bev = &dec.ev
	return f, nil
}

// Sync returns the feed's book sync, for the live connector, which fetches snapshots
// when it needs one.
func (f *MDFeed) Sync() *Sync { return f.sync }

// Decoder returns the feed's decoder.
func (f *MDFeed) Decoder() *Decoder { return f.dec }

// Decode implements md.Feed.
func (f *MDFeed) Decode(frame []byte) (*md.Event, error) {
	ev := &f.ev
	ev.Kind, ev.Applied = md.None, 0
	bev, err := f.dec.Decode(frame)
	f.bev = bev
	if err != nil {
		f.malf++
		return ev, err
	}
	switch bev.Kind {
	case KindDepth:
		d := &bev.Depth
		ev.Kind, ev.Exchange, ev.Bids, ev.Asks = md.Depth, d.EventTime*int64(time.Millisecond), d.Bids, d.Asks
		if len(f.warm) == 0 && len(frame) <= cap(f.warm) {
			f.warm = append(f.warm, frame...) // once: into preallocated room
		}
	case KindSnapshot:
		s := &bev.Snapshot
		ev.Kind, ev.Exchange, ev.Bids, ev.Asks = md.Snapshot, s.EventTime*int64(time.Millisecond), s.Bids, s.Asks
	case KindTrade, KindAggTrade:
		t := &bev.Trade
		ev.Kind, ev.Exchange = md.Trade, t.EventTime*int64(time.Millisecond)
		ev.Trade = md.PublicTrade{Price: t.Price, Qty: t.Qty, Aggressor: orderbook.Bid, Time: t.TradeTime * int64(time.Millisecond)}
		if t.BuyerMaker {
			ev.Trade.Aggressor = orderbook.Ask
		}
	case KindMarkPrice:
		m := &bev.Mark
		ev.Kind, ev.Exchange = md.Mark, m.EventTime*int64(time.Millisecond)
		ev.Mark = md.PerpMark{
			Price: m.Price, Index: m.Index, FundingRate: m.FundingRate,
			NextFunding: m.NextFunding * int64(time.Millisecond),
			Fields:      md.HasMarkPrice | md.HasIndexPrice | md.HasFundingRate | md.HasNextFunding,
		}
	}
	return ev, nil
}

// Apply implements md.Feed.
func (f *MDFeed) Apply(local int64) error {
	ev := &f.ev
	switch ev.Kind {
	case md.Depth, md.Snapshot:
		before := f.sync.c.Applied
		var err error
		if ev.Kind == md.Depth {
			err = f.sync.OnDepth(&f.bev.Depth, local)
		} else {
			f.sync.OnSnapshot(&f.bev.Snapshot, local)
		}
		ev.Applied = int(f.sync.c.Applied - before)
		ev.Status = f.Status()
		if err != nil {
			f.malf++
			return err
		}
		return nil
	}
	ev.Status = f.Status()
	return nil
}

// Book implements md.Feed.
func (f *MDFeed) Book() *orderbook.Book { return f.sync.book }

// Status implements md.Feed.
func (f *MDFeed) Status() md.Status {
	switch f.sync.state {
	case Live:
		return md.Valid
	case NeedResync:
		return md.Gap
	}
	return md.Resyncing
}

// NeedSnapshot implements md.Feed.
func (f *MDFeed) NeedSnapshot() bool { return f.sync.NeedSnapshot() }

// Reset implements md.Feed.
func (f *MDFeed) Reset() { f.sync.Reset() }

// Counters implements md.Feed.
func (f *MDFeed) Counters() md.Counters {
	c := f.sync.Counters()
	c.Malformed = f.malf
	return c
}

// Warm implements md.Feed: it decodes again the copy of a depth frame it kept. The
// decoder's Event is overwritten, which nobody reads between frames.
func (f *MDFeed) Warm() {
	if len(f.warm) > 0 {
		ev, _ := f.dec.Decode(f.warm)
		f.wsum += len(ev.Depth.Bids)
	}
}

// ExactEvents implements md.Exact: the Sync sets on the book exactly the levels of the
// one update it applies (OnDepth applies the frame's own batch or nothing), never trims
// it, and a snapshot that releases buffered updates is a Snapshot event, recorded whole.
func (f *MDFeed) ExactEvents() bool { return true }

var (
	_ md.Feed  = (*MDFeed)(nil)
	_ md.Exact = (*MDFeed)(nil)
)

// InstrumentVenue returns the instrument venue name of v ("binance-spot",
// "binance-usdm"), the inverse of VenueOf.
func (v Venue) InstrumentVenue() string {
	if v == USDM {
		return instrument.VenueBinanceUSDM
	}
	return instrument.VenueBinanceSpot
}
