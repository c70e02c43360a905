package sweep

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/backtest"
)

func TestParseGrid(t *testing.T) {
	tests := []struct {
		specs   []string
		want    string // Grid.String
		size    int
		point1  []float64
		wantErr string
	}{
		{specs: []string{"spread=1,2,3", "size=0.001,0.002"}, want: "spread=1,2,3 size=0.001,0.002", size: 6, point1: []float64{1, 0.002}},
		{specs: []string{" a = 1 , 2e-3 "}, want: "a=1,0.002", size: 2, point1: []float64{0.002}},
		{specs: []string{"a=5"}, want: "a=5", size: 1},
		{specs: nil, wantErr: "no parameters"},
		{specs: []string{"a"}, wantErr: "want name=v1"},
		{specs: []string{"=1"}, wantErr: "want name=v1"},
		{specs: []string{"a=1,,2"}, wantErr: "not a finite number"},
		{specs: []string{"a=x"}, wantErr: "not a finite number"},
		{specs: []string{"a=NaN"}, wantErr: "not a finite number"},
		{specs: []string{"a=1,1"}, wantErr: "given twice"},
		{specs: []string{"a=1", "a=2"}, wantErr: "given twice"},
		{specs: []string{"a b=1"}, wantErr: "bad name"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.specs, "|"), func(t *testing.T) {
			g, err := ParseGrid(tt.specs)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if g.String() != tt.want || g.Len() != tt.size {
				t.Fatalf("grid %q size %d, want %q %d", g.String(), g.Len(), tt.want, tt.size)
			}
			if tt.point1 != nil && !slices.Equal(g.Values(1), tt.point1) {
				t.Fatalf("point 1 = %v, want %v", g.Values(1), tt.point1)
			}
			// The canonical spec parses back to the same grid.
			g2, err := ParseGrid(strings.Fields(g.String()))
			if err != nil || g2.String() != g.String() {
				t.Fatalf("round trip: %v %q", err, g2)
			}
		})
	}
}

func TestGridOrder(t *testing.T) {
	g, err := ParseGrid([]string{"a=1,2", "b=10,20,30"})
	if err != nil {
		t.Fatal(err)
	}
	var got [][]float64
	for i := range g.Len() {
		got = append(got, g.Values(i))
	}
	want := [][]float64{{1, 10}, {1, 20}, {1, 30}, {2, 10}, {2, 20}, {2, 30}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("order %v, want %v", got, want)
	}
	for i := range g.Len() {
		if k := g.Index(g.Point(i)); k != i {
			t.Fatalf("Index(Point(%d)) = %d", i, k)
		}
	}
	for _, p := range []map[string]float64{{"a": 1}, {"a": 1, "b": 11}, {"a": 1, "c": 10}, {"a": 1, "b": 10, "c": 1}} {
		if k := g.Index(p); k != -1 {
			t.Fatalf("Index(%v) = %d, want -1", p, k)
		}
	}
}

func TestParseShard(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == JobIndexEnv {
				return v
			}
			return ""
		}
	}
	tests := []struct {
		s       string
		env     string
		want    Shard
		wantErr string
	}{
		{s: "0/1", want: Shard{0, 1}},
		{s: "2/3", want: Shard{2, 3}},
		{s: "/4", env: "3", want: Shard{3, 4}},
		{s: "1/4", env: "3", want: Shard{1, 4}}, // explicit wins
		{s: "/4", wantErr: "not set"},
		{s: "/4", env: "4", wantErr: "JOB_COMPLETION_INDEX"},
		{s: "3/3", wantErr: "0..2"},
		{s: "-1/3", wantErr: "0..2"},
		{s: "1/0", wantErr: "positive"},
		{s: "1", wantErr: "want i/n"},
		{s: "a/b", wantErr: "positive"},
	}
	for _, tt := range tests {
		t.Run(tt.s+"_"+tt.env, func(t *testing.T) {
			got, err := ParseShard(tt.s, env(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

// TestShardsCover checks that the shards of a grid cover every point exactly once.
func TestShardsCover(t *testing.T) {
	for _, size := range []int{1, 2, 7, 12, 60} {
		for n := 1; n <= 9; n++ {
			seen := make([]int, size)
			g := &Grid{size: size}
			for i := range n {
				for _, k := range (Shard{i, n}).Indices(g) {
					if !(Shard{i, n}).Owns(k) {
						t.Fatalf("shard %d/%d lists %d it does not own", i, n, k)
					}
					seen[k]++
				}
			}
			for k, c := range seen {
				if c != 1 {
					t.Fatalf("size %d, %d shards: point %d covered %d times", size, n, k, c)
				}
			}
		}
	}
}

// fakeRun is a deterministic RunFunc: the metrics are functions of the params.
func fakeRun(p map[string]float64) (*backtest.Report, error) {
	a, b := p["a"], p["b"]
	if a == 3 && b == 20 {
		return nil, errors.New("boom")
	}
	if a == 3 && b == 30 {
		panic("kaboom")
	}
	r := &backtest.Report{}
	r.Result.PnL = decimal.NewFromFloat(a*10 - b).Round(6)
	r.Result.MaxDrawdown = decimal.NewFromFloat(b / 10)
	r.Result.Sharpe = a - b/10
	r.Orders.Fills = uint64(a * b)
	return r, nil
}

func TestRunParallelEqualsSequential(t *testing.T) {
	g, err := ParseGrid([]string{"a=1,2,3", "b=10,20,30"})
	if err != nil {
		t.Fatal(err)
	}
	seq := Run(g, All, 1, fakeRun)
	par := Run(g, All, 4, fakeRun)
	if !reflect.DeepEqual(seq, par) {
		t.Fatalf("parallel results differ:\n%v\n%v", seq, par)
	}
	if seq[7].Err != "boom" || !strings.Contains(seq[8].Err, "kaboom") {
		t.Fatalf("errors not recorded: %q %q", seq[7].Err, seq[8].Err)
	}
	for i, r := range seq {
		if r.Index != i || r.GridSize != 9 || r.Grid != g.String() {
			t.Fatalf("result %d: %+v", i, r)
		}
	}
}

func shardFiles(t *testing.T, g *Grid, n int) []string {
	t.Helper()
	files := make([]string, n)
	for i := range n {
		var b bytes.Buffer
		if err := WriteResults(&b, Run(g, Shard{i, n}, 2, fakeRun)); err != nil {
			t.Fatal(err)
		}
		files[i] = b.String()
	}
	return files
}

func inputs(files ...string) []Input {
	in := make([]Input, len(files))
	for i, f := range files {
		in[i] = Input{Name: fmt.Sprintf("shard%d.jsonl", i), R: strings.NewReader(f)}
	}
	return in
}

func TestMerge(t *testing.T) {
	g, err := ParseGrid([]string{"a=1,2,3", "b=10,20,30"})
	if err != nil {
		t.Fatal(err)
	}
	whole := Run(g, All, 2, fakeRun)
	files := shardFiles(t, g, 4)
	other, _ := ParseGrid([]string{"a=1,2,3", "b=10,20,31"})
	var otherFile bytes.Buffer
	WriteResults(&otherFile, Run(other, Shard{0, 4}, 1, fakeRun))
	tamper := strings.Replace(files[1], `"a":1`, `"a":2`, 1)
	// Shards of one run carry the same provenance; shards of another run differ in one
	// of its parts.
	prov := func(f, settings, data, strat string) string {
		var out []string
		for _, line := range strings.SplitAfter(f, "\n") {
			if line == "" {
				continue
			}
			out = append(out, strings.Replace(line, "}\n", `,"settings":`+settings+`,"data_hash":"`+data+`","strategy_hash":"`+strat+`"}`+"\n", 1))
		}
		return strings.Join(out, "")
	}
	same := func(f string) string { return prov(f, `{"fees":1}`, "sha256:aa", "sha256:bb") }
	withProv := []string{same(files[0]), same(files[1]), same(files[2]), same(files[3])}
	otherFees := prov(files[3], `{"fees":2}`, "sha256:aa", "sha256:bb")
	otherData := prov(files[3], `{"fees":1}`, "sha256:ab", "sha256:bb")
	otherStrat := prov(files[3], `{"fees":1}`, "sha256:aa", "sha256:bc")
	otherBuild := strings.ReplaceAll(otherFees, `{"fees":2}`, `{"fees":1}`)
	otherBuild = strings.ReplaceAll(otherBuild, `"strategy_hash":"sha256:bb"`, `"strategy_hash":"sha256:bb","build":"sha256:ee"`)

	tests := []struct {
		name    string
		files   []string
		wantErr string
	}{
		{name: "all", files: files},
		{name: "same provenance", files: withProv},
		{name: "other settings", files: append(slices.Clone(withProv[:3]), otherFees), wantErr: `shard0.jsonl:1 and shard3.jsonl:1 differ in settings (fees: 1 vs 2)`},
		{name: "other data", files: append(slices.Clone(withProv[:3]), otherData), wantErr: "shard0.jsonl:1 and shard3.jsonl:1 differ in data (sha256:aa vs sha256:ab)"},
		{name: "other strategy", files: append(slices.Clone(withProv[:3]), otherStrat), wantErr: "shard0.jsonl:1 and shard3.jsonl:1 differ in strategy (sha256:bb vs sha256:bc)"},
		{name: "other build", files: append(slices.Clone(withProv[:3]), otherBuild), wantErr: "shard0.jsonl:1 and shard3.jsonl:1 differ in the nanotick build that ran them (none given vs sha256:ee)"},
		{name: "provenance missing", files: append(slices.Clone(withProv[:3]), files[3]), wantErr: "differ in settings"},
		{name: "reordered", files: []string{files[3], files[1], files[0], files[2]}},
		{name: "missing", files: files[:3], wantErr: "2 of 9 grid points missing: 3 (a=2 b=10), 7 (a=3 b=20)"},
		{name: "duplicate", files: append(slices.Clone(files), files[2]), wantErr: "shard4.jsonl:1: duplicate grid point 2 (a=1 b=30), also at shard2.jsonl:1"},
		{name: "mixed grids", files: []string{files[0], otherFile.String()}, wantErr: "shard1.jsonl:1: grid"},
		{name: "tampered params", files: []string{files[0], tamper}, wantErr: "shard1.jsonl:1: point 1 has params"},
		{name: "bad json", files: []string{files[0], "\n{\"grid\":"}, wantErr: "shard1.jsonl:2:"},
		{name: "unknown field", files: []string{`{"grid":"a=1","grid_size":1,"index":0,"params":{"a":1},"zzz":1}`}, wantErr: "shard0.jsonl:1:"},
		{name: "index out of range", files: []string{`{"grid":"a=1","grid_size":1,"index":1,"params":{"a":1}}`}, wantErr: "not a sweep result"},
		{name: "empty", files: []string{""}, wantErr: "no results"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mg, rs, err := Merge(inputs(tt.files...))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if mg.String() != g.String() {
				t.Fatalf("grid %q", mg)
			}
			if tt.name == "same provenance" {
				if string(rs[0].Settings) != `{"fees":1}` || rs[0].DataHash != "sha256:aa" {
					t.Fatalf("provenance lost: %+v", rs[0].Provenance)
				}
				return
			}
			// JSON round trip: compare through the encoding.
			var a, b bytes.Buffer
			WriteResults(&a, whole)
			WriteResults(&b, rs)
			if a.String() != b.String() {
				t.Fatalf("merged results differ from the whole run:\n%s\n%s", a.String(), b.String())
			}
		})
	}
}

func TestSortAndTable(t *testing.T) {
	g, _ := ParseGrid([]string{"a=1,2,3", "b=10,20,30"})
	rs := Run(g, All, 2, fakeRun)
	order := func(m Metric) []int {
		c := slices.Clone(rs)
		Sort(c, m)
		idx := make([]int, len(c))
		for i, r := range c {
			idx[i] = r.Index
		}
		return idx
	}
	tests := []struct {
		m    Metric
		want []int
	}{
		// pnl = 10a - b by index: 0,-10,-20, 10,0,-10, 20; errors (7, 8) last.
		{ByPnL, []int{6, 3, 0, 4, 1, 5, 2, 7, 8}},
		// sharpe = a - b/10: 2 (6), 1 (3), -1 (1, 5), -2 (2); zero is no ratio
		// (0, 4), after every point with one.
		{BySharpe, []int{6, 3, 1, 5, 2, 0, 4, 7, 8}},
		{ByDrawdown, []int{0, 3, 6, 1, 4, 2, 5, 7, 8}}, // b/10 ascending, ties by index
		{ByFills, []int{5, 4, 2, 6, 1, 3, 0, 7, 8}},    // a*b,
		{ByReturn, []int{0, 1, 2, 3, 4, 5, 6, 7, 8}},   // all zero: grid order
	}
	for _, tt := range tests {
		if got := order(tt.m); !slices.Equal(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.m, got, tt.want)
		}
	}
	if _, err := ParseMetric("nope"); err == nil {
		t.Error("ParseMetric accepted nope")
	}
	Sort(rs, ByPnL)
	var a, b bytes.Buffer
	if err := WriteTable(&a, g.Names(), rs); err != nil {
		t.Fatal(err)
	}
	WriteTable(&b, g.Names(), rs)
	if a.String() != b.String() {
		t.Fatal("table not deterministic")
	}
	lines := strings.Split(strings.TrimSpace(a.String()), "\n")
	if len(lines) != 10 || !strings.Contains(lines[0], "pnl") || !strings.Contains(lines[1], "20.0000") || !strings.Contains(lines[9], "kaboom") {
		t.Fatalf("table:\n%s", a.String())
	}
}

func TestSample(t *testing.T) {
	g, err := ParseGrid([]string{"a=1,2,3,4,5,6,7,8", "b=1,2,3,4,5,6,7,8"})
	if err != nil {
		t.Fatal(err)
	}
	a, b, c := Sample(g, 10, 7), Sample(g, 10, 7), Sample(g, 10, 8)
	if !slices.Equal(a, b) {
		t.Fatalf("same seed, different samples: %v %v", a, b)
	}
	if slices.Equal(a, c) {
		t.Fatalf("different seeds, same sample %v", a)
	}
	if len(a) != 10 || !slices.IsSorted(a) || len(slices.Compact(slices.Clone(a))) != 10 || a[9] >= 64 {
		t.Fatalf("sample %v: want 10 distinct ascending indices below 64", a)
	}
	if all := Sample(g, 100, 1); len(all) != 64 {
		t.Fatalf("n beyond the grid: %d points", len(all))
	}
}

// halvingRun is TestHalving's point over the fraction frac of the data: the best
// points on a prefix are not the best on all the data (a + b on prefixes, b - a on
// the whole).
func halvingRun(frac float64) RunFunc {
	return func(p map[string]float64) (*backtest.Report, error) {
		v := p["a"] + p["b"]
		if frac == 1 {
			v = p["b"] - p["a"]
		}
		return &backtest.Report{Result: backtest.Result{PnL: decimal.NewFromFloat(v)}}, nil
	}
}

func TestHalving(t *testing.T) {
	g, err := ParseGrid([]string{"a=1,2,3,4", "b=1,2,3,4"})
	if err != nil {
		t.Fatal(err)
	}
	var calls []float64
	rounds := Halving(g, g.all(), 2, ByPnL, func(frac float64) RunFunc {
		calls = append(calls, frac)
		return halvingRun(frac)
	})
	if !slices.Equal(calls, []float64{0.125, 0.25, 0.5, 1}) {
		t.Fatalf("fractions %v", calls)
	}
	// In groups, the same rounds.
	batched := HalvingRounds(g.all(), ByPnL, func(frac float64, idx []int) []Result {
		run := halvingRun(frac)
		return RunBatched(g, idx, 2, func(ps []map[string]float64) ([]*backtest.Report, []error) {
			reps, errs := make([]*backtest.Report, len(ps)), make([]error, len(ps))
			for i, p := range ps {
				reps[i], errs[i] = run(p)
			}
			return reps, errs
		})
	})
	if !reflect.DeepEqual(batched, rounds) {
		t.Fatalf("batched rounds differ:\n%v\n%v", batched, rounds)
	}
	sizes := []int{}
	for _, r := range rounds {
		sizes = append(sizes, len(r.Results))
	}
	if !slices.Equal(sizes, []int{16, 8, 4, 2}) {
		t.Fatalf("round sizes %v", sizes)
	}
	// The last round holds the two best of the prefixes (a=4 b=4, then a=3 b=4 before
	// a=4 b=3: ties go to grid order), ranked by the whole data.
	last := rounds[len(rounds)-1].Results
	if last[0].Params["a"] != 3 || last[0].Params["b"] != 4 || last[1].Params["a"] != 4 || last[1].Params["b"] != 4 {
		t.Fatalf("last round %v, %v", last[0].Params, last[1].Params)
	}
}

func TestParseSplit(t *testing.T) {
	for in, want := range map[string]float64{"60%": 0.6, "40": 0.4, " 12.5% ": 0.125} {
		if got, err := ParseSplit(in); err != nil || got != want {
			t.Errorf("%q: %v %v", in, got, err)
		}
	}
	for _, in := range []string{"0%", "100%", "x", "-5%", ""} {
		if _, err := ParseSplit(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

// A report without a Sharpe ratio (too few daily returns) gives a point without one:
// null in JSON, "-" in the table, not a ratio of zero.
func TestSharpeNotReported(t *testing.T) {
	none, some := &backtest.Report{}, &backtest.Report{}
	some.Result.Sharpe = 1.25
	rs := []Result{{Index: 0, Metrics: MetricsOf(none)}, {Index: 1, Metrics: MetricsOf(some)}}
	if rs[0].Sharpe != nil || rs[1].Sharpe == nil || *rs[1].Sharpe != 1.25 {
		t.Fatalf("sharpe %v, %v: want nil and 1.25", rs[0].Sharpe, rs[1].Sharpe)
	}
	if !AnySharpe(rs) || AnySharpe(rs[:1]) {
		t.Fatal("AnySharpe")
	}
	for i, want := range []string{`"sharpe":null`, `"sharpe":1.25`} {
		b, err := json.Marshal(rs[i])
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), want) {
			t.Errorf("point %d: %s, want %s", i, b, want)
		}
		var back Result
		if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back.Sharpe, rs[i].Sharpe) {
			t.Errorf("point %d: round trip %v (%v), want %v", i, back.Sharpe, err, rs[i].Sharpe)
		}
	}
	var out bytes.Buffer
	if err := WriteTable(&out, nil, rs); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	col := slices.Index(strings.Fields(lines[0]), "sharpe")
	if got := strings.Fields(lines[1])[col]; got != "-" {
		t.Errorf("sharpe column %q for a point without one:\n%s", got, out.String())
	}
	if got := strings.Fields(lines[2])[col]; got != "1.250" {
		t.Errorf("sharpe column %q for 1.25:\n%s", got, out.String())
	}
}
