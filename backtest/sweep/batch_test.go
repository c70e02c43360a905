package sweep

import (
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/nanotick/nanotick/backtest"
)

// TestRunBatchedIsRunPoints runs a grid's points in groups, by a BatchFunc doing each
// point as fakeRun does, and wants RunPoints' results in the same order: errors kept
// by point, the groups dealt in turn, every point in one group; and a group that
// panics fails its points only.
func TestRunBatchedIsRunPoints(t *testing.T) {
	g, err := ParseGrid([]string{"a=1,2,3", "b=10,20"})
	if err != nil {
		t.Fatal(err)
	}
	idx := []int{5, 0, 3, 1, 4}
	var mu sync.Mutex
	var groups [][]map[string]float64
	batch := func(ps []map[string]float64) ([]*backtest.Report, []error) {
		mu.Lock()
		groups = append(groups, ps)
		mu.Unlock()
		reps, errs := make([]*backtest.Report, len(ps)), make([]error, len(ps))
		for i, p := range ps {
			if p["a"] == 3 && p["b"] == 20 {
				errs[i] = errors.New("boom")
				continue
			}
			reps[i], errs[i] = fakeRun(p)
		}
		return reps, errs
	}
	want := RunPoints(g, idx, 1, fakeRun)
	got := RunBatched(g, idx, 2, batch)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("batched results differ:\n%v\n%v", got, want)
	}
	if len(groups) != 2 || len(groups[0])+len(groups[1]) != len(idx) {
		t.Fatalf("groups %v", groups)
	}
	if got[0].Err != "boom" {
		t.Fatalf("point 5: %q", got[0].Err)
	}
	// A panicking group: its points fail, the other group's do not.
	got = RunBatched(g, idx, 2, func(ps []map[string]float64) ([]*backtest.Report, []error) {
		for _, p := range ps {
			if p["a"] == 1 && p["b"] == 10 {
				panic("kaboom")
			}
		}
		return batch(ps)
	})
	for k, r := range got {
		inPanicked := k%2 == 1 // point 0 is idx[1]: the second group, idx[1], idx[3]
		if strings.Contains(r.Err, "kaboom") != inPanicked {
			t.Fatalf("result %d (point %d): %q", k, r.Index, r.Err)
		}
	}
}
