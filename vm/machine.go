package vm

import (
	"fmt"

	"github.com/nanotick/nanotick/vm/bytecode"
	"io"
	"os"
	"runtime/debug"
)

// Limits bound what one Run or Call may consume. A limit that is hit stops the script
// with a runtime error; the machine stays usable.
type Limits struct {
	// Steps is the budget of one Run or Call, charged by the work done, so that any
	// script stops within a time proportional to it: entering a function (or the top
	// level) charges its length in instructions, every loop back-edge the loop's length
	// (so straight-line code is paid for in bulk, at the points the interpreter checks
	// anyway), and allocation and copying one step per 8 bytes made (new Array(n) n
	// steps, a concatenation its length / 8); sorts and array methods charge the
	// elements they visit, console.log the bytes it prints. The compiler's loops are
	// nested, so the instructions a call executes are at most about twice what it is
	// charged.
	Steps int64
	// CallDepth is the maximum number of nested script calls.
	CallDepth int
	// StackSize is the size of the value stack in values.
	StackSize int
	// MaxHeapBytes bounds the approximate live bytes of the machine's arenas.
	MaxHeapBytes int64
}

// DefaultLimits are the limits of NewMachine.
var DefaultLimits = Limits{
	Steps:        100_000_000,
	CallDepth:    1000,
	StackSize:    64 * 1024,
	MaxHeapBytes: 256 << 20,
}

// stackCap is the capacity of every machine's value stack; Limits.StackSize may lower
// the usable part but not raise it. A power of two, so indices can be masked.
const (
	stackCap  = 1 << 16
	stackMask = stackCap - 1

	// MaxGlobals is the most top-level variables and functions a program may declare.
	// The globals share the machine's stack array (they come first), which they may
	// fill up to half.
	MaxGlobals = stackCap / 2
)

type frame struct {
	f   *bytecode.Func // the running function (its Code is what RET reloads)
	fn  int32
	pc  int32
	bp  int32
	clo int32 // closure handle, or -1
	// exit makes the interpreter loop return when this frame returns: it marks frames
	// entered from Go (Run, Call, sort comparators).
	exit bool
}

// Machine runs a Program. A Machine is used by one goroutine at a time; it owns its value
// stack, frame stack and heap, all allocated once at creation, and can run many calls.
type Machine struct {
	prog     *Program
	limits   Limits
	stack    []Value // stackArr[:StackSize]
	stackArr *[stackCap]Value
	frames   []frame
	sp, fp   int
	globals  []Value // stackArr[:base]
	base     int     // where the value stack starts in stackArr: after the globals
	budget   int64
	out      io.Writer
	outBuf   []byte
	ran      bool
	running  int // nesting of run loops, to reset state at the API boundary
	heap
	sortTmp []Value
	// sortWork is the sort's reusable work buffer; sorting counts nested sorts.
	sortWork []Value
	sorting  int
	funcs    []*bytecode.Func // prog.code.Funcs, one load away for calls
	// joinStack holds the arrays being converted to strings, to detect cycles.
	joinStack []uint32
	// asciiBase and typeBase index the permanent one-character and typeof strings.
	asciiBase, typeBase int
}

// NewMachine returns a machine with DefaultLimits.
func (p *Program) NewMachine() *Machine { return p.NewMachineWith(DefaultLimits) }

// NewMachineWith returns a machine with the given limits; zero fields take the defaults.
func (p *Program) NewMachineWith(l Limits) *Machine {
	if l.Steps <= 0 {
		l.Steps = DefaultLimits.Steps
	}
	if l.CallDepth <= 0 {
		l.CallDepth = DefaultLimits.CallDepth
	}
	if l.StackSize <= 0 || l.StackSize > stackCap {
		l.StackSize = DefaultLimits.StackSize
	}
	if l.MaxHeapBytes <= 0 {
		l.MaxHeapBytes = DefaultLimits.MaxHeapBytes
	}
	m := &Machine{
		prog:     p,
		limits:   l,
		stackArr: new([stackCap]Value),
		frames:   make([]frame, l.CallDepth+1),
		out:      os.Stdout,
	}
	// The globals are the first values of the stack array, and the value stack starts
	// after them: the interpreter reads a global at a constant index of an array it
	// already holds, without a bounds check.
	m.base = len(p.code.Globals) // at most MaxGlobals
	m.globals = m.stackArr[:m.base:m.base]
	m.stack = m.stackArr[:min(m.base+l.StackSize, stackCap)]
	m.funcs = p.code.Funcs
	for i := range m.globals {
		m.globals[i] = Value{uninitBits}
	}
	m.strs = make([]strObj, 0, len(p.code.Strings)+128+64)
	for _, s := range p.code.Strings {
		m.strs = append(m.strs, strObj{s: s, u16: -1, live: true})
	}
	m.asciiBase = len(m.strs)
	for c := 0; c < 128; c++ {
		m.strs = append(m.strs, strObj{s: string(rune(c)), u16: 1, ascii: 1, live: true})
	}
	m.typeBase = len(m.strs)
	for _, t := range typeNames {
		m.strs = append(m.strs, strObj{s: t, u16: int32(len(t)), ascii: 1, live: true})
	}
	m.nPerm = len(m.strs)
	m.nextGC = minGCInterval
	m.epoch = 1
	return m
}

// SetLimits changes the limits. The stack and call depth can only be changed before the
// first Run.
func (m *Machine) SetLimits(l Limits) {
	if l.Steps > 0 {
		m.limits.Steps = l.Steps
	}
	if l.MaxHeapBytes > 0 {
		m.limits.MaxHeapBytes = l.MaxHeapBytes
	}
	if !m.ran {
		if l.CallDepth > 0 && l.CallDepth != m.limits.CallDepth {
			m.limits.CallDepth = l.CallDepth
			m.frames = make([]frame, l.CallDepth+1)
		}
		if l.StackSize > 0 && l.StackSize <= stackCap {
			m.limits.StackSize = l.StackSize
			m.stack = m.stackArr[:min(m.base+l.StackSize, stackCap)]
		}
	}
}

// Limits returns the machine's limits.
func (m *Machine) Limits() Limits { return m.limits }

// SetOutput sets where console.log writes (default os.Stdout).
func (m *Machine) SetOutput(w io.Writer) { m.out = w }

// Program returns the program the machine runs.
func (m *Machine) Program() *Program { return m.prog }

// Func is a script function that Go can call. A Func obtained from Machine.Func stays
// valid while the global holding it does; a function value the host got otherwise (for
// example returned by a script call) must be pinned with Keep while the host holds it.
type Func struct {
	v Value
}

// Value returns the function as a Value.
func (f Func) Value() Value { return f.v }

// Func returns the top-level function declared with the given name. Functions declared
// with function statements are available before Run (JavaScript hoists them); functions
// assigned to top-level variables only after Run has set them.
func (m *Machine) Func(name string) (Func, bool) {
	slot, ok := m.prog.globalIdx[name]
	if !ok {
		return Func{}, false
	}
	v := m.globals[slot]
	if v.Kind() != KindFunction {
		if fslot, isDecl := m.prog.code.GlobalFuncs[name]; isDecl && fslot == slot {
			return m.hoistedFunc(name)
		}
		return Func{}, false
	}
	return Func{v}, true
}

// hoistedFunc finds a top-level function declaration's code before Run has executed.
// Top-level functions never capture (globals are not captured), so the function value
// needs no closure.
func (m *Machine) hoistedFunc(name string) (Func, bool) {
	if i, ok := m.prog.code.GlobalFuncCode[name]; ok {
		return Func{mkHandle(tagFunc, uint32(i))}, true
	}
	return Func{}, false
}

// Global returns the value of a top-level variable.
func (m *Machine) Global(name string) (Value, bool) {
	slot, ok := m.prog.globalIdx[name]
	if !ok {
		return Undefined, false
	}
	if m.globals[slot].bits == uninitBits {
		return Undefined, true
	}
	return m.globals[slot], true
}

// SetGlobal sets a top-level variable (for example a strategy parameter). The value must
// belong to this machine or be a number, boolean, null or undefined.
func (m *Machine) SetGlobal(name string, v Value) bool {
	slot, ok := m.prog.globalIdx[name]
	if !ok {
		return false
	}
	m.globals[slot] = v
	return true
}

// Run executes the script's top level. It can be called again to re-run it.
func (m *Machine) Run() (err error) {
	if m.running > 0 {
		return fmt.Errorf("vm: Run called from inside a running script")
	}
	defer m.guard(&err)
	m.ran = true
	m.reset()
	main := m.prog.code.Funcs[0]
	if m.base+main.NumSlots+main.MaxStack+1 > len(m.stack) {
		return m.simpleError("value stack too small for the top level")
	}
	b := m.base
	m.stack[b] = mkHandle(tagFunc, 0)
	for i := b + 1; i <= b+main.NumSlots; i++ {
		m.stack[i] = Value{undefinedBits}
	}
	m.frames[0] = frame{f: main, fn: 0, pc: 0, bp: int32(b + 1), clo: -1, exit: true}
	m.fp = 1
	m.sp = b + 1 + main.NumSlots
	m.budget -= int64(len(main.Code))
	m.running++
	_, err = m.run()
	m.running--
	m.reset()
	if err == nil && m.gcDue {
		m.collect()
	}
	return err
}

func (m *Machine) reset() {
	m.sp, m.fp = m.base, 0
	m.joinStack = m.joinStack[:0]
	m.budget = m.limits.Steps
	if m.gcDue {
		m.parkedBudget, m.budget = m.budget, 0
	}
}

// guard converts a panic into an error: no panic may escape Run or Call.
func (m *Machine) guard(err *error) {
	if r := recover(); r != nil {
		m.internalError(r, err)
	}
}

// internalError turns the recovered panic r into the error of the call and leaves the
// machine usable.
func (m *Machine) internalError(r any, err *error) {
	m.running = 0
	m.reset()
	*err = &Error{File: m.prog.code.File, Line: 1, Col: 1, Runtime: true,
		Msg: fmt.Sprintf("internal error: %v\n%s", r, debug.Stack())}
}

func (m *Machine) simpleError(msg string) error {
	return &Error{File: m.prog.code.File, Line: 1, Col: 1, Msg: msg, Runtime: true}
}

// Call calls a script function with arguments and returns its result. Calling with
// number arguments and receiving a number allocates nothing. Call may be used from inside
// a host function (re-entrantly).
func (m *Machine) Call(f Func, args ...Value) (result Value, err error) {
	if m.running > 0 {
		return m.callNested(f, args)
	}
	if f.v.tag() != tagFunc || m.gcDue {
		return m.callGeneral(f, args)
	}
	// The common case, on the engine's per-tick path: a function without captures
	// entered from Go. The checks of callValue and pushFrame that cannot fail for it are
	// left out, and the guard calls recover (a runtime call) only when the call did not
	// return.
	fidx := f.v.handle()
	fn := m.funcs[fidx]
	b := m.base
	if b+len(args)+1+fn.NumSlots+fn.MaxStack > len(m.stack) {
		return m.callGeneral(f, args)
	}
	done := false
	defer func() {
		if !done {
			if r := recover(); r != nil {
				m.internalError(r, &err)
			}
		}
	}()
	// The callee value is at the base of the value stack, and the frame's slots, the
	// parameters first, follow it.
	stack := m.stackArr
	stack[b&stackMask] = f.v
	for i, a := range args {
		stack[(b+1+i)&stackMask] = a
	}
	for i, end := b+1+min(len(args), fn.NumParams), b+1+fn.NumSlots; i < end; i++ {
		stack[i&stackMask] = Value{undefinedBits}
	}
	fr := &m.frames[0]
	fr.f, fr.fn, fr.pc, fr.bp, fr.clo, fr.exit = fn, int32(fidx), 0, int32(b+1), -1, true
	m.fp, m.sp = 1, b+1+fn.NumSlots
	m.budget = m.limits.Steps - int64(len(fn.Code))
	m.running = 1
	result, err = m.runFast()
	if is(err, errSlow) {
		result, err = m.run()
	}
	m.running = 0
	done = true
	if err != nil {
		m.reset()
		return Undefined, err
	}
	m.sp = b
	if m.gcDue {
		m.collect()
	}
	return result, nil
}

// callGeneral is Call for every function value.
func (m *Machine) callGeneral(f Func, args []Value) (result Value, err error) {
	defer m.guard(&err)
	m.sp, m.fp = m.base, 0
	m.budget = m.limits.Steps
	if m.gcDue {
		m.parkedBudget, m.budget = m.budget, 0
	}
	if m.base+len(args)+1 > len(m.stack) {
		return Undefined, m.simpleError("value stack overflow")
	}
	m.stack[m.base] = f.v
	copy(m.stack[m.base+1:], args)
	m.sp = m.base + len(args) + 1
	m.running = 1
	result, err = m.callValue(len(args))
	m.running = 0
	if err != nil {
		m.reset()
		return Undefined, err
	}
	m.sp = m.base
	if m.gcDue {
		m.collect()
	}
	return result, nil
}

// callNested is Call from inside a running script (a host function calling back).
func (m *Machine) callNested(f Func, args []Value) (Value, error) {
	base, sp0 := m.fp, m.sp
	need := len(args) + 1
	if m.sp+need > len(m.stack) {
		return Undefined, m.simpleError("value stack overflow")
	}
	m.stack[m.sp] = f.v
	copy(m.stack[m.sp+1:], args)
	m.sp += need
	m.running++
	result, err := m.callValue(len(args))
	m.running--
	m.sp, m.fp = sp0, base
	if err != nil {
		return Undefined, err
	}
	return result, nil
}

// callValue calls the function at stack[sp-argc-1] with the argc values above it, running
// the interpreter until that call returns.
func (m *Machine) callValue(argc int) (Value, error) {
	fv := m.stack[m.sp-argc-1]
	var fidx int32
	clo := int32(-1)
	switch fv.tag() {
	case tagFunc:
		fidx = int32(fv.handle())
	case tagClosure:
		clo = int32(fv.handle())
		fidx = m.clos[clo].fn
	default:
		if fv.IsNumber() {
			return Undefined, m.simpleError("calling a non-function: number")
		}
		return Undefined, m.simpleError("calling a non-function: " + fv.Kind().String())
	}
	if err := m.pushFrame(fidx, clo, argc); err != nil {
		return Undefined, err
	}
	m.frames[m.fp-1].exit = true
	return m.run()
}

// pushFrame enters function fidx whose callee value and argc arguments are on top of the
// stack. The caller's frame, if any, must already have its pc saved.
func (m *Machine) pushFrame(fidx, clo int32, argc int) error {
	fn := m.prog.code.Funcs[fidx]
	bp := m.sp - argc
	if bp+fn.NumSlots+fn.MaxStack > len(m.stack) {
		return m.stackError(m.fp-1, "value stack overflow")
	}
	if m.fp >= m.limits.CallDepth {
		return m.stackError(m.fp-1, fmt.Sprintf("maximum call depth (%d) exceeded", m.limits.CallDepth))
	}
	for i := bp + min(argc, fn.NumParams); i < bp+fn.NumSlots; i++ {
		m.stack[i] = Value{undefinedBits}
	}
	m.sp = bp + fn.NumSlots
	m.frames[m.fp] = frame{f: fn, fn: fidx, pc: 0, bp: int32(bp), clo: clo}
	m.fp++
	m.budget -= int64(len(fn.Code))
	return nil
}

// stackError builds a runtime error located at the saved pc of frame top.
func (m *Machine) stackError(top int, msg string) *Error {
	e := &Error{File: m.prog.code.File, Msg: msg, Runtime: true}
	for i := top; i >= 0; i-- {
		fr := m.frames[i]
		fn := m.prog.code.Funcs[fr.fn]
		pos := m.prog.pos(int(fr.fn), int(fr.pc)-1) // frames hold the pc after the current instruction
		if i == top {
			e.Line, e.Col = pos.Line, pos.Col
		}
		e.Stack = append(e.Stack, Frame{Func: fn.Name, File: m.prog.code.File, Line: pos.Line, Col: pos.Col})
	}
	if len(e.Stack) > 50 {
		// Runaway recursion: keep the innermost and outermost frames.
		n := len(e.Stack)
		e.Stack = append(append(e.Stack[:20:20], Frame{Func: fmt.Sprintf("... %d more frames ...", n-40), File: m.prog.code.File}), e.Stack[n-20:]...)
	}
	if top < 0 {
		e.Line, e.Col = 1, 1
	}
	return e
}

// FuncOf converts a function value (for example one a script passed to a host function)
// into a Func the host can call.
func FuncOf(v Value) (Func, bool) {
	if v.Kind() != KindFunction {
		return Func{}, false
	}
	return Func{v}, true
}
