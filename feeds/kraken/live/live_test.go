package live

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nanotick/nanotick/exchange"
	fk "github.com/nanotick/nanotick/feeds/kraken"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/md"
	"github.com/nanotick/nanotick/orderbook"
)

// feedSink is an engine's part of the contract: each frame through the instrument's
// md.Feed, as the engine decodes it.
type feedSink struct {
	t       *testing.T
	feed    md.Feed
	valid   atomic.Int64 // frames after which the book was valid
	trades  atomic.Int64
	invalid atomic.Int64 // frames that turned it invalid
	idles   atomic.Int64
}

func (s *feedSink) Frame(i instrument.Index, frame []byte, local int64) error {
	ev, err := s.feed.Decode(frame)
	if err == nil {
		err = s.feed.Apply(local)
	}
	switch {
	case ev.Kind == md.Trade:
		s.trades.Add(1)
	case ev.Kind == md.StatusChange:
		s.invalid.Add(1)
	case s.feed.Status() == md.Valid:
		s.valid.Add(1)
	}
	return err
}
func (s *feedSink) NeedSnapshot(i instrument.Index) bool { return s.feed.NeedSnapshot() }
func (s *feedSink) Reset(i instrument.Index)             { s.feed.Reset() }
func (s *feedSink) Idle(now int64)                       { s.idles.Add(1) }

func start(t *testing.T, faults exchange.Faults) (*exchange.Exchange, *feedSink) {
	t.Helper()
	ex, err := exchange.Start(context.Background(), exchange.Config{Seed: 5, Instruments: []exchange.Instrument{exchange.KrakenBTCUSD()}, Faults: faults})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ex.Close() })
	spec := &instrument.Spec{ID: instrument.ID{Venue: instrument.VenueKraken, Symbol: "BTC/USD"}, PriceScale: 1, QtyScale: 8}
	f, err := fk.NewMDFeed(spec, orderbook.New(64), md.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return ex, &feedSink{t: t, feed: f}
}

// run serves sink from a Conn to ex until done says so or a generous deadline passes.
func run(t *testing.T, ex *exchange.Exchange, sink *feedSink, cfg Config, done func(*Conn) bool) *Conn {
	t.Helper()
	cfg.URL = ex.KrakenURL()
	cfg.Instruments = []Instrument{{Index: 0, Symbol: "BTC/USD"}}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	stop := make(chan struct{})
	go func() {
		defer close(stop)
		for ctx.Err() == nil && !done(c) {
			time.Sleep(20 * time.Millisecond)
		}
		cancel()
	}()
	if err := c.Run(ctx, sink, 0); err != nil {
		t.Fatal(err)
	}
	<-stop
	return c
}

// TestBooksAndTrades: the local exchange's Kraken book, verified by feeds/kraken's
// checksum on every message, and its trades reach the sink; the idle work runs.
func TestBooksAndTrades(t *testing.T) {
	ex, sink := start(t, exchange.Faults{})
	var frames atomic.Int64
	c := run(t, ex, sink, Config{}, func(c *Conn) bool { frames.Store(int64(c.Counters().Frames)); return frames.Load() >= 200 })
	if sink.invalid.Load() != 0 || sink.valid.Load() < 100 || sink.trades.Load() == 0 {
		t.Fatalf("valid %d, invalid %d, trades %d; counters %+v", sink.valid.Load(), sink.invalid.Load(), sink.trades.Load(), c.Counters())
	}
	if sink.idles.Load() < sink.valid.Load() {
		t.Fatalf("idle ran %d times for %d frames", sink.idles.Load(), sink.valid.Load())
	}
}

// TestResubscribeAfterGap: dropped book messages make the checksum disagree; the book
// turns invalid, the connection resubscribes, and a new snapshot makes it valid again.
func TestResubscribeAfterGap(t *testing.T) {
	ex, sink := start(t, exchange.Faults{DropRate: 0.2})
	c := run(t, ex, sink, Config{ResubscribeEvery: 100 * time.Millisecond}, func(c *Conn) bool {
		return c.Counters().Resyncs >= 2 && c.Counters().Frames > 300
	})
	if c.Counters().Resyncs < 2 || sink.invalid.Load() == 0 || sink.valid.Load() == 0 {
		t.Fatalf("resyncs %d, invalid %d, valid %d", c.Counters().Resyncs, sink.invalid.Load(), sink.valid.Load())
	}
}

// TestReconnect: the exchange drops the connection every second; the Conn reconnects
// with backoff, resets the book on each loss, and it is valid again after.
func TestReconnect(t *testing.T) {
	ex, sink := start(t, exchange.Faults{DisconnectEvery: time.Second})
	var atReconnect int64
	c := run(t, ex, sink, Config{BackoffMin: 20 * time.Millisecond, BackoffMax: 200 * time.Millisecond}, func(c *Conn) bool {
		switch {
		case c.Counters().Reconnects < 2:
			return false
		case atReconnect == 0:
			atReconnect = sink.valid.Load()
		}
		return sink.valid.Load() > atReconnect // valid frames after the second reconnect
	})
	if c.Counters().Reconnects < 2 || sink.valid.Load() <= atReconnect {
		t.Fatalf("counters %+v valid %d (at the second reconnect %d)", c.Counters(), sink.valid.Load(), atReconnect)
	}
}
