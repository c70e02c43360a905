package svgchart

import (
	"math"
	"strconv"
)

// Tick is one mark on an axis. A tick with a label is a major tick, which also gets a
// grid line; a tick without one is a minor tick, a short mark only.
type Tick struct {
	Value float64
	Label string
}

// maxTicks bounds the marks of one axis, whatever range it is given: a tick function
// asked for an absurd range (a step under the floats' resolution) stops here.
const maxTicks = 200

// NiceTicks returns about n major ticks on [min, max], at multiples of a "nice" step (1,
// 2 or 5 times a power of ten), with minor ticks between them (each step cut in fifths,
// or quarters for a step of 2). Every label of one axis has the same number of decimals,
// the fewest the step needs. A range of zero width gets one tick; a range that is not
// finite, or reversed, gets none.
func NiceTicks(min, max float64, n int) []Tick {
	if !finite(min) || !finite(max) || min > max {
		return nil
	}
	if min == max {
		return []Tick{{Value: min, Label: formatTick(min, 0, 0)}}
	}
	n = clamp(n, 2, 20)
	ends := []Tick{{Value: min, Label: formatTick(min, 0, 0)}, {Value: max, Label: formatTick(max, 0, 0)}}
	rough := (max - min) / float64(n)
	if !finite(rough) || rough < 1e-290 {
		// A range wider than the floats hold, or next to nothing: label its ends.
		return ends
	}
	m, e := niceStep(rough)
	step := float64(m) * math.Pow(10, float64(e))
	first, last := math.Ceil(min/step-1e-9), math.Floor(max/step+1e-9)
	if last-first > maxTicks || math.Abs(first) >= 1<<52 || math.Abs(last) >= 1<<52 {
		// The step is below the resolution of floats this large (k+1 == k): label the
		// ends.
		return ends
	}
	// Minor ticks: each step in fifths (steps of 1 and 5) or quarters (2).
	sub := 5
	if m == 2 {
		sub = 4
	}
	var ticks []Tick
	slack := (max - min) * 1e-9
	for i := range int(last-first) + 2 {
		k := first - 1 + float64(i)
		v := value(k*float64(m), e)
		// (Near the floats' resolution k × step can round off the range.)
		if k >= first && v >= min-slack && v <= max+slack {
			ticks = append(ticks, Tick{Value: v, Label: formatTick(v, m, e)})
		}
		for j := 1; j < sub; j++ {
			mv := v + step*float64(j)/float64(sub)
			if mv >= min && mv <= max {
				ticks = append(ticks, Tick{Value: mv})
			}
		}
	}
	return ticks
}

// niceStep rounds a rough step to 1, 2 or 5 times 10^e, as m and e.
func niceStep(rough float64) (m, e int) {
	e = int(math.Floor(math.Log10(rough)))
	r := rough / math.Pow(10, float64(e))
	switch {
	case r < 1.5:
		return 1, e
	case r < 3:
		return 2, e
	case r < 7:
		return 5, e
	}
	return 1, e + 1
}

// value is k × 10^e computed so that a tick of a decimal step is the float nearest that
// decimal (0.3, not 0.30000000000000004): a negative power is a division by an exact
// power of ten.
func value(k float64, e int) float64 {
	if e >= 0 {
		return k * math.Pow(10, float64(e))
	}
	return k / math.Pow(10, float64(-e))
}

// formatTick labels a tick at v of an axis stepped by m × 10^e: with the decimals the
// step needs (-e of them when e < 0), or, for very large or very small magnitudes (or an
// unknown step, m == 0), the shortest form that reads back as v. Zero is "0", never
// "-0".
func formatTick(v float64, m, e int) string {
	if v == 0 {
		v = 0 // drops the sign of a negative zero
	}
	a := math.Abs(v)
	if m == 0 || a >= 1e12 || e < -9 || (a != 0 && a < 1e-9) {
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	return strconv.FormatFloat(v, 'f', max(0, -e), 64)
}

// LogTicks returns the ticks of a logarithmic axis on [min, max] (min > 0): major ticks
// at the powers of ten; where fewer than two fall in the range, also at 2 and 5 times
// them; minor ticks at the other multiples (2 to 9). A range with fewer than two major
// ticks even then gets its ends labelled.
func LogTicks(min, max float64) []Tick {
	if !finite(min) || !finite(max) || min <= 0 || min > max {
		return nil
	}
	lo, hi := int(math.Floor(math.Log10(min))), int(math.Ceil(math.Log10(max)))
	if hi-lo > maxTicks/9 {
		return []Tick{{Value: min, Label: formatTick(min, 0, 0)}, {Value: max, Label: formatTick(max, 0, 0)}}
	}
	majors := func(m float64) bool { return m == 1 }
	if decades := countIn(min, max, lo, hi, []float64{1}); decades < 2 {
		majors = func(m float64) bool { return m == 1 || m == 2 || m == 5 }
	}
	var ticks []Tick
	labelled := 0
	for e := lo; e <= hi; e++ {
		for m := 1.0; m <= 9; m++ {
			v := value(m, e)
			if v < min || v > max {
				continue
			}
			t := Tick{Value: v}
			if majors(m) {
				t.Label = formatTick(v, 0, 0)
				labelled++
			}
			ticks = append(ticks, t)
		}
	}
	if labelled < 2 {
		ticks = append(ticks, Tick{Value: min, Label: formatTick(min, 0, 0)}, Tick{Value: max, Label: formatTick(max, 0, 0)})
	}
	return ticks
}

// countIn counts the values m × 10^e (m in ms, lo <= e <= hi) in [min, max].
func countIn(min, max float64, lo, hi int, ms []float64) int {
	n := 0
	for e := lo; e <= hi; e++ {
		for _, m := range ms {
			if v := value(m, e); v >= min && v <= max {
				n++
			}
		}
	}
	return n
}

func clamp(v, lo, hi int) int { return min(max(v, lo), hi) }

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }
