// Package jsonscan owns the one JSON scanner the venue decoders share (feeds/kraken,
// feeds/bybit): a cursor that reads one message left to right, a token at a time,
// without building a tree, allocating nothing, with errors that are sentinels.
//
// It must never accept what JSON does not (leading zeros, "+1", ".5", control
// characters in strings, bad escapes), never recurse (Skip is iterative with a fixed
// bracket stack), and never allocate: the decoders that embed it promise zero
// allocations per message. It does not unescape strings: Str returns the raw bytes
// between the quotes, escapes validated but left as they are, because every value the
// venues compare (names, symbols, keys) has none. FuzzScanner, its one fuzz target,
// checks Skip against encoding/json.Valid.
package jsonscan

import "errors"

// The scanner reads one message left to right without building a tree: each
// method consumes one JSON token at s.Pos and leaves s.Pos just past it. Its
// errors are sentinels, so the failing path allocates only when the decoder
// wraps one with its offset and field.
var (
	ErrEOF       = errors.New("unexpected end of message")
	ErrSyntax    = errors.New("invalid character")
	ErrString    = errors.New("expected a string")
	ErrNumber    = errors.New("invalid number")
	ErrInteger32 = errors.New("expected an unsigned 32-bit integer")
	ErrInteger   = errors.New("expected an unsigned integer")
	ErrOverflow  = errors.New("integer overflows 63 bits")
	ErrBool      = errors.New("expected true or false")
	ErrEscape    = errors.New("invalid escape in string")
	ErrControl   = errors.New("control character in string")
	ErrDeep      = errors.New("nesting too deep")
	ErrTrailing  = errors.New("data after the end of the message")
	ErrObject    = errors.New("expected an object")
	ErrArray     = errors.New("expected an array")
	ErrDuplicate = errors.New("duplicate field")
)

// maxDepth bounds the nesting of skipped values. Skipping is iterative, so
// the bound protects nothing but the fixed-size bracket stack.
const maxDepth = 64

// Scanner is a cursor over one message. The decoders read B and move Pos
// themselves where they must (to re-read a value, to report an offset).
type Scanner struct {
	B   []byte // the message
	Pos int    // the offset of the next token
}

// Space skips JSON whitespace.
func (s *Scanner) Space() {
	for s.Pos < len(s.B) {
		switch s.B[s.Pos] {
		case ' ', '\t', '\n', '\r':
			s.Pos++
		default:
			return
		}
	}
}

// Peek returns the next byte after whitespace, or 0 at the end.
func (s *Scanner) Peek() byte {
	s.Space()
	if s.Pos >= len(s.B) {
		return 0
	}
	return s.B[s.Pos]
}

// Expect consumes c after whitespace.
func (s *Scanner) Expect(c byte) error {
	s.Space()
	if s.Pos >= len(s.B) {
		return ErrEOF
	}
	if s.B[s.Pos] != c {
		return ErrSyntax
	}
	s.Pos++
	return nil
}

// Member moves to the next member of the object being read and returns its
// key, leaving the Scanner at the value. n counts the members read so far
// (the caller's zero-initialized counter). It returns false after the closing
// brace. The opening brace must already be consumed.
func (s *Scanner) Member(n *int) ([]byte, bool, error) {
	c := s.Peek()
	if c == '}' {
		s.Pos++
		return nil, false, nil
	}
	if *n > 0 {
		if c != ',' {
			return nil, false, s.EOFOr(ErrSyntax)
		}
		s.Pos++
	}
	*n++
	s.Space()
	key, err := s.Str()
	if err != nil {
		return nil, false, err
	}
	if err := s.Expect(':'); err != nil {
		return nil, false, err
	}
	s.Space()
	return key, true, nil
}

// Element moves to the next element of the array being read, like Member.
func (s *Scanner) Element(n *int) (bool, error) {
	c := s.Peek()
	if c == ']' {
		s.Pos++
		return false, nil
	}
	if *n > 0 {
		if c != ',' {
			return false, s.EOFOr(ErrSyntax)
		}
		s.Pos++
		s.Space()
	}
	*n++
	return true, nil
}

// EOFOr returns ErrEOF at the end of the message and err elsewhere.
func (s *Scanner) EOFOr(err error) error {
	if s.Pos >= len(s.B) {
		return ErrEOF
	}
	return err
}

// Str reads a string and returns its raw contents between the quotes,
// escapes left as they are. The venues' names, symbols and keys contain no
// escapes, so a raw comparison is exact for every value they compare; escapes
// are still validated so that a skipped string cannot hide a quote.
func (s *Scanner) Str() ([]byte, error) {
	if s.Pos >= len(s.B) {
		return nil, ErrEOF
	}
	if s.B[s.Pos] != '"' {
		return nil, ErrString
	}
	s.Pos++
	start := s.Pos
	for s.Pos < len(s.B) {
		c := s.B[s.Pos]
		switch {
		case c == '"':
			v := s.B[start:s.Pos]
			s.Pos++
			return v, nil
		case c == '\\':
			if err := s.escape(); err != nil {
				return nil, err
			}
		case c < 0x20:
			return nil, ErrControl
		default:
			s.Pos++
		}
	}
	return nil, ErrEOF
}

// StrOrNull reads a string or null (nil): Bybit sends req_id as "" or
// leaves it out, and a null costs nothing to accept.
func (s *Scanner) StrOrNull() ([]byte, error) {
	if HasPrefix(s.B[s.Pos:], "null") {
		s.Pos += 4
		return nil, nil
	}
	return s.Str()
}

// escape consumes one escape sequence starting at the backslash.
func (s *Scanner) escape() error {
	s.Pos++
	if s.Pos >= len(s.B) {
		return ErrEOF
	}
	switch s.B[s.Pos] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		s.Pos++
		return nil
	case 'u':
		s.Pos++
		if len(s.B)-s.Pos < 4 {
			return ErrEOF
		}
		for _, c := range s.B[s.Pos : s.Pos+4] {
			if !isHex(c) {
				return ErrEscape
			}
		}
		s.Pos += 4
		return nil
	}
	return ErrEscape
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// IsDigit reports whether c is an ASCII digit.
func IsDigit(c byte) bool { return c >= '0' && c <= '9' }

// Number reads a number and returns its text. It enforces the JSON grammar
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? itself, because
// fixed.Scale.Parse also accepts forms JSON does not ("+1", ".5", "5.").
func (s *Scanner) Number() ([]byte, error) {
	b, i := s.B, s.Pos
	start := i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i >= len(b):
		return nil, ErrEOF
	case b[i] == '0':
		i++
		if i < len(b) && IsDigit(b[i]) {
			return nil, ErrNumber // JSON has no leading zeros
		}
	case IsDigit(b[i]):
		for i < len(b) && IsDigit(b[i]) {
			i++
		}
	default:
		return nil, ErrNumber
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || !IsDigit(b[i]) {
			return nil, ErrNumber
		}
		for i < len(b) && IsDigit(b[i]) {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || !IsDigit(b[i]) {
			return nil, ErrNumber
		}
		for i < len(b) && IsDigit(b[i]) {
			i++
		}
	}
	s.Pos = i
	return b[start:i], nil
}

// Uint32 reads a non-negative integer that fits 32 bits: the checksum.
func (s *Scanner) Uint32() (uint32, error) {
	b, i := s.B, s.Pos
	if i >= len(b) {
		return 0, ErrEOF
	}
	if !IsDigit(b[i]) || b[i] == '0' && i+1 < len(b) && IsDigit(b[i+1]) {
		return 0, ErrInteger32
	}
	var v uint64
	for ; i < len(b) && IsDigit(b[i]); i++ {
		v = v*10 + uint64(b[i]-'0')
		if v > 1<<32-1 {
			return 0, ErrInteger32
		}
	}
	// A fraction or exponent would make it something other than a checksum.
	if i < len(b) && (b[i] == '.' || b[i] == 'e' || b[i] == 'E') {
		return 0, ErrInteger32
	}
	s.Pos = i
	return uint32(v), nil
}

// Uint reads a non-negative JSON integer that fits 63 bits: update ids,
// sequences and millisecond times.
func (s *Scanner) Uint() (int64, error) {
	b, i := s.B, s.Pos
	if i >= len(b) {
		return 0, ErrEOF
	}
	v, j, err := Digits(b, i)
	if err != nil {
		return 0, err
	}
	// A fraction or exponent would make it something other than an id.
	if j < len(b) && (b[j] == '.' || b[j] == 'e' || b[j] == 'E') {
		return 0, ErrInteger
	}
	s.Pos = j
	return v, nil
}

// Digits reads the decimal digits of a non-negative integer at b[i:], without
// leading zeros, and returns its value and the offset past it.
func Digits(b []byte, i int) (int64, int, error) {
	if i >= len(b) || !IsDigit(b[i]) || b[i] == '0' && i+1 < len(b) && IsDigit(b[i+1]) {
		return 0, i, ErrInteger
	}
	var v int64
	for ; i < len(b) && IsDigit(b[i]); i++ {
		if v > (1<<63-1-9)/10 {
			return 0, i, ErrOverflow
		}
		v = v*10 + int64(b[i]-'0')
	}
	return v, i, nil
}

// UintOrString reads an integer sent either as a JSON number or as a string
// of digits. Bybit documents its times as numbers but shows them quoted in
// places ("ts": "1772694601512" in the orderbook page's field-order note, and
// nextFundingTime is a string), so both spellings are read exactly; an empty
// string reads as 0 (ticker fields that have no value are sent as "").
func (s *Scanner) UintOrString() (int64, error) {
	if s.Pos < len(s.B) && s.B[s.Pos] == '"' {
		start := s.Pos
		raw, err := s.Str()
		if err != nil {
			return 0, err
		}
		if len(raw) == 0 {
			return 0, nil
		}
		v, end, err := Digits(raw, 0)
		if err == nil && end != len(raw) {
			err = ErrInteger
		}
		if err != nil {
			s.Pos = start
			return 0, err
		}
		return v, nil
	}
	return s.Uint()
}

// Bool reads true or false.
func (s *Scanner) Bool() (bool, error) {
	switch {
	case HasPrefix(s.B[s.Pos:], "true"):
		s.Pos += 4
		return true, nil
	case HasPrefix(s.B[s.Pos:], "false"):
		s.Pos += 5
		return false, nil
	}
	return false, s.EOFOr(ErrBool)
}

// HasPrefix reports whether b starts with p.
func HasPrefix(b []byte, p string) bool {
	return len(b) >= len(p) && string(b[:len(p)]) == p
}

// Skip reads and discards one value of any type. It is iterative with a
// fixed bracket stack, so it neither recurses nor allocates.
func (s *Scanner) Skip() error {
	var stack [maxDepth]byte // the closing bracket expected at each level
	depth := 0
	for {
		s.Space()
		if s.Pos >= len(s.B) {
			return ErrEOF
		}
		// Read one value, opening a container if it is one.
		switch c := s.B[s.Pos]; {
		case c == '{' || c == '[':
			if depth == maxDepth {
				return ErrDeep
			}
			s.Pos++
			if c == '{' {
				stack[depth] = '}'
			} else {
				stack[depth] = ']'
			}
			depth++
			if s.Peek() == stack[depth-1] {
				s.Pos++
				depth--
				break
			}
			if c == '{' {
				if err := s.Key(); err != nil {
					return err
				}
			}
			continue
		case c == '"':
			if _, err := s.Str(); err != nil {
				return err
			}
		case c == '-' || IsDigit(c):
			if _, err := s.Number(); err != nil {
				return err
			}
		case c == 't' || c == 'f':
			if _, err := s.Bool(); err != nil {
				return err
			}
		case c == 'n':
			if !HasPrefix(s.B[s.Pos:], "null") {
				return s.EOFOr(ErrSyntax)
			}
			s.Pos += 4
		default:
			return ErrSyntax
		}
		// After a value: close containers or move to the next member.
		for {
			if depth == 0 {
				return nil
			}
			c := s.Peek()
			if c == stack[depth-1] {
				s.Pos++
				depth--
				continue
			}
			if c != ',' {
				return s.EOFOr(ErrSyntax)
			}
			s.Pos++
			if stack[depth-1] == '}' {
				s.Space()
				if err := s.Key(); err != nil {
					return err
				}
			}
			break
		}
	}
}

// Key reads an object key and its colon.
func (s *Scanner) Key() error {
	s.Space()
	if _, err := s.Str(); err != nil {
		return err
	}
	return s.Expect(':')
}
