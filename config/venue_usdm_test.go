package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestVenueUSDM(t *testing.T) {
	base, err := os.ReadFile("testdata/usdm_missing.toml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "key.pem"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	doc := strings.Replace(string(base), "api_key_env = \"BINANCE_USDM_KEY\"\n", `api_key_env = "BINANCE_USDM_KEY"
ws_url = "ws://127.0.0.1:9000/fstream"
rest_url = "http://127.0.0.1:9000"
ws_api_url = "ws://127.0.0.1:9000/ws-fapi/v1"
private_key_file = "key.pem"
leverage = 5
margin_mode = "isolated"

[venue.binance-usdm.symbol.ETHUSDT]
margin_mode = "cross"
expected_position = "-0.25"
`, 1)
	c, err := Parse(filepath.Join(dir, "c.toml"), []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	u := c.Venues.BinanceUSDM
	if u == nil || u.WSURL != "ws://127.0.0.1:9000/fstream" || u.RESTURL != "http://127.0.0.1:9000" ||
		u.WSAPIURL != "ws://127.0.0.1:9000/ws-fapi/v1" || u.APIKeyEnv != "BINANCE_USDM_KEY" ||
		u.PrivateKeyFile != filepath.Join(dir, "key.pem") || u.APISecretFile != "" {
		t.Fatalf("venue %+v", u)
	}
	if a := u.For("BTCUSDT"); a.Leverage != 5 || a.MarginMode != MarginIsolated || !a.ExpectedPosition.IsZero() {
		t.Errorf("BTCUSDT %+v", a)
	}
	if a := u.For("ETHUSDT"); a.Leverage != 5 || a.MarginMode != MarginCross || a.ExpectedPosition.String() != "-0.25" {
		t.Errorf("ETHUSDT %+v", a)
	}
	// Absent, the defaults are Binance's production endpoints.
	doc = strings.Replace(string(base), "[venue.binance-usdm]\n", "[venue.binance-usdm]\nleverage = 1\nmargin_mode = \"cross\"\n", 1)
	if c, err = Parse("c.toml", []byte(doc)); err != nil {
		t.Fatal(err)
	}
	if u := c.Venues.BinanceUSDM; u.WSURL != DefaultUSDMWSURL || u.RESTURL != DefaultUSDMRESTURL || u.WSAPIURL != DefaultUSDMWSAPIURL {
		t.Errorf("defaults %+v", u)
	}
}

// TestVenueUSDMRoutedWSURL: ws_url is the stream host; one that already ends in a
// routed path (or /ws, /stream) is refused naming the key, since nanotick derives
// /public, /market and /private from it.
func TestVenueUSDMRoutedWSURL(t *testing.T) {
	base, err := os.ReadFile("testdata/usdm_missing.toml")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{"wss://fstream.binance.com", true},
		{"wss://fstream.binancefuture.com", true},
		{"ws://127.0.0.1:9000/fstream", true},
		{"wss://fstream.binance.com/public", false},
		{"wss://fstream.binance.com/market/", false},
		{"wss://fstream.binance.com/private", false},
		{"wss://fstream.binance.com/ws", false},
		{"wss://fstream.binance.com/stream", false},
	} {
		doc := strings.Replace(string(base), "[venue.binance-usdm]\n",
			"[venue.binance-usdm]\nleverage = 1\nmargin_mode = \"cross\"\nws_url = \""+tc.url+"\"\n", 1)
		_, err := Parse("c.toml", []byte(doc))
		if tc.ok && err != nil {
			t.Errorf("%s: %v", tc.url, err)
		}
		if !tc.ok && (err == nil || !strings.Contains(err.Error(), "ws_url") || !strings.Contains(err.Error(), "routed paths")) {
			t.Errorf("%s: got %v, want an error naming ws_url and the routed paths", tc.url, err)
		}
	}
}
