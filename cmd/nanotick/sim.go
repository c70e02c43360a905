package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/nanotick/nanotick/exchange"
)

const simUsage = `usage: nanotick sim [flags]

Serves nanotick's local exchange on 127.0.0.1: a synthetic BTCUSDT market (or a
replayed recording) in Binance Spot's protocols, market data streams, the REST
depth snapshot and the WebSocket API for orders, and prints their URLs. It runs
until interrupted (Ctrl-C) or for --duration.

Without --api-key, one account is opened with the api key "nanotick" and the
HMAC secret "nanotick-secret": the exchange listens on loopback only and holds
nothing but play money. The key and secret print masked unless
--show-credentials is given.

With --replay, orders are matched against the replayed book and trades
(paper trading): a resting order fills when recorded trades at its price have
used up the quantity queued ahead of it, as the backtester's queue model does.

examples:
  nanotick sim --duration 1m
  nanotick sim --replay ../shared/data/binance-spot-btcusdt-20240808.gz --speed 10
  nanotick sim --drop-rate 0.01 --disconnect-every 30s

flags:`

// Default credentials of the local exchange's one account: known values, so
// that a newcomer can trade against it without configuring anything.
const (
	simDefaultKey    = "nanotick"
	simDefaultSecret = "nanotick-secret"
)

// runSim implements "nanotick sim". Exit status: 0 done, 1 the exchange
// failed, 2 a bad command line.
func runSim(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, simUsage)
		fs.PrintDefaults()
	}
	listen := fs.String("listen", "127.0.0.1:0", "address to listen on")
	seed := fs.Uint64("seed", 1, "seed of the synthetic market and of the fault injection")
	replay := fs.String("replay", "", "recording of Binance Spot frames to serve instead of the synthetic market")
	speed := fs.Float64("speed", 1, "replay pace relative to the recording")
	dropRate := fs.Float64("drop-rate", 0, "fraction of depth messages dropped (creates sequence gaps)")
	disconnect := fs.Duration("disconnect-every", 0, "close every connection this long after it opens")
	latency := fs.Duration("latency", 0, "delay every message by this much")
	malformed := fs.Float64("malformed-rate", 0, "fraction of market data messages replaced by malformed frames")
	stallAfter := fs.Duration("stall-after", 0, "stall the market data this long after the start...")
	stallFor := fs.Duration("stall-for", 0, "...for this long")
	apiKey := fs.String("api-key", "", "api key of the trading account (default "+simDefaultKey+")")
	secretFile := fs.String("api-secret-file", "", "file holding the account's HMAC secret (required with --api-key)")
	balances := fs.String("balances", "USDT=100000,BTC=1", "the account's starting balances, ASSET=AMOUNT,...")
	duration := fs.Duration("duration", 0, "stop after this long (default: run until interrupted)")
	showCreds := fs.Bool("show-credentials", false, "print the api key and secret in full")
	makerFee := fs.String("maker-fee", "", "maker commission rate, e.g. 0.001 (default none)")
	takerFee := fs.String("taker-fee", "", "taker commission rate, e.g. 0.001 (default none)")
	feeAsset := fs.String("fee-asset", "", `commission asset: "" for the received asset, or BNB`)
	bnbPrice := fs.String("bnb-price", "", "price of 1 BNB in the quote asset, to charge commission in BNB")
	weightLimit := fs.Int("weight-limit", 0, "request weight per minute (default Binance's 6000)")
	rateLimitRate := fs.Float64("rate-limit-rate", 0, "fraction of WebSocket API requests answered 429 (fault injection)")
	statusLag := fs.Duration("status-lag", 0, "order.status answers -2013 for this long after an order is placed")
	reportsFirst := fs.Float64("reports-first", 0, "fraction of requests whose execution reports precede the response")
	symbols := fs.String("symbols", "BTCUSDT", "spot symbols to list, comma-separated ("+strings.Join(simSpotNames(), ", ")+"); the ones after the first move with it")
	venue := fs.String("venue", "", `"kraken" lists BTCUSD (Kraken's BTC/USD) with USD balances and a base64 secret, for Kraken's v2 protocol`)
	perps := fs.String("perps", "", "USD-M perpetuals whose market data to serve under /fstream and /fapi, comma-separated ("+strings.Join(simPerpNames(), ", ")+")")
	usdmFlags := addSimUSDMFlags(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "nanotick sim: "+format+"\n", a...)
		return 2
	}
	if fs.NArg() > 0 {
		return fail("unexpected argument %q", fs.Arg(0))
	}
	if *duration < 0 || *speed <= 0 {
		return fail("--duration must not be negative and --speed must be positive")
	}
	key, secret := simDefaultKey, simDefaultSecret
	if *venue != "" {
		var err error
		if secret, err = simVenueDefaults(fs, *venue, symbols, balances); err != nil {
			return fail("%v", err)
		}
	}
	switch {
	case *apiKey != "" && *secretFile == "":
		return fail("--api-key needs --api-secret-file")
	case *apiKey == "" && *secretFile != "":
		return fail("--api-secret-file needs --api-key")
	case *apiKey != "":
		b, err := os.ReadFile(*secretFile)
		if err != nil {
			return fail("reading the api secret: %v", err)
		}
		key, secret = *apiKey, strings.TrimSpace(string(b))
		if secret == "" {
			return fail("%s: empty api secret", *secretFile)
		}
	}
	bal := map[string]string{}
	for _, kv := range strings.Split(*balances, ",") {
		if kv = strings.TrimSpace(kv); kv == "" {
			continue
		}
		asset, amount, ok := strings.Cut(kv, "=")
		if !ok || asset == "" {
			return fail("--balances: %q is not ASSET=AMOUNT", kv)
		}
		bal[strings.ToUpper(asset)] = amount
	}

	spot, fut, err := simMarkets(*symbols, *perps)
	if err != nil {
		return fail("%v", err)
	}
	usdmCfg, err := usdmFlags.config()
	if err != nil {
		return fail("%v", err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *duration)
		defer cancel()
	}
	ex, err := exchange.Start(ctx, exchange.Config{
		Instruments: spot, Futures: fut,
		Listen: *listen,
		Seed:   *seed,
		Replay: *replay,
		Speed:  *speed,
		Faults: exchange.Faults{
			DropRate: *dropRate, DisconnectEvery: *disconnect, Latency: *latency,
			MalformedRate: *malformed, StallAfter: *stallAfter, StallFor: *stallFor,
			RateLimitRate: *rateLimitRate,
		},
		Commission:       exchange.Commission{Maker: *makerFee, Taker: *takerFee, Asset: *feeAsset, BNBPrice: *bnbPrice},
		Limits:           exchange.RateLimits{WeightPerMinute: *weightLimit},
		StatusLag:        *statusLag,
		ReportsFirstRate: *reportsFirst,
		Accounts:         []exchange.AccountConfig{{APIKey: key, Secret: secret, Balances: bal}},
		USDM:             usdmCfg,
	})
	if err != nil {
		fmt.Fprintf(stderr, "nanotick sim: %v\n", err)
		return 1
	}
	defer ex.Close()

	if *replay != "" {
		fmt.Fprintf(stdout, "nanotick sim: replaying %s at %gx (paper trading: orders match the replayed book and trades)\n", *replay, *speed)
	} else {
		fmt.Fprintf(stdout, "nanotick sim: synthetic %s market, seed %d\n", strings.Join(simListed(spot, fut), ", "), *seed)
	}
	printSimURLs(stdout, ex, spot, fut)
	if *replay == "" {
		printBybitURLs(stdout, ex, spot, fut) // a replay is Binance frames only
		printKrakenURLs(stdout, ex, spot)
	}
	fmt.Fprintf(stdout, "ws-api       %s\n", ex.WSAPIURL())
	printUSDMURLs(stdout, ex, fut, usdmFlags)
	shownKey, shownSecret := mask(key), "****"
	if *showCreds {
		shownKey, shownSecret = key, secret
	}
	if key == simDefaultKey {
		fmt.Fprintf(stdout, "account      api key %q, HMAC secret %q, balances %s\n", shownKey, shownSecret, *balances)
	} else {
		fmt.Fprintf(stdout, "account      api key %q (secret from %s), balances %s\n", shownKey, *secretFile, *balances)
	}
	if !*showCreds {
		fmt.Fprintf(stdout, "             (credentials masked: --show-credentials prints them)\n")
	}
	<-ctx.Done()
	ex.Close()
	if v, ok := ex.Account(key); ok {
		fmt.Fprintf(stdout, "nanotick sim: stopped; account %q: %d open orders, position %v, PnL %v\n",
			shownKey, len(v.OpenOrders), v.Position["BTCUSDT"], v.PnL["BTCUSDT"])
	}
	return 0
}

// mask shows the first four characters of a key and hides the rest, as the
// gateway's credentials print.
func mask(s string) string {
	if len(s) <= 4 {
		return "****"
	}
	return s[:4] + "****"
}
