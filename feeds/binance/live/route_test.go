package live

import (
	"bytes"
	"strings"
	"testing"
)

func twoSymbols(t testing.TB) *MarketData {
	m, err := NewMarketData(MarketDataConfig{Name: "binance-spot", URL: "wss://stream.binance.com:9443",
		Instruments: []MarketDataInstrument{{Index: 0, Symbol: "BTCUSDT"}, {Index: 3, Symbol: "ETHUSDT"}}})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestRoute: a combined-stream message goes to the instrument its stream name names, as
// Binance lays it out or otherwise; anything else goes nowhere.
func TestRoute(t *testing.T) {
	m := twoSymbols(t)
	for _, c := range []struct {
		frame string
		at    int
		ok    bool
	}{
		{`{"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate"}}`, 0, true},
		{`{"stream":"ethusdt@trade","data":{}}`, 1, true},
		{`{"stream":"ETHUSDT@trade","data":{}}`, 1, true},
		{`{"data":{"e":"trade"},"stream":"ethusdt@trade"}`, 1, true},
		{`{ "stream" : "btcusdt@depth", "data":{}}`, 0, true},
		{`{"stream":"bnbusdt@trade","data":{}}`, 0, false},
		{`{"stream":"btcusdtx@trade","data":{}}`, 0, false},
		{`{"stream":"btcusd@trade","data":{}}`, 0, false},
		{`{"stream":"@trade","data":{}}`, 0, false},
		{`{"stream":"btcusdt","data":{}}`, 0, false},
		{`{"result":null,"id":1}`, 0, false},
		{`{"stream":5}`, 0, false},
		{``, 0, false},
	} {
		at, ok := m.route([]byte(c.frame))
		if ok != c.ok || ok && at != c.at {
			t.Errorf("route(%s) = %d, %v; want %d, %v", c.frame, at, ok, c.at, c.ok)
		}
	}
	if got := m.Instruments(); len(got) != 2 || got[0] != 0 || got[1] != 3 {
		t.Errorf("instruments %v", got)
	}
}

func TestRouteAllocatesNothing(t *testing.T) {
	m := twoSymbols(t)
	f := []byte(`{"stream":"ethusdt@depth@100ms","data":{"e":"depthUpdate"}}`)
	g := []byte(`{"data":{},"stream":"btcusdt@trade"}`)
	if n := testing.AllocsPerRun(1000, func() { m.route(f); m.route(g) }); n != 0 {
		t.Errorf("%.1f allocations per route", n)
	}
}

func TestCombinedStreamURL(t *testing.T) {
	got, err := CombinedStreamURL("wss://stream.binance.com:9443", []string{"BTCUSDT", "ETHUSDT"}, "depth@100ms", "trade")
	want := "wss://stream.binance.com:9443/stream?streams=btcusdt@depth@100ms/btcusdt@trade/ethusdt@depth@100ms/ethusdt@trade"
	if err != nil || got != want {
		t.Errorf("got %q, %v\nwant %q", got, err, want)
	}
	if _, err := CombinedStreamURL("wss://x", nil, "trade"); err == nil {
		t.Error("no symbols accepted")
	}
	if _, err := CombinedStreamURL("wss://x", []string{"BTC/USDT"}, "trade"); err == nil {
		t.Error("a bad symbol accepted")
	}
	many := make([]string, 101)
	for i := range many {
		many[i] = "S" + strings.Repeat("X", i%5+1) + string(rune('A'+i%26))
	}
	if _, err := CombinedStreamURL("wss://x", many, "depth", "trade"); err == nil {
		t.Error("202 streams accepted on one connection")
	}
	if _, err := NewMarketData(MarketDataConfig{URL: "wss://x", Instruments: []MarketDataInstrument{{0, "BTCUSDT"}, {1, "btcusdt"}}}); err == nil {
		t.Error("one symbol twice accepted")
	}
}

// FuzzRoute: any frame routes to one of the connection's instruments or to none,
// without panicking, and only to the one whose symbol its stream name starts with.
func FuzzRoute(f *testing.F) {
	for _, s := range []string{`{"stream":"btcusdt@depth@100ms","data":{}}`, `{"data":{},"stream":"ethusdt@trade"}`,
		`{"stream":"`, `{"stream" :`, `"stream":"@`} {
		f.Add([]byte(s))
	}
	m := twoSymbols(f)
	f.Fuzz(func(t *testing.T, frame []byte) {
		at, ok := m.route(frame)
		if !ok {
			return
		}
		if at < 0 || at > 1 {
			t.Fatalf("route to %d", at)
		}
		sym := []string{"btcusdt@", "ethusdt@"}[at]
		if !bytes.Contains(bytes.ToLower(frame), []byte(sym)) {
			t.Fatalf("routed to %s without its stream name: %q", sym, frame)
		}
	})
}
