package main

// Bybit v5 in a live session: each category (spot, linear) is a venue group with one
// public connection for all its instruments (feeds/bybit/live) and one order gateway
// per instrument (gateway/bybit: trade API plus private streams, reconciled over REST).
// With sim = true in [venue.bybit] both connect to the local exchange's Bybit front end.

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/nanotick/nanotick/config"
	"github.com/nanotick/nanotick/engine"
	"github.com/nanotick/nanotick/exchange"
	bylive "github.com/nanotick/nanotick/feeds/bybit/live"
	gwbybit "github.com/nanotick/nanotick/gateway/bybit"
	"github.com/nanotick/nanotick/instrument"
	livesession "github.com/nanotick/nanotick/session"
)

// bybitEndpoints are where a Bybit group connects.
type bybitEndpoints struct {
	public, trade, private, rest string
	creds                        gwbybit.Credentials
}

// bybitEndpointsOf returns where group g of category connects: the local exchange, or
// [venue.bybit].
func bybitEndpointsOf(w *venueWiring, g venueGroup, category string) (bybitEndpoints, error) {
	if g.Sim {
		creds, err := gwbybit.NewCredentials(w.simKey, w.simSecret)
		return bybitEndpoints{public: w.ex.BybitURL(category), trade: w.ex.BybitTradeURL(), private: w.ex.BybitPrivateURL(),
			rest: w.ex.RESTURL(), creds: creds}, err
	}
	b := w.cfg.Venues.Bybit
	if b == nil {
		return bybitEndpoints{}, fmt.Errorf("venue %s needs a [venue.bybit] table with its URLs and credentials (or sim = true)", g.Venue)
	}
	creds, err := bybitCredentials(b.APIKeyEnv, b.APISecretFile)
	if err != nil {
		return bybitEndpoints{}, fmt.Errorf("credentials: %w", err)
	}
	return bybitEndpoints{public: b.PublicURL(category), trade: b.WSTradeURL, private: b.WSPrivateURL, rest: b.RESTURL, creds: creds}, nil
}

// bybitCredentials loads the API key from the environment variable keyEnv and the
// secret from secretFile (chmod 600), or, without one, from the variable named like the
// key's with _SECRET for _KEY (BYBIT_API_SECRET).
func bybitCredentials(keyEnv, secretFile string) (gwbybit.Credentials, error) {
	if secretFile == "" {
		return gwbybit.CredentialsFromEnv(keyEnv, strings.TrimSuffix(keyEnv, "_KEY")+"_SECRET")
	}
	fi, err := os.Stat(secretFile)
	if err != nil {
		return gwbybit.Credentials{}, err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return gwbybit.Credentials{}, fmt.Errorf("%s is readable by group or others: chmod 600 it", secretFile)
	}
	data, err := os.ReadFile(secretFile)
	if err != nil {
		return gwbybit.Credentials{}, err
	}
	key := os.Getenv(keyEnv)
	if key == "" {
		return gwbybit.Credentials{}, fmt.Errorf("environment variable %s (the API key) is not set", keyEnv)
	}
	return gwbybit.NewCredentials(key, strings.TrimSpace(string(data)))
}

func buildBybitSpot(w *venueWiring, g venueGroup) (venueParts, error) {
	return buildBybit(w, g, gwbybit.Spot)
}

func buildBybitLinear(w *venueWiring, g venueGroup) (venueParts, error) {
	return buildBybit(w, g, gwbybit.Linear)
}

// buildBybit builds a Bybit group of category: the instruments checked against Bybit's
// instruments-info, a started gateway per instrument, then the category's public
// connection. A spot ticker carries nothing the engine reads (no
// mark price), so spot subscribes none; the local exchange serves no publicTrade, so a
// sim group leaves it out rather than be refused.
func buildBybit(w *venueWiring, g venueGroup, category gwbybit.Category) (venueParts, error) {
	ep, err := bybitEndpointsOf(w, g, string(category))
	if err != nil {
		return venueParts{}, err
	}
	venue := w.cfg.Venues.Bybit
	// The table's rules against Bybit's instruments-info, before anything connects to
	// trade: a difference refuses the start.
	specs := make([]*instrument.Spec, 0, len(g.Instruments))
	for _, i := range g.Instruments {
		specs = append(specs, w.table.At(i))
	}
	if err := gwbybit.CheckInstruments(w.ctx, nil, ep.rest, category, specs); err != nil {
		return venueParts{}, fmt.Errorf("%w (refusing to trade)", err)
	}
	parts := venueParts{gateways: map[instrument.Index]engine.Gateway{}}
	closeAll := func() {
		for _, gw := range parts.unique {
			gw.Close()
		}
	}
	var mdi []bylive.Instrument
	for _, i := range g.Instruments {
		sp := w.table.At(i)
		if sp.Base == "" || sp.Quote == "" {
			closeAll()
			return venueParts{}, fmt.Errorf("instrument %s: base and quote assets unknown (give base and quote in its [[instrument]])", sp.ID)
		}
		mdi = append(mdi, bylive.Instrument{Index: i, Symbol: sp.ID.Symbol})
		cfg := gwbybit.Config{
			TradeURL: ep.trade, PrivateURL: ep.private, RESTURL: ep.rest,
			Category: category, Instrument: i, Symbol: sp.ID.Symbol, BaseAsset: sp.Base, QuoteAsset: sp.Quote,
			PriceScale: sp.PriceScale, QtyScale: sp.QtyScale,
			Credentials: ep.creds,
			Wake:        w.waker.Wake,
			OnFatal:     func(error) { w.halt() },
			Logger:      w.log,
		}
		if venue != nil && !g.Sim {
			cfg.RecvWindow = venue.RecvWindow
		}
		gw, err := gwbybit.New(cfg)
		if err != nil {
			closeAll()
			return venueParts{}, err
		}
		if _, err := gw.Start(context.WithoutCancel(w.ctx)); err != nil {
			gw.Close()
			closeAll()
			return venueParts{}, fmt.Errorf("gateway %s: %w (refusing to trade)", sp.ID, err)
		}
		parts.gateways[i] = gw
		parts.unique = append(parts.unique, gwbybit.SessionGateway{Gateway: gw})
		if category == gwbybit.Linear {
			parts.bybitPerps = append(parts.bybitPerps, bybitPerp{gw: gw, name: sp.ID.String()})
		}
	}
	conn, err := bylive.New(bylive.Config{Name: g.Venue, URL: ep.public, Instruments: mdi,
		NoTrades: g.Sim, NoTickers: category == gwbybit.Spot, Logger: w.log})
	if err != nil {
		closeAll()
		return venueParts{}, err
	}
	parts.md = bylive.MarketData{Conn: conn}
	return parts, nil
}

var _ livesession.MarketData = bylive.MarketData{}

// hasFutures reports whether list has a perpetual sym.
func hasFutures(list []exchange.FuturesInstrument, sym string) bool {
	for _, in := range list {
		if in.Symbol == sym {
			return true
		}
	}
	return false
}

// bybitSimLinear is the local exchange's Bybit perpetuals setting from [venue.bybit]:
// its funding interval, when sim = true sets one.
func bybitSimLinear(c *config.Config) exchange.BybitLinear {
	if b := c.Venues.Bybit; b != nil {
		return exchange.BybitLinear{FundingInterval: b.FundingInterval}
	}
	return exchange.BybitLinear{}
}
