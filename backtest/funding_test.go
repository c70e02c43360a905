package backtest

import (
	"fmt"

	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/backtest/recorded"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/internal/testdata"
	"github.com/nanotick/nanotick/md"
	"github.com/nanotick/nanotick/perp"
	"github.com/nanotick/nanotick/risk"
	"github.com/nanotick/nanotick/strategy"
)

// usdmBacktest is the USD-M market maker of TestUSDMMarketMaker.
func usdmBacktest(t *testing.T) Config {
	cfg := spotBacktest(t)
	cfg.Data = []string{testdata.SharedData(t, usdmFile)}
	ec := &cfg.Engine
	ec.Venue = instrument.VenueBinanceUSDM
	ec.Instrument = strategy.Instrument{Symbol: "BTCUSDT", PriceScale: 2, QtyScale: 3, Tick: 10, Lot: 1}
	ec.Rules = risk.Instrument{PriceScale: 2, QtyScale: 3, Tick: 10, Lot: 1, MinQty: 1, MaxQty: 1000_000, MinNotional: 100_00}
	ec.Params = strategy.Params{"size": 0.002}
	return cfg
}

// checkFunding checks what every perpetual run must hold: each payment is −position ×
// mark × rate, they add up to the total, and the PnL includes them exactly.
func checkFunding(t *testing.T, rep *Report) {
	t.Helper()
	f := rep.Funding
	sum := decimal.Zero
	for _, e := range f.Events {
		if want := e.Position.Mul(e.Mark).Mul(e.Rate).Neg(); !e.Amount.Equal(want) {
			t.Errorf("payment at %s: %s, want −%s × %s × %s = %s", e.Time, e.Amount, e.Position, e.Mark, e.Rate, want)
		}
		sum = sum.Add(e.Amount)
	}
	if uint64(len(f.Events)) != f.Payments || !sum.Equal(f.Total) || !f.Total.Equal(rep.Result.Funding) {
		t.Errorf("%d events adding to %s; report says %d payments, %s total, result funding %s", len(f.Events), sum, f.Payments, f.Total, rep.Result.Funding)
	}
	res := rep.Result
	want := rep.Settings.InitialBalance.Add(res.Realized).Add(res.Unrealized).Sub(res.Fees).Add(res.Funding)
	if !res.FinalEquity.Equal(want) {
		t.Errorf("final equity %s, want initial + realized + unrealized − fees + funding = %s", res.FinalEquity, want)
	}
}

// TestFundingConstant charges a constant rate on a one-minute grid over the USD-M
// recording: one payment per minute boundary the data crosses, on the position held
// then.
func TestFundingConstant(t *testing.T) {
	cfg := usdmBacktest(t)
	cfg.Funding = Funding{Constant: decimal.RequireFromString("0.0001"), HasConstant: true, Schedule: perp.Schedule{Interval: time.Minute}}
	rep, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	start, _ := time.Parse(time.RFC3339Nano, rep.Start)
	end, _ := time.Parse(time.RFC3339Nano, rep.End)
	want := uint64(end.Truncate(time.Minute).Sub(start.Truncate(time.Minute)) / time.Minute)
	if rep.Funding.Payments != want || want == 0 {
		t.Fatalf("%d payments from %s to %s, want %d (one per minute boundary)", rep.Funding.Payments, rep.Start, rep.End, want)
	}
	if !strings.HasPrefix(rep.Funding.Source, "constant 0.0001") {
		t.Errorf("source %q", rep.Funding.Source)
	}
	nonzero := 0
	for _, e := range rep.Funding.Events {
		if !e.Position.IsZero() {
			nonzero++
		}
		if at, _ := time.Parse(time.RFC3339Nano, e.Time); at.Second() != 0 || at.Nanosecond() != 0 {
			t.Errorf("payment at %s, off the minute grid", e.Time)
		}
	}
	if nonzero == 0 {
		t.Error("no payment found a position: the test proves nothing about amounts")
	}
	checkFunding(t, rep)
}

// markSource splices mark price frames into a recording: before frame k of each pair
// (k, frame).
type markSource struct {
	Source
	at     []int
	frames []string
	n      int
	held   bool
	local  int64
	frame  []byte
}

func (m *markSource) Next() (int64, []byte, error) {
	if m.held {
		m.held = false
		return m.local, m.frame, nil
	}
	local, frame, err := m.Source.Next()
	if err != nil {
		return local, frame, err
	}
	m.n++
	for i, k := range m.at {
		if k == m.n {
			m.held, m.local, m.frame = true, local, frame
			return local, []byte(m.frames[i]), nil
		}
	}
	return local, frame, nil
}

func markFrame(e, next time.Time, mark, rate string) string {
	return fmt.Sprintf(`{"stream":"btcusdt@markPrice@1s","data":{"e":"markPriceUpdate","E":%d,"s":"BTCUSDT","p":%q,"i":%q,"P":%q,"r":%q,"T":%d}}`,
		e.UnixMilli(), mark, mark, mark, rate, next.UnixMilli())
}

// TestFundingRecorded charges funding from the recording's own mark price stream: the
// rate and mark of the last mark frame before the funding time it announced.
func TestFundingRecorded(t *testing.T) {
	cfg := usdmBacktest(t)
	r, err := recorded.Open(cfg.Data...)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	// The recording runs 23:54:15 to 23:59:59 on 2024-08-08; announce funding at
	// 23:57:00, then at 23:59:00, then at 00:00:00 (after the end: never charged).
	day := time.Date(2024, 8, 8, 0, 0, 0, 0, time.UTC)
	f1, f2, f3 := day.Add(23*time.Hour+57*time.Minute), day.Add(23*time.Hour+59*time.Minute), day.Add(24*time.Hour)
	src := &markSource{Source: recordsSource{r}, at: []int{20000, 30000, 60000, 90000}, frames: []string{
		markFrame(f1.Add(-2*time.Minute), f1, "61500.5", "0.00010000"),
		markFrame(f1.Add(-time.Minute), f1, "61600.12345678", "0.00020000"), // the one that counts for f1
		markFrame(f2.Add(-time.Minute), f2, "61700", "-0.00030000"),
		markFrame(f3.Add(-time.Second), f3, "61800", "0.00040000"),
	}}
	rep, err := RunSource(cfg, src)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Funding.Source != "mark price stream" || rep.Funding.Payments != 2 {
		t.Fatalf("funding %+v, want 2 payments from the mark price stream", rep.Funding)
	}
	ev := rep.Funding.Events
	if ev[0].Time != stamp(f1.UnixNano()) || !ev[0].Mark.Equal(decimal.RequireFromString("61600.12345678")) || !ev[0].Rate.Equal(decimal.RequireFromString("0.0002")) {
		t.Errorf("first payment %+v", ev[0])
	}
	if ev[1].Time != stamp(f2.UnixNano()) || !ev[1].Rate.Equal(decimal.RequireFromString("-0.0003")) {
		t.Errorf("second payment %+v", ev[1])
	}
	checkFunding(t, rep)
}

// TestFundingFile charges the rows of a funding file that fall in the run, valued at
// their mark price or, without one, the book's mid.
func TestFundingFile(t *testing.T) {
	cfg := usdmBacktest(t)
	day := time.Date(2024, 8, 8, 0, 0, 0, 0, time.UTC)
	csv := fmt.Sprintf("fundingTime,fundingRate,markPrice\n%d,0.001,60000\n%d,0.0001,61000\n%d,-0.0002,\n%d,0.0003,\n",
		day.Add(16*time.Hour).UnixMilli(), // before the run: not charged
		day.Add(23*time.Hour+56*time.Minute).UnixMilli(),
		day.Add(23*time.Hour+58*time.Minute).UnixMilli(),
		day.Add(24*time.Hour).UnixMilli()) // after it
	rates, err := perp.ReadRatesCSV(strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Funding = Funding{Rates: rates, RatesName: "rates.csv"}
	rep, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Funding.Payments != 2 || rep.Funding.Source != "file rates.csv" {
		t.Fatalf("funding %+v, want the 2 rows inside the run", rep.Funding)
	}
	if e := rep.Funding.Events; !e[0].Mark.Equal(decimal.NewFromInt(61000)) || e[1].Mark.LessThan(decimal.NewFromInt(50000)) {
		t.Errorf("marks %s and %s: the row's, then the book's mid", e[0].Mark, e[1].Mark)
	}
	checkFunding(t, rep)
}

// TestFundingNone: spot pays no funding whatever is asked, and a perpetual whose
// recording has no mark price stream says how to get funding.
func TestFundingNone(t *testing.T) {
	spot := spotBacktest(t)
	spot.Funding = Funding{Constant: decimal.RequireFromString("0.01"), HasConstant: true, Schedule: perp.Schedule{Interval: time.Minute}}
	rep, err := Run(spot)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Funding.Source != "none" || rep.Funding.Payments != 0 || !rep.Result.Funding.IsZero() {
		t.Errorf("spot funding %+v", rep.Funding)
	}
	rep, err = Run(usdmBacktest(t))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Funding.Payments != 0 || !strings.Contains(rep.Funding.Note, "no mark price stream") {
		t.Errorf("perpetual without mark prices: %+v", rep.Funding)
	}
	var sum strings.Builder
	_ = rep.WriteSummary(&sum)
	if !strings.Contains(sum.String(), "funding      0.0000 from mark price stream (the recording has no mark price stream") {
		t.Errorf("summary does not say why there was no funding:\n%s", sum.String())
	}
}

// TestFundingSpotPerp: in a run of spot and perpetual, only the perpetual pays funding,
// its payments name it, and the totals include them.
func TestFundingSpotPerp(t *testing.T) {
	cfg := spotPerpBacktest(t)
	cfg.Funding = Funding{Constant: decimal.RequireFromString("0.0005"), HasConstant: true, Schedule: perp.Schedule{Interval: time.Minute}}
	rep, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Funding.Payments == 0 || !strings.HasPrefix(rep.Funding.Source, "binance-usdm:BTCUSDT: constant") {
		t.Fatalf("funding %+v", rep.Funding)
	}
	for _, e := range rep.Funding.Events {
		if e.Instrument != "binance-usdm:BTCUSDT" {
			t.Errorf("payment for %q", e.Instrument)
		}
	}
	spot, perpRes := rep.Instruments[0], rep.Instruments[1]
	if !spot.Funding.IsZero() || !perpRes.Funding.Equal(rep.Funding.Total) || !rep.Result.Funding.Equal(rep.Funding.Total) {
		t.Errorf("spot funding %s, perp %s, total %s, result %s", spot.Funding, perpRes.Funding, rep.Funding.Total, rep.Result.Funding)
	}
	if want := perpRes.Realized.Add(perpRes.Unrealized).Sub(perpRes.Fees).Add(perpRes.Funding); !perpRes.PnL.Equal(want) {
		t.Errorf("perp PnL %s, want realized + unrealized − fees + funding = %s", perpRes.PnL, want)
	}
	checkFunding(t, rep)
}

// TestFundingRecordedNotes: a run whose recorded mark events are named (a Tardis
// derivative_ticker) reports that name as the source, and says why nothing was charged:
// no mark price at all, or marks without a funding time (Deribit funds continuously).
func TestFundingRecordedNotes(t *testing.T) {
	cfg := Funding{Recorded: "derivative_ticker", RecordedHint: " (give its file)"}
	acct := NewAccount(decimal.NewFromInt(1000), 1, 2)
	mid := func() decimal.Decimal { return decimal.NewFromInt(100) }
	for _, c := range []struct {
		name  string
		marks []md.PerpMark
		note  string
	}{
		{"none", nil, "the data has no derivative_ticker with a mark price (give its file): give --funding-file or --funding-rate"},
		{"no funding time", []md.PerpMark{{Price: 1, FundingRate: 1, Fields: md.HasMarkPrice | md.HasFundingRate}},
			"the derivative_ticker gives no funding time (a venue that funds continuously, such as Deribit, has none)"},
		{"not due", []md.PerpMark{{Price: 1, FundingRate: 1, NextFunding: 1e18, Fields: md.HasMarkPrice | md.HasFundingRate | md.HasNextFunding}},
			"no funding time passed during the run"},
	} {
		f := newFunder(cfg, true, acct, mid)
		f.start(10)
		for i, m := range c.marks {
			f.due(int64(20+i), m)
		}
		r := f.report()
		if r.Source != "recorded derivative_ticker" || r.Payments != 0 || !strings.HasPrefix(r.Note, c.note) {
			t.Errorf("%s: %+v, want the note %q", c.name, r, c.note)
		}
	}
}
