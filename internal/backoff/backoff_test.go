package backoff

import (
	"testing"
	"time"
)

// TestDelay: every delay lies in [d/2, d] of the doubled, capped delay, and the draws
// spread over that range rather than sitting at one end.
func TestDelay(t *testing.T) {
	for _, tc := range []struct {
		lo, hi  time.Duration
		attempt int
		d       time.Duration
	}{
		{250 * time.Millisecond, 10 * time.Second, 0, 250 * time.Millisecond},
		{250 * time.Millisecond, 10 * time.Second, 1, 500 * time.Millisecond},
		{250 * time.Millisecond, 10 * time.Second, 3, 2 * time.Second},
		{250 * time.Millisecond, 10 * time.Second, 6, 10 * time.Second},
		{250 * time.Millisecond, 10 * time.Second, 1 << 30, 10 * time.Second},
		{time.Second, 500 * time.Millisecond, 0, 500 * time.Millisecond},
		{0, time.Second, 5, 0},
	} {
		lowHalf, highHalf := 0, 0
		for range 400 {
			got := Delay(tc.lo, tc.hi, tc.attempt)
			if got < tc.d/2 || got > tc.d {
				t.Fatalf("Delay(%v, %v, %d) = %v, want within [%v, %v]", tc.lo, tc.hi, tc.attempt, got, tc.d/2, tc.d)
			}
			if got < tc.d*3/4 {
				lowHalf++
			} else {
				highHalf++
			}
		}
		if tc.d > 0 && (lowHalf < 100 || highHalf < 100) {
			t.Errorf("Delay(%v, %v, %d): %d draws below 3/4 d, %d above: not spread", tc.lo, tc.hi, tc.attempt, lowHalf, highHalf)
		}
	}
}
