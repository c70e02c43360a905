package compiler

import "github.com/nanotick/nanotick/vm/bytecode"

// Loop counters are updated by i++ or i += k as a statement: fusing the update into
// one instruction that modifies the slot in place saves the push and pop.

// fuseIncLocal rewrites UPDL a d; POP and LOADL a; CONST k; ADD; STOREL a.
func fuseIncLocal(p *bytecode.Program, code []bytecode.Instr, i int) (bytecode.Instr, int) {
	a, b := at(code, i), at(code, i+1)
	if a.Op == bytecode.UPDL && b.Op == bytecode.POP {
		for idx, c := range p.Consts {
			if c.Kind == bytecode.ConstNumber && c.Num == float64(a.B) {
				return bytecode.Instr{Op: bytecode.INCL, A: a.A, B: int32(idx)}, 2
			}
		}
		p.Consts = append(p.Consts, bytecode.Const{Kind: bytecode.ConstNumber, Num: float64(a.B)})
		return bytecode.Instr{Op: bytecode.INCL, A: a.A, B: int32(len(p.Consts) - 1)}, 2
	}
	if isNumConst(p, a) && b.Op == bytecode.ADDTOL {
		return bytecode.Instr{Op: bytecode.INCL, A: b.A, B: a.A}, 2 // i += k
	}
	c, d := at(code, i+2), at(code, i+3)
	if a.Op == bytecode.LOADL && isNumConst(p, b) && c.Op == bytecode.ADD && d.Op == bytecode.STOREL && d.A == a.A {
		return bytecode.Instr{Op: bytecode.INCL, A: a.A, B: b.A}, 4
	}
	return bytecode.Instr{}, 0
}
