package backtest

import (
	"errors"
	"os/exec"
	"syscall"
	"testing"

	"github.com/nanotick/nanotick/examples/strategies"
	"github.com/nanotick/nanotick/feeds/recording"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/internal/testdata"
	"github.com/nanotick/nanotick/risk"
	"github.com/nanotick/nanotick/strategy"
	"github.com/nanotick/nanotick/strategy/script"
)

// usdmRun is the market maker on the USD-M recording, as TestUSDMMarketMaker runs
// it, in JavaScript (the builtin script) or in Go.
func usdmRun(t testing.TB, js bool) Config {
	cfg := spotBacktest(t)
	cfg.Data = []string{testdata.SharedData(t, usdmFile)}
	ec := &cfg.Engine
	ec.Venue = instrument.VenueBinanceUSDM
	ec.Instrument = strategy.Instrument{Symbol: "BTCUSDT", PriceScale: 2, QtyScale: 3, Tick: 10, Lot: 1}
	ec.Rules = risk.Instrument{PriceScale: 2, QtyScale: 3, Tick: 10, Lot: 1, MinQty: 1, MaxQty: 1000_000, MinNotional: 100_00}
	ec.Params = strategy.Params{"size": 0.002}
	if js {
		jsStrategy(t, &cfg)
	}
	return cfg
}

// jsStrategy makes cfg run the builtin JavaScript market maker.
func jsStrategy(t testing.TB, cfg *Config) {
	filename, src, err := strategies.Script("market_maker")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Strategy, err = script.Compile(filename, src, script.Options{}); err != nil {
		t.Fatal(err)
	}
	cfg.StrategyName = "market_maker"
}

// childCPU is the CPU time (user + system) of the process's waited-for children, ns.
func childCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// BenchmarkPipeline weighs the two stages of a prefetched backtest against `gzip -dc`
// of the same file, in CPU time, alternated in one run: read is the prefetching
// goroutine's work (inflate and split into records), replay the replay's (decode, two
// books, the exchange, the JavaScript strategy) over frames already in memory. With a
// second core free, a backtest's wall time is about the larger of the two: each must
// stay under gzip -dc (x-gzip-read, x-gzip-replay) for a backtest to run at the speed
// of decompression.
func BenchmarkPipeline(b *testing.B) {
	gzipPath, err := exec.LookPath("gzip")
	if err != nil {
		b.Skip("no gzip command on this machine")
	}
	for _, rec := range []string{"spot", "usdm"} {
		b.Run(rec, func(b *testing.B) {
			var cfg Config
			if rec == "spot" {
				cfg = spotBacktest(b)
			} else {
				cfg = usdmRun(b, false)
			}
			path := cfg.Data[0]
			frames, err := LoadFrames(cfg, 0)
			if err != nil {
				b.Fatal(err)
			}
			var gz, rd, rp int64
			for b.Loop() {
				c0 := childCPU()
				if err := exec.Command(gzipPath, "-dc", path).Run(); err != nil {
					b.Fatal(err)
				}
				gz += childCPU() - c0

				t0 := cpuClock()
				r, err := recording.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				for {
					if _, err := r.Next(); err != nil && !errors.Is(err, recording.ErrMalformed) {
						break
					}
				}
				r.Close()
				t1 := cpuClock()
				rd += t1 - t0

				c := cfg
				jsStrategy(b, &c)
				if _, err := RunFrames(c, frames); err != nil {
					b.Fatal(err)
				}
				rp += cpuClock() - t1
			}
			n := float64(b.N)
			b.ReportMetric(float64(gz)/n/1e6, "gzip-cpu-ms")
			b.ReportMetric(float64(rd)/n/1e6, "read-cpu-ms")
			b.ReportMetric(float64(rp)/n/1e6, "replay-cpu-ms")
			b.ReportMetric(float64(rd)/float64(gz), "x-gzip-read")
			b.ReportMetric(float64(rp)/float64(gz), "x-gzip-replay")
		})
	}
}

// BenchmarkReplayFrames is the replay's side alone: the JavaScript market maker over
// each recording already in memory.
func BenchmarkReplayFrames(b *testing.B) {
	for _, rec := range []string{"spot", "usdm"} {
		b.Run(rec, func(b *testing.B) {
			var cfg Config
			if rec == "spot" {
				cfg = spotBacktest(b)
			} else {
				cfg = usdmRun(b, false)
			}
			jsStrategy(b, &cfg)
			frames, err := LoadFrames(cfg, 0)
			if err != nil {
				b.Fatal(err)
			}
			start := cpuClock()
			for b.Loop() {
				if _, err := RunFrames(cfg, frames); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuClock()-start)/float64(b.N)/1e6, "cpu-ms/op")
		})
	}
}
