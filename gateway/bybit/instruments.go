package bybit

// Checking the instrument table against Bybit before trading: the rules nanotick was
// configured with are compared with what Bybit publishes for each instrument, and any
// difference refuses the start, as gateway/binance does with exchangeInfo and
// gateway/kraken with the instrument channel. An order priced on a wrong tick or sized
// under a wrong step is refused by the venue at best (10001), mis-sized at worst.
//
// Bybit's format (github.com/bybit-exchange/docs at 072c197, v5/market/instrument):
// GET /v5/market/instruments-info?category=spot|linear&symbol=BTCUSDT, public (not
// signed), answers {"retCode":0,"retMsg":"OK","result":{"category":..,"list":[..],
// "nextPageCursor":..}}. Each list entry has symbol, status ("Trading" when it trades;
// linear and spot list only Trading symbols unless asked for another status), baseCoin,
// quoteCoin, priceFilter.tickSize, and:
//   - linear: contractType ("LinearPerpetual" for the perpetuals nanotick trades),
//     lotSizeFilter.qtyStep, minOrderQty, maxOrderQty ("Maximum quantity for Limit and
//     PostOnly order") and minNotionalValue;
//   - spot: lotSizeFilter.basePrecision (the base quantity's step), minOrderAmt (the
//     minimum order value in quote) and maxLimitOrderQty. Spot's minOrderQty is
//     documented as deprecated ("no longer check minOrderQty, check minOrderAmt
//     instead"), so it is not compared.
//
// The maximum quantities "are adjusted bi-monthly ... Developers should not assume these
// values remain constant": a configured max_qty is only refused when it is above the
// venue's (the venue would refuse such an order); a lower one is a stricter limit of
// our own. Every other rule must be equal in value.

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

// InstrumentInfo is what Bybit's instruments-info says of one symbol, numbers as the
// venue wrote them.
type InstrumentInfo struct {
	Symbol, Status, ContractType string
	BaseCoin, QuoteCoin          string
	// TickSize is priceFilter.tickSize. QtyStep is lotSizeFilter.qtyStep (linear) or
	// basePrecision (spot); MinOrderQty minOrderQty (linear only); MaxOrderQty
	// maxOrderQty (linear) or maxLimitOrderQty (spot); MinNotional minNotionalValue
	// (linear) or minOrderAmt (spot). "" where the venue gave none.
	TickSize, QtyStep, MinOrderQty, MaxOrderQty, MinNotional string
}

// instrumentsBody bounds an instruments-info answer: one symbol's is about 1 kB, a
// full page of 1000 linear symbols about 1.5 MB.
const instrumentsBody = 4 << 20

// ParseInstrumentsInfo reads the list of an instruments-info answer (the whole body,
// with its retCode) of category.
func ParseInstrumentsInfo(category Category, body []byte) ([]InstrumentInfo, error) {
	var env struct {
		RetCode *int   `json:"retCode"`
		RetMsg  string `json:"retMsg"`
		Result  struct {
			Category string `json:"category"`
			List     []struct {
				Symbol       string `json:"symbol"`
				Status       string `json:"status"`
				ContractType string `json:"contractType"`
				BaseCoin     string `json:"baseCoin"`
				QuoteCoin    string `json:"quoteCoin"`
				PriceFilter  struct {
					TickSize string `json:"tickSize"`
				} `json:"priceFilter"`
				LotSizeFilter struct {
					QtyStep          string `json:"qtyStep"`
					MinOrderQty      string `json:"minOrderQty"`
					MaxOrderQty      string `json:"maxOrderQty"`
					MinNotionalValue string `json:"minNotionalValue"`
					BasePrecision    string `json:"basePrecision"`
					MinOrderAmt      string `json:"minOrderAmt"`
					MaxLimitOrderQty string `json:"maxLimitOrderQty"`
				} `json:"lotSizeFilter"`
			} `json:"list"`
		} `json:"result"`
	}
	if err := json.Unmarshal(body, &env); err != nil || env.RetCode == nil {
		return nil, fmt.Errorf("%w: instruments-info: %.200s", ErrMalformed, body)
	}
	if *env.RetCode != 0 {
		return nil, fmt.Errorf("instruments-info: retCode %d: %s", *env.RetCode, env.RetMsg)
	}
	if env.Result.Category != "" && env.Result.Category != string(category) {
		return nil, fmt.Errorf("%w: instruments-info: category %q, asked for %q", ErrMalformed, env.Result.Category, category)
	}
	out := make([]InstrumentInfo, 0, len(env.Result.List))
	for _, s := range env.Result.List {
		if s.Symbol == "" {
			return nil, fmt.Errorf("%w: instruments-info: an instrument without a symbol", ErrMalformed)
		}
		in := InstrumentInfo{Symbol: s.Symbol, Status: s.Status, ContractType: s.ContractType,
			BaseCoin: s.BaseCoin, QuoteCoin: s.QuoteCoin, TickSize: s.PriceFilter.TickSize}
		l := &s.LotSizeFilter
		if category == Spot {
			in.QtyStep, in.MaxOrderQty, in.MinNotional = l.BasePrecision, l.MaxLimitOrderQty, l.MinOrderAmt
		} else {
			in.QtyStep, in.MinOrderQty, in.MaxOrderQty, in.MinNotional = l.QtyStep, l.MinOrderQty, l.MaxOrderQty, l.MinNotionalValue
		}
		out = append(out, in)
	}
	return out, nil
}

// CheckInstrument compares a configured instrument of category with what Bybit says of
// it and returns every difference, each naming the rule, the configured value, the
// venue's value and Bybit's field.
func CheckInstrument(sp *instrument.Spec, category Category, in InstrumentInfo) []string {
	var out []string
	if in.Status != "Trading" {
		out = append(out, fmt.Sprintf("status: venue %q (status), nanotick trades only \"Trading\"", in.Status))
	}
	if category == Linear && in.ContractType != "LinearPerpetual" {
		out = append(out, fmt.Sprintf("kind: configured perpetual, venue %q (contractType)", in.ContractType))
	}
	if in.BaseCoin != "" && !strings.EqualFold(in.BaseCoin, sp.Base) {
		out = append(out, fmt.Sprintf("base: configured %s, venue %s (baseCoin)", sp.Base, in.BaseCoin))
	}
	if in.QuoteCoin != "" && !strings.EqualFold(in.QuoteCoin, sp.Quote) {
		out = append(out, fmt.Sprintf("quote: configured %s, venue %s (quoteCoin)", sp.Quote, in.QuoteCoin))
	}
	stepField, minNotionalField, maxField := "lotSizeFilter.qtyStep", "lotSizeFilter.minNotionalValue", "lotSizeFilter.maxOrderQty"
	if category == Spot {
		stepField, minNotionalField, maxField = "lotSizeFilter.basePrecision", "lotSizeFilter.minOrderAmt", "lotSizeFilter.maxLimitOrderQty"
	}
	// equal reports a difference between a configured value and the venue's; an empty
	// venue value is not compared, except the tick and step, which every instrument has.
	equal := func(name, field string, scale fixed.Scale, v int64, venue string, required bool) {
		if venue == "" {
			if required {
				out = append(out, fmt.Sprintf("%s: the venue gives no %s", name, field))
			}
			return
		}
		d, err := decimal.NewFromString(venue)
		if err != nil {
			out = append(out, fmt.Sprintf("%s: venue %q (%s) is not a number", name, venue, field))
			return
		}
		if !scale.Decimal(v).Equal(d) {
			out = append(out, fmt.Sprintf("%s: configured %s, venue %s (%s)", name, scale.String(v), venue, field))
		}
	}
	equal("tick", "priceFilter.tickSize", sp.PriceScale, sp.Tick, in.TickSize, true)
	equal("lot", stepField, sp.QtyScale, sp.Lot, in.QtyStep, true)
	minQty := sp.MinQty
	if minQty == 0 {
		minQty = sp.Lot // Spec: 0 means Lot
	}
	equal("min qty", "lotSizeFilter.minOrderQty", sp.QtyScale, minQty, in.MinOrderQty, false)
	equal("min notional", minNotionalField, sp.PriceScale, sp.MinNotional, in.MinNotional, false)
	if in.MaxOrderQty != "" && sp.MaxQty != 0 {
		d, err := decimal.NewFromString(in.MaxOrderQty)
		switch {
		case err != nil:
			out = append(out, fmt.Sprintf("max qty: venue %q (%s) is not a number", in.MaxOrderQty, maxField))
		case sp.QtyScale.Decimal(sp.MaxQty).GreaterThan(d):
			out = append(out, fmt.Sprintf("max qty: configured %s, above the venue's %s (%s)", sp.QtyScale.String(sp.MaxQty), in.MaxOrderQty, maxField))
		}
	}
	return out
}

// CheckInstruments asks Bybit at restURL (https://api.bybit.com) for the rules of each
// of specs, all of category, and compares them with the configuration
// (CheckInstrument). It returns an error naming every difference, or one saying why the
// venue could not be asked. One query per instrument, each bounded by a 10 s timeout
// and never retried: the session refuses to start and its operator starts it again.
func CheckInstruments(ctx context.Context, client *http.Client, restURL string, category Category, specs []*instrument.Spec) error {
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	var errs []string
	for _, sp := range specs {
		list, err := fetchInstrumentsInfo(ctx, client, restURL, category, sp.ID.Symbol)
		if err != nil {
			return fmt.Errorf("bybit instrument check: %s: %w", sp.ID, err)
		}
		var found *InstrumentInfo
		for i := range list {
			if list[i].Symbol == sp.ID.Symbol {
				found = &list[i]
			}
		}
		if found == nil {
			errs = append(errs, fmt.Sprintf("instrument %s: Bybit does not list it in category %s (it lists only symbols with status Trading unless asked: pre-launch, settling or delisted?)", sp.ID, category))
			continue
		}
		for _, d := range CheckInstrument(sp, category, *found) {
			errs = append(errs, fmt.Sprintf("instrument %s: %s", sp.ID, d))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("the configured instruments differ from Bybit's /v5/market/instruments-info:\n  %s", strings.Join(errs, "\n  "))
	}
	return nil
}

func fetchInstrumentsInfo(ctx context.Context, client *http.Client, restURL string, category Category, symbol string) ([]InstrumentInfo, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	q := url.Values{"category": {string(category)}, "symbol": {symbol}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(restURL, "/")+"/v5/market/instruments-info?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET instruments-info: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, instrumentsBody+1))
	if err != nil {
		return nil, fmt.Errorf("GET instruments-info: %w", err)
	}
	if len(body) > instrumentsBody {
		return nil, fmt.Errorf("GET instruments-info: answer over %d bytes", instrumentsBody)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET instruments-info: HTTP %d: %.200s", resp.StatusCode, body)
	}
	return ParseInstrumentsInfo(category, body)
}
