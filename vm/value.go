package vm

import "math"

// Value is a script value: a NaN-boxed 64-bit word holding no Go pointer, so that the
// value stack and the globals are never scanned by the garbage collector.
//
// Numbers are stored as their raw float64 bits. Other values use the top 16 bits
// 0xFFF9..0xFFFF as a tag, a part of the NaN space that neither the canonical NaN
// 0x7FF8… nor the NaN that x86 produces for invalid operations (0xFFF8…) can reach.
// Strings, arrays, objects and closures carry a handle (an index into the owning
// Machine's arenas) in the low 32 bits, so a Value is only meaningful together with the
// Machine that created it.
type Value struct {
	bits uint64
}

const (
	tagShift   = 48
	tagMisc    = 0xFFF9
	tagString  = 0xFFFA
	tagArray   = 0xFFFB
	tagObject  = 0xFFFC
	tagClosure = 0xFFFD // a closure in the closure arena
	tagFunc    = 0xFFFE // a function without captures: the handle is the function index
	tagHost    = 0xFFFF // reserved

	firstTag = uint64(tagMisc) << tagShift

	undefinedBits = uint64(tagMisc) << tagShift
	nullBits      = undefinedBits | 1
	falseBits     = undefinedBits | 2
	trueBits      = undefinedBits | 3
	holeBits      = undefinedBits | 4          // an array element never written (new Array(n))
	uninitBits    = undefinedBits | 5          // a let/const binding before its declaration ran
	cellBits      = undefinedBits | 1<<32      // a heap cell handle in a frame slot
	canonicalNaN  = uint64(0x7FF8000000000000) // the NaN Number() stores
)

// Kind is the type of a Value.
type Kind uint8

// The kinds of values.
const (
	KindUndefined Kind = iota
	KindNull
	KindBool
	KindNumber
	KindString
	KindArray
	KindObject
	KindFunction
)

var kindNames = [...]string{"undefined", "null", "boolean", "number", "string", "array", "object", "function"}

// String returns the kind's name as used in error messages.
func (k Kind) String() string { return kindNames[k] }

// Undefined is the undefined value. Note that the zero Value is the number +0.
//
// The interpreter's hot paths write Value{undefinedBits} instead: a variable is a load
// from memory, the literal an immediate.
var Undefined = Value{undefinedBits}

// Null is the null value.
var Null = Value{nullBits}

// Number returns a number value. Every NaN becomes the canonical NaN so that foreign NaN
// payloads cannot be mistaken for tags.
func Number(f float64) Value {
	if f != f {
		return Value{canonicalNaN}
	}
	return Value{math.Float64bits(f)}
}

// Bool returns a boolean value.
func Bool(b bool) Value {
	if b {
		return Value{trueBits}
	}
	return Value{falseBits}
}

func (v Value) tag() uint64 { return v.bits >> tagShift }

// IsNumber reports whether v is a number.
func (v Value) IsNumber() bool { return v.bits < firstTag }

func (v Value) num() float64 { return math.Float64frombits(v.bits) }

func (v Value) handle() uint32 { return uint32(v.bits) }

func mkHandle(tag uint64, h uint32) Value { return Value{tag<<tagShift | uint64(h)} }

// Number returns v's number and whether v is a number.
func (v Value) Number() (float64, bool) {
	if v.IsNumber() {
		return v.num(), true
	}
	return 0, false
}

// Bool returns v's boolean and whether v is a boolean.
func (v Value) Bool() (bool, bool) {
	switch v.bits {
	case trueBits:
		return true, true
	case falseBits:
		return false, true
	}
	return false, false
}

// IsUndefined reports whether v is undefined.
func (v Value) IsUndefined() bool { return v.bits == undefinedBits }

// IsNull reports whether v is null.
func (v Value) IsNull() bool { return v.bits == nullBits }

// Kind returns v's type.
func (v Value) Kind() Kind {
	if v.IsNumber() {
		return KindNumber
	}
	switch v.tag() {
	case tagString:
		return KindString
	case tagArray:
		return KindArray
	case tagObject:
		return KindObject
	case tagClosure, tagFunc:
		return KindFunction
	}
	switch v.bits {
	case nullBits:
		return KindNull
	case trueBits, falseBits:
		return KindBool
	}
	return KindUndefined
}

// truthy implements JavaScript's ToBoolean.
func (m *Machine) truthy(v Value) bool {
	if v.IsNumber() {
		f := v.num()
		return f != 0 && f == f
	}
	switch v.tag() {
	case tagMisc:
		return v.bits == trueBits
	case tagString:
		return len(m.strs[v.handle()].s) != 0
	}
	return true
}

// Equal reports whether a === b. Strings compare by content.
func (m *Machine) Equal(a, b Value) bool { return m.strictEquals(a, b) }

func (m *Machine) strictEquals(a, b Value) bool {
	if a.IsNumber() && b.IsNumber() {
		return a.num() == b.num()
	}
	if a.bits == b.bits {
		return true
	}
	if a.tag() == tagString && b.tag() == tagString {
		return m.strs[a.handle()].s == m.strs[b.handle()].s
	}
	return false
}
