package fixed

import (
	"errors"
	"math"
	"math/big"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in    string
		scale Scale
		want  int64
		err   error
	}{
		{"61837.63000000", 8, 6183763000000, nil},
		{"0.00000000", 8, 0, nil},
		{"0.00100000", 8, 100000, nil},
		{"-1.5", 2, -150, nil},
		{"+1.5", 2, 150, nil},
		{"100", 0, 100, nil},
		{"100.", 1, 1000, nil},
		{".5", 1, 5, nil},
		{"1e-5", 8, 1000, nil},
		{"1.5E+3", 0, 1500, nil},
		{"1000e-3", 0, 1, nil},
		{"0.000000000000000000000000000001e30", 0, 1, nil},
		{"1234567890123000000000e-9", 0, 1234567890123, nil},
		{"1234567890123456789000e-9", 0, 0, ErrPrecision},
		// The significant digits must fit 64 bits, trailing zeros aside.
		{"12345678901234567890123e-10", 0, 0, ErrRange},
		{"1.00000000000000000000000000000", 2, 100, nil},
		{"00000000000000000000000000000001", 0, 1, nil},
		{"9223372036854775807", 0, math.MaxInt64, nil},
		{"-9223372036854775808", 0, math.MinInt64, nil},
		{"92233720368.54775807", 8, math.MaxInt64, nil},
		{"-0", 8, 0, nil},
		{"0e99999", 8, 0, nil},
		// Errors.
		{"9223372036854775808", 0, 0, ErrRange},
		{"-9223372036854775809", 0, 0, ErrRange},
		{"92233720368.54775808", 8, 0, ErrRange},
		{"1e19", 8, 0, ErrRange},
		{"99999999999999999999999", 0, 0, ErrRange},
		{"1.123", 2, 0, ErrPrecision},
		{"1e-9", 8, 0, ErrPrecision},
		{"1e-99999", 8, 0, ErrPrecision},
		{"", 8, 0, ErrSyntax},
		{"-", 8, 0, ErrSyntax},
		{".", 8, 0, ErrSyntax},
		{"1..2", 8, 0, ErrSyntax},
		{"1.2.3", 8, 0, ErrSyntax},
		{"1e", 8, 0, ErrSyntax},
		{"1e+", 8, 0, ErrSyntax},
		{"e5", 8, 0, ErrSyntax},
		{" 1", 8, 0, ErrSyntax},
		{"1 ", 8, 0, ErrSyntax},
		{"NaN", 8, 0, ErrSyntax},
		{"Inf", 8, 0, ErrSyntax},
		{"0x10", 8, 0, ErrSyntax},
		{"1_000", 8, 0, ErrSyntax},
		{"--1", 8, 0, ErrSyntax},
		{"1e5.5", 8, 0, ErrSyntax},
	}
	for _, tt := range tests {
		got, err := tt.scale.ParseString(tt.in)
		if !errors.Is(err, tt.err) || got != tt.want {
			t.Errorf("Scale(%d).Parse(%q) = %d, %v; want %d, %v", tt.scale, tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestAppend(t *testing.T) {
	tests := []struct {
		v          int64
		scale      Scale
		short, fix string
	}{
		{6183763000000, 8, "61837.63", "61837.63000000"},
		{0, 8, "0", "0.00000000"},
		{100000, 8, "0.001", "0.00100000"},
		{-50, 2, "-0.5", "-0.50"},
		{5, 0, "5", "5"},
		{math.MinInt64, 0, "-9223372036854775808", "-9223372036854775808"},
		{math.MinInt64, 18, "-9.223372036854775808", "-9.223372036854775808"},
		{math.MaxInt64, 8, "92233720368.54775807", "92233720368.54775807"},
	}
	for _, tt := range tests {
		if got := tt.scale.String(tt.v); got != tt.short {
			t.Errorf("Scale(%d).String(%d) = %q, want %q", tt.scale, tt.v, got, tt.short)
		}
		if got := string(tt.scale.AppendFixed(nil, tt.v)); got != tt.fix {
			t.Errorf("Scale(%d).AppendFixed(%d) = %q, want %q", tt.scale, tt.v, got, tt.fix)
		}
	}
}

func TestFloat(t *testing.T) {
	if got := Scale(8).Float(6183763000000); got != 61837.63 {
		t.Errorf("Float = %v, want 61837.63", got)
	}
	if got := Scale(2).Float(-1); got != -0.01 {
		t.Errorf("Float = %v, want -0.01", got)
	}
	for _, f := range []float64{0.1, 61837.63, -0.00001, 1e10} {
		v, ok := Scale(8).FromFloat(f)
		if !ok || Scale(8).Float(v) != f {
			t.Errorf("FromFloat(%v) = %d, %v; does not round-trip", f, v, ok)
		}
	}
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), 1e12} {
		if _, ok := Scale(8).FromFloat(f); ok {
			t.Errorf("FromFloat(%v) accepted", f)
		}
	}
}

func TestDecimal(t *testing.T) {
	d := Scale(8).Decimal(6183763000000)
	if d.String() != "61837.63" {
		t.Errorf("Decimal = %s", d)
	}
	for _, tt := range []struct {
		in   string
		want int64
		err  error
	}{
		{"61837.63", 6183763000000, nil},
		{"-0.00000001", -1, nil},
		{"0.000000001", 0, ErrPrecision},
		{"100000000000", 0, ErrRange},
	} {
		got, err := Scale(8).FromDecimal(decimal.RequireFromString(tt.in))
		if got != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("FromDecimal(%s) = %d, %v; want %d, %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestMulDiv(t *testing.T) {
	tests := []struct {
		a, b, c, want int64
		ok            bool
	}{
		// 61837.63 USDT × 2 BTC at scale 8 = 123675.26 USDT in price units.
		{6183763000000, 200000000, 100000000, 12367526000000, true},
		{7, 3, 2, 10, true},
		{-7, 3, 2, -10, true},
		{7, -3, -2, 10, true},
		{math.MaxInt64, math.MaxInt64, math.MaxInt64, math.MaxInt64, true},
		{math.MaxInt64, 2, 1, 0, false},
		{1, 1, 0, 0, false},
		{math.MinInt64, 1, 1, math.MinInt64, true},
		{math.MinInt64, -1, 1, 0, false},
	}
	for _, tt := range tests {
		got, ok := MulDiv(tt.a, tt.b, tt.c)
		if got != tt.want || ok != tt.ok {
			t.Errorf("MulDiv(%d, %d, %d) = %d, %v; want %d, %v", tt.a, tt.b, tt.c, got, ok, tt.want, tt.ok)
		}
	}
}

func TestZeroAlloc(t *testing.T) {
	in := []byte("61837.63000000")
	buf := make([]byte, 0, 32)
	allocs := testing.AllocsPerRun(1000, func() {
		v, err := Scale(8).Parse(in)
		if err != nil {
			t.Fatal(err)
		}
		buf = Scale(8).AppendFixed(buf[:0], v)
		if _, err := Scale(2).Parse([]byte("1.123")); err == nil {
			t.Fatal("no error")
		}
	})
	if allocs != 0 {
		t.Errorf("Parse+AppendFixed allocated %v times per run", allocs)
	}
}

// reference parses decimal text with math/big; ok is false where Parse must fail.
func reference(s string, scale Scale) (int64, error) {
	if s == "" || strings.ContainsAny(s, " _xXnNiI") || strings.Count(s, ".") > 1 {
		return 0, ErrSyntax
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return 0, ErrSyntax
	}
	r.Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil)))
	if !r.IsInt() {
		return 0, ErrPrecision
	}
	if !r.Num().IsInt64() {
		return 0, ErrRange
	}
	return r.Num().Int64(), nil
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"61837.63000000", "0.001", "-1.5e-3", "1E+10", "9223372036854775807", ".5", "1e-99999", "0"} {
		f.Add(s, uint8(8))
	}
	f.Fuzz(func(t *testing.T, s string, sc uint8) {
		scale := Scale(sc % (uint8(MaxScale) + 1))
		got, err := scale.ParseString(s)
		if err != nil {
			if got != 0 {
				t.Fatalf("Parse(%q) = %d with error %v", s, got, err)
			}
		} else {
			// Formatting and parsing again must give the same number.
			back, err2 := scale.Parse(scale.AppendFixed(nil, got))
			if err2 != nil || back != got {
				t.Fatalf("round trip of %d: %d, %v", got, back, err2)
			}
		}
		// Only text big.Rat reads the same way as a decimal number is compared against it:
		// big.Rat also takes fractions ("1/2") and other bases, which are syntax errors here.
		if strings.Trim(s, "0123456789.eE+-") != "" || len(s) > 400 {
			return
		}
		want, werr := reference(s, scale)
		if werr == nil && err == nil && got != want {
			t.Fatalf("Parse(%q, %d) = %d, want %d", s, scale, got, want)
		}
		if (werr == nil) != (err == nil) {
			// The two agree that the text is a number but may disagree on syntax at the edges
			// ("1." is accepted here); precision and range must agree exactly.
			if errors.Is(err, ErrSyntax) || errors.Is(werr, ErrSyntax) {
				return
			}
			t.Fatalf("Parse(%q, %d): err %v, reference err %v", s, scale, err, werr)
		}
	})
}

func BenchmarkParse(b *testing.B) {
	in := []byte("61837.63000000")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Scale(8).Parse(in); err != nil {
			b.Fatal(err)
		}
	}
}
