// Package htmlreport owns the HTML rendering of a backtest.Report: one self-contained
// page with the summary table and the charts (equity, drawdown, position, price with
// the strategy's fills, latency histograms), drawn with gonum.org/v1/plot as SVG and
// inlined.
//
// The page must never need the network to be viewed: no external scripts, styles,
// fonts or images, and no http(s) reference at all. It must never depend on anything
// but its inputs: the same Report and Options give the same bytes (no clock, no map
// order, fixed float formatting). It never runs a backtest and never changes the
// Report it is given.
//
// A backtest.Report carries the equity samples but not (yet) the position, price,
// fill or latency series; callers that have them pass them in Options.Series, and
// each chart whose series is absent is replaced by a short note saying so.
package htmlreport

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"image/color"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/nanotick/nanotick/backtest"
)

// Point is one sample of a series: a data time (Unix ns) and a value.
type Point struct {
	Time  int64
	Value float64
}

// Fill is one of the strategy's fills, for the price chart.
type Fill struct {
	Time  int64   // data time, Unix ns
	Price float64 // in quote units
	Qty   float64 // in base units
	Buy   bool
	Maker bool
}

// Bucket is one bin of a latency histogram: Count samples at or below Upper and above
// the previous bucket's Upper (0 for the first).
type Bucket struct {
	Upper time.Duration
	Count uint64
}

// Stage is the latency histogram of one stage of the order path or the feed.
type Stage struct {
	Name    string
	Buckets []Bucket
}

// Series are the time series a Report does not carry. Each is optional.
type Series struct {
	Position []Point // net position, base units
	Price    []Point // the mid price (or any reference price), quote units
	Fills    []Fill
	Latency  []Stage
}

// Options tune the page.
type Options struct {
	// Title is the page's title; empty means "nanotick backtest: STRATEGY SYMBOL".
	Title string
	// Series are the extra series to chart.
	Series Series
	// Width and Height are each chart's size; 0 means 18cm × 7cm.
	Width, Height vg.Length
}

// Write writes r as a self-contained HTML page with the default options.
func Write(w io.Writer, r *backtest.Report) error {
	return WriteWith(w, r, Options{})
}

// WriteWith writes r as a self-contained HTML page, with the series and settings of o.
// Nothing is written if a chart cannot be drawn.
func WriteWith(w io.Writer, r *backtest.Report, o Options) error {
	if r == nil {
		return errors.New("htmlreport: nil report")
	}
	if o.Width <= 0 {
		o.Width = 18 * vg.Centimeter
	}
	if o.Height <= 0 {
		o.Height = 7 * vg.Centimeter
	}
	page := pageData{Title: o.Title, Report: r}
	if page.Title == "" {
		page.Title = strings.TrimSpace("nanotick backtest: " + r.Strategy + " " + r.Symbol)
	}
	page.Summary = summary(r)
	t0 := startTime(r, o.Series)
	page.Axis = "data time, seconds since " + time.Unix(0, t0).UTC().Format("2006-01-02 15:04:05.000") + " UTC"
	charts, err := drawCharts(r, o, t0, page.Axis)
	if err != nil {
		return err
	}
	page.Charts = charts
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, page); err != nil {
		return fmt.Errorf("htmlreport: %w", err)
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// pageData is what the template shows.
type pageData struct {
	Title   string
	Report  *backtest.Report
	Summary []row
	Axis    string
	Charts  []chart
}

// row is one line of the summary table.
type row struct{ Name, Value string }

// chart is one figure: its SVG, or a note saying why it is absent.
type chart struct {
	ID, Title string
	SVG       template.HTML
	Note      string
}

// summary lists the report's headline figures in a fixed order.
func summary(r *backtest.Report) []row {
	res, ord, ev := &r.Result, &r.Orders, &r.Events
	dec := func(d decimal.Decimal) string { return d.String() }
	u := func(v uint64) string { return strconv.FormatUint(v, 10) }
	rows := []row{
		{"Strategy", r.Strategy},
		{"Symbol", r.Symbol + " (" + r.Venue + ")"},
		{"Data", strings.Join(r.Data, ", ")},
		{"Period", r.Start + " – " + r.End + " (" + r.Duration + ")"},
		{"PnL", dec(res.PnL)},
		{"Return", dec(res.ReturnPct) + " %"},
		{"Final equity", dec(res.FinalEquity)},
		{"Realized / unrealized", dec(res.Realized) + " / " + dec(res.Unrealized)},
		{"Max drawdown", dec(res.MaxDrawdown) + " (" + ffmt(res.MaxDrawdownPct, 4) + " %)"},
		{"Sharpe", ffmt(res.Sharpe, 4) + " (" + strconv.Itoa(res.SharpeSamples) + " samples, " + res.SharpeAnnualization + ")"},
		{"Fills", u(ord.Fills)},
		{"Maker / taker fills", u(ord.MakerFills) + " / " + u(ord.TakerFills)},
		{"Volume (maker / taker)", dec(res.Volume) + " (" + dec(res.MakerVolume) + " / " + dec(res.TakerVolume) + ")"},
		{"Turnover", dec(res.Turnover)},
		{"Fees", dec(res.Fees)},
		{"Position at end", dec(res.Position) + " @ " + dec(res.AvgEntry) + " (mark " + dec(res.Mark) + ")"},
		{"Orders sent", u(ord.Sent)},
		{"Cancels sent", u(ord.CancelsSent)},
		{"Acks / cancelled / expired", u(ord.Acks) + " / " + u(ord.Cancelled) + " / " + u(ord.Expired)},
		{"Risk rejections", u(ord.RiskRejected) + reasons(ord.RiskRejections)},
		{"Venue rejections", reasonTotal(ord.VenueRejections) + reasons(ord.VenueRejections)},
		{"Frames replayed", u(ev.Frames)},
		{"Book updates / trades", u(ev.BookUpdates) + " / " + u(ev.Trades)},
		{"Malformed (recording / engine / exchange)", u(ev.Malformed) + " / " + u(ev.EngineMalformed) + " / " + u(ev.ExchangeMalformed)},
		{"Gaps (engine / exchange)", u(ev.EngineGaps) + " / " + u(ev.ExchangeGaps)},
		{"Strategy errors", u(ev.StrategyErrors)},
		{"Feed latency (min / mean / max)", r.Feed.LatencyMin + " / " + r.Feed.LatencyMean + " / " + r.Feed.LatencyMax},
		{"Latency model", r.Settings.Latency},
		{"Fees (maker / taker bps)", ffmt(r.Settings.MakerFeeBps, 4) + " / " + ffmt(r.Settings.TakerFeeBps, 4)},
		{"Queue model", r.Settings.QueueModel},
	}
	if r.Halted != "" {
		rows = append(rows, row{"Halted", r.Halted})
	}
	return rows
}

func reasonTotal(rs []backtest.ReasonCount) string {
	var n uint64
	for _, r := range rs {
		n += r.Count
	}
	return strconv.FormatUint(n, 10)
}

// reasons formats rejection counts in the report's (fixed) order.
func reasons(rs []backtest.ReasonCount) string {
	if len(rs) == 0 {
		return ""
	}
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = r.Reason + ": " + strconv.FormatUint(r.Count, 10)
	}
	return " (" + strings.Join(parts, "; ") + ")"
}

// ffmt formats f with fixed precision, and NaN and infinities as words.
func ffmt(f float64, prec int) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'f', prec, 64)
}

// startTime is the origin of the time axes: the earliest time of any series.
func startTime(r *backtest.Report, s Series) int64 {
	t0, ok := int64(0), false
	see := func(t int64) {
		if !ok || t < t0 {
			t0, ok = t, true
		}
	}
	if len(r.Equity) > 0 {
		see(r.Equity[0].Time)
	}
	for _, ps := range [][]Point{s.Position, s.Price} {
		if len(ps) > 0 {
			see(ps[0].Time)
		}
	}
	if len(s.Fills) > 0 {
		see(s.Fills[0].Time)
	}
	return t0
}

// Colours of the charts.
var (
	blue  = color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}
	red   = color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}
	green = color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff}
	grey  = color.RGBA{R: 0x7f, G: 0x7f, B: 0x7f, A: 0xff}
)

// drawCharts draws every chart, in a fixed order.
func drawCharts(r *backtest.Report, o Options, t0 int64, axis string) ([]chart, error) {
	secs := func(t int64) float64 { return float64(t-t0) / 1e9 }
	var charts []chart
	add := func(id, title string, p *plot.Plot, note string) error {
		c := chart{ID: id, Title: title, Note: note}
		if p != nil {
			svg, err := render(p, o.Width, o.Height)
			if err != nil {
				return fmt.Errorf("htmlreport: chart %s: %w", id, err)
			}
			c.SVG = svg
		}
		charts = append(charts, c)
		return nil
	}

	// Equity and drawdown, from the report's samples.
	eq := make(plotter.XYs, 0, len(r.Equity))
	dd := make(plotter.XYs, 0, len(r.Equity))
	var peak decimal.Decimal
	for i, e := range r.Equity {
		if i == 0 || e.Equity.GreaterThan(peak) {
			peak = e.Equity
		}
		eq = append(eq, plotter.XY{X: secs(e.Time), Y: e.Equity.InexactFloat64()})
		dd = append(dd, plotter.XY{X: secs(e.Time), Y: e.Equity.Sub(peak).InexactFloat64()})
	}
	if err := lineChart(add, "equity", "Equity", axis, "equity (quote)", eq, blue, "the report has fewer than two equity samples"); err != nil {
		return nil, err
	}
	if err := lineChart(add, "drawdown", "Drawdown from the running peak", axis, "drawdown (quote)", dd, red, "the report has fewer than two equity samples"); err != nil {
		return nil, err
	}

	// Position.
	pos := points(o.Series.Position, secs)
	if err := lineChart(add, "position", "Position", axis, "position (base)", pos, blue,
		"the report carries no position series (see the package documentation)"); err != nil {
		return nil, err
	}

	// Price and fills.
	if err := priceChart(add, o.Series, secs, axis); err != nil {
		return nil, err
	}

	// Latency.
	if len(o.Series.Latency) == 0 {
		note := "the report carries no latency histogram; feed latency min / mean / max: " +
			r.Feed.LatencyMin + " / " + r.Feed.LatencyMean + " / " + r.Feed.LatencyMax
		if err := add("latency", "Latency", nil, note); err != nil {
			return nil, err
		}
	}
	for i, st := range o.Series.Latency {
		p, note := latencyPlot(st)
		if err := add("latency-"+strconv.Itoa(i), "Latency: "+st.Name, p, note); err != nil {
			return nil, err
		}
	}
	return charts, nil
}

// points converts a series to chart coordinates, leaving out non-finite values.
func points(ps []Point, secs func(int64) float64) plotter.XYs {
	xys := make(plotter.XYs, 0, len(ps))
	for _, p := range ps {
		if finite(p.Value) {
			xys = append(xys, plotter.XY{X: secs(p.Time), Y: p.Value})
		}
	}
	return xys
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// lineChart adds a line chart of xys, or note when there are fewer than two points.
func lineChart(add func(string, string, *plot.Plot, string) error, id, title, xLabel, yLabel string, xys plotter.XYs, c color.Color, note string) error {
	if len(xys) < 2 {
		return add(id, title, nil, note)
	}
	p := newPlot(xLabel, yLabel)
	l, err := plotter.NewLine(xys)
	if err != nil {
		return fmt.Errorf("htmlreport: chart %s: %w", id, err)
	}
	l.LineStyle.Color = c
	l.LineStyle.Width = vg.Points(1)
	p.Add(l)
	return add(id, title, p, "")
}

// priceChart adds the price line with buys and sells marked.
func priceChart(add func(string, string, *plot.Plot, string) error, s Series, secs func(int64) float64, axis string) error {
	price := points(s.Price, secs)
	var buys, sells plotter.XYs
	for _, f := range s.Fills {
		if !finite(f.Price) {
			continue
		}
		xy := plotter.XY{X: secs(f.Time), Y: f.Price}
		if f.Buy {
			buys = append(buys, xy)
		} else {
			sells = append(sells, xy)
		}
	}
	if len(price) < 2 && len(buys)+len(sells) == 0 {
		return add("price", "Price and fills", nil, "the report carries no price series and no fills (see the package documentation)")
	}
	p := newPlot(axis, "price (quote)")
	if len(price) >= 1 {
		l, err := plotter.NewLine(price)
		if err != nil {
			return fmt.Errorf("htmlreport: chart price: %w", err)
		}
		l.LineStyle.Color = grey
		l.LineStyle.Width = vg.Points(0.75)
		p.Add(l)
		p.Legend.Add("price", l)
	}
	for _, m := range []struct {
		name  string
		xys   plotter.XYs
		c     color.Color
		glyph draw.GlyphDrawer
	}{
		{"buy", buys, green, draw.PyramidGlyph{}},
		{"sell", sells, red, invertedPyramid{}},
	} {
		if len(m.xys) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(m.xys)
		if err != nil {
			return fmt.Errorf("htmlreport: chart price: %w", err)
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: m.c, Radius: vg.Points(3), Shape: m.glyph}
		p.Add(sc)
		p.Legend.Add(m.name, sc)
	}
	p.Legend.Top = true
	return add("price", "Price and fills (buys ▲ green, sells ▼ red)", p, "")
}

// invertedPyramid is a filled triangle pointing down, the glyph of a sell.
type invertedPyramid struct{}

// DrawGlyph draws the glyph at pt.
func (invertedPyramid) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	c.SetColor(sty.Color)
	r := sty.Radius + (sty.Radius-sty.Radius*vg.Length(math.Sin(math.Pi/6)))/2
	var p vg.Path
	p.Move(vg.Point{X: pt.X, Y: pt.Y - r})
	p.Line(vg.Point{X: pt.X - r*vg.Length(math.Cos(math.Pi/6)), Y: pt.Y + r*vg.Length(math.Sin(math.Pi/6))})
	p.Line(vg.Point{X: pt.X + r*vg.Length(math.Cos(math.Pi/6)), Y: pt.Y + r*vg.Length(math.Sin(math.Pi/6))})
	p.Close()
	c.Fill(p)
}

// latencyPlot draws one stage's histogram, in microseconds.
func latencyPlot(st Stage) (*plot.Plot, string) {
	var bins []plotter.HistogramBin
	lo := 0.0
	for _, b := range st.Buckets {
		hi := float64(b.Upper) / 1e3
		if hi > lo {
			bins = append(bins, plotter.HistogramBin{Min: lo, Max: hi, Weight: float64(b.Count)})
			lo = hi
		}
	}
	if len(bins) == 0 {
		return nil, "no samples"
	}
	p := newPlot("latency (µs)", "samples")
	h := &plotter.Histogram{Bins: bins, Width: bins[0].Max - bins[0].Min, FillColor: blue, LineStyle: plotter.DefaultLineStyle}
	p.Add(h)
	return p, ""
}

func newPlot(x, y string) *plot.Plot {
	p := plot.New()
	p.X.Label.Text = x
	p.Y.Label.Text = y
	p.Add(plotter.NewGrid())
	return p
}

// render draws p as an SVG element ready to inline in HTML5: without the XML
// declaration, the generator comment or the namespace attributes, which the HTML
// parser supplies for <svg>.
func render(p *plot.Plot, w, h vg.Length) (svg template.HTML, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("plot panicked: %v", v)
		}
	}()
	c := vgsvg.New(w, h)
	p.Draw(draw.New(c))
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		return "", err
	}
	s := b.String()
	i := strings.Index(s, "<svg")
	if i < 0 {
		return "", errors.New("no <svg> element in the plot's output")
	}
	s = s[i:]
	s = strings.Replace(s, "\n\txmlns=\"http://www.w3.org/2000/svg\"", "", 1)
	s = strings.Replace(s, "\n\txmlns:xlink=\"http://www.w3.org/1999/xlink\"", "", 1)
	return template.HTML(s), nil
}

var pageTemplate = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{.Title}}</title>
<style>
body { font-family: sans-serif; margin: 2em auto; max-width: 60em; color: #222; }
h1 { font-size: 1.4em; }
h2 { font-size: 1.1em; margin-top: 2em; }
table { border-collapse: collapse; }
td { padding: 0.2em 1em 0.2em 0; border-bottom: 1px solid #ddd; vertical-align: top; }
td:first-child { color: #555; white-space: nowrap; }
td:last-child { font-family: monospace; }
svg { max-width: 100%; height: auto; }
p.note { color: #777; font-style: italic; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<table id="summary">
{{range .Summary}}<tr><td>{{.Name}}</td><td>{{.Value}}</td></tr>
{{end}}</table>
{{range .Charts}}<section id="{{.ID}}">
<h2>{{.Title}}</h2>
{{if .SVG}}{{.SVG}}{{else}}<p class="note">Not charted: {{.Note}}.</p>{{end}}
</section>
{{end}}</body>
</html>
`))
