// Package svgchart draws the HTML report's charts as SVG elements to inline in a page:
// lines, scatter glyphs, histograms and bars, on linear or logarithmic axes with "nice"
// ticks, grid lines, axis labels and a legend.
//
// It owns geometry and markup only. It never reads a report, never loads a font (text
// is SVG <text> in the generic sans-serif family; its width, which the margins need, is
// estimated from the characters) and never links a plotting library: every nanotick
// process initialises every package it links, and the one this replaces parsed its
// fonts at initialisation, in every command. The same Chart gives the same bytes: no
// clock, no map order, and coordinates printed with at most two decimals.
package svgchart

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Color is an opaque RGB color.
type Color struct{ R, G, B uint8 }

// Black is the color of axes, text and reference lines.
var Black = Color{}

func (c Color) String() string { return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B) }

// XY is one point in data coordinates.
type XY struct{ X, Y float64 }

// Glyph is the mark a scatter (or a line's points) draws at each point.
type Glyph uint8

// The glyphs.
const (
	NoGlyph      Glyph = iota
	TriangleUp         // a filled triangle pointing up (a buy)
	TriangleDown       // a filled triangle pointing down (a sell)
	Circle             // a filled circle
	Ring               // a circle's outline
)

// Axis is one axis of a chart.
type Axis struct {
	Label string
	// Min and Max fix the axis's range when Min < Max; otherwise it spans the data.
	Min, Max float64
	// Log makes the axis logarithmic; points at or below zero are left out.
	Log bool
	// Ticks returns the axis's ticks on [min, max]; nil means NiceTicks (LogTicks on a
	// logarithmic axis). Ticks outside the range are not drawn.
	Ticks func(min, max float64) []Tick
}

// Chart is one figure: its size in points (1/72 in), its axes, its series in drawing
// order, and a legend of the series that have a name.
type Chart struct {
	Width, Height float64
	// Title names the chart for assistive technology (aria-label); the page shows its
	// own heading, so it is not drawn.
	Title  string
	X, Y   Axis
	Series []Series
	// LegendLeft aligns the legend, a row above the data area (wrapped into more rows
	// when it is too wide), with the data area's left end instead of its right end.
	LegendLeft bool
	// MinLeft and MinRight are the least distances from the chart's edges to its data
	// area: charts stacked on one page set them to the largest Margins of them all, so
	// that their data areas start and end at the same x.
	MinLeft, MinRight float64
}

// Series is what a chart draws: *Line, *Scatter, *Histogram, *Bars or *Rule.
type Series interface {
	// extent widens b to hold the series' data.
	extent(b *extent)
	// reach is how far the series draws beyond its points (a glyph's radius), which
	// the data area keeps clear of the axes.
	reach() float64
	draw(w *writer, f *frame)
	// label is the series' name in the legend, "" for none.
	label() string
	// key draws the series' sample in the legend, centred at (x, y).
	key(w *writer, x, y float64)
}

// Line joins its points in order, optionally marking each with a glyph.
type Line struct {
	Name   string
	Points []XY
	Color  Color
	Width  float64 // points; 0 means 1
	Glyph  Glyph
	Radius float64 // of the glyphs; 0 means 2.5
}

// Scatter marks each point with a glyph.
type Scatter struct {
	Name   string
	Points []XY
	Color  Color
	Glyph  Glyph   // NoGlyph means Circle
	Radius float64 // 0 means 2.5
}

// Histogram draws bins as bars from zero to their weight, outlined.
type Histogram struct {
	Name  string
	Bins  []Bin
	Color Color
}

// Bin is one bar of a histogram: [Min, Max) on the x axis, Weight high.
type Bin struct{ Min, Max, Weight float64 }

// Bars draws one bar per value, the i-th centred at x = i (a category axis), from zero
// to the value, Width points wide.
type Bars struct {
	Name   string
	Values []float64
	Width  float64 // points; 0 means 18
	Color  Color
}

// Rule is a horizontal line across the data area at Y, such as a zero line.
type Rule struct {
	Y     float64
	Color Color
	Width float64 // points; 0 means 1
}

// Sizes of the chart's parts, in points.
const (
	tickFont   = 10.0
	labelFont  = 12.0
	legendFont = 11.0
	majorTick  = 5.0
	minorTick  = 2.5
	gap        = 3.0
	edge       = 4.0
	keyWidth   = 18.0
)

// Colors of the chart's furniture.
const (
	gridColor = "#dcdcdc"
	textColor = "#222"
)

// Margins returns the distances from the chart's left and right edges to its data
// area, as SVG would draw it now.
func (c *Chart) Margins() (left, right float64, err error) {
	f, err := c.layout()
	if err != nil {
		return 0, 0, err
	}
	return f.left, c.Width - f.right, nil
}

// SVG returns the chart as an <svg> element ready to inline in HTML5 (no XML
// declaration and no namespace attribute, which the HTML parser supplies). Its width
// and height are in points; a page can scale it, as its viewBox keeps the proportions.
func (c *Chart) SVG() (string, error) {
	f, err := c.layout()
	if err != nil {
		return "", err
	}
	w := &writer{}
	w.printf(`<svg width="%spt" height="%spt" viewBox="0 0 %s %s" font-family="sans-serif"`, num(c.Width), num(c.Height), num(c.Width), num(c.Height))
	if c.Title != "" {
		w.printf(` role="img" aria-label="%s"`, esc(c.Title))
	}
	w.printf(">\n")
	w.printf(`<rect width="%s" height="%s" fill="#fff"/>`+"\n", num(c.Width), num(c.Height))
	f.drawGrid(w)
	for _, s := range c.Series {
		s.draw(w, f)
	}
	f.drawAxes(w, c)
	c.drawLegend(w, f)
	w.printf("</svg>")
	return w.String(), nil
}

// frame is a laid-out chart: the data area, the axes' ranges and ticks, and the map
// from data to SVG coordinates.
type frame struct {
	// left, right, top, bottom bound the data area; the axes are inset outside it.
	left, right, top, bottom float64
	inset                    float64
	x, y                     scale
	xTicks, yTicks           []Tick
	legend                   [][]legendItem
}

// legendItem is a named series in the legend: its key, its name, and the width of both.
type legendItem struct {
	s     Series
	name  string
	width float64
}

// Plot area: the data area and its inset, between the axes.
func (f *frame) plotLeft() float64   { return f.left - f.inset }
func (f *frame) plotRight() float64  { return f.right + f.inset }
func (f *frame) plotTop() float64    { return f.top - f.inset }
func (f *frame) plotBottom() float64 { return f.bottom + f.inset }

// px and py map data coordinates to SVG ones; ok is false for a point the axes cannot
// place (not finite, or not positive on a logarithmic axis).
func (f *frame) px(v float64) (float64, bool) { return f.x.at(v, f.left, f.right) }
func (f *frame) py(v float64) (float64, bool) { return f.y.at(v, f.bottom, f.top) }

func (f *frame) pt(p XY) (x, y float64, ok bool) {
	x, okx := f.px(p.X)
	y, oky := f.py(p.Y)
	return x, y, okx && oky
}

// scale is one axis's range.
type scale struct {
	min, max float64
	log      bool
}

// at maps v to [from, to] (to may be below from: SVG's y grows downwards).
func (s scale) at(v, from, to float64) (float64, bool) {
	lo, hi := s.min, s.max
	if s.log {
		if v <= 0 {
			return 0, false
		}
		v, lo, hi = math.Log10(v), math.Log10(lo), math.Log10(hi)
	}
	if !finite(v) {
		return 0, false
	}
	// Halved, so that a range as wide as the floats does not overflow.
	at := from + (v/2-lo/2)/(hi/2-lo/2)*(to-from)
	return at, finite(at)
}

// extent is the data's range on both axes.
type extent struct{ x, y span }

// span is the data's range on one axis: its finite values, and only positive ones on a
// log axis.
type span struct {
	log, has bool
	min, max float64
}

func (s *span) ok(v float64) bool { return finite(v) && (!s.log || v > 0) }

func (s *span) add(v float64) {
	if !s.ok(v) {
		return
	}
	if !s.has {
		s.min, s.max, s.has = v, v, true
	}
	s.min, s.max = math.Min(s.min, v), math.Max(s.max, v)
}

func (e *extent) addX(v float64) { e.x.add(v) }
func (e *extent) addY(v float64) { e.y.add(v) }

// addPoint adds a point only when both its coordinates can be placed.
func (e *extent) addPoint(p XY) {
	if e.x.ok(p.X) && e.y.ok(p.Y) {
		e.x.add(p.X)
		e.y.add(p.Y)
	}
}

// axisRange is the axis's fixed range, else the data's, widened when it has no width.
func axisRange(a Axis, has bool, lo, hi float64) scale {
	if a.Min < a.Max && finite(a.Min) && finite(a.Max) && (!a.Log || a.Min > 0) {
		return scale{a.Min, a.Max, a.Log}
	}
	switch {
	case !has && a.Log:
		return scale{1, 10, true}
	case !has:
		return scale{0, 1, false}
	case lo < hi:
		return scale{lo, hi, a.Log}
	case a.Log:
		return scale{lo / 2, lo * 2, true}
	case lo == 0:
		return scale{-1, 1, false}
	}
	d := math.Abs(lo) / 100
	return scale{lo - d, lo + d, false}
}

// inRange keeps the ticks on the axis's range (with a little slack for rounding).
func inRange(ts []Tick, s scale) []Tick {
	eps := (s.max - s.min) * 1e-9
	var out []Tick
	for _, t := range ts {
		if finite(t.Value) && t.Value >= s.min-eps && t.Value <= s.max+eps && (!s.log || t.Value > 0) {
			out = append(out, t)
		}
	}
	return out
}

func (a Axis) ticks(s scale, n int) []Tick {
	var ts []Tick
	switch {
	case a.Ticks != nil:
		ts = a.Ticks(s.min, s.max)
	case s.log:
		ts = LogTicks(s.min, s.max)
	default:
		ts = NiceTicks(s.min, s.max, n)
	}
	return inRange(ts, s)
}

// layout places the data area: the margins make room for the tick labels and axis
// labels, at least MinLeft and MinRight, and the inset keeps glyphs clear of the axes.
func (c *Chart) layout() (*frame, error) {
	if !(c.Width > 0 && c.Height > 0) || !finite(c.Width) || !finite(c.Height) {
		return nil, fmt.Errorf("svgchart: size %v × %v: want positive", c.Width, c.Height)
	}
	e := extent{x: span{log: c.X.Log}, y: span{log: c.Y.Log}}
	f := &frame{}
	for _, s := range c.Series {
		s.extent(&e)
		f.inset = math.Max(f.inset, s.reach())
	}
	if f.inset > 0 {
		f.inset++
	}
	f.x = axisRange(c.X, e.x.has, e.x.min, e.x.max)
	f.y = axisRange(c.Y, e.y.has, e.y.min, e.y.max)

	// Vertically: the legend's rows at the top, then the top tick's label, centred on
	// the plot's top; below the plot, the ticks, their labels and the axis's label.
	f.legend = c.legendRows()
	f.top = edge + tickFont/2 + f.inset
	if len(f.legend) > 0 {
		f.top += legendRow*float64(len(f.legend)) + gap
	}
	bottom := majorTick + gap + tickFont + edge
	if c.X.Label != "" {
		bottom += gap + labelFont
	}
	f.bottom = c.Height - bottom - f.inset
	if f.bottom-f.top < 10 {
		return nil, errors.New("svgchart: the chart is too short for its axes")
	}
	f.yTicks = c.Y.ticks(f.y, int((f.bottom-f.top)/35))

	// Horizontally: the y axis's label and tick labels on the left.
	left := edge + gap + majorTick
	if c.Y.Label != "" {
		left += labelFont + gap
	}
	labels := 0.0
	for _, t := range f.yTicks {
		labels = math.Max(labels, textWidth(t.Label, tickFont))
	}
	f.left, f.right = left+labels+f.inset, c.Width-edge-f.inset
	if f.right-f.left < 10 {
		return nil, errors.New("svgchart: the chart is too narrow for its axes")
	}
	f.xTicks = c.X.ticks(f.x, int((f.right-f.left)/100))
	// The x tick labels are centred on their ticks: widen the margins where the first
	// or last would stick out of the chart. Then MinLeft and MinRight, last, so that
	// charts given the same ones have their data areas at the same x.
	var over, under float64
	for _, t := range f.xTicks {
		if t.Label == "" {
			continue
		}
		x, _ := f.px(t.Value)
		half := textWidth(t.Label, tickFont) / 2
		over = math.Max(over, x+half+edge-c.Width)
		under = math.Max(under, edge-(x-half))
	}
	f.left = math.Max(f.left+under, c.MinLeft)
	f.right = c.Width - math.Max(c.Width-f.right+over, c.MinRight)
	if f.right-f.left < 10 {
		return nil, errors.New("svgchart: the chart is too narrow for its tick labels")
	}
	return f, nil
}

// drawGrid draws a grid line at every major tick.
func (f *frame) drawGrid(w *writer) {
	var d strings.Builder
	for _, t := range f.xTicks {
		if x, ok := f.px(t.Value); ok && t.Label != "" {
			fmt.Fprintf(&d, "M%s %sV%s", num(x), num(f.plotTop()), num(f.plotBottom()))
		}
	}
	for _, t := range f.yTicks {
		if y, ok := f.py(t.Value); ok && t.Label != "" {
			fmt.Fprintf(&d, "M%s %sH%s", num(f.plotLeft()), num(y), num(f.plotRight()))
		}
	}
	if d.Len() > 0 {
		w.printf(`<path d="%s" fill="none" stroke="%s" stroke-width="0.5"/>`+"\n", d.String(), gridColor)
	}
}

// drawAxes draws the two axes on the plot area's left and bottom with their ticks
// outside, the tick labels and the axis labels.
func (f *frame) drawAxes(w *writer, c *Chart) {
	var d strings.Builder
	l, b := f.plotLeft(), f.plotBottom()
	fmt.Fprintf(&d, "M%s %sH%sM%s %sV%s", num(l), num(b), num(f.plotRight()), num(l), num(f.plotTop()), num(b))
	for _, t := range f.xTicks {
		x, _ := f.px(t.Value)
		fmt.Fprintf(&d, "M%s %sv%s", num(x), num(b), num(tickLen(t)))
	}
	for _, t := range f.yTicks {
		y, _ := f.py(t.Value)
		fmt.Fprintf(&d, "M%s %sh%s", num(l), num(y), num(-tickLen(t)))
	}
	w.printf(`<path d="%s" fill="none" stroke="#000" stroke-width="0.5"/>`+"\n", d.String())

	w.printf(`<g font-size="%s" fill="%s" text-anchor="middle">`, num(tickFont), textColor)
	for _, t := range f.xTicks {
		if t.Label != "" {
			x, _ := f.px(t.Value)
			w.printf(`<text x="%s" y="%s">%s</text>`, num(x), num(b+majorTick+gap+tickFont*0.8), esc(t.Label))
		}
	}
	w.printf("</g>\n")
	w.printf(`<g font-size="%s" fill="%s" text-anchor="end">`, num(tickFont), textColor)
	for _, t := range f.yTicks {
		if t.Label != "" {
			y, _ := f.py(t.Value)
			w.printf(`<text x="%s" y="%s">%s</text>`, num(l-majorTick-gap), num(y+tickFont*0.35), esc(t.Label))
		}
	}
	w.printf("</g>\n")
	if c.X.Label != "" {
		w.printf(`<text x="%s" y="%s" font-size="%s" fill="%s" text-anchor="middle">%s</text>`+"\n",
			num((f.plotLeft()+f.plotRight())/2), num(c.Height-edge-labelFont*0.2), num(labelFont), textColor, esc(c.X.Label))
	}
	if c.Y.Label != "" {
		w.printf(`<text transform="translate(%s %s) rotate(-90)" font-size="%s" fill="%s" text-anchor="middle">%s</text>`+"\n",
			num(edge+labelFont*0.8), num((f.plotTop()+f.plotBottom())/2), num(labelFont), textColor, esc(c.Y.Label))
	}
}

func tickLen(t Tick) float64 {
	if t.Label == "" {
		return minorTick
	}
	return majorTick
}

// legendRow is the height of a row of the legend; legendSpace separates its items.
const legendRow, legendSpace = legendFont * 1.4, 12.0

// legendRows lays the named series out in rows above the data area, as many in a row
// as fit beside the y axis.
func (c *Chart) legendRows() [][]legendItem {
	room := c.Width - 2*edge - 80
	var rows [][]legendItem
	used := 0.0
	for _, s := range c.Series {
		name := s.label()
		if name == "" {
			continue
		}
		it := legendItem{s: s, name: name, width: keyWidth + gap + textWidth(name, legendFont)}
		if len(rows) == 0 || used+legendSpace+it.width > room {
			rows, used = append(rows, nil), -legendSpace
		}
		rows[len(rows)-1] = append(rows[len(rows)-1], it)
		used += legendSpace + it.width
	}
	return rows
}

// drawLegend draws the legend's rows above the data area, each series' key and name,
// aligned with the data area's left or right end.
func (c *Chart) drawLegend(w *writer, f *frame) {
	if len(f.legend) == 0 {
		return
	}
	w.printf(`<g font-size="%s" fill="%s">`, num(legendFont), textColor)
	for i, row := range f.legend {
		width := -legendSpace
		for _, it := range row {
			width += legendSpace + it.width
		}
		x := f.plotLeft()
		if !c.LegendLeft {
			x = math.Max(edge, f.plotRight()-width)
		}
		y := edge + legendRow*(float64(i)+0.5)
		for _, it := range row {
			it.s.key(w, x+keyWidth/2, y)
			w.printf(`<text x="%s" y="%s">%s</text>`, num(x+keyWidth+gap), num(y+legendFont*0.35), esc(it.name))
			x += it.width + legendSpace
		}
	}
	w.printf("</g>\n")
}

// The series.

func (l *Line) extent(e *extent) {
	for _, p := range l.Points {
		e.addPoint(p)
	}
}

func (l *Line) reach() float64 {
	if l.Glyph == NoGlyph {
		return 0
	}
	return glyphReach(l.Glyph, or(l.Radius, 2.5))
}

func (l *Line) draw(w *writer, f *frame) {
	var pts [][2]float64
	for _, p := range l.Points {
		if x, y, ok := f.pt(p); ok { // not finite, or not on a log axis: joined past
			pts = append(pts, [2]float64{x, y})
		}
	}
	var d strings.Builder
	var lastX, lastY string
	n := 0
	for _, p := range thin(pts) {
		sx, sy := num(p[0]), num(p[1])
		if n > 0 && sx == lastX && sy == lastY {
			continue
		}
		if n == 0 {
			d.WriteByte('M')
		} else {
			d.WriteByte('L')
		}
		d.WriteString(sx + " " + sy)
		lastX, lastY = sx, sy
		n++
	}
	if n > 1 {
		w.printf(`<path d="%s" fill="none" stroke="%s" stroke-width="%s" stroke-linejoin="round"/>`+"\n", d.String(), l.Color, num(or(l.Width, 1)))
	}
	if l.Glyph != NoGlyph {
		drawGlyphs(w, f, l.Points, l.Glyph, or(l.Radius, 2.5), l.Color)
	}
}

// column is the width, in points, within which thin keeps a line's extremes only.
const column = 0.5

// thin keeps, of each run of consecutive points within one column of half a point, the
// first, the lowest, the highest and the last, in their order: the line through them
// covers what the line through all of them covers, to the column (the "M4" reduction
// of a time series), and a day of one-second samples becomes a few thousand vertices
// instead of 86,400.
func thin(pts [][2]float64) [][2]float64 {
	var out [][2]float64
	for i := 0; i < len(pts); {
		col := math.Floor(pts[i][0] / column)
		j, lo, hi := i, i, i
		for ; j < len(pts) && math.Floor(pts[j][0]/column) == col; j++ {
			if pts[j][1] < pts[lo][1] {
				lo = j
			}
			if pts[j][1] > pts[hi][1] {
				hi = j
			}
		}
		keep := [4]int{i, lo, hi, j - 1}
		slices.Sort(keep[:])
		for k, idx := range keep {
			if k == 0 || idx != keep[k-1] {
				out = append(out, pts[idx])
			}
		}
		i = j
	}
	return out
}

func (l *Line) label() string { return l.Name }

func (l *Line) key(w *writer, x, y float64) {
	w.printf(`<path d="M%s %sh%s" stroke="%s" stroke-width="%s"/>`, num(x-keyWidth/2), num(y), num(keyWidth), l.Color, num(or(l.Width, 1)))
	if l.Glyph != NoGlyph {
		w.printf(`<path d="%s"%s/>`, glyphPath(l.Glyph, x, y, or(l.Radius, 2.5)), glyphPaint(l.Glyph, l.Color))
	}
}

func (s *Scatter) glyph() Glyph {
	if s.Glyph == NoGlyph {
		return Circle
	}
	return s.Glyph
}

func (s *Scatter) extent(e *extent) {
	for _, p := range s.Points {
		e.addPoint(p)
	}
}

func (s *Scatter) reach() float64 { return glyphReach(s.glyph(), or(s.Radius, 2.5)) }

func (s *Scatter) draw(w *writer, f *frame) {
	drawGlyphs(w, f, s.Points, s.glyph(), or(s.Radius, 2.5), s.Color)
}

func (s *Scatter) label() string { return s.Name }

func (s *Scatter) key(w *writer, x, y float64) {
	w.printf(`<path d="%s"%s/>`, glyphPath(s.glyph(), x, y, or(s.Radius, 2.5)), glyphPaint(s.glyph(), s.Color))
}

func (h *Histogram) extent(e *extent) {
	for _, b := range h.Bins {
		if finite(b.Weight) && finite(b.Min) && finite(b.Max) {
			e.addX(b.Min)
			e.addX(b.Max)
			e.addY(b.Weight)
			e.addY(0)
		}
	}
}

func (h *Histogram) reach() float64 { return 0 }

func (h *Histogram) draw(w *writer, f *frame) {
	var d strings.Builder
	y0, ok := f.py(0)
	if !ok { // a logarithmic y axis has no zero: the bars stand on its floor
		y0 = f.bottom
	}
	for _, b := range h.Bins {
		x0, ok0 := f.px(b.Min)
		x1, ok1 := f.px(b.Max)
		y1, ok2 := f.py(b.Weight)
		if !ok0 || !ok1 || !ok2 || b.Weight == 0 {
			continue
		}
		fmt.Fprintf(&d, "M%s %sH%sV%sH%sZ", num(x0), num(y0), num(x1), num(y1), num(x0))
	}
	if d.Len() > 0 {
		w.printf(`<path d="%s" fill="%s" stroke="#000" stroke-width="0.5"/>`+"\n", d.String(), h.Color)
	}
}

func (h *Histogram) label() string { return h.Name }

func (h *Histogram) key(w *writer, x, y float64) { swatch(w, x, y, h.Color) }

func (b *Bars) extent(e *extent) {
	for i, v := range b.Values {
		if finite(v) {
			e.addX(float64(i) - 0.5)
			e.addX(float64(i) + 0.5)
			e.addY(v)
			e.addY(0)
		}
	}
}

func (b *Bars) reach() float64 { return 0 }

func (b *Bars) draw(w *writer, f *frame) {
	var d strings.Builder
	y0, ok := f.py(0)
	if !ok {
		y0 = f.bottom
	}
	half := or(b.Width, 18) / 2
	for i, v := range b.Values {
		x, okx := f.px(float64(i))
		y, oky := f.py(v)
		if !okx || !oky || v == 0 {
			continue
		}
		fmt.Fprintf(&d, "M%s %sH%sV%sH%sZ", num(x-half), num(y0), num(x+half), num(y), num(x-half))
	}
	if d.Len() > 0 {
		w.printf(`<path d="%s" fill="%s" stroke="#000" stroke-width="0.5"/>`+"\n", d.String(), b.Color)
	}
}

func (b *Bars) label() string { return b.Name }

func (b *Bars) key(w *writer, x, y float64) { swatch(w, x, y, b.Color) }

// swatch is the legend's key of bars: a small outlined square of their color.
func swatch(w *writer, x, y float64, c Color) {
	w.printf(`<rect x="%s" y="%s" width="8" height="8" fill="%s" stroke="#000" stroke-width="0.5"/>`, num(x-4), num(y-4), c)
}

func (r *Rule) extent(*extent) {}

func (r *Rule) reach() float64 { return 0 }

func (r *Rule) draw(w *writer, f *frame) {
	y, ok := f.py(r.Y)
	if !ok || y < f.plotTop() || y > f.plotBottom() {
		return // off the axis's range: nothing to mark
	}
	w.printf(`<path d="M%s %sH%s" stroke="%s" stroke-width="%s"/>`+"\n", num(f.plotLeft()), num(y), num(f.plotRight()), r.Color, num(or(r.Width, 1)))
}

func (r *Rule) label() string { return "" }

func (r *Rule) key(*writer, float64, float64) {}

// Glyphs.

// glyphReach is how far a glyph of radius r reaches from its point.
func glyphReach(g Glyph, r float64) float64 {
	if g == TriangleUp || g == TriangleDown {
		return r * 1.25
	}
	return r
}

// drawGlyphs marks every point that can be placed, as one path.
func drawGlyphs(w *writer, f *frame, pts []XY, g Glyph, r float64, c Color) {
	var d strings.Builder
	for _, p := range pts {
		if x, y, ok := f.pt(p); ok {
			d.WriteString(glyphPath(g, x, y, r))
		}
	}
	if d.Len() > 0 {
		w.printf(`<path d="%s"%s/>`+"\n", d.String(), glyphPaint(g, c))
	}
}

// glyphPath is the outline of glyph g of radius r at (x, y). A triangle's corners are
// 1.25 r from its centre, its base below (TriangleUp) or above it.
func glyphPath(g Glyph, x, y, r float64) string {
	switch g {
	case TriangleUp, TriangleDown:
		t := r * 1.25
		dx, dy := t*math.Cos(math.Pi/6), t*math.Sin(math.Pi/6)
		if g == TriangleDown {
			t, dy = -t, -dy
		}
		return "M" + num(x) + " " + num(y-t) + "L" + num(x-dx) + " " + num(y+dy) + "L" + num(x+dx) + " " + num(y+dy) + "Z"
	default:
		return "M" + num(x-r) + " " + num(y) + "a" + num(r) + " " + num(r) + " 0 1 0 " + num(2*r) + " 0a" + num(r) + " " + num(r) + " 0 1 0 " + num(-2*r) + " 0Z"
	}
}

// glyphPaint is the fill (or, for a ring, the stroke) of a glyph.
func glyphPaint(g Glyph, c Color) string {
	if g == Ring {
		return ` fill="none" stroke="` + c.String() + `" stroke-width="1"`
	}
	return ` fill="` + c.String() + `"`
}

// Text and numbers.

// textWidth estimates the width of s at size points in a sans-serif face, from the
// widths of Helvetica's and DejaVu Sans's characters, erring wide: it only sets margins.
func textWidth(s string, size float64) float64 {
	w := 0.0
	for _, r := range s {
		switch {
		case strings.ContainsRune(" .,:;'|!iljI()[]", r):
			w += 0.34
		case strings.ContainsRune("ftr-", r):
			w += 0.42
		case r >= '0' && r <= '9':
			w += 0.64
		case strings.ContainsRune("mwMW@%", r):
			w += 0.95
		case r >= 'A' && r <= 'Z':
			w += 0.72
		default:
			w += 0.6
		}
	}
	return w * size
}

// num prints a coordinate with at most two decimals and no trailing zeros ("12.5",
// not "12.50"); zero is "0", never "-0".
func num(v float64) string {
	v = math.Round(v*100) / 100
	if v == 0 {
		return "0"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// esc escapes text for SVG's and HTML's character data and attribute values, and
// replaces what XML cannot hold (control characters, invalid UTF-8) with U+FFFD.
func esc(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '"':
			b.WriteString("&#34;")
		case r == '\'':
			b.WriteString("&#39;")
		case r == '\t' || r == '\n' || r == '\r':
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f || r == 0xfffe || r == 0xffff || r == '\uFFFD' || (r >= 0xd800 && r <= 0xdfff):
			b.WriteRune('\uFFFD')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// or is v, or def when v is not positive.
func or(v, def float64) float64 {
	if v > 0 {
		return v
	}
	return def
}

// writer collects the SVG's markup.
type writer struct{ strings.Builder }

func (w *writer) printf(format string, a ...any) { fmt.Fprintf(&w.Builder, format, a...) }
