package compiler

import "github.com/nanotick/nanotick/vm/bytecode"

// Moves between locals (t = a; a = b) and returning a local are common in the iterative
// benchmarks; pairs of local loads precede most calls with two arguments.

// fuseMove rewrites LOADL b; STOREL a into MOVLL a b and CONST k; STOREL a into MOVLK.
func fuseMove(p *bytecode.Program, code []bytecode.Instr, i int) (bytecode.Instr, int) {
	a, b := at(code, i), at(code, i+1)
	if a.Op == bytecode.LOADL && b.Op == bytecode.STOREL {
		return bytecode.Instr{Op: bytecode.MOVLL, A: b.A, B: a.A}, 2
	}
	if a.Op == bytecode.CONST && b.Op == bytecode.STOREL {
		return bytecode.Instr{Op: bytecode.MOVLK, A: b.A, B: a.A}, 2
	}
	return bytecode.Instr{}, 0
}

// pairOps maps two consecutive loads (local, constant or global) to one instruction.
var pairOps = map[[2]bytecode.Op]bytecode.Op{
	{bytecode.LOADL, bytecode.CONST}: bytecode.LOADLK,
	{bytecode.CONST, bytecode.LOADL}: bytecode.LOADKL,
	{bytecode.LOADG, bytecode.CONST}: bytecode.LOADGK,
	{bytecode.LOADL, bytecode.LOADG}: bytecode.LOADLG,
	{bytecode.LOADG, bytecode.LOADL}: bytecode.LOADGL,
	{bytecode.LOADG, bytecode.LOADG}: bytecode.LOADGG,
}

// fuseLoadPair rewrites two consecutive loads of operands into one instruction, unless
// the second load starts a better fusion. Binary operators on a global and a constant
// (prev <= 0) or a constant and a local (0.2 * x) then cost two dispatches, not three.
func fuseLoadPair(p *bytecode.Program, code []bytecode.Instr, i int) (bytecode.Instr, int) {
	a, b := at(code, i), at(code, i+1)
	op, ok := pairOps[[2]bytecode.Op{a.Op, b.Op}]
	if !ok {
		return bytecode.Instr{}, 0
	}
	if startsFusion(p, code, i+1) {
		return bytecode.Instr{}, 0
	}
	return bytecode.Instr{Op: op, A: a.A, B: b.A}, 2
}

// fuseReturnLocal rewrites LOADL a; RET into RETL a.
func fuseReturnLocal(p *bytecode.Program, code []bytecode.Instr, i int) (bytecode.Instr, int) {
	a, b := at(code, i), at(code, i+1)
	if a.Op == bytecode.LOADL && b.Op == bytecode.RET {
		return bytecode.Instr{Op: bytecode.RETL, A: a.A}, 2
	}
	return bytecode.Instr{}, 0
}

// fuseLoad2 rewrites LOADL a; LOADL b into LOADL2 a b.
func fuseLoad2(p *bytecode.Program, code []bytecode.Instr, i int) (bytecode.Instr, int) {
	a, b := at(code, i), at(code, i+1)
	if a.Op == bytecode.LOADL && b.Op == bytecode.LOADL {
		// Leave the second load to a better fusion with what follows it.
		if _, n := fuseLocalLocalOp(p, code, i+1); n > 0 {
			return bytecode.Instr{}, 0
		}
		if _, n := fuseLocalConstOp(p, code, i+1); n > 0 {
			return bytecode.Instr{}, 0
		}
		return bytecode.Instr{Op: bytecode.LOADL2, A: a.A, B: b.A}, 2
	}
	return bytecode.Instr{}, 0
}

// startsFusion reports whether a multi-instruction fusion other than a load pair starts
// at code[i].
func startsFusion(p *bytecode.Program, code []bytecode.Instr, i int) bool {
	for _, f := range []fuser{fuseCompareLocalJump, fuseLocalLocalStore, fuseIncLocal, fuseLocalConstOp, fuseLocalLocalOp, fuseMove, fuseReturnLocal, fuseGlobalJump, fuseGlobalOp} {
		if _, n := f(p, code, i); n > 1 {
			return true
		}
	}
	if _, n := fuseConstTimes(p, code, i); n > 1 {
		return true
	}
	_, n := fuseAccumulate(p, code, i)
	return n > 1
}

// fuseMove2 rewrites two consecutive local moves (the a = b; b = t of a rotation) into
// MOV2 when the slots fit in 16 bits.
func fuseMove2(p *bytecode.Program, code []bytecode.Instr, i int) (bytecode.Instr, int) {
	m1, n1 := fuseMove(p, code, i)
	if n1 == 0 || m1.Op != bytecode.MOVLL {
		return bytecode.Instr{}, 0
	}
	m2, n2 := fuseMove(p, code, i+2)
	if n2 == 0 || m2.Op != bytecode.MOVLL {
		return bytecode.Instr{}, 0
	}
	for _, s := range []int32{m1.A, m1.B, m2.A, m2.B} {
		if s < 0 || s > 0xFFFF {
			return bytecode.Instr{}, 0
		}
	}
	return bytecode.Instr{Op: bytecode.MOV2, A: m1.A<<16 | m1.B, B: m2.A<<16 | m2.B}, 4
}
