// Package fixed owns nanotick's fixed-point numbers: prices and quantities held as int64
// counts of 10^-s units, where the scale s (a Scale) belongs to the instrument.
//
// Everything on the per-tick path (decoders, the book, risk, order encoding) works in these
// integers, because they are exact and cost nothing to copy or compare. Conversion to
// shopspring/decimal happens only at the edges (config, accounting, reports) and to float64
// only where a strategy script wants a number.
//
// This package must never allocate on its parsing and formatting paths and never go
// through float64 when reading decimal text: a price read from an exchange is either exact
// or an error, never a nearby number.
package fixed

import (
	"errors"
	"math"
	"math/bits"

	"github.com/shopspring/decimal"
)

// Scale is the number of decimal places of a fixed-point value: a value v at scale s
// stands for v × 10^-s.
type Scale uint8

// MaxScale is the largest supported scale; 10^18 is the largest power of ten in an int64.
const MaxScale Scale = 18

// Errors returned by Parse. They are sentinels, so that the hot path can return them
// without allocating; callers add the context (field, frame, line) when they report them.
var (
	// ErrSyntax reports text that is not a decimal number.
	ErrSyntax = errors.New("fixed: malformed number")
	// ErrRange reports a number too large for an int64 at the scale.
	ErrRange = errors.New("fixed: number out of range")
	// ErrPrecision reports a number with more non-zero decimals than the scale holds.
	ErrPrecision = errors.New("fixed: more decimals than the scale holds")
)

var pow10 = [...]uint64{
	1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
}

var pow10f = [...]float64{
	1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
}

// Unit returns 10^s, the integer that stands for 1 at scale s.
func (s Scale) Unit() int64 { return int64(pow10[s]) }

// Valid reports whether s is within 0..MaxScale.
func (s Scale) Valid() bool { return s <= MaxScale }

// Parse reads decimal text ("61837.63000000", "-1.5", "0.001", "1e-5", "1.5E+3") into
// units of 10^-s. It is exact: digits beyond the scale must be zeros, or it returns
// ErrPrecision. It accepts what JSON numbers and exchange decimal strings contain and
// nothing else: no spaces, no underscores, no hexadecimal, no "Inf" or "NaN".
func (s Scale) Parse(b []byte) (int64, error) {
	i, n := 0, len(b)
	neg := false
	if i < n && (b[i] == '-' || b[i] == '+') {
		neg = b[i] == '-'
		i++
	}
	var (
		mant     uint64
		pending  int // zeros seen but not yet multiplied in: trailing decimals may be dropped
		frac     int // decimals multiplied into mant
		digits   int
		inFrac   bool
		overflow bool
	)
	for ; i < n; i++ {
		c := b[i]
		switch {
		case c == '0':
			pending++
			digits++
		case c >= '1' && c <= '9':
			digits++
			mant, overflow = commit(mant, pending, uint64(c-'0'), overflow)
			if inFrac {
				frac += pending + 1
			}
			pending = 0
		case c == '.' && !inFrac:
			// Zeros ending the integer part are significant ("100.5").
			mant, overflow = shift(mant, pending, overflow)
			pending = 0
			inFrac = true
		default:
			goto exponent
		}
	}
exponent:
	if digits == 0 {
		return 0, ErrSyntax
	}
	exp := 0
	if !inFrac {
		// Zeros ending an integer are folded into the exponent rather than multiplied in,
		// so that "1000000000000000000000e-9" does not overflow on the way.
		exp = pending
	}
	if i < n {
		if b[i] != 'e' && b[i] != 'E' {
			return 0, ErrSyntax
		}
		i++
		expNeg, e := false, 0
		if i < n && (b[i] == '-' || b[i] == '+') {
			expNeg = b[i] == '-'
			i++
		}
		if i == n {
			return 0, ErrSyntax
		}
		for ; i < n; i++ {
			c := b[i]
			if c < '0' || c > '9' {
				return 0, ErrSyntax
			}
			if e < 10000 {
				e = e*10 + int(c-'0')
			}
		}
		if expNeg {
			e = -e
		}
		exp += e
	}
	if overflow {
		return 0, ErrRange
	}
	if mant == 0 {
		return 0, nil
	}
	k := int(s) + exp - frac
	switch {
	case k > 19:
		return 0, ErrRange
	case k >= 0:
		hi, lo := bits.Mul64(mant, pow10[k])
		if hi != 0 {
			return 0, ErrRange
		}
		mant = lo
	case k < -19:
		return 0, ErrPrecision
	default:
		q := mant / pow10[-k]
		if q*pow10[-k] != mant {
			return 0, ErrPrecision
		}
		mant = q
	}
	if neg {
		if mant > 1<<63 {
			return 0, ErrRange
		}
		return -int64(mant), nil
	}
	if mant > math.MaxInt64 {
		return 0, ErrRange
	}
	return int64(mant), nil
}

// shift multiplies m by 10^z, reporting overflow (sticky).
func shift(m uint64, z int, overflow bool) (uint64, bool) {
	if m == 0 || z == 0 {
		return m, overflow
	}
	if z > 19 {
		return 0, true
	}
	hi, lo := bits.Mul64(m, pow10[z])
	return lo, overflow || hi != 0
}

// commit multiplies m by 10^(z+1) and adds d, reporting overflow (sticky).
func commit(m uint64, z int, d uint64, overflow bool) (uint64, bool) {
	m, overflow = shift(m, z+1, overflow)
	sum, carry := bits.Add64(m, d, 0)
	return sum, overflow || carry != 0
}

// ParseString is Parse for a string.
func (s Scale) ParseString(str string) (int64, error) {
	return s.Parse([]byte(str))
}

// Float returns v as a float64. It is correctly rounded for |v| < 2^53, because both
// v and 10^s are exact float64s and IEEE division rounds once.
func (s Scale) Float(v int64) float64 {
	return float64(v) / pow10f[s]
}

// FromFloat returns the fixed-point value nearest to f, or false if f is NaN, infinite
// or out of range.
func (s Scale) FromFloat(f float64) (int64, bool) {
	x := math.Round(f * pow10f[s])
	if math.IsNaN(x) || x >= 1<<63 || x < -(1<<63) {
		return 0, false
	}
	return int64(x), true
}

// Decimal returns v as an exact decimal.Decimal. It allocates: use it at the edges only.
func (s Scale) Decimal(v int64) decimal.Decimal {
	return decimal.New(v, -int32(s))
}

// FromDecimal returns d in units of 10^-s, or ErrPrecision if d has more decimals than the
// scale holds, or ErrRange if it does not fit an int64.
func (s Scale) FromDecimal(d decimal.Decimal) (int64, error) {
	shifted := d.Shift(int32(s))
	if !shifted.IsInteger() {
		return 0, ErrPrecision
	}
	bi := shifted.BigInt()
	if !bi.IsInt64() {
		return 0, ErrRange
	}
	return bi.Int64(), nil
}

// Append appends the shortest exact text of v: "61837.63", "0.001", "5", "-0.5".
func (s Scale) Append(dst []byte, v int64) []byte {
	return s.appendText(dst, v, true)
}

// AppendFixed appends v with exactly s decimals: "61837.63000000".
func (s Scale) AppendFixed(dst []byte, v int64) []byte {
	return s.appendText(dst, v, false)
}

// String returns the shortest exact text of v.
func (s Scale) String(v int64) string {
	var buf [24]byte
	return string(s.Append(buf[:0], v))
}

func (s Scale) appendText(dst []byte, v int64, trim bool) []byte {
	u := uint64(v)
	if v < 0 {
		dst = append(dst, '-')
		u = -u
	}
	unit := pow10[s]
	ip, fp := u/unit, u%unit
	var buf [20]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + ip%10)
		ip /= 10
		if ip == 0 {
			break
		}
	}
	dst = append(dst, buf[i:]...)
	if s == 0 || (trim && fp == 0) {
		return dst
	}
	i = len(buf)
	for k := 0; k < int(s); k++ {
		i--
		buf[i] = byte('0' + fp%10)
		fp /= 10
	}
	frac := buf[i:]
	if trim {
		for len(frac) > 0 && frac[len(frac)-1] == '0' {
			frac = frac[:len(frac)-1]
		}
	}
	dst = append(dst, '.')
	return append(dst, frac...)
}

// MulDiv returns a×b/c truncated toward zero, computed with a 128-bit intermediate so that
// a price times a quantity cannot overflow on the way. It returns false if c is zero or
// the result does not fit an int64.
func MulDiv(a, b, c int64) (int64, bool) {
	if c == 0 {
		return 0, false
	}
	neg := (a < 0) != (b < 0) != (c < 0)
	hi, lo := bits.Mul64(abs(a), abs(b))
	uc := abs(c)
	if hi >= uc {
		return 0, false
	}
	q, _ := bits.Div64(hi, lo, uc)
	if neg {
		if q > 1<<63 {
			return 0, false
		}
		return -int64(q), true
	}
	if q > math.MaxInt64 {
		return 0, false
	}
	return int64(q), true
}

func abs(x int64) uint64 {
	if x < 0 {
		return uint64(-x)
	}
	return uint64(x)
}
