package indicator

// RollingMin is the minimum of the last period inputs.
//
// It keeps a monotonic deque in a fixed ring: the inputs that can still become the
// minimum, oldest first and in increasing order. An input evicts from the back every
// input that is not smaller than it, because those can never be the minimum again while
// it is in the window; the front is dropped when it leaves the window. Each input enters
// and leaves the deque once, so an update costs O(1) amortized, and the deque never holds
// more than period entries, so the ring never grows.
type RollingMin struct {
	dq     []minEntry // ring holding the deque
	head   int        // index of the deque's front, the current minimum
	size   int        // entries in the deque
	period uint64
	seq    uint64 // number of inputs accepted; the next input's sequence number

	value    float64
	rejected uint64
}

type minEntry struct {
	v   float64
	seq uint64
}

// NewRollingMin returns a RollingMin over the last period inputs. It returns an error
// unless 1 <= period <= MaxWindow.
func NewRollingMin(period int) (*RollingMin, error) {
	if err := checkLen("RollingMin", "period", period); err != nil {
		return nil, err
	}
	return newRollingMin(period), nil
}

func newRollingMin(period int) *RollingMin {
	return &RollingMin{dq: make([]minEntry, period), period: uint64(period)}
}

// Update adds x to the window, dropping the oldest input once the window is full, and
// returns the new minimum. A NaN or ±Inf x is ignored and counted by Rejected; a NaN in
// the deque would break its ordering, since it compares false with everything.
func (r *RollingMin) Update(x float64) float64 {
	if !finite(x) {
		r.rejected++
		return r.value
	}
	n := len(r.dq)
	seq := r.seq
	r.seq++

	// Sequence numbers in the deque are distinct and all within the last period, so at
	// most the front one (seq-period) leaves the window per update.
	if r.size > 0 && r.dq[r.head].seq+r.period <= seq {
		if r.head++; r.head == n {
			r.head = 0
		}
		r.size--
	}
	// Pop from the back every entry x makes irrelevant. Equal entries go too: the newer
	// one stays in the window longer.
	for r.size > 0 {
		back := r.head + r.size - 1
		if back >= n {
			back -= n
		}
		if r.dq[back].v < x {
			break
		}
		r.size--
	}
	tail := r.head + r.size
	if tail >= n {
		tail -= n
	}
	r.dq[tail] = minEntry{x, seq}
	r.size++
	r.value = r.dq[r.head].v
	return r.value
}

// Value returns the minimum of the inputs in the window, or 0 before the first input.
func (r *RollingMin) Value() float64 { return r.value }

// Ready reports whether the window is full.
func (r *RollingMin) Ready() bool { return r.seq >= r.period }

// Len returns the number of inputs in the window.
func (r *RollingMin) Len() int { return int(min(r.seq, r.period)) }

// Period returns the window length.
func (r *RollingMin) Period() int { return int(r.period) }

// Rejected returns the number of non-finite inputs Update has ignored since construction
// or the last Reset.
func (r *RollingMin) Rejected() uint64 { return r.rejected }

// Reset empties the window and returns the RollingMin to its state after construction.
func (r *RollingMin) Reset() {
	*r = RollingMin{dq: r.dq, period: r.period}
}

// RollingMax is the maximum of the last period inputs.
//
// It is a RollingMin of the negated inputs: negation is exact and reverses the order of
// every finite float64, so the maximum is the negated minimum, and one deque
// implementation serves both without a comparison chosen at run time.
type RollingMax struct {
	m RollingMin
}

// NewRollingMax returns a RollingMax over the last period inputs. It returns an error
// unless 1 <= period <= MaxWindow.
func NewRollingMax(period int) (*RollingMax, error) {
	if err := checkLen("RollingMax", "period", period); err != nil {
		return nil, err
	}
	return &RollingMax{m: *newRollingMin(period)}, nil
}

// Update adds x to the window, dropping the oldest input once the window is full, and
// returns the new maximum. A NaN or ±Inf x is ignored and counted by Rejected.
func (r *RollingMax) Update(x float64) float64 {
	r.m.Update(-x)
	return r.Value()
}

// Value returns the maximum of the inputs in the window, or 0 before the first input.
func (r *RollingMax) Value() float64 {
	if r.m.seq == 0 {
		return 0 // not -0, the negation of the empty RollingMin's 0
	}
	return -r.m.value
}

// Ready reports whether the window is full.
func (r *RollingMax) Ready() bool { return r.m.Ready() }

// Len returns the number of inputs in the window.
func (r *RollingMax) Len() int { return r.m.Len() }

// Period returns the window length.
func (r *RollingMax) Period() int { return r.m.Period() }

// Rejected returns the number of non-finite inputs Update has ignored since construction
// or the last Reset.
func (r *RollingMax) Rejected() uint64 { return r.m.rejected }

// Reset empties the window and returns the RollingMax to its state after construction.
func (r *RollingMax) Reset() { r.m.Reset() }
