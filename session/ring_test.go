package session

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/nanotick/nanotick/instrument"
)

// TestRingOrder: a producer goroutine pushes frames of every size, some too large for a
// slot (they travel by reference and the producer waits until they were used), through
// a ring far smaller than the stream; the consumer gets every one, in order, intact,
// with its instrument and local time.
func TestRingOrder(t *testing.T) {
	r, err := NewRing(4, 512, func() {})
	if err != nil {
		t.Fatal(err)
	}
	const n = 2000
	frame := func(k int) []byte {
		size := 10 + k%700 // some over the 512-byte slots
		return bytes.Repeat([]byte{byte('a' + k%26)}, size)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 0, 1024)
		for k := range n {
			buf = append(buf[:0], frame(k)...) // one reused buffer, as a socket reader has
			byRef := len(buf) > 512
			seq, ok := r.push(slotFrame, instrument.Index(k%3), buf, int64(k), byRef)
			if !ok {
				t.Error("push refused on a running ring")
				return
			}
			if byRef && !r.waitDone(seq) {
				t.Error("waitDone refused on a running ring")
				return
			}
		}
	}()
	deadline := time.Now().Add(30 * time.Second)
	for k := 0; k < n; {
		sl := r.peek()
		if sl == nil {
			if time.Now().After(deadline) {
				t.Fatalf("stuck after %d frames", k)
			}
			continue
		}
		if got, want := sl.payload(), frame(k); !bytes.Equal(got, want) || sl.inst != instrument.Index(k%3) || sl.local != int64(k) {
			t.Fatalf("frame %d: %d bytes %q... instrument %d local %d", k, len(got), got[:min(len(got), 5)], sl.inst, sl.local)
		}
		r.release()
		k++
	}
	<-done
	if r.Len() != 0 {
		t.Errorf("%d slots left", r.Len())
	}
}

// TestRingStop: a producer waiting on a full ring, or for a frame to be used, returns
// once the consumer stops.
func TestRingStop(t *testing.T) {
	r, err := NewRing(2, 512, func() {})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, ok := r.push(slotFrame, 0, []byte("x"), 0, false); !ok {
			t.Fatal("push refused")
		}
	}
	res := make(chan bool)
	go func() {
		_, ok := r.push(slotFrame, 0, []byte("y"), 0, false)
		res <- ok
	}()
	r.Stop()
	select {
	case ok := <-res:
		if ok {
			t.Error("push on a full, stopped ring reported success")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("producer still waiting after Stop")
	}
	if r.waitDone(5) {
		t.Error("waitDone on a stopped ring reported success")
	}
}

func TestNewRingChecks(t *testing.T) {
	for _, c := range []struct{ slots, size int }{{0, 512}, {3, 512}, {8192, 512}, {4, 100}} {
		if _, err := NewRing(c.slots, c.size, nil); err == nil {
			t.Errorf("NewRing(%d, %d) accepted", c.slots, c.size)
		}
	}
	if _, err := NewRing(DefaultSlots, DefaultSlotSize, nil); err != nil {
		t.Error(err)
	}
}

// BenchmarkRingPushPop is the ring's own cost per frame: copy a real-sized depth frame
// into a slot, publish it, and take it out, on one goroutine (no wake-up, no cache line
// crossing cores): the floor of the hop.
func BenchmarkRingPushPop(b *testing.B) {
	for _, size := range []int{400, 2000, 8000} {
		b.Run(fmt.Sprint(size, "B"), func(b *testing.B) {
			r, _ := NewRing(DefaultSlots, DefaultSlotSize, func() {})
			frame := bytes.Repeat([]byte("x"), size)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			var sum int
			for b.Loop() {
				r.push(slotFrame, 1, frame, 1, false)
				sum += len(r.peek().payload())
				r.release()
			}
			if sum != b.N*size {
				b.Fatal("lost frames")
			}
		})
	}
}
