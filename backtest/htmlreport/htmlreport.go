// Package htmlreport owns the HTML rendering of a backtest.Report: one self-contained
// page with the summary table and the charts (equity, drawdown, position, price with
// the strategy's fills, latency histograms), drawn as SVG by package svgchart and
// inlined.
//
// The page must never need the network to be viewed: no external scripts, styles,
// fonts or images, and no http(s) reference at all. It must never depend on anything
// but its inputs: the same Report and Options give the same bytes (no clock, no map
// order, fixed float formatting). It never runs a backtest and never changes the
// Report it is given.
//
// The charts come from the Report: equity, drawdown, position and mid price from its
// equity samples (Report.Equity), our fills from Report.Fills, and, with
// Options.Timing only, the engine's stage latency histograms from
// Report.Timing.Latency, which are wall-clock measurements. A chart without data is
// replaced by a short note saying so.
package htmlreport

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/backtest"
	"github.com/nanotick/nanotick/backtest/htmlreport/svgchart"
	"github.com/nanotick/nanotick/telemetry"
)

// Options tune the page.
type Options struct {
	// Title is the page's title; empty means "nanotick backtest: STRATEGY SYMBOL".
	Title string
	// Timing adds the wall-clock section: the engine's per-stage latency histograms
	// (Report.Timing.Latency), the run's wall time and its event rate. They are
	// measured on the machine's clock, so a page with them is no longer a function of
	// the inputs alone; without them it is.
	Timing bool
	// Width and Height are each chart's size in points (1/72 in); 0 means 28 cm × 8
	// cm. The page scales every chart to its width.
	Width, Height float64
}

// The default size of a chart, in points: 28 cm × 8 cm.
const (
	defaultWidth  = 28 / 2.54 * 72
	defaultHeight = 8 / 2.54 * 72
)

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
	o = o.withDefaults()
	page := pageData{Title: o.Title, Report: r}
	if page.Title == "" {
		page.Title = strings.TrimSpace("nanotick backtest: " + r.Strategy + " " + r.Symbol)
	}
	page.Summary = summary(r)
	t0 := startTime(r)
	page.Axis = "data time, seconds since " + time.Unix(0, t0).UTC().Format("2006-01-02 15:04:05.000") + " UTC"
	charts, err := drawCharts(r, o, t0, page.Axis)
	if err != nil {
		return err
	}
	page.Charts = charts
	if page.Sheets, err = sheetViews(r, o); err != nil {
		return err
	}
	ts := r.Tearsheet
	if ts == nil {
		ts = backtest.ComputeTearsheet(r)
	}
	page.Hours = hourTable(ts)
	page.HourChart = chart{ID: "pnl-by-hour-chart", Title: "PnL by UTC hour", Note: "no equity samples"}
	if hp := hourPlot(ts); hp != nil {
		hp.Title, hp.Width, hp.Height = page.HourChart.Title, o.Width, o.Height*0.8
		if page.HourChart.SVG, err = render(hp); err != nil {
			return fmt.Errorf("htmlreport: pnl by hour: %w", err)
		}
	}
	page.Causes, page.FillRows, page.FillNote = fillTables(r, t0)
	if o.Timing {
		page.Timing = []row{
			{"Wall time", r.Timing.Wall.String()},
			{"Events per second", ffmt(r.Timing.EventsPerSecond, 0)},
		}
	}
	var buf bytes.Buffer
	if err := pageTemplate().Execute(&buf, page); err != nil {
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
	Timing  []row
	// Causes counts the fills by cause; FillRows lists them (FillNote says when the
	// list is cut short).
	Causes   []causeRow
	FillRows []fillRow
	FillNote string
	// Sheets are the tearsheet's sections, one per instrument (and the total when
	// there are several); Hours and HourChart the PnL by hour.
	Sheets    []sheetView
	Hours     table
	HourChart chart
}

// causeRow is the fills of one cause.
type causeRow struct {
	Cause, Meaning string
	Fills          int
	Qty            string
}

// fillRow is one fill in the page's table.
type fillRow struct {
	T, Side, Price, Qty, Role, Cause, AheadPlace, AheadFill, Order string
}

// maxFillRows is how many fills the page lists; the JSON holds every one.
const maxFillRows = 500

// causeMeaning explains each fill cause in the page.
var causeMeaning = []struct{ cause, meaning string }{
	{"queue", "trades at our price used up the queue estimated ahead of the order and traded past its place"},
	{"trade_through", "a trade printed through our price"},
	{"book_crossed", "the book's other side moved to or through our price"},
	{"taker", "the order crossed the book on arrival and took liquidity"},
}

// fillTables counts the fills by cause and lists the first maxFillRows.
func fillTables(r *backtest.Report, t0 int64) ([]causeRow, []fillRow, string) {
	var causes []causeRow
	for _, c := range causeMeaning {
		n, q := 0, decimal.Zero
		for _, f := range r.Fills {
			if f.Cause == c.cause {
				n++
				q = q.Add(f.Qty)
			}
		}
		causes = append(causes, causeRow{Cause: c.cause, Meaning: c.meaning, Fills: n, Qty: q.String()})
	}
	var rows []fillRow
	for i, f := range r.Fills {
		if i == maxFillRows {
			break
		}
		role := "taker"
		if f.Maker {
			role = "maker"
		}
		rows = append(rows, fillRow{
			T: ffmt(float64(f.Time-t0)/1e9, 3), Side: f.Side, Price: f.Price.String(), Qty: f.Qty.String(), Role: role,
			Cause: f.Cause, AheadPlace: f.QueueAheadAtPlace.String(), AheadFill: f.QueueAheadAtFill.String(),
			Order: strconv.FormatUint(f.OrderID, 10),
		})
	}
	note := ""
	if len(r.Fills) > maxFillRows {
		note = fmt.Sprintf("the first %d of %d fills; the JSON report holds every one", maxFillRows, len(r.Fills))
	}
	return causes, rows, note
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
		{"Sharpe", sharpeText(res)},
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
		{"Exchange clock", "time from " + r.Feed.ExchangeTime + ", clock offset " + r.Feed.ClockOffsetMode + " (" + time.Duration(r.Feed.ClockOffsetNs).String() + ")"},
		{"Latency model", r.Settings.Latency},
		{"Fees (maker / taker bps)", ffmt(r.Settings.MakerFeeBps, 4) + " / " + ffmt(r.Settings.TakerFeeBps, 4)},
		{"Queue model", r.Settings.QueueModel},
	}
	rows = append(rows, instrumentRows(r)...)
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

// startTime is the origin of the time axes: the first equity sample or fill.
func startTime(r *backtest.Report) int64 {
	switch {
	case len(r.Equity) > 0 && len(r.Fills) > 0:
		return min(r.Equity[0].Time, r.Fills[0].Time)
	case len(r.Equity) > 0:
		return r.Equity[0].Time
	case len(r.Fills) > 0:
		return r.Fills[0].Time
	}
	return 0
}

// withDefaults fills in the default chart size.
func (o Options) withDefaults() Options {
	if !(o.Width > 0) {
		o.Width = defaultWidth
	}
	if !(o.Height > 0) {
		o.Height = defaultHeight
	}
	return o
}

// Colours of the charts.
var (
	blue  = svgchart.Color{R: 0x1f, G: 0x77, B: 0xb4}
	red   = svgchart.Color{R: 0xd6, G: 0x27, B: 0x28}
	green = svgchart.Color{R: 0x2c, G: 0xa0, B: 0x2c}
	grey  = svgchart.Color{R: 0x7f, G: 0x7f, B: 0x7f}
)

// drawCharts draws every chart, in a fixed order.
func drawCharts(r *backtest.Report, o Options, t0 int64, axis string) ([]chart, error) {
	secs := func(t int64) float64 { return float64(t-t0) / 1e9 }
	// The charts are drawn at the end, when every time chart is known: they share one
	// time axis, aligned (see renderAll).
	var pend []pending
	add := func(id, title string, p *svgchart.Chart, note string) {
		pend = append(pend, pending{c: chart{ID: id, Title: title, Note: note}, p: p, timeAxis: timeCharts[id]})
	}
	span := 0.0
	for _, e := range r.Equity {
		span = max(span, secs(e.Time))
	}
	for _, f := range r.Fills {
		span = max(span, secs(f.Time))
	}

	// Equity, drawdown, position and mid, from the report's samples.
	n := len(r.Equity)
	eq, dd, pos, mid := make([]svgchart.XY, 0, n), make([]svgchart.XY, 0, n), make([]svgchart.XY, 0, n), make([]svgchart.XY, 0, n)
	var peak decimal.Decimal
	for i, e := range r.Equity {
		if i == 0 || e.Equity.GreaterThan(peak) {
			peak = e.Equity
		}
		x := secs(e.Time)
		eq = append(eq, svgchart.XY{X: x, Y: e.Equity.InexactFloat64()})
		dd = append(dd, svgchart.XY{X: x, Y: e.Equity.Sub(peak).InexactFloat64()})
		pos = append(pos, svgchart.XY{X: x, Y: e.Position.InexactFloat64()})
		if e.Mid.Sign() > 0 {
			mid = append(mid, svgchart.XY{X: x, Y: e.Mid.InexactFloat64()})
		}
	}
	const few = "the report has fewer than two equity samples"
	lineChart(add, "equity", "Equity", axis, "equity (quote)", eq, blue, few)
	lineChart(add, "drawdown", "Drawdown from the running peak", axis, "drawdown (quote)", dd, red, few)
	lineChart(add, "position", "Position", axis, "position (base)", pos, blue, few)
	priceChart(add, mid, r.Fills, secs, axis)
	pnlSplitChart(add, r, secs, axis)

	// Latency: wall-clock, on request only.
	if !o.Timing {
		note := "the engine's stage latencies are wall-clock measurements, left out so that the page depends only on the inputs (Options.Timing adds them); feed latency min / mean / max from the recording: " +
			r.Feed.LatencyMin + " / " + r.Feed.LatencyMean + " / " + r.Feed.LatencyMax
		add("latency", "Latency", nil, note)
		return renderAll(pend, o, span)
	}
	lat := r.Timing.Latency
	if lat == nil {
		add("latency", "Latency", nil, "the report holds no latency measurements")
		return renderAll(pend, o, span)
	}
	for st := telemetry.Stage(0); st < telemetry.NumStages; st++ {
		if lat.Count(st) == 0 {
			continue
		}
		p, title := latencyPlot(lat, st)
		add("latency-"+st.String(), title, p, "")
	}
	return renderAll(pend, o, span)
}

// timeCharts are the charts drawn against data time.
var timeCharts = map[string]bool{"equity": true, "drawdown": true, "position": true, "price": true, "pnl-split": true}

// pending is a chart waiting to be drawn.
type pending struct {
	c        chart
	p        *svgchart.Chart
	timeAxis bool
}

// renderAll draws the charts at the size of o. The time charts share one time axis:
// each spans the same seconds, and its data area starts and ends at the same distance
// from the chart's edges as every other's (the widest y-axis labels set the left
// margin), so that one instant is at one x on every chart of the page.
func renderAll(pend []pending, o Options, span float64) ([]chart, error) {
	for _, pe := range pend {
		if pe.p != nil {
			pe.p.Title, pe.p.Width, pe.p.Height = pe.c.Title, o.Width, o.Height
		}
	}
	if err := alignTime(pend, span); err != nil {
		return nil, err
	}
	charts := make([]chart, 0, len(pend))
	for _, pe := range pend {
		c := pe.c
		if pe.p != nil {
			svg, err := render(pe.p)
			if err != nil {
				return nil, fmt.Errorf("htmlreport: chart %s: %w", c.ID, err)
			}
			c.SVG = svg
		}
		charts = append(charts, c)
	}
	return charts, nil
}

// alignTime sets every time chart's axis to [0, span] and its margins to the widest of
// them all, so that the data areas of all the time charts start and end at the same x.
// Other charts keep their own.
func alignTime(pend []pending, span float64) error {
	var left, right float64
	for _, pe := range pend {
		if pe.p == nil || !pe.timeAxis {
			continue
		}
		pe.p.X.Min, pe.p.X.Max = 0, max(span, 1)
		l, r, err := pe.p.Margins()
		if err != nil {
			return fmt.Errorf("htmlreport: chart %s: %w", pe.c.ID, err)
		}
		left, right = max(left, l), max(right, r)
	}
	for _, pe := range pend {
		if pe.p != nil && pe.timeAxis {
			pe.p.MinLeft, pe.p.MinRight = left, right
		}
	}
	return nil
}

// pnlSplitChart adds the PnL over time with its parts: spread captured at the fills,
// inventory (the position's gains and losses from the mid's moves) and fees, at each
// equity sample. Spread and fees come from the fills up to the sample; inventory is
// what remains of the PnL, so the lines add up as the tearsheet's split does.
func pnlSplitChart(add func(string, string, *svgchart.Chart, string), r *backtest.Report, secs func(int64) float64, axis string) {
	const id, title = "pnl-split", "PnL and its parts over time: spread capture + inventory − fees"
	if len(r.Equity) < 2 {
		add(id, title, nil, "the report has fewer than two equity samples")
		return
	}
	var pnl, spread, inv, fees []svgchart.XY
	var sc, fe decimal.Decimal
	j := 0
	for _, e := range r.Equity {
		for ; j < len(r.Fills) && r.Fills[j].Time <= e.Time; j++ {
			f := r.Fills[j]
			if f.Mid.Valid {
				d := f.Mid.Decimal.Sub(f.Price).Mul(f.Qty)
				if f.Side == "sell" {
					d = d.Neg()
				}
				sc = sc.Add(d)
			}
			fe = fe.Add(f.Fee)
		}
		x := secs(e.Time)
		p := e.Equity.Sub(r.Settings.InitialBalance)
		pnl = append(pnl, svgchart.XY{X: x, Y: p.InexactFloat64()})
		spread = append(spread, svgchart.XY{X: x, Y: sc.InexactFloat64()})
		fees = append(fees, svgchart.XY{X: x, Y: fe.Neg().InexactFloat64()})
		inv = append(inv, svgchart.XY{X: x, Y: p.Sub(sc).Add(fe).InexactFloat64()})
	}
	pl := newPlot(axis, "quote")
	for _, s := range []struct {
		name  string
		xys   []svgchart.XY
		c     svgchart.Color
		width float64
	}{{"PnL", pnl, svgchart.Black, 1.8}, {"spread capture", spread, green, 1}, {"inventory", inv, blue, 1}, {"− fees", fees, red, 1}} {
		xys := clean(s.xys)
		if len(xys) < 2 {
			continue
		}
		pl.Series = append(pl.Series, &svgchart.Line{Name: s.name, Points: xys, Color: s.c, Width: s.width})
	}
	pl.LegendLeft = true
	add(id, title, pl, "")
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// clean drops the points that are not finite, which a chart cannot place (it would
// skip them too, but a chart is only drawn with two points it can place).
func clean(xys []svgchart.XY) []svgchart.XY {
	out := xys[:0:0]
	for _, xy := range xys {
		if finite(xy.X) && finite(xy.Y) {
			out = append(out, xy)
		}
	}
	return out
}

// lineChart adds a line chart of xys, or note when there are fewer than two points.
func lineChart(add func(string, string, *svgchart.Chart, string), id, title, xLabel, yLabel string, xys []svgchart.XY, c svgchart.Color, note string) {
	xys = clean(xys)
	if len(xys) < 2 {
		add(id, title, nil, note)
		return
	}
	p := newPlot(xLabel, yLabel)
	p.Series = append(p.Series, &svgchart.Line{Points: xys, Color: c, Width: 1})
	add(id, title, p, "")
}

// priceChart adds the mid price with our buys and sells marked.
func priceChart(add func(string, string, *svgchart.Chart, string), mid []svgchart.XY, fills []backtest.FillRecord, secs func(int64) float64, axis string) {
	var buys, sells []svgchart.XY
	for _, f := range fills {
		xy := svgchart.XY{X: secs(f.Time), Y: f.Price.InexactFloat64()}
		if f.Side == "buy" {
			buys = append(buys, xy)
		} else {
			sells = append(sells, xy)
		}
	}
	mid, buys, sells = clean(mid), clean(buys), clean(sells)
	if len(mid) < 2 && len(buys)+len(sells) == 0 {
		add("price", "Mid price and fills", nil, "the report has no prices and no fills")
		return
	}
	p := newPlot(axis, "price (quote)")
	if len(mid) >= 2 {
		p.Series = append(p.Series, &svgchart.Line{Name: "mid", Points: mid, Color: grey, Width: 0.75})
	}
	for _, m := range []struct {
		name  string
		xys   []svgchart.XY
		c     svgchart.Color
		glyph svgchart.Glyph
	}{
		{"buy", buys, green, svgchart.TriangleUp},
		{"sell", sells, red, svgchart.TriangleDown},
	} {
		if len(m.xys) == 0 {
			continue
		}
		p.Series = append(p.Series, &svgchart.Scatter{Name: m.name, Points: m.xys, Color: m.c, Glyph: m.glyph, Radius: 3})
	}
	add("price", "Mid price and our fills (buys ▲ green, sells ▼ red)", p, "")
}

// latencyBins is the number of bins of a latency histogram.
const latencyBins = 40

// latencyPlot draws stage st's histogram: bins of equal width on a logarithmic axis
// of microseconds, from the fastest sample to the 99.9th percentile. The telemetry
// histograms expose percentiles, not buckets, so each bin's count is read from the
// distribution function, found by bisecting the percentiles.
func latencyPlot(lat *telemetry.Latency, st telemetry.Stage) (*svgchart.Chart, string) {
	count := float64(lat.Count(st))
	title := fmt.Sprintf("Latency: %s (%d samples; p50 %s, p99 %s, max %s)", st, lat.Count(st),
		us(lat.Percentile(st, 50)), us(lat.Percentile(st, 99)), us(lat.Max(st)))
	// cdf returns the fraction of samples at or below ns.
	cdf := func(ns float64) float64 {
		lo, hi := 0.0, 100.0
		for range 40 {
			mid := (lo + hi) / 2
			if float64(lat.Percentile(st, mid)) <= ns {
				lo = mid
			} else {
				hi = mid
			}
		}
		return lo / 100
	}
	const floor = 1.0 // ns: the log axis cannot hold 0
	from := math.Log10(max(float64(lat.Percentile(st, 0)), floor))
	to := math.Log10(max(float64(lat.Percentile(st, 99.9)), floor))
	if to-from < 0.1 {
		from, to = from-0.05, to+0.05
	}
	var bins []svgchart.Bin
	below := 0.0
	for k := 1; k <= latencyBins; k++ {
		lo := math.Pow(10, from+(to-from)*float64(k-1)/latencyBins)
		hi := math.Pow(10, from+(to-from)*float64(k)/latencyBins)
		at := cdf(hi)
		bins = append(bins, svgchart.Bin{Min: lo / 1e3, Max: hi / 1e3, Weight: math.Round(count * (at - below))})
		below = at
	}
	p := newPlot("latency (µs, log scale), fastest to the 99.9th percentile", "samples")
	p.X.Log = true
	p.Series = append(p.Series, &svgchart.Histogram{Bins: bins, Color: blue})
	return p, title
}

// us formats ns as microseconds with two decimals.
func us(ns int64) string { return strconv.FormatFloat(float64(ns)/1e3, 'f', 2, 64) + "µs" }

// newPlot is a chart with its axes' labels; renderAll sizes it.
func newPlot(x, y string) *svgchart.Chart {
	return &svgchart.Chart{X: svgchart.Axis{Label: x}, Y: svgchart.Axis{Label: y}}
}

// render draws c as an SVG element ready to inline in HTML5.
func render(c *svgchart.Chart) (template.HTML, error) {
	s, err := c.SVG()
	if err != nil {
		return "", err
	}
	// The chart package escapes every text it writes.
	return template.HTML(s), nil
}

// pageTemplate parses the page's template on first use, not at package initialisation:
// every nanotick command links this package, and parsing costs each one some 500
// allocations before main.
var pageTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("page").Parse(pageSource))
})

const pageSource = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{.Title}}</title>
<style>
body { font-family: sans-serif; margin: 1.5em 2.5em; color: #222; }
h1 { font-size: 1.4em; }
h2 { font-size: 1.1em; margin-top: 2em; }
table { border-collapse: collapse; }
td { padding: 0.2em 1em 0.2em 0; border-bottom: 1px solid #ddd; vertical-align: top; }
td:first-child { color: #555; white-space: nowrap; }
td:last-child { font-family: monospace; }
svg { width: 100%; height: auto; }
h3 { font-size: 1em; margin: 1.2em 0 0.4em; font-weight: normal; color: #333; }
p.note { color: #777; font-style: italic; }
table.grid td, table.grid th { padding: 0.2em 0.8em; border-bottom: 1px solid #ddd; text-align: right; font-family: monospace; }
table.grid td:first-child, table.grid th:first-child { text-align: left; }
table.grid th { font-family: sans-serif; font-weight: normal; color: #555; }
table.grid td.text { text-align: left; font-family: sans-serif; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<table id="summary">
{{range .Summary}}<tr><td>{{.Name}}</td><td>{{.Value}}</td></tr>
{{end}}</table>
{{if .Timing}}<table id="timing">
{{range .Timing}}<tr><td>{{.Name}}</td><td>{{.Value}}</td></tr>
{{end}}</table>
{{end}}{{range .Charts}}<section id="{{.ID}}">
<h2>{{.Title}}</h2>
{{if .SVG}}{{.SVG}}{{else}}<p class="note">Not charted: {{.Note}}.</p>{{end}}
</section>
{{end}}<section id="fills">
<h2>Why each fill happened</h2>
<table class="grid">
<tr><th>cause</th><th>fills</th><th>quantity</th><th>meaning</th></tr>
{{range .Causes}}<tr><td>{{.Cause}}</td><td>{{.Fills}}</td><td>{{.Qty}}</td><td class="text">{{.Meaning}}</td></tr>
{{end}}</table>
{{if .FillRows}}<details><summary>Every fill, with the queue estimate (quantity ahead) when the order joined its level and just before the event that filled it</summary>
<table class="grid">
<tr><th>t (s)</th><th>order</th><th>side</th><th>price</th><th>qty</th><th>role</th><th>cause</th><th>ahead at placement</th><th>ahead at fill</th></tr>
{{range .FillRows}}<tr><td>{{.T}}</td><td>{{.Order}}</td><td>{{.Side}}</td><td>{{.Price}}</td><td>{{.Qty}}</td><td>{{.Role}}</td><td>{{.Cause}}</td><td>{{.AheadPlace}}</td><td>{{.AheadFill}}</td></tr>
{{end}}</table>
{{if .FillNote}}<p class="note">Listed: {{.FillNote}}.</p>{{end}}</details>
{{else}}<p class="note">No fills.</p>
{{end}}</section>
{{range .Sheets}}<section id="{{.ID}}">
<h2>{{.Title}}</h2>
{{range .Tables}}{{template "table" .}}{{end}}{{range .Charts}}<h3 id="{{.ID}}">{{.Title}}</h3>
{{if .SVG}}{{.SVG}}{{else}}<p class="note">Not charted: {{.Note}}.</p>{{end}}
{{end}}</section>
{{end}}<section id="pnl-by-hour">
<h2>PnL by hour</h2>
{{template "table" .Hours}}{{if .HourChart.SVG}}{{.HourChart.SVG}}{{end}}
</section>
</body>
</html>
{{define "table"}}<h3>{{.Title}}</h3>
{{if .Rows}}<table class="grid">
<tr>{{range .Head}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>
{{end}}</table>
{{end}}{{if .Note}}<p class="note">{{.Note}}.</p>
{{end}}{{end}}`

// sharpeText is the Sharpe ratio with its sample size, or why it is not reported.
func sharpeText(res *backtest.Result) string {
	if res.Sharpe == 0 {
		return res.SharpeNote
	}
	return ffmt(res.Sharpe, 4) + " (" + res.SharpeNote + ")"
}
