package backtest

import (
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/nanotick/nanotick/examples/strategies/marketmaker"
	"github.com/nanotick/nanotick/feeds/binance"
	"github.com/nanotick/nanotick/feeds/recording"
	"github.com/nanotick/nanotick/internal/testdata"
	"github.com/nanotick/nanotick/orderbook"
)

// gunzip decompresses the file into io.Discard: the floor of any replay of it.
func gunzip(b *testing.B, path string) {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, zr); err != nil {
		b.Fatal(err)
	}
}

// backtestOnce runs the market maker over the spot recording: the JavaScript one (the
// example that ships as the builtin market_maker script) or its Go twin.
func backtestOnce(b *testing.B, prefetch, js bool) *Report {
	cfg := spotBacktest(b)
	cfg.Strategy = marketmaker.New()
	if js {
		jsStrategy(b, &cfg)
	}
	cfg.Prefetch = prefetch
	rep, err := Run(cfg)
	if err != nil {
		b.Fatal(err)
	}
	return rep
}

// cpuClock is the process's CPU time (user + system), ns. The benchmarks report it
// beside wall time because the machine they run on is shared: under load, wall time
// measures the neighbours as much as the code.
func cpuClock() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// BenchmarkGunzipSpot is the time to decompress the spot recording and nothing else.
func BenchmarkGunzipSpot(b *testing.B) {
	path := testdata.SharedData(b, spotFile)
	b.ReportAllocs()
	start := cpuClock()
	for b.Loop() {
		gunzip(b, path)
	}
	b.ReportMetric(float64(cpuClock()-start)/float64(b.N)/1e6, "cpu-ms/op")
}

// BenchmarkBacktestSpot is a whole backtest of the market maker, in JavaScript and in
// Go, over the spot recording on one goroutine: reading and decompressing it, the
// exchange and the engine. frames/cpu-s is the events per second of one core.
func BenchmarkBacktestSpot(b *testing.B) {
	for _, js := range []bool{true, false} {
		name := "strategy=go"
		if js {
			name = "strategy=js"
		}
		b.Run(name, func(b *testing.B) {
			var frames uint64
			b.ReportAllocs()
			start := cpuClock()
			for b.Loop() {
				frames = backtestOnce(b, false, js).Events.Frames
			}
			cpu := float64(cpuClock() - start)
			b.ReportMetric(cpu/float64(b.N)/1e6, "cpu-ms/op")
			b.ReportMetric(float64(frames)*float64(b.N)/(cpu/1e9), "frames/cpu-s")
		})
	}
}

// BenchmarkBacktestVsGunzip alternates the JavaScript market maker's backtest, on one
// goroutine, with Go's gzip decompressing the same file, and reports the ratio of their
// CPU times, so that the comparison is made in one run.
func BenchmarkBacktestVsGunzip(b *testing.B) {
	path := testdata.SharedData(b, spotFile)
	var gz, bt int64
	for b.Loop() {
		t0 := cpuClock()
		gunzip(b, path)
		t1 := cpuClock()
		backtestOnce(b, false, true)
		gz += t1 - t0
		bt += cpuClock() - t1
	}
	b.ReportMetric(float64(bt)/float64(gz), "x-gunzip")
	b.ReportMetric(float64(gz)/float64(b.N)/1e6, "gunzip-cpu-ms")
	b.ReportMetric(float64(bt)/float64(b.N)/1e6, "backtest-cpu-ms")
}

// BenchmarkFloors measures what any replay of the file through two books must pay: the
// recording reader alone (gunzip and line framing), then with one binance.Feed
// (decode, sync, book: the engine's side), then with two (the exchange's side too).
// The backtest's own cost is what BenchmarkBacktestSpot adds to the last.
func BenchmarkFloors(b *testing.B) {
	path := testdata.SharedData(b, spotFile)
	for _, feeds := range []int{0, 1, 2} {
		b.Run(fmt.Sprintf("feeds=%d", feeds), func(b *testing.B) {
			start := cpuClock()
			for b.Loop() {
				r, err := recording.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				var fs []*binance.Feed
				for i := 0; i < feeds; i++ {
					ec := spotEngine()
					f, err := binance.NewFeed(binance.Spot, binance.Instrument{Symbol: "BTCUSDT", PriceScale: ec.Instrument.PriceScale, QtyScale: ec.Instrument.QtyScale}, orderbook.New(8192), binance.SyncConfig{})
					if err != nil {
						b.Fatal(err)
					}
					fs = append(fs, f)
				}
				for {
					rec, err := r.Next()
					if err != nil {
						break
					}
					for _, f := range fs {
						_, _ = f.Handle(rec.Frame, rec.Local)
					}
				}
				r.Close()
			}
			b.ReportMetric(float64(cpuClock()-start)/float64(b.N)/1e6, "cpu-ms/op")
		})
	}
}

// BenchmarkBacktestSpotPrefetch is BenchmarkBacktestSpot with the recording read on a
// second goroutine (run it with -cpu 2), and the wall-time ratio to decompression
// measured alternately in the same run: what a user with two free cores waits.
func BenchmarkBacktestSpotPrefetch(b *testing.B) {
	path := testdata.SharedData(b, spotFile)
	var gz, bt time.Duration
	var frames uint64
	for b.Loop() {
		t0 := time.Now()
		gunzip(b, path)
		t1 := time.Now()
		frames = backtestOnce(b, true, true).Events.Frames
		gz += t1.Sub(t0)
		bt += time.Since(t1)
	}
	b.ReportMetric(bt.Seconds()/gz.Seconds(), "x-gunzip-wall")
	b.ReportMetric(float64(frames)*float64(b.N)/bt.Seconds(), "frames/s")
}

// BenchmarkBacktestVsGzipCommand is the comparison the backtester is held to: the
// JavaScript market maker's backtest as `nanotick backtest` runs it (the recording
// decompressed on a second goroutine), against the system's `gzip -dc` decompressing
// the same file to nowhere, alternated in one run, in wall time: what a user waits.
// x-gzip-dc is the ratio.
func BenchmarkBacktestVsGzipCommand(b *testing.B) {
	path := testdata.SharedData(b, spotFile)
	gzipPath, err := exec.LookPath("gzip")
	if err != nil {
		b.Skip("no gzip command on this machine")
	}
	var gz, bt time.Duration
	for b.Loop() {
		cmd := exec.Command(gzipPath, "-dc", path) // Stdout nil: /dev/null
		t0 := time.Now()
		if err := cmd.Run(); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		backtestOnce(b, true, true)
		gz += t1.Sub(t0)
		bt += time.Since(t1)
	}
	b.ReportMetric(bt.Seconds()/gz.Seconds(), "x-gzip-dc")
	b.ReportMetric(gz.Seconds()/float64(b.N)*1e3, "gzip-dc-ms")
	b.ReportMetric(bt.Seconds()/float64(b.N)*1e3, "backtest-ms")
}
