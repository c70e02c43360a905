package sweep

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
)

// Search is how a sweep chooses the points it runs.
type Search string

// The searches. Grid runs every point; Random a seeded sample of them; Halving runs
// its points on a prefix of the data, keeps the better half, runs those on twice as
// much, and so on until the last round runs on all of it (successive halving).
const (
	GridSearch    Search = "grid"
	RandomSearch  Search = "random"
	HalvingSearch Search = "halving"
)

// ParseSearch checks a search name.
func ParseSearch(s string) (Search, error) {
	switch Search(s) {
	case GridSearch, RandomSearch, HalvingSearch:
		return Search(s), nil
	}
	return "", fmt.Errorf("sweep: unknown search %q (want grid, random or halving)", s)
}

// Sample returns n distinct point indices of g drawn with seed, ascending: the same
// for the same grid, n and seed, on any machine. n at least the grid's size gives
// every point.
func Sample(g *Grid, n int, seed uint64) []int {
	if n >= g.Len() {
		return g.all()
	}
	rng := rand.New(rand.NewPCG(seed, 0x6e616e6f7469636b)) // "nanotick"
	chosen := make(map[int]bool, n)
	idx := make([]int, 0, n)
	for len(idx) < n {
		i := rng.IntN(g.Len())
		if !chosen[i] {
			chosen[i] = true
			idx = append(idx, i)
		}
	}
	slices.Sort(idx)
	return idx
}

func (g *Grid) all() []int {
	idx := make([]int, g.Len())
	for i := range idx {
		idx[i] = i
	}
	return idx
}

// RunPoints runs the points idx of g, like Run, and returns their results in the order
// of idx.
func RunPoints(g *Grid, idx []int, workers int, fn RunFunc) []Result {
	return run(g, idx, workers, fn)
}

// MaxHalvingRounds bounds the rounds of successive halving before the last: the first
// round runs on an eighth of the data at least, since a shorter prefix says little.
const MaxHalvingRounds = 3

// Round is one round of successive halving: the share of the data its points ran on
// and their results, best first.
type Round struct {
	Fraction float64
	Results  []Result
}

// Halving runs successive halving over the points idx of g: round r of R runs the
// points left on the fraction 2^(r-R) of the data (fnFor gives the RunFunc over that
// fraction) and keeps the better half by m for the next, until the last round runs on
// all of it. R is the number of halvings that leave at least two points, at most
// MaxHalvingRounds. It returns every round; the last one's results are the answer.
func Halving(g *Grid, idx []int, workers int, m Metric, fnFor func(fraction float64) RunFunc) []Round {
	return halving(idx, m, func(frac float64, idx []int) []Result {
		return run(g, idx, workers, fnFor(frac))
	})
}

// HalvingRounds is Halving with each round run by run, over the fraction frac of the
// data, for the points idx (RunBatched in lockstep groups, say): the same rounds, when
// run gives each point the result it gets alone.
func HalvingRounds(idx []int, m Metric, run func(frac float64, idx []int) []Result) []Round {
	return halving(idx, m, run)
}

// halving runs the rounds of successive halving over the points idx, each round's by
// runRound over its fraction of the data.
func halving(idx []int, m Metric, runRound func(frac float64, idx []int) []Result) []Round {
	rounds := len(HalvingSizes(len(idx))) - 1
	var out []Round
	for r := 0; r <= rounds; r++ {
		frac := math.Ldexp(1, r-rounds)
		res := runRound(frac, idx)
		Sort(res, m)
		out = append(out, Round{Fraction: frac, Results: res})
		keep := (len(res) + 1) / 2
		idx = idx[:0:0]
		for _, x := range res[:keep] {
			idx = append(idx, x.Index)
		}
	}
	return out
}

// HalvingSizes returns the number of points each round of Halving runs, starting with
// n.
func HalvingSizes(n int) []int {
	sizes := []int{n}
	for len(sizes) <= MaxHalvingRounds && n > 2 {
		n = (n + 1) / 2
		sizes = append(sizes, n)
	}
	return sizes
}

// ParseSplit reads a walk-forward part given as a percentage of the data's time,
// "60%" (or "60"), as a fraction in (0, 1).
func ParseSplit(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(s), "%"), 64)
	if err != nil || !(v > 0 && v < 100) {
		return 0, fmt.Errorf("sweep: %q: want a percentage of the data between 0 and 100, like 60%%", s)
	}
	return v / 100, nil
}
