package kraken

import (
	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/orderbook"
)

// Kraken writes every book level the same way: {"price":P,"qty":Q}, no whitespace,
// price first, both plain decimals. fastLevel reads exactly that form in one pass, the
// numbers straight into fixed point, and leaves anything else (whitespace, another
// field order, an exponent, more decimals than the scale, a number too long to be sure
// it fits, a sign, a leading zero) to the general path, which reads or refuses it: the
// fast path accepts a subset of what level accepts, with the same values
// (FuzzFastLevel checks it), so it changes the speed and nothing else.

const (
	fastPriceKey = `{"price":`
	fastQtyKey   = `,"qty":`
)

// fastLevel reads the level at s.Pos if it has Kraken's form and reports whether it
// did; s.Pos moves only when it did.
func (d Decoder) fastLevel(s *scanner) (orderbook.Level, bool) {
	b, i := s.B, s.Pos
	if len(b)-i < len(fastPriceKey) || string(b[i:i+len(fastPriceKey)]) != fastPriceKey {
		return orderbook.Level{}, false
	}
	i += len(fastPriceKey)
	p, i, ok := fastNum(b, i, d.PriceScale)
	if !ok || p <= 0 || len(b)-i < len(fastQtyKey) || string(b[i:i+len(fastQtyKey)]) != fastQtyKey {
		return orderbook.Level{}, false
	}
	i += len(fastQtyKey)
	q, i, ok := fastNum(b, i, d.QtyScale)
	if !ok || i >= len(b) || b[i] != '}' {
		return orderbook.Level{}, false
	}
	s.Pos = i + 1
	return orderbook.Level{Price: p, Qty: q}, true
}

// pow10 holds 10^0 to 10^18.
var pow10 = [19]int64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18}

// fastNum reads a non-negative JSON number 0|[1-9][0-9]*(\.[0-9]+)? at b[i:] into
// fixed point at scale sc: at most sc decimals, and at most 18 digits once scaled, so
// that it cannot overflow. Anything else, or a number followed by what could continue
// it ('.', 'e', 'E', a digit), is not read (false).
func fastNum(b []byte, i int, sc fixed.Scale) (int64, int, bool) {
	start := i
	var v int64
	if i < len(b) && b[i] == '0' {
		i++
	} else {
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			v = v*10 + int64(b[i]-'0')
			i++
			if i-start+int(sc) > 18 {
				return 0, i, false
			}
		}
	}
	if i == start {
		return 0, i, false
	}
	ints := i - start
	frac := 0
	if i < len(b) && b[i] == '.' {
		i++
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			if frac == int(sc) {
				return 0, i, false // more decimals than the scale: the general path decides
			}
			v = v*10 + int64(b[i]-'0')
			frac++
			i++
		}
		if frac == 0 {
			return 0, i, false
		}
	}
	if i < len(b) {
		switch c := b[i]; {
		case c == '.' || c == 'e' || c == 'E' || c >= '0' && c <= '9':
			return 0, i, false
		}
	}
	if ints+int(sc) > 18 {
		return 0, i, false
	}
	return v * pow10[int(sc)-frac], i, true
}
