package live

// Checking the instrument table against the venue: before a live session trades, the
// rules nanotick was configured with (tick, lot, quantity limits, minimum notional,
// base and quote assets) are compared with what the venue itself publishes in
// exchangeInfo, and any difference refuses the start: an order priced on a wrong tick
// or sized under a wrong minimum is rejected by the venue at best, and mis-sized at
// worst.
//
// Binance's formats (developers.binance.com, checked 2026-12):
//   - Spot GET /api/v3/exchangeInfo?symbol=BTCUSDT: symbols[] with symbol, status,
//     baseAsset, quoteAsset and filters: PRICE_FILTER (minPrice, maxPrice, tickSize),
//     LOT_SIZE (minQty, maxQty, stepSize), NOTIONAL (minNotional) or, formerly,
//     MIN_NOTIONAL (minNotional);
//   - USD-M GET /fapi/v1/exchangeInfo: symbols[] with symbol, contractType ("PERPETUAL"),
//     baseAsset, quoteAsset and filters: PRICE_FILTER, LOT_SIZE as on spot, and
//     MIN_NOTIONAL with the field notional.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/instrument"
)

// infoScale is the scale the venue's rules are read at: Binance prints at most 8
// decimals, and Spec.Diff compares values, not scales.
const infoScale fixed.Scale = 8

// maxInfoBody bounds an exchangeInfo answer: all of Binance Spot's symbols are some
// 20 MB; one symbol's, a few kB.
const maxInfoBody = 32 << 20

// ParseExchangeInfo reads an exchangeInfo body into the specs of its symbols, named on
// venue. Fields a venue does not report stay zero, which Spec.Diff does not compare.
func ParseExchangeInfo(venue string, body []byte) (map[instrument.ID]instrument.Spec, error) {
	var info struct {
		Symbols []struct {
			Symbol       string `json:"symbol"`
			BaseAsset    string `json:"baseAsset"`
			QuoteAsset   string `json:"quoteAsset"`
			ContractType string `json:"contractType"`
			Filters      []struct {
				FilterType  string `json:"filterType"`
				TickSize    string `json:"tickSize"`
				MinQty      string `json:"minQty"`
				MaxQty      string `json:"maxQty"`
				StepSize    string `json:"stepSize"`
				MinNotional string `json:"minNotional"`
				Notional    string `json:"notional"`
			} `json:"filters"`
		} `json:"symbols"`
	}
	if err := json.Unmarshal(body, &info); err != nil {
		return nil, fmt.Errorf("exchangeInfo: %w", err)
	}
	out := make(map[instrument.ID]instrument.Spec, len(info.Symbols))
	for _, s := range info.Symbols {
		if s.Symbol == "" {
			return nil, fmt.Errorf("exchangeInfo: a symbol without a name")
		}
		sp := instrument.Spec{
			ID:   instrument.ID{Venue: venue, Symbol: s.Symbol},
			Kind: instrument.Spot, Base: s.BaseAsset, Quote: s.QuoteAsset,
			PriceScale: infoScale, QtyScale: infoScale,
		}
		switch s.ContractType {
		case "":
		case "PERPETUAL":
			sp.Kind = instrument.Perpetual
		default:
			continue // delivery futures: nothing nanotick trades
		}
		num := func(field, v string, dst *int64) error {
			if v == "" {
				return nil
			}
			d, err := decimal.NewFromString(v)
			if err != nil {
				return fmt.Errorf("exchangeInfo: %s %s %q: %w", s.Symbol, field, v, err)
			}
			n, err := infoScale.FromDecimal(d)
			if err != nil {
				return fmt.Errorf("exchangeInfo: %s %s %q: %w", s.Symbol, field, v, err)
			}
			*dst = n
			return nil
		}
		for _, f := range s.Filters {
			var errs []error
			switch f.FilterType {
			case "PRICE_FILTER":
				errs = append(errs, num("tickSize", f.TickSize, &sp.Tick))
			case "LOT_SIZE":
				errs = append(errs, num("stepSize", f.StepSize, &sp.Lot), num("minQty", f.MinQty, &sp.MinQty), num("maxQty", f.MaxQty, &sp.MaxQty))
			case "NOTIONAL":
				errs = append(errs, num("minNotional", f.MinNotional, &sp.MinNotional))
			case "MIN_NOTIONAL":
				errs = append(errs, num("minNotional", f.MinNotional, &sp.MinNotional), num("notional", f.Notional, &sp.MinNotional))
			}
			for _, err := range errs {
				if err != nil {
					return nil, err
				}
			}
		}
		out[sp.ID] = sp
	}
	return out, nil
}

// exchangeInfoPath is each venue's exchangeInfo endpoint.
func exchangeInfoPath(venue string) (string, bool) {
	switch venue {
	case instrument.VenueBinanceSpot, instrument.VenueSim:
		return "/api/v3/exchangeInfo", true
	case instrument.VenueBinanceUSDM:
		return "/fapi/v1/exchangeInfo", true
	}
	return "", false
}

// CheckInstruments fetches exchangeInfo from restURL for the table's instruments of
// venue and compares them with the table (instrument.Table.Check): it returns an error
// listing every difference, or one saying why the venue could not be asked. One
// request, with a timeout; a failure is not retried here: the session refuses to start
// and the operator starts it again.
func CheckInstruments(ctx context.Context, client *http.Client, restURL, venue string, table *instrument.Table) error {
	path, ok := exchangeInfoPath(venue)
	if !ok {
		return fmt.Errorf("exchangeInfo: venue %q has no Binance exchangeInfo", venue)
	}
	var symbols []string
	want := map[instrument.ID]bool{}
	for i := 0; i < table.Len(); i++ {
		if sp := table.At(instrument.Index(i)); sp.ID.Venue == venue {
			symbols = append(symbols, `"`+sp.ID.Symbol+`"`)
			want[sp.ID] = true
		}
	}
	if len(symbols) == 0 {
		return nil
	}
	u := strings.TrimRight(restURL, "/") + path
	if venue != instrument.VenueBinanceUSDM { // USD-M's endpoint lists every symbol and takes no filter
		u += "?symbols=" + url.QueryEscape("["+strings.Join(symbols, ",")+"]")
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("exchangeInfo: %w", err)
	}
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("exchangeInfo: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxInfoBody+1))
	if err != nil {
		return fmt.Errorf("exchangeInfo: read: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("exchangeInfo: http status %d: %.200s", resp.StatusCode, body)
	}
	if len(body) > maxInfoBody {
		return fmt.Errorf("exchangeInfo: body over %d bytes", maxInfoBody)
	}
	reported, err := ParseExchangeInfo(venue, body)
	if err != nil {
		return err
	}
	// Only this venue's instruments are checked here; the others by their own venue.
	var errs []string
	for i := 0; i < table.Len(); i++ {
		sp := table.At(instrument.Index(i))
		if !want[sp.ID] {
			continue
		}
		v, ok := reported[sp.ID]
		if !ok {
			errs = append(errs, fmt.Sprintf("instrument %s: the venue does not list it", sp.ID))
			continue
		}
		for _, d := range sp.Diff(&v) {
			errs = append(errs, fmt.Sprintf("instrument %s: %s", sp.ID, d))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("the configured instruments differ from the venue's exchangeInfo:\n  %s", strings.Join(errs, "\n  "))
	}
	return nil
}
