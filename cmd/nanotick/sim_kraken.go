package main

import (
	"encoding/base64"
	"flag"
	"fmt"
	"io"

	"github.com/nanotick/nanotick/exchange"
)

// simKrakenSecret is the local exchange account's private key when it serves Kraken:
// Kraken's private keys are base64, and the token request's signature is made with the
// decoded bytes.
var simKrakenSecret = base64.StdEncoding.EncodeToString([]byte(simDefaultSecret))

// simVenueDefaults applies --venue's defaults to the flags not given on the command
// line and returns the account's default secret.
func simVenueDefaults(fs *flag.FlagSet, venue string, symbols, balances *string) (string, error) {
	if venue != "kraken" {
		return "", fmt.Errorf("--venue %q: want kraken (Binance and Bybit are always served)", venue)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if !set["symbols"] {
		*symbols = "BTCUSD"
	}
	if !set["balances"] {
		*balances = "USD=100000,BTC=1"
	}
	return simKrakenSecret, nil
}

// printKrakenURLs prints where the local exchange serves Kraken's v2 protocol
// (exchange/kraken.go, kraken_trade.go) for the listed markets.
func printKrakenURLs(w io.Writer, ex *exchange.Exchange, spot []exchange.Instrument) {
	for _, in := range spot {
		fmt.Fprintf(w, "kraken       %s  (subscribe book, trade %s; instrument)\n", ex.KrakenURL(), exchange.KrakenSymbol(in))
	}
	fmt.Fprintf(w, "kraken auth  %s  (token: POST %s/0/private/GetWebSocketsToken)\n", ex.KrakenAuthURL(), ex.KrakenRESTURL())
}
