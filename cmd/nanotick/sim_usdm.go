package main

import (
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/nanotick/nanotick/exchange"
)

// simUSDMFlags are nanotick sim's USD-M trading flags (exchange/usdm.go).
type simUSDMFlags struct {
	fundingInterval, listenKeyLifetime *time.Duration
	leverage                           *int
}

func addSimUSDMFlags(fs *flag.FlagSet) simUSDMFlags {
	return simUSDMFlags{
		fundingInterval:   fs.Duration("funding-interval", 8*time.Hour, "USD-M funding every this long on the clock's grid (Binance's 8h; e.g. 10s to see funding in a short run)"),
		listenKeyLifetime: fs.Duration("listen-key-lifetime", time.Hour, "how long a USD-M listen key lives without a keepalive"),
		leverage:          fs.Int("leverage", 20, "every USD-M symbol's starting leverage"),
	}
}

// config checks the flags and returns the exchange's USD-M configuration.
func (f simUSDMFlags) config() (exchange.USDMConfig, error) {
	switch {
	case *f.fundingInterval < time.Second:
		return exchange.USDMConfig{}, fmt.Errorf("--funding-interval %v: want at least 1s", *f.fundingInterval)
	case *f.listenKeyLifetime < time.Second:
		return exchange.USDMConfig{}, fmt.Errorf("--listen-key-lifetime %v: want at least 1s", *f.listenKeyLifetime)
	case *f.leverage < 1 || *f.leverage > 125:
		return exchange.USDMConfig{}, fmt.Errorf("--leverage %d: want 1 to 125", *f.leverage)
	}
	return exchange.USDMConfig{FundingInterval: *f.fundingInterval, ListenKeyLifetime: *f.listenKeyLifetime, Leverage: *f.leverage}, nil
}

// printUSDMURLs prints where the perpetuals are traded: the USD-M WebSocket API, the
// REST base (listen keys, account, positions) and the user data streams.
func printUSDMURLs(w io.Writer, ex *exchange.Exchange, fut []exchange.FuturesInstrument, f simUSDMFlags) {
	if len(fut) == 0 {
		return
	}
	fmt.Fprintf(w, "usdm ws-api  %s  (order.place/modify/cancel/status, account.status, account.position)\n", ex.USDMWSAPIURL())
	fmt.Fprintf(w, "usdm rest    %s/fapi  (POST /fapi/v1/listenKey, then %s/private/ws/<listenKey>)\n", ex.RESTURL(), ex.FuturesMarketDataURL())
	fmt.Fprintf(w, "usdm funding every %v, listen keys live %v, leverage %dx\n", *f.fundingInterval, *f.listenKeyLifetime, *f.leverage)
}
