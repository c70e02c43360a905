package compiler

import (
	"github.com/nanotick/nanotick/vm/bytecode"
	"github.com/nanotick/nanotick/vm/token"
)

// A fuser fuses the instructions starting at code[i] into one superinstruction. It
// returns the replacement and how many instructions it consumed, or n == 0.
type fuser func(p *bytecode.Program, code []bytecode.Instr, i int) (in bytecode.Instr, n int)

// A rule is a fuser that may produce several instructions.
type rule func(p *bytecode.Program, code []bytecode.Instr, i int) (out []bytecode.Instr, n int)

func single(f fuser) rule {
	return func(p *bytecode.Program, code []bytecode.Instr, i int) ([]bytecode.Instr, int) {
		in, n := f(p, code, i)
		if n == 0 {
			return nil, 0
		}
		return []bytecode.Instr{in}, n
	}
}

// rules are tried in order at each position; longer patterns come first. Each rule lives
// in its own opt_*.go file with the measurement that justified it.
var rules = []rule{
	single(fuseCompareLocalJump), // opt_cmpjump.go
	single(fuseCompareJump),      // opt_cmpjump.go
	single(fuseStrictJump),       // opt_cmpjump.go
	single(fuseGlobalJump),       // opt_global.go
	fuseConstTimes,               // opt_mulconst.go
	single(fuseGlobalOp),         // opt_global.go
	single(fuseMulConst),         // opt_mulconst.go
	fuseAccumulate,               // opt_accumulate.go
	single(fuseLocalLocalStore),  // opt_localop.go
	single(fuseIncLocal),         // opt_inclocal.go
	single(fuseLocalConstOp),     // opt_localconst.go
	single(fuseLocalLocalOp),     // opt_localop.go
	single(fuseMove2),            // opt_move.go
	single(fuseMove),             // opt_move.go
	single(fuseReturnLocal),      // opt_move.go
	single(fuseLoad2),            // opt_move.go
	single(fuseLoadPair),         // opt_move.go
}

// optimize rewrites f.Code with superinstructions, never fusing across a jump target,
// and remaps jump targets and positions.
func optimize(p *bytecode.Program, f *bytecode.Func) {
	threadJumps(f) // opt_thread.go
	code := f.Code
	target := make([]bool, len(code)+1)
	for _, in := range code {
		if operand, ok := in.Op.JumpOperand(); ok {
			t := in.A
			if operand == 'C' {
				t = in.C
			}
			target[t] = true
		}
	}
	newPC := make([]int32, len(code)+1)
	out := make([]bytecode.Instr, 0, len(code))
	pos := make([]token.Pos, 0, len(code))
	for i := 0; i < len(code); {
		n := 0
		var fused []bytecode.Instr
		for _, r := range rules {
			fused, n = r(p, code, i)
			if n > 0 {
				for k := i + 1; k < i+n; k++ {
					if target[k] {
						n = 0
					}
				}
			}
			if n > 0 {
				break
			}
		}
		newPC[i] = int32(len(out))
		if n == 0 {
			out = append(out, code[i])
			pos = append(pos, f.Pos[i])
			i++
			continue
		}
		for k := i + 1; k < i+n; k++ {
			newPC[k] = int32(len(out))
		}
		for _, in := range fused {
			out = append(out, in)
			// The position of a fused instruction is that of the instruction that can
			// fail last (the operation rather than the loads).
			pos = append(pos, f.Pos[i+n-1])
		}
		i += n
	}
	newPC[len(code)] = int32(len(out))
	for k := range out {
		in := &out[k]
		if operand, ok := in.Op.JumpOperand(); ok {
			if operand == 'C' {
				in.C = newPC[in.C]
			} else {
				in.A = newPC[in.A]
			}
		}
	}
	f.Code, f.Pos = out, pos
	fuseForLoops(p, f) // opt_forloop.go: needs final jump targets
}

// at returns the instruction at i, or NOP past the end.
func at(code []bytecode.Instr, i int) bytecode.Instr {
	if i < len(code) {
		return code[i]
	}
	return bytecode.Instr{Op: bytecode.NOP}
}

// isNumConst reports whether in loads a number constant.
func isNumConst(p *bytecode.Program, in bytecode.Instr) bool {
	return in.Op == bytecode.CONST && p.Consts[in.A].Kind == bytecode.ConstNumber
}
