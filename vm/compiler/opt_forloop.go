package compiler

import "github.com/nanotick/nanotick/vm/bytecode"

// A counted loop ends with INCL i k; LOOP head, and its head is JNLTLK i n exit (or
// another local-constant comparison). FORINC does the increment, the budget count, the
// comparison and the jump in one dispatch, so a loop iteration costs its body plus one
// instruction instead of three.

// fuseForLoops runs after the other rules, when jump targets are final. It replaces the
// INCL with FORINC and leaves the LOOP in place (now unreachable except as the target of
// continue statements, which reach it through the INCL).
func fuseForLoops(p *bytecode.Program, f *bytecode.Func) {
	code := f.Code
	for i := 0; i+1 < len(code); i++ {
		inc, loop := code[i], code[i+1]
		if inc.Op != bytecode.INCL || loop.Op != bytecode.LOOP {
			continue
		}
		head := code[loop.A]
		switch head.Op {
		case bytecode.JNLTLK, bytecode.JNLELK, bytecode.JNGTLK, bytecode.JNGELK,
			bytecode.JNLTLL, bytecode.JNLELL, bytecode.JNGTLL, bytecode.JNGELL:
		default:
			continue
		}
		if head.A != inc.A {
			continue
		}
		code[i] = bytecode.Instr{Op: bytecode.FORINC, A: inc.A, B: inc.B, C: loop.A}
		// The commonest loop, i++ while i < limit, gets an instruction that needs no
		// look at its head: FORLTK or FORLTL.
		if c := p.Consts[inc.B]; c.Kind == bytecode.ConstNumber && c.Num == 1 {
			switch head.Op {
			case bytecode.JNLTLK:
				code[i] = bytecode.Instr{Op: bytecode.FORLTK, A: inc.A, B: head.B, C: loop.A}
			case bytecode.JNLTLL:
				code[i] = bytecode.Instr{Op: bytecode.FORLTL, A: inc.A, B: head.B, C: loop.A}
			}
		}
	}
}
