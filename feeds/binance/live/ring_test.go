package live

import (
	"runtime"
	"sync"
	"testing"
)

type answer struct {
	id, price, qty int64
	kind           uint8
}

func TestRingFIFOAndFull(t *testing.T) {
	r, err := NewRing[answer](4)
	if err != nil {
		t.Fatal(err)
	}
	for i := int64(0); i < 4; i++ {
		if !r.Push(answer{id: i}) {
			t.Fatalf("push %d refused", i)
		}
	}
	if r.Push(answer{id: 9}) {
		t.Fatal("push into a full ring accepted")
	}
	for i := int64(0); i < 4; i++ {
		v, ok := r.Pop()
		if !ok || v.id != i {
			t.Fatalf("pop %d: %v %v", i, v, ok)
		}
	}
	if _, ok := r.Pop(); ok {
		t.Fatal("pop from an empty ring")
	}
	for _, c := range []int{0, 1, 3, 6, 1 << 25} {
		if _, err := NewRing[int](c); err == nil {
			t.Errorf("capacity %d accepted", c)
		}
	}
}

// TestRingConcurrent passes 262144 values from one goroutine to another; under -race
// it also checks the atomics publish the slots.
func TestRingConcurrent(t *testing.T) {
	r, _ := NewRing[answer](64)
	const n = 1 << 18
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := int64(0); i < n; {
			if r.Push(answer{id: i, price: -i}) {
				i++
			} else {
				runtime.Gosched() // two shared cores: let the consumer run
			}
		}
	}()
	for i := int64(0); i < n; {
		v, ok := r.Pop()
		if !ok {
			runtime.Gosched()
			continue
		}
		if v.id != i || v.price != -i {
			t.Fatalf("got %+v, want id %d", v, i)
		}
		i++
	}
	wg.Wait()
}

func TestRingAllocs(t *testing.T) {
	r, _ := NewRing[answer](8)
	if a := testing.AllocsPerRun(1000, func() {
		r.Push(answer{id: 1})
		r.Pop()
	}); a != 0 {
		t.Fatalf("%v allocs per push+pop", a)
	}
}

func BenchmarkRingPushPop(b *testing.B) {
	r, _ := NewRing[answer](1024)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		r.Push(answer{id: int64(i)})
		r.Pop()
	}
}
