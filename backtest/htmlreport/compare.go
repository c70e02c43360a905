package htmlreport

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"sync"

	"github.com/nanotick/nanotick/backtest"
	"github.com/nanotick/nanotick/backtest/htmlreport/svgchart"
)

// Run is one backtest in a comparison: its report and the name it goes by (a file
// name, a sweep point).
type Run struct {
	Name   string
	Report *backtest.Report
}

// WriteCompare writes a self-contained page that sets several runs side by side: their
// settings and headline figures, their tearsheets' totals in one table (a column per
// run), and their PnL and position over time on one aligned time axis (seconds since
// each run's start, so runs over different data line up). Like Write, the bytes depend
// only on the inputs.
func WriteCompare(w io.Writer, runs []Run, o Options) error {
	if len(runs) < 2 {
		return errors.New("htmlreport: a comparison needs at least two runs")
	}
	o = o.withDefaults()
	page := comparePage{Title: o.Title}
	if page.Title == "" {
		page.Title = "nanotick: " + strconv.Itoa(len(runs)) + " backtests compared"
	}
	sheets := make([]*backtest.InstrumentSheet, len(runs))
	for i, r := range runs {
		if r.Report == nil {
			return fmt.Errorf("htmlreport: run %q has no report", r.Name)
		}
		page.Names = append(page.Names, r.Name)
		ts := r.Report.Tearsheet
		if ts == nil {
			ts = backtest.ComputeTearsheet(r.Report)
		}
		sheets[i] = &ts.Total
	}
	page.Rows = compareRows(runs, sheets)

	// PnL and position against seconds since each run's start.
	var pend []pending
	var span float64
	for _, series := range []struct {
		id, title, y string
		val          func(e backtest.EquityPoint, r *backtest.Report) float64
	}{
		{"compare-pnl", "PnL over time", "PnL (quote)", func(e backtest.EquityPoint, r *backtest.Report) float64 {
			return e.Equity.Sub(r.Settings.InitialBalance).InexactFloat64()
		}},
		{"compare-position", "Position over time", "position (base)", func(e backtest.EquityPoint, _ *backtest.Report) float64 {
			return e.Position.InexactFloat64()
		}},
	} {
		p := newPlot("data time, seconds since each run's start", series.y)
		n := 0
		for i, r := range runs {
			eq := r.Report.Equity
			if len(eq) < 2 {
				continue
			}
			xys := make([]svgchart.XY, 0, len(eq))
			for _, e := range eq {
				x := float64(e.Time-eq[0].Time) / 1e9
				span = max(span, x)
				xys = append(xys, svgchart.XY{X: x, Y: series.val(e, r.Report)})
			}
			if xys = clean(xys); len(xys) < 2 {
				continue
			}
			p.Series = append(p.Series, &svgchart.Line{Name: r.Name, Points: xys, Color: seriesColors[i%len(seriesColors)], Width: 1.2})
			n++
		}
		p.LegendLeft = true
		c := pending{c: chart{ID: series.id, Title: series.title}, timeAxis: true}
		if n > 0 {
			c.p = p
		} else {
			c.c.Note = "no run has two equity samples"
		}
		pend = append(pend, c)
	}
	mp := compareMarkouts(runs, sheets)
	pend = append(pend, pending{c: chart{ID: "compare-markouts", Title: "Mean markout of all fills (bps)", Note: "no fills"}, p: mp})
	charts, err := renderAll(pend, o, span)
	if err != nil {
		return err
	}
	page.Charts = charts
	var buf bytes.Buffer
	if err := compareTemplate().Execute(&buf, page); err != nil {
		return fmt.Errorf("htmlreport: %w", err)
	}
	_, err = w.Write(buf.Bytes())
	return err
}

type comparePage struct {
	Title  string
	Names  []string
	Rows   []compareRow
	Charts []chart
}

// compareRow is one figure across the runs; Group starts a new part of the table.
type compareRow struct {
	Group, Name string
	Values      []string
}

func compareRows(runs []Run, sheets []*backtest.InstrumentSheet) []compareRow {
	var rows []compareRow
	row := func(group, name string, f func(r *backtest.Report, s *backtest.InstrumentSheet) string) {
		cr := compareRow{Group: group, Name: name}
		for i, r := range runs {
			cr.Values = append(cr.Values, f(r.Report, sheets[i]))
		}
		rows = append(rows, cr)
	}
	row("Run", "strategy", func(r *backtest.Report, _ *backtest.InstrumentSheet) string { return r.Strategy })
	row("", "instrument", func(r *backtest.Report, _ *backtest.InstrumentSheet) string { return r.Symbol + " (" + r.Venue + ")" })
	row("", "period", func(r *backtest.Report, _ *backtest.InstrumentSheet) string { return r.Start + " (" + r.Duration + ")" })
	row("", "latency", func(r *backtest.Report, _ *backtest.InstrumentSheet) string { return r.Settings.Latency })
	row("", "fees maker / taker bps", func(r *backtest.Report, _ *backtest.InstrumentSheet) string {
		return ffmt(r.Settings.MakerFeeBps, 2) + " / " + ffmt(r.Settings.TakerFeeBps, 2)
	})
	row("", "queue model", func(r *backtest.Report, _ *backtest.InstrumentSheet) string { return r.Settings.QueueModel })
	row("", "exchange clock", func(r *backtest.Report, _ *backtest.InstrumentSheet) string {
		return r.Feed.ExchangeTime + ", " + r.Feed.ClockOffsetMode
	})
	row("Money", "PnL", func(r *backtest.Report, _ *backtest.InstrumentSheet) string { return r.Result.PnL.String() })
	row("", "return %", func(r *backtest.Report, _ *backtest.InstrumentSheet) string { return r.Result.ReturnPct.String() })
	row("", "max drawdown", func(r *backtest.Report, _ *backtest.InstrumentSheet) string { return r.Result.MaxDrawdown.String() })
	row("", "spread capture", func(_ *backtest.Report, s *backtest.InstrumentSheet) string { return s.PnL.SpreadCapture.String() })
	row("", "inventory", func(_ *backtest.Report, s *backtest.InstrumentSheet) string { return s.PnL.Inventory.String() })
	row("", "fees", func(_ *backtest.Report, s *backtest.InstrumentSheet) string { return s.PnL.Fees.String() })
	row("", "Sharpe", func(r *backtest.Report, _ *backtest.InstrumentSheet) string {
		if r.Result.Sharpe == 0 {
			return "not reported (" + strconv.Itoa(r.Result.SharpeSamples) + " daily returns)"
		}
		return ffmt(r.Result.Sharpe, 3) + " (" + strconv.Itoa(r.Result.SharpeSamples) + " daily returns)"
	})
	row("Trading", "fills (maker / taker)", func(r *backtest.Report, _ *backtest.InstrumentSheet) string {
		return strconv.FormatUint(r.Orders.Fills, 10) + " (" + strconv.FormatUint(r.Orders.MakerFills, 10) + " / " + strconv.FormatUint(r.Orders.TakerFills, 10) + ")"
	})
	row("", "volume", func(r *backtest.Report, _ *backtest.InstrumentSheet) string { return r.Result.Volume.String() })
	row("", "round trips (win rate)", func(_ *backtest.Report, s *backtest.InstrumentSheet) string {
		return strconv.Itoa(s.RoundTrips.Count) + " (" + pct(s.RoundTrips.WinRate) + ")"
	})
	row("", "PnL per trip", func(_ *backtest.Report, s *backtest.InstrumentSheet) string { return s.RoundTrips.MeanPnL.String() })
	row("", "median holding", func(_ *backtest.Report, s *backtest.InstrumentSheet) string { return dur(s.RoundTrips.MedianHoldingNs) })
	row("", "fill ratio", func(_ *backtest.Report, s *backtest.InstrumentSheet) string {
		if !s.Orders.FromOrderLog {
			return "–"
		}
		return pct(s.Orders.FillRatio)
	})
	row("", "order-to-trade", func(_ *backtest.Report, s *backtest.InstrumentSheet) string { return ffmt(s.Orders.OrderToTrade, 2) })
	row("", "at the touch bid / ask", func(_ *backtest.Report, s *backtest.InstrumentSheet) string {
		return pct(s.Quoting.BidAtTouch) + " / " + pct(s.Quoting.AskAtTouch)
	})
	for h := range maxHorizons(runs) {
		row("", "markout all fills +"+horizonName(runs, h), func(r *backtest.Report, s *backtest.InstrumentSheet) string {
			for _, m := range s.Markouts {
				if m.Side == "all" && m.Role == "all" && h < len(m.Bps) {
					return bps(m.Bps[h]) + " bps"
				}
			}
			return "–"
		})
	}
	row("", "order → fill p50", func(_ *backtest.Report, s *backtest.InstrumentSheet) string {
		if s.OrderToFill.Count == 0 {
			return "–"
		}
		return dur(s.OrderToFill.P50Ns)
	})
	return rows
}

func maxHorizons(runs []Run) int {
	n := 0
	for _, r := range runs {
		n = max(n, len(r.Report.MarkoutHorizons))
	}
	return n
}

func horizonName(runs []Run, h int) string {
	for _, r := range runs {
		if h < len(r.Report.MarkoutHorizons) {
			return r.Report.MarkoutHorizons[h]
		}
	}
	return strconv.Itoa(h)
}

// compareMarkouts draws each run's mean markout of all its fills at the fill and at
// each horizon.
func compareMarkouts(runs []Run, sheets []*backtest.InstrumentSheet) *svgchart.Chart {
	n := maxHorizons(runs)
	p := newPlot("time after the fill", "mean markout (bps)")
	labels := []string{"fill"}
	for h := range n {
		labels = append(labels, horizonName(runs, h))
	}
	p.X.Ticks = labelTicks(labels)
	p.X.Min, p.X.Max = -0.2, float64(n)+0.2
	for i, s := range sheets {
		for _, m := range s.Markouts {
			if m.Side != "all" || m.Role != "all" {
				continue
			}
			var xys []svgchart.XY
			if m.AtFillBps != nil {
				xys = append(xys, svgchart.XY{X: 0, Y: *m.AtFillBps})
			}
			for h, v := range m.Bps {
				if v != nil {
					xys = append(xys, svgchart.XY{X: float64(h + 1), Y: *v})
				}
			}
			if xys = clean(xys); len(xys) == 0 {
				continue
			}
			p.Series = append(p.Series, &svgchart.Line{Name: runs[i].Name, Points: xys, Color: seriesColors[i%len(seriesColors)],
				Width: 1.5, Glyph: svgchart.Ring, Radius: 2.5})
		}
	}
	if len(p.Series) == 0 {
		return nil
	}
	p.Series = append(p.Series, &svgchart.Rule{Y: 0, Color: svgchart.Black})
	return p
}

// compareTemplate parses the comparison page's template on first use, not at package initialisation:
// every nanotick command links this package, and parsing costs each one some 500
// allocations before main.
var compareTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("compare").Parse(compareSource))
})

const compareSource = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{.Title}}</title>
<style>
body { font-family: sans-serif; margin: 1.5em 2.5em; color: #222; }
h1 { font-size: 1.4em; }
h2 { font-size: 1.1em; margin-top: 2em; }
table { border-collapse: collapse; }
td, th { padding: 0.2em 1em 0.2em 0; border-bottom: 1px solid #ddd; vertical-align: top; text-align: right; }
td { font-family: monospace; }
td.name, th.name { text-align: left; font-family: sans-serif; color: #555; white-space: nowrap; }
tr.group td { border-top: 2px solid #999; }
th { font-weight: bold; }
svg { width: 100%; height: auto; }
p.note { color: #777; font-style: italic; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<section id="compare-table">
<table>
<tr><th class="name"></th>{{range .Names}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr{{if .Group}} class="group"{{end}}><td class="name">{{if .Group}}<b>{{.Group}}</b> {{end}}{{.Name}}</td>{{range .Values}}<td>{{.}}</td>{{end}}</tr>
{{end}}</table>
</section>
{{range .Charts}}<section id="{{.ID}}">
<h2>{{.Title}}</h2>
{{if .SVG}}{{.SVG}}{{else}}<p class="note">Not charted: {{.Note}}.</p>{{end}}
</section>
{{end}}</body>
</html>
`
