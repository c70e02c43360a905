package binance

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/exchange"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/perp"
	"github.com/nanotick/nanotick/risk"
)

// riskSink is a syncSink whose perpetual account goes to a real risk.Checker, as the
// engine's does.
type riskSink struct {
	syncSink
	risk     *risk.Checker
	accounts int
	brackets perp.Brackets
}

func (s *riskSink) OnPerpAccount(i instrument.Index, collateral int64, b perp.Brackets) (risk.Book, error) {
	s.accounts++
	s.brackets = b
	book, _ := s.risk.Book()
	return book, s.risk.SetPerpAccount(collateral, b)
}

func perpRiskChecker(t *testing.T) *risk.Checker {
	t.Helper()
	d := decimal.RequireFromString
	c, err := risk.New(risk.Config{MaxOrderQty: d("1"), MaxOrderNotional: d("100000"), PriceBandBps: d("50"),
		StaleAfter: time.Second, MaxPosition: d("2"), MaxOpenOrders: 8, OrdersPerSecond: d("10"), OrderBurst: 5,
		DuplicateWindow: 100 * time.Millisecond, MaxDailyLoss: d("1000"), MaxDrawdown: d("2000"),
		Perp: risk.PerpConfig{Collateral: d("1000"), MaxLeverage: d("5"), MinLiquidationDistanceBps: d("100"),
			Brackets: perp.Brackets{{NotionalFloor: d("0"), NotionalCap: d("1000000000"), MaintMarginRatio: d("0.05"), InitialLeverage: 20}}}},
		risk.Instrument{PriceScale: 2, QtyScale: 3, Tick: 10, Lot: 1, MinQty: 1, MaxQty: 1_000_000, MinNotional: 10_000})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestFuturesPerpAccountReachesRisk: after start, and again after a reconnect's
// reconciliation, risk's perpetual limits are measured against the venue's USDT wallet
// balance (GET /fapi/v3/account) and its brackets (GET /fapi/v1/leverageBracket), not
// the config's 1000 USDT and one bracket.
func TestFuturesPerpAccountReachesRisk(t *testing.T) {
	ex := startUSDMExchange(t, 0)
	g, _, err := startFuturesGateway(t, ex, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := &riskSink{risk: perpRiskChecker(t)}
	if got := s.risk.PerpCollateral(); got != 100000 {
		t.Fatalf("config collateral %d, want 1000.00", got)
	}
	g.Drain(s, time.Now().UnixNano())
	// The exchange's account was opened with 100000 USDT.
	if got, want := s.risk.PerpCollateral(), int64(100000*100); got != want || s.accounts != 1 {
		t.Fatalf("risk collateral %d after %d accounts, want the venue's wallet %d", got, s.accounts, want)
	}
	if want := exchange.USDMBrackets(); len(s.brackets) != len(want) || !s.brackets[1].Cum.Equal(want[1].Cum) ||
		s.brackets[2].InitialLeverage != want[2].InitialLeverage || !s.brackets[3].MaintMarginRatio.Equal(want[3].MaintMarginRatio) {
		t.Fatalf("brackets %v, want the venue's %v", s.brackets, want)
	}
	// Drained once: not handed over again until the next reconciliation.
	g.Drain(s, time.Now().UnixNano())
	if s.accounts != 1 {
		t.Fatalf("account handed over %d times without a reconciliation", s.accounts)
	}

	// After a reconnect the account is read again.
	g.conn.Load().Close()
	drainFut(t, g, s, "the account after the reconnect", func() bool { return s.accounts >= 2 })
	if got := s.risk.PerpCollateral(); got != 100000*100 {
		t.Fatalf("risk collateral %d after reconnect", got)
	}
}
