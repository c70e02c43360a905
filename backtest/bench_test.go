package backtest

import (
	"compress/gzip"
	"io"
	"os"
	"testing"
	"time"

	"github.com/nanotick/nanotick/examples/strategies/marketmaker"
	"github.com/nanotick/nanotick/internal/testdata"
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

func backtestOnce(b *testing.B) *Report {
	cfg := spotBacktest(b)
	cfg.Strategy = marketmaker.New()
	rep, err := Run(cfg)
	if err != nil {
		b.Fatal(err)
	}
	return rep
}

// BenchmarkGunzipSpot is the time to decompress the spot recording and nothing else.
func BenchmarkGunzipSpot(b *testing.B) {
	path := testdata.SharedData(b, spotFile)
	b.ReportAllocs()
	for b.Loop() {
		gunzip(b, path)
	}
}

// BenchmarkBacktestSpot is a whole backtest of the market maker over the spot
// recording: reading and decompressing it, the exchange and the engine.
func BenchmarkBacktestSpot(b *testing.B) {
	var frames uint64
	b.ReportAllocs()
	for b.Loop() {
		frames = backtestOnce(b).Events.Frames
	}
	b.ReportMetric(float64(frames)*float64(b.N)/b.Elapsed().Seconds(), "frames/s")
}

// BenchmarkBacktestVsGunzip alternates the two in each iteration and reports the
// ratio of their times, so that the comparison is made in one run on one machine state.
func BenchmarkBacktestVsGunzip(b *testing.B) {
	path := testdata.SharedData(b, spotFile)
	var gz, bt time.Duration
	var frames uint64
	for b.Loop() {
		t0 := time.Now()
		gunzip(b, path)
		t1 := time.Now()
		frames = backtestOnce(b).Events.Frames
		gz += t1.Sub(t0)
		bt += time.Since(t1)
	}
	b.ReportMetric(bt.Seconds()/gz.Seconds(), "x-gunzip")
	b.ReportMetric(float64(frames)*float64(b.N)/bt.Seconds(), "frames/s")
	b.ReportMetric(float64(gz.Microseconds())/float64(b.N)/1e3, "gunzip-ms")
	b.ReportMetric(float64(bt.Microseconds())/float64(b.N)/1e3, "backtest-ms")
}
