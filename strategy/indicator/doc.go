// Package indicator owns nanotick's streaming technical indicators: EMA, SMA, rolling
// minimum and maximum, rolling standard deviation and volume-weighted average price over
// a count or a time window. A strategy creates them once when it starts and feeds them on
// every book update or trade; prices are float64 because that is what strategies see.
//
// Everything here is on the per-tick path, so the package follows three rules. A
// constructor allocates all the memory an indicator will ever use, and nothing allocates
// after it: not Update, not Value, not Reset. Nothing reads a clock: time windows run on
// the data clock that the caller passes in, so a backtest and a live run compute the same
// numbers from the same inputs. And nothing panics or fails on bad input: a NaN or ±Inf
// passed to Update is ignored, not folded in, and counted by Rejected, because one NaN in
// a running sum would otherwise poison a price-based signal for the rest of the session.
//
// Before it has seen a full window an indicator reports the value over what it has seen
// (0 when it has seen nothing) and Ready reports false. Reset returns an indicator to the
// state its constructor left it in, counters included.
//
// Windowed indicators keep running sums so that an update costs O(1), and running sums
// drift: adding and later subtracting the same float64 values does not give back the
// starting sum exactly. Every windowed sum here is therefore rebuilt from scratch once per
// window turnover, by a second accumulator that only ever adds the values currently
// entering the window; when the last value that predates it leaves, it is exactly the sum
// of the window and replaces the drifting one. This bounds the error by one window's
// worth of rounding, for ever, at the cost of one extra addition per update and without
// the latency spike of an O(n) recomputation on one unlucky tick.
//
// Indicators are not safe for concurrent use: each belongs to the one goroutine that runs
// its instrument's strategy.
package indicator

import (
	"fmt"
)

// MaxWindow is the largest window length or ring capacity a constructor accepts. It is
// there so that a misconfigured strategy fails when it starts rather than trying to
// allocate gigabytes.
const MaxWindow = 1 << 24

// finite reports whether x is neither NaN nor ±Inf. x-x is 0 for every finite x and NaN
// otherwise; this is one subtraction and one comparison, cheaper than math.IsNaN and
// math.IsInf together.
func finite(x float64) bool { return x-x == 0 }

// checkLen validates a window length or capacity, naming the type and the parameter in
// the error so that a bad strategy configuration says which number is wrong.
func checkLen(typ, param string, n int) error {
	if n < 1 || n > MaxWindow {
		return fmt.Errorf("indicator: %s %s must be in [1, %d], got %d", typ, param, MaxWindow, n)
	}
	return nil
}
