package htmlreport

import (
	"math"
	"strings"
	"testing"
)

// TestDurationTicks labels a logarithmic axis of microseconds with durations at 1, 2
// and 5 times the powers of ten, and the ends when fewer than two of those fall in it.
func TestDurationTicks(t *testing.T) {
	// The ranges histogramPlot gives: a spread of samples, and a constant one (±0.05
	// decades around it).
	around := func(us float64) (float64, float64) { return us * math.Pow(10, -0.05), us * math.Pow(10, 0.05) }
	c10lo, c10hi := around(10e3) // all samples 10 ms
	c0lo, c0hi := around(1e-3)   // all samples 0 (1 ns, the floor)
	c3lo, c3hi := around(3.3e3)  // all samples 3.3 ms: no 1-2-5 mark within
	tests := []struct {
		name     string
		min, max float64 // µs
		want     string
	}{
		{"milliseconds to seconds", 5e3, 2e7, "5ms 10ms 20ms 50ms 100ms 200ms 500ms 1s 2s 5s 10s 20s"},
		{"sub-microsecond", 0.05, 3, "50ns 100ns 200ns 500ns 1µs 2µs"},
		{"constant 10ms: the mark and both ends", c10lo, c10hi, "8.91ms 10ms 11.2ms"},
		{"constant 0: one mark, the ends repeat it", c0lo, c0hi, "1ns"},
		{"constant 3.3ms: the ends", c3lo, c3hi, "2.94ms 3.7ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, tk := range durationTicks(tt.min, tt.max) {
				if tk.Label != "" {
					got = append(got, tk.Label)
				}
			}
			if strings.Join(got, " ") != tt.want {
				t.Errorf("durationTicks(%v, %v) = %q, want %q", tt.min, tt.max, strings.Join(got, " "), tt.want)
			}
		})
	}
}
