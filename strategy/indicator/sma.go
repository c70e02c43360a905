package indicator

// SMA is a simple moving average: the mean of the last period inputs.
//
// It keeps the inputs in a ring and a running sum, so an update costs O(1). The running
// sum is replaced by an exact one every period updates (see the package documentation),
// so that after any number of updates it agrees with a sum computed afresh from the
// window; at those points the two are identical to the last bit.
type SMA struct {
	ring  []float64
	next  int // ring index the next input goes to; once full, also the oldest input
	count int // inputs in the window, up to len(ring)

	sum   float64 // running sum of the window
	fresh float64 // sum of the inputs since the last rebase, oldest first
	nfr   int     // number of inputs in fresh

	value    float64
	rejected uint64
}

// NewSMA returns an SMA over the last period inputs. It returns an error unless
// 1 <= period <= MaxWindow.
func NewSMA(period int) (*SMA, error) {
	if err := checkLen("SMA", "period", period); err != nil {
		return nil, err
	}
	return &SMA{ring: make([]float64, period)}, nil
}

// Update adds x to the window, dropping the oldest input once the window is full, and
// returns the new mean. A NaN or ±Inf x is ignored and counted by Rejected.
func (s *SMA) Update(x float64) float64 {
	if !finite(x) {
		s.rejected++
		return s.value
	}
	n := len(s.ring)
	if s.count < n {
		s.count++
		s.sum += x
	} else {
		s.sum += x - s.ring[s.next]
	}
	s.ring[s.next] = x
	if s.next++; s.next == n {
		s.next = 0
	}

	s.fresh += x
	if s.nfr++; s.nfr == n {
		// fresh now holds exactly the last n inputs, added oldest first, just as a loop
		// over the window would add them.
		s.sum, s.fresh, s.nfr = s.fresh, 0, 0
	}
	s.value = s.sum / float64(s.count)
	return s.value
}

// Value returns the mean of the inputs in the window, or 0 before the first input.
func (s *SMA) Value() float64 { return s.value }

// Ready reports whether the window is full.
func (s *SMA) Ready() bool { return s.count == len(s.ring) }

// Len returns the number of inputs in the window.
func (s *SMA) Len() int { return s.count }

// Period returns the window length.
func (s *SMA) Period() int { return len(s.ring) }

// Rejected returns the number of non-finite inputs Update has ignored since construction
// or the last Reset.
func (s *SMA) Rejected() uint64 { return s.rejected }

// Reset empties the window and returns the SMA to its state after construction.
func (s *SMA) Reset() {
	*s = SMA{ring: s.ring}
}
