package vm

import (
	"math"
	"unsafe"

	"github.com/nanotick/nanotick/vm/bytecode"
)

// The interpreter has two loops. runFast executes the instructions that numeric strategy
// code spends its time in, and only their common case: numbers where numbers are
// expected, calls that pass every limit, jumps on booleans. Anything else, and every
// instruction it does not know, it hands to runGeneral (exec.go), which executes that one
// instruction with every rule, error and slow path, and returns. The split is what makes
// runFast fast: it never calls a Go function while its state (pc, sp, bp, the code) is
// live, so the compiler keeps that state in registers instead of spilling it to memory
// at every dispatch, as it had to for the single loop. (With Call's direct entry, the
// split cut the instructions executed per onTick call from 1433 to 1021; see the log in
// internal_bench_test.go.)
//
// A fast handler that cannot finish its instruction must leave every piece of machine
// state as it found it and return through slow, so that runGeneral executes it from
// scratch.

// A signal is an error value that the two loops pass each other and never reaches a
// caller. It has its own type so that recognizing one is a type check and a pointer
// comparison: comparing two error interfaces calls the runtime.
type signal struct{ name string }

func (s *signal) Error() string { return s.name }

// errSlow is runFast's signal that the instruction at the saved pc needs runGeneral;
// errStepped is runGeneral's that it executed one instruction and stopped.
var (
	errSlow    = &signal{"vm: slow path"}
	errStepped = &signal{"vm: stepped"}
)

// is reports whether err is the signal s.
func is(err error, s *signal) bool {
	e, ok := err.(*signal)
	return ok && e == s
}

// run interprets from the current frame until the frame marked exit returns.
func (m *Machine) run() (Value, error) {
	for {
		v, err := m.runFast()
		if !is(err, errSlow) {
			return v, err
		}
		if v, err = m.runGeneral(); !is(err, errStepped) {
			return v, err
		}
	}
}

// runFast interprets until an exit frame returns, a host function fails, or an
// instruction needs the general interpreter (errSlow, with the machine's pc at that
// instruction).
func (m *Machine) runFast() (Value, error) {
	consts := m.prog.consts
	// A slice of the fixed-size array rather than the pointer to it: indexing through the
	// pointer costs a nil check per access, the slice (of constant length, indexed under
	// the mask) neither that nor a bounds check.
	stack := m.stackArr[:]
	fr := &m.frames[m.fp-1]
	// ip points at the next instruction of the running function, whose first is at base:
	// no bounds check per dispatch. The compiler's output is verified before it runs (see
	// verifyCode), so that ip can only point into the code.
	base := codeBase(fr.f.Code)
	ip := instrAt(base, fr.pc)
	bp := int(fr.bp)
	sp := m.sp

	for {
		in := (*bytecode.Instr)(ip)
		ip = unsafe.Add(ip, instrSize)
		switch in.Op {
		case bytecode.NOP: // present so that the jump table starts at 0
		case bytecode.CONST:
			stack[sp&stackMask] = consts[in.A]
			sp++
		case bytecode.UNDEF:
			stack[sp&stackMask] = Value{undefinedBits}
			sp++
		case bytecode.LOADL:
			stack[sp&stackMask] = stack[(bp+int(in.A))&stackMask]
			sp++
		case bytecode.LOADL2:
			stack[sp&stackMask] = stack[(bp+int(in.A))&stackMask]
			stack[(sp+1)&stackMask] = stack[(bp+int(in.B))&stackMask]
			sp += 2
		case bytecode.STOREL:
			sp--
			stack[(bp+int(in.A))&stackMask] = stack[sp&stackMask]
		case bytecode.STORELP:
			stack[(bp+int(in.A))&stackMask] = stack[(sp-1)&stackMask]
		case bytecode.MOVLL:
			stack[(bp+int(in.A))&stackMask] = stack[(bp+int(in.B))&stackMask]
		case bytecode.MOVLK:
			stack[(bp+int(in.A))&stackMask] = consts[in.B]
		case bytecode.MOV2:
			stack[(bp+int(in.A>>16))&stackMask] = stack[(bp+int(in.A&0xFFFF))&stackMask]
			stack[(bp+int(in.B>>16))&stackMask] = stack[(bp+int(in.B&0xFFFF))&stackMask]
		case bytecode.LOADG:
			v := stack[in.A&stackMask]
			if v.bits == uninitBits {
				return m.slow(base, ip, sp)
			}
			stack[sp&stackMask] = v
			sp++
		case bytecode.STOREG:
			sp--
			stack[in.A&stackMask] = stack[sp&stackMask]
		case bytecode.STOREGC:
			if stack[in.A&stackMask].bits == uninitBits {
				return m.slow(base, ip, sp)
			}
			sp--
			stack[in.A&stackMask] = stack[sp&stackMask]
		case bytecode.LOADLK:
			stack[sp&stackMask] = stack[(bp+int(in.A))&stackMask]
			stack[(sp+1)&stackMask] = consts[in.B]
			sp += 2
		case bytecode.LOADKL:
			stack[sp&stackMask] = consts[in.A]
			stack[(sp+1)&stackMask] = stack[(bp+int(in.B))&stackMask]
			sp += 2
		case bytecode.LOADGK:
			v := stack[in.A&stackMask]
			if v.bits == uninitBits {
				return m.slow(base, ip, sp)
			}
			stack[sp&stackMask] = v
			stack[(sp+1)&stackMask] = consts[in.B]
			sp += 2
		case bytecode.LOADLG:
			v, w := stack[(bp+int(in.A))&stackMask], stack[in.B&stackMask]
			if v.bits == uninitBits || w.bits == uninitBits {
				return m.slow(base, ip, sp)
			}
			stack[sp&stackMask] = v
			stack[(sp+1)&stackMask] = w
			sp += 2
		case bytecode.LOADGL:
			v, w := stack[in.A&stackMask], stack[(bp+int(in.B))&stackMask]
			if v.bits == uninitBits || w.bits == uninitBits {
				return m.slow(base, ip, sp)
			}
			stack[sp&stackMask] = v
			stack[(sp+1)&stackMask] = w
			sp += 2
		case bytecode.LOADGG:
			v, w := stack[in.A&stackMask], stack[in.B&stackMask]
			if v.bits == uninitBits || w.bits == uninitBits {
				return m.slow(base, ip, sp)
			}
			stack[sp&stackMask] = v
			stack[(sp+1)&stackMask] = w
			sp += 2
		case bytecode.POP:
			sp--
		case bytecode.DUP:
			stack[sp&stackMask] = stack[(sp-1)&stackMask]
			sp++

		case bytecode.ADD:
			a, b := stack[(sp-2)&stackMask], stack[(sp-1)&stackMask]
			if !a.IsNumber() || !b.IsNumber() {
				return m.slow(base, ip, sp)
			}
			stack[(sp-2)&stackMask] = Value{math.Float64bits(a.num() + b.num())}
			sp--
		case bytecode.SUB:
			a, b := stack[(sp-2)&stackMask], stack[(sp-1)&stackMask]
			if !a.IsNumber() || !b.IsNumber() {
				return m.slow(base, ip, sp)
			}
			stack[(sp-2)&stackMask] = Value{math.Float64bits(a.num() - b.num())}
			sp--
		case bytecode.MUL:
			a, b := stack[(sp-2)&stackMask], stack[(sp-1)&stackMask]
			if !a.IsNumber() || !b.IsNumber() {
				return m.slow(base, ip, sp)
			}
			stack[(sp-2)&stackMask] = Value{math.Float64bits(a.num() * b.num())}
			sp--
		case bytecode.DIV:
			a, b := stack[(sp-2)&stackMask], stack[(sp-1)&stackMask]
			if !a.IsNumber() || !b.IsNumber() {
				return m.slow(base, ip, sp)
			}
			stack[(sp-2)&stackMask] = Value{math.Float64bits(a.num() / b.num())}
			sp--
		case bytecode.LT:
			a, b := stack[(sp-2)&stackMask], stack[(sp-1)&stackMask]
			if !a.IsNumber() || !b.IsNumber() {
				return m.slow(base, ip, sp)
			}
			stack[(sp-2)&stackMask] = Bool(a.num() < b.num())
			sp--
		case bytecode.LE:
			a, b := stack[(sp-2)&stackMask], stack[(sp-1)&stackMask]
			if !a.IsNumber() || !b.IsNumber() {
				return m.slow(base, ip, sp)
			}
			stack[(sp-2)&stackMask] = Bool(a.num() <= b.num())
			sp--
		case bytecode.GT:
			a, b := stack[(sp-2)&stackMask], stack[(sp-1)&stackMask]
			if !a.IsNumber() || !b.IsNumber() {
				return m.slow(base, ip, sp)
			}
			stack[(sp-2)&stackMask] = Bool(a.num() > b.num())
			sp--
		case bytecode.GE:
			a, b := stack[(sp-2)&stackMask], stack[(sp-1)&stackMask]
			if !a.IsNumber() || !b.IsNumber() {
				return m.slow(base, ip, sp)
			}
			stack[(sp-2)&stackMask] = Bool(a.num() >= b.num())
			sp--
		case bytecode.NEG:
			a := stack[(sp-1)&stackMask]
			if !a.IsNumber() {
				return m.slow(base, ip, sp)
			}
			stack[(sp-1)&stackMask] = Value{math.Float64bits(-a.num())}
		case bytecode.NOT:
			switch stack[(sp-1)&stackMask].bits {
			case trueBits:
				stack[(sp-1)&stackMask] = Value{falseBits}
			case falseBits:
				stack[(sp-1)&stackMask] = Value{trueBits}
			default:
				return m.slow(base, ip, sp)
			}

		case bytecode.JMP:
			ip = instrAt(base, in.A)
		case bytecode.JMPF:
			switch stack[(sp-1)&stackMask].bits {
			case falseBits:
				ip = instrAt(base, in.A)
			case trueBits:
			default:
				return m.slow(base, ip, sp)
			}
			sp--
		case bytecode.JMPT:
			switch stack[(sp-1)&stackMask].bits {
			case trueBits:
				ip = instrAt(base, in.A)
			case falseBits:
			default:
				return m.slow(base, ip, sp)
			}
			sp--
		case bytecode.LOOP:
			// A back-edge charges the loop's length in instructions (see Limits.Steps).
			if cost := int64(in.B); m.budget > cost {
				m.budget -= cost
			} else {
				return m.slow(base, ip, sp) // the budget runs out, or a collection is due
			}
			ip = instrAt(base, in.A)

		case bytecode.JNLT:
			a, b := stack[(sp-2)&stackMask], stack[(sp-1)&stackMask]
			if !a.IsNumber() || !b.IsNumber() {
				return m.slow(base, ip, sp)
			}
			sp -= 2
			if !(a.num() < b.num()) {
				ip = instrAt(base, in.C)
			}
		case bytecode.JNLE:
			a, b := stack[(sp-2)&stackMask], stack[(sp-1)&stackMask]
			if !a.IsNumber() || !b.IsNumber() {
				return m.slow(base, ip, sp)
			}
			sp -= 2
			if !(a.num() <= b.num()) {
				ip = instrAt(base, in.C)
			}
		case bytecode.JNGT:
			a, b := stack[(sp-2)&stackMask], stack[(sp-1)&stackMask]
			if !a.IsNumber() || !b.IsNumber() {
				return m.slow(base, ip, sp)
			}
			sp -= 2
			if !(a.num() > b.num()) {
				ip = instrAt(base, in.C)
			}
		case bytecode.JNGE:
			a, b := stack[(sp-2)&stackMask], stack[(sp-1)&stackMask]
			if !a.IsNumber() || !b.IsNumber() {
				return m.slow(base, ip, sp)
			}
			sp -= 2
			if !(a.num() >= b.num()) {
				ip = instrAt(base, in.C)
			}
		case bytecode.JNLTLK:
			a := stack[(bp+int(in.A))&stackMask]
			if !a.IsNumber() {
				return m.slow(base, ip, sp)
			}
			if !(a.num() < consts[in.B].num()) {
				ip = instrAt(base, in.C)
			}
		case bytecode.JNLELK:
			a := stack[(bp+int(in.A))&stackMask]
			if !a.IsNumber() {
				return m.slow(base, ip, sp)
			}
			if !(a.num() <= consts[in.B].num()) {
				ip = instrAt(base, in.C)
			}
		case bytecode.JNGTLK:
			a := stack[(bp+int(in.A))&stackMask]
			if !a.IsNumber() {
				return m.slow(base, ip, sp)
			}
			if !(a.num() > consts[in.B].num()) {
				ip = instrAt(base, in.C)
			}
		case bytecode.JNGELK:
			a := stack[(bp+int(in.A))&stackMask]
			if !a.IsNumber() {
				return m.slow(base, ip, sp)
			}
			if !(a.num() >= consts[in.B].num()) {
				ip = instrAt(base, in.C)
			}
		case bytecode.JNLTLL:
			a, b := stack[(bp+int(in.A))&stackMask], stack[(bp+int(in.B))&stackMask]
			if !a.IsNumber() || !b.IsNumber() {
				return m.slow(base, ip, sp)
			}
			if !(a.num() < b.num()) {
				ip = instrAt(base, in.C)
			}
		case bytecode.JNLELL:
			a, b := stack[(bp+int(in.A))&stackMask], stack[(bp+int(in.B))&stackMask]
			if !a.IsNumber() || !b.IsNumber() {
				return m.slow(base, ip, sp)
			}
			if !(a.num() <= b.num()) {
				ip = instrAt(base, in.C)
			}
		case bytecode.JNGTLL:
			a, b := stack[(bp+int(in.A))&stackMask], stack[(bp+int(in.B))&stackMask]
			if !a.IsNumber() || !b.IsNumber() {
				return m.slow(base, ip, sp)
			}
			if !(a.num() > b.num()) {
				ip = instrAt(base, in.C)
			}
		case bytecode.JNGELL:
			a, b := stack[(bp+int(in.A))&stackMask], stack[(bp+int(in.B))&stackMask]
			if !a.IsNumber() || !b.IsNumber() {
				return m.slow(base, ip, sp)
			}
			if !(a.num() >= b.num()) {
				ip = instrAt(base, in.C)
			}

		case bytecode.INCL:
			p := &stack[(bp+int(in.A))&stackMask]
			if !p.IsNumber() {
				return m.slow(base, ip, sp)
			}
			*p = Value{math.Float64bits(p.num() + consts[in.B].num())}
		case bytecode.ADDLK:
			a := stack[(bp+int(in.A))&stackMask]
			if !a.IsNumber() {
				return m.slow(base, ip, sp)
			}
			stack[sp&stackMask] = Value{math.Float64bits(a.num() + consts[in.B].num())}
			sp++
		case bytecode.SUBLK:
			a := stack[(bp+int(in.A))&stackMask]
			if !a.IsNumber() {
				return m.slow(base, ip, sp)
			}
			stack[sp&stackMask] = Value{math.Float64bits(a.num() - consts[in.B].num())}
			sp++
		case bytecode.ADDLL:
			a, b := stack[(bp+int(in.A))&stackMask], stack[(bp+int(in.B))&stackMask]
			if !a.IsNumber() || !b.IsNumber() {
				return m.slow(base, ip, sp)
			}
			stack[sp&stackMask] = Value{math.Float64bits(a.num() + b.num())}
			sp++
		case bytecode.SUBLL:
			a, b := stack[(bp+int(in.A))&stackMask], stack[(bp+int(in.B))&stackMask]
			if !a.IsNumber() || !b.IsNumber() {
				return m.slow(base, ip, sp)
			}
			stack[sp&stackMask] = Value{math.Float64bits(a.num() - b.num())}
			sp++
		case bytecode.MULLL:
			a, b := stack[(bp+int(in.A))&stackMask], stack[(bp+int(in.B))&stackMask]
			if !a.IsNumber() || !b.IsNumber() {
				return m.slow(base, ip, sp)
			}
			stack[sp&stackMask] = Value{math.Float64bits(a.num() * b.num())}
			sp++
		case bytecode.ADDLLS:
			a, b := stack[(bp+int(in.A))&stackMask], stack[(bp+int(in.B))&stackMask]
			if !a.IsNumber() || !b.IsNumber() {
				return m.slow(base, ip, sp)
			}
			stack[(bp+int(in.C))&stackMask] = Value{math.Float64bits(a.num() + b.num())}
		case bytecode.SUBLLS:
			a, b := stack[(bp+int(in.A))&stackMask], stack[(bp+int(in.B))&stackMask]
			if !a.IsNumber() || !b.IsNumber() {
				return m.slow(base, ip, sp)
			}
			stack[(bp+int(in.C))&stackMask] = Value{math.Float64bits(a.num() - b.num())}
		case bytecode.MULLLS:
			a, b := stack[(bp+int(in.A))&stackMask], stack[(bp+int(in.B))&stackMask]
			if !a.IsNumber() || !b.IsNumber() {
				return m.slow(base, ip, sp)
			}
			stack[(bp+int(in.C))&stackMask] = Value{math.Float64bits(a.num() * b.num())}
		case bytecode.ADDTOL:
			p, v := &stack[(bp+int(in.A))&stackMask], stack[(sp-1)&stackMask]
			if !p.IsNumber() || !v.IsNumber() {
				return m.slow(base, ip, sp)
			}
			*p = Value{math.Float64bits(p.num() + v.num())}
			sp--
		case bytecode.SUBTOL:
			p, v := &stack[(bp+int(in.A))&stackMask], stack[(sp-1)&stackMask]
			if !p.IsNumber() || !v.IsNumber() {
				return m.slow(base, ip, sp)
			}
			*p = Value{math.Float64bits(p.num() - v.num())}
			sp--
		case bytecode.ADDTOG:
			p, v := &stack[in.A&stackMask], stack[(sp-1)&stackMask]
			if !p.IsNumber() || !v.IsNumber() {
				return m.slow(base, ip, sp)
			}
			*p = Value{math.Float64bits(p.num() + v.num())}
			sp--
		case bytecode.SUBTOG:
			p, v := &stack[in.A&stackMask], stack[(sp-1)&stackMask]
			if !p.IsNumber() || !v.IsNumber() {
				return m.slow(base, ip, sp)
			}
			*p = Value{math.Float64bits(p.num() - v.num())}
			sp--
		case bytecode.FORLTK:
			p, lim := &stack[(bp+int(in.A))&stackMask], consts[in.B]
			cost := int64((*bytecode.Instr)(ip).B) // the loop's LOOP follows (verifyCode)
			if !p.IsNumber() || m.budget <= cost {
				return m.slow(base, ip, sp)
			}
			m.budget -= cost
			nv := p.num() + 1
			*p = Value{math.Float64bits(nv)}
			if nv < lim.num() {
				ip = instrAt(base, in.C+1)
			} else {
				ip = instrAt(base, (*bytecode.Instr)(instrAt(base, in.C)).C)
			}
		case bytecode.FORLTL:
			p, lim := &stack[(bp+int(in.A))&stackMask], stack[(bp+int(in.B))&stackMask]
			cost := int64((*bytecode.Instr)(ip).B) // the loop's LOOP follows (verifyCode)
			if !p.IsNumber() || !lim.IsNumber() || m.budget <= cost {
				return m.slow(base, ip, sp)
			}
			m.budget -= cost
			nv := p.num() + 1
			*p = Value{math.Float64bits(nv)}
			if nv < lim.num() {
				ip = instrAt(base, in.C+1)
			} else {
				ip = instrAt(base, (*bytecode.Instr)(instrAt(base, in.C)).C)
			}

		case bytecode.GETIDXLL:
			a, i := stack[(bp+int(in.A))&stackMask], stack[(bp+int(in.B))&stackMask]
			if a.tag() != tagArray || a.IsNumber() || !i.IsNumber() {
				return m.slow(base, ip, sp)
			}
			elems := m.arrs[a.handle()].elems
			f := i.num()
			idx := int(f)
			if float64(idx) != f || uint(idx) >= uint(len(elems)) || elems[idx].bits == holeBits {
				return m.slow(base, ip, sp)
			}
			stack[sp&stackMask] = elems[idx]
			sp++
		case bytecode.GETIDX:
			a, i := stack[(sp-2)&stackMask], stack[(sp-1)&stackMask]
			if a.tag() != tagArray || a.IsNumber() || !i.IsNumber() {
				return m.slow(base, ip, sp)
			}
			elems := m.arrs[a.handle()].elems
			f := i.num()
			idx := int(f)
			if float64(idx) != f || uint(idx) >= uint(len(elems)) || elems[idx].bits == holeBits {
				return m.slow(base, ip, sp)
			}
			stack[(sp-2)&stackMask] = elems[idx]
			sp--

		case bytecode.JFG:
			switch stack[in.A&stackMask].bits {
			case falseBits:
				ip = instrAt(base, in.C)
			case trueBits:
			default:
				return m.slow(base, ip, sp)
			}
		case bytecode.JTG:
			switch stack[in.A&stackMask].bits {
			case trueBits:
				ip = instrAt(base, in.C)
			case falseBits:
			default:
				return m.slow(base, ip, sp)
			}
		case bytecode.JNLTGK:
			a := stack[in.A&stackMask]
			if !a.IsNumber() {
				return m.slow(base, ip, sp)
			}
			if !(a.num() < consts[in.B].num()) {
				ip = instrAt(base, in.C)
			}
		case bytecode.JNLEGK:
			a := stack[in.A&stackMask]
			if !a.IsNumber() {
				return m.slow(base, ip, sp)
			}
			if !(a.num() <= consts[in.B].num()) {
				ip = instrAt(base, in.C)
			}
		case bytecode.JNGTGK:
			a := stack[in.A&stackMask]
			if !a.IsNumber() {
				return m.slow(base, ip, sp)
			}
			if !(a.num() > consts[in.B].num()) {
				ip = instrAt(base, in.C)
			}
		case bytecode.JNGEGK:
			a := stack[in.A&stackMask]
			if !a.IsNumber() {
				return m.slow(base, ip, sp)
			}
			if !(a.num() >= consts[in.B].num()) {
				ip = instrAt(base, in.C)
			}
		case bytecode.MOVGL:
			g := &stack[in.A&stackMask]
			if in.C != 0 && g.bits == uninitBits {
				return m.slow(base, ip, sp)
			}
			*g = stack[(bp+int(in.B))&stackMask]
		case bytecode.ADDGG:
			a, b := stack[in.A&stackMask], stack[in.B&stackMask]
			if !a.IsNumber() || !b.IsNumber() {
				return m.slow(base, ip, sp)
			}
			stack[sp&stackMask] = Value{math.Float64bits(a.num() + b.num())}
			sp++
		case bytecode.SUBGG:
			a, b := stack[in.A&stackMask], stack[in.B&stackMask]
			if !a.IsNumber() || !b.IsNumber() {
				return m.slow(base, ip, sp)
			}
			stack[sp&stackMask] = Value{math.Float64bits(a.num() - b.num())}
			sp++
		case bytecode.MULGG:
			a, b := stack[in.A&stackMask], stack[in.B&stackMask]
			if !a.IsNumber() || !b.IsNumber() {
				return m.slow(base, ip, sp)
			}
			stack[sp&stackMask] = Value{math.Float64bits(a.num() * b.num())}
			sp++
		case bytecode.ADDG:
			a, b := stack[(sp-1)&stackMask], stack[in.A&stackMask]
			if !a.IsNumber() || !b.IsNumber() {
				return m.slow(base, ip, sp)
			}
			stack[(sp-1)&stackMask] = Value{math.Float64bits(a.num() + b.num())}
		case bytecode.SUBG:
			a, b := stack[(sp-1)&stackMask], stack[in.A&stackMask]
			if !a.IsNumber() || !b.IsNumber() {
				return m.slow(base, ip, sp)
			}
			stack[(sp-1)&stackMask] = Value{math.Float64bits(a.num() - b.num())}
		case bytecode.MULG:
			a, b := stack[(sp-1)&stackMask], stack[in.A&stackMask]
			if !a.IsNumber() || !b.IsNumber() {
				return m.slow(base, ip, sp)
			}
			stack[(sp-1)&stackMask] = Value{math.Float64bits(a.num() * b.num())}

		case bytecode.ADDLG:
			a, b := stack[(bp+int(in.A))&stackMask], stack[in.B&stackMask]
			if !a.IsNumber() || !b.IsNumber() {
				return m.slow(base, ip, sp)
			}
			stack[sp&stackMask] = Value{math.Float64bits(a.num() + b.num())}
			sp++
		case bytecode.SUBLG:
			a, b := stack[(bp+int(in.A))&stackMask], stack[in.B&stackMask]
			if !a.IsNumber() || !b.IsNumber() {
				return m.slow(base, ip, sp)
			}
			stack[sp&stackMask] = Value{math.Float64bits(a.num() - b.num())}
			sp++
		case bytecode.MULLG:
			a, b := stack[(bp+int(in.A))&stackMask], stack[in.B&stackMask]
			if !a.IsNumber() || !b.IsNumber() {
				return m.slow(base, ip, sp)
			}
			stack[sp&stackMask] = Value{math.Float64bits(a.num() * b.num())}
			sp++
		case bytecode.DIVK:
			a := stack[(sp-1)&stackMask]
			if !a.IsNumber() {
				return m.slow(base, ip, sp)
			}
			stack[(sp-1)&stackMask] = Value{math.Float64bits(a.num() / consts[in.B].num())}
		case bytecode.SEQ, bytecode.SNE, bytecode.JNSEQ, bytecode.JNSNE:
			// Numbers compare by value (NaN !== NaN, 0 === -0); other values but strings
			// by their bits, which are their identity.
			a, b := stack[(sp-2)&stackMask], stack[(sp-1)&stackMask]
			var eq bool
			switch {
			case a.IsNumber() && b.IsNumber():
				eq = a.num() == b.num()
			case a.tag() == tagString || b.tag() == tagString:
				return m.slow(base, ip, sp)
			default:
				eq = a.bits == b.bits
			}
			switch in.Op {
			case bytecode.SEQ:
				stack[(sp-2)&stackMask] = Bool(eq)
				sp--
			case bytecode.SNE:
				stack[(sp-2)&stackMask] = Bool(!eq)
				sp--
			case bytecode.JNSEQ:
				sp -= 2
				if !eq {
					ip = instrAt(base, in.C)
				}
			default:
				sp -= 2
				if eq {
					ip = instrAt(base, in.C)
				}
			}
		case bytecode.BUILTIN:
			// Math.abs, Math.min and Math.max of two, on numbers: the clamps and distances
			// of per-tick code. Everything else is runGeneral's.
			switch bytecode.Builtin(in.A) {
			case bytecode.MathAbs:
				a := stack[(sp-1)&stackMask]
				if in.B != 1 || !a.IsNumber() {
					return m.slow(base, ip, sp)
				}
				stack[(sp-1)&stackMask] = Value{a.bits &^ (1 << 63)}
			case bytecode.MathMin, bytecode.MathMax:
				a, b := stack[(sp-2)&stackMask], stack[(sp-1)&stackMask]
				if in.B != 2 || !a.IsNumber() || !b.IsNumber() {
					return m.slow(base, ip, sp)
				}
				x, y := a.num(), b.num()
				var r Value
				switch {
				case x != x || y != y:
					r = Value{canonicalNaN}
				case x == y:
					// Equal, or +0 and -0: min takes the negative zero, max the positive.
					if in.A == int32(bytecode.MathMin) {
						r = Value{a.bits | b.bits}
					} else {
						r = Value{a.bits & b.bits}
					}
				case (x < y) == (in.A == int32(bytecode.MathMin)):
					r = a
				default:
					r = b
				}
				stack[(sp-2)&stackMask] = r
				sp--
			default:
				return m.slow(base, ip, sp)
			}
		case bytecode.MULK:
			a := stack[(sp-1)&stackMask]
			if !a.IsNumber() {
				return m.slow(base, ip, sp)
			}
			stack[(sp-1)&stackMask] = Value{math.Float64bits(a.num() * consts[in.B].num())}

		case bytecode.CALL:
			argc := int(in.A)
			fv := stack[(sp-argc-1)&stackMask]
			var fidx int32
			nclo := int32(-1)
			switch fv.tag() {
			case tagFunc:
				fidx = int32(fv.handle())
			case tagClosure:
				nclo = int32(fv.handle())
				fidx = m.clos[nclo].fn
			default:
				return m.slow(base, ip, sp)
			}
			callee := m.funcs[fidx]
			nbp := sp - argc
			fp, frames := m.fp, m.frames
			cost := int64(len(callee.Code)) // a call charges its callee's length (see Limits.Steps)
			if nbp+callee.NumSlots+callee.MaxStack > len(m.stack) || fp >= len(frames)-1 || fp < 1 || m.budget <= cost {
				return m.slow(base, ip, sp) // runGeneral reports the limit, or runs the collection that is due
			}
			m.budget -= cost
			for i := nbp + min(argc, callee.NumParams); i < nbp+callee.NumSlots; i++ {
				stack[i&stackMask] = Value{undefinedBits}
			}
			frames[fp-1].pc = int32(pcOf(base, ip))
			frames[fp] = frame{f: callee, fn: fidx, bp: int32(nbp), clo: nclo}
			m.fp = fp + 1
			base = codeBase(callee.Code)
			ip = base
			bp = nbp
			sp = nbp + callee.NumSlots
		case bytecode.RET:
			r := stack[(sp-1)&stackMask]
			sp = bp
			stack[(sp-1)&stackMask] = r
			fp := m.fp - 1
			m.fp = fp
			if m.frames[fp].exit {
				m.sp = sp
				return r, nil
			}
			fr := &m.frames[fp-1]
			base, bp = codeBase(fr.f.Code), int(fr.bp)
			ip = instrAt(base, fr.pc)
		case bytecode.RETL:
			r := stack[(bp+int(in.A))&stackMask]
			sp = bp
			stack[(sp-1)&stackMask] = r
			fp := m.fp - 1
			m.fp = fp
			if m.frames[fp].exit {
				m.sp = sp
				return r, nil
			}
			fr := &m.frames[fp-1]
			base, bp = codeBase(fr.f.Code), int(fr.bp)
			ip = instrAt(base, fr.pc)
		case bytecode.RETU:
			sp = bp
			stack[(sp-1)&stackMask] = Value{undefinedBits}
			fp := m.fp - 1
			m.fp = fp
			if m.frames[fp].exit {
				m.sp = sp
				return Undefined, nil
			}
			fr := &m.frames[fp-1]
			base, bp = codeBase(fr.f.Code), int(fr.bp)
			ip = instrAt(base, fr.pc)

		case bytecode.CALLHOST:
			// A host function is a Go call: the state is saved before it and reloaded
			// after, so that none of it is live across the call (see the top of the file).
			argc, host := int(in.B), int(in.A)
			m.save(pcOf(base, ip), sp)
			m.noGC++
			r, herr := m.prog.hostFns[host](m, stack[sp-argc:sp])
			m.noGC--
			if herr != nil {
				return Undefined, m.fail(m.hostError(host, herr))
			}
			fr := &m.frames[m.fp-1]
			base, bp = codeBase(fr.f.Code), int(fr.bp)
			ip = instrAt(base, fr.pc)
			sp = m.sp - argc
			stack[sp&stackMask] = r
			sp++

		default:
			return m.slow(base, ip, sp)
		}
	}
}

// slow hands the instruction just dispatched (before ip) to runGeneral. Each fast handler
// returns through it itself rather than jumping to one shared exit: at a shared exit the
// register allocator keeps pc and sp in memory, and stores them at every dispatch.
func (m *Machine) slow(base, ip unsafe.Pointer, sp int) (Value, error) {
	m.save(pcOf(base, ip)-1, sp)
	return Undefined, errSlow
}

// instrSize is the size of an instruction in memory.
const instrSize = unsafe.Sizeof(bytecode.Instr{})

// codeBase returns the address of code's first instruction.
func codeBase(code []bytecode.Instr) unsafe.Pointer { return unsafe.Pointer(unsafe.SliceData(code)) }

// instrAt returns the address of instruction i of the code at base.
func instrAt(base unsafe.Pointer, i int32) unsafe.Pointer {
	return unsafe.Add(base, uintptr(i)*instrSize)
}

// pcOf returns the index of the instruction at ip in the code at base.
func pcOf(base, ip unsafe.Pointer) int { return int((uintptr(ip) - uintptr(base)) / instrSize) }
