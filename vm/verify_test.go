package vm

import (
	"strings"
	"testing"

	"github.com/nanotick/nanotick/vm/bytecode"
)

// TestVerifyCode checks that code runFast could walk out of is refused.
func TestVerifyCode(t *testing.T) {
	ret := bytecode.Instr{Op: bytecode.RETU}
	tests := []struct {
		name string
		code []bytecode.Instr
		err  string
	}{
		{"fine", []bytecode.Instr{{Op: bytecode.JMP, A: 1}, ret}, ""},
		{"empty", nil, "no code"},
		{"no return at the end", []bytecode.Instr{ret, {Op: bytecode.JMP, A: 0}}, "does not end with a return"},
		{"jump past the end", []bytecode.Instr{{Op: bytecode.JMP, A: 2}, ret}, "jump target 2 out of range"},
		{"negative jump", []bytecode.Instr{{Op: bytecode.JNLTLK, C: -1}, ret}, "jump target -1 out of range"},
		{"loop head exit out of range", []bytecode.Instr{{Op: bytecode.JNLTLK, C: 9}, {Op: bytecode.FORLTK, C: 0}, ret}, "jump target 9 out of range"},
		{"backward jump", []bytecode.Instr{{Op: bytecode.NOP}, {Op: bytecode.JMP, A: 0}, ret}, "backward jump to 0 outside a loop instruction"},
		{"jump to itself", []bytecode.Instr{{Op: bytecode.JMPT, A: 0}, ret}, "backward jump to 0"},
		{"loop back-edge", []bytecode.Instr{{Op: bytecode.NOP}, {Op: bytecode.LOOP, A: 0, B: 2}, ret}, ""},
		{"loop with a wrong cost", []bytecode.Instr{{Op: bytecode.NOP}, {Op: bytecode.LOOP, A: 0, B: 1}, ret}, "cost 1, want the loop's length 2"},
		{"fused loop increment without its LOOP", []bytecode.Instr{{Op: bytecode.JNLTLK, C: 2}, {Op: bytecode.FORLTK, C: 0}, ret}, "not followed by its loop's LOOP"},
		{"fused loop increment with a bad head", []bytecode.Instr{{Op: bytecode.NOP, C: 7}, {Op: bytecode.FORLTK, C: 0}, ret}, "loop head 0 has an exit out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &bytecode.Func{Code: tt.code}
			err := verifyCode(&bytecode.Program{Funcs: []*bytecode.Func{f}})
			switch {
			case tt.err == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
				t.Fatalf("error %v, want %q", err, tt.err)
			case err == nil && cap(f.Code) <= len(f.Code):
				t.Fatalf("no spare capacity after the code: len %d cap %d", len(f.Code), cap(f.Code))
			}
		})
	}
}
