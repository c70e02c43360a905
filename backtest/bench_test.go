package backtest

import (
	"compress/gzip"
	"fmt"
	"io"
	"os"
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

func backtestOnce(b *testing.B, prefetch bool) *Report {
	cfg := spotBacktest(b)
	cfg.Strategy = marketmaker.New()
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

// BenchmarkBacktestSpot is a whole backtest of the market maker over the spot
// recording: reading and decompressing it, the exchange and the engine.
func BenchmarkBacktestSpot(b *testing.B) {
	var frames uint64
	b.ReportAllocs()
	start := cpuClock()
	for b.Loop() {
		frames = backtestOnce(b, false).Events.Frames
	}
	cpu := float64(cpuClock() - start)
	b.ReportMetric(cpu/float64(b.N)/1e6, "cpu-ms/op")
	b.ReportMetric(float64(frames)*float64(b.N)/(cpu/1e9), "frames/cpu-s")
}

// BenchmarkBacktestVsGunzip alternates the two in each iteration and reports the
// ratio of their CPU times, so that the comparison is made in one run.
func BenchmarkBacktestVsGunzip(b *testing.B) {
	path := testdata.SharedData(b, spotFile)
	var gz, bt int64
	for b.Loop() {
		t0 := cpuClock()
		gunzip(b, path)
		t1 := cpuClock()
		backtestOnce(b, false)
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
		frames = backtestOnce(b, true).Events.Frames
		gz += t1.Sub(t0)
		bt += time.Since(t1)
	}
	b.ReportMetric(bt.Seconds()/gz.Seconds(), "x-gunzip-wall")
	b.ReportMetric(float64(frames)*float64(b.N)/bt.Seconds(), "frames/s")
}
