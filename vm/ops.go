package vm

import (
	"github.com/nanotick/nanotick/vm/jsmath"
	"math"
	"strconv"
	"strings"

	"github.com/nanotick/nanotick/vm/bytecode"
)

var opSymbol = map[bytecode.Op]string{
	bytecode.ADD: "+", bytecode.SUB: "-", bytecode.MUL: "*", bytecode.DIV: "/", bytecode.MOD: "%",
	bytecode.POW: "**", bytecode.BAND: "&", bytecode.BOR: "|", bytecode.BXOR: "^", bytecode.SHL: "<<",
	bytecode.SHR: ">>", bytecode.USHR: ">>>", bytecode.LT: "<", bytecode.LE: "<=", bytecode.GT: ">",
	bytecode.GE: ">=",
}

// toInt32 implements ECMAScript ToInt32.
func toInt32(f float64) int32 {
	if f >= -2147483648 && f <= 2147483647 {
		return int32(f)
	}
	if f != f || math.IsInf(f, 0) {
		return 0
	}
	f = math.Mod(math.Trunc(f), 4294967296)
	return int32(uint32(int64(f)))
}

// numOp applies a numeric binary operator with JavaScript semantics.
func numOp(op bytecode.Op, a, b float64) float64 {
	switch op {
	case bytecode.ADD:
		return a + b
	case bytecode.SUB:
		return a - b
	case bytecode.MUL:
		return a * b
	case bytecode.DIV:
		return a / b
	case bytecode.MOD:
		return math.Mod(a, b) // the result has the sign of the dividend, as in JS
	case bytecode.POW:
		return jsPow(a, b)
	case bytecode.BAND:
		return float64(toInt32(a) & toInt32(b))
	case bytecode.BOR:
		return float64(toInt32(a) | toInt32(b))
	case bytecode.BXOR:
		return float64(toInt32(a) ^ toInt32(b))
	case bytecode.SHL:
		return float64(toInt32(a) << (uint32(toInt32(b)) & 31))
	case bytecode.SHR:
		return float64(toInt32(a) >> (uint32(toInt32(b)) & 31))
	case bytecode.USHR:
		return float64(uint32(toInt32(a)) >> (uint32(toInt32(b)) & 31))
	}
	return math.NaN()
}

// jsPow is Math.pow and **, computed as V8 computes it (jsmath.Pow).
func jsPow(a, b float64) float64 { return jsmath.Pow(a, b) }

func numCompare(op bytecode.Op, a, b float64) bool {
	switch op {
	case bytecode.LT:
		return a < b
	case bytecode.LE:
		return a <= b
	case bytecode.GT:
		return a > b
	}
	return a >= b
}

// describe names a value's type for error messages, quoting short strings.
func (m *Machine) describe(v Value) string {
	if v.tag() == tagString && !v.IsNumber() {
		s := m.str(v)
		if len(s) <= 20 {
			return "string " + strconv.Quote(s)
		}
		return "string"
	}
	return v.Kind().String()
}

const coerceHint = "nanotick never converts between types implicitly (JavaScript would produce NaN or a surprising result); check the operand, e.g. that a variable or property is set"

func (m *Machine) arithError(op string, a, b Value) error {
	return hintf(coerceHint, "invalid operands to %s: %s and %s", op, m.describe(a), m.describe(b))
}

func (m *Machine) compareError(op string, a, b Value) error {
	return hintf("compare two numbers or two strings", "invalid operands to %s: %s and %s", op, m.describe(a), m.describe(b))
}

func (m *Machine) unaryError(op bytecode.Op, a Value) error {
	sym := map[bytecode.Op]string{bytecode.NEG: "-", bytecode.PLUS: "+", bytecode.BITNOT: "~", bytecode.TONUM: "++/--"}[op]
	return hintf(coerceHint, "invalid operand to unary %s: %s", sym, m.describe(a))
}

func (m *Machine) updateError(delta int32, a Value) error {
	op := "++"
	if delta < 0 {
		op = "--"
	}
	return hintf(coerceHint, "invalid operand to %s: %s", op, m.describe(a))
}

func (m *Machine) callError(f Value) error {
	return hintf("only functions can be called; check the name and that the variable holds a function", "calling a non-function: %s", m.describe(f))
}

// addSlow handles + when an operand is not a number: string concatenation is the one
// implicit conversion kept from JavaScript.
func (m *Machine) addSlow(a, b Value) (Value, error) {
	if a.tag() == tagString && !a.IsNumber() || b.tag() == tagString && !b.IsNumber() {
		sa, err := m.toString(a)
		if err != nil {
			return Undefined, err
		}
		sb, err := m.toString(b)
		if err != nil {
			return Undefined, err
		}
		m.budget -= int64(len(sa)+len(sb)) >> 6
		if int64(len(sa)+len(sb)) > m.limits.MaxHeapBytes {
			return Undefined, errorf("string too long (%d bytes)", len(sa)+len(sb))
		}
		return m.newString(joinWTF8(sa, sb)), nil
	}
	return Undefined, m.arithError("+", a, b)
}

func (m *Machine) concat(vals []Value) (Value, error) {
	var b strings.Builder
	for _, v := range vals {
		s, err := m.toString(v)
		if err != nil {
			return Undefined, err
		}
		b.WriteString(s)
		if int64(b.Len()) > m.limits.MaxHeapBytes {
			return Undefined, errorf("string too long (%d bytes)", b.Len())
		}
	}
	return m.newString(normalizeWTF8(b.String())), nil
}

func (m *Machine) compareSlow(op bytecode.Op, a, b Value) (bool, error) {
	if a.tag() == tagString && b.tag() == tagString && !a.IsNumber() && !b.IsNumber() {
		c := m.compareStrings(a, b)
		switch op {
		case bytecode.LT:
			return c < 0, nil
		case bytecode.LE:
			return c <= 0, nil
		case bytecode.GT:
			return c > 0, nil
		}
		return c >= 0, nil
	}
	return false, m.compareError(opSymbol[op], a, b)
}

// compareStrings orders strings by UTF-16 code units, as JavaScript does.
func (m *Machine) compareStrings(a, b Value) int {
	if m.isASCII(a) && m.isASCII(b) {
		return strings.Compare(m.str(a), m.str(b))
	}
	return compareUTF16(m.str(a), m.str(b))
}

func compareUTF16(a, b string) int {
	ua, ub := toUTF16(a), toUTF16(b)
	for i := 0; i < len(ua) && i < len(ub); i++ {
		if ua[i] != ub[i] {
			if ua[i] < ub[i] {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(ua) < len(ub):
		return -1
	case len(ua) > len(ub):
		return 1
	}
	return 0
}

func (m *Machine) typeOf(v Value) Value {
	var i int
	switch v.Kind() {
	case KindUndefined:
		i = 0
	case KindNull, KindArray, KindObject:
		i = 1
	case KindBool:
		i = 2
	case KindNumber:
		i = 3
	case KindString:
		i = 4
	case KindFunction:
		i = 5
	}
	return mkHandle(tagString, uint32(m.typeBase+i))
}

var typeNames = []string{"undefined", "object", "boolean", "number", "string", "function"}

// toString implements JavaScript's ToString for the values nanotick allows to be
// converted: everything but functions.
func (m *Machine) toString(v Value) (string, error) {
	if v.IsNumber() {
		return numberToString(v.num()), nil
	}
	switch v.tag() {
	case tagString:
		return m.str(v), nil
	case tagArray:
		var b strings.Builder
		if err := m.joinArray(&b, v, ",", 0); err != nil {
			return "", err
		}
		return normalizeWTF8(b.String()), nil
	case tagObject:
		return "[object Object]", nil
	case tagClosure, tagFunc:
		return "", hintf("call the function, or print its name yourself", "cannot convert a function to a string")
	}
	switch v.bits {
	case nullBits:
		return "null", nil
	case trueBits:
		return "true", nil
	case falseBits:
		return "false", nil
	}
	return "undefined", nil
}

// joinArray implements Array.prototype.join: null, undefined and holes become empty.
func (m *Machine) joinArray(b *strings.Builder, v Value, sep string, depth int) error {
	if depth > 1000 {
		return errorf("array nested too deeply to convert to a string")
	}
	// An array that contains itself converts to the empty string where it recurs, as
	// JavaScript engines do.
	for _, h := range m.joinStack {
		if h == v.handle() {
			return nil
		}
	}
	m.joinStack = append(m.joinStack, v.handle())
	defer func() { m.joinStack = m.joinStack[:len(m.joinStack)-1] }()
	elems := m.arrs[v.handle()].elems
	// Every array visited is charged its elements, a few steps each for the conversion
	// to text: an array may hold the same big array many times.
	m.budget -= 4 * int64(len(elems))
	var nb [32]byte
	for i, e := range elems {
		if i > 0 {
			b.WriteString(sep)
		}
		switch {
		case e.IsNumber():
			b.Write(appendNumber(nb[:0], e.num())) // no string per element
		case e.bits == undefinedBits || e.bits == nullBits || e.bits == holeBits:
		case e.tag() == tagArray && !e.IsNumber():
			if err := m.joinArray(b, e, ",", depth+1); err != nil {
				return err
			}
		default:
			s, err := m.toString(e)
			if err != nil {
				return err
			}
			b.WriteString(s)
		}
		if int64(b.Len()) > m.limits.MaxHeapBytes {
			return errorf("string too long (%d bytes)", b.Len())
		}
	}
	return nil
}

func (m *Machine) propName(name int) string { return m.prog.code.Strings[name] }

func (m *Machine) fieldIndex(o *objObj, name string) int {
	for i, k := range m.prog.code.Shapes[o.shape] {
		if m.prog.code.Strings[k] == name {
			return i
		}
	}
	return -1
}

const fixedKeysHint = "object keys are fixed where the object literal is written; add the key there"

func (m *Machine) getProp(v Value, name int) (Value, error) {
	return m.getNamed(v, m.propName(name))
}

func (m *Machine) getNamed(v Value, name string) (Value, error) {
	if !v.IsNumber() {
		switch v.tag() {
		case tagObject:
			o := &m.objs[v.handle()]
			if i := m.fieldIndex(o, name); i >= 0 {
				return o.fields[i], nil
			}
			return Undefined, hintf(fixedKeysHint, "object has no property %s", name)
		case tagArray:
			if name == "length" {
				return Number(float64(len(m.arrs[v.handle()].elems))), nil
			}
			if isArrayMethod(name) {
				return Undefined, hintf("call it: array."+name+"(...)", "array method %s cannot be used as a value", name)
			}
			return Undefined, hintf("arrays have length and the methods push, pop, indexOf, slice, sort, fill, join, includes", "arrays have no property %s", name)
		case tagString:
			if name == "length" {
				return Number(float64(m.strLen(v))), nil
			}
			return Undefined, hintf("strings have only length and indexing s[i]", "strings have no property %s", name)
		}
	}
	return Undefined, hintf("check that the value is set before reading its properties", "cannot read property %s of %s", name, m.describe(v))
}

func (m *Machine) setProp(o Value, name int, v Value) error {
	return m.setNamed(o, m.propName(name), v)
}

func (m *Machine) setNamed(ov Value, name string, v Value) error {
	if !ov.IsNumber() {
		switch ov.tag() {
		case tagObject:
			o := &m.objs[ov.handle()]
			if i := m.fieldIndex(o, name); i >= 0 {
				o.fields[i] = v
				return nil
			}
			return hintf(fixedKeysHint, "cannot add property %s: object keys are fixed", name)
		case tagArray:
			if name == "length" {
				return hintf("use push and pop, or slice to shorten", "cannot assign to array length")
			}
			return hintf("arrays only hold indexed elements", "cannot set property %s of an array", name)
		}
	}
	return hintf("check that the value is an object", "cannot set property %s of %s", name, m.describe(ov))
}

func (m *Machine) getIndex(a, i Value) (Value, error) {
	if !a.IsNumber() {
		switch a.tag() {
		case tagArray:
			if i.IsNumber() {
				elems := m.arrs[a.handle()].elems
				f := i.num()
				if idx := int(f); float64(idx) == f && idx >= 0 && idx < len(elems) {
					if elems[idx].bits == holeBits {
						return Undefined, nil
					}
					return elems[idx], nil
				}
				return Undefined, nil // out of range reads undefined, as in JavaScript
			}
			if i.tag() == tagString {
				return m.getNamed(a, m.str(i))
			}
			return Undefined, hintf("index arrays with numbers", "array index must be a number, not %s", m.describe(i))
		case tagString:
			if i.IsNumber() {
				f := i.num()
				if idx := int(f); float64(idx) == f && idx >= 0 && idx < m.strLen(a) {
					return m.charAt(a, idx), nil
				}
				return Undefined, nil
			}
			if i.tag() == tagString {
				return m.getNamed(a, m.str(i))
			}
			return Undefined, hintf("index strings with numbers", "string index must be a number, not %s", m.describe(i))
		case tagObject:
			if i.tag() == tagString && !i.IsNumber() {
				return m.getNamed(a, m.str(i))
			}
			return Undefined, hintf("index objects with their key names", "object key must be a string, not %s", m.describe(i))
		}
	}
	return Undefined, hintf("check that the value is an array before indexing it", "cannot index %s", m.describe(a))
}

// maxArrayLen bounds array growth by indexing or new Array.
func (m *Machine) maxArrayLen() int {
	n := m.limits.MaxHeapBytes / valueSize
	if n > 1<<32-1 {
		n = 1<<32 - 1
	}
	return int(n)
}

func (m *Machine) setIndex(a, i, v Value) error {
	if !a.IsNumber() {
		switch a.tag() {
		case tagArray:
			if !i.IsNumber() {
				if i.tag() == tagString {
					return m.setNamed(a, m.str(i), v)
				}
				return hintf("index arrays with numbers", "array index must be a number, not %s", m.describe(i))
			}
			ar := &m.arrs[a.handle()]
			f := i.num()
			idx := int(f)
			if float64(idx) != f || idx < 0 {
				return hintf("array indices are integers from 0", "array index %s out of range", numberToString(f))
			}
			if idx < len(ar.elems) {
				ar.elems[idx] = v
				return nil
			}
			if idx >= m.maxArrayLen() {
				return errorf("array too large (index %d)", idx)
			}
			oldCap := cap(ar.elems)
			for len(ar.elems) < idx {
				ar.elems = append(ar.elems, Value{holeBits})
			}
			ar.elems = append(ar.elems, v)
			m.account(int64(cap(ar.elems)-oldCap) * valueSize)
			return nil
		case tagObject:
			if i.tag() == tagString && !i.IsNumber() {
				return m.setNamed(a, m.str(i), v)
			}
			return hintf("index objects with their key names", "object key must be a string, not %s", m.describe(i))
		case tagString:
			return hintf("build a new string instead", "strings are immutable")
		}
	}
	return hintf("check that the value is an array before indexing it", "cannot index %s", m.describe(a))
}

func (m *Machine) updateIndex(a, i Value, delta int32, post bool) (Value, error) {
	old, err := m.getIndex(a, i)
	if err != nil {
		return Undefined, err
	}
	if !old.IsNumber() {
		return Undefined, m.updateError(delta, old)
	}
	nv := Number(old.num() + float64(delta))
	if err := m.setIndex(a, i, nv); err != nil {
		return Undefined, err
	}
	if post {
		return old, nil
	}
	return nv, nil
}

func (m *Machine) updateProp(o Value, name int, delta int32, post bool) (Value, error) {
	old, err := m.getProp(o, name)
	if err != nil {
		return Undefined, err
	}
	if !old.IsNumber() {
		return Undefined, m.updateError(delta, old)
	}
	nv := Number(old.num() + float64(delta))
	if err := m.setProp(o, name, nv); err != nil {
		return Undefined, err
	}
	if post {
		return old, nil
	}
	return nv, nil
}

// forOfSlow iterates what is not an array: strings yield code points, as in JavaScript.
func (m *Machine) forOfSlow(it Value, idx int) (v Value, next int, done bool, err error) {
	if it.tag() != tagString || it.IsNumber() {
		return Undefined, 0, false, hintf("iterate over an array", "for-of needs an array or a string, not %s", m.describe(it))
	}
	n := m.strLen(it)
	if idx >= n {
		return Undefined, 0, true, nil
	}
	if m.isASCII(it) {
		return m.asciiChar(m.str(it)[idx]), idx + 1, false, nil
	}
	u := toUTF16(m.str(it))
	end := idx + 1
	if u[idx] >= 0xD800 && u[idx] < 0xDC00 && end < len(u) && u[end] >= 0xDC00 && u[end] < 0xE000 {
		end++
	}
	return m.newString(fromUTF16(u[idx:end])), end, false, nil
}

func (m *Machine) newArrayN(n Value) (Value, error) {
	if !n.IsNumber() {
		return Undefined, hintf("pass the length as a number", "new Array needs a number, not %s", m.describe(n))
	}
	f := n.num()
	size := int(f)
	if float64(size) != f || size < 0 || f > 4294967295 {
		return Undefined, errorf("invalid array length %s", numberToString(f))
	}
	if size > m.maxArrayLen() {
		return Undefined, errorf("array too large (%d elements)", size)
	}
	elems := make([]Value, size)
	for i := range elems {
		elems[i] = Value{holeBits}
	}
	return m.newArray(elems), nil
}
