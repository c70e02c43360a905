package vm

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Strings are stored as WTF-8: UTF-8, except that a lone UTF-16 surrogate (which
// JavaScript strings may hold, e.g. "😀"[0]) is encoded as the 3-byte sequence its code
// point would have. Valid text is therefore plain UTF-8; only code that splits or
// joins UTF-16 units needs the helpers below. A lead surrogate followed by a trail
// surrogate is always stored as the 4-byte UTF-8 of the pair (normalizeWTF8), so that
// equal JavaScript strings have equal bytes.

// decodeRuneWTF8 decodes the first code point of s, including surrogate code points.
func decodeRuneWTF8(s string) (rune, int) {
	r, size := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError && size == 1 && isSurrogateSeq(s) {
		return rune(0xD000) | rune(s[1]&0x3F)<<6 | rune(s[2]&0x3F), 3
	}
	return r, size
}

// isSurrogateSeq reports whether s starts with a WTF-8 encoded surrogate.
func isSurrogateSeq(s string) bool {
	return len(s) >= 3 && s[0] == 0xED && s[1] >= 0xA0 && s[1] <= 0xBF && s[2] >= 0x80 && s[2] <= 0xBF
}

// toUTF16 returns the UTF-16 code units of a WTF-8 string.
func toUTF16(s string) []uint16 {
	u := make([]uint16, 0, len(s))
	for len(s) > 0 {
		r, n := decodeRuneWTF8(s)
		s = s[n:]
		if r >= 0x10000 {
			a, b := utf16.EncodeRune(r)
			u = append(u, uint16(a), uint16(b))
		} else {
			u = append(u, uint16(r))
		}
	}
	return u
}

// fromUTF16 encodes UTF-16 units as WTF-8: pairs as one code point, lone surrogates
// as themselves.
func fromUTF16(u []uint16) string {
	b := make([]byte, 0, len(u)*3)
	for i := 0; i < len(u); i++ {
		c := rune(u[i])
		if c >= 0xD800 && c < 0xDC00 && i+1 < len(u) && u[i+1] >= 0xDC00 && u[i+1] < 0xE000 {
			b = utf8.AppendRune(b, utf16.DecodeRune(c, rune(u[i+1])))
			i++
			continue
		}
		b = appendWTF8(b, c)
	}
	return string(b)
}

func appendWTF8(b []byte, r rune) []byte {
	if r >= 0xD800 && r < 0xE000 {
		return append(b, 0xED, byte(0x80|(r>>6)&0x3F), byte(0x80|r&0x3F))
	}
	return utf8.AppendRune(b, r)
}

// utf16Len returns the length of a WTF-8 string in UTF-16 code units.
func utf16Len(s string) int {
	n := 0
	for len(s) > 0 {
		r, size := decodeRuneWTF8(s)
		s = s[size:]
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}

// normalizeWTF8 joins each lead surrogate immediately followed by a trail surrogate
// into the 4-byte encoding of the pair. Strings without such a pair are returned as is.
func normalizeWTF8(s string) string {
	i := strings.Index(s, "\xed")
	if i < 0 {
		return s
	}
	var b []byte
	last := 0
	for ; i+6 <= len(s); i++ {
		if s[i] != 0xED || !isSurrogateSeq(s[i:]) || s[i+1] >= 0xB0 || !isSurrogateSeq(s[i+3:]) || s[i+4] < 0xB0 {
			continue
		}
		hi, _ := decodeRuneWTF8(s[i:])
		lo, _ := decodeRuneWTF8(s[i+3:])
		b = append(b, s[last:i]...)
		b = utf8.AppendRune(b, utf16.DecodeRune(hi, lo))
		i += 5
		last = i + 1
	}
	if b == nil {
		return s
	}
	return string(append(b, s[last:]...))
}

// joinWTF8 concatenates two strings, pairing a lead surrogate at the end of a with a
// trail surrogate at the start of b.
func joinWTF8(a, b string) string {
	if len(a) >= 3 && len(b) >= 3 && a[len(a)-3] == 0xED && b[0] == 0xED {
		return normalizeWTF8(a + b)
	}
	return a + b
}

// toValidUTF8 replaces lone surrogates by U+FFFD, as Node does when it writes a string
// to a UTF-8 stream.
func toValidUTF8(s string) string {
	if strings.IndexByte(s, 0xED) < 0 {
		return s
	}
	var b strings.Builder
	for len(s) > 0 {
		r, n := decodeRuneWTF8(s)
		if r >= 0xD800 && r < 0xE000 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[:n])
		}
		s = s[n:]
	}
	return b.String()
}
