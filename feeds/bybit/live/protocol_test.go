package live

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nanotick/nanotick/exchange"
	"github.com/nanotick/nanotick/feeds/internal/mdconn"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/session"
)

// TestRoute: Bybit v5 messages (shapes of bybit-exchange.github.io/docs/v5/ws/connect
// and v5/websocket/public/orderbook) routed by their topic, without allocating.
func TestRoute(t *testing.T) {
	p, _, err := newProtocol(Config{Instruments: []Instrument{{Index: 3, Symbol: "BTCUSDT"}, {Index: 4, Symbol: "ETHUSDT"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		msg   string
		k     int
		route mdconn.Route
	}{
		{`{"topic":"orderbook.50.BTCUSDT","type":"snapshot","ts":1672304484978,"data":{"s":"BTCUSDT","b":[["16493.50","0.006"]],"a":[],"u":18521288,"seq":7961638724},"cts":1672304484976}`, 0, mdconn.Data},
		{`{"topic":"tickers.ETHUSDT","type":"snapshot","data":{"symbol":"ETHUSDT","markPrice":"2500.10"},"cs":1,"ts":1}`, 1, mdconn.Data},
		{`{"topic":"publicTrade.ETHUSDT","type":"snapshot","ts":1,"data":[{"T":1,"s":"ETHUSDT","S":"Buy","v":"0.001","p":"2500.1","i":"x","BT":false}]}`, 1, mdconn.Data},
		{`{"topic":"orderbook.50.SOLUSDT","type":"delta","ts":1,"data":{"s":"SOLUSDT","b":[],"a":[],"u":2,"seq":3}}`, 0, mdconn.Foreign},
		{`{"topic":"orderbook.200.BTCUSDT","type":"delta","ts":1,"data":{"s":"BTCUSDT","b":[],"a":[],"u":2,"seq":3}}`, 0, mdconn.Foreign},
		{`{"success":false,"ret_msg":"error:handler not found","conn_id":"2324d924","req_id":"3","op":"subscribe"}`, 0, mdconn.Refused},
		{`{"success":true,"ret_msg":"","conn_id":"2324d924","req_id":"1","op":"subscribe"}`, 0, mdconn.Other},
		{`{"req_id":"2","op":"pong","args":["1675418560633"],"conn_id":"cfcb4ocsvfriu23r3er0-1b"}`, 0, mdconn.Other},
	} {
		if k, r := p.Route([]byte(tc.msg)); k != tc.k || r != tc.route {
			t.Errorf("%.60s: instrument %d route %d, want %d %d", tc.msg, k, r, tc.k, tc.route)
		}
	}
	big := []byte(`{"topic":"orderbook.50.ETHUSDT","type":"delta","ts":1,"data":{"s":"ETHUSDT","b":[` + strings.Repeat(`["1.0","2.0"],`, 500) + `["1.0","2.0"]],"a":[],"u":2,"seq":3}}`)
	if a := testing.AllocsPerRun(1000, func() { p.Route(big) }); a != 0 {
		t.Fatalf("Route allocates %v", a)
	}
}

// TestRequests: the subscriptions, resubscription and ping Bybit's docs show, numbered
// in order.
func TestRequests(t *testing.T) {
	p, _, err := newProtocol(Config{NoTrades: true, Instruments: []Instrument{{Symbol: "BTCUSDT"}, {Index: 1, Symbol: "ETHUSDT"}}})
	if err != nil {
		t.Fatal(err)
	}
	var ids mdconn.IDs
	var got []string
	for _, b := range p.Subscribe(&ids) {
		got = append(got, string(b))
	}
	for _, b := range p.Resubscribe(1, &ids) {
		got = append(got, string(b))
	}
	got = append(got, string(p.Ping(&ids)))
	want := []string{
		`{"req_id":"1","op":"subscribe","args":["orderbook.50.BTCUSDT","tickers.BTCUSDT"]}`,
		`{"req_id":"2","op":"subscribe","args":["orderbook.50.ETHUSDT","tickers.ETHUSDT"]}`,
		`{"req_id":"3","op":"unsubscribe","args":["orderbook.50.ETHUSDT"]}`,
		`{"req_id":"4","op":"subscribe","args":["orderbook.50.ETHUSDT"]}`,
		`{"req_id":"5","op":"ping"}`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("requests\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// stateSink is a session.Sink over feedSink that records the session states it hears.
type stateSink struct {
	*feedSink
	mu     sync.Mutex
	states []session.State
}

func (s *stateSink) Snapshot(instrument.Index, []byte, int64) error { return nil }
func (s *stateSink) State(st session.State, err error, now int64) {
	s.mu.Lock()
	s.states = append(s.states, st)
	s.mu.Unlock()
}

func (s *stateSink) seen() []session.State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]session.State(nil), s.states...)
}

// TestSessionStates: as a session's market data, the connection reports each connect
// and each loss as session states, as feeds/kraken/live did and the session's contract
// asks (Bybit's reported none before the two shared feeds/internal/mdconn).
func TestSessionStates(t *testing.T) {
	ex, fs := start(t, exchange.Faults{DisconnectEvery: time.Second})
	c, err := New(Config{URL: ex.BybitURL("linear"), NoTrades: true, BackoffMin: 20 * time.Millisecond, BackoffMax: 200 * time.Millisecond,
		Instruments: []Instrument{{Index: 0, Symbol: "BTCUSDT"}, {Index: 1, Symbol: "ETHUSDT"}}})
	if err != nil {
		t.Fatal(err)
	}
	sink := &stateSink{feedSink: fs}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	go func() {
		for ctx.Err() == nil && len(sink.seen()) < 3 {
			time.Sleep(20 * time.Millisecond)
		}
		cancel()
	}()
	if err := (MarketData{c}).Run(ctx, sink, session.RunOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := sink.seen(); len(got) < 3 || got[0] != session.Connected || got[1] != session.Disconnected || got[2] != session.Connected {
		t.Fatalf("states %v, want connected, disconnected, connected", got)
	}
}
