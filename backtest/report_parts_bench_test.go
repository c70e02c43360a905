package backtest

import (
	"testing"
	"time"
)

// BenchmarkReportParts alternates, iteration by iteration, the report's builders before
// session 10 (report_ref_test.go) and now, over one finished spot run of the
// JavaScript market maker, and reports each one's time and the ratio, old/new: the
// logs (fillLog and orderLog), the tearsheet, and the drawdown, and all three.
func BenchmarkReportParts(b *testing.B) {
	r := finishedReplay(b, true, false)
	rep := r.report()
	ps, qs := r.cfg.Engine.Instrument.PriceScale, r.cfg.Engine.Instrument.QtyScale
	parts := []struct {
		name     string
		old, new func()
	}{
		{"logs", func() { r.ex.refFillLog(ps, qs); r.ex.refOrderLog(ps, qs) }, func() { r.ex.fillLog(ps, qs); r.ex.orderLog(ps, qs) }},
		{"tearsheet", func() { refComputeTearsheet(rep) }, func() { ComputeTearsheet(rep) }},
		{"drawdown", func() { drawdown(rep.Equity) }, func() { maxDrawdown(rep.Equity) }},
	}
	for _, p := range parts {
		b.Run(p.name, func(b *testing.B) {
			var old, cur time.Duration
			for b.Loop() {
				t0 := time.Now()
				p.old()
				t1 := time.Now()
				p.new()
				old, cur = old+t1.Sub(t0), cur+time.Since(t1)
			}
			b.ReportMetric(float64(old.Microseconds())/float64(b.N), "old-us")
			b.ReportMetric(float64(cur.Microseconds())/float64(b.N), "new-us")
			b.ReportMetric(old.Seconds()/cur.Seconds(), "x-faster")
		})
	}
	b.Logf("%d fills, %d orders, %d equity samples", len(rep.Fills), len(rep.OrderLog), len(rep.Equity))
}
