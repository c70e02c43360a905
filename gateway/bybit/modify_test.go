package bybit

import (
	"testing"

	"github.com/rs/zerolog"

	"github.com/nanotick/nanotick/engine"
)

// The gateway is an engine.Modifier: the engine offers orders.modify on Bybit.
var _ engine.Modifier = (*Gateway)(nil)

type modSink struct {
	nopSink
	modified, rejected int
	price, qty         int64
	reason             string
}

func (s *modSink) OnModified(id uint64, price, qty int64, now int64) {
	s.modified++
	s.price, s.qty = price, qty
}
func (s *modSink) OnModifyRejected(id uint64, reason string, now int64) {
	s.rejected++
	s.reason = reason
}

// TestDrainModifyAllocs: handing an order.amend's answer to the engine, accepted
// (OnModified with the terms sent) or refused (OnModifyRejected with Bybit's reason,
// the order's quantity back to what it was), allocates nothing once warm.
func TestDrainModifyAllocs(t *testing.T) {
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
	var sink modSink
	g.table[1] = g.newOrder(1, 10)
	const reason = "10001: params error: price invalid"
	round := func() {
		o := g.table[1]
		o.modifying, o.modPrice, o.modQty, o.oldQ, o.qty = true, 6000100, 20, 10, 20
		g.qmu.Lock()
		queueSink{g}.onAmended(1, 2)
		g.qmu.Unlock()
		g.Drain(&sink, 2)
		o.modifying, o.modPrice, o.modQty, o.oldQ, o.qty = true, 6000200, 30, 20, 30
		g.qmu.Lock()
		queueSink{g}.onAmendRejected(1, reason, 3)
		g.qmu.Unlock()
		g.Drain(&sink, 3)
	}
	round()
	if a := testing.AllocsPerRun(1000, round); a != 0 { // 1000 runs and a warm-up run
		t.Fatalf("%v allocs per modify answer pair", a)
	}
	o := g.table[1]
	if sink.modified != 1002 || sink.rejected != 1002 || sink.price != 6000100 || sink.qty != 20 || sink.reason != reason || o.qty != 20 || o.modifying {
		t.Fatalf("sink %+v, order %+v", sink, *o)
	}
	// A plain Amend's answer (no Modify pending) reaches no ModifySink.
	g.qmu.Lock()
	queueSink{g}.onAmended(1, 4)
	g.qmu.Unlock()
	g.Drain(&sink, 4)
	if sink.modified != 1002 {
		t.Fatalf("an Amend's answer was a Modify's: %+v", sink)
	}
}
