package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestVenueBybit parses a valid [venue.bybit] with every key, and one with defaults.
func TestVenueBybit(t *testing.T) {
	base, err := os.ReadFile("testdata/bybit_category.toml")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(base)
	doc = doc[:strings.Index(doc, "\n[venue.bybit]")+1]
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bybit.secret"), []byte("s3cret"), 0o600); err != nil {
		t.Fatal(err)
	}
	full := doc + `[venue.bybit]
ws_public_url = "ws://127.0.0.1:9000/v5/public/"
ws_private_url = "ws://127.0.0.1:9000/v5/private"
ws_trade_url = "ws://127.0.0.1:9000/v5/trade"
rest_url = "http://127.0.0.1:9000"
api_key_env = "MY_BYBIT_KEY"
api_secret_file = "bybit.secret"
recv_window = "3s"
category = "linear"
`
	c, err := Parse(filepath.Join(dir, "c.toml"), []byte(full))
	if err != nil {
		t.Fatal(err)
	}
	b := c.Venues.Bybit
	if b == nil || b.PublicURL("linear") != "ws://127.0.0.1:9000/v5/public/linear" || b.WSPrivateURL != "ws://127.0.0.1:9000/v5/private" ||
		b.WSTradeURL != "ws://127.0.0.1:9000/v5/trade" || b.RESTURL != "http://127.0.0.1:9000" || b.APIKeyEnv != "MY_BYBIT_KEY" ||
		b.APISecretFile != filepath.Join(dir, "bybit.secret") || b.RecvWindow != 3*time.Second || b.Category != "linear" {
		t.Fatalf("venue %+v", b)
	}
	if in := c.Instruments[0]; in.Venue != VenueBybitLinear || in.PriceDecimals != 8 || in.QtyDecimals != 8 {
		t.Fatalf("instrument %+v", in)
	}
	c, err = Parse(filepath.Join(dir, "c.toml"), []byte(doc+"[venue.bybit]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if b := c.Venues.Bybit; b == nil || b.PublicURL("spot") != DefaultBybitWSPublicURL+"/spot" || b.WSPrivateURL != DefaultBybitWSPrivateURL ||
		b.WSTradeURL != DefaultBybitWSTradeURL || b.RESTURL != DefaultBybitRESTURL || b.APIKeyEnv != DefaultBybitAPIKeyEnv ||
		b.APISecretFile != "" || b.Category != "all" || b.RecvWindow != DefaultBybitRecvWindow {
		t.Fatalf("defaults %+v", b)
	}
}
