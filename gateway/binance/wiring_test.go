package binance

import (
	"context"
	"sort"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nanotick/nanotick/exchange"
	"github.com/nanotick/nanotick/feeds/binance"
	"github.com/nanotick/nanotick/feeds/binance/live"
	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/risk"
	"github.com/rs/zerolog"
)

// timedSink records when acks arrive, on the reading goroutine.
type timedSink struct {
	recSink
	acks map[uint64]int64
}

func (s *timedSink) OnAck(id uint64, now int64) {
	s.acks[id] = time.Now().UnixNano()
	s.recSink.OnAck(id, now)
}

// TestFeedClientDrainsGateway wires the pieces the way `nanotick run` will: the feed
// client's reading goroutine is the engine's; it places orders from the frame handler,
// and its OnIdle drains the gateway's ring, which the gateway's reader fills and then
// wakes the feed client. The acks must arrive on that goroutine promptly, even with the
// idle interval set far longer than the wait, which proves Wake did the work.
func TestFeedClientDrainsGateway(t *testing.T) {
	ex := venue(t, exchange.Faults{})
	logs := &lockedBuffer{}
	var client atomic.Pointer[live.Client]
	g := newGateway(t, ex, logs, func(c *Config) {
		c.Wake = func() {
			if cl := client.Load(); cl != nil {
				cl.Wake()
			}
		}
	})
	if _, err := g.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer g.Close()

	feed, err := binance.NewFeed(binance.Spot, binance.Instrument{Symbol: "BTCUSDT", PriceScale: 2, QtyScale: 5}, orderbook.New(4096), binance.SyncConfig{})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := live.StreamURL(ex.MarketDataURL(), "BTCUSDT", "depth@100ms", "trade")
	sink := &timedSink{acks: map[uint64]int64{}}
	sent := map[uint64]int64{}
	const orders = 20
	var nextID uint64
	var acked atomic.Int64
	c, err := live.New(live.Config{URL: u, RESTURL: ex.RESTURL(), Symbol: "BTCUSDT", Sync: feed.Sync(),
		IdleInterval: time.Second, // only Wake can make the drain prompt
		Handler: func(frame []byte, local int64) error {
			_, err := feed.Handle(frame, local)
			book := feed.Sync().Book()
			if bid, ok := book.Best(orderbook.Bid); ok && book.Valid() && nextID < orders {
				nextID++
				sent[nextID] = time.Now().UnixNano()
				if err := g.Place(&risk.Order{ID: nextID, Side: orderbook.Bid, Price: bid.Price - 20000, Qty: 100, PostOnly: true}, local); err != nil {
					t.Errorf("place: %v", err)
				}
			}
			return err
		},
		OnIdle: func(now int64) {
			g.Drain(sink, now)
			acked.Store(int64(len(sink.acks)))
		},
		Logger: zerolog.New(logs)})
	if err != nil {
		t.Fatal(err)
	}
	client.Store(c)
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for acked.Load() < orders && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	c.Close()
	if acked.Load() < orders {
		t.Fatalf("%d of %d orders acked; gateway %+v feed %+v", acked.Load(), orders, g.Counters(), c.Counters())
	}
	var lat []time.Duration
	for id, at := range sink.acks {
		lat = append(lat, time.Duration(at-sent[id]))
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	t.Logf("place to OnAck on the feed goroutine: median %v, max %v (idle interval 1s)", lat[len(lat)/2], lat[len(lat)-1])
	if lat[len(lat)/2] > 200*time.Millisecond {
		t.Fatalf("median ack latency %v: the wake-up is not working", lat[len(lat)/2])
	}
}
