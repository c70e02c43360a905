package indicator

import "fmt"

// EMA is an exponential moving average: each update moves the average towards the input
// by a fraction alpha of the difference.
//
// An EMA made by NewEMA is seeded the way TA-Lib seeds it: its first value is the simple
// mean of the first period inputs, and the exponential smoothing starts from there. This
// keeps backtests comparable with charting tools and TA-Lib, and it keeps a single
// outlier on the first tick from dominating the average for the next few periods. Until
// it is seeded, Value is the mean of the inputs so far and Ready reports false.
//
// An EMA made by NewEMAAlpha has no period, so its first input seeds it.
type EMA struct {
	alpha    float64
	period   int     // inputs averaged to seed the EMA
	n        int     // inputs seen, counted up to period
	sum      float64 // sum of the inputs while seeding
	value    float64
	rejected uint64
}

// NewEMA returns an EMA with smoothing factor alpha = 2/(period+1), seeded with the mean of
// the first period inputs. It returns an error if period is less than 1.
func NewEMA(period int) (*EMA, error) {
	if period < 1 {
		return nil, fmt.Errorf("indicator: EMA period must be >= 1, got %d", period)
	}
	return &EMA{alpha: 2 / (float64(period) + 1), period: period}, nil
}

// NewEMAAlpha returns an EMA with smoothing factor alpha, seeded with its first input. It
// returns an error unless 0 < alpha <= 1.
func NewEMAAlpha(alpha float64) (*EMA, error) {
	// Written so that a NaN alpha fails too.
	if !(alpha > 0 && alpha <= 1) {
		return nil, fmt.Errorf("indicator: EMA alpha must be in (0, 1], got %v", alpha)
	}
	return &EMA{alpha: alpha, period: 1}, nil
}

// Update folds x into the average and returns the new value. A NaN or ±Inf x is ignored
// and counted by Rejected.
func (e *EMA) Update(x float64) float64 {
	if !finite(x) {
		e.rejected++
		return e.value
	}
	if e.n < e.period {
		e.n++
		e.sum += x
		e.value = e.sum / float64(e.n)
		return e.value
	}
	// The same form TA-Lib uses, so that seeded values agree to the last bit where the
	// hardware allows it.
	e.value += (x - e.value) * e.alpha
	return e.value
}

// Value returns the current average, or 0 before the first input.
func (e *EMA) Value() float64 { return e.value }

// Ready reports whether the EMA is seeded: it has seen period inputs (one for an EMA made
// by NewEMAAlpha).
func (e *EMA) Ready() bool { return e.n >= e.period }

// Alpha returns the smoothing factor.
func (e *EMA) Alpha() float64 { return e.alpha }

// Period returns the number of inputs averaged to seed the EMA.
func (e *EMA) Period() int { return e.period }

// Rejected returns the number of non-finite inputs Update has ignored since construction
// or the last Reset.
func (e *EMA) Rejected() uint64 { return e.rejected }

// Reset returns the EMA to its state after construction.
func (e *EMA) Reset() {
	*e = EMA{alpha: e.alpha, period: e.period}
}
