package config

// The [venue.bybit] table: where Bybit v5's public streams, private streams, trade API
// and REST API are reached, where the credentials are, and which of Bybit's markets the
// config may trade. Its instruments are bybit-spot:SYMBOL and bybit-linear:SYMBOL (the
// USDT perpetuals), one venue table for both, as one Bybit account (the unified trading
// account) trades both.

import (
	"os"
	"strings"
	"time"
)

// Defaults of [venue.bybit]: Bybit's production endpoints (bybit-exchange/docs
// v5/ws/connect: public wss://stream.bybit.com/v5/public/{spot,linear}, private
// wss://stream.bybit.com/v5/private, order entry wss://stream.bybit.com/v5/trade;
// v5/guide: REST https://api.bybit.com), and the receive window Bybit applies when a
// request gives none (5000 ms).
const (
	DefaultBybitWSPublicURL  = "wss://stream.bybit.com/v5/public"
	DefaultBybitWSPrivateURL = "wss://stream.bybit.com/v5/private"
	DefaultBybitWSTradeURL   = "wss://stream.bybit.com/v5/trade"
	DefaultBybitRESTURL      = "https://api.bybit.com"
	DefaultBybitAPIKeyEnv    = "BYBIT_API_KEY"
	DefaultBybitRecvWindow   = 5 * time.Second
)

// The instrument venues of Bybit's markets.
const (
	VenueBybitSpot   Venue = "bybit-spot"
	VenueBybitLinear Venue = "bybit-linear"
)

// Bybit is the [venue.bybit] table. It names where the credentials are, never the
// credentials themselves: the API key in an environment variable, the HMAC secret in
// api_secret_file (or, without it, in the variable named like the key's with _SECRET
// for _KEY).
type Bybit struct {
	// WSPublicURL is the base of the public streams; the category is appended
	// ("/spot", "/linear"), as Bybit's endpoints are named.
	WSPublicURL, WSPrivateURL, WSTradeURL, RESTURL string
	APIKeyEnv                                      string
	// APISecretFile is the path of the file holding the secret, resolved against the
	// config file's directory; empty if not set.
	APISecretFile string
	// Category is which of Bybit's markets the config may trade: "spot", "linear", or
	// "all" (the default). An instrument of another category is an error: an account
	// may be set up for one market only.
	Category string
	// RecvWindow is X-BAPI-RECV-WINDOW: how long after its timestamp Bybit still takes
	// a request.
	RecvWindow time.Duration
	// FundingInterval is the local exchange's funding grid for the perpetuals (sim =
	// true only; Bybit's own is the symbol's, 8 hours for BTCUSDT); 0 means 8 hours.
	FundingInterval time.Duration
}

// PublicURL returns the public stream endpoint of category ("spot", "linear").
func (b *Bybit) PublicURL(category string) string {
	return strings.TrimSuffix(b.WSPublicURL, "/") + "/" + category
}

func (d *decoder) bybit(t *table) *Bybit {
	defer t.done()
	for _, k := range secretKeys {
		if t.has(k) {
			t.known = append(t.known, k)
			// The value is deliberately not echoed: it is a secret.
			d.errorf(t.child(k), "secrets must not be in the config; set api_key_env and api_secret_file")
		}
	}
	b := &Bybit{
		WSPublicURL:  d.url(t, "ws_public_url", DefaultBybitWSPublicURL, "ws", "wss"),
		WSPrivateURL: d.url(t, "ws_private_url", DefaultBybitWSPrivateURL, "ws", "wss"),
		WSTradeURL:   d.url(t, "ws_trade_url", DefaultBybitWSTradeURL, "ws", "wss"),
		RESTURL:      d.url(t, "rest_url", DefaultBybitRESTURL, "http", "https"),
		APIKeyEnv:    t.str("api_key_env", DefaultBybitAPIKeyEnv),
		Category:     t.enum("category", "all", "spot", "linear", "all"),
		RecvWindow:   t.duration("recv_window", DefaultBybitRecvWindow),
	}
	if s := strings.TrimSuffix(b.WSPublicURL, "/"); strings.HasSuffix(s, "/spot") || strings.HasSuffix(s, "/linear") {
		d.errorf(t.child("ws_public_url"), "is the base of the public streams, without the category (nanotick appends /spot and /linear), got %q", truncate(b.WSPublicURL))
	}
	if !validEnvName(b.APIKeyEnv) {
		d.errorf(t.child("api_key_env"), "must be an environment variable name like %q, got %q", DefaultBybitAPIKeyEnv, truncate(b.APIKeyEnv))
	}
	// Bybit refuses a request whose timestamp is further than the window from its
	// clock; it documents 5000 ms as the default and recommends a small window.
	if t.has("recv_window") && (b.RecvWindow < 100*time.Millisecond || b.RecvWindow > time.Minute) {
		d.errorf(t.child("recv_window"), "must be between 100ms and 1m, got %q", b.RecvWindow)
	}
	if t.has("funding_interval") {
		b.FundingInterval = t.duration("funding_interval", 0)
		if sim, _ := t.m["sim"].(bool); !sim {
			d.errorf(t.child("funding_interval"), "only the local exchange's funding interval can be set: it needs sim = true (Bybit sets each symbol's)")
		} else if b.FundingInterval < time.Second {
			d.errorf(t.child("funding_interval"), "must be at least 1s, got %v", b.FundingInterval)
		}
	}
	if f := t.str("api_secret_file", ""); f != "" {
		b.APISecretFile = d.resolve(f)
		key := t.child("api_secret_file")
		if fi, err := os.Stat(b.APISecretFile); err != nil {
			d.warnf(key, "secret file %q not found (resolved to %s); live trading will fail to authenticate", truncate(f), b.APISecretFile)
		} else if fi.Mode().Perm()&0o077 != 0 {
			d.warnf(key, "secret file %q is readable by group or others (mode %v); chmod 600 it", truncate(f), fi.Mode().Perm())
		}
	} else if t.has("api_secret_file") {
		d.errorf(t.child("api_secret_file"), "must not be empty; omit it instead")
	}
	return b
}

// bybitCategories refuses an instrument of a Bybit market [venue.bybit] does not allow.
func (d *decoder) bybitCategories(c *Config) {
	b := c.Venues.Bybit
	if b == nil || b.Category == "all" {
		return
	}
	for i, in := range c.Instruments {
		if in.Venue != VenueBybitSpot && in.Venue != VenueBybitLinear || string(in.Venue) == "bybit-"+b.Category {
			continue
		}
		d.errorf("venue.bybit.category", "is %q: instrument[%d] %s:%s may not trade (set category = \"%s\" or \"all\")", b.Category, i, in.Venue, in.Symbol, strings.TrimPrefix(string(in.Venue), "bybit-"))
	}
}
