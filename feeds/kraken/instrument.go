package kraken

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/instrument"
)

// ErrNoInstrument reports that an instrument message does not list the
// symbol asked for.
var ErrNoInstrument = errors.New("symbol not in instrument message")

// InstrumentScales returns the price and quantity scales of symbol from a
// message of Kraken's v2 instrument channel
// (https://docs.kraken.com/api/docs/websocket-v2/instrument):
//
//	{"channel":"instrument","type":"snapshot","data":{"assets":[...],
//	 "pairs":[{"symbol":"BTC/USD","price_precision":1,"qty_precision":8,...}]}}
//
// These are the scales a Feed must be configured with, because Kraken
// computes the book checksum from prices and quantities written at exactly
// these precisions. It runs once per instrument at startup, off the hot
// path, so it uses encoding/json and allocates.
func InstrumentScales(msg []byte, symbol string) (price, qty fixed.Scale, err error) {
	var m struct {
		Channel string `json:"channel"`
		Data    struct {
			Pairs []struct {
				Symbol         string `json:"symbol"`
				PricePrecision *int   `json:"price_precision"`
				QtyPrecision   *int   `json:"qty_precision"`
			} `json:"pairs"`
		} `json:"data"`
	}
	if err := json.Unmarshal(msg, &m); err != nil {
		return 0, 0, fmt.Errorf("kraken: instrument message: %w", err)
	}
	if m.Channel != "instrument" {
		return 0, 0, fmt.Errorf("kraken: channel %q is not instrument", m.Channel)
	}
	for _, p := range m.Data.Pairs {
		if p.Symbol != symbol {
			continue
		}
		if p.PricePrecision == nil || p.QtyPrecision == nil {
			return 0, 0, fmt.Errorf("kraken: instrument %s: missing price_precision or qty_precision", symbol)
		}
		pp, qp := *p.PricePrecision, *p.QtyPrecision
		if pp < 0 || pp > int(fixed.MaxScale) || qp < 0 || qp > int(fixed.MaxScale) {
			return 0, 0, fmt.Errorf("kraken: instrument %s: precisions %d/%d out of range", symbol, pp, qp)
		}
		return fixed.Scale(pp), fixed.Scale(qp), nil
	}
	return 0, 0, fmt.Errorf("kraken: %s: %w", symbol, ErrNoInstrument)
}

// Pair is what Kraken's instrument channel says of one pair, as an instrument.Spec at
// the pair's own precisions (PriceScale = price_precision, QtyScale = qty_precision),
// with its status ("online" when it trades).
type Pair struct {
	Spec   instrument.Spec
	Status string
}

// ParsePairs reads the pairs of an instrument channel message
// (https://docs.kraken.com/api/docs/websocket-v2/instrument): symbol, base, quote,
// status, price_precision, qty_precision, price_increment, qty_increment, qty_min and
// cost_min. Numbers are read exactly through their text, exponents included. It runs
// once at startup and allocates.
func ParsePairs(msg []byte) (map[string]Pair, error) {
	var m struct {
		Channel string `json:"channel"`
		Data    struct {
			Pairs []struct {
				Symbol         string      `json:"symbol"`
				Base           string      `json:"base"`
				Quote          string      `json:"quote"`
				Status         string      `json:"status"`
				PricePrecision *int        `json:"price_precision"`
				QtyPrecision   *int        `json:"qty_precision"`
				PriceIncrement json.Number `json:"price_increment"`
				QtyIncrement   json.Number `json:"qty_increment"`
				QtyMin         json.Number `json:"qty_min"`
				CostMin        json.Number `json:"cost_min"`
			} `json:"pairs"`
		} `json:"data"`
	}
	d := json.NewDecoder(bytes.NewReader(msg))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		return nil, fmt.Errorf("kraken: instrument message: %w", err)
	}
	if m.Channel != "instrument" {
		return nil, fmt.Errorf("kraken: channel %q is not instrument", m.Channel)
	}
	out := map[string]Pair{}
	for _, p := range m.Data.Pairs {
		if p.PricePrecision == nil || p.QtyPrecision == nil {
			return nil, fmt.Errorf("kraken: instrument %s: missing price_precision or qty_precision", p.Symbol)
		}
		pp, qp := *p.PricePrecision, *p.QtyPrecision
		if pp < 0 || pp > int(fixed.MaxScale) || qp < 0 || qp > int(fixed.MaxScale) {
			return nil, fmt.Errorf("kraken: instrument %s: precisions %d/%d out of range", p.Symbol, pp, qp)
		}
		ps, qs := fixed.Scale(pp), fixed.Scale(qp)
		sp := instrument.Spec{ID: instrument.ID{Venue: instrument.VenueKraken, Symbol: p.Symbol}, Kind: instrument.Spot,
			Base: p.Base, Quote: p.Quote, PriceScale: ps, QtyScale: qs}
		var errs []error
		num := func(name string, n json.Number, s fixed.Scale) int64 {
			if n == "" {
				return 0
			}
			dec, err := decimal.NewFromString(n.String())
			if err == nil {
				var v int64
				if v, err = s.FromDecimal(dec); err == nil {
					return v
				}
			}
			errs = append(errs, fmt.Errorf("%s %s: %v", name, n, err))
			return 0
		}
		sp.Tick = num("price_increment", p.PriceIncrement, ps)
		sp.Lot = num("qty_increment", p.QtyIncrement, qs)
		sp.MinQty = num("qty_min", p.QtyMin, qs)
		sp.MinNotional = num("cost_min", p.CostMin, ps)
		if err := errors.Join(errs...); err != nil {
			return nil, fmt.Errorf("kraken: instrument %s: %w", p.Symbol, err)
		}
		out[p.Symbol] = Pair{Spec: sp, Status: p.Status}
	}
	return out, nil
}

// CheckPair compares a configured Kraken instrument with what Kraken says of it: the
// scales must equal Kraken's precisions, because the book checksum is computed from
// numbers written at exactly those; the pair must be online; and the rules must agree
// (instrument.Spec.Diff). It returns every difference.
func CheckPair(sp *instrument.Spec, p Pair) []string {
	var out []string
	if sp.PriceScale != p.Spec.PriceScale {
		out = append(out, fmt.Sprintf("price scale: configured %d decimals, Kraken's price_precision %d (the book checksum needs them equal)", sp.PriceScale, p.Spec.PriceScale))
	}
	if sp.QtyScale != p.Spec.QtyScale {
		out = append(out, fmt.Sprintf("quantity scale: configured %d decimals, Kraken's qty_precision %d (the book checksum needs them equal)", sp.QtyScale, p.Spec.QtyScale))
	}
	if p.Status != "" && p.Status != "online" {
		out = append(out, fmt.Sprintf("status %q: not online", p.Status))
	}
	return append(out, sp.Diff(&p.Spec)...)
}
