package compiler

import "github.com/nanotick/nanotick/vm/bytecode"

// Loop conditions are almost always "local < constant" or "local < local" followed by a
// conditional jump: fusing the four instructions into one removes three dispatches per
// iteration (nested-loop benchmark: see the log in vm/internal_bench_test.go).

var cmpJumpLK = map[bytecode.Op]bytecode.Op{
	bytecode.LT: bytecode.JNLTLK, bytecode.LE: bytecode.JNLELK, bytecode.GT: bytecode.JNGTLK, bytecode.GE: bytecode.JNGELK,
}

var cmpJumpLL = map[bytecode.Op]bytecode.Op{
	bytecode.LT: bytecode.JNLTLL, bytecode.LE: bytecode.JNLELL, bytecode.GT: bytecode.JNGTLL, bytecode.GE: bytecode.JNGELL,
}

var cmpJump = map[bytecode.Op]bytecode.Op{
	bytecode.LT: bytecode.JNLT, bytecode.LE: bytecode.JNLE, bytecode.GT: bytecode.JNGT, bytecode.GE: bytecode.JNGE,
}

// fuseCompareLocalJump rewrites LOADL a; CONST k|LOADL b; LT; JMPF t.
func fuseCompareLocalJump(p *bytecode.Program, code []bytecode.Instr, i int) (bytecode.Instr, int) {
	a, b, cmp, j := at(code, i), at(code, i+1), at(code, i+2), at(code, i+3)
	if a.Op != bytecode.LOADL || j.Op != bytecode.JMPF {
		return bytecode.Instr{}, 0
	}
	if op, ok := cmpJumpLK[cmp.Op]; ok && isNumConst(p, b) {
		return bytecode.Instr{Op: op, A: a.A, B: b.A, C: j.A}, 4
	}
	if op, ok := cmpJumpLL[cmp.Op]; ok && b.Op == bytecode.LOADL {
		return bytecode.Instr{Op: op, A: a.A, B: b.A, C: j.A}, 4
	}
	return bytecode.Instr{}, 0
}

// fuseCompareJump rewrites LT; JMPF t for any operands.
func fuseCompareJump(p *bytecode.Program, code []bytecode.Instr, i int) (bytecode.Instr, int) {
	cmp, j := at(code, i), at(code, i+1)
	if op, ok := cmpJump[cmp.Op]; ok && j.Op == bytecode.JMPF {
		return bytecode.Instr{Op: op, C: j.A}, 2
	}
	return bytecode.Instr{}, 0
}

// fuseStrictJump rewrites SEQ; JMPF t and SNE; JMPF t (if (id !== 0), if (s === "filled")).
func fuseStrictJump(p *bytecode.Program, code []bytecode.Instr, i int) (bytecode.Instr, int) {
	eq, j := at(code, i), at(code, i+1)
	if j.Op != bytecode.JMPF {
		return bytecode.Instr{}, 0
	}
	switch eq.Op {
	case bytecode.SEQ:
		return bytecode.Instr{Op: bytecode.JNSEQ, C: j.A}, 2
	case bytecode.SNE:
		return bytecode.Instr{Op: bytecode.JNSNE, C: j.A}, 2
	}
	return bytecode.Instr{}, 0
}
