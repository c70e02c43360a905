package binance

import (
	"github.com/nanotick/nanotick/internal/eight"
	"math/bits"
	"unsafe"

	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/orderbook"
)

// shortLevels reads depth levels spelled as Binance USD-M spells every level:
// ["p","q"] with each number written to exactly its scale's decimals
// ("59123.40","0.003" at scales 2 and 3), at least one integer digit, and at
// most 7 digits in all, so that the number fits in 8 bytes with its point.
// Such a number is exact and far from overflowing. Levels reads every level
// it declines (other spellings, longer numbers such as a price of 100000.00
// at scale 2, errors) again with decimalFast and level, so it changes how
// fast a frame is read, never what it reads: TestRealDepthExact compares
// every frame of both recordings with encoding/json, and FuzzShortLevels
// compares it with level.
//
// It reads each level as if its numbers had as many integer digits as the
// guess, and checks that they do. On the USD-M recording 98% of the prices
// have 5 integer digits and 97% of the quantities 1, and the guess changes
// only when two levels running have the same other spelling, so nearly
// every level is read at the offsets the guess gives, not at ones found in
// its bytes: the reads of a level do not wait on the digits of the one
// before, and no branch depends on the length of a number. Each number is
// then one 8-byte load, read a word at a time (see levelAs); the separators
// are three small loads. Reading the numbers a digit at a time, as
// decimalFast does, had cost USD-M, whose frames bring twice the levels of
// spot's, as much per level as spot's longer numbers; this reads a USD-M
// depth frame in about four fifths of the time (median of the ratios over
// chunks of 50 frames of the recording, alternated with the digit-at-a-time
// reader: 0.74, and 0.81 on a frame read again while it is in the cache),
// and its arrays, since the loads without bounds checks (see run), in 0.64
// of that.
type shortLevels struct {
	ps, qs int         // the scales: fraction digits
	p, q   [8]numShape // by integer digits; those that cannot be read never match
	// cur is the guess, the integer digits of the price and of the quantity
	// that run expects, as the shapes and offsets it reads a level with.
	cur levelShape
	// The last level that missed the guess: the offset past it, and its
	// shape. A miss right after it (at missEnd+1) of the same shape becomes
	// the guess; any other keeps it.
	missEnd        int
	missNP, missNQ int
}

// newShortLevels returns the reader of levels at price and quantity scales
// ps and qs, or nil if they do not suit it: both 1 to 6.
func newShortLevels(ps, qs fixed.Scale) *shortLevels {
	if min(ps, qs) < 1 || max(ps, qs) > 6 {
		return nil
	}
	s := &shortLevels{ps: int(ps), qs: int(qs), missEnd: -2}
	for n := range 8 {
		s.p[n] = newNumShape(n, int(ps))
		s.q[n] = newNumShape(n, int(qs))
	}
	s.guess(1, 1)
	return s
}

// run reads levels from b[i] on into dst while they come as it reads them,
// each followed by `,[`. It returns dst, and either the offset past the last
// level read, which no `,[` follows, and true, or the offset of the level
// it could not read and false.
//
// It is levelAs written out, without a call per level (about 7% less time
// per USD-M frame than a call to levelAs per level), with the guess's shapes
// and offsets read through one pointer: held in locals, they made the loop
// spill registers. Each level's bytes are read by five loads at offsets from
// its '[', after one range check, through unsafe.Add: subslicing b for each
// cost a bounds check and the masking of the slice's pointer. The checks of
// a level are or-ed into one word, tested by one branch. Reading the arrays
// of the USD-M recording took 0.75 of the time with the unsafe loads, and
// 0.64 with the pointer too (medians of the ratios over chunks of 50 frames,
// alternated with the reader before them).
func (s *shortLevels) run(b []byte, i int, dst []orderbook.Level) ([]orderbook.Level, int, bool) {
	const ones = 0x0101010101010101
	g := &s.cur // one pointer, not eight locals: fewer registers to spill
	base := unsafe.Pointer(unsafe.SliceData(b))
	for {
		if i >= 0 && i <= len(b)-g.need {
			// In range: i+need <= len(b), and every load below ends by i+need.
			at := unsafe.Add(base, i)
			qsOff, endOff := g.qsOff, g.endOff
			head := uint64(*(*uint16)(at))               // ["
			pw := *(*uint64)(unsafe.Add(at, 2))          // the price from its first digit
			sep := *(*uint32)(unsafe.Add(at, qsOff-4))   // the price's last digit and ","
			qw := *(*uint64)(unsafe.Add(at, qsOff))      // the quantity from its first digit
			tail := *(*uint32)(unsafe.Add(at, endOff-2)) // "] and the two bytes after
			pd := (pw&g.p.intM|pw>>8&g.p.fracM)<<(g.p.shift&63) | g.p.pad - '0'*ones
			qd := (qw&g.q.intM|qw>>8&g.q.fracM)<<(g.q.shift&63) | g.q.pad - '0'*ones
			bad := ((pd | (pd + 0x76*ones) | qd | (qd + 0x76*ones)) & (0x80 * ones)) | // digits (see eight.Digits)
				((pw & g.p.dot) ^ g.p.dotVal) | ((qw & g.q.dot) ^ g.q.dotVal) |
				(head ^ ('[' | '"'<<8)) |
				uint64((sep&0xFFFFFF00)^('"'<<8|','<<16|'"'<<24)) |
				uint64((tail&0xFFFF)^('"'|']'<<8)) |
				(pd-1)>>63 // a zero price, which levels reports: all digits 0, and only then, makes pd 0
			if bad == 0 {
				dst = append(dst, orderbook.Level{Price: int64(eight.Value(pd)), Qty: int64(eight.Value(qd))})
				if tail>>16 != ','|'['<<8 {
					return dst, i + endOff, true
				}
				i += endOff + 1
				continue
			}
		}
		l, k, ok := s.miss(b, i)
		if !ok {
			return dst, i, false
		}
		dst = append(dst, l)
		if k+1 >= len(b) || b[k] != ',' || b[k+1] != '[' {
			return dst, k, true
		}
		i = k + 1
	}
}

// levelShape is what run reads a level with: the shapes of its numbers, and
// its offsets from the level's '[': to the quantity's first digit, to past
// the level's `"]`, and past the last byte run reads.
type levelShape struct {
	p, q                numShape
	qsOff, endOff, need int
}

// guess makes np and nq, both in 0..7, the guess.
func (s *shortLevels) guess(np, nq int) {
	qsOff := np + s.ps + 6
	endOff := qsOff + nq + s.qs + 3
	s.cur = levelShape{p: s.p[np&7], q: s.q[nq&7], qsOff: qsOff, endOff: endOff, need: max(qsOff+8, endOff+2)}
}

// levelAs reads the level at b[i] if its price has np integer digits and its
// quantity nq, np and nq in 0..7, and returns it and the offset past it. It
// reports false for anything else. It reads a level as run does, after one
// range check: each number's digits, closed up over its point and shifted to
// the top of the word with '0's below them (leading zeros), are checked as
// eight.Digits checks them, and its point in its place; the masks and shifts
// are numShape's.
func (s *shortLevels) levelAs(b []byte, i, np, nq int) (orderbook.Level, int, bool) {
	const ones = 0x0101010101010101
	qsOff := np + s.ps + 6          // the quantity's first digit, past `","`
	endOff := qsOff + nq + s.qs + 3 // past `"]`
	if i < 0 || i > len(b)-max(qsOff+8, endOff) {
		return orderbook.Level{}, i, false
	}
	// In range: the loads below end by i+max(qsOff+8, endOff).
	at := unsafe.Add(unsafe.Pointer(unsafe.SliceData(b)), i)
	ps, qn := &s.p[np&7], &s.q[nq&7]
	head := uint64(*(*uint16)(at))
	pw := *(*uint64)(unsafe.Add(at, 2))
	sep := *(*uint32)(unsafe.Add(at, qsOff-4))
	qw := *(*uint64)(unsafe.Add(at, qsOff))
	tail := uint64(*(*uint16)(unsafe.Add(at, endOff-2)))
	pd := (pw&ps.intM|pw>>8&ps.fracM)<<(ps.shift&63) | ps.pad - '0'*ones
	qd := (qw&qn.intM|qw>>8&qn.fracM)<<(qn.shift&63) | qn.pad - '0'*ones
	bad := ((pd | (pd + 0x76*ones) | qd | (qd + 0x76*ones)) & (0x80 * ones)) |
		((pw & ps.dot) ^ ps.dotVal) | ((qw & qn.dot) ^ qn.dotVal) |
		(head ^ ('[' | '"'<<8)) |
		uint64((sep&0xFFFFFF00)^('"'<<8|','<<16|'"'<<24)) |
		(tail ^ ('"' | ']'<<8)) |
		(pd-1)>>63 // a zero price (see run)
	if bad != 0 {
		return orderbook.Level{}, i, false
	}
	return orderbook.Level{Price: int64(eight.Value(pd)), Qty: int64(eight.Value(qd))}, i + endOff, true
}

// miss is levelAs after the guess was wrong: it counts the integer digits of
// the level's numbers and reads it with them. If the level right before it
// missed too, with the same shape, that shape becomes the guess. A lone
// level of another shape leaves the guess alone: on the USD-M recording
// every bids array starts with one or two such levels (walls at 1000.00 and
// 5000.00, often with a 3-digit quantity) before the 5-digit prices, and a
// guess that followed any two misses running followed them, and missed the
// next two levels as well (4.9 misses a frame against 2.9).
//
//go:noinline
func (s *shortLevels) miss(b []byte, i int) (orderbook.Level, int, bool) {
	if i < 0 || len(b)-i < 2 {
		return orderbook.Level{}, i, false
	}
	// The digits are counted a word at a time where 8 bytes are left (read
	// through unsafe.Add after that check, as run reads), else a byte at a
	// time.
	base := unsafe.Pointer(unsafe.SliceData(b))
	np := 0
	if len(b)-(i+2) >= 8 {
		np = wordDigits(*(*uint64)(unsafe.Add(base, i+2)))
	} else {
		np = leadDigitsSlow(b, i+2)
	}
	qs := i + 2 + np + 1 + s.ps + 3 // past the point, the fraction and `","`
	if qs > len(b) || np > 7 {
		return orderbook.Level{}, i, false
	}
	nq := 0
	if len(b)-qs >= 8 {
		nq = wordDigits(*(*uint64)(unsafe.Add(base, qs)))
	} else {
		nq = leadDigitsSlow(b, qs)
	}
	if nq > 7 {
		return orderbook.Level{}, i, false
	}
	l, end, ok := s.levelAs(b, i, np, nq)
	if ok {
		if i == s.missEnd+1 && np == s.missNP && nq == s.missNQ {
			s.guess(np, nq)
		}
		s.missEnd, s.missNP, s.missNQ = end, np, nq
	}
	return l, end, ok
}

// wordDigits returns the number of ASCII digits that w starts with, its
// lowest byte first: 8 if they all are.
func wordDigits(w uint64) int {
	const ones = 0x0101010101010101
	d := w - '0'*ones
	// A byte's top bit is set if it is below '0' (its borrow then reaches
	// only bytes after it) or above '9'.
	return bits.TrailingZeros64((d|(d+0x76*ones))&(0x80*ones)) / 8
}

// leadDigitsSlow returns the number of ASCII digits at b[i:], read a byte
// at a time.
//
//go:noinline
func leadDigitsSlow(b []byte, i int) int {
	if i < 0 {
		return 0
	}
	_, j := intDigits(b, i)
	return j - i
}

// numShape is the spelling of a number of n integer and f fraction digits
// as masks and a shift over the 8 bytes loaded from its first digit, which
// hold the number whole if n+f <= 7: the digits, the point at byte n, and
// the fraction after it.
type numShape struct {
	dot, dotVal uint64 // the point's byte, and '.' in it
	intM, fracM uint64 // the integer digits' bytes, and the fraction's once moved down over the point
	shift       uint   // 64 - 8(n+f): moves the n+f digits to the top of the word
	pad         uint64 // '0' in each byte below them
}

// newNumShape returns the numShape of n integer and f fraction digits: one
// that matches no word unless n and f are at least 1 and at most 7
// together.
func newNumShape(n, f int) numShape {
	if n < 1 || f < 1 || n+f > 7 {
		return numShape{dotVal: 1} // w&0 is never 1
	}
	low := func(k int) uint64 { return uint64(1)<<(8*k) - 1 } // the low k bytes, k < 8
	sh := uint(64 - 8*(n+f))
	return numShape{
		dot: 0xFF << (8 * n), dotVal: '.' << (8 * n),
		intM: low(n), fracM: low(n+f) &^ low(n),
		shift: sh, pad: '0' * 0x0101010101010101 >> (64 - sh),
	}
}
