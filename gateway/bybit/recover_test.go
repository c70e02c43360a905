package bybit

import (
	"fmt"
	"testing"

	"github.com/rs/zerolog"
)

type fillSink struct {
	nopSink
	fills []string
}

func (s *fillSink) OnFill(id uint64, price, qty, fee int64, maker bool, now int64) {
	s.fills = append(s.fills, fmt.Sprintf("%d:%d@%d fee %d", id, qty, price, fee))
}

// TestExecDeliveredOnce: an execution recovered over REST after a reconnect (its execId
// recorded by reconcile) and then said again by the private stream reaches the engine
// once; the stream's next execution of the order does reach it, and so does one of an
// order the gateway does not track; an order done forgets its execIds.
func TestExecDeliveredOnce(t *testing.T) {
	c, err := NewCredentials("k", "s")
	if err != nil {
		t.Fatal(err)
	}
	g, err := New(Config{TradeURL: "ws://127.0.0.1:1/v5/trade", PrivateURL: "ws://127.0.0.1:1/v5/private", RESTURL: "http://127.0.0.1:1",
		Category: Linear, Symbol: "BTCUSDT", BaseAsset: "BTC", QuoteAsset: "USDT", PriceScale: 2, QtyScale: 3,
		Credentials: c, Prefix: "p-", Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	g.table[1] = g.newOrder(1, 3)
	g.liveIDs[1] = struct{}{}
	rd := NewReader(g.enc, "BTC", "USDT")
	g.hook(rd)
	exec := func(execID, qty, leaves string) []byte {
		return []byte(`{"topic":"execution","id":"x","creationTime":1,"data":[{"category":"linear","symbol":"BTCUSDT","orderId":"9","orderLinkId":"p-1",` +
			`"side":"Buy","execId":"` + execID + `","execPrice":"60000.00","execQty":"` + qty + `","execType":"Trade","execFee":"0.03","feeCurrency":"USDT",` +
			`"isMaker":true,"leavesQty":"` + leaves + `"}]}`)
	}
	// reconcile recovered e1 over REST and queued it.
	g.qmu.Lock()
	if !g.deliverLocked(1, "e1") {
		t.Fatal("e1 refused the first time")
	}
	// Its fee, 0.03 USDT, in fineScale units (10^-12 USDT).
	g.queue = append(g.queue, answer{kind: ansFill, id: 1, price: 6000000, qty: 1, fee: 3e10, maker: true, leaves: -1, now: 1})
	g.qmu.Unlock()
	handle := func(b []byte) {
		g.qmu.Lock()
		defer g.qmu.Unlock()
		if err := rd.Handle(b, 2, queueSink{g}); err != nil {
			t.Fatal(err)
		}
	}
	handle(exec("e1", "0.001", "0.002")) // the stream's copy: dropped
	handle(exec("e2", "0.002", "0"))     // the order's last fill: delivered
	var sink fillSink
	g.Drain(&sink, 3)
	if want := []string{"1:1@6000000 fee 3", "1:2@6000000 fee 3"}; len(sink.fills) != 2 || sink.fills[0] != want[0] || sink.fills[1] != want[1] {
		t.Fatalf("fills %q, want %q", sink.fills, want)
	}
	if c := g.Counters(); c.Duplicates != 1 {
		t.Errorf("counters %+v: want the stream's copy of e1 counted as a duplicate", c)
	}
	if len(g.execs) != 0 || len(g.liveIDs) != 0 || g.table[1] != nil {
		t.Errorf("order 1 is done, yet kept: execs %v, live %v", g.execs, g.liveIDs)
	}
}
