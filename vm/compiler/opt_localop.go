package compiler

import "github.com/nanotick/nanotick/vm/bytecode"

// a + b, a - b and i * j on two locals are frequent in numeric code; one instruction
// replaces three.

// fuseLocalLocalOp rewrites LOADL a; LOADL b; ADD|SUB|MUL, and LOADL a; LOADL b; GETIDX.
func fuseLocalLocalOp(p *bytecode.Program, code []bytecode.Instr, i int) (bytecode.Instr, int) {
	a, b, op := at(code, i), at(code, i+1), at(code, i+2)
	if a.Op != bytecode.LOADL || b.Op != bytecode.LOADL {
		return bytecode.Instr{}, 0
	}
	var fused bytecode.Op
	switch op.Op {
	case bytecode.ADD:
		fused = bytecode.ADDLL
	case bytecode.SUB:
		fused = bytecode.SUBLL
	case bytecode.MUL:
		fused = bytecode.MULLL
	case bytecode.GETIDX:
		fused = bytecode.GETIDXLL
	default:
		return bytecode.Instr{}, 0
	}
	return bytecode.Instr{Op: fused, A: a.A, B: b.A}, 3
}

// fuseLocalLocalStore rewrites LOADL a; LOADL b; ADD|SUB|MUL; STOREL c into the
// three-address ADDLLS a b c (t = a + b): one dispatch instead of four.
func fuseLocalLocalStore(p *bytecode.Program, code []bytecode.Instr, i int) (bytecode.Instr, int) {
	x, n := fuseLocalLocalOp(p, code, i)
	st := at(code, i+3)
	if n == 0 || st.Op != bytecode.STOREL {
		return bytecode.Instr{}, 0
	}
	switch x.Op {
	case bytecode.ADDLL:
		return bytecode.Instr{Op: bytecode.ADDLLS, A: x.A, B: x.B, C: st.A}, 4
	case bytecode.SUBLL:
		return bytecode.Instr{Op: bytecode.SUBLLS, A: x.A, B: x.B, C: st.A}, 4
	case bytecode.MULLL:
		return bytecode.Instr{Op: bytecode.MULLLS, A: x.A, B: x.B, C: st.A}, 4
	}
	return bytecode.Instr{}, 0
}
