package backtest

import (
	"os/exec"
	"syscall"
	"testing"

	"github.com/nanotick/nanotick/examples/strategies"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/internal/testdata"
	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/risk"
	"github.com/nanotick/nanotick/strategy"
	"github.com/nanotick/nanotick/strategy/script"
	"time"
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

// BenchmarkPipeline weighs a backtest's stages against `gzip -dc` of the same file, in
// CPU time (user + system) and wall time, alternated in one run, the JavaScript market
// maker on each recording:
//   - gz: a prefetched backtest over the gz file (x-gzip-gz is its CPU time over gzip's);
//   - read: the prefetching goroutines' work alone, inline on one: inflate, split,
//     decode and sync through the venue's feed (x-gzip-read);
//   - cache: a backtest replaying the event cache, memory-mapped (x-gzip-cache);
//   - events: reading the cache's events alone, decoded into md events
//     (x-gzip-events).
//
// A gz backtest runs read (as two goroutines, inflate and decode) and the replay (gz
// minus read) at once: on two free cores its wall time is about half of gz, plus the
// part of start-up and report nothing overlaps.
func BenchmarkPipeline(b *testing.B) {
	gzipPath, err := exec.LookPath("gzip")
	if err != nil {
		b.Skip("no gzip command on this machine")
	}
	for _, rec := range []string{"spot", "usdm"} {
		b.Run(rec, func(b *testing.B) {
			fresh := func() Config {
				cfg := recordingBacktest(b, rec)
				jsStrategy(b, &cfg)
				cfg.Prefetch = true
				return cfg
			}
			cfg := fresh()
			path := cfg.Data[0]
			cfg.Cache = b.TempDir()
			if _, err := Run(cfg); err != nil { // builds the cache
				b.Fatal(err)
			}
			spec := specOfB(b, cfg)
			var gz, gzRun, rd, cache, evs, gzW, gzRunW, cacheW int64
			for b.Loop() {
				w0, c0 := time.Now(), childCPU()
				if err := exec.Command(gzipPath, "-dc", path).Run(); err != nil {
					b.Fatal(err)
				}
				gz += childCPU() - c0
				gzW += int64(time.Since(w0))

				w0, t0 := time.Now(), cpuClock()
				if _, err := Run(fresh()); err != nil {
					b.Fatal(err)
				}
				gzRun += cpuClock() - t0
				gzRunW += int64(time.Since(w0))

				t0 = cpuClock()
				dec, err := newEventDecoder(cfg.Engine.NewFeed, spec, 0)
				if err != nil {
					b.Fatal(err)
				}
				r, err := cfg.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				var d decoded
				var lv []orderbook.Level
				for {
					local, frame, err := r.Next()
					if err != nil {
						break
					}
					lv = dec.decode(frame, local, &d, lv[:0])
				}
				r.Close()
				rd += cpuClock() - t0

				c := fresh()
				c.Cache = cfg.Cache
				w0, t0 = time.Now(), cpuClock()
				if _, err := Run(c); err != nil {
					b.Fatal(err)
				}
				cache += cpuClock() - t0
				cacheW += int64(time.Since(w0))

				t0 = cpuClock()
				f, _, err := cachedFrames(&c, spec, c.Data)
				if err != nil {
					b.Fatal(err)
				}
				src := &framesSource{f: f}
				for {
					if _, _, _, _, err := src.next(); err != nil {
						break
					}
				}
				f.Close()
				evs += cpuClock() - t0
			}
			n := float64(b.N)
			b.ReportMetric(float64(gz)/n/1e6, "gzip-cpu-ms")
			b.ReportMetric(float64(gzW)/n/1e6, "gzip-wall-ms")
			b.ReportMetric(float64(gzRun)/n/1e6, "gz-cpu-ms")
			b.ReportMetric(float64(gzRunW)/n/1e6, "gz-wall-ms")
			b.ReportMetric(float64(rd)/n/1e6, "read-cpu-ms")
			b.ReportMetric(float64(cache)/n/1e6, "cache-cpu-ms")
			b.ReportMetric(float64(cacheW)/n/1e6, "cache-wall-ms")
			b.ReportMetric(float64(evs)/n/1e6, "events-cpu-ms")
			b.ReportMetric(float64(gzRun)/float64(gz), "x-gzip-gz")
			b.ReportMetric(float64(rd)/float64(gz), "x-gzip-read")
			b.ReportMetric(float64(cache)/float64(gz), "x-gzip-cache")
			b.ReportMetric(float64(evs)/float64(gz), "x-gzip-events")
		})
	}
}

// specOfB returns the instrument cfg's engine trades.
func specOfB(b *testing.B, cfg Config) *instrument.Spec {
	table, err := cfg.Engine.InstrumentTable()
	if err != nil {
		b.Fatal(err)
	}
	return table.At(0)
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
