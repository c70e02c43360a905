package sweep

import (
	"fmt"
	"sync"

	"github.com/nanotick/nanotick/backtest"
)

// BatchFunc runs a group of points together, sharing what their runs have in common
// (backtest.RunFramesLockstep shares their books), and returns each point's report or
// error by index of params. It runs on one goroutine; sweeps call it from several at
// once, one group each.
type BatchFunc func(params []map[string]float64) ([]*backtest.Report, []error)

// RunBatched runs the points idx of g, like RunPoints, as workers groups (0 means
// runtime.GOMAXPROCS), each by one call of fn on a goroutine of its own, and returns
// their results in the order of idx. The points are dealt to the groups in turn, so
// that the groups' shares of the grid are alike. A group whose call panics gives each
// of its points that panic as its error.
func RunBatched(g *Grid, idx []int, workers int, fn BatchFunc) []Result {
	out := make([]Result, len(idx))
	workers = Groups(workers, len(idx))
	var wg sync.WaitGroup
	for w := range workers {
		var ks []int
		for k := w; k < len(idx); k += workers {
			ks = append(ks, k)
		}
		wg.Go(func() { runGroup(g, idx, ks, fn, out) })
	}
	wg.Wait()
	return out
}

// Groups returns how many groups RunBatched deals n points to with workers: how many
// times it calls its BatchFunc.
func Groups(workers, n int) int { return min(resolveWorkers(workers), n) }

// runGroup runs the points idx[k] for k in ks by one call of fn, into out[k].
func runGroup(g *Grid, idx, ks []int, fn BatchFunc, out []Result) {
	params := make([]map[string]float64, len(ks))
	for j, k := range ks {
		out[k] = Result{Grid: g.String(), GridSize: g.Len(), Index: idx[k], Params: g.Point(idx[k])}
		params[j] = g.Point(idx[k])
	}
	defer func() {
		if v := recover(); v != nil {
			for _, k := range ks {
				out[k].Metrics, out[k].Err = Metrics{}, fmt.Sprintf("panic: %v", v)
			}
		}
	}()
	reps, errs := fn(params)
	for j, k := range ks {
		switch {
		case j < len(errs) && errs[j] != nil:
			out[k].Err = errs[j].Error()
		case j >= len(reps) || reps[j] == nil:
			out[k].Err = "no report"
		default:
			out[k].Metrics = MetricsOf(reps[j])
		}
	}
}
