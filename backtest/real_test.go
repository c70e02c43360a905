package backtest

import (
	"bytes"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/engine"
	"github.com/nanotick/nanotick/examples/strategies/marketmaker"
	"github.com/nanotick/nanotick/feeds/binance"
	"github.com/nanotick/nanotick/internal/testdata"
	"github.com/nanotick/nanotick/risk"
	"github.com/nanotick/nanotick/strategy"
)

const spotFile = "binance-spot-btcusdt-20240808.gz"

// spotEngine is BTCUSDT on Binance Spot with its real trading rules and limits loose
// enough for the market maker to trade through the recording.
func spotEngine() engine.Config {
	return engine.Config{
		Venue: binance.Spot,
		Instrument: strategy.Instrument{
			Symbol: "BTCUSDT", PriceScale: 8, QtyScale: 8,
			Tick: 1_000_000, Lot: 1_000,
		},
		Rules: risk.Instrument{
			PriceScale: 8, QtyScale: 8,
			Tick: 1_000_000, Lot: 1_000,
			MinQty: 1_000, MaxQty: 9000 * 100_000_000,
			MinNotional: 5 * 100_000_000,
		},
		Risk: risk.Config{
			MaxOrderQty:      decimal.RequireFromString("0.01"),
			MaxOrderNotional: decimal.RequireFromString("1000"),
			PriceBandBps:     decimal.RequireFromString("50"),
			StaleAfter:       5 * time.Second,
			MaxPosition:      decimal.RequireFromString("0.05"),
			MaxOpenOrders:    10,
			OrdersPerSecond:  decimal.RequireFromString("50"),
			OrderBurst:       100,
			DuplicateWindow:  50 * time.Millisecond,
			MaxDailyLoss:     decimal.RequireFromString("500"),
			MaxDrawdown:      decimal.RequireFromString("500"),
		},
		TimerInterval: time.Second,
	}
}

func spotBacktest(t testing.TB) Config {
	lat, err := ConstantLatency(5*time.Millisecond, 5*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	return Config{
		Engine:         spotEngine(),
		Strategy:       marketmaker.New(),
		StrategyName:   "marketmaker",
		Data:           []string{testdata.SharedData(t, spotFile)},
		Latency:        lat,
		MakerFeeBps:    -0.5,
		TakerFeeBps:    4.5,
		Queue:          RiskAverse,
		PartialFills:   true,
		InitialBalance: decimal.RequireFromString("10000"),
	}
}

func TestSpotMarketMaker(t *testing.T) {
	rep, err := Run(spotBacktest(t))
	if err != nil {
		t.Fatal(err)
	}
	var sum bytes.Buffer
	_ = rep.WriteSummary(&sum)
	t.Logf("\n%s", sum.String())
	if rep.Events.Frames != 41249 || rep.Events.Malformed != 0 || rep.Events.EngineMalformed != 0 {
		t.Errorf("frames %d malformed %d/%d", rep.Events.Frames, rep.Events.Malformed, rep.Events.EngineMalformed)
	}
	if rep.Events.EngineGaps != 0 || rep.Events.ExchangeGaps != 0 {
		t.Errorf("gaps: engine %d exchange %d", rep.Events.EngineGaps, rep.Events.ExchangeGaps)
	}
	if rep.Orders.Sent == 0 || rep.Orders.Fills == 0 {
		t.Errorf("sent %d, fills %d: the market maker did not trade", rep.Orders.Sent, rep.Orders.Fills)
	}
	if rep.Halted != "" {
		t.Errorf("halted: %s", rep.Halted)
	}
	// The spot recording's local clock is ~1.27 s behind the exchange's.
	if off := time.Duration(rep.Feed.ClockOffsetNs); off > -1200*time.Millisecond || off < -1300*time.Millisecond {
		t.Errorf("clock offset %v, want about -1.27s", off)
	}
}
