package orderbook

import (
	"testing"

	"github.com/nanotick/nanotick/internal/testdata"
)

// The micro-benchmarks run on a book of 1000 levels a side around 1_000_000,
// like a Binance snapshot. Each Set benchmark leaves the book as it found it,
// so that every iteration measures the same operation.

var (
	sinkLevel Level
	sinkInt   int64
)

func BenchmarkSetTop(b *testing.B) {
	book := steadyBook(1000)
	cpu := testdata.StartCPUTimer()
	for b.Loop() {
		book.Set(Ask, 999_999, 5) // insert above the best ask
		book.Set(Ask, 999_999, 0) // and delete it
	}
	reportCPU(b, cpu, 2)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(2*b.N), "ns/set")
}

func BenchmarkSetUpdateTop(b *testing.B) {
	book := steadyBook(1000)
	q := int64(0)
	cpu := testdata.StartCPUTimer()
	for b.Loop() {
		q++
		book.Set(Bid, 999_999, 1+q&7) // change the quantity of the best bid
	}
	reportCPU(b, cpu, 1)
}

func BenchmarkSetDeep(b *testing.B) {
	book := steadyBook(1000)
	cpu := testdata.StartCPUTimer()
	for b.Loop() {
		book.Set(Bid, 999_500, 0) // delete 500 levels down
		book.Set(Bid, 999_500, 7) // and insert it back
	}
	reportCPU(b, cpu, 2)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(2*b.N), "ns/set")
}

func BenchmarkDeleteAbsent(b *testing.B) {
	book := steadyBook(1000)
	cpu := testdata.StartCPUTimer()
	for b.Loop() {
		book.Set(Ask, 1_000_300_000, 0) // far outside the book, as Binance sends
	}
	reportCPU(b, cpu, 1)
}

func BenchmarkDeleteBest(b *testing.B) {
	book := steadyBook(1000)
	cpu := testdata.StartCPUTimer()
	for b.Loop() {
		book.Set(Bid, 999_999, 0)
		book.Set(Bid, 999_999, 1)
	}
	reportCPU(b, cpu, 2)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(2*b.N), "ns/set")
}

func BenchmarkBest(b *testing.B) {
	book := steadyBook(1000)
	cpu := testdata.StartCPUTimer()
	for b.Loop() {
		sinkLevel, _ = book.Best(Ask)
	}
	reportCPU(b, cpu, 1)
}

func BenchmarkLevel10(b *testing.B) {
	book := steadyBook(1000)
	cpu := testdata.StartCPUTimer()
	for b.Loop() {
		sinkLevel, _ = book.Level(Bid, 10)
	}
	reportCPU(b, cpu, 1)
}

func BenchmarkDepthQty10(b *testing.B) {
	book := steadyBook(1000)
	cpu := testdata.StartCPUTimer()
	for b.Loop() {
		sinkInt = book.DepthQty(Bid, 10)
	}
	reportCPU(b, cpu, 1)
}

func BenchmarkValid(b *testing.B) {
	book := steadyBook(1000)
	book.SetSynced(true)
	cpu := testdata.StartCPUTimer()
	for b.Loop() {
		if book.Valid() {
			sinkInt++
		}
	}
	reportCPU(b, cpu, 1)
}

// reportCPU reports the CPU time per call of a benchmark that made calls
// calls per iteration: steadier than the wall time on a busy machine.
func reportCPU(b *testing.B, cpu testdata.CPUTimer, calls int) {
	if d, ok := cpu.Stop(); ok {
		b.ReportMetric(float64(d.Nanoseconds())/float64(b.N*calls), "cpu-ns/call")
	}
}
