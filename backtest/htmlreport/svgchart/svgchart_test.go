package svgchart

import (
	"encoding/xml"
	"errors"
	"flag"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var (
	blue  = Color{R: 0x1f, G: 0x77, B: 0xb4}
	red   = Color{R: 0xd6, G: 0x27, B: 0x28}
	green = Color{R: 0x2c, G: 0xa0, B: 0x2c}
)

// small is a chart with one of each kind of series.
func small() *Chart {
	return &Chart{
		Width: 400, Height: 150, Title: "A small chart",
		X: Axis{Label: "t (s)"}, Y: Axis{Label: "price"},
		Series: []Series{
			&Line{Name: "mid", Points: []XY{{0, 100}, {1, 101.5}, {2, 101}, {3, 102.25}}, Color: blue},
			&Scatter{Name: "buy", Points: []XY{{1, 101.5}}, Color: green, Glyph: TriangleUp, Radius: 3},
			&Scatter{Name: "sell", Points: []XY{{2.5, 101.75}}, Color: red, Glyph: TriangleDown, Radius: 3},
			&Rule{Y: 101, Color: Black},
		},
	}
}

// wellFormed parses svg as XML and returns the names of its elements, in order.
func wellFormed(t *testing.T, svg string) []string {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(svg))
	var names []string
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return names
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, svg)
		}
		if s, ok := tok.(xml.StartElement); ok {
			names = append(names, s.Name.Local)
		}
	}
}

// TestGolden draws a small chart of every kind of series and compares it with
// testdata/small.svg (go test -run Golden -update rewrites it; look at it in a
// browser before committing it).
func TestGolden(t *testing.T) {
	got, err := small().SVG()
	if err != nil {
		t.Fatal(err)
	}
	wellFormed(t, got)
	path := filepath.Join("testdata", "small.svg")
	if *update {
		if err := os.WriteFile(path, []byte(got+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got+"\n" != string(want) {
		t.Errorf("the SVG differs from %s:\n%s", path, got)
	}
	again, _ := small().SVG()
	if again != got {
		t.Error("two draws of one chart differ")
	}
}

// TestParts checks what each part of a chart draws, in the SVG's own terms.
func TestParts(t *testing.T) {
	svg, err := small().SVG()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`<svg width="400pt" height="150pt" viewBox="0 0 400 150" font-family="sans-serif" role="img" aria-label="A small chart">`,
		`stroke="#1f77b4"`, `fill="#2ca02c"`, `fill="#d62728"`, // the line, the buy, the sell
		`>t (s)</text>`, `rotate(-90)`, `>price</text>`, // the axis labels
		`>mid</text>`, `>buy</text>`, `>sell</text>`, // the legend
		`>100</text>`, `>102</text>`, `>0</text>`, `>3</text>`, // tick labels
	} {
		if !strings.Contains(svg, want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
	// No number with more than two decimals, and no negative zero.
	if m := regexp.MustCompile(`\d\.\d{3,}|-0[^.\d]`).FindString(svg); m != "" {
		t.Errorf("SVG prints %q", m)
	}
}

// TestEscaping: names, labels and titles are text, never markup, in an attribute or
// in an element; what XML cannot hold is replaced.
func TestEscaping(t *testing.T) {
	evil := `<script>alert("x")</script> & 'q' ` + "\x00\x1b\xff"
	c := small()
	c.Title, c.X.Label, c.Y.Label = evil, evil, evil
	c.Series[0].(*Line).Name = evil
	c.X.Ticks = func(float64, float64) []Tick { return []Tick{{Value: 1, Label: evil}} }
	svg, err := c.SVG()
	if err != nil {
		t.Fatal(err)
	}
	names := wellFormed(t, svg)
	for _, n := range names {
		if n == "script" {
			t.Fatal("a label became a <script> element")
		}
	}
	if strings.Contains(svg, "<script") || strings.ContainsAny(svg, "\x00\x1b") {
		t.Errorf("unescaped text in %s", svg)
	}
	want := `&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#39;q&#39; ` + "\uFFFD\uFFFD\uFFFD"
	if n := strings.Count(svg, want); n != 5 { // aria-label, two axis labels, legend, tick
		t.Errorf("escaped text found %d times, want 5, in %s", n, svg)
	}
}

// TestNotFinite: points that are not finite are skipped: they neither widen the axes
// nor reach the SVG, and a series of them only draws nothing.
func TestNotFinite(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	c := &Chart{Width: 300, Height: 120, Series: []Series{
		&Line{Points: []XY{{0, 1}, {nan, 5}, {1, inf}, {2, 2}, {3, math.Inf(-1)}}, Color: blue},
		&Scatter{Points: []XY{{nan, nan}, {inf, 1}}, Color: red},
		&Histogram{Bins: []Bin{{Min: 0, Max: 1, Weight: nan}}, Color: green},
		&Bars{Values: []float64{nan, inf}, Color: green},
		&Rule{Y: nan},
	}}
	svg, err := c.SVG()
	if err != nil {
		t.Fatal(err)
	}
	wellFormed(t, svg)
	if strings.Contains(strings.ToLower(svg), "nan") || strings.Contains(strings.ToLower(svg), "inf") {
		t.Errorf("SVG prints a non-finite number: %s", svg)
	}
	f, err := c.layout()
	if err != nil {
		t.Fatal(err)
	}
	if f.x != (scale{0, 2, false}) || f.y != (scale{1, 2, false}) {
		t.Errorf("axes %v and %v, want [0, 2] and [1, 2]: the finite points' range", f.x, f.y)
	}
	// The line joins its two finite points; the scatter draws nothing.
	if n := strings.Count(svg, `stroke="#1f77b4"`); n != 1 {
		t.Errorf("%d blue lines, want 1", n)
	}
	if strings.Contains(svg, `fill="#d62728"`) {
		t.Error("the scatter of non-finite points drew a glyph")
	}
}

// TestLogAxis: a logarithmic axis leaves out what it cannot place, zero and below.
func TestLogAxis(t *testing.T) {
	c := &Chart{Width: 300, Height: 120, X: Axis{Log: true}, Series: []Series{
		&Histogram{Bins: []Bin{{Min: 0, Max: 10, Weight: 3}, {Min: 10, Max: 100, Weight: 1}, {Min: 100, Max: 1000, Weight: 2}}, Color: blue},
	}}
	svg, err := c.SVG()
	if err != nil {
		t.Fatal(err)
	}
	f, _ := c.layout()
	if f.x != (scale{10, 1000, true}) || f.y.min != 0 || f.y.max != 3 {
		t.Errorf("axes %v, %v: want x [10, 1000] on a log scale, y [0, 3]", f.x, f.y)
	}
	if n := strings.Count(svg, "Z"); n != 2 {
		t.Errorf("%d bars drawn, want the 2 with a positive start", n)
	}
	for _, want := range []string{">10</text>", ">100</text>", ">1000</text>"} {
		if !strings.Contains(svg, want) {
			t.Errorf("SVG lacks tick %q", want)
		}
	}
}

// TestMargins: MinLeft and MinRight move the data area, and Margins reports it, so
// that charts given the largest margins of them all have their data areas at the
// same x.
func TestMargins(t *testing.T) {
	narrow, wide := small(), small()
	wide.Series = append(wide.Series, &Line{Points: []XY{{0, -123456789.5}, {3, 5}}})
	nl, nr, _ := narrow.Margins()
	wl, wr, _ := wide.Margins()
	if wl <= nl {
		t.Fatalf("left margins %v and %v: want the wider labels to take more room", nl, wl)
	}
	for _, c := range []*Chart{narrow, wide} {
		c.MinLeft, c.MinRight = max(nl, wl), max(nr, wr)
	}
	a1, b1, _ := narrow.Margins()
	a2, b2, _ := wide.Margins()
	if a1 != a2 || b1 != b2 || a1 != wl {
		t.Errorf("margins after alignment %v,%v and %v,%v: want both %v,%v", a1, b1, a2, b2, wl, max(nr, wr))
	}
}

// TestLegendWraps: a legend too long for one row takes more, above the data area,
// which shrinks to make room.
func TestLegendWraps(t *testing.T) {
	c := &Chart{Width: 400, Height: 200}
	for i := range 12 {
		c.Series = append(c.Series, &Line{Name: strings.Repeat("x", i+3), Points: []XY{{0, 0}, {1, float64(i)}}})
	}
	f, err := c.layout()
	if err != nil {
		t.Fatal(err)
	}
	if len(f.legend) < 2 {
		t.Fatalf("%d legend rows, want the names wrapped", len(f.legend))
	}
	n := 0
	for _, row := range f.legend {
		n += len(row)
	}
	if n != 12 {
		t.Errorf("%d names in the legend, want 12", n)
	}
	if want := edge + tickFont/2 + legendRow*float64(len(f.legend)) + gap; f.top != want {
		t.Errorf("data area's top at %v, want %v below the legend", f.top, want)
	}
}

// TestBadSize: a chart without room for its axes is an error, not a panic or a
// broken SVG.
func TestBadSize(t *testing.T) {
	for _, wh := range [][2]float64{{0, 100}, {100, -1}, {math.NaN(), 100}, {math.Inf(1), 100}, {40, 100}, {400, 30}} {
		c := small()
		c.Width, c.Height = wh[0], wh[1]
		if svg, err := c.SVG(); err == nil {
			t.Errorf("size %v: no error, drew %s", wh, svg)
		}
	}
}

// TestEmpty: a chart without series still draws its axes, on a default range.
func TestEmpty(t *testing.T) {
	c := &Chart{Width: 300, Height: 120, X: Axis{Label: "x"}}
	svg, err := c.SVG()
	if err != nil {
		t.Fatal(err)
	}
	wellFormed(t, svg)
	if !strings.Contains(svg, ">1.0</text>") {
		t.Errorf("no default axis in %s", svg)
	}
}

func TestNum(t *testing.T) {
	for v, want := range map[float64]string{0: "0", math.Copysign(0, -1): "0", -0.001: "0", 12.5: "12.5", 12.345: "12.35", 1e6: "1000000", -3.1: "-3.1"} {
		if got := num(v); got != want {
			t.Errorf("num(%v) = %q, want %q", v, got, want)
		}
	}
}

// FuzzChart: any points and names give a well-formed SVG that prints no non-finite
// number, on linear and logarithmic axes.
func FuzzChart(f *testing.F) {
	f.Add(0.0, 1.0, 2.0, 3.0, 1e300, -1e-300, "mid", false)
	f.Add(math.NaN(), 1.0, math.Inf(1), 3.0, 0.0, 0.0, "<&>", true)
	f.Add(-math.MaxFloat64, math.MaxFloat64, math.MaxFloat64, -math.MaxFloat64, 0.0, 1.0, "", false)
	f.Fuzz(func(t *testing.T, x0, y0, x1, y1, x2, y2 float64, name string, log bool) {
		pts := []XY{{x0, y0}, {x1, y1}, {x2, y2}}
		c := &Chart{Width: 400, Height: 150, Title: name, X: Axis{Label: name, Log: log}, Y: Axis{Label: name}, Series: []Series{
			&Line{Name: name, Points: pts, Glyph: Circle},
			&Scatter{Name: name, Points: pts, Glyph: TriangleDown},
			&Histogram{Bins: []Bin{{Min: x0, Max: x1, Weight: y2}}},
			&Rule{Y: y0},
		}}
		svg, err := c.SVG()
		if err != nil {
			return // a chart without room for its axes (a very long legend) is refused
		}
		wellFormed(t, svg)
		if strings.Contains(svg, "NaN") || strings.Contains(svg, "Inf") {
			t.Fatalf("non-finite number in %s", svg)
		}
	})
}

// TestThinLongLine: a line of many more points than the chart has columns is drawn
// through a few per column, its extremes kept: the path reaches the top and the bottom
// of the data area, and ends where the data ends.
func TestThinLongLine(t *testing.T) {
	const n = 100000
	pts := make([]XY, n)
	for i := range pts {
		pts[i] = XY{X: float64(i), Y: math.Sin(float64(i)*0.37) * float64(i%1000)}
	}
	pts[54321].Y, pts[12345].Y = 5000, -5000 // one extreme each way
	c := &Chart{Width: 400, Height: 150, Series: []Series{&Line{Points: pts, Color: blue}}}
	svg, err := c.SVG()
	if err != nil {
		t.Fatal(err)
	}
	f, _ := c.layout()
	m := regexp.MustCompile(`<path d="(M[^"]*)" fill="none" stroke="#1f77b4"`).FindStringSubmatch(svg)
	if m == nil {
		t.Fatal("no line")
	}
	vertices := strings.Count(m[1], "L") + 1
	if limit := 4 * int((f.right-f.left)/column+2); vertices > limit {
		t.Errorf("%d vertices for %d points, want at most %d (four per column)", vertices, n, limit)
	}
	if vertices < 1000 {
		t.Errorf("only %d vertices: the line lost its shape", vertices)
	}
	for _, want := range []string{" " + num(f.top) + "L", " " + num(f.bottom) + "L"} {
		if !strings.Contains(m[1], want) {
			t.Errorf("the path never reaches y %q: an extreme was dropped", want)
		}
	}
	if !strings.HasSuffix(m[1], num(f.right)+" "+num(mustY(t, f, pts[n-1].Y))) {
		t.Errorf("the path does not end at the last point: ...%s", m[1][len(m[1])-30:])
	}
}

func mustY(t *testing.T, f *frame, v float64) float64 {
	y, ok := f.py(v)
	if !ok {
		t.Fatalf("%v off the axis", v)
	}
	return y
}

func TestThin(t *testing.T) {
	// Four points in one column: all kept (first, lowest, highest, last), in order;
	// five: the one between goes.
	in := [][2]float64{{0, 5}, {0.1, 1}, {0.2, 3}, {0.3, 9}, {0.4, 4}, {1, 2}}
	got := thin(in)
	want := [][2]float64{{0, 5}, {0.1, 1}, {0.3, 9}, {0.4, 4}, {1, 2}}
	if !slices.Equal(got, want) {
		t.Errorf("thin %v = %v, want %v", in, got, want)
	}
	if got := thin(nil); len(got) != 0 {
		t.Errorf("thin(nil) = %v", got)
	}
}
