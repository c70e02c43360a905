package indicator

import (
	"fmt"
	"time"
)

// VWAP is the volume-weighted average price of the last n trades: Σ price×qty / Σ qty.
type VWAP struct {
	w        tradeRing
	value    float64
	rejected uint64
}

// NewVWAP returns a VWAP over the last n trades. It returns an error unless
// 1 <= n <= MaxWindow.
func NewVWAP(n int) (*VWAP, error) {
	if err := checkLen("VWAP", "n", n); err != nil {
		return nil, err
	}
	return &VWAP{w: newTradeRing(n)}, nil
}

// Update adds a trade to the window, dropping the oldest trade once the window holds n,
// and returns the new VWAP. A trade whose qty is not positive, or whose price, qty or
// price×qty is NaN or ±Inf, is ignored and counted by Rejected: it carries no weight,
// and a non-positive total quantity would make the average meaningless.
func (v *VWAP) Update(price, qty float64) float64 {
	pq := price * qty
	if !(qty > 0) || !finite(qty) || !finite(pq) {
		v.rejected++
		return v.value
	}
	if v.w.count == len(v.w.buf) {
		v.w.pop()
	}
	v.w.push(pq, qty, 0)
	v.value = v.w.vwap()
	return v.value
}

// Value returns the VWAP of the trades in the window, or 0 when the window is empty.
func (v *VWAP) Value() float64 { return v.value }

// Ready reports whether the window holds n trades.
func (v *VWAP) Ready() bool { return v.w.count == len(v.w.buf) }

// Len returns the number of trades in the window.
func (v *VWAP) Len() int { return v.w.count }

// Period returns the window length in trades.
func (v *VWAP) Period() int { return len(v.w.buf) }

// Rejected returns the number of trades Update has ignored since construction or the
// last Reset.
func (v *VWAP) Rejected() uint64 { return v.rejected }

// Reset empties the window and returns the VWAP to its state after construction.
func (v *VWAP) Reset() {
	*v = VWAP{w: tradeRing{buf: v.w.buf}}
}

// TimeVWAP is the volume-weighted average price of the trades within a time window on
// the data clock: those with a timestamp t such that now-window < t <= now, where now is
// the latest timestamp passed to Update or Advance. It never reads a clock itself.
//
// The trades are kept in a ring whose capacity is fixed at construction, because a busy
// market can print any number of trades in a window and the per-tick path must not
// allocate. When the ring is full, a new trade evicts the oldest one before it has aged
// out of the window: the average then covers fewer trades than the window asks for.
// EarlyEvictions counts these evictions so that a strategy can tell that its window was
// truncated, and the capacity should be sized from the busiest period one expects.
//
// The data clock never goes backwards: a timestamp earlier than the latest one seen is
// taken as the latest one, so that out-of-order prints still land in the window and the
// ring stays in time order.
type TimeVWAP struct {
	w      tradeRing
	window int64 // nanoseconds

	now     int64 // latest timestamp seen, valid if clocked
	start   int64 // timestamp of the first trade, valid if started
	clocked bool
	started bool

	value    float64
	early    uint64
	rejected uint64
}

// NewTimeVWAP returns a TimeVWAP over the given window of the data clock, holding at most
// capacity trades. It returns an error unless window > 0 and 1 <= capacity <= MaxWindow.
func NewTimeVWAP(window time.Duration, capacity int) (*TimeVWAP, error) {
	if window <= 0 {
		return nil, fmt.Errorf("indicator: TimeVWAP window must be > 0, got %v", window)
	}
	if err := checkLen("TimeVWAP", "capacity", capacity); err != nil {
		return nil, err
	}
	return &TimeVWAP{w: newTradeRing(capacity), window: int64(window)}, nil
}

// Update advances the data clock to t (in nanoseconds), drops the trades that have left
// the window, adds the trade and returns the new VWAP. A trade whose qty is not positive,
// or whose price, qty or price×qty is NaN or ±Inf, is ignored, does not advance the
// clock and is counted by Rejected.
func (v *TimeVWAP) Update(price, qty float64, t int64) float64 {
	pq := price * qty
	if !(qty > 0) || !finite(qty) || !finite(pq) {
		v.rejected++
		return v.value
	}
	t = v.advance(t)
	if !v.started {
		v.started, v.start = true, t
	}
	if v.w.count == len(v.w.buf) {
		v.w.pop()
		v.early++
	}
	v.w.push(pq, qty, t)
	v.value = v.w.vwap()
	return v.value
}

// Advance advances the data clock to t (in nanoseconds) without a trade, drops the trades
// that have left the window and returns the new VWAP. A strategy calls it on book
// updates so that the average ages even when nothing trades.
func (v *TimeVWAP) Advance(t int64) float64 {
	v.advance(t)
	v.value = v.w.vwap()
	return v.value
}

// advance moves the clock to t, or leaves it where it is if t is earlier, expires the
// trades that are now outside the window, and returns the clock.
func (v *TimeVWAP) advance(t int64) int64 {
	if v.clocked && t < v.now {
		t = v.now
	}
	v.now, v.clocked = t, true
	// Written as a difference, which cannot overflow for timestamps within 292 years of
	// each other, rather than as t-window, which can for a clock near math.MinInt64.
	for v.w.count > 0 && t-v.w.buf[v.w.head].t >= v.window {
		v.w.pop()
	}
	return t
}

// Value returns the VWAP of the trades in the window, or 0 when the window is empty.
func (v *TimeVWAP) Value() float64 { return v.value }

// Ready reports whether the window holds at least one trade and the data clock has run
// for a whole window since the first trade, so that the average is not still warming up.
func (v *TimeVWAP) Ready() bool {
	return v.w.count > 0 && v.now-v.start >= v.window
}

// Len returns the number of trades in the window.
func (v *TimeVWAP) Len() int { return v.w.count }

// Capacity returns the most trades the window can hold.
func (v *TimeVWAP) Capacity() int { return len(v.w.buf) }

// Window returns the length of the window on the data clock.
func (v *TimeVWAP) Window() time.Duration { return time.Duration(v.window) }

// EarlyEvictions returns the number of trades evicted because the ring was full, before
// they had aged out of the window, since construction or the last Reset. If it grows,
// the capacity is too small for the market's trade rate and the average covers less than
// the window.
func (v *TimeVWAP) EarlyEvictions() uint64 { return v.early }

// Rejected returns the number of trades Update has ignored since construction or the
// last Reset.
func (v *TimeVWAP) Rejected() uint64 { return v.rejected }

// Reset empties the window, forgets the data clock and returns the TimeVWAP to its state
// after construction.
func (v *TimeVWAP) Reset() {
	*v = TimeVWAP{w: tradeRing{buf: v.w.buf}, window: v.window}
}

// tradeRing is a FIFO of trades in a fixed ring with running sums of price×qty and qty.
//
// The running sums are rebuilt exactly once per turnover of the window, whatever decides
// when trades leave it: the fresh sums add only the trades from sequence number
// freshFrom on, and since trades leave in order, at the moment trade freshFrom-1 leaves
// the window holds exactly the trades the fresh sums have added, and nothing has been
// subtracted from them.
type tradeRing struct {
	buf   []trade
	head  int // index of the oldest trade
	count int

	seq       uint64 // sequence number of the next trade pushed
	freshFrom uint64 // sequence number of the first trade in the fresh sums

	pq, q   float64 // running sums over the window
	fpq, fq float64 // sums over the trades from freshFrom on
}

type trade struct {
	pq, q float64
	t     int64
}

func newTradeRing(capacity int) tradeRing {
	return tradeRing{buf: make([]trade, capacity)}
}

// push appends a trade; the caller makes room first.
func (r *tradeRing) push(pq, q float64, t int64) {
	if r.count == 0 {
		// An empty window restarts the sums exactly; the fresh sums start after this
		// trade, so that they replace the running ones when it leaves.
		r.pq, r.q = pq, q
		r.fpq, r.fq = 0, 0
		r.freshFrom = r.seq + 1
	} else {
		r.pq += pq
		r.q += q
		r.fpq += pq
		r.fq += q
	}
	i := r.head + r.count
	if i >= len(r.buf) {
		i -= len(r.buf)
	}
	r.buf[i] = trade{pq, q, t}
	r.count++
	r.seq++
}

// pop drops the oldest trade; the caller checks that there is one.
func (r *tradeRing) pop() {
	old := r.buf[r.head]
	seq := r.seq - uint64(r.count)
	if r.head++; r.head == len(r.buf) {
		r.head = 0
	}
	r.count--
	switch {
	case r.count == 0:
		r.pq, r.q = 0, 0
	case seq+1 == r.freshFrom:
		r.pq, r.q = r.fpq, r.fq
		r.fpq, r.fq = 0, 0
		r.freshFrom = r.seq
	default:
		r.pq -= old.pq
		r.q -= old.q
	}
}

// vwap returns Σpq/Σq over the window, or 0 if it is empty.
func (r *tradeRing) vwap() float64 {
	if r.count == 0 {
		return 0
	}
	if !(r.q > 0) {
		// Every qty is positive, so only cancellation in the running sum can get here:
		// a trade many orders of magnitude larger than the ones left in the window has
		// just left it. Sum the window afresh rather than divide by zero; this is O(n)
		// but needs quantities some 16 orders of magnitude apart.
		r.resum()
	}
	return r.pq / r.q
}

// resum recomputes the running sums from the ring, and restarts the fresh sums so that
// they stay in step with them.
func (r *tradeRing) resum() {
	r.pq, r.q = 0, 0
	for i, j := 0, r.head; i < r.count; i++ {
		r.pq += r.buf[j].pq
		r.q += r.buf[j].q
		if j++; j == len(r.buf) {
			j = 0
		}
	}
	r.fpq, r.fq = 0, 0
	r.freshFrom = r.seq
	// The next rebase is due when the newest trade leaves; until then the fresh sums
	// collect the trades after it.
}
