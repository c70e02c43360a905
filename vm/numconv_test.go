package vm

import (
	"math"
	"testing"
)

// The expected strings are String(x) as printed by Node for the same float64 values.
func TestNumberToString(t *testing.T) {
	cases := []struct {
		f    float64
		want string
	}{
		{0.0000000000000000, "0"},
		{math.Copysign(0, -1), "0"},
		{1.0000000000000000, "1"},
		{-1.0000000000000000, "-1"},
		{0.10000000000000001, "0.1"},
		{0.30000000000000004, "0.30000000000000004"},
		{0.33333333333333331, "0.3333333333333333"},
		{0.66666666666666663, "0.6666666666666666"},
		{1.0000000000000000e+21, "1e+21"},
		{1.0000000000000000e+20, "100000000000000000000"},
		{1.2345678901234568e+20, "123456789012345680000"},
		{1.4999999999999999e-7, "1.5e-7"},
		{9.9999999999999995e-8, "1e-7"},
		{9.9999990000000002e-7, "9.999999e-7"},
		{9.9999999999999995e-7, "0.000001"},
		{9.9999999999999995e-7, "0.000001"},
		{4.9406564584124654e-324, "5e-324"},
		{1.7976931348623157e+308, "1.7976931348623157e+308"},
		{9007199254740992.0, "9007199254740992"},
		{9007199254740994.0, "9007199254740994"},
		{-9.9999999999999995e-8, "-1e-7"},
		{100.00000000000000, "100"},
		{1234.5678000000000, "1234.5678"},
		{0.50000000000000000, "0.5"},
		{1.0000000000000001e+300, "1e+300"},
		{4.3499999999999996, "4.35"},
		{1.2300000000000000e-18, "1.23e-18"},
		{math.NaN(), "NaN"},
		{math.Inf(1), "Infinity"},
		{math.Inf(-1), "-Infinity"},
		{1000000000000000.0, "1000000000000000"},
		{10000000000000000, "10000000000000000"},
		{123456789.12300000, "123456789.123"},
		{2147483648.0000000, "2147483648"},
		{-2147483648.0000000, "-2147483648"},
		{0.00012300000000000001, "0.000123"},
	}
	for _, c := range cases {
		if got := numberToString(c.f); got != c.want {
			t.Errorf("numberToString(%v) = %q, want %q", c.f, got, c.want)
		}
	}
	if got := formatNumber(math.Copysign(0, -1)); got != "-0" {
		t.Errorf("formatNumber(-0) = %q, want -0 (console.log prints -0)", got)
	}
}

func TestToInt32(t *testing.T) {
	cases := map[float64]int32{0: 0, -1: -1, 4294967295: -1, 4294967296: 0, 2147483648: -2147483648, 1e21: -559939584, -1.9: -1, 3.7: 3}
	for f, want := range cases {
		if got := toInt32(f); got != want {
			t.Errorf("toInt32(%v) = %d, want %d", f, got, want)
		}
	}
	if toInt32(math.NaN()) != 0 || toInt32(math.Inf(1)) != 0 {
		t.Error("NaN and Infinity must convert to 0")
	}
}

func TestJSRound(t *testing.T) {
	cases := []struct{ x, want float64 }{{0.5, 1}, {-0.5, math.Copysign(0, -1)}, {2.5, 3}, {-2.5, -2}, {0.49999999999999994, 0}, {-0.4, math.Copysign(0, -1)}, {1e300, 1e300}, {-7.5, -7}}
	for _, c := range cases {
		got := jsRound(c.x)
		if got != c.want || math.Signbit(got) != math.Signbit(c.want) {
			t.Errorf("Math.round(%v) = %v, want %v", c.x, got, c.want)
		}
	}
}
