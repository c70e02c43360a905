package backtest

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/backtest/recorded"
	"github.com/nanotick/nanotick/engine"
	"github.com/nanotick/nanotick/examples/strategies/marketmaker"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/internal/enginetest"
	"github.com/nanotick/nanotick/internal/testdata"
	"github.com/nanotick/nanotick/risk"
	"github.com/nanotick/nanotick/strategy"
)

const spotFile = "binance-spot-btcusdt-20240808.gz"

// spotEngine is BTCUSDT on Binance Spot with its real trading rules and limits loose
// enough for the market maker to trade through the recording.
func spotEngine() engine.Config { return enginetest.SpotConfig() }

// recordingBacktest is spotBacktest for rec "spot" and usdmRun (the Go market maker) for
// "usdm": the configuration the tests that run on both shared recordings start from.
func recordingBacktest(t testing.TB, rec string) Config {
	if rec == "usdm" {
		return usdmRun(t, false)
	}
	return spotBacktest(t)
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
		Open:           recorded.Open,
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

func TestSpotReportIsConsistent(t *testing.T) {
	rep, err := Run(spotBacktest(t))
	if err != nil {
		t.Fatal(err)
	}
	res := rep.Result
	initial := rep.Settings.InitialBalance
	if want := initial.Add(res.Realized).Add(res.Unrealized).Sub(res.Fees); !res.FinalEquity.Equal(want) {
		t.Errorf("final equity %s != initial + realized + unrealized − fees = %s", res.FinalEquity, want)
	}
	if !res.PnL.Equal(res.FinalEquity.Sub(initial)) {
		t.Errorf("pnl %s, equity %s", res.PnL, res.FinalEquity)
	}
	checkEngineAgrees(t, rep)
	o := rep.Orders
	if o.Fills != o.MakerFills+o.TakerFills || o.Acks > o.Sent {
		t.Errorf("fills %d = %d maker + %d taker? acks %d of %d sent", o.Fills, o.MakerFills, o.TakerFills, o.Acks, o.Sent)
	}
	var venueRejects uint64
	for _, rc := range o.VenueRejections {
		venueRejects += rc.Count
	}
	if o.Acks+venueRejects != o.Sent {
		t.Errorf("%d acks + %d venue rejections != %d sent: every order reaches the exchange", o.Acks, venueRejects, o.Sent)
	}
	last := rep.Equity[len(rep.Equity)-1]
	if !last.Equity.Equal(res.FinalEquity) || !last.Position.Equal(res.Position) || !last.Mid.Equal(res.Mark) {
		t.Errorf("equity curve ends at %+v; final equity %s, position %s, mark %s", last, res.FinalEquity, res.Position, res.Mark)
	}
	// The fill log adds up to the account.
	var pos, fees, vol decimal.Decimal
	var makers uint64
	for i, f := range rep.Fills {
		if i > 0 && f.Time < rep.Fills[i-1].Time {
			t.Fatalf("fill %d at %d before fill %d", i, f.Time, i-1)
		}
		q := f.Qty
		if f.Side == "sell" {
			q = q.Neg()
		}
		pos, fees, vol = pos.Add(q), fees.Add(f.Fee), vol.Add(f.Qty)
		if f.Maker {
			makers++
		}
	}
	if uint64(len(rep.Fills)) != o.Fills || makers != o.MakerFills || !pos.Equal(res.Position) || !fees.Equal(res.Fees) || !vol.Equal(res.Volume) {
		t.Errorf("fill log: %d fills (%d maker), position %s, fees %s, volume %s; report: %d (%d), %s, %s, %s",
			len(rep.Fills), makers, pos, fees, vol, o.Fills, o.MakerFills, res.Position, res.Fees, res.Volume)
	}
	for i := 1; i < len(rep.Equity); i++ {
		if rep.Equity[i].Time <= rep.Equity[i-1].Time {
			t.Fatalf("equity sample %d at %d after %d", i, rep.Equity[i].Time, rep.Equity[i-1].Time)
		}
	}
}

func TestSpotDeterministicJSON(t *testing.T) {
	// Draws from a latency distribution too: the seed makes them repeat, even when the
	// two runs share the model.
	lat, err := ParseLatency(strings.NewReader("2ms 3ms\n5ms 4ms\n11ms 9ms\n"), 7)
	if err != nil {
		t.Fatal(err)
	}
	var out [2][]byte
	for i := range out {
		cfg := spotBacktest(t)
		cfg.Latency = lat
		cfg.Queue = PowerLaw
		rep, err := Run(cfg)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := rep.WriteJSON(&b); err != nil {
			t.Fatal(err)
		}
		out[i] = b.Bytes()
	}
	if !bytes.Equal(out[0], out[1]) {
		t.Fatalf("two runs wrote different JSON (%d and %d bytes)", len(out[0]), len(out[1]))
	}
	if !bytes.Contains(out[0], []byte(`"fills"`)) || bytes.Contains(out[0], []byte("events_per_second")) {
		t.Error("JSON lacks the fills or carries wall-clock figures")
	}
}

const usdmFile = "binance-usdm-btcusdt-20240808.gz"

func TestUSDMMarketMaker(t *testing.T) {
	cfg := spotBacktest(t)
	cfg.Data = []string{testdata.SharedData(t, usdmFile)}
	ec := &cfg.Engine
	ec.Venue = instrument.VenueBinanceUSDM
	// BTCUSDT perpetual: tick 0.1, step 0.001, min notional 100 USDT; the feed sends
	// 2 and 3 decimals.
	ec.Instrument = strategy.Instrument{Symbol: "BTCUSDT", PriceScale: 2, QtyScale: 3, Tick: 10, Lot: 1}
	ec.Rules = risk.Instrument{PriceScale: 2, QtyScale: 3, Tick: 10, Lot: 1, MinQty: 1, MaxQty: 1000_000, MinNotional: 100_00}
	ec.Params = strategy.Params{"size": 0.002}
	rep, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var sum bytes.Buffer
	_ = rep.WriteSummary(&sum)
	t.Logf("\n%s", sum.String())
	if rep.Events.Malformed != 0 || rep.Events.EngineMalformed != 0 || rep.Events.ExchangeMalformed != 0 {
		t.Errorf("malformed: %+v", rep.Events)
	}
	if rep.Events.EngineGaps != 0 || rep.Events.ExchangeGaps != 0 {
		t.Errorf("gaps: engine %d exchange %d", rep.Events.EngineGaps, rep.Events.ExchangeGaps)
	}
	if rep.Orders.Fills == 0 || rep.Halted != "" {
		t.Errorf("fills %d, halted %q", rep.Orders.Fills, rep.Halted)
	}
	checkEngineAgrees(t, rep)
}

// checkEngineAgrees checks that what the engine booked from the fills it received is
// what the exchange filled: the same position, and the exact fees rounded once to the
// price scale, half away from zero (decimal's Round), however many fills.
func checkEngineAgrees(t *testing.T, rep *Report) {
	t.Helper()
	res := rep.Result
	if !res.EnginePosition.Equal(res.Position) {
		t.Errorf("engine position %s, exchange position %s", res.EnginePosition, res.Position)
	}
	if want := res.Fees.Round(int32(rep.priceScale)); !res.EngineFees.Equal(want) {
		t.Errorf("engine fees %s, exact fees %s rounded to the price scale %s (%d fills)", res.EngineFees, res.Fees, want, rep.Orders.Fills)
	}
	if rep.Orders.Fills > 0 && res.Fees.IsZero() && rep.Settings.MakerFeeBps != 0 {
		t.Error("no fees booked")
	}
}
