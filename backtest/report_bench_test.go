package backtest

import (
	"testing"

	"github.com/nanotick/nanotick/examples/strategies"
	"github.com/nanotick/nanotick/strategy/script"
)

// finishedReplay runs the market maker (the JavaScript one, or its Go twin) over the
// spot recording with the order log on, as `nanotick backtest` runs it, and returns
// the replay at its end, before its report is built.
func finishedReplay(b *testing.B, js bool) *replay {
	b.Helper()
	cfg := spotBacktest(b)
	cfg.OrderLog = true
	if js {
		filename, src, err := strategies.Script("market_maker")
		if err != nil {
			b.Fatal(err)
		}
		if cfg.Strategy, err = script.Compile(filename, src, script.Options{}); err != nil {
			b.Fatal(err)
		}
		cfg.StrategyName = "market_maker"
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
// JavaScript market maker (about 1800 fills, its order log on), and nothing else: the
// replay runs once, in the setup. It compiles against the builders before session 10
// too, so the two builds can be alternated.
func BenchmarkReportBuild(b *testing.B) {
	r := finishedReplay(b, true)
	b.ReportAllocs()
	start := cpuClock()
	var fills int
	for b.Loop() {
		fills = len(r.report().Fills)
	}
	b.ReportMetric(float64(cpuClock()-start)/float64(b.N)/1e3, "cpu-us/op")
	b.ReportMetric(float64(fills), "fills")
}
