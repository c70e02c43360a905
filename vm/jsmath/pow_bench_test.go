package jsmath

import (
	"math"
	"math/rand"
	"testing"
)

// benchPowPairs are the pairs BenchmarkPow times: half small integer exponents of growth
// factors (the strategy case), half fractional exponents of prices.
func benchPowPairs() [][2]float64 {
	r := rand.New(rand.NewSource(3))
	ps := make([][2]float64, 1024)
	for i := range ps {
		if i%2 == 0 {
			ps[i] = [2]float64{1 + r.Float64()*0.1, float64(r.Intn(41) - 20)}
		} else {
			ps[i] = [2]float64{r.Float64() * 6e4, r.Float64()*8 - 4}
		}
	}
	return ps
}

var powSink float64

// BenchmarkPow times Pow against Go's math.Pow (the peer, same inputs, same run).
func BenchmarkPow(b *testing.B) {
	ps := benchPowPairs()
	for _, bc := range []struct {
		name string
		f    func(x, y float64) float64
	}{{"jsmath", Pow}, {"gomath", math.Pow}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			s := 0.0
			for i := 0; i < b.N; i++ {
				p := ps[i&1023]
				s += bc.f(p[0], p[1])
			}
			powSink = s
		})
	}
}

// TestPowZeroAllocs checks that Pow never allocates.
func TestPowZeroAllocs(t *testing.T) {
	ps := benchPowPairs()
	s := 0.0
	allocs := testing.AllocsPerRun(100, func() {
		for _, p := range ps {
			s += Pow(p[0], p[1])
		}
	})
	powSink = s
	if allocs != 0 {
		t.Fatalf("Pow allocates %v times per %d calls, want 0", allocs, len(ps))
	}
}
