package compiler

import "github.com/nanotick/nanotick/vm/bytecode"

// setLoopCosts stores in each LOOP's B operand the loop's length in instructions, from
// its head to the LOOP itself: what the interpreter charges the budget for each pass
// (vm.Limits.Steps). The fused loop increments (FORINC, FORLTK, FORLTL) are always
// followed by their loop's LOOP and charge its B, so no pass computes a length.
func setLoopCosts(f *bytecode.Func) {
	for pc := range f.Code {
		if in := &f.Code[pc]; in.Op == bytecode.LOOP {
			in.B = int32(pc) - in.A + 1
		}
	}
}
