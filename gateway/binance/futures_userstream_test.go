package binance

import "testing"

// TestFuturesUserStreamURL: the user data stream is on Binance's routed /private path,
// whatever form the configured base has; the loopback tests dial it on the local
// exchange, which refuses a listen key on the unrouted path.
func TestFuturesUserStreamURL(t *testing.T) {
	for _, c := range []struct{ base, want string }{
		{"wss://fstream.binance.com", "wss://fstream.binance.com/private/ws/KEY"},
		{"wss://fstream.binance.com/", "wss://fstream.binance.com/private/ws/KEY"},
		{"wss://fstream.binance.com/private", "wss://fstream.binance.com/private/ws/KEY"},
		{"ws://127.0.0.1:9000/fstream", "ws://127.0.0.1:9000/fstream/private/ws/KEY"},
	} {
		if got := futuresUserStreamURL(c.base, "KEY"); got != c.want {
			t.Errorf("futuresUserStreamURL(%q) = %q, want %q", c.base, got, c.want)
		}
	}
}
