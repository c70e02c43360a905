package backtest

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/nanotick/nanotick/instrument"
)

// ReportCase is a run the report's builders are checked on.
type ReportCase struct {
	Name   string
	Config func(testing.TB) Config // a fresh one each call: a strategy keeps state
}

// ReportCases are the runs whose reports must come out byte-identical from the
// builders before and after session 10: both shared recordings with the Go and the
// JavaScript market maker, fees, funding (USD-M), a latency file and the power-law
// queue, the order log off, and the spot market maker hedged on the perpetual (two
// instruments).
func ReportCases() []ReportCase {
	withLog := func(f func(t testing.TB) Config) func(testing.TB) Config {
		return func(t testing.TB) Config {
			cfg := f(t)
			cfg.OrderLog = true
			return cfg
		}
	}
	return []ReportCase{
		{"spot/go", withLog(func(t testing.TB) Config { return spotBacktest(t) })},
		{"spot/js", withLog(func(t testing.TB) Config {
			cfg := spotBacktest(t)
			jsStrategy(t, &cfg)
			return cfg
		})},
		{"spot/go/no-order-log", func(t testing.TB) Config { return spotBacktest(t) }},
		{"spot/js/latency-file/power-law", withLog(func(t testing.TB) Config {
			cfg := spotBacktest(t)
			jsStrategy(t, &cfg)
			lat, err := ParseLatency(strings.NewReader("1ms 2ms\n3ms 1ms\n0s 0s\n20ms 5ms\n"), 7)
			if err != nil {
				t.Fatal(err)
			}
			cfg.Latency, cfg.Queue, cfg.QueuePower = lat, PowerLaw, 2
			cfg.MakerFeeBps, cfg.TakerFeeBps = 1.25, 7.5
			return cfg
		})},
		{"usdm/go", withLog(func(t testing.TB) Config { return usdmRun(t, false) })},
		{"usdm/js", withLog(func(t testing.TB) Config { return usdmRun(t, true) })},
		{"spot+usdm/spotperp", withLog(func(t testing.TB) Config { return spotPerpBacktest(t) })},
	}
}

// ReportAndReference runs cfg over its recordings, decoded inline, and returns the
// report the replay builds and the one the builders before session 10 (refFillLog,
// refOrderLog, refComputeTearsheet, kept in report_ref_test.go) make of the same run.
func ReportAndReference(cfg Config) (rep, ref *Report, err error) {
	sets := [][]string{cfg.Data}
	if len(cfg.Instruments) > 0 {
		sets = sets[:0]
		for _, in := range cfg.Instruments {
			sets = append(sets, in.Data)
		}
	}
	table, err := cfg.Engine.InstrumentTable()
	if err != nil {
		return nil, nil, err
	}
	var srcs []eventSource
	for i, files := range sets {
		dec, err := newEventDecoder(cfg.Engine.NewFeed, table.At(instrument.Index(i)), cfg.Engine.BookCapacity)
		if err != nil {
			return nil, nil, err
		}
		rd, err := cfg.Open(files...)
		if err != nil {
			return nil, nil, err
		}
		defer rd.Close()
		srcs = append(srcs, &inlineEvents{src: recordsSource{rd}, dec: dec.onlyFor(cfg.ExchangeTime)})
	}
	r, err := newReplay(cfg, nil, srcs...)
	if err != nil {
		return nil, nil, err
	}
	if err := r.run(); err != nil {
		return nil, nil, err
	}
	rep = r.report()
	old := *rep
	// As replay.report and replay.totals assemble the logs.
	ec := r.cfg.Engine
	old.Fills = r.ex.refFillLog(ec.Instrument.PriceScale, ec.Instrument.QtyScale)
	old.OrderLog = r.ex.refOrderLog(ec.Instrument.PriceScale, ec.Instrument.QtyScale)
	if len(r.lanes) > 1 {
		for _, l := range r.lanes[1:] {
			for _, f := range l.ex.refFillLog(l.priceScale, l.qtyScale) {
				f.Instrument = l.name
				old.Fills = append(old.Fills, f)
			}
			for _, o := range l.ex.refOrderLog(l.priceScale, l.qtyScale) {
				o.Instrument = l.name
				old.OrderLog = append(old.OrderLog, o)
			}
		}
		for i := range old.Fills {
			if old.Fills[i].Instrument == "" {
				old.Fills[i].Instrument = r.lanes[0].name
			}
		}
		for i := range old.OrderLog {
			if old.OrderLog[i].Instrument == "" {
				old.OrderLog[i].Instrument = r.lanes[0].name
			}
		}
		sort.SliceStable(old.Fills, func(i, j int) bool { return old.Fills[i].Time < old.Fills[j].Time })
		sort.SliceStable(old.OrderLog, func(i, j int) bool { return old.OrderLog[i].ID < old.OrderLog[j].ID })
	}
	if len(old.Fills) != len(rep.Fills) {
		return nil, nil, fmt.Errorf("reference: %d fills, report %d", len(old.Fills), len(rep.Fills))
	}
	if rep.Tearsheet != nil {
		old.Tearsheet = refComputeTearsheet(&old)
	}
	return rep, &old, nil
}
