// Package lexer turns script source into tokens. It owns character-level syntax only:
// it must never build trees, resolve names or decide what the language supports beyond
// what a token looks like.
package lexer

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/nanotick/nanotick/vm/token"
)

// Token is one scanned token.
type Token struct {
	Kind token.Kind
	Pos  token.Pos
	// Lit is the identifier name, the cooked string value, or the number's source text.
	Lit string
	// Num is the value of a NUMBER token.
	Num float64
	// NewlineBefore reports whether a line terminator precedes the token; the parser
	// needs it for automatic semicolon insertion.
	NewlineBefore bool
	// TemplateEnd reports, for TEMPLATE tokens, that the chunk ends the template
	// (closing backquote) rather than opening a ${ substitution.
	TemplateEnd bool
}

// Error is a lexical error at a position.
type Error struct {
	Pos token.Pos
	Msg string
}

// Lexer scans one source file. The zero value is not usable; call New.
type Lexer struct {
	src  []byte
	off  int
	line int
	col  int // column of src[off]
	errs []Error
}

// New returns a lexer positioned at the start of src.
func New(src []byte) *Lexer {
	return &Lexer{src: src, line: 1, col: 1}
}

// Errors returns the lexical errors seen so far.
func (l *Lexer) Errors() []Error { return l.errs }

// State is a saved lexer position used for the parser's bounded look-ahead.
type State struct {
	off, line, col, nerr int
}

// Save records the position so that Restore can rewind to it.
func (l *Lexer) Save() State { return State{l.off, l.line, l.col, len(l.errs)} }

// Restore rewinds to a saved position, forgetting errors found since.
func (l *Lexer) Restore(s State) {
	l.off, l.line, l.col = s.off, s.line, s.col
	l.errs = l.errs[:s.nerr]
}

func (l *Lexer) errorf(p token.Pos, format string, args ...any) {
	l.errs = append(l.errs, Error{p, fmt.Sprintf(format, args...)})
}

func (l *Lexer) pos() token.Pos { return token.Pos{Line: l.line, Col: l.col} }

func (l *Lexer) peek(i int) byte {
	if l.off+i < len(l.src) {
		return l.src[l.off+i]
	}
	return 0
}

// advance consumes n bytes, none of which is a newline.
func (l *Lexer) advance(n int) { l.off += n; l.col += n }

func (l *Lexer) newline() { l.off++; l.line++; l.col = 1 }

// skipSpace skips white space and comments, reporting whether a newline was crossed.
func (l *Lexer) skipSpace() bool {
	nl := false
	for l.off < len(l.src) {
		c := l.src[l.off]
		switch {
		case c == '\n':
			l.newline()
			nl = true
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			l.advance(1)
		case c == '/' && l.peek(1) == '/':
			for l.off < len(l.src) && l.src[l.off] != '\n' {
				l.advance(1)
			}
		case c == '/' && l.peek(1) == '*':
			start := l.pos()
			l.advance(2)
			closed := false
			for l.off < len(l.src) {
				if l.src[l.off] == '*' && l.peek(1) == '/' {
					l.advance(2)
					closed = true
					break
				}
				if l.src[l.off] == '\n' {
					l.newline()
					nl = true
				} else {
					l.advance(1)
				}
			}
			if !closed {
				l.errorf(start, "unterminated block comment")
			}
		case c >= 0x80:
			r, size := utf8.DecodeRune(l.src[l.off:])
			if r == 0x2028 || r == 0x2029 {
				l.off += size
				l.line++
				l.col = 1
				nl = true
			} else if r == 0xA0 || r == 0xFEFF || unicode.Is(unicode.Zs, r) {
				l.advance(size)
			} else {
				return nl
			}
		default:
			return nl
		}
	}
	return nl
}

func isIdentStart(r rune) bool {
	return r == '$' || r == '_' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || (r >= 0x80 && unicode.IsLetter(r))
}

func isIdentPart(r rune) bool {
	return isIdentStart(r) || ('0' <= r && r <= '9') || (r >= 0x80 && (unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r)))
}

// Next scans the next token.
func (l *Lexer) Next() Token {
	nl := l.skipSpace()
	t := Token{Pos: l.pos(), NewlineBefore: nl}
	if l.off >= len(l.src) {
		t.Kind = token.EOF
		return t
	}
	c := l.src[l.off]
	switch {
	case c < 0x80 && isIdentStart(rune(c)), c >= 0x80:
		r, size := utf8.DecodeRune(l.src[l.off:])
		if !isIdentStart(r) {
			l.advance(size)
			l.errorf(t.Pos, "unexpected character %q", r)
			t.Kind = token.ILLEGAL
			return t
		}
		start := l.off
		for l.off < len(l.src) {
			r, size := utf8.DecodeRune(l.src[l.off:])
			if !isIdentPart(r) {
				break
			}
			l.advance(size)
		}
		t.Lit = string(l.src[start:l.off])
		t.Kind = token.Lookup(t.Lit)
		return t
	case c >= '0' && c <= '9', c == '.' && l.peek(1) >= '0' && l.peek(1) <= '9':
		l.scanNumber(&t)
		return t
	case c == '"' || c == '\'':
		l.scanString(&t, c)
		return t
	case c == '`':
		l.advance(1)
		l.scanTemplate(&t)
		return t
	}
	t.Kind = l.scanOperator()
	if t.Kind == token.ILLEGAL {
		l.errorf(t.Pos, "unexpected character %q", c)
		l.advance(1)
	}
	return t
}

// ops lists operators longest first so that the first match is the longest one.
var ops = []struct {
	s string
	k token.Kind
}{
	{">>>=", token.USHRASSIGN},
	{"===", token.SEQ}, {"!==", token.SNE}, {"**=", token.POWASSIGN}, {"<<=", token.SHLASSIGN},
	{">>=", token.SHRASSIGN}, {">>>", token.USHR}, {"...", token.ELLIPSIS}, {"&&=", token.LANDASSIGN},
	{"||=", token.LORASSIGN}, {"??=", token.NULLASSIGN},
	{"=>", token.ARROW}, {"==", token.EQ}, {"!=", token.NE}, {"<=", token.LE}, {">=", token.GE},
	{"**", token.POW}, {"++", token.INC}, {"--", token.DEC}, {"<<", token.SHL}, {">>", token.SHR},
	{"&&", token.LAND}, {"||", token.LOR}, {"??", token.NULLISH}, {"+=", token.ADDASSIGN},
	{"-=", token.SUBASSIGN}, {"*=", token.MULASSIGN}, {"/=", token.DIVASSIGN}, {"%=", token.MODASSIGN},
	{"&=", token.ANDASSIGN}, {"|=", token.ORASSIGN}, {"^=", token.XORASSIGN}, {"?.", token.QDOT},
	{"(", token.LPAREN}, {")", token.RPAREN}, {"{", token.LBRACE}, {"}", token.RBRACE},
	{"[", token.LBRACK}, {"]", token.RBRACK}, {";", token.SEMI}, {",", token.COMMA}, {".", token.DOT},
	{"?", token.QUESTION}, {":", token.COLON}, {"=", token.ASSIGN}, {"<", token.LT}, {">", token.GT},
	{"+", token.ADD}, {"-", token.SUB}, {"*", token.MUL}, {"/", token.DIV}, {"%", token.MOD},
	{"&", token.AND}, {"|", token.OR}, {"^", token.XOR}, {"!", token.NOT}, {"~", token.BITNOT},
}

func (l *Lexer) scanOperator() token.Kind {
	rest := l.src[l.off:]
	for _, op := range ops {
		if len(rest) >= len(op.s) && string(rest[:len(op.s)]) == op.s {
			// "?." followed by a digit is the conditional operator then a number.
			if op.k == token.QDOT && len(rest) > 2 && rest[2] >= '0' && rest[2] <= '9' {
				continue
			}
			l.advance(len(op.s))
			return op.k
		}
	}
	return token.ILLEGAL
}

func (l *Lexer) scanNumber(t *Token) {
	t.Kind = token.NUMBER
	start := l.off
	if l.src[l.off] == '0' && l.off+1 < len(l.src) {
		base := 0
		switch l.src[l.off+1] | 0x20 {
		case 'x':
			base = 16
		case 'o':
			base = 8
		case 'b':
			base = 2
		}
		if base != 0 {
			l.advance(2)
			ds := l.off
			for l.off < len(l.src) && (digitVal(l.src[l.off]) < base || l.src[l.off] == '_') {
				l.advance(1)
			}
			digits := strings.ReplaceAll(string(l.src[ds:l.off]), "_", "")
			t.Lit = string(l.src[start:l.off])
			if digits == "" {
				l.errorf(t.Pos, "malformed number literal %s", t.Lit)
				return
			}
			v := 0.0
			for i := 0; i < len(digits); i++ {
				v = v*float64(base) + float64(digitVal(digits[i]))
			}
			t.Num = v
			l.checkAfterNumber(t)
			return
		}
		if d := l.src[l.off+1]; d >= '0' && d <= '9' {
			l.errorf(t.Pos, "legacy octal number literals are not supported; use 0o17 for octal or remove the leading zero")
		}
	}
	digits := func() {
		for l.off < len(l.src) && ((l.src[l.off] >= '0' && l.src[l.off] <= '9') || l.src[l.off] == '_') {
			l.advance(1)
		}
	}
	digits()
	if l.off < len(l.src) && l.src[l.off] == '.' {
		l.advance(1)
		digits()
	}
	if l.off < len(l.src) && l.src[l.off]|0x20 == 'e' {
		save := l.Save()
		l.advance(1)
		if c := l.peek(0); c == '+' || c == '-' {
			l.advance(1)
		}
		if c := l.peek(0); c >= '0' && c <= '9' {
			digits()
		} else {
			l.Restore(save)
		}
	}
	t.Lit = string(l.src[start:l.off])
	v, err := strconv.ParseFloat(strings.ReplaceAll(t.Lit, "_", ""), 64)
	if err != nil && !isRangeErr(err) {
		l.errorf(t.Pos, "malformed number literal %s", t.Lit)
	}
	if math.IsNaN(v) {
		v = 0
	}
	t.Num = v
	l.checkAfterNumber(t)
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

func (l *Lexer) checkAfterNumber(t *Token) {
	if l.off < len(l.src) {
		r, _ := utf8.DecodeRune(l.src[l.off:])
		if r == 'n' {
			l.errorf(t.Pos, "BigInt literals are not supported; use a number")
			l.advance(1)
		} else if isIdentStart(r) || (r >= '0' && r <= '9') {
			l.errorf(t.Pos, "identifier starts immediately after number literal")
		}
	}
}

func digitVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c|0x20 >= 'a' && c|0x20 <= 'f':
		return int(c|0x20-'a') + 10
	}
	return 99
}

// scanEscape scans an escape sequence after the backslash and appends its UTF-16 units.
func (l *Lexer) scanEscape(buf []uint16) []uint16 {
	p := l.pos()
	if l.off >= len(l.src) {
		l.errorf(p, "unterminated escape sequence")
		return buf
	}
	c := l.src[l.off]
	switch c {
	case 'n':
		l.advance(1)
		return append(buf, '\n')
	case 't':
		l.advance(1)
		return append(buf, '\t')
	case 'r':
		l.advance(1)
		return append(buf, '\r')
	case 'b':
		l.advance(1)
		return append(buf, '\b')
	case 'f':
		l.advance(1)
		return append(buf, '\f')
	case 'v':
		l.advance(1)
		return append(buf, '\v')
	case '0':
		if d := l.peek(1); d >= '0' && d <= '9' {
			l.errorf(p, "octal escape sequences are not supported")
		}
		l.advance(1)
		return append(buf, 0)
	case '\r':
		l.advance(1)
		if l.peek(0) == '\n' {
			l.newline()
		}
		return buf
	case '\n':
		l.newline()
		return buf
	case 'x':
		l.advance(1)
		v := l.hexDigits(2, p)
		return append(buf, uint16(v))
	case 'u':
		l.advance(1)
		if l.peek(0) == '{' {
			l.advance(1)
			v := 0
			n := 0
			for l.off < len(l.src) && l.src[l.off] != '}' {
				d := digitVal(l.src[l.off])
				if d >= 16 {
					break
				}
				v = v*16 + d
				n++
				l.advance(1)
				if v > 0x10FFFF {
					break
				}
			}
			if n == 0 || l.peek(0) != '}' || v > 0x10FFFF {
				l.errorf(p, "invalid unicode escape sequence")
				return buf
			}
			l.advance(1)
			return utf16.AppendRune(buf, rune(v))
		}
		v := l.hexDigits(4, p)
		return append(buf, uint16(v))
	}
	if c >= '1' && c <= '9' {
		l.errorf(p, "octal escape sequences are not supported")
	}
	r, size := utf8.DecodeRune(l.src[l.off:])
	l.advance(size)
	return utf16.AppendRune(buf, r)
}

func (l *Lexer) hexDigits(n int, p token.Pos) int {
	v := 0
	for i := 0; i < n; i++ {
		d := digitVal(l.peek(0))
		if d >= 16 {
			l.errorf(p, "invalid hexadecimal escape sequence")
			return v
		}
		v = v*16 + d
		l.advance(1)
	}
	return v
}

func (l *Lexer) scanString(t *Token, quote byte) {
	t.Kind = token.STRING
	l.advance(1)
	var buf []uint16
	for {
		if l.off >= len(l.src) || l.src[l.off] == '\n' {
			l.errorf(t.Pos, "unterminated string literal")
			break
		}
		c := l.src[l.off]
		if c == quote {
			l.advance(1)
			break
		}
		if c == '\\' {
			l.advance(1)
			buf = l.scanEscape(buf)
			continue
		}
		r, size := utf8.DecodeRune(l.src[l.off:])
		l.advance(size)
		buf = utf16.AppendRune(buf, r)
	}
	t.Lit = decodeUTF16(buf)
}

// decodeUTF16 converts UTF-16 units to the runtime's string encoding, WTF-8: UTF-8 in
// which a lone surrogate (legal in JavaScript strings) keeps its 3-byte encoding.
func decodeUTF16(buf []uint16) string {
	ascii := true
	for _, u := range buf {
		if u >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		b := make([]byte, len(buf))
		for i, u := range buf {
			b[i] = byte(u)
		}
		return string(b)
	}
	b := make([]byte, 0, len(buf)*3)
	for i := 0; i < len(buf); i++ {
		c := rune(buf[i])
		if c >= 0xD800 && c < 0xDC00 && i+1 < len(buf) && buf[i+1] >= 0xDC00 && buf[i+1] < 0xE000 {
			b = utf8.AppendRune(b, utf16.DecodeRune(c, rune(buf[i+1])))
			i++
			continue
		}
		if c >= 0xD800 && c < 0xE000 {
			b = append(b, 0xED, byte(0x80|(c>>6)&0x3F), byte(0x80|c&0x3F))
			continue
		}
		b = utf8.AppendRune(b, c)
	}
	return string(b)
}

// ContinueTemplate scans the template chunk that follows the closing brace of a ${}
// substitution; the parser calls it right after it has seen that brace.
func (l *Lexer) ContinueTemplate(p token.Pos) Token {
	t := Token{Pos: p}
	l.scanTemplate(&t)
	return t
}

// scanTemplate scans template characters up to the closing backquote or the next "${".
func (l *Lexer) scanTemplate(t *Token) {
	t.Kind = token.TEMPLATE
	var buf []uint16
	for {
		if l.off >= len(l.src) {
			l.errorf(t.Pos, "unterminated template literal")
			t.TemplateEnd = true
			break
		}
		c := l.src[l.off]
		if c == '`' {
			l.advance(1)
			t.TemplateEnd = true
			break
		}
		if c == '$' && l.peek(1) == '{' {
			l.advance(2)
			break
		}
		if c == '\\' {
			l.advance(1)
			buf = l.scanEscape(buf)
			continue
		}
		if c == '\r' {
			// Template literals normalize CRLF and CR to LF.
			l.advance(1)
			if l.peek(0) == '\n' {
				l.newline()
			}
			buf = append(buf, '\n')
			continue
		}
		if c == '\n' {
			l.newline()
			buf = append(buf, '\n')
			continue
		}
		r, size := utf8.DecodeRune(l.src[l.off:])
		l.advance(size)
		buf = utf16.AppendRune(buf, r)
	}
	t.Lit = decodeUTF16(buf)
}
