package config

// The [venue.kraken] table: where Kraken Spot's WebSocket v2 and REST API are reached
// and where the credentials are; and what a Kraken [[instrument]] must say that other
// venues' need not.

import (
	"os"
	"strings"
)

// Defaults of [venue.kraken]: Kraken's production endpoints (docs.kraken.com: Spot
// WebSocket v2 public wss://ws.kraken.com/v2 and private wss://ws-auth.kraken.com/v2;
// REST https://api.kraken.com, where GetWebSocketsToken is).
const (
	DefaultKrakenWSURL     = "wss://ws.kraken.com/v2"
	DefaultKrakenWSAuthURL = "wss://ws-auth.kraken.com/v2"
	DefaultKrakenRESTURL   = "https://api.kraken.com"
	DefaultKrakenAPIKeyEnv = "KRAKEN_API_KEY"
)

// Kraken is the [venue.kraken] table. It names where the credentials are, never the
// credentials themselves: the API key in an environment variable, the private key
// (base64, as Kraken gives it) in api_secret_file.
type Kraken struct {
	WSURL, WSAuthURL, RESTURL string
	APIKeyEnv                 string
	// APISecretFile is the path of the file holding the private key, resolved against
	// the config file's directory; empty if not set.
	APISecretFile string
}

func (d *decoder) kraken(t *table) *Kraken {
	defer t.done()
	for _, k := range secretKeys {
		if t.has(k) {
			t.known = append(t.known, k)
			// The value is deliberately not echoed: it is a secret.
			d.errorf(t.child(k), "secrets must not be in the config; set api_key_env and api_secret_file")
		}
	}
	k := &Kraken{
		WSURL:     d.url(t, "ws_url", DefaultKrakenWSURL, "ws", "wss"),
		WSAuthURL: d.url(t, "ws_auth_url", DefaultKrakenWSAuthURL, "ws", "wss"),
		RESTURL:   d.url(t, "rest_url", DefaultKrakenRESTURL, "http", "https"),
		APIKeyEnv: t.str("api_key_env", DefaultKrakenAPIKeyEnv),
	}
	if !validEnvName(k.APIKeyEnv) {
		d.errorf(t.child("api_key_env"), "must be an environment variable name like %q, got %q", DefaultKrakenAPIKeyEnv, truncate(k.APIKeyEnv))
	}
	if f := t.str("api_secret_file", ""); f != "" {
		k.APISecretFile = d.resolve(f)
		key := t.child("api_secret_file")
		if fi, err := os.Stat(k.APISecretFile); err != nil {
			d.warnf(key, "secret file %q not found (resolved to %s); live trading will fail to authenticate", truncate(f), k.APISecretFile)
		} else if fi.Mode().Perm()&0o077 != 0 {
			d.warnf(key, "secret file %q is readable by group or others (mode %v); chmod 600 it", truncate(f), fi.Mode().Perm())
		}
	} else if t.has("api_secret_file") {
		d.errorf(t.child("api_secret_file"), "must not be empty; omit it instead")
	}
	return k
}

// krakenInstrument checks what a Kraken [[instrument]] must say besides the common
// keys. Kraken's book checksum is computed from prices and quantities written at the
// pair's price_precision and qty_precision, so the scales cannot default: a book
// decoded at other scales fails every checksum. Its symbol is BASE/QUOTE as the v2 API
// writes it ("BTC/USD", not v1's "XBT/USD").
func (d *decoder) krakenInstrument(t *table, in *Instrument) {
	for _, key := range []string{"price_decimals", "qty_decimals"} {
		if !t.has(key) {
			d.errorf(t.child("venue"), "a kraken instrument needs %s: Kraken's %s of the pair (BTC/USD: price_precision 1, qty_precision 8), at which its book checksum is computed",
				key, strings.Replace(key, "decimals", "precision", 1))
		}
	}
	base, quote, ok := strings.Cut(in.Symbol, "/")
	switch {
	case in.Symbol == "":
	case !ok || base == "" || quote == "" || strings.Contains(quote, "/"):
		d.errorf(t.child("symbol"), "a kraken symbol is BASE/QUOTE as WebSocket v2 writes it, like \"BTC/USD\", got %q", truncate(in.Symbol))
	case base == "XBT":
		d.errorf(t.child("symbol"), "WebSocket v2 names bitcoin BTC: write \"BTC/%s\", not %q", quote, in.Symbol)
	}
}
