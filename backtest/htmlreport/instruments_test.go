package htmlreport

import (
	"bytes"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/backtest"
)

// TestInstrumentRows: a report of several instruments shows each one beside the total.
func TestInstrumentRows(t *testing.T) {
	r := &backtest.Report{Strategy: "pair", Instruments: []backtest.InstrumentResult{
		{Name: "binance-spot:BTCUSDT", Quote: "USDT", Fills: 3, PnL: decimal.RequireFromString("1.5")},
		{Name: "binance-usdm:BTCUSDT", Quote: "USDT", Fills: 2, PnL: decimal.RequireFromString("-0.5")},
	}}
	var b bytes.Buffer
	if err := Write(&b, r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Instrument binance-spot:BTCUSDT", "PnL 1.5 USDT", "Instrument binance-usdm:BTCUSDT", "PnL -0.5 USDT"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if rows := instrumentRows(&backtest.Report{Instruments: r.Instruments[:1]}); rows != nil {
		t.Errorf("one instrument: rows %v, want none (the total is the instrument)", rows)
	}
}
