package compiler

import "github.com/nanotick/nanotick/vm/bytecode"

// Scaling by a constant (0.2 * (px - ema), spread * 0.5, qty * 1e-3) is everywhere in
// strategies. x * k compiles to <x>; CONST k; MUL and k * x to CONST k; <x>; MUL: both
// become <x>; MULK k, one dispatch fewer, and for k * x the constant no longer sits on
// the stack while x is computed. Multiplying numbers commutes exactly in IEEE 754, so
// the result is the same; MULK's C operand keeps the written order for error messages.

// fuseMulConst rewrites CONST k; MUL into MULK k, and CONST k; DIV into DIVK k (basis
// points: x / 1e4).
func fuseMulConst(p *bytecode.Program, code []bytecode.Instr, i int) (bytecode.Instr, int) {
	k, op := at(code, i), at(code, i+1)
	if !isNumConst(p, k) {
		return bytecode.Instr{}, 0
	}
	switch op.Op {
	case bytecode.MUL:
		return bytecode.Instr{Op: bytecode.MULK, B: k.A}, 2
	case bytecode.DIV:
		return bytecode.Instr{Op: bytecode.DIVK, B: k.A}, 2
	}
	return bytecode.Instr{}, 0
}

// singlePushFusers produce, among others, the instructions of pushesOne.
var singlePushFusers = []fuser{fuseLocalLocalOp, fuseLocalConstOp, fuseGlobalOp}

// pushesOne holds the fused instructions that push one value computed from locals,
// globals and constants and pop nothing.
var pushesOne = map[bytecode.Op]bool{
	bytecode.ADDLL: true, bytecode.SUBLL: true, bytecode.MULLL: true, bytecode.GETIDXLL: true,
	bytecode.ADDLK: true, bytecode.SUBLK: true,
	bytecode.ADDGG: true, bytecode.SUBGG: true, bytecode.MULGG: true,
	bytecode.ADDLG: true, bytecode.SUBLG: true, bytecode.MULLG: true,
}

// fuseConstTimes rewrites CONST k; X; MUL into X; MULK k (with C=1) where X is a
// single load or one of singlePushFusers' fusions.
func fuseConstTimes(p *bytecode.Program, code []bytecode.Instr, i int) ([]bytecode.Instr, int) {
	k := at(code, i)
	if !isNumConst(p, k) {
		return nil, 0
	}
	var x bytecode.Instr
	n := 0
	for _, f := range singlePushFusers {
		if x, n = f(p, code, i+1); n > 0 {
			break
		}
	}
	if n == 0 || !pushesOne[x.Op] {
		x, n = at(code, i+1), 1
		if x.Op != bytecode.LOADL && x.Op != bytecode.LOADG {
			return nil, 0
		}
	}
	if at(code, i+1+n).Op != bytecode.MUL {
		return nil, 0
	}
	return []bytecode.Instr{x, {Op: bytecode.MULK, B: k.A, C: 1}}, n + 2
}
