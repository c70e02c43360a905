package compiler

import "github.com/nanotick/nanotick/vm/bytecode"

// A conditional expression in return position (return n < 2 ? n : f(n)) compiles to a
// jump to the function's RET. Replacing a jump to RET, RETU or another jump by its target
// saves a dispatch per call in recursive functions (recursive fib: one of nine).

// threadJumps retargets jumps through chains of JMP and copies returns into jumps.
func threadJumps(f *bytecode.Func) {
	code := f.Code
	for i := range code {
		in := &code[i]
		if in.Op != bytecode.JMP {
			continue
		}
		t := in.A
		for hops := 0; hops < 8 && int(t) < len(code) && code[t].Op == bytecode.JMP && code[t].A != t; hops++ {
			t = code[t].A
		}
		in.A = t
		if int(t) < len(code) {
			switch code[t].Op {
			case bytecode.RET, bytecode.RETU:
				*in = code[t]
			}
		}
	}
}
