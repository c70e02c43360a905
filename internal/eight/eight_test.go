package eight

import (
	"encoding/binary"
	"math/rand/v2"
	"strconv"
	"testing"
)

// TestDigitsAsStrconv holds Digits to strconv.ParseUint on eight bytes: every digit
// string it accepts must have strconv's value, and every string with a byte that is
// not a digit (each position, every byte value) must be refused.
func TestDigitsAsStrconv(t *testing.T) {
	check := func(b [8]byte) {
		t.Helper()
		got, ok := Digits(binary.LittleEndian.Uint64(b[:]))
		allDigits := true
		for _, c := range b {
			allDigits = allDigits && c >= '0' && c <= '9'
		}
		if ok != allDigits {
			t.Fatalf("Digits(%q) ok = %v, want %v", b[:], ok, allDigits)
		}
		if want, _ := strconv.ParseUint(string(b[:]), 10, 64); ok && got != want {
			t.Fatalf("Digits(%q) = %d, want %d", b[:], got, want)
		}
	}
	for _, s := range []string{"00000000", "99999999", "12345678", "00000001", "10000000"} {
		check([8]byte([]byte(s)))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 3000 {
		var b [8]byte
		for i := range b {
			b[i] = '0' + byte(rng.IntN(10))
		}
		check(b)
		pos := rng.IntN(8)
		for c := range 256 {
			b2 := b
			b2[pos] = byte(c)
			check(b2)
		}
	}
}
