package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

// inverseFixture is a file of feeds/tardis/testdata/inverse (its gen.py): Deribit's
// inverse BTC-PERPETUAL from 00:00 to 00:02 UTC on 2024-08-08, amounts in USD; the book
// moves from 49999.5 / 50000 to 55000 / 55000.5 at 00:01.
func inverseFixture(dataset string) string {
	return tardisFixture(filepath.Join("inverse", "deribit_"+dataset+"_2024-08-08_BTC-PERPETUAL.csv.gz"))
}

// TestBacktestTardisInverse backtests Deribit's inverse BTC-PERPETUAL from Tardis book,
// trades and derivative_ticker files with testdata/tardis_inverse.toml (kind =
// "inverse_perpetual"): testdata/round_trip.js buys 1000 USD at the ask, 50000, and
// sells it at the bid once the book has moved, 55000, both IOC at a 5 bps taker fee, on
// an initial balance of 1 BTC. By hand, in BTC:
//
//	buy  1000 USD at 50000: 1000/50000 = 0.02 BTC of contracts, fee 0.0005 × 0.02 = 0.00001
//	sell 1000 USD at 55000: 1000/55000 = 0.018181818181818182 BTC, fee 0.0005 × that = 0.000009090909090909
//	realized 0.02 − 0.018181818181818182 = 0.001818181818181818 (= 1000 × (1/50000 − 1/55000))
//	fees 0.000019090909090909; PnL 0.001799090909090909; equity 1.001799090909090909 BTC
//
// The report says its money is in BTC; volume and turnover are 2000 USD; the ticker's
// marks are read, but Deribit gives no funding time, and the report says so. Risk counts
// the order's notional as its 1000 USD (a linear reading, 50000 × 1000, would break the
// 5000 limit): a 6000 USD order is refused for its notional.
func TestBacktestTardisInverse(t *testing.T) {
	dir := t.TempDir()
	run := func(extra ...string) (string, []byte) {
		out := filepath.Join(dir, "r.json")
		a := append([]string{"--config", "testdata/tardis_inverse.toml", "--data", inverseFixture("incremental_book_L2"),
			"--data", inverseFixture("trades"), "--data", inverseFixture("derivative_ticker"),
			"--taker-fee-bps", "5", "--initial-balance", "1", "--json", out, "--log-level", "off"}, extra...)
		code, stdout, stderr := runBT(t, a...)
		if code != 0 {
			t.Fatalf("exit %d: %s\n%s", code, stderr, stdout)
		}
		_, raw := readReport(t, out)
		return stdout, raw
	}
	stdout, raw := run()
	var r struct {
		Settings struct {
			Currency string `json:"currency"`
		} `json:"settings"`
		Result struct {
			FinalEquity                                                          decimal.Decimal `json:"final_equity"`
			PnL, Realized, Unrealized, Fees, Funding, Position, Volume, Turnover decimal.Decimal
		} `json:"result"`
		Funding struct {
			Source string `json:"source"`
			Note   string `json:"note"`
		} `json:"funding"`
		Fills []struct {
			Price, Qty, Fee decimal.Decimal
			Side            string
		} `json:"fills"`
		Instruments []struct {
			Quote string `json:"quote"`
		} `json:"instruments"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatal(err)
	}
	d := decimal.RequireFromString
	res := r.Result
	for _, c := range []struct {
		name      string
		got, want decimal.Decimal
	}{
		{"realized", res.Realized, d("0.001818181818181818")},
		{"fees", res.Fees, d("0.000019090909090909")},
		{"pnl", res.PnL, d("0.001799090909090909")},
		{"final equity", res.FinalEquity, d("1.001799090909090909")},
		{"unrealized", res.Unrealized, d("0")},
		{"funding", res.Funding, d("0")},
		{"position", res.Position, d("0")},
		{"volume", res.Volume, d("2000")},
		{"turnover", res.Turnover, d("2000")},
	} {
		if !c.got.Equal(c.want) {
			t.Errorf("%s %s, want %s", c.name, c.got, c.want)
		}
	}
	if len(r.Fills) != 2 || r.Fills[0].Side != "buy" || !r.Fills[0].Price.Equal(d("50000")) || !r.Fills[0].Fee.Equal(d("0.00001")) ||
		r.Fills[1].Side != "sell" || !r.Fills[1].Price.Equal(d("55000")) || !r.Fills[1].Fee.Equal(d("0.000009090909090909")) {
		t.Errorf("fills %+v", r.Fills)
	}
	if r.Settings.Currency != "BTC" || len(r.Instruments) != 1 || r.Instruments[0].Quote != "BTC" {
		t.Errorf("currency %q, instruments %+v", r.Settings.Currency, r.Instruments)
	}
	if !strings.Contains(stdout, "currency     BTC: PnL, fees, funding and equity in BTC") || !strings.Contains(stdout, "PnL          0.00179909 ") {
		t.Errorf("summary:\n%s", stdout)
	}
	if r.Funding.Source != "recorded derivative_ticker" || !strings.Contains(r.Funding.Note, "no funding time") {
		t.Errorf("funding %+v", r.Funding)
	}

	// 6000 USD is over the 5000 USD max_order_notional: refused by risk, nothing filled.
	_, raw = run("--param", "size=6000")
	var big struct {
		Orders struct {
			RiskRejections []struct {
				Reason string `json:"reason"`
			} `json:"risk_rejections"`
			Fills int `json:"fills"`
		} `json:"orders"`
	}
	if err := json.Unmarshal(raw, &big); err != nil {
		t.Fatal(err)
	}
	if big.Orders.Fills != 0 || len(big.Orders.RiskRejections) != 1 || !strings.Contains(big.Orders.RiskRejections[0].Reason, "notional") {
		t.Errorf("a 6000 USD order: %+v", big.Orders)
	}
}
