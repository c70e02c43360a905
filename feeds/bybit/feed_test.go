package bybit

import (
	"errors"
	"testing"

	"github.com/nanotick/nanotick/orderbook"
)

// TestFeedSequence walks the sync rules of doc.go one case at a time: each
// step hands the feed one message and checks the event, the state, the
// book's validity and u afterwards.
func TestFeedSequence(t *testing.T) {
	b1 := []orderbook.Level{lv(3024720, 1000)}
	a1 := []orderbook.Level{lv(3024870, 2000)}
	snap := func(u, seq int64) []byte { return frame("snapshot", 50, u, seq, b1, a1) }
	delta := func(u, seq int64) []byte { return frame("delta", 50, u, seq, []orderbook.Level{lv(3024710, 5)}, nil) }
	type step struct {
		msg   []byte
		ev    Event
		err   error
		state State
		valid bool
		u     int64
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"delta before any snapshot is ignored", []step{
			{delta(10, 100), EventNone, nil, WaitingSnapshot, false, 0},
			{snap(10, 100), EventSnapshot, nil, Live, true, 10},
			{delta(11, 101), EventUpdate, nil, Live, true, 11},
		}},
		{"gap fails closed until a resubscribe's snapshot", []step{
			{snap(10, 100), EventSnapshot, nil, Live, true, 10},
			{delta(12, 102), EventResubscribe, ErrGap, NeedResubscribe, false, 10},
			{delta(13, 103), EventNone, nil, NeedResubscribe, false, 10},
			{snap(20, 200), EventSnapshot, nil, Live, true, 20},
			{delta(21, 201), EventUpdate, nil, Live, true, 21},
		}},
		{"duplicate delta is out of order", []step{
			{snap(10, 100), EventSnapshot, nil, Live, true, 10},
			{delta(11, 101), EventUpdate, nil, Live, true, 11},
			{delta(11, 101), EventResubscribe, ErrOutOfOrder, NeedResubscribe, false, 11},
		}},
		{"seq going backwards is out of order", []step{
			{snap(10, 100), EventSnapshot, nil, Live, true, 10},
			{delta(11, 99), EventResubscribe, ErrOutOfOrder, NeedResubscribe, false, 10},
		}},
		{"mid-stream snapshot resets the book and the sequence", []step{
			{snap(10, 100), EventSnapshot, nil, Live, true, 10},
			{delta(11, 101), EventUpdate, nil, Live, true, 11},
			{snap(500, 900), EventSnapshot, nil, Live, true, 500},
			{delta(501, 901), EventUpdate, nil, Live, true, 501},
		}},
		{"u=1 snapshot after a restart overwrites the book", []step{
			{snap(10, 100), EventSnapshot, nil, Live, true, 10},
			{snap(1, 5), EventSnapshot, nil, Live, true, 1},
			{delta(2, 6), EventUpdate, nil, Live, true, 2},
		}},
		{"level 1 snapshot repeated with the same u", []step{
			{frame("snapshot", 1, 10, 100, b1, a1), EventNone, nil, WaitingSnapshot, false, 0}, // another topic
		}},
		{"malformed message is skipped, the next delta shows the loss", []step{
			{snap(10, 100), EventSnapshot, nil, Live, true, 10},
			{[]byte(`{"topic":"orderbook.50.BTCUSDT","type":"delta","data":{"s":"BTCUSDT","b":[["x","1"]],"u":11}}`), EventNone, errNumber, Live, true, 10},
			{delta(12, 102), EventResubscribe, ErrGap, NeedResubscribe, false, 10},
		}},
		{"data symbol unlike the topic's is skipped", []step{
			{snap(10, 100), EventSnapshot, nil, Live, true, 10},
			{[]byte(`{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1,"data":{"s":"ETHUSDT","b":[],"a":[],"u":11,"seq":101}}`), EventNone, ErrSymbol, Live, true, 10},
			{delta(11, 101), EventUpdate, nil, Live, true, 11},
		}},
		{"another depth or symbol is not ours", []step{
			{snap(10, 100), EventSnapshot, nil, Live, true, 10},
			{frame("delta", 200, 12, 102, nil, nil), EventNone, nil, Live, true, 10},
			{[]byte(`{"topic":"orderbook.50.ETHUSDT","type":"delta","ts":1,"data":{"s":"ETHUSDT","b":[],"a":[],"u":99,"seq":1}}`), EventNone, nil, Live, true, 10},
		}},
		{"rejected subscribe is reported", []step{
			{[]byte(`{"success":false,"ret_msg":"error:handler not found","conn_id":"x","req_id":"1","op":"subscribe"}`), EventNone, ErrRejected, WaitingSnapshot, false, 0},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newTestFeed(t, 50)
			for i, s := range tt.steps {
				ev, err := f.Handle(s.msg, int64(i+1))
				if ev != s.ev || !errors.Is(err, s.err) || (s.err == nil) != (err == nil) {
					t.Fatalf("step %d: got %v, %v; want %v, %v", i, ev, err, s.ev, s.err)
				}
				if f.State() == NeedResubscribe && s.state == WaitingSnapshot {
					f.Resubscribing()
				}
				if f.State() != s.state || f.Book().Valid() != s.valid || f.LastUpdateID() != s.u {
					t.Fatalf("step %d: state %v valid %v u %d; want %v %v %d", i, f.State(), f.Book().Valid(), f.LastUpdateID(), s.state, s.valid, s.u)
				}
			}
		})
	}
}

// TestFeedResubscribeCycle: after a gap the engine resubscribes and the new
// snapshot brings the book back.
func TestFeedResubscribeCycle(t *testing.T) {
	f := newTestFeed(t, 50)
	m := newMarket(50, 1)
	if ev, err := f.Handle(m.snapshot(), 1); ev != EventSnapshot || err != nil {
		t.Fatal(ev, err)
	}
	m.delta() // lost
	if ev, err := f.Handle(m.delta(), 2); ev != EventResubscribe || !errors.Is(err, ErrGap) {
		t.Fatal(ev, err)
	}
	f.Resubscribing()
	if f.State() != WaitingSnapshot || f.Book().Valid() {
		t.Fatal(f.State())
	}
	if ev, err := f.Handle(m.snapshot(), 3); ev != EventSnapshot || err != nil || !bookEquals(f, m) {
		t.Fatal(ev, err)
	}
	if st := f.Stats(); st.Gaps != 1 || st.Resubscribes != 1 || st.Snapshots != 2 {
		t.Fatalf("%+v", st)
	}
}

// TestFeedFollowsMarket replays thousands of generated deltas, with a
// mid-stream snapshot now and then, and checks after each that the book is
// exactly the exchange's top of book.
func TestFeedFollowsMarket(t *testing.T) {
	for _, depth := range []int{1, 50, 200} {
		f := newTestFeed(t, depth)
		m := newMarket(depth, uint64(depth))
		msg := m.snapshot()
		for i := range 2000 {
			ev, err := f.Handle(msg, int64(i))
			if err != nil || (ev != EventSnapshot && ev != EventUpdate) {
				t.Fatalf("depth %d message %d: %v %v", depth, i, ev, err)
			}
			if !bookEquals(f, m) {
				t.Fatalf("depth %d message %d: book differs from the exchange's", depth, i)
			}
			if depth == 1 || i%500 == 499 {
				msg = m.snapshot() // level 1 is snapshots only
			} else {
				msg = m.delta()
			}
		}
		if f.Book().Crossed() || f.Stats().Crossed != 0 {
			t.Fatalf("depth %d: crossed", depth)
		}
	}
}

// TestFeedTradesAndTicker: trades are counted and handed over; a linear
// ticker delta changes only the fields it carries.
func TestFeedTradesAndTicker(t *testing.T) {
	f := newTestFeed(t, 50)
	ev, err := f.Handle(readTestdata(t, "doc_trade.json"), 1)
	if ev != EventTrade || err != nil || len(f.Message().Trades) != 1 || f.Message().Trades[0].Price != 1657850 {
		t.Fatal(ev, err)
	}
	if ev, err := f.Handle(readTestdata(t, "doc_ticker_linear.json"), 2); ev != EventTicker || err != nil {
		t.Fatal(ev, err)
	}
	d := `{"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT","markPrice":"66667.00","fundingRate":"0.0001"},"cs":9532239430,"ts":1760325052730}`
	if ev, err := f.Handle([]byte(d), 3); ev != EventTicker || err != nil {
		t.Fatal(ev, err)
	}
	tk := f.Ticker()
	if tk.MarkPrice != 6666700 || tk.FundingRate != 1_000_000 || tk.IndexPrice != 11541819 || tk.NextFundingTime != 1760342400000 {
		t.Fatalf("%+v", tk)
	}
	if st := f.Stats(); st.Trades != 1 || st.Tickers != 2 {
		t.Fatalf("%+v", st)
	}
}

// TestNewFeedRefuses: configurations Bybit would not serve are refused.
func TestNewFeedRefuses(t *testing.T) {
	ok := Config{Category: Linear, Symbol: "BTCUSDT", Depth: 50, PriceScale: 2, QtyScale: 3}
	bad := []func(*Config){
		func(c *Config) { c.Depth = 25 },
		func(c *Config) { c.Symbol = "btc\"usdt" },
		func(c *Config) { c.Symbol = "" },
		func(c *Config) { c.Category = 0 },
		func(c *Config) { c.PriceScale = 19 },
	}
	if _, err := NewFeed(ok, orderbook.New(8)); err != nil {
		t.Fatal(err)
	}
	for i, mod := range bad {
		c := ok
		mod(&c)
		if _, err := NewFeed(c, orderbook.New(8)); err == nil {
			t.Errorf("case %d: %+v accepted", i, c)
		}
	}
	if _, err := NewFeed(ok, nil); err == nil {
		t.Error("nil book accepted")
	}
}

// TestAppendRequests: the requests are the documented JSON.
func TestAppendRequests(t *testing.T) {
	f := newTestFeed(t, 50)
	tests := []struct{ got, want string }{
		{string(AppendSubscribe(nil, 7, f.Topics()...)), `{"req_id":"7","op":"subscribe","args":["orderbook.50.BTCUSDT","publicTrade.BTCUSDT","tickers.BTCUSDT"]}`},
		{string(AppendUnsubscribe(nil, 8, f.BookTopic())), `{"req_id":"8","op":"unsubscribe","args":["orderbook.50.BTCUSDT"]}`},
		{string(AppendPing(nil, 9)), `{"req_id":"9","op":"ping"}`},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %s\nwant %s", tt.got, tt.want)
		}
	}
}
