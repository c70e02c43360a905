package main

// Kraken Spot (WebSocket v2) in a live session: the public connection of the group's
// instruments (feeds/kraken/live) and one order gateway per instrument
// (gateway/kraken), against Kraken or, with [venue.kraken] sim = true, the local
// exchange's Kraken protocol. The instrument table is checked against Kraken's
// instrument channel before anything connects to trade.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/nanotick/nanotick/config"
	"github.com/nanotick/nanotick/engine"
	klive "github.com/nanotick/nanotick/feeds/kraken/live"
	gwkraken "github.com/nanotick/nanotick/gateway/kraken"
	"github.com/nanotick/nanotick/instrument"
)

// buildKraken builds a Kraken group.
func buildKraken(w *venueWiring, g venueGroup) (venueParts, error) {
	var wsURL, authURL, restURL string
	var creds gwkraken.Credentials
	var err error
	if g.Sim {
		wsURL, authURL, restURL = w.ex.KrakenURL(), w.ex.KrakenAuthURL(), w.ex.KrakenRESTURL()
		creds, err = gwkraken.NewCredentials(simAPIKey, w.simSecret)
	} else {
		k := w.cfg.Venues.Kraken
		if k == nil {
			return venueParts{}, errors.New("venue kraken needs a [venue.kraken] table with its URLs and credentials (or sim = true)")
		}
		wsURL, authURL, restURL = k.WSURL, k.WSAuthURL, k.RESTURL
		creds, err = krakenCredentials(k)
	}
	if err != nil {
		return venueParts{}, fmt.Errorf("credentials: %w", err)
	}
	if err := klive.CheckInstruments(w.ctx, wsURL, w.table); err != nil {
		return venueParts{}, fmt.Errorf("%w (refusing to trade)", err)
	}
	parts := venueParts{gateways: map[instrument.Index]engine.Gateway{}}
	closeAll := func() {
		for _, gw := range parts.unique {
			gw.Close()
		}
	}
	var mdi []klive.Instrument
	for _, i := range g.Instruments {
		sp := w.table.At(i)
		mdi = append(mdi, klive.Instrument{Index: i, Symbol: sp.ID.Symbol})
		gw, err := gwkraken.New(gwkraken.Config{
			RESTURL: restURL, WSURL: authURL, Symbol: sp.ID.Symbol, BaseAsset: sp.Base, QuoteAsset: sp.Quote,
			PriceScale: sp.PriceScale, QtyScale: sp.QtyScale, Credentials: creds,
			Wake:     w.waker.Wake,
			OnGiveUp: func(string) { w.halt() },
			Logger:   w.log,
		})
		if err != nil {
			closeAll()
			return venueParts{}, err
		}
		if err := gw.Start(context.WithoutCancel(w.ctx)); err != nil {
			closeAll()
			return venueParts{}, fmt.Errorf("gateway %s: %w (refusing to trade)", sp.ID, err)
		}
		parts.gateways[i] = gw
		parts.unique = append(parts.unique, gwkraken.SessionGateway{Gateway: gw})
	}
	c, err := klive.New(klive.Config{Name: g.Venue, URL: wsURL, Instruments: mdi, Logger: w.log})
	if err != nil {
		closeAll()
		return venueParts{}, err
	}
	parts.md = klive.MarketData{Conn: c}
	return parts, nil
}

// krakenCredentials reads the API key from the environment and the private key from
// the file the [venue.kraken] table names.
func krakenCredentials(k *config.Kraken) (gwkraken.Credentials, error) {
	key := os.Getenv(k.APIKeyEnv)
	if key == "" {
		return gwkraken.Credentials{}, fmt.Errorf("environment variable %s (the API key) is not set", k.APIKeyEnv)
	}
	if k.APISecretFile == "" {
		return gwkraken.Credentials{}, errors.New("[venue.kraken] api_secret_file (the private key) is not set")
	}
	data, err := os.ReadFile(k.APISecretFile)
	if err != nil {
		return gwkraken.Credentials{}, err
	}
	return gwkraken.NewCredentials(key, strings.TrimSpace(string(data)))
}
