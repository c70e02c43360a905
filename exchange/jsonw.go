package exchange

import "strconv"

// jw appends a JSON object field by field. The exchange writes its answers
// by hand so that numbers come out exactly as Binance prints them: decimals
// as strings padded to 8 places, ids and times as integers.
type jw struct {
	b     []byte
	first bool
}

func (w *jw) open() *jw {
	w.b = append(w.b, '{')
	w.first = true
	return w
}

func (w *jw) close() *jw {
	w.b = append(w.b, '}')
	w.first = false
	return w
}

func (w *jw) key(k string) {
	if !w.first {
		w.b = append(w.b, ',')
	}
	w.first = false
	w.b = append(w.b, '"')
	w.b = append(w.b, k...)
	w.b = append(w.b, `":`...)
}

func (w *jw) str(k, v string) *jw {
	w.key(k)
	w.b = strconv.AppendQuote(w.b, v)
	return w
}

func (w *jw) int(k string, v int64) *jw {
	w.key(k)
	w.b = strconv.AppendInt(w.b, v, 10)
	return w
}

func (w *jw) uint(k string, v uint64) *jw {
	w.key(k)
	w.b = strconv.AppendUint(w.b, v, 10)
	return w
}

// dec writes a fixed-point value at the wire scale as a quoted decimal.
func (w *jw) dec(k string, v int64) *jw {
	w.key(k)
	w.b = append(w.b, '"')
	w.b = wireScale.AppendFixed(w.b, v)
	w.b = append(w.b, '"')
	return w
}

func (w *jw) bool(k string, v bool) *jw {
	w.key(k)
	w.b = strconv.AppendBool(w.b, v)
	return w
}

// raw writes v, which must be valid JSON, as the value of k.
func (w *jw) raw(k string, v []byte) *jw {
	w.key(k)
	w.b = append(w.b, v...)
	return w
}

// obj starts a nested object as the value of k; close it with close.
func (w *jw) obj(k string) *jw {
	w.key(k)
	return w.open()
}

// arr starts an array as the value of k; elements are added with elem and
// the array ended with endArr.
func (w *jw) arr(k string) *jw {
	w.key(k)
	w.b = append(w.b, '[')
	w.first = true
	return w
}

// elem starts an object element of an array.
func (w *jw) elem() *jw {
	if !w.first {
		w.b = append(w.b, ',')
	}
	return w.open()
}

func (w *jw) endArr() *jw {
	w.b = append(w.b, ']')
	w.first = false
	return w
}
