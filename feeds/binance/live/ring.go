package live

import (
	"errors"
	"sync/atomic"
)

// Ring is a fixed-capacity lock-free queue for exactly one producer goroutine and one
// consumer goroutine. Push and Pop never allocate, never block and take no lock: the
// producer owns the tail, the consumer the head, and each publishes its index with an
// atomic store that the other reads with an atomic load. Values are copied in and out,
// so T should be a small struct without pointers into memory the producer reuses.
type Ring[T any] struct {
	_    [64]byte // keeps head off the cache line of whatever precedes the Ring
	head atomic.Uint64
	_    [56]byte // head and tail on separate cache lines: no false sharing
	tail atomic.Uint64
	_    [56]byte
	mask uint64
	buf  []T
}

// NewRing returns a ring holding up to capacity values; capacity must be a power of two
// between 2 and 1<<24.
func NewRing[T any](capacity int) (*Ring[T], error) {
	if capacity < 2 || capacity > 1<<24 || capacity&(capacity-1) != 0 {
		return nil, errors.New("live: ring capacity must be a power of two between 2 and 1<<24")
	}
	return &Ring[T]{mask: uint64(capacity - 1), buf: make([]T, capacity)}, nil
}

// Push appends v and reports whether there was room. Only the producer may call it.
// A full ring refuses the value rather than overwrite one the consumer has not seen.
func (r *Ring[T]) Push(v T) bool {
	t := r.tail.Load()
	if t-r.head.Load() > r.mask {
		return false
	}
	r.buf[t&r.mask] = v
	r.tail.Store(t + 1) // publishes the slot written above
	return true
}

// Pop removes and returns the oldest value, or false if the ring is empty. Only the
// consumer may call it.
func (r *Ring[T]) Pop() (T, bool) {
	h := r.head.Load()
	if h == r.tail.Load() {
		var zero T
		return zero, false
	}
	v := r.buf[h&r.mask]
	r.head.Store(h + 1) // frees the slot for the producer only after it was copied out
	return v, true
}

// Len returns the number of values queued. From any goroutine it is only an estimate.
func (r *Ring[T]) Len() int { return int(r.tail.Load() - r.head.Load()) }

// Cap returns the ring's capacity.
func (r *Ring[T]) Cap() int { return len(r.buf) }
