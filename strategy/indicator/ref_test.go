package indicator

import (
	"math"
	"math/rand/v2"
	"slices"
)

// The reference implementations recompute each value from a plain slice of the window,
// the obviously correct way, so that the tests compare the O(1) indicators against
// something with no state to get wrong.

func last(xs []float64, n int) []float64 {
	if len(xs) > n {
		return xs[len(xs)-n:]
	}
	return xs
}

func refMean(w []float64) float64 {
	if len(w) == 0 {
		return 0
	}
	var s float64
	for _, x := range w {
		s += x
	}
	return s / float64(len(w))
}

func refMin(w []float64) float64 {
	if len(w) == 0 {
		return 0
	}
	return slices.Min(w)
}

func refMax(w []float64) float64 {
	if len(w) == 0 {
		return 0
	}
	return slices.Max(w)
}

// refStdDev is the two-pass population standard deviation.
func refStdDev(w []float64) float64 {
	if len(w) == 0 {
		return 0
	}
	m := refMean(w)
	var s float64
	for _, x := range w {
		s += (x - m) * (x - m)
	}
	return math.Sqrt(s / float64(len(w)))
}

// refEMA computes the TA-Lib-seeded EMA of xs in the textbook form
// alpha·x + (1-alpha)·prev, a different rounding path from EMA.Update's.
func refEMA(xs []float64, period int, alpha float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	if len(xs) <= period {
		return refMean(xs)
	}
	v := refMean(xs[:period])
	for _, x := range xs[period:] {
		v = alpha*x + (1-alpha)*v
	}
	return v
}

type refTrade struct {
	p, q float64
	t    int64
}

func refVWAP(w []refTrade) float64 {
	var pq, q float64
	for _, tr := range w {
		pq += tr.p * tr.q
		q += tr.q
	}
	if q == 0 {
		return 0
	}
	return pq / q
}

// refTimeWindow returns the trades a TimeVWAP should hold at time now: those within the
// window, and of those at most the last capacity.
func refTimeWindow(all []refTrade, now, window int64, capacity int) []refTrade {
	var w []refTrade
	for _, tr := range all {
		if now-tr.t < window {
			w = append(w, tr)
		}
	}
	if len(w) > capacity {
		w = w[len(w)-capacity:]
	}
	return w
}

// walk returns n prices of a random walk around 61837.63 in cent steps.
func walk(r *rand.Rand, n int) []float64 {
	xs := make([]float64, n)
	p := 61837.63
	for i := range xs {
		p += float64(r.IntN(21)-10) * 0.01
		xs[i] = p
	}
	return xs
}

// ties returns n small integers, so that equal values are common.
func ties(r *rand.Rand, n int) []float64 {
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = float64(r.IntN(7) - 3)
	}
	return xs
}

// wild returns n values spread over many orders of magnitude and both signs.
func wild(r *rand.Rand, n int) []float64 {
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = (r.Float64() - 0.5) * math.Pow(10, float64(r.IntN(9)-4))
	}
	return xs
}

// near reports whether got is within tol of want, relative to scale (or absolutely,
// when scale is below 1).
func near(got, want, scale, tol float64) bool {
	return math.Abs(got-want) <= tol*max(math.Abs(scale), 1)
}

type series struct {
	name string
	gen  func(*rand.Rand, int) []float64
}

var allSeries = []series{{"walk", walk}, {"ties", ties}, {"wild", wild}}

var periods = []int{1, 2, 3, 7, 64, 257}
