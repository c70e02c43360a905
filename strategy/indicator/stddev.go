package indicator

import "math"

// StdDev is the rolling population standard deviation of the last period inputs, the
// one Bollinger bands and TA-Lib's STDDEV use: the square root of the mean squared
// deviation from the window's mean, dividing by the number of inputs, not one less.
//
// It updates a mean and a sum of squared deviations with Welford's method, extended to a
// sliding window: when the window is full each update replaces the oldest input by the
// new one in O(1). Summing x and x² instead would be cheaper but useless for prices: at
// 61837.63, x² is about 3.8e9, which a float64 resolves only to about 5e-7, while the
// variance of cent-sized moves is about 1e-4, so Σx²/n - mean² would keep two or three
// correct digits at best. The sliding updates drift, so a
// second, add-only Welford accumulator over the inputs since the last rebase replaces
// them every period updates (see the package documentation).
//
// Both accumulators work on the inputs minus a recent input, k, rather than on the inputs
// themselves. The rounding error of a stored mean is proportional to its magnitude, and
// every deviation x-mean inherits it: a mean near 61837 is off by up to 4e-12, a mean
// of deviations near 0.05 by less than 1e-17. Shifting costs two subtractions.
type StdDev struct {
	ring  []float64
	next  int // ring index the next input goes to; once full, also the oldest input
	count int // inputs in the window, up to len(ring)

	k        float64 // shift: the window's statistics are of its inputs minus k
	mean, m2 float64 // mean and sum of squared deviations of the shifted window

	fk, fmean, fm2 float64 // the same for the inputs since the last rebase
	nfr            int     // number of inputs since the last rebase

	value    float64
	rejected uint64
}

// NewStdDev returns a StdDev over the last period inputs. It returns an error unless
// 1 <= period <= MaxWindow.
func NewStdDev(period int) (*StdDev, error) {
	if err := checkLen("StdDev", "period", period); err != nil {
		return nil, err
	}
	return &StdDev{ring: make([]float64, period)}, nil
}

// Update adds x to the window, dropping the oldest input once the window is full, and
// returns the new standard deviation. A NaN or ±Inf x is ignored and counted by Rejected.
func (s *StdDev) Update(x float64) float64 {
	if !finite(x) {
		s.rejected++
		return s.value
	}
	n := len(s.ring)
	if s.count == 0 {
		s.k = x
	}
	if s.count < n {
		s.count++
		y := x - s.k
		d := y - s.mean
		s.mean += d / float64(s.count)
		s.m2 += d * (y - s.mean)
	} else {
		// Replacing old by x moves the mean by (x-old)/n and the sum of squared
		// deviations by (x-old)(x-mean'+old-mean).
		y, old := x-s.k, s.ring[s.next]-s.k
		mean := s.mean
		s.mean += (y - old) / float64(n)
		s.m2 += (y - old) * (y - s.mean + old - mean)
	}
	s.ring[s.next] = x
	if s.next++; s.next == n {
		s.next = 0
	}

	if s.nfr == 0 {
		s.fk = x
	}
	s.nfr++
	y := x - s.fk
	d := y - s.fmean
	s.fmean += d / float64(s.nfr)
	s.fm2 += d * (y - s.fmean)
	if s.nfr == n {
		s.k, s.mean, s.m2 = s.fk, s.fmean, s.fm2
		s.fk, s.fmean, s.fm2, s.nfr = 0, 0, 0, 0
	}

	// Rounding can take m2 a hair below zero when the window is nearly constant; the
	// square root of that would be NaN.
	s.value = math.Sqrt(max(s.m2, 0) / float64(s.count))
	return s.value
}

// Value returns the population standard deviation of the inputs in the window, or 0
// before the first input.
func (s *StdDev) Value() float64 { return s.value }

// Variance returns the population variance of the inputs in the window, or 0 before the
// first input.
func (s *StdDev) Variance() float64 {
	if s.count == 0 {
		return 0
	}
	return max(s.m2, 0) / float64(s.count)
}

// Mean returns the mean of the inputs in the window, or 0 before the first input. It is
// the middle band of a Bollinger band over the same window.
func (s *StdDev) Mean() float64 { return s.k + s.mean }

// Ready reports whether the window is full.
func (s *StdDev) Ready() bool { return s.count == len(s.ring) }

// Len returns the number of inputs in the window.
func (s *StdDev) Len() int { return s.count }

// Period returns the window length.
func (s *StdDev) Period() int { return len(s.ring) }

// Rejected returns the number of non-finite inputs Update has ignored since construction
// or the last Reset.
func (s *StdDev) Rejected() uint64 { return s.rejected }

// Reset empties the window and returns the StdDev to its state after construction.
func (s *StdDev) Reset() {
	*s = StdDev{ring: s.ring}
}
