package exchange

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	gw "github.com/nanotick/nanotick/gateway/bybit"
	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/risk"
)

// answers records a gateway reader's calls.
type answers struct{ calls []string }

func (s *answers) OnAck(id uint64, now int64) { s.calls = append(s.calls, fmt.Sprintf("ack %d", id)) }
func (s *answers) OnFill(id uint64, price, qty, fee int64, maker bool, now int64) {
	s.calls = append(s.calls, fmt.Sprintf("fill %d %d@%d maker %v", id, qty, price, maker))
}
func (s *answers) OnCancelled(id uint64, now int64) {
	s.calls = append(s.calls, fmt.Sprintf("cancelled %d", id))
}
func (s *answers) OnRejected(id uint64, reason string, now int64) {
	s.calls = append(s.calls, fmt.Sprintf("rejected %d: %s", id, reason))
}

// TestBybitTrading trades on the local exchange through Bybit's trade API and
// private streams with gateway/bybit's auth, encoder and reader: a post-only order is
// acknowledged and cancelled, a post-only order that would take is rejected with the
// matching engine's reason, and an IOC order fills.
func TestBybitTrading(t *testing.T) {
	e := startExchange(t, Config{Seed: 6, Accounts: []AccountConfig{{APIKey: "bybit-key", Secret: "bybit-secret",
		Balances: map[string]string{"USDT": "100000", "BTC": "1"}}}})
	e.With(func() { e.Market("BTCUSDT").enabled = false }) // a still book: the test knows its prices
	creds, err := gw.NewCredentials("bybit-key", "bybit-secret")
	if err != nil {
		t.Fatal(err)
	}
	enc, err := gw.NewEncoder(gw.Spot, "BTCUSDT", 2, 5, "nt-", 0)
	if err != nil {
		t.Fatal(err)
	}
	rd := gw.NewReader(enc, "BTC", "USDT")
	trade, private := dial(t, e.BybitTradeURL()), dial(t, e.BybitPrivateURL())
	var got answers
	read := func(ws *websocket.Conn) []byte {
		t.Helper()
		ws.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, msg, err := ws.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		if err := rd.Handle(msg, 1, &got); err != nil {
			t.Fatalf("%s: %v", msg, err)
		}
		return msg
	}
	send := func(ws *websocket.Conn, b []byte) {
		t.Helper()
		if err := ws.WriteMessage(websocket.TextMessage, b); err != nil {
			t.Fatal(err)
		}
	}
	expires := time.Now().Add(10 * time.Second).UnixMilli()
	send(trade, creds.AppendAuth(nil, expires))
	read(trade)
	send(private, creds.AppendAuth(nil, expires))
	read(private)
	send(private, []byte(`{"req_id":"s","op":"subscribe","args":["order","execution"]}`))
	if msg := read(private); !strings.Contains(string(msg), `"success":true`) {
		t.Fatalf("subscribe: %s", msg)
	}
	var bid, ask int64
	e.With(func() {
		bid, _, _ = e.Market("BTCUSDT").book.Best(Buy)
		ask, _, _ = e.Market("BTCUSDT").book.Best(Sell)
	})
	bid, ask = bid/1_000_000, ask/1_000_000 // to 2 decimals
	now := time.Now().UnixMilli()
	expect := func(want ...string) {
		t.Helper()
		for len(got.calls) < len(want) {
			read(private)
		}
		if strings.Join(got.calls, "|") != strings.Join(want, "|") {
			t.Fatalf("calls %q, want %q", got.calls, want)
		}
		got.calls = nil
	}

	o := &risk.Order{ID: 1, Side: orderbook.Bid, Price: bid - 100, Qty: 100, PostOnly: true}
	b, _ := enc.AppendCreate(nil, o, gw.TIFOf(o), false, now)
	send(trade, b)
	read(trade)
	read(private) // New: no call
	expect("ack 1")
	send(trade, enc.AppendCancel(nil, 1, now))
	read(trade)
	expect("cancelled 1")

	o = &risk.Order{ID: 2, Side: orderbook.Bid, Price: ask, Qty: 100, PostOnly: true}
	b, _ = enc.AppendCreate(nil, o, gw.TIFOf(o), false, now)
	send(trade, b)
	read(trade)
	if len(got.calls) != 1 || !strings.HasPrefix(got.calls[0], "rejected 2: 10001: ") {
		t.Fatalf("post-only that would take: %q", got.calls)
	}
	got.calls = nil

	o = &risk.Order{ID: 3, Side: orderbook.Bid, Price: ask + 100, Qty: 100, IOC: true}
	b, _ = enc.AppendCreate(nil, o, gw.TIFOf(o), false, now)
	send(trade, b)
	read(trade)
	for !strings.Contains(strings.Join(got.calls, "|"), "fill 3") {
		read(private)
	}
	if got.calls[0] != "ack 3" || !strings.HasPrefix(got.calls[1], "fill 3 100@") || !strings.HasSuffix(got.calls[1], "maker false") {
		t.Fatalf("IOC: %q", got.calls)
	}
}

// TestBybitAuthRefused: a signature made with the wrong secret is refused with 10004,
// which the gateway's reader reports as ErrAuth, and orders on that connection are
// refused.
func TestBybitAuthRefused(t *testing.T) {
	e := startExchange(t, Config{Seed: 7, Accounts: []AccountConfig{{APIKey: "bybit-key", Secret: "bybit-secret",
		Balances: map[string]string{"USDT": "1000"}}}})
	creds, _ := gw.NewCredentials("bybit-key", "not-the-secret")
	enc, _ := gw.NewEncoder(gw.Spot, "BTCUSDT", 2, 5, "nt-", 0)
	rd := gw.NewReader(enc, "BTC", "USDT")
	ws := dial(t, e.BybitTradeURL())
	var got answers
	for i, req := range [][]byte{
		creds.AppendAuth(nil, time.Now().Add(10*time.Second).UnixMilli()),
		enc.AppendCancel(nil, 1, time.Now().UnixMilli()),
	} {
		ws.WriteMessage(websocket.TextMessage, req)
		ws.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, msg, err := ws.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		err = rd.Handle(msg, 1, &got)
		if i == 0 && !strings.Contains(fmt.Sprint(err), "10004") {
			t.Fatalf("auth answer %s: %v", msg, err)
		}
		if i == 1 && (err == nil || !strings.Contains(string(msg), `"retCode":10001`)) {
			t.Fatalf("cancel without auth: %s: %v", msg, err)
		}
	}
}
