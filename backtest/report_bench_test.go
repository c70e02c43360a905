package backtest

import (
	"testing"

	"github.com/nanotick/nanotick/strategy"
)

// finishedReplay runs the market maker (the JavaScript one, or its Go twin) over the
// spot recording with the order log on, as `nanotick backtest` runs it, and returns
// the replay at its end, before its report is built. tight quotes closer and requotes
// more often, on the power-law queue: about 7 times the fills.
func finishedReplay(b *testing.B, js, tight bool) *replay {
	b.Helper()
	cfg := spotBacktest(b)
	cfg.OrderLog = true
	if tight {
		cfg.Engine.Params = strategy.Params{"halfSpreadBps": 0.1, "requoteBps": 0.1}
		cfg.Queue = PowerLaw
	}
	if js {
		jsStrategy(b, &cfg)
	}
	frames, err := LoadFrames(cfg, 0)
	if err != nil {
		b.Fatal(err)
	}
	cfg.Data = frames.data
	r, err := newReplay(cfg, nil, &framesSource{f: frames})
	if err != nil {
		b.Fatal(err)
	}
	if err := r.run(); err != nil {
		b.Fatal(err)
	}
	return r
}

// BenchmarkReportBuild times building the report at the end of a spot run of the
// JavaScript market maker, its order log on, and nothing else: the replay runs once, in
// the setup. quotes=default is the market maker as it ships (35 fills, 300 orders),
// quotes=tight (finishedReplay) has more fills. It compiles against the builders before
// session 10 too, so the two builds can be alternated.
func BenchmarkReportBuild(b *testing.B) {
	for _, tight := range []bool{false, true} {
		name := "quotes=default"
		if tight {
			name = "quotes=tight"
		}
		b.Run(name, func(b *testing.B) {
			r := finishedReplay(b, true, tight)
			b.ReportAllocs()
			start := cpuClock()
			var fills, orders int
			for b.Loop() {
				rep := r.report()
				fills, orders = len(rep.Fills), len(rep.OrderLog)
			}
			b.ReportMetric(float64(cpuClock()-start)/float64(b.N)/1e3, "cpu-us/op")
			b.ReportMetric(float64(fills), "fills")
			b.ReportMetric(float64(orders), "orders")
		})
	}
}
