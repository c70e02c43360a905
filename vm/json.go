package vm

import "strings"

// jsonStringify is JavaScript's JSON.stringify(v) without a replacer or indentation,
// as console.log's %j uses it: ok is false where JSON.stringify returns undefined (for
// undefined and functions at the top level), and circular is true for a structure that
// contains itself, where JSON.stringify throws (console.log then prints "[Circular]").
func (m *Machine) jsonStringify(v Value) (s string, ok, circular bool) {
	j := jsonWriter{m: m}
	if !j.value(v) {
		return "", false, j.circular
	}
	return j.b.String(), true, false
}

type jsonWriter struct {
	m        *Machine
	b        strings.Builder
	stack    []uint64 // the arrays and objects being written, to detect cycles
	circular bool
}

// value writes v and reports whether it had a JSON form (undefined, functions and holes
// have none: arrays write them as null, objects leave the property out).
func (j *jsonWriter) value(v Value) bool {
	if j.circular {
		return false
	}
	m := j.m
	switch v.Kind() {
	case KindNumber:
		f := v.num()
		if f != f || f-f != 0 { // NaN and the infinities
			j.b.WriteString("null")
		} else {
			var nb [32]byte
			j.b.Write(appendNumber(nb[:0], f)) // -0 prints as 0
		}
	case KindString:
		j.quote(m.str(v))
	case KindBool:
		if v.bits == trueBits {
			j.b.WriteString("true")
		} else {
			j.b.WriteString("false")
		}
	case KindNull:
		j.b.WriteString("null")
	case KindArray, KindObject:
		for _, s := range j.stack {
			if s == v.bits {
				j.circular = true
				return false
			}
		}
		j.stack = append(j.stack, v.bits)
		if v.Kind() == KindArray {
			j.b.WriteByte('[')
			for i, e := range m.arrs[v.handle()].elems {
				if i > 0 {
					j.b.WriteByte(',')
				}
				if e.bits == holeBits || !j.value(e) {
					if j.circular {
						return false
					}
					j.b.WriteString("null")
				}
			}
			j.b.WriteByte(']')
		} else {
			o := &m.objs[v.handle()]
			j.b.WriteByte('{')
			first := true
			for i, k := range m.prog.code.Shapes[o.shape] {
				f := o.fields[i]
				if f.Kind() == KindUndefined || f.Kind() == KindFunction {
					continue
				}
				if !first {
					j.b.WriteByte(',')
				}
				first = false
				j.quote(m.prog.code.Strings[k])
				j.b.WriteByte(':')
				if !j.value(f) {
					return false
				}
			}
			j.b.WriteByte('}')
		}
		j.stack = j.stack[:len(j.stack)-1]
	default: // undefined, functions
		return false
	}
	return true
}

// quote writes s (WTF-8) as a JSON string, escaped as JSON.stringify escapes: the
// two-character escapes, \u00xx for other control characters, and \udxxx for lone
// surrogates (well-formed JSON.stringify).
func (j *jsonWriter) quote(s string) {
	const hex = "0123456789abcdef"
	j.b.WriteByte('"')
	for len(s) > 0 {
		r, n := decodeRuneWTF8(s)
		switch {
		case r == '"':
			j.b.WriteString(`\"`)
		case r == '\\':
			j.b.WriteString(`\\`)
		case r == '\b':
			j.b.WriteString(`\b`)
		case r == '\f':
			j.b.WriteString(`\f`)
		case r == '\n':
			j.b.WriteString(`\n`)
		case r == '\r':
			j.b.WriteString(`\r`)
		case r == '\t':
			j.b.WriteString(`\t`)
		case r < 0x20 || (r >= 0xD800 && r < 0xE000):
			j.b.WriteString(`\u`)
			for shift := 12; shift >= 0; shift -= 4 {
				j.b.WriteByte(hex[(r>>shift)&0xF])
			}
		default:
			j.b.WriteString(s[:n])
		}
		s = s[n:]
	}
	j.b.WriteByte('"')
}

// jsonForLog is console.log's %j: JSON.stringify's result, "undefined" where that is
// undefined, and "[Circular]" for a structure that contains itself.
func (m *Machine) jsonForLog(v Value) string {
	s, ok, circular := m.jsonStringify(v)
	switch {
	case circular:
		return "[Circular]"
	case !ok:
		return "undefined"
	}
	return s
}
