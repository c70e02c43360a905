package indicator

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// The benchmarks feed a precomputed random walk, so that they time the indicator and not
// a random number generator. The windows are ones a strategy might use: 20 for a
// Bollinger band, 200 for a slow average.

const benchN = 4096 // power of two: the index is a mask, not a division

var benchPrices = walk(rand.New(rand.NewPCG(1, 1)), benchN)

var benchSink float64

func benchWindow(b *testing.B, update func(float64) float64) {
	b.ReportAllocs()
	var s float64
	for i := 0; b.Loop(); i++ {
		s += update(benchPrices[i&(benchN-1)])
	}
	benchSink = s
}

func BenchmarkEMA(b *testing.B) {
	e, _ := NewEMA(20)
	benchWindow(b, e.Update)
}

func BenchmarkSMA(b *testing.B) {
	for _, n := range []int{20, 200} {
		b.Run(fmt.Sprint("n=", n), func(b *testing.B) {
			m, _ := NewSMA(n)
			benchWindow(b, m.Update)
		})
	}
}

func BenchmarkRollingMin(b *testing.B) {
	for _, n := range []int{20, 200} {
		b.Run(fmt.Sprint("n=", n), func(b *testing.B) {
			m, _ := NewRollingMin(n)
			benchWindow(b, m.Update)
		})
	}
}

func BenchmarkRollingMax(b *testing.B) {
	for _, n := range []int{20, 200} {
		b.Run(fmt.Sprint("n=", n), func(b *testing.B) {
			m, _ := NewRollingMax(n)
			benchWindow(b, m.Update)
		})
	}
}

func BenchmarkStdDev(b *testing.B) {
	for _, n := range []int{20, 200} {
		b.Run(fmt.Sprint("n=", n), func(b *testing.B) {
			s, _ := NewStdDev(n)
			benchWindow(b, s.Update)
		})
	}
}

func BenchmarkVWAP(b *testing.B) {
	v, _ := NewVWAP(200)
	b.ReportAllocs()
	var s float64
	for i := 0; b.Loop(); i++ {
		s += v.Update(benchPrices[i&(benchN-1)], 0.25)
	}
	benchSink = s
}

// BenchmarkTimeVWAP runs a 1s window at one trade per 100µs, so the window holds 10,000
// trades and each update expires one.
func BenchmarkTimeVWAP(b *testing.B) {
	v, _ := NewTimeVWAP(time.Second, 16384)
	b.ReportAllocs()
	var s float64
	t := int64(0)
	for i := 0; b.Loop(); i++ {
		t += 100_000
		s += v.Update(benchPrices[i&(benchN-1)], 0.25, t)
	}
	benchSink = s
}

func BenchmarkValue(b *testing.B) {
	s, _ := NewSMA(20)
	for _, x := range benchPrices[:20] {
		s.Update(x)
	}
	b.ReportAllocs()
	var v float64
	for b.Loop() {
		v += s.Value()
	}
	benchSink = v
}
