package htmlreport

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nanotick/nanotick/backtest"
	"github.com/nanotick/nanotick/backtest/htmlreport/svgchart"
)

// table is a titled grid of text cells.
type table struct {
	Title string
	Head  []string
	Rows  [][]string
	Note  string
}

// sheetView is one instrument's tearsheet (or the total) as the page shows it.
type sheetView struct {
	ID, Title string
	Tables    []table
	Charts    []chart
}

// sheetViews lays out the report's tearsheet: one section per instrument, and one for
// the total when there are several.
func sheetViews(r *backtest.Report, o Options) ([]sheetView, error) {
	ts := r.Tearsheet
	if ts == nil {
		ts = backtest.ComputeTearsheet(r)
	}
	sheets := ts.Instruments
	if len(sheets) > 1 {
		sheets = append(sheets[:len(sheets):len(sheets)], ts.Total)
	}
	var out []sheetView
	for _, s := range sheets {
		v := sheetView{ID: "tearsheet-" + slug(s.Name), Title: "Tearsheet: " + s.Name}
		v.Tables = sheetTables(&s, r.MarkoutHorizons)
		id := slug(s.Name)
		if p := markoutPlot(&s, r.MarkoutHorizons); p != nil {
			const title = "Mean markout after the fill, by side and role (bps; above 0: the market moved our way)"
			p.Title, p.Width, p.Height = title, o.Width, o.Height
			svg, err := render(p)
			if err != nil {
				return nil, fmt.Errorf("htmlreport: markout chart: %w", err)
			}
			v.Charts = append(v.Charts, chart{ID: "markouts-" + id, Title: title, SVG: svg})
		} else {
			v.Charts = append(v.Charts, chart{ID: "markouts-" + id, Title: "Markouts", Note: "no fills"})
		}
		for _, d := range []struct {
			id, title string
			dist      backtest.Distribution
		}{
			{"order-to-ack-" + id, "Order-to-ack latency (engine sends → ack reaches the strategy)", s.OrderToAck},
			{"order-to-fill-" + id, "Order-to-fill latency (engine sends → each fill reaches the strategy)", s.OrderToFill},
		} {
			c := chart{ID: d.id, Title: d.title}
			if d.dist.Count == 0 {
				c.Note = "no samples (the order-to-ack latency needs the order log)"
			} else {
				p := histogramPlot(d.dist.Samples)
				p.Title, p.Width, p.Height = d.title, o.Width, o.Height*0.8
				svg, err := render(p)
				if err != nil {
					return nil, fmt.Errorf("htmlreport: chart %s: %w", d.id, err)
				}
				c.SVG = svg
			}
			v.Charts = append(v.Charts, c)
		}
		out = append(out, v)
	}
	return out, nil
}

// slug makes a name safe in an HTML id.
func slug(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '-' || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	return b.String()
}

func pct(f float64) string { return ffmt(100*f, 2) + " %" }

// dur formats ns as a duration rounded to µs.
func dur(ns int64) string { return time.Duration(ns).Round(time.Microsecond).String() }

func sheetTables(s *backtest.InstrumentSheet, horizons []string) []table {
	rt := s.RoundTrips
	trips := table{Title: "Round trips (flat to flat)", Head: []string{"trips", "win rate", "total PnL", "PnL per trip", "mean holding", "median holding", "max holding"}}
	if rt.Count > 0 {
		trips.Rows = [][]string{{strconv.Itoa(rt.Count), pct(rt.WinRate) + " (" + strconv.Itoa(rt.Wins) + ")", rt.TotalPnL.String(), rt.MeanPnL.String(), dur(rt.MeanHoldingNs), dur(rt.MedianHoldingNs), dur(rt.MaxHoldingNs)}}
	} else {
		trips.Note = "no closed round trip"
	}
	if rt.OpenAtEnd {
		trips.Note = strings.TrimPrefix(trips.Note+"; the position was open at the end: that trip is not counted", "; ")
	}

	head := []string{"side", "role", "fills", "at fill"}
	for _, h := range horizons {
		head = append(head, "+"+h)
	}
	mk := table{Title: "Markouts, mean bps: sign × (mid − fill price) / fill price; at fill = spread captured, later = adverse selection when below it", Head: head}
	for _, m := range s.Markouts {
		row := []string{m.Side, m.Role, strconv.Itoa(m.Fills), bps(m.AtFillBps)}
		for h := range m.Bps {
			row = append(row, bps(m.Bps[h])+" (n "+strconv.Itoa(m.N[h])+")")
		}
		mk.Rows = append(mk.Rows, row)
	}
	if len(mk.Rows) == 0 {
		mk.Note = "no fills"
	}

	p := s.PnL
	split := table{Title: "PnL split: spread capture + inventory − fees = PnL", Head: []string{"spread capture", "inventory", "fees", "PnL"},
		Rows: [][]string{{p.SpreadCapture.String(), p.Inventory.String(), p.Fees.String(), p.PnL.String()}}}

	os := s.Orders
	ords := table{Title: "Orders", Head: []string{"sent", "cancels sent", "fills", "order-to-trade", "orders filled", "fill ratio", "quantity fill ratio"}}
	if os.FromOrderLog {
		ords.Rows = [][]string{{strconv.Itoa(os.Sent), strconv.FormatUint(os.CancelsSent, 10), strconv.Itoa(os.Fills), ffmt(os.OrderToTrade, 2),
			strconv.Itoa(os.Filled) + " of " + strconv.Itoa(os.Arrived), pct(os.FillRatio), pct(os.QtyFillRatio)}}
	} else {
		ords.Rows = [][]string{{strconv.Itoa(os.Sent), strconv.FormatUint(os.CancelsSent, 10), strconv.Itoa(os.Fills), ffmt(os.OrderToTrade, 2), "–", "–", "–"}}
		ords.Note = "the fill ratios need the order log, which this run did not keep"
	}

	q := s.Quoting
	quoting := table{Title: "Quoting, share of the " + dur(q.BookValidNs) + " the exchange's book was valid", Head: []string{"side", "an order resting", "an order at the touch"},
		Rows: [][]string{{"bid", pct(q.BidResting), pct(q.BidAtTouch)}, {"ask", pct(q.AskResting), pct(q.AskAtTouch)}}}
	if q.BookValidNs == 0 {
		quoting = table{Title: "Quoting", Note: "not measured: this report has no quoting clock for this instrument (the exchange's book was never valid, or the report predates per-instrument clocks)"}
	}

	lat := table{Title: "Order path latency", Head: []string{"", "samples", "min", "p50", "p90", "p99", "max", "mean"}}
	for _, d := range []struct {
		name string
		d    backtest.Distribution
	}{{"order → ack", s.OrderToAck}, {"order → fill", s.OrderToFill}} {
		if d.d.Count == 0 {
			lat.Rows = append(lat.Rows, []string{d.name, "0", "–", "–", "–", "–", "–", "–"})
			continue
		}
		lat.Rows = append(lat.Rows, []string{d.name, strconv.Itoa(d.d.Count), dur(d.d.MinNs), dur(d.d.P50Ns), dur(d.d.P90Ns), dur(d.d.P99Ns), dur(d.d.MaxNs), dur(d.d.MeanNs)})
	}
	return []table{trips, mk, split, ords, quoting, lat}
}

func bps(v *float64) string {
	if v == nil {
		return "–"
	}
	return ffmt(*v, 3)
}

// markoutPlot draws the mean markout of each side and role at the fill and at each
// horizon, the horizons evenly spaced and labelled.
func markoutPlot(s *backtest.InstrumentSheet, horizons []string) *svgchart.Chart {
	if len(s.Markouts) == 0 {
		return nil
	}
	labels := append([]string{"fill"}, horizons...)
	p := newPlot("time after the fill", "mean markout (bps)")
	p.X.Ticks = labelTicks(labels)
	// A margin at both ends for the points' glyphs and labels (the legend is above).
	p.X.Min, p.X.Max = -0.2, float64(len(labels)-1)+0.2
	i := 0
	for _, m := range s.Markouts {
		var xys []svgchart.XY
		if m.AtFillBps != nil {
			xys = append(xys, svgchart.XY{X: 0, Y: *m.AtFillBps})
		}
		for h, v := range m.Bps {
			if v != nil {
				xys = append(xys, svgchart.XY{X: float64(h + 1), Y: *v})
			}
		}
		xys = clean(xys)
		if len(xys) == 0 {
			continue
		}
		c := seriesColors[i%len(seriesColors)]
		i++
		width := 1.2
		if m.Side == "all" && m.Role == "all" {
			width = 2.5
		}
		p.Series = append(p.Series, &svgchart.Line{Name: m.Side + " " + m.Role + " (" + strconv.Itoa(m.Fills) + ")",
			Points: xys, Color: c, Width: width, Glyph: svgchart.Circle, Radius: 2.5})
	}
	p.Series = append(p.Series, &svgchart.Rule{Y: 0, Color: svgchart.Black})
	return p
}

// labelTicks marks the axis at 0, 1, 2, ... with labels.
func labelTicks(labels []string) func(min, max float64) []svgchart.Tick {
	return func(float64, float64) []svgchart.Tick {
		ticks := make([]svgchart.Tick, len(labels))
		for i, l := range labels {
			ticks[i] = svgchart.Tick{Value: float64(i), Label: l}
		}
		return ticks
	}
}

// histogramPlot draws sorted latency samples (ns) as a histogram on a logarithmic
// axis of microseconds, from the fastest to the slowest.
func histogramPlot(sorted []int64) *svgchart.Chart {
	const bins = 40
	lo := math.Log10(max(float64(sorted[0]), 1) / 1e3)
	hi := math.Log10(max(float64(sorted[len(sorted)-1]), 1) / 1e3)
	if hi-lo < 0.1 {
		lo, hi = lo-0.05, hi+0.05
	}
	hb := make([]svgchart.Bin, bins)
	for k := range hb {
		hb[k].Min = math.Pow(10, lo+(hi-lo)*float64(k)/bins)
		hb[k].Max = math.Pow(10, lo+(hi-lo)*float64(k+1)/bins)
	}
	for _, ns := range sorted {
		x := math.Log10(max(float64(ns), 1) / 1e3)
		k := int(float64(bins) * (x - lo) / (hi - lo))
		hb[max(0, min(k, bins-1))].Weight++
	}
	p := newPlot("latency (log scale)", "samples")
	p.X.Log = true
	p.X.Ticks = durationTicks
	p.Series = append(p.Series, &svgchart.Histogram{Bins: hb, Color: blue})
	return p
}

// durationTicks marks a logarithmic axis of microseconds with durations: at 1, 2 and
// 5 times each power of ten, labelled "500µs", "2ms", "1s". Where fewer than two of
// them fall between min and max, it also labels both ends, to three significant
// digits ("8.91ms"), unless that repeats a label.
func durationTicks(min, max float64) []svgchart.Tick {
	var ticks []svgchart.Tick
	seen := map[string]bool{}
	for e := math.Floor(math.Log10(min)); e <= math.Ceil(math.Log10(max)); e++ {
		for _, m := range []float64{1, 2, 5} {
			v := m * math.Pow(10, e)
			if v >= min && v <= max {
				l := time.Duration(math.Round(v * 1e3)).String()
				ticks = append(ticks, svgchart.Tick{Value: v, Label: l})
				seen[l] = true
			}
		}
	}
	if len(ticks) < 2 {
		for _, v := range []float64{min, max} {
			l := durationLabel(v)
			if seen[l] {
				l = ""
			}
			ticks = append(ticks, svgchart.Tick{Value: v, Label: l})
			seen[l] = true
		}
		slices.SortFunc(ticks, func(a, b svgchart.Tick) int { return cmp.Compare(a.Value, b.Value) })
	}
	return ticks
}

// durationLabel is us microseconds as a duration rounded to three significant digits.
func durationLabel(us float64) string {
	ns := math.Round(us * 1e3)
	if ns < 1 {
		return time.Duration(ns).String()
	}
	unit := math.Pow(10, max(0, math.Floor(math.Log10(ns))-2))
	return time.Duration(math.Round(ns/unit) * unit).String()
}

// seriesColors tell the lines of one chart apart.
var seriesColors = []svgchart.Color{
	green, red, blue, {R: 0xff, G: 0x7f, B: 0x0e}, {R: 0x94, G: 0x67, B: 0xbd}, {R: 0x8c, G: 0x56, B: 0x4b}, svgchart.Black,
}

// hourTable and hourPlot show the PnL by UTC hour.
func hourTable(ts *backtest.Tearsheet) table {
	t := table{Title: "PnL by UTC hour of data time (equity change within the hour)", Head: []string{"hour", "PnL", "fills"}}
	for _, h := range ts.PnLByHour {
		t.Rows = append(t.Rows, []string{h.Hour, h.PnL.String(), strconv.Itoa(h.Fills)})
	}
	if len(t.Rows) == 0 {
		t.Note = "no equity samples"
	}
	return t
}

func hourPlot(ts *backtest.Tearsheet) *svgchart.Chart {
	if len(ts.PnLByHour) == 0 {
		return nil
	}
	vals := make([]float64, len(ts.PnLByHour))
	var names []string
	for i, h := range ts.PnLByHour {
		vals[i] = h.PnL.InexactFloat64()
		names = append(names, strings.TrimSuffix(h.Hour[5:], "Z")+"h")
	}
	p := newPlot("UTC hour", "PnL (quote)")
	p.X.Ticks = labelTicks(names)
	p.Series = append(p.Series, &svgchart.Bars{Values: vals, Width: 18, Color: blue})
	return p
}
