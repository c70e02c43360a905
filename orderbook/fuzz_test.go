package orderbook

import (
	"encoding/binary"
	"math"
	"slices"
	"testing"
)

// FuzzBook decodes the input as a sequence of Set (or SetLevels) calls on a narrow price
// range, so that inserts, deletes, splits and merges of chunks all collide,
// and checks the book against the model and its own invariants after each.
// Run it with -fuzzminimizetime 3s (or so): with the default minute, minimizing
// each new interesting input, whose checks walk both ladders' 16384 buckets,
// took the whole of a short run, and it stopped after under 200 executions.
func FuzzBook(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0, 10, 1, 1, 20, 1, 0, 10, 0})
	seq := make([]byte, 0, 3*600)
	for i := range 300 { // a full side, then deletes from the bottom
		seq = append(seq, 0, byte(i), 1)
	}
	for i := range 300 {
		seq = append(seq, 0, byte(i), 0)
	}
	f.Add(seq)
	// Deferred (odd length): a ladder over a full side, its table emptied and tidied,
	// so that the ladder holds the whole side, then two inserts below its floor.
	seq = make([]byte, 0, 3*440)
	for p := range 300 {
		seq = append(seq, byte(p>>8)<<1, byte(p), 1)
	}
	for p := range 128 {
		seq = append(seq, byte(p>>8)<<1, byte(p), 0)
	}
	seq[len(seq)-1] = 0x20 // the last delete tidies
	seq = append(seq, 0, 50, 1, 0, 60, 2, 0)
	f.Add(seq)
	f.Fuzz(func(t *testing.T, data []byte) {
		b := New(4)
		// An input of odd length runs the book as the engine does, with its upkeep
		// deferred; a byte's bit 5 then calls Tidy after its update, and Len, which
		// applies deferred updates, is checked only with the rest of the book.
		deferred := len(data)%2 == 1
		b.DeferUpkeep(deferred)
		m := model{{}, {}}
		for len(data) >= 3 {
			// side and the top bit of the price from the first byte, so that
			// prices span 512 values; quantity 0..3 with 0 a delete, or near
			// the largest int64 with bit 4.
			side := Side(data[0] & 1)
			price := int64(binary.BigEndian.Uint16([]byte{data[0] >> 1 & 1, data[1]}))
			qty := int64(data[2]&3) - int64(data[2]>>7) // sometimes negative
			if data[2]&0x10 != 0 && qty > 0 {
				qty = math.MaxInt64 - qty // too large for a ladder slot unless its buckets are 1 unit wide
			}
			if data[2]&0x40 != 0 {
				b.SetLevels(side, []Level{{price, qty}})
			} else {
				b.Set(side, price, qty)
			}
			if deferred && data[2]&0x20 != 0 {
				b.Tidy()
			}
			data = data[3:]
			m.set(side, price, qty)
			if !deferred && b.Len(side) != len(m[side]) {
				t.Fatalf("after Set(%v, %d, %d): Len = %d, want %d", side, price, qty, b.Len(side), len(m[side]))
			}
			if len(data)%64 < 3 {
				check(t, b, m)
			}
		}
		check(t, b, m)
	})
}

// check compares all of b with the model m and checks b's invariants, before and
// after reading all of it, which applies what DeferUpkeep left.
func check(t *testing.T, b *Book, m model) {
	t.Helper()
	checkInvariants(t, b)
	for _, s := range []Side{Bid, Ask} {
		if got, want := b.Len(s), len(m[s]); got != want {
			t.Fatalf("%v side: Len = %d, want %d", s, got, want)
		}
		if got, want := levels(b, s), m.levels(s); !slices.Equal(got, want) {
			t.Fatalf("%v side\n got %v\nwant %v", s, got, want)
		}
	}
	checkInvariants(t, b)
}
