package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

// fundingFixture is a file of feeds/tardis/testdata/funding (its gen.py): OKX
// BTC-USDT-SWAP from 07:59:00 to 16:00:30 UTC on 2024-08-09, across OKX's funding
// times 08:00 and 16:00.
func fundingFixture(dataset string) string {
	return tardisFixture(filepath.Join("funding", "okex-swap_"+dataset+"_2024-08-09_BTC-USDT-SWAP.csv.gz"))
}

type fundingJSON struct {
	Funding struct {
		Source   string `json:"source"`
		Note     string `json:"note"`
		Payments int    `json:"payments"`
		Total    decimal.Decimal
		Events   []struct {
			Time     string          `json:"time"`
			Position decimal.Decimal `json:"position"`
			Mark     decimal.Decimal `json:"mark"`
			Rate     decimal.Decimal `json:"rate"`
			Amount   decimal.Decimal `json:"amount"`
		} `json:"events"`
	} `json:"funding"`
	Fills []struct {
		Price decimal.Decimal `json:"price"`
		Qty   decimal.Decimal `json:"qty"`
	} `json:"fills"`
}

// TestBacktestTardisFunding: an OKX swap backtest from book, trades and
// derivative_ticker files charges funding at OKX's documented times (08:00 and 16:00
// UTC, the ticker's funding_timestamp) on the position held, at the rate and mark
// price the ticker gave last before each, and the report names the derivative_ticker
// as the source. The strategy (testdata/hold_perp.js) buys only once book.mark(),
// book.fundingRate() and book.nextFundingTime() are set, so its fill shows that it
// sees them. By hand, for one contract of 0.01 BTC held long:
//
//	08:00  rate 0.0001,   mark 56500.5: −0.01 × 56500.5 × 0.0001   = −0.0565005 USDT
//	16:00  rate −0.00005, mark 56480:   −0.01 × 56480 × (−0.00005) = +0.02824 USDT
//	total −0.0282605 USDT
//
// The cache gives the same report; without the ticker file there is no funding, and
// the report says which file to give.
func TestBacktestTardisFunding(t *testing.T) {
	dir, cache := t.TempDir(), t.TempDir()
	args := func(out string, ticker bool) []string {
		a := []string{"--config", "testdata/tardis_funding.toml", "--data", fundingFixture("incremental_book_L2"),
			"--data", fundingFixture("trades"), "--json", out, "--log-level", "off"}
		if ticker {
			a = append(a, "--data", fundingFixture("derivative_ticker"))
		}
		return a
	}
	var raws []string
	for i := range 2 {
		out := filepath.Join(dir, "r.json")
		a := args(out, true)
		if i > 0 {
			a = append(a, "--cache", cache)
		}
		code, stdout, stderr := runBT(t, a...)
		if code != 0 {
			t.Fatalf("exit %d: %s\n%s", code, stderr, stdout)
		}
		if !strings.Contains(stdout, "funding      -0.0283 from recorded derivative_ticker, 2 payments") {
			t.Fatalf("summary:\n%s", stdout)
		}
		_, raw := readReport(t, out)
		raws = append(raws, string(raw))
		var r fundingJSON
		if err := json.Unmarshal(raw, &r); err != nil {
			t.Fatal(err)
		}
		if len(r.Fills) != 1 || !r.Fills[0].Qty.Equal(decimal.RequireFromString("0.01")) {
			t.Fatalf("fills %+v", r.Fills)
		}
		f := r.Funding
		want := []struct{ time, mark, rate, amount string }{
			{"2024-08-09T08:00:00Z", "56500.5", "0.0001", "-0.0565005"},
			{"2024-08-09T16:00:00Z", "56480", "-0.00005", "0.02824"},
		}
		if f.Source != "recorded derivative_ticker" || f.Payments != 2 || len(f.Events) != 2 || !f.Total.Equal(decimal.RequireFromString("-0.0282605")) {
			t.Fatalf("funding %+v", f)
		}
		for k, w := range want {
			e := f.Events[k]
			if e.Time != w.time || !e.Position.Equal(decimal.RequireFromString("0.01")) || !e.Mark.Equal(decimal.RequireFromString(w.mark)) ||
				!e.Rate.Equal(decimal.RequireFromString(w.rate)) || !e.Amount.Equal(decimal.RequireFromString(w.amount)) {
				t.Fatalf("payment %d: %+v, want %+v", k, e, w)
			}
		}
	}
	if raws[0] != raws[1] {
		t.Fatal("the cache changed the report")
	}

	out := filepath.Join(dir, "none.json")
	code, stdout, stderr := runBT(t, args(out, false)...)
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, stderr, stdout)
	}
	_, raw := readReport(t, out)
	var r fundingJSON
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatal(err)
	}
	// Without reference prices the strategy never buys, and nothing is charged.
	if r.Funding.Payments != 0 || len(r.Fills) != 0 || !strings.Contains(r.Funding.Note, "no derivative_ticker") || !strings.Contains(r.Funding.Note, "--funding-file") {
		t.Fatalf("funding without a ticker: %+v, fills %d", r.Funding, len(r.Fills))
	}

	// A derivative_ticker alone replays no market.
	code, _, stderr = runBT(t, "--config", "testdata/tardis_funding.toml", "--data", fundingFixture("derivative_ticker"))
	if code == 0 || !strings.Contains(stderr, "replay no market") {
		t.Fatalf("ticker alone: exit %d, %s", code, stderr)
	}
}
