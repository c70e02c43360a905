package jsmath

import "math"

// Go may fuse x*y + z into one fused multiply-add on some architectures (arm64, amd64
// with GOAMD64=v3), which rounds once instead of twice and so changes the last bit.
// fdlibm, as V8 builds it, rounds every operation: every product that meets an addition
// below is wrapped in float64(), which the Go specification says prevents fusion.

// hi returns the high 32 bits of x's representation, as fdlibm's GET_HIGH_WORD.
func hi(x float64) int32 { return int32(math.Float64bits(x) >> 32) }

// lo returns the low 32 bits, as GET_LOW_WORD.
func lo(x float64) uint32 { return uint32(math.Float64bits(x)) }

// fromWords builds a double from its two halves, as INSERT_WORDS.
func fromWords(h int32, l uint32) float64 {
	return math.Float64frombits(uint64(uint32(h))<<32 | uint64(l))
}

// withLow replaces the low word, as SET_LOW_WORD.
func withLow(x float64, l uint32) float64 { return fromWords(hi(x), l) }

// withHigh replaces the high word, as SET_HIGH_WORD.
func withHigh(x float64, h int32) float64 { return fromWords(h, lo(x)) }
