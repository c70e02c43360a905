package config

// The [venue.binance-usdm] table: where Binance USD-M futures are reached, where the
// credentials are, and how each perpetual's account is set up before trading.

import (
	"os"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Defaults of [venue.binance-usdm]: Binance's production endpoints (USDⓈ-M Futures
// "General Info": REST base https://fapi.binance.com, streams wss://fstream.binance.com,
// WebSocket API wss://ws-fapi.binance.com/ws-fapi/v1).
//
// ws_url is the stream host. Binance routes USD-M streams by path since 2026-04-23
// ("Market Data Streams": "USD-M Futures routes streams by path"; USD-M "User Data
// Streams"): nanotick derives <ws_url>/public (depth), <ws_url>/market (trades, the
// mark price) and <ws_url>/private/ws/<listenKey> (user data) from it. A ws_url that
// already ends in a routed path (or /ws, /stream) is a config error: the unrouted host
// alone delivers no mark price and no user data, silently, and a routed one would be
// routed twice.
const (
	DefaultUSDMWSURL    = "wss://fstream.binance.com"
	DefaultUSDMRESTURL  = "https://fapi.binance.com"
	DefaultUSDMWSAPIURL = "wss://ws-fapi.binance.com/ws-fapi/v1"
	// MaxUSDMLeverage is the highest initial leverage POST /fapi/v1/leverage takes.
	MaxUSDMLeverage = 125
)

// The margin modes of a USD-M position (Binance's marginType CROSSED and ISOLATED).
const (
	MarginCross    = "cross"
	MarginIsolated = "isolated"
)

// BinanceUSDM is the [venue.binance-usdm] table. It names where the credentials are,
// never the credentials themselves: an HMAC secret in api_secret_file, or an Ed25519
// private key (PEM) in private_key_file.
type BinanceUSDM struct {
	WSURL, RESTURL, WSAPIURL string
	APIKeyEnv                string
	// APISecretFile holds the HMAC secret, PrivateKeyFile the Ed25519 key; at most one
	// is set, resolved against the config file's directory.
	APISecretFile, PrivateKeyFile string
	// Account is how every perpetual's account is set up at start; Symbols override it
	// per symbol ([venue.binance-usdm.symbol.BTCUSDT]).
	Account USDMAccount
	Symbols map[string]USDMAccount
	// FundingInterval is the local exchange's funding interval when the venue is
	// simulated (sim = true): a short one (10s) lets a short run see funding. 0: the
	// exchange's default (8h, Binance's).
	FundingInterval time.Duration
}

// USDMAccount is how one perpetual's account is set up and what it must hold at start.
type USDMAccount struct {
	// Leverage is the initial leverage set at start, 1 to 125.
	Leverage int
	// MarginMode is MarginCross or MarginIsolated.
	MarginMode string
	// ExpectedPosition is the signed position the venue must hold at start (default 0):
	// any other refuses to trade.
	ExpectedPosition decimal.Decimal
}

// For returns the account settings of symbol: its own table's, else the venue's.
func (b *BinanceUSDM) For(symbol string) USDMAccount {
	if a, ok := b.Symbols[symbol]; ok {
		return a
	}
	return b.Account
}

// validUSDMSymbol reports whether sym is 2 to 30 upper-case letters and digits
// (^[A-Z0-9]{2,30}$). It is a loop, not a regexp compiled at package initialisation,
// which every nanotick command would pay.
func validUSDMSymbol(sym string) bool {
	if len(sym) < 2 || len(sym) > 30 {
		return false
	}
	for i := 0; i < len(sym); i++ {
		if c := sym[i]; !('A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

func (d *decoder) binanceUSDM(t *table) *BinanceUSDM {
	defer t.done()
	for _, k := range secretKeys {
		if t.has(k) {
			t.known = append(t.known, k)
			d.errorf(t.child(k), "secrets must not be in the config; set api_key_env, and api_secret_file or private_key_file")
		}
	}
	b := &BinanceUSDM{
		WSURL:     d.url(t, "ws_url", DefaultUSDMWSURL, "ws", "wss"),
		RESTURL:   d.url(t, "rest_url", DefaultUSDMRESTURL, "http", "https"),
		WSAPIURL:  d.url(t, "ws_api_url", DefaultUSDMWSAPIURL, "ws", "wss"),
		APIKeyEnv: t.str("api_key_env", DefaultAPIKeyEnv),
	}
	if p := usdmRoutedSuffix(b.WSURL); p != "" {
		d.errorf(t.child("ws_url"), "must be the stream host like %q, not a URL ending in %s: nanotick derives the routed paths /public, /market and /private from it", DefaultUSDMWSURL, p)
	}
	if !validEnvName(b.APIKeyEnv) {
		d.errorf(t.child("api_key_env"), "must be an environment variable name like %q, got %q", DefaultAPIKeyEnv, truncate(b.APIKeyEnv))
	}
	b.APISecretFile = d.keyFile(t, "api_secret_file")
	b.PrivateKeyFile = d.keyFile(t, "private_key_file")
	if b.APISecretFile != "" && b.PrivateKeyFile != "" {
		d.errorf(t.child("private_key_file"), "set api_secret_file (an HMAC key) or private_key_file (an Ed25519 key), not both")
	}
	sim, _ := t.m["sim"].(bool)
	b.Account = d.usdmAccount(t, nil, sim)
	if t.has("funding_interval") {
		b.FundingInterval = t.duration("funding_interval", 0)
		if !sim {
			d.errorf(t.child("funding_interval"), "only the local exchange's funding interval can be set: it needs sim = true (Binance funds every 8 hours)")
		} else if b.FundingInterval < time.Second {
			d.errorf(t.child("funding_interval"), "must be at least 1s, got %v", b.FundingInterval)
		}
	}
	if st := t.table("symbol"); st != nil {
		b.Symbols = map[string]USDMAccount{}
		names := make([]string, 0, len(st.m))
		for k := range st.m {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, sym := range names {
			if !validUSDMSymbol(sym) {
				st.known = append(st.known, sym)
				d.errorf(st.child(sym), "must be a symbol as Binance writes it, like \"BTCUSDT\"")
				continue
			}
			if s := st.table(sym); s != nil {
				b.Symbols[sym] = d.usdmAccount(s, &b.Account, sim)
				s.done()
			}
		}
		st.done()
	}
	return b
}

// usdmAccount decodes leverage, margin_mode and expected_position; with a parent (a
// symbol's table) absent keys take the parent's values, without one leverage and
// margin_mode are required: nanotick never trades Binance at a leverage nobody chose.
// Against the local exchange (sim) they may be left out: the exchange's own apply.
func (d *decoder) usdmAccount(t *table, parent *USDMAccount, sim bool) USDMAccount {
	var a USDMAccount
	if parent != nil {
		a = *parent
	}
	if parent == nil && !sim {
		t.required("leverage", "the initial leverage set on each perpetual at start, 1 to 125")
	}
	if t.has("leverage") {
		l := t.integer("leverage", 0)
		if l < 1 || l > MaxUSDMLeverage {
			d.errorf(t.child("leverage"), "must be 1 to %d, got %d", MaxUSDMLeverage, l)
		} else {
			a.Leverage = int(l)
		}
	}
	if parent == nil && !sim {
		t.required("margin_mode", `"cross" or "isolated"`)
	}
	if t.has("margin_mode") {
		a.MarginMode = t.enum("margin_mode", a.MarginMode, MarginCross, MarginIsolated)
	}
	if x, ok := t.dec("expected_position"); ok {
		a.ExpectedPosition = x
	}
	return a
}

// keyFile decodes the path of a credentials file at key: resolved against the config's
// directory; a missing or group-readable file is only a warning, since configs are
// checked on machines that rightly do not hold production secrets.
func (d *decoder) keyFile(t *table, key string) string {
	f := t.str(key, "")
	if f == "" {
		if t.has(key) {
			d.errorf(t.child(key), "must not be empty; omit it instead")
		}
		return ""
	}
	path := d.resolve(f)
	if fi, err := os.Stat(path); err != nil {
		d.warnf(t.child(key), "file %q not found (resolved to %s); live trading will fail to authenticate", truncate(f), path)
	} else if fi.Mode().Perm()&0o077 != 0 {
		d.warnf(t.child(key), "file %q is readable by group or others (mode %v); chmod 600 it", truncate(f), fi.Mode().Perm())
	}
	return path
}

// usdmRoutedSuffix returns the routed or stream path u ends in ("/public", "/market",
// "/private", "/ws", "/stream"), or "".
func usdmRoutedSuffix(u string) string {
	u = strings.TrimRight(u, "/")
	for _, p := range []string{"/public", "/market", "/private", "/ws", "/stream"} {
		if strings.HasSuffix(u, p) {
			return p
		}
	}
	return ""
}
