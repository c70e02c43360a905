package bybit

import (
	"testing"

	"github.com/rs/zerolog"
)

type nopSink struct{ fills int }

func (s *nopSink) OnAck(id uint64, now int64) {}
func (s *nopSink) OnFill(id uint64, price, qty, fee int64, maker bool, now int64) {
	s.fills++
}
func (s *nopSink) OnCancelled(id uint64, now int64)               {}
func (s *nopSink) OnRejected(id uint64, reason string, now int64) {}

// TestDrainAllocs: handing an order's ack and fill to the engine allocates nothing once
// the gateway's table and queues have their working size; a fill whose leavesQty shows
// it already counted is dropped, not delivered twice.
func TestDrainAllocs(t *testing.T) {
	c, err := NewCredentials("k", "s")
	if err != nil {
		t.Fatal(err)
	}
	g, err := New(Config{TradeURL: "ws://127.0.0.1:1/v5/trade", PrivateURL: "ws://127.0.0.1:1/v5/private", RESTURL: "http://127.0.0.1:1",
		Category: Linear, Symbol: "BTCUSDT", BaseAsset: "BTC", QuoteAsset: "USDT", PriceScale: 2, QtyScale: 3,
		Credentials: c, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	var sink nopSink
	id := uint64(0)
	round := func() {
		id++
		g.table[id] = g.newOrder(id, 10)
		g.qmu.Lock()
		g.liveIDs[id] = struct{}{}
		q := queueSink{g}
		q.OnAck(id, 1)
		g.leaves[id] = 0
		q.OnFill(id, 6000000, 10, 1, true, 2)
		// The same fill again, as a reconciliation and the stream may both say it.
		g.queue = append(g.queue, answer{kind: ansFill, id: id, price: 6000000, qty: 10, leaves: 0, now: 3})
		g.qmu.Unlock()
		g.Drain(&sink, 3)
	}
	round()
	if a := testing.AllocsPerRun(1000, round); a != 0 { // 1000 runs and a warm-up run
		t.Fatalf("%v allocs per ack and fill", a)
	}
	if sink.fills != 1002 || len(g.table) != 0 || g.Counters().Duplicates != 0 {
		// The duplicate reaches Drain after the order left the table: it is passed
		// over as an order no longer live, counted nowhere.
		t.Fatalf("fills %d, table %d, counters %+v", sink.fills, len(g.table), g.Counters())
	}
}
