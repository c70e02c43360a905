package fixed

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// roundRat rounds x half away from zero.
func roundRat(x *big.Rat) *big.Int {
	n, d := new(big.Int).Abs(x.Num()), x.Denom()
	q, r := new(big.Int).QuoRem(n, d, new(big.Int))
	if r.Lsh(r, 1).Cmp(d) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if x.Sign() < 0 {
		q.Neg(q)
	}
	return q
}

func TestCarry(t *testing.T) {
	tests := []struct {
		name   string
		digits Scale
		fine   []int64
		want   []int64 // whole units passed with each piece
	}{
		// 0.024 USDT fees at 0.01 USDT units, in millionths of a unit (2.4 units):
		// 2, 3, 2, 3, 2: 12 units for 12.0, where rounding each gives 10.
		{"small fees", 6, []int64{2_400_000, 2_400_000, 2_400_000, 2_400_000, 2_400_000}, []int64{2, 3, 2, 3, 2}},
		// Fees below half a unit each: rounding each passes nothing at all.
		{"below half", 1, []int64{3, 3, 3, 3, 3, 3}, []int64{0, 1, 0, 0, 1, 0}},
		{"ties away from zero", 1, []int64{5, 5, 5, 5}, []int64{1, 0, 1, 0}},
		{"negative", 1, []int64{-3, -3, -3, -3}, []int64{0, -1, 0, 0}},
		{"negative ties", 1, []int64{-5, -5, -5}, []int64{-1, 0, -1}},
		// Round(cum after) − round(cum before), not the remainder rounded: from -1.2
		// (passed -1), +0.7 makes -0.5, whose rounding is still -1.
		{"mixed signs", 1, []int64{-12, 7, 5, -5, 20, -40}, []int64{-1, 0, 1, -1, 3, -5}},
		{"crossing zero at a tie", 1, []int64{4, -9, 10}, []int64{0, -1, 2}},
		{"whole pieces", 0, []int64{3, -7, 2}, []int64{3, -7, 2}},
		{"zero", 6, []int64{0, 0}, []int64{0, 0}},
		{"max scale", MaxScale, []int64{math.MaxInt64, math.MaxInt64, 5e17}, []int64{9, 9, 1}},
		{"digits beyond max", 30, []int64{5e17}, []int64{1}},
		{"large", 2, []int64{math.MaxInt64, math.MaxInt64, math.MinInt64 + 1}, []int64{92233720368547758, 92233720368547758, -92233720368547758}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewCarry(tt.digits)
			var sum int64
			for i, f := range tt.fine {
				got := c.Add(f)
				if got != tt.want[i] {
					t.Fatalf("piece %d (%d): passed %d, want %d", i, f, got, tt.want[i])
				}
				sum += got
			}
			if c.Total() != sum {
				t.Errorf("Total %d, sum of pieces %d", c.Total(), sum)
			}
		})
	}
}

// TestCarryExact checks, on random pieces of every sign and size, the two promises: the
// whole units passed so far are the exact total rounded half away from zero, after
// every piece, and each piece is passed on within one whole unit of itself.
func TestCarryExact(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, digits := range []Scale{0, 1, 2, 6, 10, 18} {
		unit := digits.Unit()
		for run := 0; run < 50; run++ {
			c := NewCarry(digits)
			exact := new(big.Rat)
			var passed int64
			// Pieces of a few units, of about one unit, or of a few fine units.
			span := []int64{unit * 3, unit, 3}[run%3]
			for i := 0; i < 300; i++ {
				a, b := r.Int64N(2*span+1)-span, r.Int64N(5)-2
				if run%2 == 0 {
					b = 1 // Add's path: one factor
				}
				got, ok := c.AddMul(a, b)
				if !ok {
					t.Fatalf("digits %d: AddMul(%d, %d) failed", digits, a, b)
				}
				piece := new(big.Rat).SetFrac64(a*b, unit)
				exact.Add(exact, piece)
				passed += got
				if want := roundRat(exact); want.Int64() != passed || c.Total() != passed {
					t.Fatalf("digits %d, piece %d: passed %d (Total %d), exact total %s rounds to %s",
						digits, i, passed, c.Total(), exact.FloatString(int(digits)), want)
				}
				if d := new(big.Rat).Sub(new(big.Rat).SetInt64(got), piece); d.Abs(d).Cmp(big.NewRat(1, 1)) > 0 {
					t.Fatalf("digits %d, piece %d: passed %d for %s", digits, i, got, piece.FloatString(int(digits)))
				}
			}
		}
	}
}

// TestCarryLong adds far more fine units than an int64 holds: the carry keeps whole
// units, so it neither overflows nor drifts.
func TestCarryLong(t *testing.T) {
	c := NewCarry(18)
	const piece = 2_400_000_000_000_000_123 // 2.400000000000000123 units
	var passed int64
	const n = 1_000_000
	for i := 0; i < n; i++ {
		passed += c.Add(piece)
	}
	// n × 2.400000000000000123 = 2400000.000000000123: 2400000.
	if passed != 2_400_000 || c.Total() != passed {
		t.Errorf("passed %d (Total %d), want 2400000", passed, c.Total())
	}
}

func TestCarryAddMul(t *testing.T) {
	tests := []struct {
		digits Scale
		a, b   int64
		want   int64
		ok     bool
	}{
		// 0.002 BTC (qty scale 8) at 60000.00 (price scale 2) at 2 bp (rate in millionths
		// of a bp): price×qty×rate in units of 10^-(8+10) of a price unit, beyond an int64.
		{18, 6_000_000 * 200_000, 2_000_000, 2, true},
		{18, 6_000_000 * 200_000, -2_000_000, -2, true},
		{18, 6_000_012 * 200_000, 2_000_000, 2, true}, // 2.4000048
		{0, math.MaxInt64, 2, 0, false},
		{0, 1 << 61, 2, 0, false},
		{0, 1<<62 - 1, 1, 1<<62 - 1, true},
		{18, math.MinInt64, math.MinInt64, 0, false},
		{18, math.MinInt64, 1, -9, true},
	}
	for _, tt := range tests {
		c := NewCarry(tt.digits)
		got, ok := c.AddMul(tt.a, tt.b)
		if got != tt.want || ok != tt.ok {
			t.Errorf("digits %d: AddMul(%d, %d) = %d, %v, want %d, %v", tt.digits, tt.a, tt.b, got, ok, tt.want, tt.ok)
		}
		if !ok && c.Total() != 0 {
			t.Errorf("digits %d: AddMul(%d, %d) failed but added: Total %d", tt.digits, tt.a, tt.b, c.Total())
		}
	}
	// A total that would pass 2^62 whole units is refused, and the carry unchanged.
	c := NewCarry(0)
	c.Add(1<<62 - 1)
	if d, ok := c.AddMul(1, 1); ok || d != 0 || c.Total() != 1<<62-1 {
		t.Errorf("past the bound: AddMul = %d, %v; Total %d", d, ok, c.Total())
	}
	if d := c.Add(-1); d != -1 {
		t.Errorf("back within: Add(-1) = %d", d)
	}
}

func TestCarryZero(t *testing.T) {
	var c Carry
	for _, f := range []int64{3, -7, 0, 12} {
		if got := c.Add(f); got != f {
			t.Errorf("zero Carry: Add(%d) = %d", f, got)
		}
	}
}

func TestCarryAllocs(t *testing.T) {
	c := NewCarry(6)
	if n := testing.AllocsPerRun(100, func() {
		c.Add(2_400_000)
		c.AddMul(6_000_000*200_000, 2_000_000)
	}); n != 0 {
		t.Errorf("%v allocations per run", n)
	}
}

func TestCarryUnit(t *testing.T) {
	for _, tt := range []struct {
		c    Carry
		want int64
	}{{Carry{}, 1}, {NewCarry(0), 1}, {NewCarry(6), 1e6}, {NewCarry(18), 1e18}, {NewCarry(19), 1e18}} {
		if got := tt.c.Unit(); got != tt.want {
			t.Errorf("Unit() = %d, want %d", got, tt.want)
		}
	}
}
