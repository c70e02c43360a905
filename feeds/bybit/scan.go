package bybit

import "errors"

// The scanner reads one message left to right without building a tree: each
// method consumes one JSON token at s.pos and leaves s.pos just past it. Its
// errors are sentinels, so the failing path allocates only when the decoder
// wraps one with its offset and field (see SyntaxError).
var (
	errEOF       = errors.New("unexpected end of message")
	errSyntax    = errors.New("invalid character")
	errString    = errors.New("expected a string")
	errNumber    = errors.New("invalid number")
	errInteger   = errors.New("expected an unsigned integer")
	errBool      = errors.New("expected true or false")
	errEscape    = errors.New("invalid escape in string")
	errControl   = errors.New("control character in string")
	errDeep      = errors.New("nesting too deep")
	errTrailing  = errors.New("data after the end of the message")
	errObject    = errors.New("expected an object")
	errArray     = errors.New("expected an array")
	errDuplicate = errors.New("duplicate field")
	errOverflow  = errors.New("integer overflows 63 bits")
)

// maxDepth bounds the nesting of skipped values. Skipping is iterative, so
// the bound protects nothing but the fixed-size bracket stack.
const maxDepth = 64

// scanner is a cursor over one message.
type scanner struct {
	b   []byte
	pos int
}

// ws skips JSON whitespace.
func (s *scanner) ws() {
	for s.pos < len(s.b) {
		switch s.b[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// peek returns the next byte after whitespace, or 0 at the end.
func (s *scanner) peek() byte {
	s.ws()
	if s.pos >= len(s.b) {
		return 0
	}
	return s.b[s.pos]
}

// expect consumes c after whitespace.
func (s *scanner) expect(c byte) error {
	s.ws()
	if s.pos >= len(s.b) {
		return errEOF
	}
	if s.b[s.pos] != c {
		return errSyntax
	}
	s.pos++
	return nil
}

// member moves to the next member of the object being read and returns its
// key, leaving the scanner at the value. n counts the members read so far
// (the caller's zero-initialized counter). It returns false after the closing
// brace. The opening brace must already be consumed.
func (s *scanner) member(n *int) ([]byte, bool, error) {
	c := s.peek()
	if c == '}' {
		s.pos++
		return nil, false, nil
	}
	if *n > 0 {
		if c != ',' {
			return nil, false, s.eofOr(errSyntax)
		}
		s.pos++
	}
	*n++
	s.ws()
	key, err := s.str()
	if err != nil {
		return nil, false, err
	}
	if err := s.expect(':'); err != nil {
		return nil, false, err
	}
	s.ws()
	return key, true, nil
}

// element moves to the next element of the array being read, like member.
func (s *scanner) element(n *int) (bool, error) {
	c := s.peek()
	if c == ']' {
		s.pos++
		return false, nil
	}
	if *n > 0 {
		if c != ',' {
			return false, s.eofOr(errSyntax)
		}
		s.pos++
		s.ws()
	}
	*n++
	return true, nil
}

// eofOr returns errEOF at the end of the message and err elsewhere.
func (s *scanner) eofOr(err error) error {
	if s.pos >= len(s.b) {
		return errEOF
	}
	return err
}

// str reads a string and returns its raw contents between the quotes,
// escapes left as they are. Bybit's topics, symbols and keys contain no escapes, so
// a raw comparison is exact for every value this package compares; escapes
// are still validated so that a skipped string cannot hide a quote.
func (s *scanner) str() ([]byte, error) {
	if s.pos >= len(s.b) {
		return nil, errEOF
	}
	if s.b[s.pos] != '"' {
		return nil, errString
	}
	s.pos++
	start := s.pos
	for s.pos < len(s.b) {
		c := s.b[s.pos]
		switch {
		case c == '"':
			v := s.b[start:s.pos]
			s.pos++
			return v, nil
		case c == '\\':
			if err := s.escape(); err != nil {
				return nil, err
			}
		case c < 0x20:
			return nil, errControl
		default:
			s.pos++
		}
	}
	return nil, errEOF
}

// strOrNull reads a string or null (nil): Bybit sends req_id as "" or
// leaves it out, and a null costs nothing to accept.
func (s *scanner) strOrNull() ([]byte, error) {
	if hasPrefix(s.b[s.pos:], "null") {
		s.pos += 4
		return nil, nil
	}
	return s.str()
}

// escape consumes one escape sequence starting at the backslash.
func (s *scanner) escape() error {
	s.pos++
	if s.pos >= len(s.b) {
		return errEOF
	}
	switch s.b[s.pos] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		s.pos++
		return nil
	case 'u':
		s.pos++
		if len(s.b)-s.pos < 4 {
			return errEOF
		}
		for _, c := range s.b[s.pos : s.pos+4] {
			if !isHex(c) {
				return errEscape
			}
		}
		s.pos += 4
		return nil
	}
	return errEscape
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// number reads a number and returns its text. It enforces the JSON grammar
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? itself, because
// fixed.Scale.Parse also accepts forms JSON does not ("+1", ".5", "5.").
func (s *scanner) number() ([]byte, error) {
	b, i := s.b, s.pos
	start := i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i >= len(b):
		return nil, errEOF
	case b[i] == '0':
		i++
		if i < len(b) && isDigit(b[i]) {
			return nil, errNumber // JSON has no leading zeros
		}
	case isDigit(b[i]):
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	default:
		return nil, errNumber
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || !isDigit(b[i]) {
			return nil, errNumber
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || !isDigit(b[i]) {
			return nil, errNumber
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	s.pos = i
	return b[start:i], nil
}

// uint reads a non-negative JSON integer that fits 63 bits: update ids,
// sequences and millisecond times.
func (s *scanner) uint() (int64, error) {
	b, i := s.b, s.pos
	if i >= len(b) {
		return 0, errEOF
	}
	v, j, err := digits(b, i)
	if err != nil {
		return 0, err
	}
	// A fraction or exponent would make it something other than an id.
	if j < len(b) && (b[j] == '.' || b[j] == 'e' || b[j] == 'E') {
		return 0, errInteger
	}
	s.pos = j
	return v, nil
}

// digits reads the decimal digits of a non-negative integer at b[i:], without
// leading zeros, and returns its value and the offset past it.
func digits(b []byte, i int) (int64, int, error) {
	if i >= len(b) || !isDigit(b[i]) || b[i] == '0' && i+1 < len(b) && isDigit(b[i+1]) {
		return 0, i, errInteger
	}
	var v int64
	for ; i < len(b) && isDigit(b[i]); i++ {
		if v > (1<<63-1-9)/10 {
			return 0, i, errOverflow
		}
		v = v*10 + int64(b[i]-'0')
	}
	return v, i, nil
}

// uintOrString reads an integer sent either as a JSON number or as a string
// of digits. Bybit documents its times as numbers but shows them quoted in
// places ("ts": "1772694601512" in the orderbook page's field-order note, and
// nextFundingTime is a string), so both spellings are read exactly; an empty
// string reads as 0 (ticker fields that have no value are sent as "").
func (s *scanner) uintOrString() (int64, error) {
	if s.pos < len(s.b) && s.b[s.pos] == '"' {
		start := s.pos
		raw, err := s.str()
		if err != nil {
			return 0, err
		}
		if len(raw) == 0 {
			return 0, nil
		}
		v, end, err := digits(raw, 0)
		if err == nil && end != len(raw) {
			err = errInteger
		}
		if err != nil {
			s.pos = start
			return 0, err
		}
		return v, nil
	}
	return s.uint()
}

// boolean reads true or false.
func (s *scanner) boolean() (bool, error) {
	switch {
	case hasPrefix(s.b[s.pos:], "true"):
		s.pos += 4
		return true, nil
	case hasPrefix(s.b[s.pos:], "false"):
		s.pos += 5
		return false, nil
	}
	return false, s.eofOr(errBool)
}

func hasPrefix(b []byte, p string) bool {
	return len(b) >= len(p) && string(b[:len(p)]) == p
}

// skip reads and discards one value of any type. It is iterative with a
// fixed bracket stack, so it neither recurses nor allocates.
func (s *scanner) skip() error {
	var stack [maxDepth]byte // the closing bracket expected at each level
	depth := 0
	for {
		s.ws()
		if s.pos >= len(s.b) {
			return errEOF
		}
		// Read one value, opening a container if it is one.
		switch c := s.b[s.pos]; {
		case c == '{' || c == '[':
			if depth == maxDepth {
				return errDeep
			}
			s.pos++
			if c == '{' {
				stack[depth] = '}'
			} else {
				stack[depth] = ']'
			}
			depth++
			if s.peek() == stack[depth-1] {
				s.pos++
				depth--
				break
			}
			if c == '{' {
				if err := s.key(); err != nil {
					return err
				}
			}
			continue
		case c == '"':
			if _, err := s.str(); err != nil {
				return err
			}
		case c == '-' || isDigit(c):
			if _, err := s.number(); err != nil {
				return err
			}
		case c == 't' || c == 'f':
			if _, err := s.boolean(); err != nil {
				return err
			}
		case c == 'n':
			if !hasPrefix(s.b[s.pos:], "null") {
				return s.eofOr(errSyntax)
			}
			s.pos += 4
		default:
			return errSyntax
		}
		// After a value: close containers or move to the next member.
		for {
			if depth == 0 {
				return nil
			}
			c := s.peek()
			if c == stack[depth-1] {
				s.pos++
				depth--
				continue
			}
			if c != ',' {
				return s.eofOr(errSyntax)
			}
			s.pos++
			if stack[depth-1] == '}' {
				s.ws()
				if err := s.key(); err != nil {
					return err
				}
			}
			break
		}
	}
}

// key reads an object key and its colon.
func (s *scanner) key() error {
	s.ws()
	if _, err := s.str(); err != nil {
		return err
	}
	return s.expect(':')
}
