package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestVenueKraken parses a valid [venue.kraken] with every key, and one with defaults.
func TestVenueKraken(t *testing.T) {
	base, err := os.ReadFile("testdata/kraken_errors.toml")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(base)
	doc = doc[:strings.Index(doc, "[[instrument]]")] + `[[instrument]]
symbol = "BTC/USD"
venue = "kraken"
price_decimals = 1
qty_decimals = 8
tick_size = "0.1"
lot_size = "0.00000001"
min_qty = "0.00005"
max_qty = "100"
` + doc[strings.Index(doc, "[[strategy]]"):strings.Index(doc, "\n[venue.kraken]")+1]
	doc = strings.Replace(doc, `instrument = "ETHUSD"`, `instrument = "BTC/USD"`, 1)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "kraken.key"), []byte("c2VjcmV0"), 0o600); err != nil {
		t.Fatal(err)
	}
	full := doc + `[venue.kraken]
ws_url = "ws://127.0.0.1:9000/kraken/v2"
ws_auth_url = "ws://127.0.0.1:9000/kraken/v2-auth"
rest_url = "http://127.0.0.1:9000"
api_key_env = "MY_KRAKEN_KEY"
api_secret_file = "kraken.key"
`
	c, err := Parse(filepath.Join(dir, "c.toml"), []byte(full))
	if err != nil {
		t.Fatal(err)
	}
	k := c.Venues.Kraken
	if k == nil || k.WSURL != "ws://127.0.0.1:9000/kraken/v2" || k.WSAuthURL != "ws://127.0.0.1:9000/kraken/v2-auth" ||
		k.RESTURL != "http://127.0.0.1:9000" || k.APIKeyEnv != "MY_KRAKEN_KEY" || k.APISecretFile != filepath.Join(dir, "kraken.key") {
		t.Fatalf("venue %+v", k)
	}
	if in := c.Instruments[0]; in.PriceDecimals != 1 || in.QtyDecimals != 8 {
		t.Fatalf("instrument %+v", in)
	}
	c, err = Parse(filepath.Join(dir, "c.toml"), []byte(doc+"[venue.kraken]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if k := c.Venues.Kraken; k == nil || k.WSURL != DefaultKrakenWSURL || k.WSAuthURL != DefaultKrakenWSAuthURL ||
		k.RESTURL != DefaultKrakenRESTURL || k.APIKeyEnv != DefaultKrakenAPIKeyEnv || k.APISecretFile != "" {
		t.Fatalf("defaults %+v", k)
	}
}
