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
