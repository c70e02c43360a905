package session

import (
	"errors"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/nanotick/nanotick/instrument"
)

// slotKind says what a ring slot carries.
type slotKind uint8

const (
	slotFrame    slotKind = iota + 1 // a data message
	slotSnapshot                     // a snapshot body
	slotReset                        // Sink.Reset
	slotState                        // Sink.State: the engine's clock advances, so risk sees invalid books
)

// slot is one entry of a Ring. A frame that fits is copied into data; a larger one
// travels by reference (ref), and its producer waits until the consumer is done with
// it before reusing its buffer.
type slot struct {
	kind  slotKind
	inst  instrument.Index
	n     int
	local int64
	ref   []byte
	data  []byte // len == slot size, into the ring's one backing array
}

// Ring carries one connection's frames from its reading goroutine (the producer) to the
// engine's goroutine (the consumer). It is a single-producer single-consumer queue of
// preallocated frame slots: Push copies a frame into the slot at the tail and publishes
// it with one atomic store; the consumer handles the frame in place, straight from the
// slot, and frees it with one atomic store. Neither side takes a lock or allocates.
//
// A full ring makes the producer wait (the connection's socket buffers meanwhile, as it
// does when the engine is busy with the first connection's frames): nothing is dropped.
type Ring struct {
	_    [64]byte
	head atomic.Uint64 // next slot the consumer reads; slots below it are free
	_    [56]byte
	tail atomic.Uint64 // next slot the producer writes
	_    [56]byte
	mask uint64
	slot []slot
	stop atomic.Bool // the consumer is gone: producers stop waiting
	wake func()
}

// Ring sizes: DefaultSlots slots of DefaultSlotSize bytes, 1 MiB per connection. A
// Binance depth@100ms frame of a busy symbol is 1-4 KB; larger ones go by reference.
const (
	DefaultSlots    = 64
	DefaultSlotSize = 16 << 10
)

// NewRing returns a ring of slots slots (a power of two, 2..4096) of size bytes each
// (at least 512), calling wake after every push.
func NewRing(slots, size int, wake func()) (*Ring, error) {
	if slots < 2 || slots > 4096 || slots&(slots-1) != 0 {
		return nil, errors.New("session: ring slots must be a power of two between 2 and 4096")
	}
	if size < 512 {
		return nil, errors.New("session: ring slot size must be at least 512 bytes")
	}
	if wake == nil {
		wake = func() {}
	}
	r := &Ring{mask: uint64(slots - 1), slot: make([]slot, slots), wake: wake}
	backing := make([]byte, slots*size)
	for i := range r.slot {
		r.slot[i].data = backing[i*size : (i+1)*size : (i+1)*size]
	}
	return r, nil
}

// push writes one slot and publishes it; it waits while the ring is full, and returns
// the slot's sequence number, or false if the consumer has stopped. Producer only.
func (r *Ring) push(kind slotKind, i instrument.Index, p []byte, local int64, byRef bool) (uint64, bool) {
	t := r.tail.Load()
	for wait := 0; t-r.head.Load() > r.mask; wait++ {
		if r.stop.Load() {
			return 0, false
		}
		r.wake()
		pause(wait)
	}
	s := &r.slot[t&r.mask]
	s.kind, s.inst, s.local, s.ref, s.n = kind, i, local, nil, 0
	if byRef {
		s.ref = p
	} else {
		s.n = copy(s.data, p)
	}
	r.tail.Store(t + 1) // publishes the slot written above
	r.wake()
	return t, true
}

// waitDone waits until the consumer is done with slot seq; false if it stopped first.
// Producer only.
func (r *Ring) waitDone(seq uint64) bool {
	for wait := 0; r.head.Load() <= seq; wait++ {
		if r.stop.Load() {
			return false
		}
		pause(wait)
	}
	return true
}

// pause backs a waiting producer off: a few yields, then sleeps of 50us, so that a
// stalled consumer does not cost a spinning core.
func pause(n int) {
	if n < 64 {
		runtime.Gosched()
		return
	}
	time.Sleep(50 * time.Microsecond)
}

// peek returns the oldest slot, or nil when the ring is empty. Consumer only; the slot
// stays the consumer's until release.
func (r *Ring) peek() *slot {
	h := r.head.Load()
	if h == r.tail.Load() {
		return nil
	}
	return &r.slot[h&r.mask]
}

// release frees the slot peek returned. Consumer only.
func (r *Ring) release() {
	h := r.head.Load()
	r.slot[h&r.mask].ref = nil // the producer's buffer: not the ring's to keep alive
	r.head.Store(h + 1)        // frees the slot, and tells a waiting producer it is done
}

// Len returns the number of slots queued; from any goroutine only an estimate.
func (r *Ring) Len() int { return int(r.tail.Load() - r.head.Load()) }

// Stop makes every waiting and future push return at once: the consumer is gone.
func (r *Ring) Stop() { r.stop.Store(true) }

// payload returns a slot's frame.
func (s *slot) payload() []byte {
	if s.ref != nil {
		return s.ref
	}
	return s.data[:s.n]
}
