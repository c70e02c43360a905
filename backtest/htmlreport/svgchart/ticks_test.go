package svgchart

import (
	"math"
	"strings"
	"testing"
)

// labels lists the labelled ticks' labels, and counts the minor ones.
func labels(ts []Tick) (major []string, minor int) {
	for _, t := range ts {
		if t.Label != "" {
			major = append(major, t.Label)
		} else {
			minor++
		}
	}
	return major, minor
}

func TestNiceTicks(t *testing.T) {
	tests := []struct {
		name     string
		min, max float64
		n        int
		want     string // the labels, joined by spaces
		minor    int    // minor ticks; -1 leaves them unchecked
	}{
		{"unit range: a step of 2 in quarters", 0, 1, 5, "0.0 0.2 0.4 0.6 0.8 1.0", 15},
		{"seconds of a run", 0, 346.06, 7, "0 50 100 150 200 250 300", -1},
		{"negative", -0.57, 0, 4, "-0.5 -0.4 -0.3 -0.2 -0.1 0.0", -1},
		{"across zero", -2.3, 1.2, 4, "-2 -1 0 1", -1},
		{"price", 61640, 61858, 4, "61650 61700 61750 61800 61850", -1},
		{"equity near a round number", 9999.45, 10000.05, 5, "9999.5 9999.6 9999.7 9999.8 9999.9 10000.0", -1},
		{"tiny", 1e-7, 5e-7, 4, "0.0000001 0.0000002 0.0000003 0.0000004 0.0000005", -1},
		{"smaller than nanos", 1e-12, 4e-12, 3, "1e-12 2e-12 3e-12 4e-12", -1},
		{"huge", 0, 3e15, 3, "0 1e+15 2e+15 3e+15", -1},
		{"step of 2: quarters", 0, 8, 4, "0 2 4 6 8", 12},
		{"zero width", 5, 5, 5, "5", 0},
		{"zero width at zero", 0, 0, 5, "0", 0},
		{"reversed", 2, 1, 5, "", 0},
		{"not finite", math.Inf(-1), 1, 5, "", 0},
		{"NaN", math.NaN(), 1, 5, "", 0},
		{"too wide for floats", -math.MaxFloat64, math.MaxFloat64, 5, "-1.7976931348623157e+308 1.7976931348623157e+308", 0},
		{"below the floats' resolution", 1e17, 1e17 + 64, 5, "1e+17 1.0000000000000006e+17", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := NiceTicks(tt.min, tt.max, tt.n)
			major, minor := labels(ts)
			if got := strings.Join(major, " "); got != tt.want {
				t.Errorf("NiceTicks(%v, %v, %d) labels %q, want %q", tt.min, tt.max, tt.n, got, tt.want)
			}
			if tt.minor >= 0 && minor != tt.minor {
				t.Errorf("%d minor ticks, want %d", minor, tt.minor)
			}
			for _, tk := range ts {
				if tk.Value < tt.min-1e-9*math.Abs(tt.max-tt.min) || tk.Value > tt.max+1e-9*math.Abs(tt.max-tt.min) {
					t.Errorf("tick %v outside [%v, %v]", tk, tt.min, tt.max)
				}
			}
		})
	}
}

// TestNiceTicksBounded: no range, however odd, gets more than maxTicks marks, and every
// finite one gets at least one labelled tick.
func TestNiceTicksBounded(t *testing.T) {
	for _, r := range [][2]float64{{0, 1e-300}, {1e300, 1.7e308}, {-5e-324, 5e-324}, {1, math.Nextafter(1, 2)}, {0, 1e308}} {
		for _, n := range []int{-3, 0, 1, 5, 1000} {
			ts := NiceTicks(r[0], r[1], n)
			if len(ts) > 5*maxTicks {
				t.Errorf("NiceTicks(%v, %v, %d): %d ticks", r[0], r[1], n, len(ts))
			}
			if major, _ := labels(ts); len(major) == 0 {
				t.Errorf("NiceTicks(%v, %v, %d): no label", r[0], r[1], n)
			}
		}
	}
}

func TestLogTicks(t *testing.T) {
	tests := []struct {
		name     string
		min, max float64
		want     string
	}{
		{"decades", 0.5, 2000, "1 10 100 1000"},
		{"within a decade", 2.5, 30, "5 10 20"},
		{"two powers of ten are enough", 1, 10, "1 10"},
		{"one power of ten: also 2 and 5", 0.9, 9, "1 2 5"},
		{"narrow: the ends", 3.1, 3.9, "3.1 3.9"},
		{"small", 1e-4, 1e-2, "0.0001 0.001 0.01"},
		{"not positive", 0, 10, ""},
		{"reversed", 10, 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			major, _ := labels(LogTicks(tt.min, tt.max))
			if got := strings.Join(major, " "); got != tt.want {
				t.Errorf("LogTicks(%v, %v) labels %q, want %q", tt.min, tt.max, got, tt.want)
			}
		})
	}
	if ts := LogTicks(1e-300, 1e300); len(ts) > maxTicks {
		t.Errorf("LogTicks over 600 decades: %d ticks", len(ts))
	}
}

// FuzzTicks: any range gets a bounded number of ticks, all on it, at least one of them
// labelled when the range is finite and in order; the same on a log axis.
func FuzzTicks(f *testing.F) {
	f.Add(0.0, 1.0, 5)
	f.Add(-0.57, 0.0, 4)
	f.Add(1e17, 1e17+64, 5)
	f.Add(1.0, math.Nextafter(1, 2), 20)
	f.Fuzz(func(t *testing.T, min, max float64, n int) {
		for _, ts := range [][]Tick{NiceTicks(min, max, n), LogTicks(min, max)} {
			if len(ts) > 5*maxTicks {
				t.Fatalf("%v, %v: %d ticks", min, max, len(ts))
			}
			slack := 1e-9 * math.Abs(max-min)
			for _, tk := range ts {
				if !(tk.Value >= min-slack && tk.Value <= max+slack) {
					t.Fatalf("%v, %v: tick %v outside", min, max, tk)
				}
			}
		}
		if major, _ := labels(NiceTicks(min, max, n)); finite(min) && finite(max) && min <= max && len(major) == 0 {
			t.Fatalf("%v, %v: no label", min, max)
		}
	})
}
