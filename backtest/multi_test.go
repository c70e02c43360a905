package backtest

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/examples/strategies/spotperp"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/internal/testdata"
)

const usdmData = "binance-usdm-btcusdt-20240808.gz"

// spotPerpBacktest replays the two shared recordings (the same minutes) through the
// spot market maker hedged on the perpetual.
func spotPerpBacktest(t testing.TB) Config {
	cfg := spotBacktest(t)
	cfg.Engine.Instruments = instrument.MustTable(instrument.BinanceSpotBTCUSDT(), instrument.BinanceUSDMBTCUSDT())
	cfg.Strategy, cfg.StrategyName = spotperp.New(), "spotperp"
	cfg.Instruments = []InstrumentData{
		{Data: []string{testdata.SharedData(t, spotFile)}},
		{Data: []string{testdata.SharedData(t, usdmData)}},
	}
	cfg.Data = append(append([]string{}, cfg.Instruments[0].Data...), cfg.Instruments[1].Data...)
	return cfg
}

// TestSpotPerpBacktest is issue 11 items 7 and 8: two instruments of two venues replayed
// together; both get fills, the hedge keeps the net position within a hedge, and the
// top-level figures are the instruments' totals.
func TestSpotPerpBacktest(t *testing.T) {
	rep, err := Run(spotPerpBacktest(t))
	if err != nil {
		t.Fatal(err)
	}
	var sum bytes.Buffer
	_ = rep.WriteSummary(&sum)
	t.Logf("\n%s", sum.String())
	if rep.Events.Frames != 41249+93954 || rep.Events.EngineGaps != 0 || rep.Events.ExchangeGaps != 0 || len(rep.Problems) != 0 {
		t.Errorf("frames %d, gaps %d/%d, problems %v", rep.Events.Frames, rep.Events.EngineGaps, rep.Events.ExchangeGaps, rep.Problems)
	}
	if len(rep.Instruments) != 2 {
		t.Fatalf("instruments %+v", rep.Instruments)
	}
	spot, perp := rep.Instruments[0], rep.Instruments[1]
	if spot.Name != "binance-spot:BTCUSDT" || perp.Name != "binance-usdm:BTCUSDT" || spot.Fills == 0 || perp.Fills == 0 {
		t.Errorf("want fills on both instruments: %+v", rep.Instruments)
	}
	var pnl, fees decimal.Decimal
	var fills uint64
	for _, in := range rep.Instruments {
		pnl, fees, fills = pnl.Add(in.PnL), fees.Add(in.Fees), fills+in.Fills
		if !in.PnL.Equal(in.Realized.Add(in.Unrealized).Sub(in.Fees)) {
			t.Errorf("%s: pnl %s is not realized + unrealized − fees", in.Name, in.PnL)
		}
	}
	if !pnl.Equal(rep.Result.PnL) || !fees.Equal(rep.Result.Fees) || fills != rep.Orders.Fills {
		t.Errorf("total pnl %s fees %s fills %d; instruments add up to %s %s %d", rep.Result.PnL, rep.Result.Fees, rep.Orders.Fills, pnl, fees, fills)
	}
	if net := spot.Position.Add(perp.Position).Abs(); net.GreaterThan(decimal.RequireFromString("0.004")) || !rep.Result.Position.Equal(spot.Position.Add(perp.Position)) {
		t.Errorf("net position %s (spot %s, perp %s, total %s): the hedge did not hold", net, spot.Position, perp.Position, rep.Result.Position)
	}
	seen := map[string]int{}
	for _, f := range rep.Fills {
		seen[f.Instrument]++
	}
	if seen[spot.Name] != int(spot.Fills) || seen[perp.Name] != int(perp.Fills) {
		t.Errorf("fill log by instrument %v", seen)
	}
	for _, want := range []string{"instrument   binance-spot:BTCUSDT", "instrument   binance-usdm:BTCUSDT"} {
		if !strings.Contains(sum.String(), want) {
			t.Errorf("summary lacks %q", want)
		}
	}
	// The same inputs give the same report, prefetching or not.
	cfg := spotPerpBacktest(t)
	cfg.Prefetch = true
	rep2, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var a, b bytes.Buffer
	_ = rep.WriteJSON(&a)
	_ = rep2.WriteJSON(&b)
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two runs of the same inputs gave different reports")
	}
}

// TestVenueLatency: each venue has its own order-path latency: the perp's orders take
// its 80 ms to reach its exchange, the spot's the run's 5 ms.
func TestVenueLatency(t *testing.T) {
	slow, err := ConstantLatency(80*time.Millisecond, 80*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	cfg := spotPerpBacktest(t)
	cfg.Instruments[1].Latency = slow
	cfg.OrderLog = true
	rep, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]time.Duration{"binance-spot:BTCUSDT": 5 * time.Millisecond, "binance-usdm:BTCUSDT": 80 * time.Millisecond}
	checked := map[string]int{}
	for _, f := range rep.Fills {
		for _, o := range rep.OrderLog {
			if o.ID == f.OrderID && o.Arrived > 0 {
				checked[f.Instrument]++
				if d := time.Duration(o.Arrived - o.Sent); d != want[f.Instrument] {
					t.Errorf("%s order %d took %v to arrive, want %v", f.Instrument, o.ID, d, want[f.Instrument])
				}
			}
		}
	}
	if len(checked) != 2 {
		t.Errorf("orders checked by instrument: %v", checked)
	}
}

func TestCheckQuotes(t *testing.T) {
	usdt := laneSpec{name: "binance-spot:BTCUSDT", quote: "USDT"}
	usd := laneSpec{name: "kraken:BTC/USD", quote: "USD"}
	if err := checkQuotes([]laneSpec{usdt, usdt}, nil); err != nil {
		t.Error(err)
	}
	err := checkQuotes([]laneSpec{usdt, usd}, nil)
	if err == nil || !strings.Contains(err.Error(), "quoted in USDT and kraken:BTC/USD in USD") || !strings.Contains(err.Error(), "--quote-rate USD=") {
		t.Errorf("error %v", err)
	}
	if err := checkQuotes([]laneSpec{usdt, usd}, map[string]decimal.Decimal{"USD": decimal.RequireFromString("0.9995")}); err != nil {
		t.Errorf("with a rate: %v", err)
	}
}
