package backtest

import (
	"fmt"
	"testing"

	"github.com/shopspring/decimal"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func fillAt(tSec int64, side, price, qty, fee, mid string, after ...string) FillRecord {
	f := FillRecord{Time: base + tSec*1e9, Side: side, Price: dec(price), Qty: dec(qty), Fee: dec(fee), Maker: true}
	if mid != "" {
		f.Mid = decimal.NewNullDecimal(dec(mid))
	}
	for _, a := range after {
		if a == "" {
			f.MidAfter = append(f.MidAfter, decimal.NullDecimal{})
		} else {
			f.MidAfter = append(f.MidAfter, decimal.NewNullDecimal(dec(a)))
		}
	}
	return f
}

// TestRoundTrips checks trips from flat to flat, a flip splitting a fill (and its fee)
// between the trip it closes and the one it opens, and holding times.
func TestRoundTrips(t *testing.T) {
	fills := []FillRecord{
		fillAt(0, "buy", "100", "2", "0.2", ""),
		fillAt(10, "sell", "101", "1", "0.1", ""),
		fillAt(20, "sell", "102", "1", "0.1", ""), // flat: trip 1 made 1 + 2 − 0.4 = 2.6
		fillAt(30, "sell", "100", "1", "0", ""),
		fillAt(50, "buy", "101", "3", "0.3", ""),  // closes 1 (−1 − 0.1): trip 2 −1.1; opens long 2 at 101 with 0.2 fee
		fillAt(90, "sell", "100.5", "2", "0", ""), // trip 3: −1 − 0.2 = −1.2
	}
	rt, _ := roundTrips(fills, true)
	got := fmt.Sprintf("%d trips, %d wins, total %s, mean %s, holding mean %ds median %ds max %ds, open %v",
		rt.Count, rt.Wins, rt.TotalPnL, rt.MeanPnL, rt.MeanHoldingNs/1e9, rt.MedianHoldingNs/1e9, rt.MaxHoldingNs/1e9, rt.OpenAtEnd)
	want := "3 trips, 1 wins, total 0.3, mean 0.1, holding mean 26s median 20s max 40s, open false"
	if got != want {
		t.Errorf("%s\nwant %s", got, want)
	}
	if rt, _ := roundTrips(fills[:4], false); rt.Count != 1 || !rt.OpenAtEnd {
		t.Errorf("open position: %+v", rt)
	}
}

// TestPnLSplitAndMarkouts checks the split adds up exactly, and the markouts' signs:
// a buy below the mid captured spread; the mid falling after it is adverse.
func TestPnLSplitAndMarkouts(t *testing.T) {
	fills := []FillRecord{
		fillAt(0, "buy", "99.9", "1", "-0.01", "100", "99.8", "99.7", ""),
		fillAt(5, "sell", "100.1", "1", "-0.01", "100", "100", "100.2", "100.3"),
	}
	// At a mark of 100.05: PnL = (100.05 − 99.9) − (100.05 − 100.1) + 0.02 = 0.22.
	p := pnlSplit(fills, dec("0.22"))
	if p.SpreadCapture.String() != "0.2" || p.Inventory.String() != "0" || p.Fees.String() != "-0.02" || p.PnL.String() != "0.22" {
		t.Errorf("split %+v", p)
	}
	rows := markouts(fills, 3)
	all := rows[len(rows)-1]
	if all.Side != "all" || all.Role != "all" || all.Fills != 2 {
		t.Fatalf("last row %+v", all)
	}
	// Buy: (99.8 − 99.9)/99.9, sell: −(100 − 100.1)/100.1, in bps.
	b100 := -0.1 / 99.9 * 1e4
	s100 := 0.1 / 100.1 * 1e4
	if got := *all.Bps[0]; fmt.Sprintf("%.6f", got) != fmt.Sprintf("%.6f", (b100+s100)/2) {
		t.Errorf("100ms markout %v", got)
	}
	if all.N[2] != 1 || all.Bps[2] == nil {
		t.Errorf("10s markout from the one fill that had it: n %v", all.N)
	}
	buy := rows[0]
	if buy.Side != "buy" || buy.Role != "maker" || *buy.AtFillBps <= 0 || *buy.Bps[1] >= 0 {
		t.Errorf("buy row %+v: want spread captured, adverse after", buy)
	}
}

func TestDistribution(t *testing.T) {
	var ns []int64
	for i := int64(100); i >= 1; i-- {
		ns = append(ns, i*1000)
	}
	d := distribution(ns)
	if d.Count != 100 || d.MinNs != 1000 || d.P50Ns != 50000 || d.P90Ns != 90000 || d.P99Ns != 99000 || d.MaxNs != 100000 || d.MeanNs != 50500 {
		t.Errorf("%+v", d)
	}
	if ns[0] != 100000 {
		t.Error("distribution sorted its input")
	}
	if d := distribution(nil); d.Count != 0 {
		t.Errorf("empty: %+v", d)
	}
}

// TestTearsheetOfRealRun checks the tearsheet of the market maker over the spot file
// against the report it comes from: the PnL split adds up to the report's PnL, the
// trips' PnL to the realized PnL less fees when flat, and the orders to the counters.
func TestTearsheetOfRealRun(t *testing.T) {
	cfg := spotBacktest(t)
	cfg.MakerFeeBps, cfg.TakerFeeBps = -0.5, 4.5
	cfg.OrderLog = true
	rep, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := rep.Tearsheet
	if ts == nil || len(ts.Instruments) != 1 || ts.Instruments[0].Name != "binance-spot:BTCUSDT" || ts.Total.Name != "total" {
		t.Fatalf("tearsheet %+v", ts)
	}
	s := ts.Total
	if !s.PnL.PnL.Equal(rep.Result.PnL) {
		t.Errorf("split %+v adds up to %s, report PnL %s", s.PnL, s.PnL.PnL, rep.Result.PnL)
	}
	if !s.PnL.Fees.Equal(rep.Result.Fees) {
		t.Errorf("split fees %s, report %s", s.PnL.Fees, rep.Result.Fees)
	}
	if s.Orders.Sent != int(rep.Orders.Sent) || s.Orders.Fills != int(rep.Orders.Fills) || s.OrderToFill.Count != len(rep.Fills) {
		t.Errorf("orders %+v vs report %+v", s.Orders, rep.Orders)
	}
	if s.OrderToAck.Count != int(rep.Orders.Acks) {
		t.Errorf("%d ack latencies, %d acks", s.OrderToAck.Count, rep.Orders.Acks)
	}
	if s.RoundTrips.Count == 0 || s.Quoting.BidResting <= 0 || s.Quoting.BidResting > 1 {
		t.Errorf("round trips %+v quoting %+v", s.RoundTrips, s.Quoting)
	}
	var hours decimal.Decimal
	for _, h := range ts.PnLByHour {
		hours = hours.Add(h.PnL)
	}
	if !hours.Equal(rep.Result.PnL) {
		t.Errorf("PnL by hour adds up to %s, report %s", hours, rep.Result.PnL)
	}
	// Without the order log the fills still give the order-to-fill latency.
	cfg.OrderLog = false
	rep2, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s2 := rep2.Tearsheet.Total
	if rep2.OrderLog != nil || s2.Orders.FromOrderLog || s2.OrderToAck.Count != 0 || s2.OrderToFill.Count != len(rep2.Fills) || !s2.PnL.PnL.Equal(s.PnL.PnL) {
		t.Errorf("without the order log: %d orders logged, stats %+v, %d ack latencies, %d fill latencies", len(rep2.OrderLog), s2.Orders, s2.OrderToAck.Count, s2.OrderToFill.Count)
	}
	t.Logf("trips %+v\nsplit %+v\norders %+v\nquoting %+v\nack %+v\nfill %+v", s.RoundTrips, s.PnL, s.Orders, s.Quoting, s.OrderToAck.P50Ns, s.OrderToFill.P50Ns)
}

// TestTearsheetPerInstrument checks the tearsheet of a spot and perpetual run: one
// sheet per instrument, keyed by its name, each of its own fills and orders and adding
// up to its PnL; the total adds up to the run's.
func TestTearsheetPerInstrument(t *testing.T) {
	cfg := spotPerpBacktest(t)
	cfg.OrderLog = true
	rep, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := rep.Tearsheet
	if len(ts.Instruments) != 2 || len(rep.Instruments) != 2 {
		t.Fatalf("%d sheets for %d instruments", len(ts.Instruments), len(rep.Instruments))
	}
	fills, orders, trips := 0, 0, 0
	for i, s := range ts.Instruments {
		in := rep.Instruments[i]
		if s.Name != in.Name || s.Orders.Fills != int(in.Fills) {
			t.Errorf("sheet %q with %d fills, instrument %q with %d", s.Name, s.Orders.Fills, in.Name, in.Fills)
		}
		if !s.PnL.PnL.Equal(in.PnL) || !s.PnL.SpreadCapture.Add(s.PnL.Inventory).Sub(s.PnL.Fees).Equal(in.PnL) {
			t.Errorf("%s: split %+v, PnL %s", s.Name, s.PnL, in.PnL)
		}
		fills += s.Orders.Fills
		orders += s.Orders.Sent
		trips += s.RoundTrips.Count
	}
	tot := ts.Total
	if tot.Name != "total" || fills != tot.Orders.Fills || orders != len(rep.OrderLog) || trips != tot.RoundTrips.Count || !tot.PnL.PnL.Equal(rep.Result.PnL) {
		t.Errorf("total %+v vs %d fills, %d orders, %d trips, PnL %s", tot.Orders, fills, orders, trips, rep.Result.PnL)
	}
	// Each instrument's quoting clock is its own exchange's: both measured, each from
	// its own book (the perp's book is valid for a different span than the spot's). The
	// spot quotes; spotperp only hedges on the perp with orders that take, so none rests.
	for i, s := range ts.Instruments {
		q, raw := s.Quoting, rep.Instruments[i].Quoting
		if q.BookValidNs == 0 || q.BookValidNs != raw.BookValidNs || (i == 0) != (raw.BidRestingNs+raw.AskRestingNs > 0) {
			t.Errorf("%s: quoting %+v from %+v: want it measured, orders resting on the spot only", s.Name, q, raw)
		}
		for _, v := range []float64{q.BidResting, q.BidAtTouch, q.AskResting, q.AskAtTouch} {
			if v < 0 || v > 1 {
				t.Errorf("%s: quoting share %v out of [0, 1]: %+v", s.Name, v, q)
			}
		}
		if q.BidAtTouch > q.BidResting || q.AskAtTouch > q.AskResting {
			t.Errorf("%s: more time at the touch than resting: %+v", s.Name, q)
		}
	}
	if rep.Instruments[0].Quoting != rep.Quoting || rep.Instruments[1].Quoting == rep.Quoting {
		t.Errorf("quoting spot %+v perp %+v run %+v: want the run's to be the first instrument's and the perp's its own", rep.Instruments[0].Quoting, rep.Instruments[1].Quoting, rep.Quoting)
	}
	for _, o := range rep.OrderLog {
		if o.Instrument == "" {
			t.Fatal("an order without its instrument")
		}
	}
}
