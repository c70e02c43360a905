package kraken

import (
	"fmt"

	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/md"
	"github.com/nanotick/nanotick/orderbook"
)

// DefaultDepth is the book depth an MDFeed subscribes to: the 10 levels Kraken's
// checksum covers.
const DefaultDepth = 10

// MDFeed is a Kraken v2 book feed behind the venue-neutral md.Feed interface.
//
// Kraken verifies a book message by a checksum of the book after applying it, so
// decoding and applying cannot be split: Decode does both (it is the exception md.Feed's
// Decode names), and Apply only reports what Decode did. A checksum mismatch or a
// malformed message is an md.StatusChange event with Status Gap: the connection must
// then resubscribe (AppendUnsubscribe, AppendSubscribe, Resubscribing on Kraken()).
type MDFeed struct {
	f   *Feed
	ev  md.Event
	res Event // what the last Handle did
}

// NewMDFeed returns the md.Feed of spec, a Kraken instrument, writing into book, with
// a book subscription of DefaultDepth levels. It is an md.NewFeed.
func NewMDFeed(spec *instrument.Spec, book *orderbook.Book, cfg md.Config) (md.Feed, error) {
	if spec.ID.Venue != instrument.VenueKraken {
		return nil, fmt.Errorf("kraken: instrument %s is not on Kraken", spec.ID)
	}
	f, err := NewFeed(Config{Symbol: spec.ID.Symbol, Depth: DefaultDepth, PriceScale: spec.PriceScale, QtyScale: spec.QtyScale}, book)
	if err != nil {
		return nil, err
	}
	m := &MDFeed{f: f}
	m.ev.Instrument = cfg.Index
	return m, nil
}

// Kraken returns the Kraken feed underneath, for the connection that subscribes and
// resubscribes.
func (m *MDFeed) Kraken() *Feed { return m.f }

// Decode implements md.Feed; see MDFeed for why it also applies. Its error, a
// malformed message or a checksum mismatch, comes with a StatusChange event when the
// book just turned invalid.
func (m *MDFeed) Decode(frame []byte) (*md.Event, error) {
	ev := &m.ev
	ev.Kind, ev.Applied, ev.Bids, ev.Asks = md.None, 0, nil, nil
	before := m.f.stats.Snapshots + m.f.stats.Updates
	res, err := m.f.Handle(frame, m.f.book.LocalTime())
	m.res = res
	ev.Status = m.Status()
	switch res {
	case EventSnapshot:
		ev.Kind = md.Snapshot
	case EventUpdate:
		ev.Kind = md.Depth
	case EventResubscribe:
		ev.Kind = md.StatusChange
	case EventTrade:
		// md.Event carries one trade: a message's newest, its last.
		if n := len(m.f.msg.Trades); n > 0 {
			t := &m.f.msg.Trades[n-1]
			ev.Kind = md.Trade
			ev.Trade = md.PublicTrade{Price: t.Price, Qty: t.Qty, Aggressor: orderbook.Bid, Time: t.Time}
			if t.Sell {
				ev.Trade.Aggressor = orderbook.Ask
			}
			ev.Exchange = t.Time
		}
	}
	if ev.Kind == md.Snapshot || ev.Kind == md.Depth {
		ev.Bids, ev.Asks, ev.Exchange = m.f.msg.Bids, m.f.msg.Asks, m.f.book.ExchTime()
	}
	ev.Applied = int(m.f.stats.Snapshots + m.f.stats.Updates - before)
	return ev, err
}

// Apply implements md.Feed: it stamps the book with the receive time, the one thing
// Decode could not know.
func (m *MDFeed) Apply(local int64) error {
	if m.ev.Applied > 0 {
		b := m.f.book
		b.SetUpdate(b.UpdateID(), b.ExchTime(), local)
	}
	m.ev.Status = m.Status()
	return nil
}

// Book implements md.Feed.
func (m *MDFeed) Book() *orderbook.Book { return m.f.book }

// Status implements md.Feed.
func (m *MDFeed) Status() md.Status { return m.f.state.Status() }

// NeedSnapshot implements md.Feed: true while the connection must resubscribe.
func (m *MDFeed) NeedSnapshot() bool { return m.f.state.NeedSnapshot() }

// Reset implements md.Feed: the book turns invalid until the next verified snapshot,
// which the connection asks for by resubscribing.
func (m *MDFeed) Reset() {
	m.f.state.Reset(m.f.book)
}

// Counters implements md.Feed with Kraken's counters: checksum mismatches are its
// gaps and resubscriptions its resyncs.
func (m *MDFeed) Counters() md.Counters {
	s := m.f.stats
	return md.Counters{
		Applied: s.Updates + s.Snapshots, Snapshots: s.Snapshots, Gaps: s.ChecksumMismatches,
		Resyncs: s.Resubscribes, Malformed: s.Malformed,
	}
}

// Warm implements md.Feed. It does nothing: Kraken's decoding cannot be separated from
// applying, so there is nothing it could run without effect.
func (m *MDFeed) Warm() {}

var _ md.Feed = (*MDFeed)(nil)
