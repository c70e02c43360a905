package bybit

import "testing"

// TestHandleAllocs: handling each kind of message the feed reads allocates
// nothing once warm: a delta, a snapshot, trades, a ticker, an operation's
// answer and another topic's message.
func TestHandleAllocs(t *testing.T) {
	f := newTestFeed(t, 50)
	m := newMarket(50, 7)
	snap := m.snapshot()
	deltas := make([][]byte, 64)
	for i := range deltas {
		deltas[i] = m.delta()
	}
	msgs := map[string][]byte{
		"trade":       readTestdata(t, "doc_trade.json"),
		"ticker":      readTestdata(t, "doc_ticker_linear.json"),
		"op":          readTestdata(t, "doc_pong_linear.json"),
		"other topic": []byte(`{"topic":"kline.1.BTCUSDT","type":"snapshot","ts":1,"data":[{"start":1}]}`),
	}
	if _, err := f.Handle(snap, 1); err != nil {
		t.Fatal(err)
	}
	first, firstSeq := f.last, f.seq
	i := 0
	delta := func() {
		if i == len(deltas) {
			i, f.last, f.seq = 0, first, firstSeq // replay the cycle: the same levels again, u and seq continuing
		}
		if ev, err := f.Handle(deltas[i], 1); ev != EventUpdate || err != nil {
			t.Fatal(ev, err)
		}
		i++
	}
	delta()
	if a := testing.AllocsPerRun(200, delta); a != 0 {
		t.Errorf("delta: %v allocs per message", a)
	}
	if a := testing.AllocsPerRun(50, func() { f.Handle(snap, 1); i, f.last, f.seq = 0, first, firstSeq }); a != 0 {
		t.Errorf("snapshot: %v allocs per message", a)
	}
	for name, msg := range msgs {
		f.Handle(msg, 1)
		if a := testing.AllocsPerRun(100, func() {
			if _, err := f.Handle(msg, 1); err != nil {
				t.Fatal(err)
			}
		}); a != 0 {
			t.Errorf("%s: %v allocs per message", name, a)
		}
	}
}
