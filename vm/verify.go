package vm

import (
	"fmt"

	"github.com/nanotick/nanotick/vm/bytecode"
)

// verifyCode checks what runFast relies on to walk the code with a pointer instead of a
// bounds-checked index: that every function ends with a return, and that every jump
// target (and the loop head a fused loop increment reads) is an instruction of the
// function. It also checks what the instruction budget relies on: that only the loop
// instructions, which charge it, jump backwards. It also gives each function's code one unused instruction of capacity, so
// that the pointer to the next instruction after the final return still points into
// the same allocation, as Go's garbage collector requires of pointers.
//
// The compiler produces only such code; a failure here is a compiler bug, reported as
// an internal error rather than run.
func verifyCode(code *bytecode.Program) error {
	for fi, f := range code.Funcs {
		n := int32(len(f.Code))
		if n == 0 {
			return fmt.Errorf("function %d has no code", fi)
		}
		switch f.Code[n-1].Op {
		case bytecode.RET, bytecode.RETU, bytecode.RETL:
		default:
			return fmt.Errorf("function %d does not end with a return", fi)
		}
		for pc, in := range f.Code {
			operand, ok := in.Op.JumpOperand()
			if !ok {
				continue
			}
			t := in.A
			if operand == 'C' {
				t = in.C
			}
			if t < 0 || t >= n {
				return fmt.Errorf("function %d, instruction %d (%v): jump target %d out of range", fi, pc, in.Op, t)
			}
			switch in.Op {
			case bytecode.LOOP, bytecode.FORINC, bytecode.FORLTK, bytecode.FORLTL:
			default:
				// Only the loop instructions charge the budget, so only they may jump back.
				if int(t) <= pc {
					return fmt.Errorf("function %d, instruction %d (%v): backward jump to %d outside a loop instruction", fi, pc, in.Op, t)
				}
			}
			switch in.Op {
			case bytecode.FORINC, bytecode.FORLTK, bytecode.FORLTL:
				// The head's exit target is read too, and the instruction after it run.
				if head := f.Code[t]; head.C < 0 || head.C >= n || t+1 >= n {
					return fmt.Errorf("function %d, instruction %d (%v): loop head %d has an exit out of range", fi, pc, in.Op, t)
				}
				// The pass is charged the B of the loop's LOOP, which must follow.
				if next := f.Code[pc+1]; next.Op != bytecode.LOOP || next.A != t {
					return fmt.Errorf("function %d, instruction %d (%v): not followed by its loop's LOOP", fi, pc, in.Op)
				}
			case bytecode.LOOP:
				if in.B != int32(pc)-t+1 {
					return fmt.Errorf("function %d, instruction %d (LOOP): cost %d, want the loop's length %d", fi, pc, in.B, int32(pc)-t+1)
				}
			}
		}
		f.Code = append(make([]bytecode.Instr, 0, n+1), f.Code...)
	}
	return nil
}
