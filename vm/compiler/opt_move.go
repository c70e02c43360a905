package compiler

import "github.com/nanotick/nanotick/vm/bytecode"

// Moves between locals (t = a; a = b) and returning a local are common in the iterative
// benchmarks; pairs of local loads precede most calls with two arguments.

// fuseMove rewrites LOADL b; STOREL a into MOVLL a b.
func fuseMove(p *bytecode.Program, code []bytecode.Instr, i int) (bytecode.Instr, int) {
	a, b := at(code, i), at(code, i+1)
	if a.Op == bytecode.LOADL && b.Op == bytecode.STOREL {
		return bytecode.Instr{Op: bytecode.MOVLL, A: b.A, B: a.A}, 2
	}
	return bytecode.Instr{}, 0
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
		return bytecode.Instr{Op: bytecode.LOADL2, A: a.A, B: b.A}, 2
	}
	return bytecode.Instr{}, 0
}
