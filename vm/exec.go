package vm

import (
	"fmt"
	"math"

	"github.com/nanotick/nanotick/vm/bytecode"
)

// rtError is a runtime error before it has been located; the interpreter loop attaches
// the position and the stack trace.
type rtError struct {
	msg, hint string
}

func (e *rtError) Error() string { return e.msg }

func errorf(format string, args ...any) error {
	return &rtError{msg: fmt.Sprintf(format, args...)}
}

func hintf(hint, format string, args ...any) error {
	return &rtError{msg: fmt.Sprintf(format, args...), hint: hint}
}

// fail locates err at the current instruction of the innermost frame (whose pc field must
// hold the pc after it) and returns the script error.
func (m *Machine) fail(err error) error {
	if e, ok := err.(*Error); ok {
		return e // already located by a nested run
	}
	e := m.stackError(m.fp-1, err.Error())
	if r, ok := err.(*rtError); ok {
		e.Hint = r.hint
	}
	return e
}

// runGeneral executes the one instruction at the saved pc of the innermost frame, with
// every rule of the language, and returns errStepped with the machine's state saved; or
// the call's result when the instruction returned from an exit frame; or the error it
// raised, located. run (fast.go) calls it for what runFast does not handle.
//
// Its state lives in local variables as in runFast, and is written back to the machine
// around operations that may call out (calls, allocation, host functions, errors).
func (m *Machine) runGeneral() (Value, error) {
	consts := m.prog.consts
	// The stack is a fixed-size array indexed with a mask: no bounds checks, and a stray
	// index can only corrupt the machine, never Go memory.
	stack := m.stackArr[:]
	fr := &m.frames[m.fp-1]
	code := fr.f.Code
	pc := int(fr.pc)
	bp := int(fr.bp)
	sp := m.sp
	stepped := false

loop:
	for {
		if stepped {
			m.save(pc, sp)
			return Undefined, errStepped
		}
		stepped = true
		in := &code[pc]
		pc++
		var err error
		switch in.Op {
		case bytecode.NOP:
		case bytecode.CONST:
			stack[(sp)&stackMask] = consts[in.A]
			sp++
		case bytecode.UNDEF:
			stack[(sp)&stackMask] = Undefined
			sp++
		case bytecode.LOADL:
			stack[(sp)&stackMask] = stack[(bp+int(in.A))&stackMask]
			sp++
		case bytecode.LOADL2:
			stack[(sp)&stackMask] = stack[(bp+int(in.A))&stackMask]
			stack[(sp+1)&stackMask] = stack[(bp+int(in.B))&stackMask]
			sp += 2
		case bytecode.STOREL:
			sp--
			stack[(bp+int(in.A))&stackMask] = stack[(sp)&stackMask]
		case bytecode.MOVLL:
			stack[(bp+int(in.A))&stackMask] = stack[(bp+int(in.B))&stackMask]
		case bytecode.LOADC:
			v := m.cells[stack[(bp+int(in.A))&stackMask].handle()].v
			if v.bits == uninitBits {
				m.save(pc, sp)
				return Undefined, m.fail(m.tdzError(""))
			}
			stack[(sp)&stackMask] = v
			sp++
		case bytecode.STOREC:
			sp--
			m.cells[stack[(bp+int(in.A))&stackMask].handle()].v = stack[(sp)&stackMask]
		case bytecode.LOADU:
			v := m.cells[m.clos[m.frames[m.fp-1].clo].cells[in.A]].v
			if v.bits == uninitBits {
				m.save(pc, sp)
				return Undefined, m.fail(m.tdzError(""))
			}
			stack[(sp)&stackMask] = v
			sp++
		case bytecode.STOREU:
			sp--
			m.cells[m.clos[m.frames[m.fp-1].clo].cells[in.A]].v = stack[(sp)&stackMask]
		case bytecode.LOADG:
			v := m.globals[in.A]
			if v.bits == uninitBits {
				m.save(pc, sp)
				return Undefined, m.fail(m.tdzError(m.prog.code.Globals[in.A]))
			}
			stack[(sp)&stackMask] = v
			sp++
		case bytecode.STOREG:
			sp--
			m.globals[in.A] = stack[(sp)&stackMask]
		case bytecode.STOREGC:
			sp--
			if m.globals[in.A].bits == uninitBits {
				m.save(pc, sp+1)
				return Undefined, m.fail(m.tdzError(m.prog.code.Globals[in.A]))
			}
			m.globals[in.A] = stack[(sp)&stackMask]
		case bytecode.NEWCELL:
			// The cell is uninitialized until its declaration runs: a closure that reads
			// it earlier fails as JavaScript's temporal dead zone does.
			stack[(bp+int(in.A))&stackMask] = m.newCell(Value{uninitBits})
		case bytecode.RECELL:
			old := m.cells[stack[(bp+int(in.A))&stackMask].handle()].v
			stack[(bp+int(in.A))&stackMask] = m.newCell(old)
		case bytecode.POP:
			sp--
		case bytecode.DUP:
			stack[(sp)&stackMask] = stack[(sp-1)&stackMask]
			sp++
		case bytecode.DUP2:
			stack[(sp)&stackMask] = stack[(sp-2)&stackMask]
			stack[(sp+1)&stackMask] = stack[(sp-1)&stackMask]
			sp += 2
		case bytecode.DROPUNDER:
			n := int(in.A)
			stack[(sp-1-n)&stackMask] = stack[(sp-1)&stackMask]
			sp -= n

		case bytecode.ADD:
			a, b := stack[(sp-2)&stackMask], stack[(sp-1)&stackMask]
			if a.IsNumber() && b.IsNumber() {
				stack[(sp-2)&stackMask] = Value{math.Float64bits(a.num() + b.num())}
				sp--
				continue
			}
			m.save(pc, sp)
			var r Value
			if r, err = m.addSlow(a, b); err != nil {
				return Undefined, m.fail(err)
			}
			sp--
			stack[(sp-1)&stackMask] = r
		case bytecode.SUB:
			a, b := stack[(sp-2)&stackMask], stack[(sp-1)&stackMask]
			if a.IsNumber() && b.IsNumber() {
				stack[(sp-2)&stackMask] = Value{math.Float64bits(a.num() - b.num())}
				sp--
				continue
			}
			m.save(pc, sp)
			return Undefined, m.fail(m.arithError("-", a, b))
		case bytecode.MUL:
			a, b := stack[(sp-2)&stackMask], stack[(sp-1)&stackMask]
			if a.IsNumber() && b.IsNumber() {
				stack[(sp-2)&stackMask] = Value{math.Float64bits(a.num() * b.num())}
				sp--
				continue
			}
			m.save(pc, sp)
			return Undefined, m.fail(m.arithError("*", a, b))
		case bytecode.DIV:
			a, b := stack[(sp-2)&stackMask], stack[(sp-1)&stackMask]
			if a.IsNumber() && b.IsNumber() {
				stack[(sp-2)&stackMask] = Value{math.Float64bits(a.num() / b.num())}
				sp--
				continue
			}
			m.save(pc, sp)
			return Undefined, m.fail(m.arithError("/", a, b))
		case bytecode.MOD, bytecode.POW, bytecode.BAND, bytecode.BOR, bytecode.BXOR, bytecode.SHL, bytecode.SHR, bytecode.USHR:
			a, b := stack[(sp-2)&stackMask], stack[(sp-1)&stackMask]
			if !a.IsNumber() || !b.IsNumber() {
				m.save(pc, sp)
				return Undefined, m.fail(m.arithError(opSymbol[in.Op], a, b))
			}
			stack[(sp-2)&stackMask] = Number(numOp(in.Op, a.num(), b.num()))
			sp--
		case bytecode.LT, bytecode.LE, bytecode.GT, bytecode.GE:
			a, b := stack[(sp-2)&stackMask], stack[(sp-1)&stackMask]
			var r bool
			if a.IsNumber() && b.IsNumber() {
				r = numCompare(in.Op, a.num(), b.num())
			} else if r, err = m.compareSlow(in.Op, a, b); err != nil {
				m.save(pc, sp)
				return Undefined, m.fail(err)
			}
			stack[(sp-2)&stackMask] = Bool(r)
			sp--
		case bytecode.SEQ:
			stack[(sp-2)&stackMask] = Bool(m.strictEquals(stack[(sp-2)&stackMask], stack[(sp-1)&stackMask]))
			sp--
		case bytecode.SNE:
			stack[(sp-2)&stackMask] = Bool(!m.strictEquals(stack[(sp-2)&stackMask], stack[(sp-1)&stackMask]))
			sp--
		case bytecode.NEG, bytecode.PLUS, bytecode.TONUM, bytecode.BITNOT:
			a := stack[(sp-1)&stackMask]
			if !a.IsNumber() {
				m.save(pc, sp)
				return Undefined, m.fail(m.unaryError(in.Op, a))
			}
			switch in.Op {
			case bytecode.NEG:
				stack[(sp-1)&stackMask] = Value{math.Float64bits(-a.num())}
			case bytecode.BITNOT:
				stack[(sp-1)&stackMask] = Number(float64(^toInt32(a.num())))
			}
		case bytecode.NOT:
			stack[(sp-1)&stackMask] = Bool(!m.truthy(stack[(sp-1)&stackMask]))
		case bytecode.TYPEOF:
			stack[(sp-1)&stackMask] = m.typeOf(stack[(sp-1)&stackMask])

		case bytecode.JMP:
			pc = int(in.A)
		case bytecode.JMPF:
			sp--
			v := stack[(sp)&stackMask]
			if v.bits == falseBits || (v.bits != trueBits && !m.truthy(v)) {
				pc = int(in.A)
			}
		case bytecode.JMPT:
			sp--
			v := stack[(sp)&stackMask]
			if v.bits == trueBits || (v.bits != falseBits && m.truthy(v)) {
				pc = int(in.A)
			}
		case bytecode.JFK:
			if !m.truthy(stack[(sp-1)&stackMask]) {
				pc = int(in.A)
			} else {
				sp--
			}
		case bytecode.JTK:
			if m.truthy(stack[(sp-1)&stackMask]) {
				pc = int(in.A)
			} else {
				sp--
			}
		case bytecode.JNNK:
			if v := stack[(sp-1)&stackMask]; v.bits != undefinedBits && v.bits != nullBits {
				pc = int(in.A)
			} else {
				sp--
			}
		case bytecode.LOOP:
			m.budget -= int64(in.B) // the loop's length (see Limits.Steps)
			if m.budget <= 0 {
				m.save(pc, sp)
				if err = m.safePoint(); err != nil {
					return Undefined, m.fail(err)
				}
			}
			pc = int(in.A)

		case bytecode.JNLT, bytecode.JNLE, bytecode.JNGT, bytecode.JNGE:
			a, b := stack[(sp-2)&stackMask], stack[(sp-1)&stackMask]
			sp -= 2
			var r bool
			if a.IsNumber() && b.IsNumber() {
				r = numCompare(in.Op-bytecode.JNLT+bytecode.LT, a.num(), b.num())
			} else if r, err = m.compareSlow(in.Op-bytecode.JNLT+bytecode.LT, a, b); err != nil {
				m.save(pc, sp)
				return Undefined, m.fail(err)
			}
			if !r {
				pc = int(in.C)
			}
		case bytecode.JNLTLK:
			a, b := stack[(bp+int(in.A))&stackMask], consts[in.B]
			if a.IsNumber() {
				if !(a.num() < b.num()) {
					pc = int(in.C)
				}
				continue
			}
			m.save(pc, sp)
			return Undefined, m.fail(m.compareError("<", a, b))
		case bytecode.JNLELK, bytecode.JNGTLK, bytecode.JNGELK:
			a, b := stack[(bp+int(in.A))&stackMask], consts[in.B]
			if !a.IsNumber() {
				m.save(pc, sp)
				return Undefined, m.fail(m.compareError(opSymbol[in.Op-bytecode.JNLTLK+bytecode.LT], a, b))
			}
			if !numCompare(in.Op-bytecode.JNLTLK+bytecode.LT, a.num(), b.num()) {
				pc = int(in.C)
			}
		case bytecode.JNLTLL, bytecode.JNLELL, bytecode.JNGTLL, bytecode.JNGELL:
			a, b := stack[(bp+int(in.A))&stackMask], stack[(bp+int(in.B))&stackMask]
			op := in.Op - bytecode.JNLTLL + bytecode.LT
			var r bool
			if a.IsNumber() && b.IsNumber() {
				r = numCompare(op, a.num(), b.num())
			} else if r, err = m.compareSlow(op, a, b); err != nil {
				m.save(pc, sp)
				return Undefined, m.fail(err)
			}
			if !r {
				pc = int(in.C)
			}

		case bytecode.INCL:
			p := &stack[(bp+int(in.A))&stackMask]
			if p.IsNumber() {
				*p = Value{math.Float64bits(p.num() + consts[in.B].num())}
				continue
			}
			m.save(pc, sp)
			var r Value
			if r, err = m.addSlow(*p, consts[in.B]); err != nil {
				return Undefined, m.fail(err)
			}
			stack[(bp+int(in.A))&stackMask] = r
		case bytecode.ADDLK, bytecode.SUBLK:
			a, b := stack[(bp+int(in.A))&stackMask], consts[in.B]
			if a.IsNumber() {
				if in.Op == bytecode.ADDLK {
					stack[(sp)&stackMask] = Value{math.Float64bits(a.num() + b.num())}
				} else {
					stack[(sp)&stackMask] = Value{math.Float64bits(a.num() - b.num())}
				}
				sp++
				continue
			}
			m.save(pc, sp)
			if in.Op == bytecode.SUBLK {
				return Undefined, m.fail(m.arithError("-", a, b))
			}
			r, err := m.addSlow(a, b)
			if err != nil {
				return Undefined, m.fail(err)
			}
			stack[(sp)&stackMask] = r
			sp++
		case bytecode.ADDLL, bytecode.SUBLL, bytecode.MULLL:
			a, b := stack[(bp+int(in.A))&stackMask], stack[(bp+int(in.B))&stackMask]
			if a.IsNumber() && b.IsNumber() {
				var r float64
				switch in.Op {
				case bytecode.ADDLL:
					r = a.num() + b.num()
				case bytecode.SUBLL:
					r = a.num() - b.num()
				default:
					r = a.num() * b.num()
				}
				stack[(sp)&stackMask] = Value{math.Float64bits(r)}
				sp++
				continue
			}
			m.save(pc, sp)
			if in.Op != bytecode.ADDLL {
				return Undefined, m.fail(m.arithError(opSymbol[bytecode.ADD+(in.Op-bytecode.ADDLL)], a, b))
			}
			r, err := m.addSlow(a, b)
			if err != nil {
				return Undefined, m.fail(err)
			}
			stack[(sp)&stackMask] = r
			sp++

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
				m.save(pc, sp)
				return Undefined, m.fail(m.callError(fv))
			}
			callee := m.funcs[fidx]
			nbp := sp - argc
			m.budget -= int64(len(callee.Code))
			fp, frames := m.fp, m.frames
			if nbp+callee.NumSlots+callee.MaxStack > len(m.stack) || fp >= len(frames)-1 || fp < 1 || m.budget <= 0 {
				m.save(pc, sp)
				if err := m.callCheck(callee, nbp); err != nil {
					return Undefined, m.fail(err)
				}
			}
			for i := nbp + min(argc, callee.NumParams); i < nbp+callee.NumSlots; i++ {
				stack[(i)&stackMask] = Undefined
			}
			frames[fp-1].pc = int32(pc)
			frames[fp] = frame{f: callee, fn: fidx, bp: int32(nbp), clo: nclo}
			m.fp = fp + 1
			code = callee.Code
			pc = 0
			bp = nbp
			sp = nbp + callee.NumSlots
		case bytecode.RET, bytecode.RETU, bytecode.RETL:
			var r Value
			switch in.Op {
			case bytecode.RET:
				r = stack[(sp-1)&stackMask]
			case bytecode.RETU:
				r = Undefined
			default:
				r = stack[(bp+int(in.A))&stackMask]
			}
			sp = bp
			stack[(sp-1)&stackMask] = r
			fp := m.fp - 1
			m.fp = fp
			frames := m.frames
			if frames[fp].exit {
				m.sp = sp
				return r, nil
			}
			fr := &frames[fp-1]
			code = fr.f.Code
			pc = int(fr.pc)
			bp = int(fr.bp)
		case bytecode.CALLHOST:
			argc := int(in.B)
			m.save(pc, sp)
			m.noGC++
			r, herr := m.prog.hostFns[in.A](m, stack[sp-argc:sp])
			m.noGC--
			if herr != nil {
				return Undefined, m.fail(m.hostError(int(in.A), herr))
			}
			sp -= argc
			stack[(sp)&stackMask] = r
			sp++
		case bytecode.BUILTIN:
			argc := int(in.B)
			m.save(pc, sp)
			var r Value
			if r, err = m.builtin(bytecode.Builtin(in.A), stack[sp-argc:sp]); err != nil {
				return Undefined, m.fail(err)
			}
			sp -= argc
			stack[(sp)&stackMask] = r
			sp++
		case bytecode.METHOD:
			argc := int(in.B)
			recv := stack[(sp-argc-1)&stackMask]
			if recv.tag() == tagObject && !recv.IsNumber() {
				// A function stored in an object property: call it like a plain function.
				var f Value
				m.save(pc, sp)
				if f, err = m.getProp(recv, int(in.A)); err != nil {
					return Undefined, m.fail(err)
				}
				stack[(sp-argc-1)&stackMask] = f
				if err = m.enterValue(f, argc); err != nil {
					return Undefined, m.fail(err)
				}
				fr := &m.frames[m.fp-1]
				code = fr.f.Code
				pc, bp, sp = 0, int(fr.bp), m.sp
				continue
			}
			m.save(pc, sp)
			var r Value
			if r, err = m.method(recv, int(in.A), stack[sp-argc:sp]); err != nil {
				return Undefined, m.fail(err)
			}
			sp -= argc
			stack[(sp-1)&stackMask] = r
		case bytecode.CLOSURE:
			stack[(sp)&stackMask] = m.makeClosure(int(in.A), bp, m.frames[m.fp-1].clo)
			sp++
		case bytecode.ARRAY:
			n := int(in.A)
			elems := make([]Value, n, max(n, 4))
			copy(elems, stack[sp-n:sp])
			sp -= n
			stack[(sp)&stackMask] = m.newArray(elems)
			sp++
		case bytecode.NEWARR:
			m.save(pc, sp)
			var r Value
			if r, err = m.newArrayN(stack[(sp-1)&stackMask]); err != nil {
				return Undefined, m.fail(err)
			}
			stack[(sp-1)&stackMask] = r
		case bytecode.OBJECT:
			shape := m.prog.code.Shapes[in.A]
			n := len(shape)
			fields := make([]Value, n)
			copy(fields, stack[sp-n:sp])
			sp -= n
			stack[(sp)&stackMask] = m.newObject(in.A, fields)
			sp++
		case bytecode.CONCAT:
			n := int(in.A)
			m.save(pc, sp)
			var r Value
			if r, err = m.concat(stack[sp-n : sp]); err != nil {
				return Undefined, m.fail(err)
			}
			sp -= n
			stack[(sp)&stackMask] = r
			sp++
		case bytecode.GETPROP:
			v := stack[(sp-1)&stackMask]
			if v.tag() == tagObject && !v.IsNumber() {
				o := &m.objs[v.handle()]
				shape := m.prog.code.Shapes[o.shape]
				for i, k := range shape {
					if k == in.A {
						stack[(sp-1)&stackMask] = o.fields[i]
						continue loop
					}
				}
			}
			m.save(pc, sp)
			if stack[(sp-1)&stackMask], err = m.getProp(v, int(in.A)); err != nil {
				return Undefined, m.fail(err)
			}
		case bytecode.SETPROP:
			m.save(pc, sp)
			if err = m.setProp(stack[(sp-2)&stackMask], int(in.A), stack[(sp-1)&stackMask]); err != nil {
				return Undefined, m.fail(err)
			}
			stack[(sp-2)&stackMask] = stack[(sp-1)&stackMask]
			sp--
		case bytecode.GETIDX, bytecode.GETIDXLL:
			var a, i Value
			if in.Op == bytecode.GETIDX {
				a, i = stack[(sp-2)&stackMask], stack[(sp-1)&stackMask]
				sp--
			} else {
				a, i = stack[(bp+int(in.A))&stackMask], stack[(bp+int(in.B))&stackMask]
				sp++
			}
			if a.tag() == tagArray && !a.IsNumber() && i.IsNumber() {
				elems := m.arrs[a.handle()].elems
				f := i.num()
				if idx := int(f); float64(idx) == f && uint(idx) < uint(len(elems)) {
					v := elems[idx]
					if v.bits == holeBits {
						v = Undefined
					}
					stack[(sp-1)&stackMask] = v
					continue
				}
			}
			m.save(pc, sp)
			if stack[(sp-1)&stackMask], err = m.getIndex(a, i); err != nil {
				return Undefined, m.fail(err)
			}
		case bytecode.SETIDX:
			a, i, v := stack[(sp-3)&stackMask], stack[(sp-2)&stackMask], stack[(sp-1)&stackMask]
			if a.tag() == tagArray && !a.IsNumber() && i.IsNumber() {
				elems := m.arrs[a.handle()].elems
				f := i.num()
				if idx := int(f); float64(idx) == f && uint(idx) < uint(len(elems)) {
					elems[idx] = v
					stack[(sp-3)&stackMask] = v
					sp -= 2
					continue
				}
			}
			m.save(pc, sp)
			if err = m.setIndex(a, i, v); err != nil {
				return Undefined, m.fail(err)
			}
			stack[(sp-3)&stackMask] = v
			sp -= 2
		case bytecode.UPDL, bytecode.UPDC, bytecode.UPDU, bytecode.UPDG:
			var p *Value
			switch in.Op {
			case bytecode.UPDL:
				p = &stack[(bp+int(in.A))&stackMask]
			case bytecode.UPDC:
				p = &m.cells[stack[(bp+int(in.A))&stackMask].handle()].v
			case bytecode.UPDU:
				p = &m.cells[m.clos[m.frames[m.fp-1].clo].cells[in.A]].v
			default:
				p = &m.globals[in.A]
			}
			old := *p
			if !old.IsNumber() {
				m.save(pc, sp)
				if old.bits == uninitBits {
					return Undefined, m.fail(m.tdzError(""))
				}
				return Undefined, m.fail(m.updateError(in.B, old))
			}
			nv := Value{math.Float64bits(old.num() + float64(in.B))}
			*p = nv
			if in.C != 0 {
				stack[(sp)&stackMask] = old
			} else {
				stack[(sp)&stackMask] = nv
			}
			sp++
		case bytecode.UPDIDX:
			m.save(pc, sp)
			var r Value
			if r, err = m.updateIndex(stack[(sp-2)&stackMask], stack[(sp-1)&stackMask], in.B, in.C != 0); err != nil {
				return Undefined, m.fail(err)
			}
			sp--
			stack[(sp-1)&stackMask] = r
		case bytecode.UPDPROP:
			m.save(pc, sp)
			var r Value
			if r, err = m.updateProp(stack[(sp-1)&stackMask], int(in.A), in.B, in.C != 0); err != nil {
				return Undefined, m.fail(err)
			}
			stack[(sp-1)&stackMask] = r
		case bytecode.FORNEXT:
			it := stack[(bp+int(in.A))&stackMask]
			idx := stack[(bp+int(in.B))&stackMask].num()
			if it.tag() == tagArray && !it.IsNumber() {
				elems := m.arrs[it.handle()].elems
				if int(idx) >= len(elems) {
					pc = int(in.C)
					continue
				}
				v := elems[int(idx)]
				if v.bits == holeBits {
					v = Undefined
				}
				stack[(sp)&stackMask] = v
				sp++
				stack[(bp+int(in.B))&stackMask] = Value{math.Float64bits(idx + 1)}
				continue
			}
			m.save(pc, sp)
			v, nextIdx, done, ferr := m.forOfSlow(it, int(idx))
			if ferr != nil {
				return Undefined, m.fail(ferr)
			}
			if done {
				pc = int(in.C)
				continue
			}
			stack[(sp)&stackMask] = v
			sp++
			stack[(bp+int(in.B))&stackMask] = Number(float64(nextIdx))
		case bytecode.ADDLLS, bytecode.SUBLLS, bytecode.MULLLS:
			a, b := stack[(bp+int(in.A))&stackMask], stack[(bp+int(in.B))&stackMask]
			if a.IsNumber() && b.IsNumber() {
				var r float64
				switch in.Op {
				case bytecode.ADDLLS:
					r = a.num() + b.num()
				case bytecode.SUBLLS:
					r = a.num() - b.num()
				default:
					r = a.num() * b.num()
				}
				stack[(bp+int(in.C))&stackMask] = Value{math.Float64bits(r)}
				continue
			}
			m.save(pc, sp)
			if in.Op != bytecode.ADDLLS {
				return Undefined, m.fail(m.arithError(opSymbol[bytecode.ADD+(in.Op-bytecode.ADDLLS)], a, b))
			}
			r, err := m.addSlow(a, b)
			if err != nil {
				return Undefined, m.fail(err)
			}
			stack[(bp+int(in.C))&stackMask] = r
		case bytecode.ADDTOL, bytecode.SUBTOL, bytecode.ADDTOG, bytecode.SUBTOG:
			sp--
			var p *Value
			if in.Op == bytecode.ADDTOL || in.Op == bytecode.SUBTOL {
				p = &stack[(bp+int(in.A))&stackMask]
			} else {
				p = &m.globals[in.A]
			}
			v := stack[(sp)&stackMask]
			if p.IsNumber() && v.IsNumber() {
				if in.Op == bytecode.ADDTOL || in.Op == bytecode.ADDTOG {
					*p = Value{math.Float64bits(p.num() + v.num())}
				} else {
					*p = Value{math.Float64bits(p.num() - v.num())}
				}
				continue
			}
			m.save(pc, sp+1)
			if p.bits == uninitBits {
				return Undefined, m.fail(m.tdzError(""))
			}
			if in.Op == bytecode.SUBTOL || in.Op == bytecode.SUBTOG {
				return Undefined, m.fail(m.arithError("-", *p, v))
			}
			r, err := m.addSlow(*p, v)
			if err != nil {
				return Undefined, m.fail(err)
			}
			*p = r
		case bytecode.FORINC:
			p := &stack[(bp+int(in.A))&stackMask]
			if !p.IsNumber() {
				m.save(pc, sp)
				var r Value
				if r, err = m.addSlow(*p, consts[in.B]); err != nil {
					return Undefined, m.fail(err)
				}
				*p = r
				pc = int(in.C)
				continue
			}
			nv := p.num() + consts[in.B].num()
			*p = Value{math.Float64bits(nv)}
			m.budget -= int64(code[pc].B) // the loop's LOOP follows (verifyCode)
			if m.budget <= 0 {
				m.save(pc, sp)
				if err = m.safePoint(); err != nil {
					return Undefined, m.fail(err)
				}
			}
			head := code[in.C]
			var ok bool
			switch head.Op {
			case bytecode.JNLTLK:
				ok = nv < consts[head.B].num()
			case bytecode.JNLTLL:
				lim := stack[(bp+int(head.B))&stackMask]
				if !lim.IsNumber() {
					pc = int(in.C) // let the head report the type error
					continue
				}
				ok = nv < lim.num()
			case bytecode.JNLELK:
				ok = nv <= consts[head.B].num()
			case bytecode.JNGTLK:
				ok = nv > consts[head.B].num()
			case bytecode.JNGELK:
				ok = nv >= consts[head.B].num()
			default:
				pc = int(in.C) // other heads: re-run the head instruction
				continue
			}
			if ok {
				pc = int(in.C) + 1
			} else {
				pc = int(head.C)
			}
		case bytecode.MOV2:
			stack[(bp+int(in.A>>16))&stackMask] = stack[(bp+int(in.A&0xFFFF))&stackMask]
			stack[(bp+int(in.B>>16))&stackMask] = stack[(bp+int(in.B&0xFFFF))&stackMask]
		case bytecode.FORLTK, bytecode.FORLTL:
			p := &stack[(bp+int(in.A))&stackMask]
			var lim Value
			if in.Op == bytecode.FORLTK {
				lim = consts[in.B]
			} else {
				lim = stack[(bp+int(in.B))&stackMask]
			}
			if !p.IsNumber() || !lim.IsNumber() {
				// Let the general path increment and the head report type errors.
				m.save(pc, sp)
				r, err := m.addSlow(*p, Number(1))
				if err != nil {
					return Undefined, m.fail(err)
				}
				*p = r
				pc = int(in.C)
				continue
			}
			nv := p.num() + 1
			*p = Value{math.Float64bits(nv)}
			m.budget -= int64(code[pc].B) // the loop's LOOP follows (verifyCode)
			if m.budget <= 0 {
				m.save(pc, sp)
				if err = m.safePoint(); err != nil {
					return Undefined, m.fail(err)
				}
			}
			if nv < lim.num() {
				pc = int(in.C) + 1
			} else {
				pc = int(code[in.C].C)
			}
		case bytecode.MOVLK:
			stack[(bp+int(in.A))&stackMask] = consts[in.B]
		case bytecode.LOADLK:
			stack[(sp)&stackMask] = stack[(bp+int(in.A))&stackMask]
			stack[(sp+1)&stackMask] = consts[in.B]
			sp += 2
		case bytecode.LOADKL:
			stack[(sp)&stackMask] = consts[in.A]
			stack[(sp+1)&stackMask] = stack[(bp+int(in.B))&stackMask]
			sp += 2
		case bytecode.LOADGK:
			stack[(sp)&stackMask] = m.globals[in.A]
			stack[(sp+1)&stackMask] = consts[in.B]
			if stack[(sp)&stackMask].bits == uninitBits || stack[(sp+1)&stackMask].bits == uninitBits {
				m.save(pc, sp)
				return Undefined, m.fail(m.pairTDZ(in))
			}
			sp += 2
		case bytecode.LOADLG:
			stack[(sp)&stackMask] = stack[(bp+int(in.A))&stackMask]
			stack[(sp+1)&stackMask] = m.globals[in.B]
			if stack[(sp)&stackMask].bits == uninitBits || stack[(sp+1)&stackMask].bits == uninitBits {
				m.save(pc, sp)
				return Undefined, m.fail(m.pairTDZ(in))
			}
			sp += 2
		case bytecode.LOADGL:
			stack[(sp)&stackMask] = m.globals[in.A]
			stack[(sp+1)&stackMask] = stack[(bp+int(in.B))&stackMask]
			if stack[(sp)&stackMask].bits == uninitBits || stack[(sp+1)&stackMask].bits == uninitBits {
				m.save(pc, sp)
				return Undefined, m.fail(m.pairTDZ(in))
			}
			sp += 2
		case bytecode.LOADGG:
			stack[(sp)&stackMask] = m.globals[in.A]
			stack[(sp+1)&stackMask] = m.globals[in.B]
			if stack[(sp)&stackMask].bits == uninitBits || stack[(sp+1)&stackMask].bits == uninitBits {
				m.save(pc, sp)
				return Undefined, m.fail(m.pairTDZ(in))
			}
			sp += 2
		case bytecode.JFG, bytecode.JTG:
			v := m.globals[in.A]
			if v.bits == uninitBits {
				m.save(pc, sp)
				return Undefined, m.fail(m.tdzError(m.prog.code.Globals[in.A]))
			}
			if m.truthy(v) == (in.Op == bytecode.JTG) {
				pc = int(in.C)
			}
		case bytecode.JNLTGK, bytecode.JNLEGK, bytecode.JNGTGK, bytecode.JNGEGK:
			a, b := m.globals[in.A], consts[in.B]
			op := in.Op - bytecode.JNLTGK + bytecode.LT
			if a.bits == uninitBits {
				m.save(pc, sp)
				return Undefined, m.fail(m.tdzError(m.prog.code.Globals[in.A]))
			}
			if !a.IsNumber() {
				m.save(pc, sp)
				return Undefined, m.fail(m.compareError(opSymbol[op], a, b))
			}
			if !numCompare(op, a.num(), b.num()) {
				pc = int(in.C)
			}
		case bytecode.MOVGL:
			if in.C != 0 && m.globals[in.A].bits == uninitBits {
				m.save(pc, sp)
				return Undefined, m.fail(m.tdzError(m.prog.code.Globals[in.A]))
			}
			m.globals[in.A] = stack[(bp+int(in.B))&stackMask]
		case bytecode.ADDGG, bytecode.SUBGG, bytecode.MULGG, bytecode.ADDG, bytecode.SUBG, bytecode.MULG,
			bytecode.ADDLG, bytecode.SUBLG, bytecode.MULLG:
			// The operands: two globals, or a local and a global, pushing a result; or the
			// top of the stack and a global replacing it.
			var a, b Value
			var op bytecode.Op
			dst := sp - 1
			g := in.A // the global read before its declaration, if one was
			switch {
			case in.Op <= bytecode.MULGG:
				a, b = m.globals[in.A], m.globals[in.B]
				op = bytecode.ADD + (in.Op - bytecode.ADDGG)
				dst = sp
				if a.bits != uninitBits {
					g = in.B
				}
			case in.Op <= bytecode.MULG:
				a, b = stack[(sp-1)&stackMask], m.globals[in.A]
				op = bytecode.ADD + (in.Op - bytecode.ADDG)
			default:
				a, b = stack[(bp+int(in.A))&stackMask], m.globals[in.B]
				op = bytecode.ADD + (in.Op - bytecode.ADDLG)
				dst = sp
				g = in.B
			}
			m.save(pc, sp)
			if a.bits == uninitBits || b.bits == uninitBits {
				return Undefined, m.fail(m.tdzError(m.prog.code.Globals[g]))
			}
			var r Value
			switch {
			case a.IsNumber() && b.IsNumber():
				r = Number(numOp(op, a.num(), b.num()))
			case op == bytecode.ADD:
				if r, err = m.addSlow(a, b); err != nil {
					return Undefined, m.fail(err)
				}
			default:
				return Undefined, m.fail(m.arithError(opSymbol[op], a, b))
			}
			stack[dst&stackMask] = r
			sp = dst + 1
		case bytecode.DIVK:
			a, k := stack[(sp-1)&stackMask], consts[in.B]
			if !a.IsNumber() {
				m.save(pc, sp)
				return Undefined, m.fail(m.arithError("/", a, k))
			}
			stack[(sp-1)&stackMask] = Value{math.Float64bits(a.num() / k.num())}
		case bytecode.JNSEQ, bytecode.JNSNE:
			eq := m.strictEquals(stack[(sp-2)&stackMask], stack[(sp-1)&stackMask])
			sp -= 2
			if eq != (in.Op == bytecode.JNSEQ) {
				pc = int(in.C)
			}
		case bytecode.MULK:
			a, k := stack[(sp-1)&stackMask], consts[in.B]
			if !a.IsNumber() {
				m.save(pc, sp)
				if in.C != 0 {
					return Undefined, m.fail(m.arithError("*", k, a))
				}
				return Undefined, m.fail(m.arithError("*", a, k))
			}
			stack[(sp-1)&stackMask] = Value{math.Float64bits(a.num() * k.num())}
		case bytecode.LOADSELF:
			stack[(sp)&stackMask] = stack[(bp-1)&stackMask]
			sp++
		case bytecode.STORELP:
			stack[(bp+int(in.A))&stackMask] = stack[(sp-1)&stackMask]
		default:
			m.save(pc, sp)
			return Undefined, m.fail(errorf("internal error: bad opcode %v", in.Op))
		}
	}
}

// callCheck handles the rare conditions checked at a call: stack and depth limits, the
// instruction budget and a pending collection.
func (m *Machine) callCheck(callee *bytecode.Func, nbp int) error {
	if nbp+callee.NumSlots+callee.MaxStack > len(m.stack) {
		return hintf("look for unbounded recursion", "value stack overflow")
	}
	if m.fp >= m.limits.CallDepth {
		return hintf("look for unbounded recursion", "maximum call depth (%d) exceeded", m.limits.CallDepth)
	}
	return m.safePoint()
}

// safePoint enforces the instruction budget and runs a pending collection.
func (m *Machine) safePoint() error {
	if m.gcDue {
		if m.noGC > 0 {
			// Go code holds handles the collector cannot see: postpone the collection.
			m.budget, m.parkedBudget = m.budget+m.parkedBudget, 0
			m.gcDue = false
			m.nextGC = m.bytes + minGCInterval
		} else {
			m.collect() // restores the parked budget
			if m.bytes > m.limits.MaxHeapBytes {
				return hintf("keep fewer strings, arrays and objects alive, or raise Limits.MaxHeapBytes",
					"arena memory limit exceeded (%d bytes live, limit %d)", m.bytes, m.limits.MaxHeapBytes)
			}
		}
	}
	if m.budget <= 0 {
		return hintf("look for a loop that never ends, or raise Limits.Steps", "instruction budget exceeded (%d steps)", m.limits.Steps)
	}
	return nil
}

func (m *Machine) makeClosure(fidx, bp int, clo int32) Value {
	fn := m.prog.code.Funcs[fidx]
	if len(fn.Captures) == 0 {
		return mkHandle(tagFunc, uint32(fidx))
	}
	cells := make([]uint32, len(fn.Captures))
	for i, c := range fn.Captures {
		if c.FromLocal {
			cells[i] = m.stack[bp+c.Index].handle()
		} else {
			cells[i] = m.clos[m.frames[m.fp-1].clo].cells[c.Index]
		}
	}
	return m.newClosure(int32(fidx), cells)
}

func (m *Machine) hostError(idx int, err error) error {
	return errorf("%s: %v", m.prog.hostNms[idx], err)
}

// save writes the interpreter's pc and sp back to the machine before anything that may
// fail, call out or collect.
func (m *Machine) save(pc, sp int) {
	m.frames[m.fp-1].pc = int32(pc)
	m.sp = sp
}

// enterValue pushes a frame for the function value f, whose argc arguments are on top
// of the saved stack; it is the slow path of calls made through object properties.
func (m *Machine) enterValue(f Value, argc int) error {
	var fidx int32
	clo := int32(-1)
	switch f.tag() {
	case tagFunc:
		fidx = int32(f.handle())
	case tagClosure:
		clo = int32(f.handle())
		fidx = m.clos[clo].fn
	default:
		return m.callError(f)
	}
	fn := m.prog.code.Funcs[fidx]
	if err := m.callCheck(fn, m.sp-argc); err != nil {
		return err
	}
	if err := m.pushFrame(fidx, clo, argc); err != nil {
		return err
	}
	return nil
}

// tdzError reports a read of a let or const before its declaration ran.
func (m *Machine) tdzError(name string) error {
	if name == "" {
		name = "variable"
	}
	return hintf("move the declaration before the first call that uses it", "%s is used before its declaration", name)
}

// pairTDZ names the global of a paired load that was read before its declaration.
func (m *Machine) pairTDZ(in *bytecode.Instr) error {
	g := in.A
	if in.Op == bytecode.LOADLG || (in.Op == bytecode.LOADGG && m.globals[in.A].bits != uninitBits) {
		g = in.B
	}
	return m.tdzError(m.prog.code.Globals[g])
}
