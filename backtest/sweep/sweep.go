// Package sweep owns parameter sweeps of backtests: the grid of parameter sets a
// command line describes (--param name=v1,v2,...), its cartesian product in a fixed
// order, the split of that grid into shards for separate machines or Kubernetes
// Indexed Job pods, running a grid (or a shard of it) on every core, the JSON-lines
// shard files, merging them back, and the ranked table.
//
// The package never builds engines or strategies: the caller supplies a RunFunc that
// turns one parameter set into a backtest.Report, and must build a new engine and
// strategy in each call, because runs execute concurrently. Everything it writes is a
// function of the grid and the reports alone: grid order, shard assignment, ties in
// the ranking and the bytes of shard files are deterministic, and nothing depends on
// which worker finished first or on the clock.
package sweep

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/nanotick/nanotick/backtest"
)

// Param is one swept parameter and the values it takes, in the order given.
type Param struct {
	Name   string
	Values []float64
}

// ParseParam reads "name=v1,v2,...": a parameter name and one or more finite numbers.
func ParseParam(s string) (Param, error) {
	name, list, ok := strings.Cut(s, "=")
	name = strings.TrimSpace(name)
	if !ok || name == "" {
		return Param{}, fmt.Errorf("param %q: want name=v1,v2,...", s)
	}
	if strings.ContainsAny(name, " \t,=") {
		return Param{}, fmt.Errorf("param %q: bad name %q", s, name)
	}
	p := Param{Name: name}
	for _, v := range strings.Split(list, ",") {
		v = strings.TrimSpace(v)
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return Param{}, fmt.Errorf("param %q: value %q is not a finite number", s, v)
		}
		if slices.Contains(p.Values, f) {
			return Param{}, fmt.Errorf("param %q: value %s given twice", s, v)
		}
		p.Values = append(p.Values, f)
	}
	return p, nil
}

// Grid is the cartesian product of its parameters' values. Point i varies the last
// parameter fastest, like nested loops in the order the parameters were given.
type Grid struct {
	params []Param
	size   int
}

// maxGrid bounds the number of points in a grid.
const maxGrid = 1 << 24

// NewGrid returns the grid of params. Names must be distinct and every parameter
// must have at least one value.
func NewGrid(params []Param) (*Grid, error) {
	if len(params) == 0 {
		return nil, errors.New("sweep: no parameters")
	}
	g := &Grid{size: 1}
	seen := map[string]bool{}
	for _, p := range params {
		if seen[p.Name] {
			return nil, fmt.Errorf("sweep: parameter %q given twice", p.Name)
		}
		seen[p.Name] = true
		if len(p.Values) == 0 {
			return nil, fmt.Errorf("sweep: parameter %q has no values", p.Name)
		}
		if g.size > maxGrid/len(p.Values) {
			return nil, fmt.Errorf("sweep: the grid has more than %d points", maxGrid)
		}
		g.size *= len(p.Values)
		g.params = append(g.params, Param{Name: p.Name, Values: slices.Clone(p.Values)})
	}
	return g, nil
}

// ParseGrid parses each "name=v1,v2,..." and returns their grid.
func ParseGrid(specs []string) (*Grid, error) {
	ps := make([]Param, 0, len(specs))
	for _, s := range specs {
		p, err := ParseParam(s)
		if err != nil {
			return nil, fmt.Errorf("sweep: %w", err)
		}
		ps = append(ps, p)
	}
	return NewGrid(ps)
}

// Len returns the number of points.
func (g *Grid) Len() int { return g.size }

// Names returns the parameter names in grid order.
func (g *Grid) Names() []string {
	n := make([]string, len(g.params))
	for i, p := range g.params {
		n[i] = p.Name
	}
	return n
}

// Values returns the values of point i, in the order of Names.
func (g *Grid) Values(i int) []float64 {
	v := make([]float64, len(g.params))
	for k := len(g.params) - 1; k >= 0; k-- {
		n := len(g.params[k].Values)
		v[k] = g.params[k].Values[i%n]
		i /= n
	}
	return v
}

// Point returns point i as a map from name to value.
func (g *Grid) Point(i int) map[string]float64 {
	m := make(map[string]float64, len(g.params))
	for k, v := range g.Values(i) {
		m[g.params[k].Name] = v
	}
	return m
}

// Index returns the index of the point with params, or -1 if params is not a point of
// the grid.
func (g *Grid) Index(params map[string]float64) int {
	if len(params) != len(g.params) {
		return -1
	}
	i := 0
	for _, p := range g.params {
		v, ok := params[p.Name]
		k := slices.Index(p.Values, v)
		if !ok || k < 0 {
			return -1
		}
		i = i*len(p.Values) + k
	}
	return i
}

// String returns the canonical spec of the grid, "a=1,2 b=0.5": shard files carry it
// so that merge can tell files of different grids apart.
func (g *Grid) String() string {
	var b strings.Builder
	for i, p := range g.params {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(p.Name)
		b.WriteByte('=')
		for j, v := range p.Values {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(formatFloat(v))
		}
	}
	return b.String()
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// Shard is the I-th of N slices of a grid: the points whose index mod N is I. The
// assignment depends only on the index, so shards are stable across runs and
// machines, and together they cover every point exactly once.
type Shard struct{ I, N int }

// All is the whole grid as one shard.
var All = Shard{0, 1}

// Owns reports whether point index i belongs to the shard.
func (s Shard) Owns(i int) bool { return i%s.N == s.I }

// Indices returns the grid indices of the shard, ascending.
func (s Shard) Indices(g *Grid) []int {
	var idx []int
	for i := s.I; i < g.Len(); i += s.N {
		idx = append(idx, i)
	}
	return idx
}

// String returns "i/n".
func (s Shard) String() string { return strconv.Itoa(s.I) + "/" + strconv.Itoa(s.N) }

// JobIndexEnv is the environment variable Kubernetes sets to a pod's index in an
// Indexed Job; it is the default shard index.
const JobIndexEnv = "JOB_COMPLETION_INDEX"

// ParseShard reads "i/n", or "/n" whose index comes from getenv(JobIndexEnv).
func ParseShard(s string, getenv func(string) string) (Shard, error) {
	is, ns, ok := strings.Cut(s, "/")
	if !ok {
		return Shard{}, fmt.Errorf("sweep: shard %q: want i/n or /n", s)
	}
	n, err := strconv.Atoi(strings.TrimSpace(ns))
	if err != nil || n < 1 {
		return Shard{}, fmt.Errorf("sweep: shard %q: the count must be a positive integer", s)
	}
	is = strings.TrimSpace(is)
	src := "shard " + strconv.Quote(s)
	if is == "" {
		if getenv != nil {
			is = strings.TrimSpace(getenv(JobIndexEnv))
		}
		if is == "" {
			return Shard{}, fmt.Errorf("sweep: shard %q: no index given and %s is not set", s, JobIndexEnv)
		}
		src = JobIndexEnv + "=" + strconv.Quote(is)
	}
	i, err := strconv.Atoi(is)
	if err != nil || i < 0 || i >= n {
		return Shard{}, fmt.Errorf("sweep: %s: the index must be an integer in 0..%d", src, n-1)
	}
	return Shard{I: i, N: n}, nil
}

// RunFunc runs one backtest with params and returns its report. Sweeps call it from
// several goroutines at once: each call must build its own engine and strategy.
type RunFunc func(params map[string]float64) (*backtest.Report, error)

// Run runs the points of shard s of g on workers goroutines (0 means
// runtime.GOMAXPROCS) and returns their results in grid order. A run that fails or
// panics gives a Result with Err set; the others carry on.
func Run(g *Grid, s Shard, workers int, fn RunFunc) []Result {
	return run(g, s.Indices(g), workers, fn)
}

func run(g *Grid, idx []int, workers int, fn RunFunc) []Result {
	out := make([]Result, len(idx))
	workers = min(resolveWorkers(workers), len(idx))
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for k := range next {
				out[k] = runOne(g, idx[k], fn)
			}
		})
	}
	for k := range idx {
		next <- k
	}
	close(next)
	wg.Wait()
	return out
}

// resolveWorkers returns workers, or runtime.GOMAXPROCS for 0 or less.
func resolveWorkers(workers int) int {
	if workers <= 0 {
		return runtime.GOMAXPROCS(0)
	}
	return workers
}

// runOne runs point i, turning a panic into an error.
func runOne(g *Grid, i int, fn RunFunc) (res Result) {
	res = Result{Grid: g.String(), GridSize: g.Len(), Index: i, Params: g.Point(i)}
	defer func() {
		if v := recover(); v != nil {
			res.Err = fmt.Sprintf("panic: %v", v)
		}
	}()
	rep, err := fn(g.Point(i))
	switch {
	case err != nil:
		res.Err = err.Error()
	case rep == nil:
		res.Err = "no report"
	default:
		res.Metrics = MetricsOf(rep)
	}
	return res
}
