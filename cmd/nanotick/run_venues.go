package main

// The venues of a live session: which instruments share a market-data connection, where
// each connects (the venue, or the local exchange for a sim venue) and how each venue's
// connection and order gateway are built. A venue plugs in with one row in liveVenues.

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/rs/zerolog"

	"github.com/nanotick/nanotick/config"
	"github.com/nanotick/nanotick/engine"
	"github.com/nanotick/nanotick/exchange"
	"github.com/nanotick/nanotick/feeds/binance/live"
	gwbinance "github.com/nanotick/nanotick/gateway/binance"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/md"
	livesession "github.com/nanotick/nanotick/session"
)

// venueGroup is the instruments of a session on one venue: one market-data connection
// serves them all.
type venueGroup struct {
	// Venue is the instruments' venue as their names spell it ("binance-spot", "sim").
	Venue string
	// Sim: the group trades against the local exchange (venue sim, or a venue table
	// with sim = true).
	Sim bool
	// Instruments are the group's engine indexes, in table order.
	Instruments []instrument.Index
}

// venueWiring is what a venue's builder gets.
type venueWiring struct {
	ctx   context.Context
	cfg   *config.Config
	table *instrument.Table
	ex    *exchange.Exchange // the local exchange, for a sim group
	// simCreds are the local exchange account's credentials; simKey and simSecret the
	// same, for venues whose credentials take them in another form (Kraken's secret:
	// base64; Bybit's HMAC key and secret).
	simCreds          gwbinance.Credentials
	simKey, simSecret string
	waker             *livesession.Waker
	halt              func() // the kill switch, for a venue's ban
	log               zerolog.Logger
	// mark returns instrument i's last mark price message as the engine holds it (the
	// USD-M gateway's funding check); empty before the engine exists.
	mark func(i instrument.Index) md.PerpMark
	// noteHalt records why a venue halted the strategy (a liquidation, an ADL, a margin
	// call), for the summary, the report and the exit status.
	noteHalt func(reason string)
}

// venueParts are what a venue's builder returns: the group's market-data connection,
// and its order gateways, by engine index (several instruments may share one), each
// listed once in unique.
type venueParts struct {
	md livesession.MarketData
	// more are the group's further market-data connections feeding the same
	// instruments (Binance USD-M's /market beside its /public).
	more     []livesession.MarketData
	gateways map[instrument.Index]engine.Gateway
	unique   []livesession.Gateway
	// gw is the group's Binance Spot gateway of its first instrument, for the
	// session's counters and tests; nil for other venues.
	gw *gwbinance.Gateway
	// futures are the group's USD-M gateways, for the summary and the report.
	futures []usdmGateway
	// bybitPerps are the group's Bybit linear gateways, for the report's funding.
	bybitPerps []bybitPerp
}

// venueBuilder builds a venue group's connections; every connection it returns is
// started, and on error it has closed what it started.
type venueBuilder func(w *venueWiring, g venueGroup) (venueParts, error)

// liveVenues are the venues nanotick trades live, by instrument venue. The sim venue is
// the local exchange's Binance Spot front end.
var liveVenues = map[string]venueBuilder{
	instrument.VenueBinanceSpot: buildBinanceSpot,
	instrument.VenueSim:         buildBinanceSpot,
	instrument.VenueBinanceUSDM: buildBinanceUSDM,
	instrument.VenueBybitSpot:   buildBybitSpot,
	instrument.VenueBybitLinear: buildBybitLinear,
	instrument.VenueKraken:      buildKraken,
}

// groupByVenue returns the session's venue groups in the order of their first
// instrument, so that the default instrument's venue reads on the engine's goroutine.
func groupByVenue(c *config.Config, table *instrument.Table) []venueGroup {
	var groups []venueGroup
	at := map[string]int{}
	for i := 0; i < table.Len(); i++ {
		v := table.At(instrument.Index(i)).ID.Venue
		k, ok := at[v]
		if !ok {
			k = len(groups)
			at[v] = k
			groups = append(groups, venueGroup{Venue: v, Sim: c.Venues.IsSim(config.Venue(v))})
		}
		groups[k].Instruments = append(groups[k].Instruments, instrument.Index(i))
	}
	return groups
}

// simMarketsOf returns the local exchange's markets for the sim groups: every spot
// symbol of a sim spot venue and every perpetual of a sim USD-M venue. nil, nil means
// the exchange's default market (BTCUSDT spot), as plain "nanotick run" has always run.
func simMarketsOf(groups []venueGroup, table *instrument.Table) ([]exchange.Instrument, []exchange.FuturesInstrument, error) {
	var spot []exchange.Instrument
	var fut []exchange.FuturesInstrument
	for _, g := range groups {
		if !g.Sim {
			continue
		}
		for _, i := range g.Instruments {
			sym := table.At(i).ID.Symbol
			if g.Venue == instrument.VenueBinanceUSDM || g.Venue == instrument.VenueBybitLinear {
				f, ok := simPerps[sym]
				if !ok {
					return nil, nil, fmt.Errorf("the local exchange lists no perpetual %s (it lists %v)", sym, simPerpNames())
				}
				if !hasFutures(fut, sym) { // USD-M and Bybit share the local exchange's perpetual books
					fut = append(fut, f())
				}
				continue
			}
			if g.Venue == instrument.VenueKraken {
				sym = strings.ReplaceAll(sym, "/", "") // kraken:BTC/USD is the local exchange's BTCUSD
			}
			f, ok := simSpot[sym]
			if !ok {
				return nil, nil, fmt.Errorf("the local exchange lists no spot market %s (it lists %v)", sym, simSpotNames())
			}
			if !hasSymbol(spot, sym) {
				spot = append(spot, f())
			}
		}
	}
	if len(fut) == 0 && (len(spot) == 0 || len(spot) == 1 && spot[0].Symbol == "BTCUSDT") {
		return nil, nil, nil
	}
	if len(spot) == 0 {
		spot = append(spot, exchange.BTCUSDT()) // the perpetual follows it
	}
	for k := range fut {
		if !hasSymbol(spot, fut[k].Follows) {
			fut[k].Follows = ""
		}
	}
	return spot, fut, nil
}

// simBalances are the local exchange account's balances: enough quote and some of
// every base asset a sim instrument trades.
func simBalances(groups []venueGroup, table *instrument.Table) map[string]string {
	b := map[string]string{"USDT": "100000", "BTC": "1"}
	for _, g := range groups {
		if !g.Sim {
			continue
		}
		for _, i := range g.Instruments {
			if base := table.At(i).Base; base != "" && b[base] == "" {
				b[base] = "10"
			}
			if quote := table.At(i).Quote; quote != "" && b[quote] == "" {
				b[quote] = "100000"
			}
		}
	}
	return b
}

// binanceEndpoints returns where a Binance Spot group connects: the local exchange or
// the [venue.binance] table.
func binanceEndpoints(w *venueWiring, g venueGroup) (md, rest, api string, creds gwbinance.Credentials, err error) {
	if g.Sim {
		return w.ex.MarketDataURL(), w.ex.RESTURL(), w.ex.WSAPIURL(), w.simCreds, nil
	}
	b := w.cfg.Venues.Binance
	if b == nil {
		return "", "", "", creds, errors.New("venue binance-spot needs a [venue.binance] table with its URLs and credentials")
	}
	creds, err = binanceCredentials(b)
	if err != nil {
		return "", "", "", creds, fmt.Errorf("credentials: %w", err)
	}
	return b.WSURL, b.RESTURL, b.WSAPIURL, creds, nil
}

// buildBinanceSpot builds a Binance Spot group (or the local exchange's): one combined
// stream for every instrument's depth and trades, and one order gateway per instrument
// (the WebSocket API gateway trades one symbol).
func buildBinanceSpot(w *venueWiring, g venueGroup) (venueParts, error) {
	mdURL, restURL, apiURL, creds, err := binanceEndpoints(w, g)
	if err != nil {
		return venueParts{}, err
	}
	if err := checkRules(w.ctx, w.table, g.Venue, restURL); err != nil {
		return venueParts{}, err
	}
	parts := venueParts{gateways: map[instrument.Index]engine.Gateway{}}
	closeAll := func() {
		for _, gw := range parts.unique {
			gw.Close()
		}
	}
	var mdi []live.MarketDataInstrument
	for _, i := range g.Instruments {
		sp := w.table.At(i)
		mdi = append(mdi, live.MarketDataInstrument{Index: i, Symbol: sp.ID.Symbol})
		gw, err := gwbinance.New(gwbinance.Config{
			URL: apiURL, Symbol: sp.ID.Symbol, BaseAsset: sp.Base, QuoteAsset: sp.Quote,
			PriceScale: sp.PriceScale, QtyScale: sp.QtyScale,
			Credentials: creds,
			Wake:        w.waker.Wake,
			OnBan:       func(string) { w.halt() },
			Logger:      w.log,
		})
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
		parts.unique = append(parts.unique, gwbinance.SessionGateway{Gateway: gw})
		if parts.gw == nil {
			parts.gw = gw
		}
	}
	md, err := live.NewMarketData(live.MarketDataConfig{Name: g.Venue, URL: mdURL, RESTURL: restURL,
		Instruments: mdi, Logger: w.log})
	if err != nil {
		closeAll()
		return venueParts{}, err
	}
	parts.md = md
	return parts, nil
}

// buildBinanceUSDM builds a Binance USD-M group (or the local exchange's USD-M venue
// when sim): one combined stream of depth@100ms, trades and markPrice@1s for every
// perpetual, snapshots from /fapi/v1/depth, and one USD-M gateway per perpetual
// (gateway/binance.FuturesGateway, run_usdm.go).
func buildBinanceUSDM(w *venueWiring, g venueGroup) (venueParts, error) {
	return buildUSDM(w, g)
}

// checkRules compares the table's instruments of venue with the venue's exchangeInfo
// before anything is sent; a difference refuses the start.
func checkRules(ctx context.Context, table *instrument.Table, venue, restURL string) error {
	if err := live.CheckInstruments(ctx, nil, restURL, venue, table); err != nil {
		return fmt.Errorf("%w (refusing to trade)", err)
	}
	return nil
}

// venueNames lists the venues nanotick trades live, for an error message.
func venueNames() []string {
	var out []string
	for v := range liveVenues {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}
