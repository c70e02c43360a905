package bybit

import (
	"fmt"

	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/md"
	"github.com/nanotick/nanotick/orderbook"
)

// The instrument venue names of Bybit's markets, as they appear before the colon of an
// instrument name ("bybit-linear:BTCUSDT"), named like binance-spot and binance-usdm:
// the exchange, then the market.
const (
	VenueSpot   = "bybit-spot"   // v5/public/spot
	VenueLinear = "bybit-linear" // v5/public/linear: USDT and USDC perpetuals
)

// DefaultDepth is the orderbook topic an MDFeed subscribes to: orderbook.50, pushed
// every 20 ms on spot and linear, the deepest one pushed that often.
const DefaultDepth = 50

// CategoryOf returns the category of an instrument venue name.
func CategoryOf(venue string) (Category, bool) {
	switch venue {
	case VenueSpot:
		return Spot, true
	case VenueLinear:
		return Linear, true
	}
	return 0, false
}

// MDFeed is a Bybit feed behind the venue-neutral md.Feed interface: Decode decodes a
// message and Apply runs the orderbook's sync rules, as the interface splits them. A
// delta out of sequence is an md.Depth event that Apply leaves unapplied with Status
// Gap: the connection must then resubscribe the book topic (Bybit() gives the topic
// and Resubscribing).
//
// md.Event carries one trade, and a publicTrade message may carry up to 1024: the
// event is the message's last trade, the newest, and Bybit().Message().Trades has
// them all.
type MDFeed struct {
	f    *Feed
	ev   md.Event
	cls  class
	warm []byte  // a copy of the first delta that fits, for Warm
	wmsg Message // Warm's own message, so that Warm changes nothing anyone sees
	wsum int
}

// maxWarmFrame is the largest delta Warm keeps a copy of.
const maxWarmFrame = 16 << 10

// NewMDFeed returns the md.Feed of spec, a Bybit spot or linear instrument, writing
// into book, for the DefaultDepth orderbook topic. It is an md.NewFeed.
func NewMDFeed(spec *instrument.Spec, book *orderbook.Book, cfg md.Config) (md.Feed, error) {
	return NewMDFeedDepth(spec, book, cfg, DefaultDepth)
}

// NewMDFeedDepth is NewMDFeed for the orderbook topic of depth, with the concrete type.
func NewMDFeedDepth(spec *instrument.Spec, book *orderbook.Book, cfg md.Config, depth int) (*MDFeed, error) {
	cat, ok := CategoryOf(spec.ID.Venue)
	if !ok {
		return nil, fmt.Errorf("bybit: instrument %s is not on a Bybit venue (%s, %s)", spec.ID, VenueSpot, VenueLinear)
	}
	f, err := NewFeed(Config{Category: cat, Symbol: spec.ID.Symbol, Depth: depth,
		PriceScale: spec.PriceScale, QtyScale: spec.QtyScale}, book)
	if err != nil {
		return nil, err
	}
	m := &MDFeed{f: f, warm: make([]byte, 0, maxWarmFrame)}
	m.wmsg.Bids = make([]orderbook.Level, 0, depth)
	m.wmsg.Asks = make([]orderbook.Level, 0, depth)
	m.ev.Instrument = cfg.Index
	return m, nil
}

// Bybit returns the Bybit feed underneath, for the connection that subscribes and
// resubscribes.
func (m *MDFeed) Bybit() *Feed { return m.f }

// Decode implements md.Feed. Trades and tickers are done with here; a book message
// waits for Apply.
func (m *MDFeed) Decode(frame []byte) (*md.Event, error) {
	ev := &m.ev
	ev.Kind, ev.Applied, ev.Bids, ev.Asks, ev.Exchange = md.None, 0, nil, nil, 0
	ev.Status = m.Status()
	cls, err := m.f.decode(frame)
	m.cls = cls
	if err != nil {
		return ev, err
	}
	msg := &m.f.msg
	switch cls {
	case clsBook:
		ev.Kind = md.Depth
		if msg.Kind == KindSnapshot {
			ev.Kind = md.Snapshot
		}
		ev.Bids, ev.Asks, ev.Exchange = msg.Bids, msg.Asks, msg.Time*1e6
		if msg.Kind == KindDelta && len(m.warm) == 0 && len(frame) <= cap(m.warm) {
			m.warm = append(m.warm, frame...) // once: into preallocated room
		}
	case clsTicker:
		// A perpetual's reference prices reach the strategy as md.Mark: only the
		// fields this message carried (a linear delta holds what changed). A spot
		// ticker has none of them and is nothing for the engine.
		m.mark(ev, &msg.Ticker)
		if ev.Mark.Fields != 0 {
			ev.Kind = md.Mark
			ev.Exchange = msg.Time * 1e6
		}
	case clsTrade:
		if n := len(msg.Trades); n > 0 {
			t := &msg.Trades[n-1]
			ev.Kind = md.Trade
			ev.Exchange = msg.Time * 1e6
			ev.Trade = md.PublicTrade{Price: t.Price, Qty: t.Qty, Aggressor: orderbook.Bid, Time: t.Time * 1e6}
			if t.Sell {
				ev.Trade.Aggressor = orderbook.Ask
			}
		}
	}
	return ev, nil
}

// mark fills ev.Mark from a ticker message's own fields: prices from the
// instrument's scale to md.MarkPriceScale, the rate already at md.RateScale, the next
// funding time from ms to ns.
func (m *MDFeed) mark(ev *md.Event, t *Ticker) {
	ev.Mark = md.PerpMark{}
	ps := m.f.cfg.PriceScale
	if ps > md.MarkPriceScale {
		return // no Bybit price has more decimals than a mark price holds
	}
	mul := (md.MarkPriceScale - ps).Unit()
	if t.Has&HasMarkPrice != 0 {
		ev.Mark.Price, ev.Mark.Fields = t.MarkPrice*mul, ev.Mark.Fields|md.HasMarkPrice
	}
	if t.Has&HasIndexPrice != 0 {
		ev.Mark.Index, ev.Mark.Fields = t.IndexPrice*mul, ev.Mark.Fields|md.HasIndexPrice
	}
	if t.Has&HasFundingRate != 0 {
		ev.Mark.FundingRate, ev.Mark.Fields = t.FundingRate, ev.Mark.Fields|md.HasFundingRate
	}
	if t.Has&HasNextFundingTime != 0 {
		ev.Mark.NextFunding, ev.Mark.Fields = t.NextFundingTime*1e6, ev.Mark.Fields|md.HasNextFunding
	}
}

// Apply implements md.Feed: a book message goes through the sync rules. A delta out of
// sequence leaves the book invalid with Status Gap and is not an error of Apply's (the
// book is untouched); its reason is in the feed's counters.
func (m *MDFeed) Apply(local int64) error {
	if m.cls == clsBook {
		m.cls = clsNone
		res, _ := m.f.applyBook(local)
		if res == EventSnapshot || res == EventUpdate {
			m.ev.Applied = 1
		}
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

// Reset implements md.Feed: the book turns invalid until the next snapshot, which a
// new subscription brings.
func (m *MDFeed) Reset() { m.f.Reset() }

// Counters implements md.Feed: u gaps and reorderings are its gaps, resubscriptions
// its resyncs, deltas ignored before a snapshot its dropped updates.
func (m *MDFeed) Counters() md.Counters {
	s := m.f.stats
	return md.Counters{
		Applied: s.Snapshots + s.Deltas, Snapshots: s.Snapshots, Dropped: s.Ignored,
		Gaps: s.Gaps + s.OutOfOrder, Resyncs: s.Resubscribes, Crossed: s.Crossed, Malformed: s.Malformed,
	}
}

// Warm implements md.Feed: it decodes a copy of a delta it has seen into a message of
// its own, which touches neither the book, the sync state nor the counters.
func (m *MDFeed) Warm() {
	if len(m.warm) == 0 {
		return
	}
	if m.f.dec.Decode(m.warm, &m.wmsg) == nil {
		m.wsum += len(m.wmsg.Bids) + len(m.wmsg.Asks)
	}
}

var _ md.Feed = (*MDFeed)(nil)
