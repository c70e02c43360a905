package perp

import (
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// btcBrackets are the first tiers of a BTCUSDT-like bracket table, shaped as
// GET /fapi/v1/leverageBracket answers.
func btcBrackets() Brackets {
	return Brackets{
		{NotionalFloor: d("0"), NotionalCap: d("50000"), MaintMarginRatio: d("0.004"), Cum: d("0"), InitialLeverage: 125},
		{NotionalFloor: d("50000"), NotionalCap: d("600000"), MaintMarginRatio: d("0.005"), Cum: d("50"), InitialLeverage: 100},
		{NotionalFloor: d("600000"), NotionalCap: d("3000000"), MaintMarginRatio: d("0.0065"), Cum: d("950"), InitialLeverage: 75},
	}
}

func TestBracketsValidate(t *testing.T) {
	if err := btcBrackets().Validate(); err != nil {
		t.Fatal(err)
	}
	bad := btcBrackets()
	bad[1].NotionalFloor = d("40000")
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "bracket 2") {
		t.Fatalf("gap between tiers: err = %v, want one naming bracket 2", err)
	}
	if err := (Brackets{}).Validate(); err == nil {
		t.Fatal("empty brackets validated")
	}
}

func TestMaintenanceMargin(t *testing.T) {
	b := btcBrackets()
	for _, c := range []struct{ notional, want string }{
		{"10000", "40"},      // 10000 × 0.4%
		{"50000", "200"},     // the cap belongs to its tier
		{"60000", "250"},     // 60000 × 0.5% − 50
		{"-60000", "250"},    // a short's notional counts by size
		{"1000000", "5550"},  // 1e6 × 0.65% − 950
		{"9000000", "57550"}, // beyond the last cap: the last tier
	} {
		if got := b.MaintenanceMargin(d(c.notional)); !got.Equal(d(c.want)) {
			t.Errorf("MaintenanceMargin(%s) = %s, want %s", c.notional, got, c.want)
		}
	}
	if got := b.MaxLeverage(d("60000")); got != 100 {
		t.Errorf("MaxLeverage(60000) = %d, want 100", got)
	}
	if got := InitialMargin(d("-60000"), 10); !got.Equal(d("6000")) {
		t.Errorf("InitialMargin = %s, want 6000", got)
	}
}

// TestLiquidationPrice checks Binance's one-way formula on positions whose answer is
// verified by hand: at the liquidation price, the margin left equals the maintenance
// margin.
func TestLiquidationPrice(t *testing.T) {
	b := btcBrackets()
	for _, c := range []struct {
		name       string
		l          Liquidation
		pos, entry string
		want       string
		ok         bool
	}{
		// (6000 + 50 − 60000) / (0.005 − 1)
		{"isolated long", Liquidation{Mode: Isolated, WalletBalance: d("6000")}, "1", "60000", "54221.10552764", true},
		// (6000 + 50 + 60000) / (0.005 + 1)
		{"isolated short", Liquidation{Mode: Isolated, WalletBalance: d("6000")}, "-1", "60000", "65721.39303483", true},
		// isolated ignores the other positions
		{"isolated ignores others", Liquidation{Mode: Isolated, WalletBalance: d("6000"), OtherMaintenance: d("1000"), OtherUnrealized: d("-500")}, "1", "60000", "54221.10552764", true},
		// cross: (10000 − 1000 − 500 + 50 − 60000) / (0.005 − 1) = 51450 / 0.995
		{"cross long with others", Liquidation{Mode: Cross, WalletBalance: d("10000"), OtherMaintenance: d("1000"), OtherUnrealized: d("-500")}, "1", "60000", "51708.54271357", true},
		// a long the wallet fully covers has no liquidation price
		{"fully covered long", Liquidation{Mode: Cross, WalletBalance: d("100000")}, "1", "60000", "0", false},
		{"flat", Liquidation{Mode: Cross, WalletBalance: d("100")}, "0", "60000", "0", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, ok := LiquidationPrice(c.l, b, d(c.pos), d(c.entry))
			if ok != c.ok || !got.Equal(d(c.want)) {
				t.Fatalf("LiquidationPrice = %s, %v; want %s, %v", got, ok, c.want, c.ok)
			}
			if !ok || c.l.Mode != Isolated {
				return
			}
			// At the liquidation price the margin left is the maintenance margin.
			pos := d(c.pos)
			left := c.l.WalletBalance.Add(Unrealized(pos, d(c.entry), got))
			maint := b.For(pos.Abs().Mul(d(c.entry))).MaintMarginRatio.Mul(pos.Abs()).Mul(got).Sub(b.For(pos.Abs().Mul(d(c.entry))).Cum)
			if left.Sub(maint).Abs().GreaterThan(d("0.0001")) {
				t.Fatalf("at %s: margin left %s, maintenance %s", got, left, maint)
			}
		})
	}
}

func TestFundingPayment(t *testing.T) {
	for _, c := range []struct{ pos, mark, rate, want string }{
		{"2", "60000", "0.0001", "-12"}, // a long pays a positive rate
		{"-2", "60000", "0.0001", "12"}, // a short receives it
		{"2", "60000", "-0.0002", "24"}, // a negative rate: longs receive
		{"0", "60000", "0.0001", "0"},
	} {
		if got := FundingPayment(d(c.pos), d(c.mark), d(c.rate)); !got.Equal(d(c.want)) {
			t.Errorf("FundingPayment(%s, %s, %s) = %s, want %s", c.pos, c.mark, c.rate, got, c.want)
		}
	}
}

func TestScheduleNext(t *testing.T) {
	day := time.Date(2024, 8, 8, 0, 0, 0, 0, time.UTC)
	s := DefaultSchedule
	for _, c := range []struct{ at, want time.Time }{
		{day.Add(-time.Nanosecond), day},
		{day, day.Add(8 * time.Hour)}, // strictly after
		{day.Add(23*time.Hour + 54*time.Minute), day.Add(24 * time.Hour)},
		{day.Add(9 * time.Hour), day.Add(16 * time.Hour)},
	} {
		if got := s.Next(c.at.UnixNano()); got != c.want.UnixNano() {
			t.Errorf("Next(%s) = %s, want %s", c.at, time.Unix(0, got).UTC(), c.want)
		}
	}
	short := Schedule{Interval: time.Minute, Offset: 30 * time.Second}
	if got := short.Next(day.UnixNano()); got != day.Add(30*time.Second).UnixNano() {
		t.Errorf("offset schedule: %s", time.Unix(0, got).UTC())
	}
	if got := short.Next(-31 * int64(time.Second)); got != -30*int64(time.Second) {
		t.Errorf("before the epoch: %d", got)
	}
}

func TestReadRatesCSV(t *testing.T) {
	in := "symbol,fundingTime,fundingRate,markPrice\n" +
		"BTCUSDT,1723075200000,0.00010000,61000.5\n" +
		"BTCUSDT,1723104000000,-0.00002500,\n"
	r, err := ReadRatesCSV(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(r) != 2 || r[0].Time != 1723075200000*int64(time.Millisecond) || !r[0].Rate.Equal(d("0.0001")) ||
		!r[0].Mark.Equal(d("61000.5")) || !r[1].Mark.IsZero() || !r[1].Rate.Equal(d("-0.000025")) {
		t.Fatalf("rates = %+v", r)
	}
	if got := r.Between(r[0].Time, r[1].Time); len(got) != 1 || got[0].Time != r[1].Time {
		t.Fatalf("Between = %+v", got)
	}
	if _, ok := r.At(r[1].Time); !ok {
		t.Fatal("At misses an event")
	}
	rfc := "calc_time,funding_interval_hours,last_funding_rate\n2024-08-08T00:00:00Z,8,0.0001\n"
	if r, err := ReadRatesCSV(strings.NewReader(rfc)); err != nil || len(r) != 1 {
		t.Fatalf("RFC 3339 file: %v %v", r, err)
	}
	for _, c := range []struct{ in, want string }{
		{"", "no header"},
		{"a,b\n1,2\n", "header needs"},
		{"time,rate\n1723075200000,abc\n", "line 2: rate"},
		{"time,rate\n1723075200000,5\n", "percentage"},
		{"time,rate\n1723075200000,0.1\n1723075200000,0.1\n", "line 3"},
		{"time,rate\nyesterday,0.1\n", "line 2: time"},
		{"time,rate\n1723075200000\n", "line 2: 1 fields"},
	} {
		_, err := ReadRatesCSV(strings.NewReader(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err = %v, want it to say %q", c.in, err, c.want)
		}
	}
}

func FuzzReadRatesCSV(f *testing.F) {
	f.Add("time,rate\n1723075200000,0.0001\n")
	f.Add("fundingTime,fundingRate,markPrice\n1,0.1,2\n2,-0.1,\n")
	f.Fuzz(func(t *testing.T, in string) {
		r, err := ReadRatesCSV(strings.NewReader(in))
		if err != nil {
			return
		}
		for i := 1; i < len(r); i++ {
			if r[i].Time <= r[i-1].Time {
				t.Fatalf("rows out of order: %+v", r)
			}
		}
	})
}
