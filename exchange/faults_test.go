package exchange

import (
	"github.com/gorilla/websocket"
	"testing"
	"time"
)

// TestFaults runs a syncing client against each injected fault and checks
// that the client sees it.
func TestFaults(t *testing.T) {
	tests := []struct {
		name   string
		faults Faults
		check  func(t *testing.T, r syncResult)
	}{
		{"none", Faults{}, func(t *testing.T, r syncResult) {
			if r.counters.Gaps != 0 || r.decodeErrs != 0 || r.closed || r.maxSilence > time.Second {
				t.Errorf("clean feed: %+v", r)
			}
		}},
		{"drop depth messages", Faults{DropRate: 0.3}, func(t *testing.T, r syncResult) {
			if r.counters.Gaps == 0 || r.counters.Resyncs == 0 || r.decodeErrs != 0 {
				t.Errorf("dropping 30%% of depth messages: %+v", r.counters)
			}
		}},
		{"disconnect", Faults{DisconnectEvery: 700 * time.Millisecond}, func(t *testing.T, r syncResult) {
			if !r.closed {
				t.Errorf("connection not closed: %+v", r)
			}
		}},
		{"malformed frames", Faults{MalformedRate: 0.2}, func(t *testing.T, r syncResult) {
			if r.decodeErrs == 0 || r.counters.Malformed == 0 {
				t.Errorf("no malformed frames seen: %+v", r)
			}
		}},
		{"latency", Faults{Latency: 300 * time.Millisecond}, func(t *testing.T, r syncResult) {
			if r.minLatency < 290*time.Millisecond || r.frames == 0 {
				t.Errorf("least depth latency %v, want 300ms", r.minLatency)
			}
		}},
		{"stall", Faults{StallAfter: 300 * time.Millisecond, StallFor: 1500 * time.Millisecond}, func(t *testing.T, r syncResult) {
			if r.maxSilence < 1200*time.Millisecond || r.counters.Gaps != 0 {
				t.Errorf("longest silence %v, want about 1.5s without gaps (%+v)", r.maxSilence, r.counters)
			}
		}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := startExchange(t, Config{Seed: uint64(10 + i), Faults: tt.faults})
			tt.check(t, syncClient(t, e.MarketDataURL(), e.RESTURL(), 2*time.Second))
		})
	}
}

// TestPingPong checks the keepalive rules: the server pings, a client that
// answers stays connected, one that does not is disconnected once the pong
// timeout has passed.
func TestPingPong(t *testing.T) {
	e := startExchange(t, Config{Seed: 20, PingInterval: 50 * time.Millisecond, PongTimeout: 300 * time.Millisecond})
	tests := []struct {
		name     string
		answer   bool
		wantOpen bool
	}{
		{"answers pings", true, true},
		{"ignores pings", false, false},
	}
	for _, tt := range tests {
		ws := dial(t, e.MarketDataURL()+"/ws/btcusdt@trade")
		pings := 0
		ws.SetPingHandler(func(data string) error {
			pings++
			if tt.answer {
				return ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
			}
			return nil
		})
		end := time.Now().Add(time.Second)
		open := true
		for time.Now().Before(end) {
			ws.SetReadDeadline(end)
			if _, _, err := ws.ReadMessage(); err != nil {
				if ne, ok := err.(interface{ Timeout() bool }); !ok || !ne.Timeout() {
					open = false
				}
				break
			}
		}
		if open != tt.wantOpen || pings == 0 {
			t.Errorf("%s: open %v after 1s with %d pings, want open %v", tt.name, open, pings, tt.wantOpen)
		}
	}
}
