package live

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nanotick/nanotick/exchange"
	"github.com/nanotick/nanotick/feeds/bybit"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/md"
	"github.com/nanotick/nanotick/orderbook"
)

// feedSink is an engine's part of the contract: each frame through its instrument's
// md.Feed, as the engine decodes it.
type feedSink struct {
	feeds   []md.Feed
	valid   atomic.Int64 // frames after which the book was valid
	marks   atomic.Int64
	gaps    atomic.Int64 // frames that found a gap
	idles   atomic.Int64
	perInst [2]atomic.Int64
}

func (s *feedSink) Frame(i instrument.Index, frame []byte, local int64) error {
	f := s.feeds[i]
	s.perInst[i].Add(1)
	ev, err := f.Decode(frame)
	if err == nil {
		err = f.Apply(local)
	}
	switch {
	case ev.Kind == md.Mark:
		s.marks.Add(1)
	case f.Status() == md.Gap:
		s.gaps.Add(1)
	case f.Status() == md.Valid:
		s.valid.Add(1)
	}
	return err
}
func (s *feedSink) NeedSnapshot(i instrument.Index) bool { return s.feeds[i].NeedSnapshot() }
func (s *feedSink) Reset(i instrument.Index)             { s.feeds[i].Reset() }
func (s *feedSink) Idle(now int64)                       { s.idles.Add(1) }

// start runs an exchange with two perpetuals and a sink with their feeds.
func start(t *testing.T, faults exchange.Faults) (*exchange.Exchange, *feedSink) {
	t.Helper()
	eth := exchange.BTCUSDTPerp()
	eth.Symbol, eth.Base, eth.RefPrice, eth.Follows = "ETHUSDT", "ETH", 2500*100_000_000, ""
	ex, err := exchange.Start(context.Background(), exchange.Config{Seed: 5, Futures: []exchange.FuturesInstrument{exchange.BTCUSDTPerp(), eth}, Faults: faults})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ex.Close() })
	s := &feedSink{}
	for i, sym := range []string{"BTCUSDT", "ETHUSDT"} {
		spec := &instrument.Spec{ID: instrument.ID{Venue: bybit.VenueLinear, Symbol: sym}, PriceScale: 2, QtyScale: 3}
		f, err := bybit.NewMDFeed(spec, orderbook.New(64), md.Config{Index: instrument.Index(i)})
		if err != nil {
			t.Fatal(err)
		}
		s.feeds = append(s.feeds, f)
	}
	return ex, s
}

// run serves sink from a Conn to ex until done says so or a generous deadline passes.
func run(t *testing.T, ex *exchange.Exchange, sink *feedSink, cfg Config, done func(*Conn) bool) *Conn {
	t.Helper()
	cfg.URL = ex.BybitURL("linear")
	cfg.Instruments = []Instrument{{Index: 0, Symbol: "BTCUSDT"}, {Index: 1, Symbol: "ETHUSDT"}}
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

// TestBooksAndTickers: one linear connection serves two instruments: each one's book
// stays in sequence, each gets its tickers (mark prices), and publicTrade, which the
// local exchange does not serve, is refused and counted rather than waited for.
func TestBooksAndTickers(t *testing.T) {
	ex, sink := start(t, exchange.Faults{})
	c := run(t, ex, sink, Config{Name: "bybit-linear"}, func(c *Conn) bool {
		return c.Counters().Frames >= 200 && sink.marks.Load() >= 4 && sink.perInst[1].Load() > 20
	})
	if sink.gaps.Load() != 0 || sink.valid.Load() < 100 || sink.marks.Load() < 4 || sink.perInst[0].Load() == 0 || sink.perInst[1].Load() == 0 {
		t.Fatalf("valid %d gaps %d marks %d per instrument %d/%d; counters %+v", sink.valid.Load(), sink.gaps.Load(), sink.marks.Load(),
			sink.perInst[0].Load(), sink.perInst[1].Load(), c.Counters())
	}
	if c.Counters().Refusals != 2 || c.Counters().Malformed != 0 || c.Counters().Foreign != 0 {
		t.Fatalf("counters %+v: want the two publicTrade refusals only", c.Counters())
	}
	if sink.idles.Load() < sink.valid.Load() {
		t.Fatalf("idle ran %d times for %d frames", sink.idles.Load(), sink.valid.Load())
	}
}

// TestResubscribeAfterGap: dropped deltas leave gaps in u; the book turns invalid, the
// connection resubscribes, and the new snapshot makes it valid again.
func TestResubscribeAfterGap(t *testing.T) {
	ex, sink := start(t, exchange.Faults{DropRate: 0.2})
	var validAt atomic.Int64
	c := run(t, ex, sink, Config{NoTrades: true, ResubscribeEvery: 100 * time.Millisecond}, func(c *Conn) bool {
		if c.Counters().Resyncs >= 2 && validAt.Load() == 0 {
			validAt.Store(sink.valid.Load())
		}
		return validAt.Load() > 0 && sink.valid.Load() > validAt.Load()+5
	})
	if c.Counters().Resyncs < 2 || sink.gaps.Load() == 0 || sink.valid.Load() <= validAt.Load() {
		t.Fatalf("resyncs %d, gaps %d, valid %d (at the second resync %d)", c.Counters().Resyncs, sink.gaps.Load(), sink.valid.Load(), validAt.Load())
	}
}

// TestReconnect: the exchange drops the connection every second; the Conn reconnects
// with backoff, resets the books on each loss, and they are valid again after.
func TestReconnect(t *testing.T) {
	ex, sink := start(t, exchange.Faults{DisconnectEvery: time.Second})
	var atReconnect int64
	c := run(t, ex, sink, Config{NoTrades: true, BackoffMin: 20 * time.Millisecond, BackoffMax: 200 * time.Millisecond}, func(c *Conn) bool {
		switch {
		case c.Counters().Reconnects < 2:
			return false
		case atReconnect == 0:
			atReconnect = sink.valid.Load()
		}
		return sink.valid.Load() > atReconnect
	})
	if c.Counters().Reconnects < 2 || sink.valid.Load() <= atReconnect {
		t.Fatalf("counters %+v valid %d (at the second reconnect %d)", c.Counters(), sink.valid.Load(), atReconnect)
	}
}
