package sweep

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzMerge feeds arbitrary bytes to sweep merge as two shard files (the second a copy
// of the first, then the bytes split in two): it must return an error or a merge, never
// panic, and a merge it returns must cover its grid once, in grid order, with each
// point's params.
func FuzzMerge(f *testing.F) {
	g, err := ParseGrid([]string{"a=1,2", "b=10,20"})
	if err != nil {
		f.Fatal(err)
	}
	for _, sh := range []Shard{{0, 2}, {1, 2}, {0, 1}} {
		var b bytes.Buffer
		WriteResults(&b, Run(g, sh, 1, fakeRun))
		f.Add(b.Bytes())
	}
	f.Add([]byte(`{"grid":"a=1e308,-0 b=1","grid_size":2,"index":1,"params":{"a":-0,"b":1},"settings":{"x":1},"window":"w"}`))
	f.Add([]byte(`{"grid":"a=1","grid_size":1,"index":0,"params":{"a":1},"problems":["p"],"error":"e"}` + "\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		half := len(data) / 2
		for _, inputs := range [][]Input{
			{{Name: "a", R: bytes.NewReader(data)}},
			{{Name: "a", R: bytes.NewReader(data[:half])}, {Name: "b", R: bytes.NewReader(data[half:])}},
		} {
			mg, rs, err := Merge(inputs)
			if err != nil {
				continue
			}
			if len(rs) != mg.Len() {
				t.Fatalf("merged %d results of a %d-point grid", len(rs), mg.Len())
			}
			for i, r := range rs {
				if r.Index != i || !equalParams(mg.Point(i), r.Params) {
					t.Fatalf("result %d: index %d params %v, want %v", i, r.Index, r.Params, mg.Point(i))
				}
			}
		}
	})
}

// FuzzParseGrid feeds arbitrary --param lists, --shard specs and --train/--test splits
// to their parsers: errors or values, never a panic, and a grid that parses has Len
// points, each found again by Index.
func FuzzParseGrid(f *testing.F) {
	f.Add("halfSpreadBps=1,1.5,2 size=0.001,0.002", "0/2", "60%")
	f.Add("a=1e400", "/3", "100%")
	f.Add("a=1,,2 =3", "-1/0", "0.0001%")
	f.Add("a=NaN b=-Inf", "9223372036854775807/9223372036854775807", "%")
	f.Fuzz(func(t *testing.T, grid, shard, split string) {
		if g, err := ParseGrid(strings.Fields(grid)); err == nil {
			if g.Len() < 1 || g.Len() > maxGrid {
				t.Fatalf("grid %q: %d points", grid, g.Len())
			}
			for _, i := range []int{0, g.Len() / 2, g.Len() - 1} {
				if j := g.Index(g.Point(i)); j != i {
					t.Fatalf("grid %q: point %d found at %d", grid, i, j)
				}
			}
		}
		if s, err := ParseShard(shard, func(string) string { return "1" }); err == nil && (s.N < 1 || s.I < 0 || s.I >= s.N) {
			t.Fatalf("shard %q: %v", shard, s)
		}
		if p, err := ParseSplit(split); err == nil && !(p > 0 && p < 1) {
			t.Fatalf("split %q: %v", split, p)
		}
	})
}
