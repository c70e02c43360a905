package backtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// sameDecimals walks a and b, values of one type, and reports the first place where
// they differ: a decimal of another value or exponent, or anything else reflect tells
// apart (big.Int internals aside).
func sameDecimals(a, b reflect.Value, path string) error {
	if a.Type() == reflect.TypeOf(decimal.Decimal{}) {
		x, y := a.Interface().(decimal.Decimal), b.Interface().(decimal.Decimal)
		if !x.Equal(y) || x.Exponent() != y.Exponent() {
			return fmt.Errorf("%s: %s (exponent %d), reference %s (exponent %d)", path, x, x.Exponent(), y, y.Exponent())
		}
		return nil
	}
	switch a.Kind() {
	case reflect.Pointer:
		if a.IsNil() != b.IsNil() {
			return fmt.Errorf("%s: nil %v, reference nil %v", path, a.IsNil(), b.IsNil())
		}
		if a.IsNil() {
			return nil
		}
		return sameDecimals(a.Elem(), b.Elem(), path)
	case reflect.Slice:
		if a.IsNil() != b.IsNil() || a.Len() != b.Len() {
			return fmt.Errorf("%s: len %d nil %v, reference len %d nil %v", path, a.Len(), a.IsNil(), b.Len(), b.IsNil())
		}
		for i := 0; i < a.Len(); i++ {
			if err := sameDecimals(a.Index(i), b.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		return nil
	case reflect.Struct:
		for i := 0; i < a.NumField(); i++ {
			name := a.Type().Field(i).Name
			if name == "Timing" || !a.Type().Field(i).IsExported() {
				continue
			}
			if err := sameDecimals(a.Field(i), b.Field(i), path+"."+name); err != nil {
				return err
			}
		}
		return nil
	case reflect.Float64:
		if x, y := a.Float(), b.Float(); math.Float64bits(x) != math.Float64bits(y) {
			return fmt.Errorf("%s: %v, reference %v", path, x, y)
		}
		return nil
	}
	if !reflect.DeepEqual(a.Interface(), b.Interface()) {
		return fmt.Errorf("%s: %v, reference %v", path, a.Interface(), b.Interface())
	}
	return nil
}

// TestReportMatchesReference builds the report of every ReportCase as the replay
// builds it and as the builders before session 10 built it, and wants the same JSON
// and summary bytes, and the same decimals, exponents included (so that no way of
// printing them can tell them apart). TestReportHTMLMatchesReference compares the
// HTML pages.
func TestReportMatchesReference(t *testing.T) {
	for _, c := range ReportCases() {
		t.Run(c.Name, func(t *testing.T) {
			rep, ref, err := ReportAndReference(c.Config(t))
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Fills) == 0 {
				t.Fatal("no fills: the case checks nothing")
			}
			if err := sameDecimals(reflect.ValueOf(rep).Elem(), reflect.ValueOf(ref).Elem(), "report"); err != nil {
				t.Error(err)
			}
			var a, b bytes.Buffer
			if err := rep.WriteJSON(&a); err != nil {
				t.Fatal(err)
			}
			if err := ref.WriteJSON(&b); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Error("the JSON report differs from the reference builders'")
			}
			a.Reset()
			b.Reset()
			_ = rep.WriteSummary(&a)
			_ = ref.WriteSummary(&b)
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Error("the summary differs from the reference builders'")
			}
			// A saved report, read back (its decimals with the exponents of their text),
			// gives the reference's tearsheet too.
			var saved Report
			a.Reset()
			_ = rep.WriteJSON(&a)
			if err := json.Unmarshal(a.Bytes(), &saved); err != nil {
				t.Fatal(err)
			}
			got, want := ComputeTearsheet(&saved), refComputeTearsheet(&saved)
			if err := sameDecimals(reflect.ValueOf(got).Elem(), reflect.ValueOf(want).Elem(), "saved report's tearsheet"); err != nil {
				t.Error(err)
			}
			t.Logf("%d fills, %d orders in the log", len(rep.Fills), len(rep.OrderLog))
		})
	}
}

// TestFixedPathsOnRealFills checks the integer paths against the decimal ones on every
// fill and order of every ReportCase: each markout (at the fill and at each horizon),
// each fee, and the round trips, PnL split and order sums of the whole run, and that
// the integer paths did the work (none fell back to decimal).
func TestFixedPathsOnRealFills(t *testing.T) {
	for _, c := range ReportCases() {
		t.Run(c.Name, func(t *testing.T) {
			cfg := c.Config(t)
			rep, err := Run(cfg)
			if err != nil {
				t.Fatal(err)
			}
			markouts := 0
			for i := range rep.Fills {
				f := &rep.Fills[i]
				mids := append([]decimal.NullDecimal{f.Mid}, f.MidAfter...)
				for _, m := range mids {
					if !m.Valid {
						continue
					}
					got, ok := markoutBpsFixed(f.Side == "sell", f.Price, m.Decimal)
					if want := markoutBpsDecimal(f, m.Decimal); !ok || math.Float64bits(got) != math.Float64bits(want) {
						t.Fatalf("fill %d: markout %v (integer path %v), decimal %v", i, got, ok, want)
					}
					markouts++
				}
				if f.Instrument == "" || f.Instrument == "binance-spot:BTCUSDT" || f.Instrument == "binance-usdm:BTCUSDT" {
					bps := decimal.NewFromFloat(cfg.TakerFeeBps)
					if f.Maker {
						bps = decimal.NewFromFloat(cfg.MakerFeeBps)
					}
					fee, ok := feeFixed(f.Price, f.Qty, bps)
					want := f.Price.Mul(f.Qty).Mul(bps).Shift(-4)
					if !ok || !fee.Equal(want) || fee.Exponent() != want.Exponent() || !fee.Equal(f.Fee) {
						t.Fatalf("fill %d: fee %s (integer path %v), decimal %s, report %s", i, fee, ok, want, f.Fee)
					}
				}
			}
			// A run of two instruments: each one's fills, as the tearsheet splits them.
			groups := map[string][]FillRecord{}
			for _, f := range rep.Fills {
				groups[f.Instrument] = append(groups[f.Instrument], f)
			}
			groups["all"] = rep.Fills
			for name, fills := range groups {
				rt, holds, ok := roundTripsFixed(fills, true)
				wrt, wholds := roundTripsDecimal(fills, true)
				if !ok {
					t.Errorf("%s: the round trips took the decimal path", name)
				} else if err := sameDecimals(reflect.ValueOf(rt), reflect.ValueOf(wrt), "round trips"); err != nil || !reflect.DeepEqual(holds, wholds) {
					t.Errorf("%s: %v; holds equal %v", name, err, reflect.DeepEqual(holds, wholds))
				}
				p, ok := pnlSums(fills)
				if wp := pnlSumsDecimal(fills); !ok {
					t.Errorf("%s: the PnL split took the decimal path", name)
				} else if err := sameDecimals(reflect.ValueOf(p), reflect.ValueOf(wp), "pnl split"); err != nil {
					t.Errorf("%s: %v", name, err)
				}
			}
			if rep.OrderLog != nil {
				a, f, r, ok := orderSums(rep.OrderLog)
				wa, wf, wr := orderSumsDecimal(rep.OrderLog)
				if !ok || a != wa || f != wf || math.Float64bits(r) != math.Float64bits(wr) {
					t.Errorf("order sums %d %d %v (integer path %v), decimal %d %d %v", a, f, r, ok, wa, wf, wr)
				}
			}
			dd, pct := maxDrawdown(rep.Equity)
			wdd, wpct := drawdown(rep.Equity)
			if !same(dd, wdd) || math.Float64bits(pct) != math.Float64bits(wpct) || !same(dd, rep.Result.MaxDrawdown) || pct != rep.Result.MaxDrawdownPct {
				t.Errorf("maxDrawdown %s (%v%%), drawdown %s (%v%%), report %s (%v%%)", dd, pct, wdd, wpct, rep.Result.MaxDrawdown, rep.Result.MaxDrawdownPct)
			}
			t.Logf("%d fills, %d markouts, %d orders, drawdown %s", len(rep.Fills), markouts, len(rep.OrderLog), dd)
		})
	}
}

// randomReport makes a report of random fills (sides, roles, prices at varied scales,
// mids, missing and extra markouts), orders and equity samples over several hours,
// of one or two instruments: the tearsheet's inputs as a saved JSON report may have
// them.
func randomReport(r *rand.Rand) *Report {
	rep := &Report{Symbol: "BTCUSDT", Settings: Settings{InitialBalance: decimal.New(10000, 0)}}
	horizons := r.IntN(4)
	for range horizons {
		rep.MarkoutHorizons = append(rep.MarkoutHorizons, "1s")
	}
	names := []string{"a:X"}
	if r.IntN(3) == 0 {
		names = append(names, "b:Y")
	}
	if len(names) > 1 || r.IntN(2) == 0 {
		for _, n := range names {
			rep.Instruments = append(rep.Instruments, InstrumentResult{Name: n, PnL: decimal.New(r.Int64N(1000)-500, -2), Position: decimal.New(r.Int64N(3)-1, 0),
				Quoting: Quoting{BookValidNs: r.Int64N(1e9), BidRestingNs: r.Int64N(1e8)}})
		}
	}
	t := r.Int64N(4e12) - 2e12 // around the epoch: negative times too
	dec := func() decimal.Decimal {
		if r.IntN(20) == 0 {
			return randomDecimal(r)
		}
		return decimal.New(r.Int64N(1e9)+1, -int32(r.IntN(9)))
	}
	for range r.IntN(60) {
		t += r.Int64N(int64(20 * time.Minute))
		price := dec()
		f := FillRecord{Time: t, OrderID: uint64(r.IntN(20)), Side: []string{"buy", "sell", "buy", "sell", ""}[r.IntN(5)], Price: price,
			Qty: decimal.New(r.Int64N(5)+1, -int32(r.IntN(4))), Fee: decimal.New(r.Int64N(2000)-1000, -int32(r.IntN(12))), Maker: r.IntN(3) > 0,
			Sent: t - r.Int64N(1e7), Received: t + r.Int64N(1e7), Instrument: names[r.IntN(len(names))]}
		mid := func() decimal.NullDecimal {
			if r.IntN(5) == 0 {
				return decimal.NullDecimal{}
			}
			return decimal.NewNullDecimal(price.Add(decimal.New(r.Int64N(2001)-1000, -int32(r.IntN(10)))))
		}
		f.Mid = mid()
		for range r.IntN(horizons + 2) {
			f.MidAfter = append(f.MidAfter, mid())
		}
		rep.Fills = append(rep.Fills, f)
	}
	if r.IntN(4) > 0 {
		rep.OrderLog = []OrderRecord{}
		for range r.IntN(40) {
			rep.OrderLog = append(rep.OrderLog, OrderRecord{ID: uint64(r.IntN(100)), Qty: dec(), Filled: decimal.New(r.Int64N(3), -int32(r.IntN(3))),
				Sent: r.Int64N(1e9), Arrived: r.Int64N(2), Acked: r.Int64N(3) * r.Int64N(1e9), Instrument: names[r.IntN(len(names))]})
		}
	}
	t = r.Int64N(4e12) - 2e12
	for range r.IntN(200) {
		t += r.Int64N(int64(10 * time.Minute))
		rep.Equity = append(rep.Equity, EquityPoint{Time: t, Equity: decimal.New(r.Int64N(2e6)+9e6, -3)})
	}
	rep.Result.PnL = decimal.New(r.Int64N(1e6)-5e5, -4)
	rep.Result.Position = decimal.New(r.Int64N(3)-1, 0)
	rep.Orders = Orders{Sent: uint64(r.IntN(50)), CancelsSent: uint64(r.IntN(50))}
	rep.Quoting = Quoting{BookValidNs: r.Int64N(1e9), AskAtTouchNs: r.Int64N(1e8)}
	return rep
}

// TestTearsheetMatchesReference computes the tearsheets of random reports with
// ComputeTearsheet and with the reference builders, and wants the same JSON and the
// same decimals.
func TestTearsheetMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(16, 12))
	for i := range 1500 {
		rep := randomReport(r)
		got, want := ComputeTearsheet(rep), refComputeTearsheet(rep)
		if err := sameDecimals(reflect.ValueOf(got).Elem(), reflect.ValueOf(want).Elem(), "tearsheet"); err != nil {
			t.Fatalf("report %d: %v", i, err)
		}
		a, err1 := json.Marshal(got)
		b, err2 := json.Marshal(want)
		if err1 != nil || err2 != nil || !bytes.Equal(a, b) {
			t.Fatalf("report %d: the JSON differs (%v, %v)", i, err1, err2)
		}
	}
}
