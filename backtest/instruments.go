package backtest

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/engine"
	"github.com/nanotick/nanotick/instrument"
)

// InstrumentResult is one instrument's part of a run: its fills and what they made, in
// its quote currency. A run's Result is the total of its instruments'.
type InstrumentResult struct {
	Name       string          `json:"name"` // venue:SYMBOL
	Quote      string          `json:"quote"`
	Fills      uint64          `json:"fills"`
	Volume     decimal.Decimal `json:"volume"` // base quantity traded
	Position   decimal.Decimal `json:"position"`
	Realized   decimal.Decimal `json:"realized"` // before fees
	Unrealized decimal.Decimal `json:"unrealized"`
	Fees       decimal.Decimal `json:"fees"`
	Funding    decimal.Decimal `json:"funding"` // a perpetual's funding received (negative: paid)
	PnL        decimal.Decimal `json:"pnl"`     // realized + unrealized − fees + funding
	// Quoting is this instrument's quoting clock, kept by its own exchange, which knows
	// its book and the strategy's orders resting on it.
	Quoting Quoting `json:"quoting"`
}

// instrumentName is the engine's instrument as venue:SYMBOL.
func instrumentName(ec engine.Config) string {
	venue := ec.Venue
	if venue == "" {
		venue = instrument.VenueBinanceSpot // as the engine assumes
	}
	return venue + ":" + ec.Instrument.Symbol
}

// quoteOf returns a symbol's quote asset by its known suffixes, or "" when it cannot tell.
func quoteOf(symbol string) string {
	for _, q := range []string{"FDUSD", "USDT", "USDC", "BUSD", "TUSD", "EUR", "USD", "BTC", "ETH", "BNB"} {
		if len(symbol) > len(q) && strings.HasSuffix(symbol, q) {
			return q
		}
	}
	return ""
}

// writeInstruments writes a line per instrument when there are several: the summary's
// other lines are their total.
func (r *Report) writeInstruments(b *strings.Builder) {
	if len(r.Instruments) < 2 {
		return
	}
	for _, in := range r.Instruments {
		fmt.Fprintf(b, "  %-12s %s: pnl %s = realized %s + unrealized %s - fees %s, position %s, %d fills, volume %s\n",
			"instrument", in.Name, in.PnL.StringFixed(4), in.Realized.StringFixed(4), in.Unrealized.StringFixed(4), in.Fees.StringFixed(4),
			in.Position.String(), in.Fills, in.Volume.String())
	}
}

// InstrumentData is one instrument's recordings, consecutive segments of its stream in
// order, and its venue's order-path latency (nil: Config.Latency).
type InstrumentData struct {
	Data    []string
	Latency *Latency
}
