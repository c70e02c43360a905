package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/config"
	"github.com/nanotick/nanotick/risk"
)

// TestRunUSDMLiquidation runs testdata/perp_long.toml through nanotick run's session: the
// strategy opens a 125x isolated long on the local exchange's perpetual and rests a bid.
// The test then steps the market down until the venue sends MARGIN_CALL, and crashes it
// until the venue liquidates the position. Both are logged and counted, shown in the
// summary and the JSON report; the margin call halts the strategy and every open order
// is cancelled, at the venue and in the engine; the liquidation's fill reaches the
// engine, whose position is then the venue's (flat); and the run ends in an error that
// says why, as a run that did not do what was asked must.
func TestRunUSDMLiquidation(t *testing.T) {
	c, err := config.Load("testdata/perp_long.toml")
	if err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	s, err := startSession(ctx, c, sessionOptions{seed: 7}, zerolog.New(logs).Level(zerolog.InfoLevel))
	if err != nil {
		t.Fatal(err)
	}
	defer s.closeExchange()
	done := make(chan error, 1)
	go func() { done <- s.run(ctx) }()

	const sym = "BTCUSDT"
	// wait polls cond every 100 ms until it holds or the run's deadline passes: it
	// bounds a hang, it times nothing.
	wait := func(what string, cond func() bool) {
		t.Helper()
		for !cond() {
			if ctx.Err() != nil {
				t.Fatalf("%s: not seen before the deadline\n%s", what, logs.String())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	wait("the futures gateway", func() bool { return len(s.futures) == 1 })
	gw := s.futures[0].gw
	wait("the long and the resting bid", func() bool {
		return !gw.Position().Amount.IsZero() && s.ex.USDMOpenOrders(simAPIKey, sym) == 1
	})
	// Jump to a margin ratio of about 60%, then step down 0.03% a mark second: the
	// margin call comes at 80%, the liquidation at 100%, 0.1% of the price apart.
	_, pos, _ := s.ex.USDMAccount(simAPIKey)
	p := pos[sym]
	if !p.Isolated || p.Leverage != 125 || !p.Amount.IsPositive() {
		t.Fatalf("position at the venue: %+v", p)
	}
	mark := p.Entry.Add(p.Unrealized.Div(p.Amount))
	target := p.Entry.Sub(p.IsolatedWallet.Div(p.Amount)).Div(decimal.NewFromInt(1).Sub(decimal.RequireFromString("0.004").Div(decimal.RequireFromString("0.6"))))
	if move, _ := target.Div(mark).Sub(decimal.NewFromInt(1)).Float64(); move < 0 {
		if err := s.ex.Shock(sym, move); err != nil {
			t.Fatal(err)
		}
	}
	for gw.Counters().MarginCalls == 0 {
		if gw.Counters().Liquidations > 0 {
			t.Fatalf("liquidated before any margin call\n%s", logs.String())
		}
		if ctx.Err() != nil {
			t.Fatalf("no margin call before the deadline\n%s", logs.String())
		}
		if err := s.ex.Shock(sym, -0.0003); err != nil {
			t.Fatal(err)
		}
		time.Sleep(1050 * time.Millisecond)
	}
	// The margin call halted the strategy: its resting bid is cancelled at the venue.
	wait("the resting bid cancelled", func() bool { return s.ex.USDMOpenOrders(simAPIKey, sym) == 0 })
	if err := s.ex.Shock(sym, -0.05); err != nil {
		t.Fatal(err)
	}
	wait("the liquidation's fill", func() bool {
		c := gw.Counters()
		return c.Liquidations > 0 && c.ForcedFills > 0 && gw.Position().Amount.IsZero()
	})
	time.Sleep(500 * time.Millisecond) // the engine drains the forced fill on its next pass
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v\n%s", err, logs.String())
	}
	s.shutdown()

	// Counted, and logged.
	gc := gw.Counters()
	if gc.MarginCalls != 1 || gc.Liquidations != 1 || gc.ForcedFills != 1 {
		t.Errorf("usdm counters %+v", gc)
	}
	for _, want := range []string{"margin call on the account (BTCUSDT 0.003 at mark", "liquidation on BTCUSDT: SELL 0.003", "USD-M: halting the strategy"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the log lacks %q", want)
		}
	}
	// The engine: halted, no working order, its position the venue's (flat) after the
	// liquidation's fill.
	rc := s.eng.RiskAt(0)
	_, pos, _ = s.ex.USDMAccount(simAPIKey)
	if rc.State() != risk.Halted || rc.Working() != 0 || rc.Position() != 0 || !pos[sym].Amount.IsZero() {
		t.Errorf("engine: state %v, %d working, position %d; venue position %s", rc.State(), rc.Working(), rc.Position(), pos[sym].Amount)
	}
	if n := s.eng.Counters().ForcedFills; n != 1 {
		t.Errorf("engine forced fills %d, want 1", n)
	}
	if n := s.ex.USDMOpenOrders(simAPIKey, ""); n != 0 {
		t.Errorf("%d orders open at the venue", n)
	}
	// The summary and the report show it; the run's exit says why.
	var sum bytes.Buffer
	s.summary(&sum, c.Latency.ReportPercentiles)
	for _, want := range []string{"liquidations 1, adl 0, margin calls 1", "halted    by the venue: binance-usdm:BTCUSDT: margin call on the account",
		"halted    by the venue: binance-usdm:BTCUSDT: liquidation on BTCUSDT"} {
		if !strings.Contains(sum.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, &sum)
		}
	}
	file := filepath.Join(t.TempDir(), "s.json")
	if err := s.writeRunJSON(file, time.Now()); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Halted  string `json:"halted"`
		Funding struct{ Note string }
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.Halted, "liquidation on BTCUSDT") || !strings.Contains(r.Funding.Note, "liquidations 1, adl 0, margin calls 1") {
		t.Errorf("report: halted %q, funding note %q", r.Halted, r.Funding.Note)
	}
	if err := s.venueHalts.err(); err == nil || !strings.Contains(err.Error(), "the venue halted the strategy") {
		t.Errorf("the run's error: %v", err)
	}
	if t.Failed() {
		t.Log(logs.String())
	}
}
