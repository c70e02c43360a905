package binance

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/perp"
	"github.com/nanotick/nanotick/risk"
)

// PerpAccountSink is a Sink whose risk limits take the venue's own wallet balance and
// leverage brackets (*engine.Engine implements it), and which returns its own
// accounting of the instrument as it stood just before, for the gateway to compare with
// the venue's. The gateway calls it from Drain, on the engine's goroutine, once after
// start and once after every reconnect's reconciliation: never per tick, since the
// brackets are handed over as a new slice.
type PerpAccountSink interface {
	OnPerpAccount(i instrument.Index, wallet int64, brackets perp.Brackets) (risk.Book, error)
}

// perpAccount is what one reconciliation read: the margin asset's wallet balance in
// price units (rounded down: the limits never see more money than there is), the
// symbol's brackets, and the position and entry price in the instrument's units (ok
// false when they are not exact at its scales).
type perpAccount struct {
	collateral      int64
	brackets        perp.Brackets
	position, entry int64
	positionOK      bool
	first           bool // read at start: the baseline, compared with nothing
}

// accountBase is the last reconciliation's wallet and what the engine had booked then,
// from which the next one's wallet is expected (engine goroutine).
type accountBase struct {
	set            bool
	wallet, booked int64
	events         uint64 // bookedEvents then
}

// futuresAccountInfo is the part of GET /fapi/v3/account the gateway reads.
type futuresAccountInfo struct {
	Assets []struct {
		Asset         string `json:"asset"`
		WalletBalance string `json:"walletBalance"`
	} `json:"assets"`
}

// futuresBrackets is one symbol of GET /fapi/v1/leverageBracket.
type futuresBrackets struct {
	Symbol   string `json:"symbol"`
	Brackets []struct {
		InitialLeverage  int             `json:"initialLeverage"`
		NotionalCap      decimal.Decimal `json:"notionalCap"`
		NotionalFloor    decimal.Decimal `json:"notionalFloor"`
		MaintMarginRatio decimal.Decimal `json:"maintMarginRatio"`
		Cum              decimal.Decimal `json:"cum"`
	} `json:"brackets"`
}

// readPerpAccount reads the wallet balance of the margin asset (GET /fapi/v3/account,
// weight 5, assets[].walletBalance) and the symbol's brackets (GET
// /fapi/v1/leverageBracket, weight 1; the documentation answers one object when symbol
// is sent, Binance has also been seen answering a one-element array: both are read).
func (g *FuturesGateway) readPerpAccount(ctx context.Context) (*perpAccount, error) {
	var info futuresAccountInfo
	var raw json.RawMessage
	g.restMu.Lock()
	err := g.rest.call(ctx, http.MethodGet, "/fapi/v3/account", url.Values{}, true, 5, &info)
	if err == nil {
		err = g.rest.call(ctx, http.MethodGet, "/fapi/v1/leverageBracket", url.Values{"symbol": {g.cfg.Symbol}}, true, 1, &raw)
	}
	g.restMu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("futures gateway: read account: %w", err)
	}
	acct := &perpAccount{collateral: -1}
	for _, a := range info.Assets {
		if a.Asset != g.cfg.MarginAsset {
			continue
		}
		wb, err := decimal.NewFromString(a.WalletBalance)
		if err != nil {
			return nil, fmt.Errorf("futures gateway: read account: %s walletBalance %q: %w", a.Asset, a.WalletBalance, err)
		}
		acct.collateral = wb.Shift(int32(g.cfg.PriceScale)).Floor().IntPart()
	}
	if acct.collateral < 0 {
		return nil, fmt.Errorf("futures gateway: read account: GET /fapi/v3/account has no %s wallet balance", g.cfg.MarginAsset)
	}
	var list []futuresBrackets
	if raw = bytes.TrimSpace(raw); len(raw) > 0 && raw[0] == '[' {
		err = json.Unmarshal(raw, &list)
	} else {
		list = make([]futuresBrackets, 1)
		err = json.Unmarshal(raw, &list[0])
	}
	if err != nil {
		return nil, fmt.Errorf("futures gateway: read leverage brackets: decode: %w", err)
	}
	for _, s := range list {
		if s.Symbol != g.cfg.Symbol {
			continue
		}
		for _, b := range s.Brackets {
			acct.brackets = append(acct.brackets, perp.Bracket{NotionalFloor: b.NotionalFloor, NotionalCap: b.NotionalCap,
				MaintMarginRatio: b.MaintMarginRatio, Cum: b.Cum, InitialLeverage: b.InitialLeverage})
		}
	}
	if err := acct.brackets.Validate(); err != nil {
		return nil, fmt.Errorf("futures gateway: read leverage brackets of %s: %w", g.cfg.Symbol, err)
	}
	return acct, nil
}

// deliverPerpAccount hands the last account read to sink, if there is a new one
// (engine goroutine, from Drain). A sink without perpetual limits refuses it: that is
// logged, not fatal, since its limits do not use the account.
func (g *FuturesGateway) deliverPerpAccount(sink Sink) {
	a := g.perpAcct.Swap(nil)
	if a == nil {
		return
	}
	ps, ok := sink.(PerpAccountSink)
	if !ok {
		return
	}
	ours, err := ps.OnPerpAccount(g.cfg.Instrument, a.collateral, a.brackets)
	if err != nil {
		g.log.Warn().Err(err).Msg("the venue's wallet balance and brackets did not reach risk")
	}
	g.compareAccount(a, ours)
}

// compareAccount sets the venue's figures of a reconciliation beside the engine's own
// (engine goroutine): the position exactly, the entry price within a price unit each
// way of rounding, and the wallet balance, which must have moved since the last
// reconciliation by what the engine booked in between (realized PnL − fees + funding)
// within half a price unit per booked event (each fee and funding payment is rounded to
// the price unit once) and one for the wallet's rounding down. A difference is logged
// and counted (AccountMismatches), not acted on: the venue's figures are the ones risk
// now uses. The wallet is the account's: an account that also trades other symbols, or
// moves funds, shows as a wallet mismatch here. Start's reading is the baseline (the
// configured expected position was checked then).
func (g *FuturesGateway) compareAccount(a *perpAccount, ours risk.Book) {
	mismatch := func(what string, venue, engine, tolerance decimal.Decimal) {
		g.acctMismatches.Add(1)
		g.log.Warn().Str("figure", what).Str("venue_value", venue.String()).Str("ours", engine.String()).
			Str("tolerance", tolerance.String()).Msg("reconcile: the venue's figure differs from our own accounting")
	}
	price := func(v int64) decimal.Decimal { return decimal.New(v, -int32(g.cfg.PriceScale)) }
	qty := func(v int64) decimal.Decimal { return decimal.New(v, -int32(g.cfg.QtyScale)) }
	if !a.first {
		switch {
		case !a.positionOK || a.position != ours.Position:
			mismatch("position", qty(a.position), qty(ours.Position), decimal.Zero)
		case a.position != 0 && abs64(a.entry-ours.AvgEntry) > 1:
			mismatch("entry price", price(a.entry), price(ours.AvgEntry), price(1))
		}
		if g.acctBase.set {
			expected := g.acctBase.wallet + ours.Booked - g.acctBase.booked
			tol := 1 + int64(g.bookedEvents-g.acctBase.events+1)/2
			if abs64(a.collateral-expected) > tol {
				mismatch("wallet balance", price(a.collateral), price(expected), price(tol))
			}
		}
	}
	g.acctBase = accountBase{set: true, wallet: a.collateral, booked: ours.Booked, events: g.bookedEvents}
}

func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}
