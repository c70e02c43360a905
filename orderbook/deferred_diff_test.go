package orderbook

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"testing"
)

// diffParams are the parameters of one random sequence.
type diffParams struct {
	tick      int64   // grid
	base      int64   // starting mid
	depth     int     // typical levels per side
	pDelete   float64 // share of deletes
	pOffGrid  float64 // share of prices off the grid
	pJump     float64 // chance per op of a big move of the mid
	jump      int64   // size of a big move, in ticks
	pDeep     float64 // share of updates deep in the book
	pTidy     float64
	pRead     float64
	pBatch    float64
	maxBatch  int
	pClear    float64
	pToggle   float64
	pNoLadder bool
}

func randParams(r *rand.Rand) diffParams {
	var p diffParams
	ticks := []int64{1, 1, 2, 3, 5, 7, 10, 16, 100, 1 << 19, 1 << 30, 1 << 40, 1 << 45, 12345}
	p.tick = ticks[r.IntN(len(ticks))]
	switch r.IntN(8) {
	case 0:
		p.base = math.MinInt64 / 2 // far negative
	case 1:
		p.base = math.MaxInt64 - int64(r.IntN(1<<20)) // asks' keys near MinInt64
	case 2:
		p.base = math.MinInt64 + int64(r.IntN(1<<20)) // bids' keys near MinInt64
	case 3:
		p.base = 0
	default:
		p.base = int64(r.IntN(1 << 40))
	}
	depths := []int{2, 10, 31, 33, 40, 64, 70, 128, 200, 300, 1000, 3000}
	p.depth = depths[r.IntN(len(depths))]
	p.pDelete = []float64{0.1, 0.3, 0.5, 0.6, 0.8}[r.IntN(5)]
	p.pOffGrid = []float64{0, 0, 0.001, 0.01, 0.1}[r.IntN(5)]
	p.pJump = []float64{0, 0.001, 0.01, 0.05}[r.IntN(4)]
	p.jump = []int64{50, 500, 3000, 15000, 20000, 100000, 1 << 30}[r.IntN(7)]
	p.pDeep = []float64{0.05, 0.3, 0.6}[r.IntN(3)]
	p.pTidy = []float64{0, 0.01, 0.05, 0.3}[r.IntN(4)]
	p.pRead = []float64{0.05, 0.3, 1}[r.IntN(3)]
	p.pBatch = []float64{0, 0.1, 0.5}[r.IntN(3)]
	p.maxBatch = []int{4, 40, 400, 1500}[r.IntN(4)]
	p.pClear = []float64{0, 0, 0.0005}[r.IntN(3)]
	p.pToggle = []float64{0, 0, 0.002}[r.IntN(3)]
	p.pNoLadder = r.IntN(20) == 0
	return p
}

type diffRun struct {
	t      *testing.T
	r      *rand.Rand
	p      diffParams
	d, pl  *Book // deferred, plain
	mid    int64
	buf    [2][]Level
	lv     []Level
	ops    int
	log    []string
	logOn  bool
	spread int64
}

func (x *diffRun) logf(format string, a ...any) {
	if x.logOn {
		x.log = append(x.log, fmt.Sprintf(format, a...))
	}
}

func (x *diffRun) fail(format string, a ...any) {
	x.t.Helper()
	msg := fmt.Sprintf(format, a...)
	x.t.Fatalf("op %d params %+v: %s", x.ops, x.p, msg)
}

// price picks a price on side around the mid.
func (x *diffRun) price(side Side) int64 {
	r := x.r
	var off int64
	if r.Float64() < x.p.pDeep {
		off = int64(r.IntN(x.p.depth*3 + 1))
	} else {
		off = int64(r.ExpFloat64() * 8)
	}
	off += x.spread
	var pr int64
	if side == Bid {
		pr = x.mid - off*x.p.tick
	} else {
		pr = x.mid + off*x.p.tick
	}
	if r.Float64() < x.p.pOffGrid {
		pr += int64(r.IntN(int(min(x.p.tick, 1<<20)))) + 1
	}
	if r.IntN(5000) == 0 {
		pr = []int64{math.MinInt64, math.MaxInt64, math.MinInt64 + 1, math.MaxInt64 - 1, 0, -1}[r.IntN(6)]
	}
	return pr
}

func (x *diffRun) qty() int64 {
	if x.r.Float64() < x.p.pDelete {
		return -int64(x.r.IntN(2))
	}
	return 1 + int64(x.r.IntN(1000))
}

func (x *diffRun) check(full bool) {
	x.t.Helper()
	d, pl := x.d, x.pl
	for _, s := range []Side{Bid, Ask} {
		lp, okp := pl.Best(s)
		ld, okd := d.Best(s)
		if lp != ld || okp != okd {
			x.fail("Best(%v) = %v %v, want %v %v", s, ld, okd, lp, okp)
		}
	}
	mp, okp := pl.Mid()
	md, okd := d.Mid()
	if mp != md || okp != okd || pl.Crossed() != d.Crossed() {
		x.fail("Mid/Crossed differ")
	}
	// Random cheap reads first (those that may not tidy), then costlier ones.
	for range 1 + x.r.IntN(4) {
		s := Side(x.r.IntN(2))
		m := d.sides[s].m
		var i int
		switch x.r.IntN(4) {
		case 0:
			i = x.r.IntN(m + 1)
		case 1:
			i = x.r.IntN(m + 40)
		case 2:
			i = 0
		default:
			i = x.r.IntN(x.p.depth*4 + 2)
		}
		switch x.r.IntN(4) {
		case 0:
			a, oka := d.Level(s, i)
			b, okb := pl.Level(s, i)
			if a != b || oka != okb {
				x.fail("Level(%v, %d) = %v %v, want %v %v", s, i, a, oka, b, okb)
			}
		case 1:
			if a, b := d.DepthQty(s, i), pl.DepthQty(s, i); a != b {
				x.fail("DepthQty(%v, %d) = %d, want %d", s, i, a, b)
			}
		case 2:
			x.buf[0] = d.AppendLevels(x.buf[0][:0], s, i)
			x.buf[1] = pl.AppendLevels(x.buf[1][:0], s, i)
			if !slices.Equal(x.buf[0], x.buf[1]) {
				x.fail("AppendLevels(%v, %d) differ:\n got %v\nwant %v", s, i, x.buf[0], x.buf[1])
			}
		case 3:
			if a, b := d.Len(s), pl.Len(s); a != b {
				x.fail("Len(%v) = %d, want %d", s, a, b)
			}
		}
	}
	if full {
		checkInvariants(x.t, d)
		checkInvariants(x.t, pl)
		for _, s := range []Side{Bid, Ask} {
			n := pl.Len(s)
			x.buf[1] = pl.AppendLevels(x.buf[1][:0], s, n+1)
			x.buf[0] = d.AppendLevels(x.buf[0][:0], s, n+1)
			if !slices.Equal(x.buf[0], x.buf[1]) {
				x.fail("full AppendLevels(%v) differ: len %d vs %d", s, len(x.buf[0]), len(x.buf[1]))
			}
			if d.Len(s) != n {
				x.fail("Len(%v) = %d, want %d", s, d.Len(s), n)
			}
		}
		checkInvariants(x.t, d)
	}
}

func (x *diffRun) run(nops int) {
	r := x.r
	for x.ops = 0; x.ops < nops; x.ops++ {
		if r.Float64() < x.p.pJump {
			delta := x.p.jump * x.p.tick
			if r.IntN(2) == 0 {
				delta = -delta
			}
			if (delta > 0 && x.mid > math.MaxInt64/2) || (delta < 0 && x.mid < math.MinInt64/2) {
				delta = -delta
			}
			x.mid += delta
		}
		if r.IntN(50) == 0 { // drift
			x.mid += int64(r.IntN(7)-3) * x.p.tick
		}
		if r.IntN(200) == 0 {
			x.spread = int64(r.IntN(4))
		}
		switch {
		case r.IntN(300) == 0: // sweep the top of a side: a price-moving frame
			s := Side(r.IntN(2))
			k := 1 + r.IntN([]int{3, 40, 200, 2000}[r.IntN(4)])
			x.lv = x.pl.AppendLevels(x.lv[:0], s, k)
			for i := range x.lv {
				x.lv[i].Qty = 0
			}
			r.Shuffle(len(x.lv)/2, func(i, j int) { x.lv[i], x.lv[j] = x.lv[j], x.lv[i] })
			x.d.SetLevels(s, x.lv)
			x.pl.SetLevels(s, x.lv)
			if best, ok := x.pl.Best(s); ok && r.IntN(2) == 0 {
				x.mid = best.Price // follow the book
			}
		case r.IntN(300) == 0: // cut a side to its top k levels: the ladder may hold it all
			s := Side(r.IntN(2))
			k := r.IntN([]int{2, 33, 70, 300}[r.IntN(4)])
			all := x.pl.AppendLevels(x.lv[:0], s, x.pl.Len(s))
			x.lv = all
			if k < len(all) {
				x.lv = all[k:]
			} else {
				x.lv = all[:0]
			}
			for i := range x.lv {
				x.lv[i].Qty = 0
			}
			if r.IntN(2) == 0 {
				slices.Reverse(x.lv)
			}
			x.d.SetLevels(s, x.lv)
			x.pl.SetLevels(s, x.lv)
		case r.IntN(400) == 0: // fill a dense block: builds ladders
			s := Side(r.IntN(2))
			k := 1 + r.IntN(600)
			x.lv = x.lv[:0]
			start := x.price(s)
			step := x.p.tick * int64(1+r.IntN(3))
			for i := range k {
				pr := start - int64(i)*step
				if s == Ask {
					pr = start + int64(i)*step
				}
				x.lv = append(x.lv, Level{pr, 1 + int64(r.IntN(9))})
			}
			if r.IntN(2) == 0 {
				slices.Reverse(x.lv)
			}
			x.d.SetLevels(s, x.lv)
			x.pl.SetLevels(s, x.lv)
		case r.IntN(200) == 0: // below the best: inserts and deletes of a small block
			s := Side(r.IntN(2))
			if best, ok := x.pl.Best(s); ok {
				x.lv = x.lv[:0]
				dir := int64(-1)
				if s == Ask {
					dir = 1
				}
				for range 1 + r.IntN(30) {
					off := int64(1+r.IntN(3000)) * x.p.tick * dir
					x.lv = append(x.lv, Level{best.Price + off, x.qty()})
				}
				x.d.SetLevels(s, x.lv)
				x.pl.SetLevels(s, x.lv)
			}
		case r.Float64() < x.p.pBatch:
			s := Side(r.IntN(2))
			k := 1 + r.IntN(x.p.maxBatch)
			x.lv = x.lv[:0]
			for range k {
				x.lv = append(x.lv, Level{x.price(s), x.qty()})
			}
			x.d.SetLevels(s, x.lv)
			x.pl.SetLevels(s, x.lv)
		default:
			s := Side(r.IntN(2))
			pr, q := x.price(s), x.qty()
			x.d.Set(s, pr, q)
			x.pl.Set(s, pr, q)
		}
		if r.Float64() < x.p.pClear {
			x.d.Clear()
			x.pl.Clear()
		}
		if r.Float64() < x.p.pToggle {
			x.d.DeferUpkeep(false)
			checkInvariants(x.t, x.d)
			if x.d.sides[0].untidy() || x.d.sides[1].untidy() {
				x.fail("untidy after DeferUpkeep(false)")
			}
			x.d.DeferUpkeep(true)
		}
		if r.Float64() < x.p.pTidy {
			x.d.Tidy()
			if x.d.sides[0].untidy() || x.d.sides[1].untidy() {
				x.fail("untidy after Tidy")
			}
		}
		if r.IntN(20) == 0 {
			checkInvariants(x.t, x.d)
		}
		if r.Float64() < x.p.pRead {
			x.check(r.IntN(100) == 0)
		}
	}
	x.check(true)
}

var diffOps atomic.Int64

var (
	deferredSeqs = flag.Int("deferred.seqs", 64, "random sequences TestDeferredMatchesImmediate runs")
	deferredOps  = flag.Int("deferred.ops", 3000, "operations in each of its sequences")
	deferredSeed = flag.Int("deferred.seed", 0, "its first sequence's seed")
)

// TestDeferredMatchesImmediate drives two books through the same random sequences, one
// with DeferUpkeep and one without, and compares every read of the deferred book with the
// other's, and both books' invariants, along the way. The sequences vary the tick grid,
// the price range (up to the ends of int64), depth, deletes, jumps, deep sweeps, batch
// sizes (past maxDeferred), Tidy, Clear, and DeferUpkeep turned off and on with updates
// queued. -deferred.seqs and -deferred.ops run more; a reviewer ran 50 million operations.
func TestDeferredMatchesImmediate(t *testing.T) {
	seqs, nops, seed0 := *deferredSeqs, *deferredOps, *deferredSeed
	t.Run("seqs", func(t *testing.T) { // returns once every parallel sequence has
		for i := range seqs {
			seed := uint64(seed0 + i)
			t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
				t.Parallel()
				r := rand.New(rand.NewPCG(seed, 7))
				p := randParams(r)
				x := &diffRun{t: t, r: r, p: p, d: New(r.IntN(64)), pl: New(r.IntN(64)), mid: p.base, spread: 1}
				if p.pNoLadder {
					for i := range x.d.sides {
						x.d.sides[i].noLadder = true
						x.pl.sides[i].noLadder = true
					}
				}
				x.d.DeferUpkeep(true)
				x.run(nops)
				diffOps.Add(int64(nops))
			})
		}
	})
	t.Logf("ops run: %d", diffOps.Load())
}
