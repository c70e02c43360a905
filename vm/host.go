package vm

import (
	"fmt"

	"github.com/nanotick/nanotick/vm/bytecode"
	"github.com/nanotick/nanotick/vm/token"
)

// HostFunc is a Go function callable from scripts. args is a window onto the machine's
// value stack, valid only until the function returns: copy values out, never retain the
// slice. Calling a HostFunc with numbers and returning a number allocates nothing.
// A non-nil error becomes a script runtime error at the call site, with a stack trace.
type HostFunc func(m *Machine, args []Value) (Value, error)

type hostKind uint8

const (
	hostFuncName hostKind = iota
	hostObjectName
	hostConstName
)

type hostName struct {
	kind  hostKind
	index int
}

// Host collects the Go functions, objects and constants a script may use. Register
// everything before Compile; a Host must not be modified afterwards, and may be shared by
// many compilations.
type Host struct {
	names   map[string]hostName
	order   []string
	funcs   []HostFunc
	fnames  []string
	arity   [][2]int                   // per host function: min and max argument counts, max < 0 for any
	argChk  map[int]func(string) error // per host function: a check of a string literal first argument
	callChk map[int]CallCheck          // per host function: a check of its call sites (CheckCall)
	objects []*HostObject
	handles map[string]*HostObject // handle namespaces, by name (see Handle)
	consts  []hostConst
	shapes  [][]string
	errs    []string
}

type hostConst struct {
	v   Value
	str string
	isS bool
}

// HostObject is a namespace of host functions, called from scripts as name.method(...).
type HostObject struct {
	h       *Host
	name    string
	methods map[string]int
}

// NewHost returns an empty host.
func NewHost() *Host {
	return &Host{names: map[string]hostName{}}
}

func (h *Host) define(name string, n hostName) bool {
	if !isIdentifier(name) {
		h.errs = append(h.errs, fmt.Sprintf("host name %q is not a valid identifier", name))
		return false
	}
	if _, dup := h.names[name]; dup || isPredeclared(name) {
		h.errs = append(h.errs, fmt.Sprintf("host name %q is already defined", name))
		return false
	}
	h.names[name] = n
	h.order = append(h.order, name)
	return true
}

func (h *Host) addFunc(name string, fn HostFunc) int {
	h.funcs = append(h.funcs, fn)
	h.fnames = append(h.fnames, name)
	h.arity = append(h.arity, [2]int{0, -1})
	return len(h.funcs) - 1
}

// FuncSig registers a global function like Func and declares how many arguments it takes
// (max < 0: no maximum), so that the compiler rejects calls with a wrong argument count.
func (h *Host) FuncSig(name string, min, max int, fn HostFunc) *Host {
	n := len(h.funcs)
	h.Func(name, fn)
	if len(h.funcs) > n {
		h.arity[n] = [2]int{min, max}
	}
	return h
}

// MethodSig registers a method like Method and declares its argument counts, as FuncSig.
func (o *HostObject) MethodSig(method string, min, max int, fn HostFunc) *HostObject {
	n := len(o.h.funcs)
	o.Method(method, fn)
	if len(o.h.funcs) > n {
		o.h.arity[n] = [2]int{min, max}
	}
	return o
}

func (h *Host) hostArity(idx int) (min, max int) {
	a := h.arity[idx]
	return a[0], a[1]
}

// Func registers a global function callable as name(...).
func (h *Host) Func(name string, fn HostFunc) *Host {
	if fn == nil {
		h.errs = append(h.errs, fmt.Sprintf("host function %q is nil", name))
		return h
	}
	h.define(name, hostName{hostFuncName, len(h.funcs)})
	h.addFunc(name, fn)
	return h
}

// Object registers (or returns the already registered) namespace name, whose methods are
// added with Method.
func (h *Host) Object(name string) *HostObject {
	if n, ok := h.names[name]; ok && n.kind == hostObjectName {
		return h.objects[n.index]
	}
	o := &HostObject{h: h, name: name, methods: map[string]int{}}
	h.define(name, hostName{hostObjectName, len(h.objects)})
	h.objects = append(h.objects, o)
	return o
}

// Method registers name.method(...) on the object.
func (o *HostObject) Method(method string, fn HostFunc) *HostObject {
	full := o.name + "." + method
	switch {
	case fn == nil:
		o.h.errs = append(o.h.errs, fmt.Sprintf("host function %q is nil", full))
	case !isIdentifier(method):
		o.h.errs = append(o.h.errs, fmt.Sprintf("host method name %q is not a valid identifier", method))
	default:
		if _, dup := o.methods[method]; dup {
			o.h.errs = append(o.h.errs, fmt.Sprintf("host method %q is already defined", full))
			return o
		}
		o.methods[method] = o.h.addFunc(full, fn)
	}
	return o
}

// Const registers a read-only global holding a number, boolean, null or undefined.
func (h *Host) Const(name string, v Value) *Host {
	if !v.IsNumber() && v.tag() != tagMisc {
		h.errs = append(h.errs, fmt.Sprintf("host constant %q: only numbers, booleans, null and undefined (use ConstString for strings)", name))
		return h
	}
	if h.define(name, hostName{hostConstName, len(h.consts)}) {
		h.consts = append(h.consts, hostConst{v: v})
	}
	return h
}

// ConstString registers a read-only global string.
func (h *Host) ConstString(name, s string) *Host {
	if h.define(name, hostName{hostConstName, len(h.consts)}) {
		h.consts = append(h.consts, hostConst{str: s, isS: true})
	}
	return h
}

// Call makes the object callable as name(...) besides its methods, as a JavaScript
// function with properties is: nanotick's instrument("venue:SYMBOL") beside
// instrument.tickSize().
func (o *HostObject) Call(fn HostFunc) *HostObject {
	if fn == nil {
		o.h.errs = append(o.h.errs, fmt.Sprintf("host function %q is nil", o.name))
		return o
	}
	if _, dup := o.methods[""]; dup {
		o.h.errs = append(o.h.errs, fmt.Sprintf("host object %q is already callable", o.name))
		return o
	}
	o.methods[""] = o.h.addFunc(o.name, fn)
	return o
}

// CallSig is Call with the argument counts declared, as FuncSig.
func (o *HostObject) CallSig(min, max int, fn HostFunc) *HostObject {
	n := len(o.h.funcs)
	o.Call(fn)
	if len(o.h.funcs) > n {
		o.h.arity[n] = [2]int{min, max}
	}
	return o
}

// CheckStringArg makes the compiler check the first argument of calls of the object's
// call function (Call) when the script passes a string literal: an error from check is
// a compile error at the literal, which nanotick vet reports too.
func (o *HostObject) CheckStringArg(check func(string) error) *HostObject {
	i, ok := o.methods[""]
	if !ok || check == nil {
		o.h.errs = append(o.h.errs, fmt.Sprintf("host object %q: CheckStringArg needs Call first", o.name))
		return o
	}
	if o.h.argChk == nil {
		o.h.argChk = map[int]func(string) error{}
	}
	o.h.argChk[i] = check
	return o
}

func (h *Host) hostStringArg(idx int, arg string) error {
	if chk, ok := h.argChk[idx]; ok {
		return chk(arg)
	}
	return nil
}

// Handle registers (or returns) the handle namespace name: a method m added to it is
// called from scripts as x.name.m(args) for any expression x that is not itself a
// host object or builtin, and the host function receives x's value as its first
// argument, before args. It is how a value handed out by the host (an instrument
// handle) gets methods without being an object: the call costs the same instructions
// as name.m(args) on a global namespace plus the one that loads x. display names the
// receiver in the functions' names ("Instrument" gives "Instrument.book.mid"). A
// script's own object with a property called name whose method has a registered name
// is taken for a handle: the host function then rejects the value.
func (h *Host) Handle(display, name string) *HostObject {
	if o, ok := h.handles[name]; ok {
		return o
	}
	if !isIdentifier(name) || !isIdentifier(display) {
		h.errs = append(h.errs, fmt.Sprintf("handle namespace %q.%q is not a valid identifier", display, name))
	}
	if h.handles == nil {
		h.handles = map[string]*HostObject{}
	}
	o := &HostObject{h: h, name: display + "." + name, methods: map[string]int{}}
	h.handles[name] = o
	return o
}

// hostMethod returns the host function of obj.method; obj "" with method "" is the
// call of a callable object, and an obj starting with '.' names a handle namespace
// (".book" for x.book.method(...)).
func (h *Host) hostMethod(obj, method string) (int, bool) {
	if len(obj) > 1 && obj[0] == '.' {
		o, ok := h.handles[obj[1:]]
		if !ok {
			return 0, false
		}
		i, ok := o.methods[method]
		return i, ok
	}
	n, ok := h.names[obj]
	if !ok || n.kind != hostObjectName {
		return 0, false
	}
	i, ok := h.objects[n.index].methods[method]
	return i, ok
}

func (h *Host) hostConst(slot int) (bytecode.ConstKind, float64, string) {
	c := h.consts[slot]
	if c.isS {
		return bytecode.ConstString, 0, c.str
	}
	switch c.v.bits {
	case undefinedBits:
		return bytecode.ConstUndefined, 0, ""
	case nullBits:
		return bytecode.ConstNull, 0, ""
	case trueBits:
		return bytecode.ConstTrue, 0, ""
	case falseBits:
		return bytecode.ConstFalse, 0, ""
	}
	return bytecode.ConstNumber, c.v.num(), ""
}

func isIdentifier(s string) bool {
	if s == "" || token.Lookup(s) != token.IDENT {
		return false
	}
	for i, r := range s {
		ok := r == '_' || r == '$' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (i > 0 && r >= '0' && r <= '9')
		if !ok {
			return false
		}
	}
	return true
}

// NumberArg returns args[i] as a number, or an error naming the argument. Missing
// arguments are an error too: a host function must never see an accidental NaN.
func NumberArg(args []Value, i int) (float64, error) {
	if i < len(args) && args[i].IsNumber() {
		return args[i].num(), nil
	}
	if i >= len(args) {
		return 0, fmt.Errorf("missing argument %d (want a number)", i+1)
	}
	return 0, fmt.Errorf("argument %d must be a number, not %s", i+1, args[i].Kind())
}

// ToString converts a value as JavaScript's String(v) would (functions are an error).
func (m *Machine) ToString(v Value) (string, error) { return m.toString(v) }

// NewArray returns an array value holding a copy of elems.
func (m *Machine) NewArray(elems ...Value) Value {
	e := make([]Value, len(elems), max(len(elems), 4))
	copy(e, elems)
	return m.newArray(e)
}

// ArrayLen returns the length of an array value, or -1 for other values.
func (m *Machine) ArrayLen(v Value) int {
	if v.IsNumber() || v.tag() != tagArray {
		return -1
	}
	return len(m.arrs[v.handle()].elems)
}

// ArrayGet returns element i of an array value (undefined when out of range).
func (m *Machine) ArrayGet(v Value, i int) Value {
	if v.IsNumber() || v.tag() != tagArray {
		return Undefined
	}
	e := m.arrs[v.handle()].elems
	if i < 0 || i >= len(e) || e[i].bits == holeBits {
		return Undefined
	}
	return e[i]
}

// ArraySet sets element i of an array value, appending when i is its length.
func (m *Machine) ArraySet(v Value, i int, x Value) error {
	return m.setIndex(v, Number(float64(i)), x)
}

// Property returns the named property of an object value.
func (m *Machine) Property(v Value, name string) (Value, error) { return m.getNamed(v, name) }
