package binance

import (
	"encoding/binary"
	"errors"
	"github.com/nanotick/nanotick/internal/eight"
	"math/bits"

	"github.com/nanotick/nanotick/fixed"
)

// The scanner works on a frame b and an offset i. Every function takes the
// offset of the first byte of its token and returns the offset just past it,
// so a frame is read once, left to right, without building any tree. The
// errors are sentinels so that the failing path allocates only when the
// decoder wraps them with context (see Error).
var (
	errEOF       = errors.New("unexpected end of frame")
	errSyntax    = errors.New("invalid character")
	errString    = errors.New("expected a string")
	errNumber    = errors.New("invalid number")
	errInteger   = errors.New("expected an unsigned integer")
	errBool      = errors.New("expected true or false")
	errEscape    = errors.New("invalid escape in string")
	errControl   = errors.New("control character in string")
	errDeep      = errors.New("nesting too deep")
	errOverflow  = errors.New("integer overflows 64 bits")
	errTrailing  = errors.New("data after the end of the frame")
	errUnknown   = errors.New("unknown event type")
	errSymbol    = errors.New("symbol does not match the instrument")
	errLevel     = errors.New("expected a [price, quantity] level")
	errLevelLong = errors.New("level has more than a price and a quantity")
	errZeroPrice = errors.New("zero price")
	errNotObject = errors.New("expected an object")
	errMissing   = errors.New("missing field")
	errNoData    = errors.New(`combined-stream frame has no "data" object`)
	errNegative  = errors.New("negative number")
)

// maxDepth bounds the nesting of skipped values so that a hostile frame
// cannot exhaust the stack.
const maxDepth = 64

// skipWS returns the offset of the first byte at or after i that is not JSON
// whitespace.
func skipWS(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// expect skips whitespace and then requires byte c.
func expect(b []byte, i int, c byte) (int, error) {
	i = skipWS(b, i)
	if i >= len(b) {
		return i, errEOF
	}
	if b[i] != c {
		return i, errSyntax
	}
	return i + 1, nil
}

// next skips whitespace after a member of an object or array and reports
// whether another member follows (a comma) or the container ends at close.
func next(b []byte, i int, close byte) (int, bool, error) {
	i = skipWS(b, i)
	if i >= len(b) {
		return i, false, errEOF
	}
	switch b[i] {
	case ',':
		return i + 1, true, nil
	case close:
		return i + 1, false, nil
	}
	return i, false, errSyntax
}

// str reads the string starting at b[i] == '"' and returns its raw contents
// (escapes are validated, not decoded) and the offset past the closing quote.
// Raw contents are what keys and symbols are compared against: a key spelled
// with escapes is simply not one the decoder knows.
func str(b []byte, i int) (raw []byte, end int, err error) {
	if i >= len(b) {
		return nil, i, errEOF
	}
	if b[i] != '"' {
		return nil, i, errString
	}
	start := i + 1
	for j := start; j < len(b); j++ {
		c := b[j]
		if !strSpecial[c] {
			continue // one test for the plain bytes of a string
		}
		switch {
		case c == '"':
			return b[start:j], j + 1, nil
		case c == '\\':
			j++
			if j >= len(b) {
				return nil, j, errEOF
			}
			switch b[j] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if j+4 >= len(b) {
					return nil, len(b), errEOF
				}
				for _, h := range b[j+1 : j+5] {
					if !isHex(h) {
						return nil, j, errEscape
					}
				}
				j += 4
			default:
				return nil, j, errEscape
			}
		case c < 0x20:
			return nil, j, errControl
		}
	}
	return nil, len(b), errEOF
}

// strSpecial marks the bytes that end a string or need a look inside one:
// the quote, the backslash and the control characters.
var strSpecial = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// key reads an object key and the colon after it.
func key(b []byte, i int) ([]byte, int, error) {
	// Fast path for the compact "k": that Binance sends: plain bytes up
	// to the quote, then the colon.
	if i < len(b) && b[i] == '"' {
		for j := i + 1; j < len(b); j++ {
			if c := b[j]; strSpecial[c] {
				if c == '"' && j+1 < len(b) && b[j+1] == ':' {
					return b[i+1 : j], j + 2, nil
				}
				break
			}
		}
	}
	i = skipWS(b, i)
	k, i, err := str(b, i)
	if err != nil {
		return nil, i, err
	}
	i, err = expect(b, i, ':')
	return k, i, err
}

// skipValue skips one JSON value of any kind, validating its grammar, and
// returns the offset past it. Leading whitespace is skipped.
func skipValue(b []byte, i int) (int, error) {
	return skipDepth(b, skipWS(b, i), 0)
}

func skipDepth(b []byte, i, depth int) (int, error) {
	if i >= len(b) {
		return i, errEOF
	}
	switch c := b[i]; {
	case c == '"':
		_, i, err := str(b, i)
		return i, err
	case c == '{', c == '[':
		if depth >= maxDepth {
			return i, errDeep
		}
		return skipContainer(b, i, depth+1)
	case c == '-' || '0' <= c && c <= '9':
		return skipNumber(b, i)
	case c == 't':
		return literal(b, i, "true")
	case c == 'f':
		return literal(b, i, "false")
	case c == 'n':
		return literal(b, i, "null")
	}
	return i, errSyntax
}

// skipContainer skips the object or array starting at b[i].
func skipContainer(b []byte, i, depth int) (int, error) {
	object := b[i] == '{'
	close := byte(']')
	if object {
		close = '}'
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == close {
		return i + 1, nil
	}
	for {
		var err error
		if object {
			if _, i, err = key(b, i); err != nil {
				return i, err
			}
		}
		if i, err = skipDepth(b, skipWS(b, i), depth); err != nil {
			return i, err
		}
		more := false
		if i, more, err = next(b, i, close); err != nil || !more {
			return i, err
		}
	}
}

// skipNumber skips a JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func skipNumber(b []byte, i int) (int, error) {
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i >= len(b):
		return i, errEOF
	case b[i] == '0':
		i++
	case '1' <= b[i] && b[i] <= '9':
		i = digits(b, i)
	default:
		return i, errNumber
	}
	if i < len(b) && b[i] == '.' {
		j := digits(b, i+1)
		if j == i+1 {
			return j, errNumber
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digits(b, i)
		if j == i {
			return j, errNumber
		}
		i = j
	}
	return i, nil
}

func digits(b []byte, i int) int {
	for i < len(b) && '0' <= b[i] && b[i] <= '9' {
		i++
	}
	return i
}

func literal(b []byte, i int, lit string) (int, error) {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return i, errSyntax
	}
	return i + len(lit), nil
}

// boolean reads true or false.
func boolean(b []byte, i int) (bool, int, error) {
	if i < len(b) && b[i] == 't' {
		i, err := literal(b, i, "true")
		return err == nil, i, err
	}
	if i < len(b) && b[i] == 'f' {
		i, err := literal(b, i, "false")
		return false, i, err
	}
	return false, i, errBool
}

// uintValue reads a JSON unsigned integer (update ids, trade ids, times).
// A fraction or exponent is an error: Binance sends these as plain integers,
// and a float here means the frame is not what we think it is.
//
// Up to 19 digits cannot overflow 64 bits, so the digits are summed without
// a check; only a 20-digit number, near the limit, is read again digit by
// digit with one, and a longer one overflows.
func uintValue(b []byte, i int) (uint64, int, error) {
	if v, j, ok := uintFast(b, i); ok {
		return v, j, nil
	}
	return uintSlow(b, i)
}

// uintFast reads the integer at b[i] if it has 8 to 15 digits, no leading
// zero, and 8 bytes of the frame after its first 8 digits, as Binance's
// update ids and millisecond times (13 digits) do, and reports false for
// anything else, which uintSlow then reads. The first 8 digits are one
// eight.Digits step; the rest, found from the bytes that are not digits in
// the next 8, a second one over them shifted to the top of the word, with
// '0's below. A depth frame carries 3 such numbers on spot and 5 on USD-M:
// read a digit at a time they were the largest part of decoding a frame's
// fields other than its levels, and this decodes a whole depth frame in
// about 0.94 of the time on both recordings (medians of the ratios over
// chunks of 50 frames, alternated).
func uintFast(b []byte, i int) (uint64, int, bool) {
	const ones = 0x0101010101010101
	if i < 0 || len(b)-i < 16 || b[i] == '0' {
		return 0, i, false
	}
	hi, ok := eight.Digits(binary.LittleEndian.Uint64(b[i:]))
	w := binary.LittleEndian.Uint64(b[i+8:])
	d := w - '0'*ones
	k := uint(bits.TrailingZeros64((d|(d+0x76*ones))&(0x80*ones))) / 8 // digits in w before the first other byte
	if !ok || k >= 8 {
		return 0, i, false
	}
	j := i + 8 + int(k)
	if c := b[j]; c == '.' || c == 'e' || c == 'E' {
		return 0, i, false // a number that is not an integer: uintSlow says so
	}
	lo, _ := eight.Digits(w<<(8*(8-k)) | '0'*ones>>(8*k)) // k digits, '0's below; k = 0 leaves '0's only
	return hi*uint64(pow10[k]) + lo, j, true
}

// uintSlow is uintValue for every spelling, and reports every error.
func uintSlow(b []byte, i int) (uint64, int, error) {
	start := i
	v, i := intDigits(b, i) // wraps past 19 digits: checked below
	if i-start > 19 {
		var err error
		if v, i, err = uintChecked(b, start); err != nil {
			return 0, i, err
		}
	}
	switch {
	case i == start && i >= len(b):
		return 0, i, errEOF
	case i == start:
		return 0, i, errInteger
	case b[start] == '0' && i-start > 1:
		return 0, start, errInteger // leading zeros are not JSON
	case i < len(b) && (b[i] == '.' || b[i] == 'e' || b[i] == 'E'):
		return 0, i, errInteger
	}
	return v, i, nil
}

// uintChecked sums the digits at b[i:] with a check for overflow before
// each, and returns the sum, or errOverflow at the digit that overflows.
func uintChecked(b []byte, i int) (uint64, int, error) {
	var v uint64
	for ; i < len(b); i++ {
		c := b[i] - '0'
		if c > 9 {
			break
		}
		if v > (1<<64-1)/10 || v*10 > 1<<64-1-uint64(c) {
			return 0, i, errOverflow
		}
		v = v*10 + uint64(c)
	}
	return v, i, nil
}

// intValue reads a non-negative integer that must fit in int64 (times).
func intValue(b []byte, i int) (int64, int, error) {
	v, j, err := uintValue(b, i)
	if err == nil && v > 1<<63-1 {
		return 0, i, errOverflow
	}
	return int64(v), j, err
}

// pow10 holds 10^0 .. 10^18, every power an int64 can hold.
var pow10 = [...]int64{
	1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
	1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
}

// decimal reads a quoted non-negative decimal such as "61837.63000000" into
// int64 units of 10^-scale, in the same pass that finds the closing quote.
// It reads every price and quantity of trades, bookTickers and snapshots,
// and the depth levels paddedLevel declines (all of them on futures), so
// it is specialized rather than a call to fixed.Scale.Parse on a sliced
// string; the two are cross-checked by a test and a fuzz target. Digits
// beyond the scale are allowed only if they are zeros (Binance pads to 8
// decimals); anything that would round is fixed.ErrPrecision, anything that
// overflows fixed.ErrRange. The spelling Binance uses is read by
// decimalFast; decimalSlow reads every other and reports the errors.
func decimal(b []byte, i int, scale fixed.Scale) (int64, int, error) {
	if v, j, ok := decimalFast(b, i, scale); ok {
		return v, j, nil
	}
	return decimalSlow(b, i, scale)
}

// fastScale is the largest scale decimalFast handles: up to 7 integer
// digits times 10^11, plus a fraction below 10^11, fits in an int64.
const fastScale = 11

// decimalFast reads the quoted decimal at b[i] if it is spelled as Binance
// spells prices and quantities: 1 to 7 integer digits, then the closing
// quote or a point, 1 to scale fraction digits and the closing quote, with
// a scale of at most fastScale. Such a number is exact and cannot overflow,
// so it is read without the checks decimalSlow makes on every digit. It
// reports false for anything else, which decimalSlow then reads again.
func decimalFast(b []byte, i int, scale fixed.Scale) (int64, int, bool) {
	if i >= len(b) || b[i] != '"' || scale > fastScale {
		return 0, i, false
	}
	start := i + 1
	v, i := intDigits(b, start) // more than 7 digits, which could overflow, are refused below
	if n := i - start; n == 0 || n > 7 || i >= len(b) {
		return 0, i, false
	}
	frac := 0
	if b[i] == '.' {
		i++
		// Spot pads every fraction to 8 digits: take them in one SWAR
		// step when the scale keeps all of them.
		if int(scale) >= 8 && len(b)-i >= 9 {
			if f, ok := eight.Digits(binary.LittleEndian.Uint64(b[i:])); ok && b[i+8] == '"' {
				v = v*1e8 + f
				return int64(v) * pow10[int(scale)-8], i + 9, true
			}
		}
		fstart := i
		for ; i < len(b); i++ {
			c := b[i] - '0'
			if c > 9 {
				break
			}
			v = v*10 + uint64(c)
		}
		if frac = i - fstart; frac == 0 || frac > int(scale) {
			return 0, i, false
		}
	}
	if i >= len(b) || b[i] != '"' {
		return 0, i, false
	}
	return int64(v) * pow10[int(scale)-frac], i + 1, true
}

// intDigits returns the value of the ASCII digits at b[i:] and the offset
// past them. It does not check for overflow: its callers accept no more
// digits than cannot overflow, or check the longer numbers again.
func intDigits(b []byte, i int) (uint64, int) {
	var v uint64
	for ; i < len(b); i++ {
		c := b[i] - '0'
		if c > 9 {
			break
		}
		v = v*10 + uint64(c)
	}
	return v, i
}

// decimalSlow is decimal for every spelling, digit by digit, with every
// check.
func decimalSlow(b []byte, i int, scale fixed.Scale) (int64, int, error) {
	if i >= len(b) {
		return 0, i, errEOF
	}
	if b[i] != '"' {
		return 0, i, errString
	}
	i++
	// Integer part: at least one digit.
	const limit = (1<<63 - 1) / 10 // v*10+9 cannot overflow below this
	var v int64
	start := i
	for ; i < len(b); i++ {
		c := b[i] - '0'
		if c > 9 {
			break
		}
		if v >= limit && (v > limit || c > 7) {
			return 0, i, fixed.ErrRange
		}
		v = v*10 + int64(c)
	}
	if i == start {
		return 0, i, decimalSyntax(b, i)
	}
	// Fraction: up to scale digits count, the rest must be zeros.
	frac := 0
	if i < len(b) && b[i] == '.' {
		i++
		fstart := i
		// Spot pads every fraction to 8 digits: take them in one SWAR
		// step when the scale keeps all of them.
		if int(scale) >= 8 && len(b)-i >= 8 && v <= swarLimit {
			if f, ok := eight.Digits(binary.LittleEndian.Uint64(b[i:])); ok {
				v = v*1e8 + int64(f)
				frac, i = 8, i+8
			}
		}
		for ; i < len(b); i++ {
			c := b[i] - '0'
			if c > 9 {
				break
			}
			if frac < int(scale) {
				if v >= limit && (v > limit || c > 7) {
					return 0, i, fixed.ErrRange
				}
				v = v*10 + int64(c)
				frac++
			} else if c != 0 {
				return 0, i, fixed.ErrPrecision
			}
		}
		if i == fstart {
			return 0, i, decimalSyntax(b, i)
		}
	}
	if i >= len(b) {
		return 0, i, errEOF
	}
	if b[i] != '"' {
		return 0, i, decimalSyntax(b, i)
	}
	if frac < int(scale) {
		p := pow10[int(scale)-frac]
		if v > (1<<63-1)/p {
			return 0, i, fixed.ErrRange
		}
		v *= p
	}
	return v, i + 1, nil
}

func decimalSyntax(b []byte, i int) error {
	if i >= len(b) {
		return errEOF
	}
	if b[i] == '-' {
		return errNegative
	}
	return fixed.ErrSyntax
}

// swarLimit is the largest v for which v*1e8 + 99999999 fits in an int64.
const swarLimit = (1<<63 - 1 - 99999999) / 100000000
