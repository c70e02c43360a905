package binance

import "github.com/nanotick/nanotick/orderbook"

// Feed is the usual way to consume a Binance stream: it decodes each frame
// and routes depth events and snapshots into a Sync, counting the frames it
// could not decode. The live connector and the backtester both use it, so a
// recording replays through exactly the code that trades.
type Feed struct {
	dec       *Decoder
	sync      *Sync
	malformed uint64
}

// NewFeed returns a feed for inst on venue, keeping book in sync.
func NewFeed(venue Venue, inst Instrument, book *orderbook.Book, cfg SyncConfig) (*Feed, error) {
	dec, err := NewDecoder(inst)
	if err != nil {
		return nil, err
	}
	return &Feed{dec: dec, sync: NewSync(venue, book, cfg)}, nil
}

// Handle decodes frame, received at local (ns since the epoch), and applies
// it. The Event is the decoder's and valid until the next call. A malformed
// frame (or a futures depth event without pu) is counted and returned as an
// error; the book is untouched and the feed carries on with the next frame.
func (f *Feed) Handle(frame []byte, local int64) (*Event, error) {
	ev, err := f.dec.Decode(frame)
	if err != nil {
		f.malformed++
		return ev, err
	}
	switch ev.Kind {
	case KindDepth:
		if err := f.sync.OnDepth(&ev.Depth, local); err != nil {
			f.malformed++
			return ev, err
		}
	case KindSnapshot:
		f.sync.OnSnapshot(&ev.Snapshot, local)
	}
	return ev, nil
}

// Decoder returns the feed's decoder.
func (f *Feed) Decoder() *Decoder { return f.dec }

// Sync returns the feed's book sync.
func (f *Feed) Sync() *Sync { return f.sync }

// Counters returns the sync's counters with Malformed filled in.
func (f *Feed) Counters() Counters {
	c := f.sync.Counters()
	c.Malformed = f.malformed
	return c
}
