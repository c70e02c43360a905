package binance

import "testing"

// TestUserStreamURL checks the user data stream's URL against the form Binance's USD-M
// "User Data Streams" page documents (wss://fstream.binance.com/private/ws/<listenKey>),
// not the retired unrouted /ws/<listenKey>.
func TestUserStreamURL(t *testing.T) {
	const key = "XaEAKTsQSRLZAGH9tuIu37plSRsdjmlAVBoNYPUITlTAko1WI22PgmBMpI1rS8Yh"
	for _, tc := range []struct{ base, want string }{
		{"wss://fstream.binance.com", "wss://fstream.binance.com/private/ws/" + key},
		{"wss://fstream.binance.com/", "wss://fstream.binance.com/private/ws/" + key},
		{"ws://127.0.0.1:8080/fstream", "ws://127.0.0.1:8080/fstream/private/ws/" + key},
	} {
		if got := UserStreamURL(tc.base, key); got != tc.want {
			t.Errorf("UserStreamURL(%q) = %q, want %q", tc.base, got, tc.want)
		}
	}
}
