package indicator

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func TestConstructorsValidate(t *testing.T) {
	for _, tt := range []struct {
		name  string
		new   func() error
		param string // "" if the arguments are valid
	}{
		{"EMA 0", func() error { _, err := NewEMA(0); return err }, "period"},
		{"EMA -1", func() error { _, err := NewEMA(-1); return err }, "period"},
		{"EMA 1", func() error { _, err := NewEMA(1); return err }, ""},
		{"EMAAlpha 0", func() error { _, err := NewEMAAlpha(0); return err }, "alpha"},
		{"EMAAlpha >1", func() error { _, err := NewEMAAlpha(1.0000001); return err }, "alpha"},
		{"EMAAlpha NaN", func() error { _, err := NewEMAAlpha(math.NaN()); return err }, "alpha"},
		{"EMAAlpha -0.5", func() error { _, err := NewEMAAlpha(-0.5); return err }, "alpha"},
		{"EMAAlpha 1", func() error { _, err := NewEMAAlpha(1); return err }, ""},
		{"EMAAlpha tiny", func() error { _, err := NewEMAAlpha(1e-9); return err }, ""},
		{"SMA 0", func() error { _, err := NewSMA(0); return err }, "period"},
		{"SMA max+1", func() error { _, err := NewSMA(MaxWindow + 1); return err }, "period"},
		{"SMA 1", func() error { _, err := NewSMA(1); return err }, ""},
		{"RollingMin 0", func() error { _, err := NewRollingMin(0); return err }, "period"},
		{"RollingMin 1", func() error { _, err := NewRollingMin(1); return err }, ""},
		{"RollingMax -3", func() error { _, err := NewRollingMax(-3); return err }, "period"},
		{"RollingMax 1", func() error { _, err := NewRollingMax(1); return err }, ""},
		{"StdDev 0", func() error { _, err := NewStdDev(0); return err }, "period"},
		{"StdDev 1", func() error { _, err := NewStdDev(1); return err }, ""},
		{"VWAP 0", func() error { _, err := NewVWAP(0); return err }, "n"},
		{"VWAP max+1", func() error { _, err := NewVWAP(MaxWindow + 1); return err }, "n"},
		{"VWAP 1", func() error { _, err := NewVWAP(1); return err }, ""},
		{"TimeVWAP window 0", func() error { _, err := NewTimeVWAP(0, 10); return err }, "window"},
		{"TimeVWAP window -1s", func() error { _, err := NewTimeVWAP(-time.Second, 10); return err }, "window"},
		{"TimeVWAP capacity 0", func() error { _, err := NewTimeVWAP(time.Second, 0); return err }, "capacity"},
		{"TimeVWAP capacity max+1", func() error { _, err := NewTimeVWAP(time.Second, MaxWindow+1); return err }, "capacity"},
		{"TimeVWAP 1ns 1", func() error { _, err := NewTimeVWAP(1, 1); return err }, ""},
	} {
		err := tt.new()
		switch {
		case tt.param == "" && err != nil:
			t.Errorf("%s: unexpected error %v", tt.name, err)
		case tt.param != "" && err == nil:
			t.Errorf("%s: no error", tt.name)
		case tt.param != "" && !strings.Contains(err.Error(), " "+tt.param+" "):
			t.Errorf("%s: error %q does not name %q", tt.name, err, tt.param)
		}
	}
}

func TestEMASeeding(t *testing.T) {
	e, _ := NewEMA(3) // alpha = 0.5
	for i, tt := range []struct {
		x, want float64
		ready   bool
	}{
		{1, 1, false},   // mean of 1
		{2, 1.5, false}, // mean of 1, 2
		{3, 2, true},    // seeded: mean of 1, 2, 3
		{4, 3, true},    // 2 + 0.5(4-2)
		{5, 4, true},    // 3 + 0.5(5-3)
		{0, 2, true},
	} {
		if got := e.Update(tt.x); got != tt.want || e.Value() != tt.want || e.Ready() != tt.ready {
			t.Errorf("step %d: Update(%v) = %v, Value %v, Ready %v; want %v, %v", i, tt.x, got, e.Value(), e.Ready(), tt.want, tt.ready)
		}
	}

	a, _ := NewEMAAlpha(0.25)
	if a.Ready() || a.Value() != 0 {
		t.Errorf("new EMAAlpha: Ready %v, Value %v", a.Ready(), a.Value())
	}
	if got := a.Update(100); got != 100 || !a.Ready() {
		t.Errorf("EMAAlpha first input: %v, Ready %v; want 100 (seeds), true", got, a.Ready())
	}
	if got := a.Update(200); got != 125 {
		t.Errorf("EMAAlpha second input: %v, want 125", got)
	}

	one, _ := NewEMA(1) // alpha = 1: the EMA is the last input
	for _, x := range []float64{3, -7, 61837.63} {
		if got := one.Update(x); got != x || !one.Ready() {
			t.Errorf("EMA(1).Update(%v) = %v, Ready %v", x, got, one.Ready())
		}
	}
}

func TestEMAMatchesReference(t *testing.T) {
	for _, s := range allSeries {
		for _, p := range periods {
			r := rand.New(rand.NewPCG(uint64(p), 1))
			xs := s.gen(r, 2000)
			e, _ := NewEMA(p)
			for i, x := range xs {
				got := e.Update(x)
				want := refEMA(xs[:i+1], p, e.Alpha())
				if !near(got, want, want, 1e-12) {
					t.Fatalf("%s period %d step %d: got %v, want %v", s.name, p, i, got, want)
				}
				if e.Ready() != (i+1 >= p) {
					t.Fatalf("%s period %d step %d: Ready %v", s.name, p, i, e.Ready())
				}
			}
		}
	}
}

func TestSMAMatchesReference(t *testing.T) {
	for _, s := range allSeries {
		for _, p := range periods {
			r := rand.New(rand.NewPCG(uint64(p), 2))
			xs := s.gen(r, 3000)
			m, _ := NewSMA(p)
			if m.Value() != 0 || m.Ready() || m.Len() != 0 {
				t.Fatalf("new SMA: Value %v, Ready %v, Len %d", m.Value(), m.Ready(), m.Len())
			}
			for i, x := range xs {
				got := m.Update(x)
				w := last(xs[:i+1], p)
				want := refMean(w)
				// The wild series mixes magnitudes from 1e-5 to 1e4, so compare
				// against the window's largest magnitude, not the mean.
				if !near(got, want, refMax(absAll(w)), 1e-12) || got != m.Value() {
					t.Fatalf("%s period %d step %d: got %v, want %v", s.name, p, i, got, want)
				}
				// Every period updates the sum is rebuilt, and then it must agree
				// with the reference to the bit.
				if (i+1)%p == 0 && got != want {
					t.Fatalf("%s period %d step %d: at rebase got %v, want exactly %v", s.name, p, i, got, want)
				}
				if m.Ready() != (i+1 >= p) || m.Len() != len(w) {
					t.Fatalf("%s period %d step %d: Ready %v, Len %d", s.name, p, i, m.Ready(), m.Len())
				}
			}
		}
	}
}

func absAll(w []float64) []float64 {
	a := make([]float64, len(w))
	for i, x := range w {
		a[i] = math.Abs(x)
	}
	return a
}

// TestSMADrift runs ten million prices through an SMA and checks that the running mean
// still matches a mean computed afresh, away from a rebase point.
func TestSMADrift(t *testing.T) {
	if testing.Short() {
		t.Skip("10M updates")
	}
	const n, updates = 1000, 10_000_000 + 377
	r := rand.New(rand.NewPCG(3, 3))
	m, _ := NewSMA(n)
	w := make([]float64, n)
	for i := range updates {
		x := 61837.63 + (r.Float64()-0.5)*100
		m.Update(x)
		w[i%n] = x
	}
	want := refMean(w)
	if rel := math.Abs(m.Value()-want) / want; rel > 1e-9 {
		t.Fatalf("after %d updates: SMA %v, fresh mean %v, relative error %g", updates, m.Value(), want, rel)
	}
	t.Logf("relative error after %d updates: %g", updates, math.Abs(m.Value()-want)/want)
}

func TestRollingMinMaxMatchReference(t *testing.T) {
	for _, s := range allSeries {
		for _, p := range periods {
			r := rand.New(rand.NewPCG(uint64(p), 4))
			xs := s.gen(r, 3000)
			lo, _ := NewRollingMin(p)
			hi, _ := NewRollingMax(p)
			if lo.Value() != 0 || hi.Value() != 0 || math.Signbit(hi.Value()) || lo.Ready() || hi.Ready() {
				t.Fatalf("new: min %v, max %v", lo.Value(), hi.Value())
			}
			for i, x := range xs {
				w := last(xs[:i+1], p)
				if got, want := lo.Update(x), refMin(w); got != want || lo.Value() != want {
					t.Fatalf("%s period %d step %d: min %v, want %v", s.name, p, i, got, want)
				}
				if got, want := hi.Update(x), refMax(w); got != want || hi.Value() != want {
					t.Fatalf("%s period %d step %d: max %v, want %v", s.name, p, i, got, want)
				}
				if lo.Ready() != (i+1 >= p) || hi.Ready() != lo.Ready() || lo.Len() != len(w) || hi.Len() != len(w) {
					t.Fatalf("%s period %d step %d: Ready %v %v, Len %d %d", s.name, p, i, lo.Ready(), hi.Ready(), lo.Len(), hi.Len())
				}
			}
		}
	}
}

// TestRollingMinMonotonic feeds the orders that exercise the deque's extremes: a rising
// series keeps every entry, a falling one keeps only the newest.
func TestRollingMinMonotonic(t *testing.T) {
	for _, dir := range []float64{1, -1} {
		for _, p := range []int{1, 5} {
			lo, _ := NewRollingMin(p)
			hi, _ := NewRollingMax(p)
			var xs []float64
			for i := range 50 {
				x := dir * float64(i)
				xs = append(xs, x)
				w := last(xs, p)
				if got := lo.Update(x); got != refMin(w) {
					t.Fatalf("dir %v period %d step %d: min %v, want %v", dir, p, i, got, refMin(w))
				}
				if got := hi.Update(x); got != refMax(w) {
					t.Fatalf("dir %v period %d step %d: max %v, want %v", dir, p, i, got, refMax(w))
				}
			}
		}
	}
}

func TestStdDevMatchesReference(t *testing.T) {
	for _, s := range allSeries {
		for _, p := range periods {
			r := rand.New(rand.NewPCG(uint64(p), 5))
			xs := s.gen(r, 3000)
			sd, _ := NewStdDev(p)
			if sd.Value() != 0 || sd.Variance() != 0 || sd.Mean() != 0 || sd.Ready() {
				t.Fatalf("new StdDev: %v %v %v %v", sd.Value(), sd.Variance(), sd.Mean(), sd.Ready())
			}
			for i, x := range xs {
				got := sd.Update(x)
				w := last(xs[:i+1], p)
				want := refStdDev(w)
				// Errors in a deviation from the mean scale with the size of the
				// values, not of the deviation, and an error a large value leaves
				// behind lasts until the next rebase: compare relative to the largest
				// value of the last two windows.
				scale := refMax(absAll(last(xs[:i+1], 2*p)))
				// The variance is what is computed; a rounding error e in it becomes
				// one of sqrt(e) in the standard deviation of a constant window.
				if got != sd.Value() || got != math.Sqrt(sd.Variance()) {
					t.Fatalf("%s period %d step %d: Update %v, Value %v, Variance %v", s.name, p, i, got, sd.Value(), sd.Variance())
				}
				if !near(sd.Variance(), want*want, scale*scale, 1e-12) {
					t.Fatalf("%s period %d step %d: variance %v, want %v", s.name, p, i, sd.Variance(), want*want)
				}
				if !near(sd.Mean(), refMean(w), scale, 1e-12) {
					t.Fatalf("%s period %d step %d: mean %v, want %v", s.name, p, i, sd.Mean(), refMean(w))
				}
				if sd.Ready() != (i+1 >= p) || sd.Len() != len(w) {
					t.Fatalf("%s period %d step %d: Ready %v, Len %d", s.name, p, i, sd.Ready(), sd.Len())
				}
			}
		}
	}
}

// TestStdDevConstant checks that a constant window gives exactly 0, not a NaN from the
// square root of a slightly negative rounding error.
func TestStdDevConstant(t *testing.T) {
	sd, _ := NewStdDev(20)
	r := rand.New(rand.NewPCG(6, 6))
	for range 100 {
		sd.Update(61837.63 + float64(r.IntN(100))*0.01)
	}
	for i := range 200 {
		if got := sd.Update(61837.63); math.IsNaN(got) || got < 0 || (i >= 20 && got != 0) {
			t.Fatalf("step %d: constant window gives %v", i, got)
		}
	}
}

// TestStdDevDrift runs ten million prices of 61837.63 plus noise through a StdDev and
// checks the result against a two-pass computation over the final window.
func TestStdDevDrift(t *testing.T) {
	if testing.Short() {
		t.Skip("10M updates")
	}
	const n, updates = 1000, 10_000_000 + 377
	r := rand.New(rand.NewPCG(7, 7))
	sd, _ := NewStdDev(n)
	w := make([]float64, n)
	for i := range updates {
		x := 61837.63 + (r.Float64()-0.5)*0.1
		sd.Update(x)
		w[i%n] = x
	}
	want := refStdDev(w)
	if rel := math.Abs(sd.Value()-want) / want; rel > 1e-9 {
		t.Fatalf("after %d updates: StdDev %v, two-pass %v, relative error %g", updates, sd.Value(), want, rel)
	}
	t.Logf("relative error after %d updates: %g", updates, math.Abs(sd.Value()-want)/want)
}

func TestVWAPMatchesReference(t *testing.T) {
	for _, p := range periods {
		r := rand.New(rand.NewPCG(uint64(p), 8))
		prices := walk(r, 3000)
		v, _ := NewVWAP(p)
		if v.Value() != 0 || v.Ready() || v.Len() != 0 {
			t.Fatalf("new VWAP: Value %v, Ready %v, Len %d", v.Value(), v.Ready(), v.Len())
		}
		var all []refTrade
		for i, price := range prices {
			q := float64(1+r.IntN(100000)) * 1e-5
			all = append(all, refTrade{price, q, 0})
			w := all[max(0, len(all)-p):]
			want := refVWAP(w)
			if got := v.Update(price, q); !near(got, want, want, 1e-12) || got != v.Value() {
				t.Fatalf("period %d step %d: got %v, want %v", p, i, got, want)
			}
			if v.Ready() != (len(all) >= p) || v.Len() != len(w) {
				t.Fatalf("period %d step %d: Ready %v, Len %d", p, i, v.Ready(), v.Len())
			}
		}
	}
}

func TestTimeVWAPMatchesReference(t *testing.T) {
	for _, tt := range []struct {
		window   time.Duration
		capacity int
	}{
		{time.Millisecond, 1},
		{time.Millisecond, 3},
		{time.Millisecond, 1000},
		{50 * time.Millisecond, 1000}, // wide enough to fill the ring sometimes
		{time.Second, 64},             // the ring is always the limit
	} {
		name := fmt.Sprintf("window %v capacity %d", tt.window, tt.capacity)
		r := rand.New(rand.NewPCG(uint64(tt.capacity), 9))
		v, _ := NewTimeVWAP(tt.window, tt.capacity)
		var all []refTrade
		now := int64(1_700_000_000_000_000_000)
		for i := range 4000 {
			// Bursts of trades with the same timestamp, short gaps, and now and then
			// a gap long enough to empty the window.
			switch k := r.IntN(20); {
			case k < 5:
			case k < 19:
				now += r.Int64N(int64(tt.window) / 10)
			default:
				now += 2 * int64(tt.window)
			}
			if r.IntN(50) == 0 {
				// Only advance the clock.
				got := v.Advance(now)
				want := refVWAP(refTimeWindow(all, now, int64(tt.window), tt.capacity))
				if !near(got, want, want, 1e-12) {
					t.Fatalf("%s step %d: Advance %v, want %v", name, i, got, want)
				}
				continue
			}
			price, q := 61837.63+float64(r.IntN(2001)-1000)*0.01, float64(1+r.IntN(1000))*1e-3
			all = append(all, refTrade{price, q, now})
			w := refTimeWindow(all, now, int64(tt.window), tt.capacity)
			want := refVWAP(w)
			if got := v.Update(price, q, now); !near(got, want, want, 1e-12) || got != v.Value() {
				t.Fatalf("%s step %d: got %v, want %v (%d trades)", name, i, got, want, len(w))
			}
			if v.Len() != len(w) {
				t.Fatalf("%s step %d: Len %d, want %d", name, i, v.Len(), len(w))
			}
			if want := now-all[0].t >= int64(tt.window); v.Ready() != want {
				t.Fatalf("%s step %d: Ready %v, want %v", name, i, v.Ready(), want)
			}
		}
	}
}

func TestTimeVWAPWindowEdges(t *testing.T) {
	v, _ := NewTimeVWAP(10, 8)
	if v.Value() != 0 || v.Ready() || v.Len() != 0 {
		t.Fatalf("new: Value %v, Ready %v, Len %d", v.Value(), v.Ready(), v.Len())
	}
	v.Update(100, 1, 0)
	if got := v.Update(200, 3, 9); got != 175 || v.Ready() {
		t.Errorf("at t=9: %v, Ready %v; want 175, false", got, v.Ready())
	}
	// At t=10 the trade at t=0 is exactly one window old and has left; the window is
	// (now-window, now].
	if got := v.Advance(10); got != 200 || v.Len() != 1 || !v.Ready() {
		t.Errorf("at t=10: %v, Len %d, Ready %v; want 200, 1, true", got, v.Len(), v.Ready())
	}
	if got := v.Advance(19); got != 0 || v.Len() != 0 || v.Ready() {
		t.Errorf("at t=19: %v, Len %d, Ready %v; want 0, 0, false", got, v.Len(), v.Ready())
	}
	// A timestamp from the past is taken as the latest one: the trade lands in the
	// window instead of being expired at once, and the clock does not go back.
	if got := v.Update(300, 1, 5); got != 300 || v.Len() != 1 {
		t.Errorf("late trade: %v, Len %d; want 300, 1", got, v.Len())
	}
	if got := v.Advance(28); got != 300 {
		t.Errorf("late trade at t=28: %v, want 300 (stamped t=19)", got)
	}
	if got := v.Advance(29); got != 0 {
		t.Errorf("late trade at t=29: %v, want 0", got)
	}
	if v.EarlyEvictions() != 0 {
		t.Errorf("EarlyEvictions = %d, want 0", v.EarlyEvictions())
	}
}

func TestTimeVWAPEarlyEviction(t *testing.T) {
	v, _ := NewTimeVWAP(time.Hour, 4)
	for i := range 10 {
		v.Update(float64(i), 1, int64(i))
	}
	// The window is an hour, but only the last four trades fit.
	if v.Len() != 4 || v.Value() != 7.5 || v.EarlyEvictions() != 6 {
		t.Errorf("Len %d, Value %v, EarlyEvictions %d; want 4, 7.5, 6", v.Len(), v.Value(), v.EarlyEvictions())
	}
	// Trades that age out of the window are not early evictions.
	v.Advance(int64(time.Hour) + 100)
	v.Update(1, 1, int64(time.Hour)+100)
	if v.Len() != 1 || v.EarlyEvictions() != 6 {
		t.Errorf("after the window passed: Len %d, EarlyEvictions %d; want 1, 6", v.Len(), v.EarlyEvictions())
	}
	v.Reset()
	if v.Len() != 0 || v.EarlyEvictions() != 0 || v.Value() != 0 || v.Ready() {
		t.Errorf("after Reset: Len %d, EarlyEvictions %d, Value %v, Ready %v", v.Len(), v.EarlyEvictions(), v.Value(), v.Ready())
	}
	// Reset forgets the data clock too: an earlier timestamp is accepted as is.
	v.Update(5, 1, 0)
	if got := v.Advance(int64(time.Hour) - 1); got != 5 {
		t.Errorf("after Reset, clock restarted: %v, want 5", got)
	}
}

// TestVWAPCancellation checks that a huge trade leaving the window cannot leave a total
// quantity of zero, which would make the average NaN or Inf.
func TestVWAPCancellation(t *testing.T) {
	v, _ := NewVWAP(3)
	tv, _ := NewTimeVWAP(10, 3)
	trades := []refTrade{{100, 1e20, 0}, {101, 1e-3, 1}, {102, 1e-3, 2}, {103, 1e-3, 3}}
	for i, tr := range trades {
		a, b := v.Update(tr.p, tr.q), tv.Update(tr.p, tr.q, tr.t)
		want := refVWAP(trades[max(0, i-2) : i+1])
		if !near(a, want, want, 1e-12) || !near(b, want, want, 1e-12) {
			t.Fatalf("step %d: VWAP %v, TimeVWAP %v, want %v", i, a, b, want)
		}
	}
}

// TestTimeVWAPDrift runs two million trades through a TimeVWAP whose window never
// empties and checks the result against a sum computed afresh.
func TestTimeVWAPDrift(t *testing.T) {
	if testing.Short() {
		t.Skip("2M updates")
	}
	const capacity = 4096
	r := rand.New(rand.NewPCG(10, 10))
	v, _ := NewTimeVWAP(time.Second, capacity)
	ring := make([]refTrade, 0, capacity)
	now := int64(0)
	for range 2_000_000 {
		now += r.Int64N(1_000_000)
		tr := refTrade{61837.63 + (r.Float64()-0.5)*100, r.Float64() * 10, now}
		v.Update(tr.p, tr.q, tr.t)
		ring = append(ring, tr)
		if len(ring) > 3*capacity {
			ring = append(ring[:0], ring[len(ring)-capacity:]...)
		}
	}
	want := refVWAP(refTimeWindow(ring, now, int64(time.Second), capacity))
	if rel := math.Abs(v.Value()-want) / want; rel > 1e-9 {
		t.Fatalf("TimeVWAP %v, fresh %v, relative error %g", v.Value(), want, rel)
	}
}

// indicatorUnderTest drives every indicator through one interface for the tests that
// apply to all of them.
type indicatorUnderTest struct {
	name     string
	update   func(x float64) float64
	value    func() float64
	ready    func() bool
	rejected func() uint64
	reset    func()
}

func allIndicators(period int) []indicatorUnderTest {
	ema, _ := NewEMA(period)
	emaA, _ := NewEMAAlpha(0.1)
	sma, _ := NewSMA(period)
	lo, _ := NewRollingMin(period)
	hi, _ := NewRollingMax(period)
	sd, _ := NewStdDev(period)
	vw, _ := NewVWAP(period)
	tv, _ := NewTimeVWAP(time.Duration(period)*time.Millisecond, period)
	var clock int64
	// The VWAPs take x as the price with a quantity of 2, and the TimeVWAP's clock
	// moves 1ms per update.
	return []indicatorUnderTest{
		{"EMA", ema.Update, ema.Value, ema.Ready, ema.Rejected, ema.Reset},
		{"EMAAlpha", emaA.Update, emaA.Value, emaA.Ready, emaA.Rejected, emaA.Reset},
		{"SMA", sma.Update, sma.Value, sma.Ready, sma.Rejected, sma.Reset},
		{"RollingMin", lo.Update, lo.Value, lo.Ready, lo.Rejected, lo.Reset},
		{"RollingMax", hi.Update, hi.Value, hi.Ready, hi.Rejected, hi.Reset},
		{"StdDev", sd.Update, sd.Value, sd.Ready, sd.Rejected, sd.Reset},
		{"VWAP", func(x float64) float64 { return vw.Update(x, 2) }, vw.Value, vw.Ready, vw.Rejected, vw.Reset},
		{"TimeVWAP", func(x float64) float64 {
			if finite(x) {
				clock += int64(time.Millisecond)
			}
			return tv.Update(x, 2, clock)
		}, tv.Value, tv.Ready, tv.Rejected, func() { tv.Reset(); clock = 0 }},
	}
}

// TestNonFiniteIgnored interleaves NaN and ±Inf with a price series and checks that
// every indicator gives, to the bit, what it gives for the series alone.
func TestNonFiniteIgnored(t *testing.T) {
	bad := []float64{math.NaN(), math.Inf(1), math.Inf(-1), -math.NaN()}
	xs := walk(rand.New(rand.NewPCG(11, 11)), 500)
	clean, dirty := allIndicators(16), allIndicators(16)
	for k := range clean {
		c, d := clean[k], dirty[k]
		// A NaN before the first value leaves the initial state alone.
		if got := d.update(math.NaN()); got != 0 || d.ready() {
			t.Errorf("%s: NaN first gives %v, Ready %v", d.name, got, d.ready())
		}
		for i, x := range xs {
			want := c.update(x)
			got := d.update(x)
			if i%3 == 0 {
				got = d.update(bad[i%len(bad)])
			}
			if got != want || d.value() != want || d.ready() != c.ready() {
				t.Fatalf("%s step %d: with non-finite inputs %v, without %v", d.name, i, got, want)
			}
		}
		if want := uint64(1 + (len(xs)+2)/3); d.rejected() != want || c.rejected() != 0 {
			t.Errorf("%s: Rejected %d, want %d", d.name, d.rejected(), want)
		}
		d.reset()
		if d.rejected() != 0 {
			t.Errorf("%s: Rejected %d after Reset", d.name, d.rejected())
		}
	}
}

func TestVWAPRejectsBadTrades(t *testing.T) {
	v, _ := NewVWAP(4)
	tv, _ := NewTimeVWAP(time.Second, 4)
	v.Update(100, 1)
	tv.Update(100, 1, 0)
	for _, tr := range []struct{ p, q float64 }{
		{101, 0}, {101, -1}, {math.NaN(), 1}, {101, math.NaN()}, {math.Inf(1), 1},
		{101, math.Inf(1)}, {0, math.Inf(1)}, {1e200, 1e200}, // p×q overflows
	} {
		v.Update(tr.p, tr.q)
		tv.Update(tr.p, tr.q, 1)
	}
	if v.Value() != 100 || v.Len() != 1 || v.Rejected() != 8 {
		t.Errorf("VWAP: Value %v, Len %d, Rejected %d; want 100, 1, 8", v.Value(), v.Len(), v.Rejected())
	}
	if tv.Value() != 100 || tv.Len() != 1 || tv.Rejected() != 8 {
		t.Errorf("TimeVWAP: Value %v, Len %d, Rejected %d; want 100, 1, 8", tv.Value(), tv.Len(), tv.Rejected())
	}
	// A negative price is a real price (oil futures, spreads).
	if got := v.Update(-50, 1); got != 25 {
		t.Errorf("negative price: %v, want 25", got)
	}
}

// TestReset checks that Reset returns every indicator to its newly constructed state:
// the same sequence gives the same values after it.
func TestReset(t *testing.T) {
	xs := walk(rand.New(rand.NewPCG(12, 12)), 100)
	for _, p := range []int{1, 7} {
		for _, ind := range allIndicators(p) {
			first := make([]float64, 0, len(xs))
			for _, x := range xs {
				first = append(first, ind.update(x))
			}
			ind.reset()
			if ind.value() != 0 || ind.ready() || ind.rejected() != 0 {
				t.Fatalf("%s period %d after Reset: Value %v, Ready %v", ind.name, p, ind.value(), ind.ready())
			}
			for i, x := range xs {
				if got := ind.update(x); got != first[i] {
					t.Fatalf("%s period %d step %d after Reset: %v, want %v", ind.name, p, i, got, first[i])
				}
			}
		}
	}
}

// TestWindowOne checks the degenerate window: every windowed indicator reports the
// latest input alone.
func TestWindowOne(t *testing.T) {
	sma, _ := NewSMA(1)
	lo, _ := NewRollingMin(1)
	hi, _ := NewRollingMax(1)
	sd, _ := NewStdDev(1)
	vw, _ := NewVWAP(1)
	for _, x := range wild(rand.New(rand.NewPCG(13, 13)), 200) {
		if sma.Update(x) != x || lo.Update(x) != x || hi.Update(x) != x || sd.Update(x) != 0 || vw.Update(x, 0.5) != x {
			t.Fatalf("x = %v: SMA %v, min %v, max %v, stddev %v, VWAP %v", x, sma.Value(), lo.Value(), hi.Value(), sd.Value(), vw.Value())
		}
		if !sma.Ready() || !lo.Ready() || !hi.Ready() || !sd.Ready() || !vw.Ready() {
			t.Fatal("window of one not ready after one input")
		}
	}
}

func TestNoAllocs(t *testing.T) {
	xs := walk(rand.New(rand.NewPCG(14, 14)), 1024)
	ema, _ := NewEMA(20)
	sma, _ := NewSMA(20)
	lo, _ := NewRollingMin(20)
	hi, _ := NewRollingMax(20)
	sd, _ := NewStdDev(20)
	vw, _ := NewVWAP(20)
	tv, _ := NewTimeVWAP(time.Millisecond, 20)
	var i int
	var clock int64
	var sink float64
	for _, tt := range []struct {
		name string
		f    func()
	}{
		{"EMA.Update", func() { sink += ema.Update(xs[i%1024]); i++ }},
		{"EMA.Value", func() { sink += ema.Value() }},
		{"EMA.Reset", ema.Reset},
		{"SMA.Update", func() { sink += sma.Update(xs[i%1024]); i++ }},
		{"SMA.Value", func() { sink += sma.Value() }},
		{"SMA.Reset", sma.Reset},
		{"RollingMin.Update", func() { sink += lo.Update(xs[i%1024]); i++ }},
		{"RollingMin.Value", func() { sink += lo.Value() }},
		{"RollingMin.Reset", lo.Reset},
		{"RollingMax.Update", func() { sink += hi.Update(xs[i%1024]); i++ }},
		{"RollingMax.Value", func() { sink += hi.Value() }},
		{"RollingMax.Reset", hi.Reset},
		{"StdDev.Update", func() { sink += sd.Update(xs[i%1024]); i++ }},
		{"StdDev.Value", func() { sink += sd.Value() + sd.Variance() + sd.Mean() }},
		{"StdDev.Reset", sd.Reset},
		{"VWAP.Update", func() { sink += vw.Update(xs[i%1024], 0.5); i++ }},
		{"VWAP.Value", func() { sink += vw.Value() }},
		{"VWAP.Reset", vw.Reset},
		{"TimeVWAP.Update", func() { clock += 7_000; sink += tv.Update(xs[i%1024], 0.5, clock); i++ }},
		{"TimeVWAP.Advance", func() { clock += 7_000; sink += tv.Advance(clock) }},
		{"TimeVWAP.Value", func() { sink += tv.Value() }},
		{"TimeVWAP.Reset", tv.Reset},
		{"non-finite", func() { sink += sma.Update(math.NaN()) + tv.Update(math.Inf(1), 1, clock) }},
	} {
		if n := testing.AllocsPerRun(1000, tt.f); n != 0 {
			t.Errorf("%s: %v allocations per call", tt.name, n)
		}
	}
	_ = sink
}
