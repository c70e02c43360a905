package main

// The Binance USD-M venue of a live session: its market data on the two routed paths
// Binance serves it on (live.USDMRoute: depth on <ws_url>/public, trades and the mark
// price on <ws_url>/market, each a combined stream of every perpetual, both feeding the
// same instruments), one USD-M order gateway
// per perpetual (gateway/binance.FuturesGateway: leverage and margin type set at start,
// hedge mode and unexpected positions refused), and what the summary and the report
// show of it: positions at the venue, funding paid (checked against our own
// computation), rejections by reason, liquidations, ADLs and margin calls.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/backtest"
	"github.com/nanotick/nanotick/config"
	"github.com/nanotick/nanotick/engine"
	"github.com/nanotick/nanotick/feeds/binance/live"
	gwbinance "github.com/nanotick/nanotick/gateway/binance"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/md"
	"github.com/nanotick/nanotick/perp"
	livesession "github.com/nanotick/nanotick/session"
)

// usdmGateway is one perpetual's gateway with the instrument it trades.
type usdmGateway struct {
	gw   *gwbinance.FuturesGateway
	inst instrument.Index
	name string // "binance-usdm:BTCUSDT"
}

// buildUSDM builds a USD-M group: Binance's endpoints and keys from [venue.binance-usdm],
// or the local exchange's when the venue is simulated.
func buildUSDM(w *venueWiring, g venueGroup) (venueParts, error) {
	u := w.cfg.Venues.BinanceUSDM
	var mdURL, restURL, apiURL string
	var creds gwbinance.Credentials
	if g.Sim {
		mdURL, restURL, apiURL, creds = w.ex.FuturesMarketDataURL(), w.ex.RESTURL(), w.ex.USDMWSAPIURL(), w.simCreds
	} else {
		if u == nil {
			return venueParts{}, errors.New("venue binance-usdm needs a [venue.binance-usdm] table with its URLs, credentials, leverage and margin mode")
		}
		var err error
		if creds, err = usdmCredentials(u); err != nil {
			return venueParts{}, fmt.Errorf("credentials: %w", err)
		}
		mdURL, restURL, apiURL = u.WSURL, u.RESTURL, u.WSAPIURL
	}
	if err := live.CheckUSDMHost(mdURL); err != nil {
		return venueParts{}, fmt.Errorf("venue binance-usdm ws_url %s: %w", mdURL, err)
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
		fc := gwbinance.FuturesConfig{
			APIURL: apiURL, RESTURL: restURL, StreamURL: mdURL,
			Symbol: sp.ID.Symbol, MarginAsset: sp.Quote, PriceScale: sp.PriceScale, QtyScale: sp.QtyScale,
			Credentials: creds, Instrument: i,
			Wake: w.waker.Wake,
			OnHalt: func(reason string) {
				w.log.Error().Str("instrument", sp.ID.String()).Str("reason", reason).Msg("USD-M: halting the strategy")
				if w.noteHalt != nil {
					w.noteHalt(sp.ID.String() + ": " + reason)
				}
				w.halt()
			},
			MarkSource: func() md.PerpMark { return w.mark(i) },
			Logger:     w.log,
		}
		if u != nil {
			a := u.For(sp.ID.Symbol)
			fc.Leverage, fc.ExpectedPosition = a.Leverage, a.ExpectedPosition
			if a.MarginMode != "" {
				mm, err := perp.ParseMarginMode(a.MarginMode)
				if err != nil {
					closeAll()
					return venueParts{}, err
				}
				fc.MarginMode, fc.SetMargin = mm, true
			}
		}
		gw, err := gwbinance.NewFutures(fc)
		if err != nil {
			closeAll()
			return venueParts{}, err
		}
		if _, err := gw.Start(context.WithoutCancel(w.ctx)); err != nil {
			gw.Close()
			closeAll()
			return venueParts{}, fmt.Errorf("gateway %s: %w (refusing to trade)", sp.ID, err)
		}
		parts.gateways[i] = gw // an engine.Modifier: the strategy may modify its orders
		parts.unique = append(parts.unique, gwbinance.FuturesSessionGateway{FuturesGateway: gw})
		parts.futures = append(parts.futures, usdmGateway{gw: gw, inst: i, name: sp.ID.String()})
	}
	// Binance routes USD-M streams by path: on the unrouted host the mark price never
	// arrives, silently. Depth (and its snapshots) on /public, the rest on /market.
	public, market := live.USDMSplit(usdmLiveStreams)
	host := strings.TrimRight(mdURL, "/")
	md, err := live.NewMarketData(live.MarketDataConfig{Name: g.Venue, URL: host + live.USDMPublicPath, RESTURL: restURL,
		SnapshotPath: "/fapi/v1/depth", Streams: public, Instruments: mdi, Logger: w.log})
	if err != nil {
		closeAll()
		return venueParts{}, err
	}
	mkt, err := live.NewMarketData(live.MarketDataConfig{Name: g.Venue + "/market", URL: host + live.USDMMarketPath,
		Streams: market, Instruments: mdi, NoBook: true, Logger: w.log})
	if err != nil {
		closeAll()
		return venueParts{}, err
	}
	parts.md, parts.more = md, []livesession.MarketData{mkt}
	return parts, nil
}

// usdmLiveStreams are the streams a live run reads of every perpetual.
var usdmLiveStreams = []string{"depth@100ms", "trade", "markPrice@1s"}

// usdmCredentials reads the USD-M key: the API key from api_key_env, and an Ed25519
// private key from private_key_file, or an HMAC secret from api_secret_file or, without
// one, from the key variable's _SECRET twin, as on spot.
func usdmCredentials(u *config.BinanceUSDM) (gwbinance.Credentials, error) {
	if u.PrivateKeyFile != "" {
		key := os.Getenv(u.APIKeyEnv)
		if key == "" {
			return gwbinance.Credentials{}, fmt.Errorf("environment variable %s (the API key) is not set", u.APIKeyEnv)
		}
		return gwbinance.CredentialsFromKeyFile(key, u.PrivateKeyFile)
	}
	return binanceCredentials(&config.Binance{APIKeyEnv: u.APIKeyEnv, APISecretFile: u.APISecretFile})
}

// usdmFundingInterval is the local exchange's funding interval from [venue.binance-usdm]
// (0: the exchange's default).
func usdmFundingInterval(c *config.Config) time.Duration {
	if u := c.Venues.BinanceUSDM; u != nil {
		return u.FundingInterval
	}
	return 0
}

// summaryUSDM prints each perpetual's line: the venue's position, funding (the venue's
// and ours), rejections by reason and forced events.
func (s *session) summaryUSDM(w io.Writer) {
	for _, f := range s.futures {
		c := f.gw.Counters()
		p := f.gw.Position()
		venue, ours, checked := fundingTotals(f.gw.Fundings())
		noMark := ""
		if c.MarkSeen == 0 && c.MarkMissing != 0 {
			noMark = "; NO MARK PRICE received (docs/live.md, Binance's routed websocket paths)"
		}
		fmt.Fprintf(w, "  usdm      %s: venue position %s; funding %d payments, venue %s, ours %s (%d checked, %d differ); account mismatches %d%s\n",
			f.name, p.Amount, c.Fundings, venue, ours, checked, c.FundingMismatches, c.AccountMismatches, noMark)
		fmt.Fprintf(w, "            rejects %d (margin %d, reduce-only %d, post-only %d, fok %d, rate limit %d, filter %d, other %d); liquidations %d, adl %d, margin calls %d (forced fills %d); reconnects %d\n",
			c.Rejects, c.RejectMargin, c.RejectReduceOnly, c.RejectPostOnly, c.RejectFOK, c.RejectRateLimit, c.RejectFilter, c.RejectOther,
			c.Liquidations, c.ADLs, c.MarginCalls, c.ForcedFills, c.Reconnects)
	}
}

func fundingTotals(fs []gwbinance.FundingCheck) (venue, ours decimal.Decimal, checked int) {
	for _, f := range fs {
		venue = venue.Add(f.Venue)
		if f.Checked {
			ours = ours.Add(f.Ours)
			checked++
		}
	}
	return venue, ours, checked
}

// reportUSDM adds the perpetuals' funding to the run's report: every payment the venue
// made, as the backtest reports its own, with our computation in the note.
func (s *session) reportUSDM(rep *backtest.Report) {
	if len(s.futures) == 0 {
		return
	}
	fr := &rep.Funding
	fr.Source = "venue (ACCOUNT_UPDATE FUNDING_FEE)"
	var notes []string
	for _, f := range s.futures {
		fs := f.gw.Fundings()
		venue, ours, checked := fundingTotals(fs)
		for _, e := range fs {
			fr.Events = append(fr.Events, backtest.FundingEvent{Time: time.UnixMilli(e.Time).UTC().Format(time.RFC3339Nano),
				Instrument: f.name, Position: e.Position, Mark: e.Mark, Rate: e.Rate, Amount: e.Venue})
		}
		fr.Payments += uint64(len(fs))
		fr.Total = fr.Total.Add(venue)
		rep.Result.Funding = rep.Result.Funding.Add(venue)
		rep.Result.PnL = rep.Result.PnL.Add(venue)
		for k := range rep.Instruments {
			if rep.Instruments[k].Name == f.name {
				rep.Instruments[k].Funding = rep.Instruments[k].Funding.Add(venue)
				rep.Instruments[k].PnL = rep.Instruments[k].PnL.Add(venue)
			}
		}
		c := f.gw.Counters()
		rep.Orders.VenueRejections = appendUSDMRejects(rep.Orders.VenueRejections, f.name, c)
		notes = append(notes, fmt.Sprintf("%s: venue %s, ours (perp.FundingPayment on the position at the funding time and the mark announced for it) %s over %d checked payments, %d differ by more than 0.01; liquidations %d, adl %d, margin calls %d",
			f.name, venue, ours, checked, c.FundingMismatches, c.Liquidations, c.ADLs, c.MarginCalls))
	}
	fr.Note = strings.Join(notes, "; ")
}

// appendUSDMRejects adds the orders the USD-M venue refused, by reason, as the summary's
// usdm line counts them, to a report's venue rejections: a live run's JSON shows what a
// backtest's does (before, venue_rejections stayed null however many -2019, -2022 or
// -5022 answers the run had).
func appendUSDMRejects(dst []backtest.ReasonCount, name string, c gwbinance.FuturesCounters) []backtest.ReasonCount {
	for _, r := range []struct {
		reason string
		n      uint64
	}{
		{"margin is insufficient (-2019)", c.RejectMargin},
		{"reduce-only order rejected (-2022)", c.RejectReduceOnly},
		{"post-only order would take (-5022)", c.RejectPostOnly},
		{"FOK order could not fill whole (-5021)", c.RejectFOK},
		{"rate limit (429, 418, -1003, -1015)", c.RejectRateLimit},
		{"price or quantity filter", c.RejectFilter},
		{"other venue error", c.RejectOther},
	} {
		if r.n > 0 {
			dst = append(dst, backtest.ReasonCount{Reason: name + ": " + r.reason, Count: r.n})
		}
	}
	return dst
}
