package compiler

import "github.com/nanotick/nanotick/vm/bytecode"

// Expressions like n - 1 and i + 1 are the commonest arithmetic in strategies and in the
// recursive benchmarks; fusing the local load, the constant load and the operation
// removes two dispatches.

// fuseLocalConstOp rewrites LOADL a; CONST k; ADD|SUB.
func fuseLocalConstOp(p *bytecode.Program, code []bytecode.Instr, i int) (bytecode.Instr, int) {
	a, b, op := at(code, i), at(code, i+1), at(code, i+2)
	if a.Op != bytecode.LOADL || !isNumConst(p, b) {
		return bytecode.Instr{}, 0
	}
	switch op.Op {
	case bytecode.ADD:
		return bytecode.Instr{Op: bytecode.ADDLK, A: a.A, B: b.A}, 3
	case bytecode.SUB:
		return bytecode.Instr{Op: bytecode.SUBLK, A: a.A, B: b.A}, 3
	}
	return bytecode.Instr{}, 0
}
