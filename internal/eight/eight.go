// Package eight owns the word-at-a-time reading of decimal digits that the decoders of
// recorded and live data share: eight ASCII digits checked and valued with a few
// word operations instead of a loop per byte. It must never allocate, and its functions
// stay small enough to be inlined into the decoders' loops.
package eight

// Digits takes 8 bytes (a little-endian load: the first byte is the low byte) and
// reports whether they are all ASCII digits and, if so, their value.
//
// After subtracting '0' from every byte, a digit is 0 to 9: neither it nor it plus 0x76
// reaches 0x80. Any other byte has its high bit set in one or the other: bytes below
// '0' wrap to 0xD0 and up, bytes above '9' reach 0x80 once 0x76 is added. The
// subtraction and the addition can borrow or carry into the next byte, but only out of
// a byte that already fails.
func Digits(x uint64) (uint64, bool) {
	const ones = 0x0101010101010101
	d := x - '0'*ones
	if (d|(d+0x76*ones))&(0x80*ones) != 0 {
		return 0, false
	}
	return Value(d), true
}

// Value returns the value of the eight decimal digits d, one a byte with '0'
// subtracted, the most significant first in memory (the lowest byte), as Digits has
// checked them: with three multiplications instead of eight, pairs of digits, then
// pairs of pairs, then the two halves.
func Value(d uint64) uint64 {
	const mask = 0x000000FF000000FF
	const mul1 = 100 + 1000000<<32
	const mul2 = 1 + 10000<<32
	d = d*10 + d>>8
	return ((d&mask)*mul1 + (d>>16&mask)*mul2) >> 32
}
