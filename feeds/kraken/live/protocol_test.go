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

// TestRoute: Kraken v2 messages (shapes of docs.kraken.com/api/docs/websocket-v2/book,
// trade, heartbeat, ping and subscribe) routed by their channel and symbol, without
// allocating. A book message of a symbol nobody here subscribed to is Foreign: it was
// counted as malformed before feeds/internal/mdconn, which it is not.
func TestRoute(t *testing.T) {
	p, _, err := newProtocol(Config{Instruments: []Instrument{{Index: 3, Symbol: "BTC/USD"}, {Index: 4, Symbol: "ETH/USD"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		msg   string
		k     int
		route mdconn.Route
	}{
		{`{"channel":"book","type":"update","data":[{"symbol":"ETH/USD","bids":[{"price":2500.1,"qty":1.5}],"asks":[],"checksum":2143854316,"timestamp":"2023-10-06T17:35:55.440295Z"}]}`, 1, mdconn.Data},
		{`{"channel":"trade","type":"update","data":[{"symbol":"BTC/USD","side":"sell","price":27500.1,"qty":0.5,"ord_type":"market","trade_id":4665846,"timestamp":"2023-09-25T07:49:37.708706Z"}]}`, 0, mdconn.Data},
		{`{"channel":"book","type":"update","data":[{"symbol":"SOL/USD","bids":[],"asks":[],"checksum":1,"timestamp":"2023-10-06T17:35:55.440295Z"}]}`, 0, mdconn.Foreign},
		{`{"channel":"heartbeat"}`, 0, mdconn.Other},
		{`{"channel":"status","type":"update","data":[{"version":"2.0.0","system":"online","api_version":"v2","connection_id":1,"status":"online"}]}`, 0, mdconn.Other},
		{`{"method":"pong","req_id":101,"time_in":"2023-09-24T14:10:23.799685Z","time_out":"2023-09-24T14:10:23.799703Z"}`, 0, mdconn.Other},
		{`{"error":"Currency pair not supported ABC/USD","method":"subscribe","success":false,"symbol":"ABC/USD","time_in":"2023-09-24T14:10:23.799685Z","time_out":"2023-09-24T14:10:23.799703Z"}`, 0, mdconn.Refused},
	} {
		if k, r := p.Route([]byte(tc.msg)); k != tc.k || r != tc.route {
			t.Errorf("%.60s: instrument %d route %d, want %d %d", tc.msg, k, r, tc.k, tc.route)
		}
	}
	big := []byte(`{"channel":"book","type":"snapshot","data":[{"symbol":"ETH/USD","bids":[` + strings.Repeat(`{"price":1.0,"qty":2.0},`, 500) + `{"price":1.0,"qty":2.0}],"asks":[],"checksum":1}]}`)
	if a := testing.AllocsPerRun(1000, func() { p.Route(big) }); a != 0 {
		t.Fatalf("Route allocates %v", a)
	}
}

// TestRequests: the subscriptions, resubscription and ping Kraken's docs show,
// numbered in order.
func TestRequests(t *testing.T) {
	p, _, err := newProtocol(Config{Depth: 25, Instruments: []Instrument{{Symbol: "BTC/USD"}, {Index: 1, Symbol: "ETH/USD"}}})
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
		`{"method":"subscribe","params":{"channel":"book","symbol":["BTC/USD"],"depth":25,"snapshot":true},"req_id":1}`,
		`{"method":"subscribe","params":{"channel":"trade","symbol":["BTC/USD"],"snapshot":false},"req_id":2}`,
		`{"method":"subscribe","params":{"channel":"book","symbol":["ETH/USD"],"depth":25,"snapshot":true},"req_id":3}`,
		`{"method":"subscribe","params":{"channel":"trade","symbol":["ETH/USD"],"snapshot":false},"req_id":4}`,
		`{"method":"unsubscribe","params":{"channel":"book","symbol":["ETH/USD"],"depth":25},"req_id":5}`,
		`{"method":"subscribe","params":{"channel":"book","symbol":["ETH/USD"],"depth":25,"snapshot":true},"req_id":6}`,
		`{"method":"ping","req_id":7}`,
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
// and each loss as session states.
func TestSessionStates(t *testing.T) {
	ex, fs := start(t, exchange.Faults{DisconnectEvery: time.Second})
	c, err := New(Config{URL: ex.KrakenURL(), BackoffMin: 20 * time.Millisecond, BackoffMax: 200 * time.Millisecond,
		Instruments: []Instrument{{Index: 0, Symbol: "BTC/USD"}}})
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
