package kraken

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/nanotick/nanotick/fixed"
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
