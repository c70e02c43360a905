// Package bytecode defines the instruction set and the compiled form of a script. It owns
// the encoding only: it must never compile source or execute instructions, and a compiled
// Program is immutable once built.
package bytecode

import (
	"fmt"
	"strings"

	"github.com/nanotick/nanotick/vm/token"
)

// Op is an opcode. Opcodes are dense small integers so that the interpreter's switch
// compiles to a jump table.
type Op uint8

// Instr is one instruction. Operand meaning depends on Op; see the opcode comments.
// Fixed-size instructions cost one bounds check per dispatch rather than one per operand.
type Instr struct {
	Op      Op
	A, B, C int32
}

// The opcodes. Stack effects are written [before] -> [after]; "L" is a local slot,
// "K" a constant, "G" a global, "U" a captured cell of the running closure.
const (
	NOP       Op = iota
	CONST        // A=const: -> v
	UNDEF        // -> undefined
	LOADL        // A=slot: -> L[A]
	STOREL       // A=slot: v ->
	LOADC        // A=slot holding a cell: -> cell value
	STOREC       // A=slot holding a cell: v ->
	LOADU        // A=capture index: -> value
	STOREU       // A=capture index: v ->
	LOADG        // A=global: -> G[A]
	STOREG       // A=global: v ->
	NEWCELL      // A=slot: L[A] = new cell holding undefined
	RECELL       // A=slot: L[A] = new cell holding the old cell's value (per-iteration let)
	POP          // v ->
	DUP          // v -> v v
	DUP2         // a b -> a b a b
	DROPUNDER    // A=n: x1..xn v -> v
	ADD          // a b -> a+b
	SUB
	MUL
	DIV
	MOD
	POW
	BAND
	BOR
	BXOR
	SHL
	SHR
	USHR
	LT
	LE
	GT
	GE
	SEQ
	SNE
	NEG    // a -> -a
	PLUS   // a -> +a (number check only)
	NOT    // a -> !a
	BITNOT // a -> ~a
	TYPEOF // a -> typeof a
	TONUM  // a -> a, failing unless a is a number
	JMP    // A=target
	JMPF   // A=target: v -> ; jump if v is falsy
	JMPT   // A=target: v -> ; jump if v is truthy
	JFK    // A=target: v -> v and jump if falsy, else v ->
	JTK    // A=target: v -> v and jump if truthy, else v ->
	JNNK   // A=target: v -> v and jump if not null/undefined, else v ->
	LOOP   // A=target, B=the loop's length (head to LOOP), charged to the budget: backward jump
	CALL   // A=argc: f a1..an -> r
	CALLHOST
	// CALLHOST A=host function, B=argc: a1..an -> r
	BUILTIN // A=builtin id, B=argc: a1..an -> r
	METHOD  // A=name, B=argc: recv a1..an -> r
	CLOSURE // A=function: -> closure
	ARRAY   // A=n: e1..en -> array
	NEWARR  // n -> new Array(n)
	OBJECT  // A=shape: v1..vn -> object
	CONCAT  // A=n: v1..vn -> string (template literal)
	GETPROP // A=name: o -> o.name
	SETPROP // A=name: o v -> v
	GETIDX  // a i -> a[i]
	SETIDX  // a i v -> v
	UPDL    // A=slot, B=delta, C=1 if postfix: -> result of ++/-- on a local
	UPDC    // same on a cell in a local slot
	UPDU    // same on a captured cell
	UPDG    // same on a global
	UPDIDX  // B=delta, C=postfix: a i -> result
	UPDPROP // A=name, B=delta, C=postfix: o -> result
	FORNEXT // A=iterable slot, B=index slot, C=exit target: -> next element, or jump
	RET     // v -> (returns v)
	RETU    // returns undefined

	// Superinstructions, produced by the peephole optimizer (see opt_*.go in compiler).
	INCL   // A=slot, B=const: L[A] += K[B] (statement form, no result)
	ADDLK  // A=slot, B=const: -> L[A] + K[B]
	SUBLK  // A=slot, B=const: -> L[A] - K[B]
	ADDLL  // A, B=slots: -> L[A] + L[B]
	SUBLL  // A, B=slots: -> L[A] - L[B]
	MULLL  // A, B=slots: -> L[A] * L[B]
	JNLTLK // A=slot, B=const, C=target: jump unless L[A] < K[B]
	JNLELK
	JNGTLK
	JNGELK
	JNLTLL // A, B=slots, C=target: jump unless L[A] < L[B]
	JNLELL
	JNGTLL
	JNGELL
	JNLT // C=target: a b -> ; jump unless a < b
	JNLE
	JNGT
	JNGE
	MOVLL    // A=dst slot, B=src slot: L[A] = L[B]
	STORELP  // A=slot: v -> v, storing into L[A] and keeping the value (assignment expression)
	LOADL2   // A, B=slots: -> L[A] L[B]
	GETIDXLL // A=array slot, B=index slot: -> L[A][L[B]]
	RETL     // A=slot: return L[A]
	LOADSELF // -> the running function (for named function expressions)
	ADDTOL   // A=slot: v -> ; L[A] = L[A] + v (accumulation s += expr)
	// FORINC A=slot, B=const, C=loop head: L[A] += K[B], then, as the head instruction
	// JN??LK at C would, either continues at C+1 or leaves to the head's exit target.
	FORINC
	ADDLLS // A, B, C=slots: L[C] = L[A] + L[B]
	SUBLLS // A, B, C=slots: L[C] = L[A] - L[B]
	MULLLS // A, B, C=slots: L[C] = L[A] * L[B]
	SUBTOL // A=slot: v -> ; L[A] = L[A] - v
	ADDTOG // A=global: v -> ; G[A] = G[A] + v
	SUBTOG // A=global: v -> ; G[A] = G[A] - v
	MOVLK  // A=slot, B=const: L[A] = K[B]
	LOADLK // A=slot, B=const: -> L[A] K[B]
	LOADKL // A=const, B=slot: -> K[A] L[B]
	LOADGK // A=global, B=const: -> G[A] K[B]
	LOADLG // A=slot, B=global: -> L[A] G[B]
	LOADGL // A=global, B=slot: -> G[A] L[B]
	LOADGG // A, B=globals: -> G[A] G[B]
	// MOV2 A=dst1<<16|src1, B=dst2<<16|src2: two local moves in sequence (a = b; b = t).
	MOV2
	// FORLTK A=slot, B=const limit, C=loop head: L[A] += 1, then continue at C+1 while
	// L[A] < K[B], else at the head's exit. FORLTL is the same with a local limit slot B.
	FORLTK
	FORLTL
	STOREGC // A=global: v -> ; an assignment, failing if the declaration has not run yet
	// Superinstructions with a global operand (compiler/opt_global.go): a strategy keeps
	// its state in top-level variables, so its per-tick code reads and writes globals.
	JFG    // A=global, C=target: jump if G[A] is falsy
	JTG    // A=global, C=target: jump if G[A] is truthy
	JNLTGK // A=global, B=const, C=target: jump unless G[A] < K[B]
	JNLEGK
	JNGTGK
	JNGEGK
	MOVGL // A=global, B=slot, C=1 if the declaration must have run (STOREGC): G[A] = L[B]
	ADDGG // A, B=globals: -> G[A] + G[B]
	SUBGG
	MULGG
	ADDG // A=global: a -> a + G[A]
	SUBG
	MULG
	ADDLG // A=slot, B=global: -> L[A] + G[B]
	SUBLG
	MULLG
	// MULK B=const, C=1 if the constant was the left operand (for error messages):
	// a -> a * K[B]. Multiplication of numbers commutes, so k * x compiles to x; MULK k.
	MULK
	DIVK  // B=const: a -> a / K[B]
	JNSEQ // C=target: a b -> ; jump unless a === b
	JNSNE // C=target: a b -> ; jump unless a !== b
	NumOps
)

var opNames = [...]string{
	NOP: "NOP", CONST: "CONST", UNDEF: "UNDEF", LOADL: "LOADL", STOREL: "STOREL", LOADC: "LOADC",
	STOREC: "STOREC", LOADU: "LOADU", STOREU: "STOREU", LOADG: "LOADG", STOREG: "STOREG",
	NEWCELL: "NEWCELL", RECELL: "RECELL", POP: "POP", DUP: "DUP", DUP2: "DUP2", DROPUNDER: "DROPUNDER",
	ADD: "ADD", SUB: "SUB", MUL: "MUL", DIV: "DIV", MOD: "MOD", POW: "POW", BAND: "BAND", BOR: "BOR",
	BXOR: "BXOR", SHL: "SHL", SHR: "SHR", USHR: "USHR", LT: "LT", LE: "LE", GT: "GT", GE: "GE",
	SEQ: "SEQ", SNE: "SNE", NEG: "NEG", PLUS: "PLUS", NOT: "NOT", BITNOT: "BITNOT", TYPEOF: "TYPEOF",
	TONUM: "TONUM", JMP: "JMP", JMPF: "JMPF", JMPT: "JMPT", JFK: "JFK", JTK: "JTK", JNNK: "JNNK",
	LOOP: "LOOP", CALL: "CALL", CALLHOST: "CALLHOST", BUILTIN: "BUILTIN", METHOD: "METHOD",
	CLOSURE: "CLOSURE", ARRAY: "ARRAY", NEWARR: "NEWARR", OBJECT: "OBJECT", CONCAT: "CONCAT",
	GETPROP: "GETPROP", SETPROP: "SETPROP", GETIDX: "GETIDX", SETIDX: "SETIDX", UPDL: "UPDL",
	UPDC: "UPDC", UPDU: "UPDU", UPDG: "UPDG", UPDIDX: "UPDIDX", UPDPROP: "UPDPROP", FORNEXT: "FORNEXT",
	RET: "RET", RETU: "RETU", INCL: "INCL", ADDLK: "ADDLK", SUBLK: "SUBLK", ADDLL: "ADDLL",
	SUBLL: "SUBLL", MULLL: "MULLL", JNLTLK: "JNLTLK", JNLELK: "JNLELK", JNGTLK: "JNGTLK",
	JNGELK: "JNGELK", JNLTLL: "JNLTLL", JNLELL: "JNLELL", JNGTLL: "JNGTLL", JNGELL: "JNGELL",
	JNLT: "JNLT", JNLE: "JNLE", JNGT: "JNGT", JNGE: "JNGE", MOVLL: "MOVLL", STORELP: "STORELP",
	LOADL2: "LOADL2", GETIDXLL: "GETIDXLL", RETL: "RETL", LOADSELF: "LOADSELF", ADDTOL: "ADDTOL", FORINC: "FORINC", ADDLLS: "ADDLLS", SUBLLS: "SUBLLS", MULLLS: "MULLLS", SUBTOL: "SUBTOL", ADDTOG: "ADDTOG", SUBTOG: "SUBTOG",
	MOVLK: "MOVLK", LOADLK: "LOADLK", LOADKL: "LOADKL", LOADGK: "LOADGK", LOADLG: "LOADLG", LOADGL: "LOADGL", LOADGG: "LOADGG", MOV2: "MOV2", FORLTK: "FORLTK", FORLTL: "FORLTL", STOREGC: "STOREGC",
	JFG: "JFG", JTG: "JTG", JNLTGK: "JNLTGK", JNLEGK: "JNLEGK", JNGTGK: "JNGTGK", JNGEGK: "JNGEGK",
	MOVGL: "MOVGL", ADDGG: "ADDGG", SUBGG: "SUBGG", MULGG: "MULGG", ADDG: "ADDG", SUBG: "SUBG", MULG: "MULG",
	ADDLG: "ADDLG", SUBLG: "SUBLG", MULLG: "MULLG", MULK: "MULK",
	DIVK: "DIVK", JNSEQ: "JNSEQ", JNSNE: "JNSNE",
}

// String returns the opcode's mnemonic.
func (op Op) String() string {
	if int(op) < len(opNames) && opNames[op] != "" {
		return opNames[op]
	}
	return fmt.Sprintf("OP(%d)", int(op))
}

// IsJump reports whether the instruction's target operand is A (or C for the fused
// compare-and-jump forms); the optimizer uses it to remap targets.
func (op Op) JumpOperand() (operand byte, ok bool) {
	switch op {
	case JMP, JMPF, JMPT, JFK, JTK, JNNK, LOOP:
		return 'A', true
	case FORNEXT, JNLTLK, JNLELK, JNGTLK, JNGELK, JNLTLL, JNLELL, JNGTLL, JNGELL, JNLT, JNLE, JNGT, JNGE, FORINC, FORLTK, FORLTL,
		JFG, JTG, JNLTGK, JNLEGK, JNGTGK, JNGEGK, JNSEQ, JNSNE:
		return 'C', true
	}
	return 0, false
}

// ConstKind says what a constant is.
type ConstKind uint8

// The constant kinds.
const (
	ConstNumber ConstKind = iota
	ConstString
	ConstUndefined
	ConstNull
	ConstTrue
	ConstFalse
)

// Const is a constant operand.
type Const struct {
	Kind ConstKind
	Num  float64
	Str  int // index into Program.Strings
}

// Capture says where a new closure takes one captured cell from.
type Capture struct {
	FromLocal bool
	Index     int
}

// Func is one compiled function.
type Func struct {
	Name      string
	NumParams int
	NumSlots  int // parameters and locals
	MaxStack  int // operand stack depth above the slots
	Code      []Instr
	Pos       []token.Pos // source position of each instruction
	Captures  []Capture
	// CellParams lists parameters that are captured and must be moved into cells on entry.
	CellParams []int
	Decl       token.Pos
}

// Program is a compiled script.
type Program struct {
	File    string
	Funcs   []*Func // Funcs[0] is the top level
	Consts  []Const
	Strings []string  // interned string constants and property names
	Shapes  [][]int32 // object literal shapes: property name string indices
	Globals []string  // global names by slot
	// GlobalFuncs maps the names of top-level function declarations to their global slot.
	GlobalFuncs map[string]int
	// GlobalFuncCode maps the names of top-level function declarations to their index in
	// Funcs, so a host can call them before the top level has run.
	GlobalFuncCode map[string]int
}

// Disassemble returns a readable listing of fn, for tests and debugging.
func (p *Program) Disassemble(fn *Func) string {
	var b strings.Builder
	fmt.Fprintf(&b, "func %s params=%d slots=%d stack=%d\n", fn.Name, fn.NumParams, fn.NumSlots, fn.MaxStack)
	for pc, in := range fn.Code {
		fmt.Fprintf(&b, "%4d %-9s %d %d %d", pc, in.Op, in.A, in.B, in.C)
		if in.Op == CONST && int(in.A) < len(p.Consts) {
			c := p.Consts[in.A]
			switch c.Kind {
			case ConstNumber:
				fmt.Fprintf(&b, "\t; %v", c.Num)
			case ConstString:
				fmt.Fprintf(&b, "\t; %q", p.Strings[c.Str])
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// Builtin identifies a builtin function called with BUILTIN.
type Builtin int32

// The builtin functions.
const (
	MathAbs Builtin = iota
	MathMin
	MathMax
	MathFloor
	MathCeil
	MathRound
	MathTrunc
	MathSign
	MathSqrt
	MathCbrt
	MathExp
	MathLog
	MathLog2
	MathLog10
	MathPow
	MathHypot
	MathSin
	MathCos
	MathTan
	MathAsin
	MathAcos
	MathAtan
	MathAtan2
	MathSinh
	MathCosh
	MathTanh
	MathExpm1
	MathLog1p
	MathFround
	NumberIsFinite
	NumberIsNaN
	NumberIsInteger
	GlobalIsFinite
	GlobalIsNaN
	ConsoleLog
	ArrayIsArray
	NumBuiltins
)

// Builtins maps "namespace.name" (or a bare global name) to the builtin.
var Builtins = map[string]Builtin{
	"Math.abs": MathAbs, "Math.min": MathMin, "Math.max": MathMax, "Math.floor": MathFloor,
	"Math.ceil": MathCeil, "Math.round": MathRound, "Math.trunc": MathTrunc, "Math.sign": MathSign,
	"Math.sqrt": MathSqrt, "Math.cbrt": MathCbrt, "Math.exp": MathExp, "Math.log": MathLog,
	"Math.log2": MathLog2, "Math.log10": MathLog10, "Math.pow": MathPow, "Math.hypot": MathHypot,
	"Math.sin": MathSin, "Math.cos": MathCos, "Math.tan": MathTan, "Math.asin": MathAsin,
	"Math.acos": MathAcos, "Math.atan": MathAtan, "Math.atan2": MathAtan2, "Math.sinh": MathSinh,
	"Math.cosh": MathCosh, "Math.tanh": MathTanh, "Math.expm1": MathExpm1, "Math.log1p": MathLog1p,
	"Math.fround":     MathFround,
	"Number.isFinite": NumberIsFinite, "Number.isNaN": NumberIsNaN, "Number.isInteger": NumberIsInteger,
	"isFinite": GlobalIsFinite, "isNaN": GlobalIsNaN, "console.log": ConsoleLog, "Array.isArray": ArrayIsArray,
}

// BuiltinNames is the inverse of Builtins, for error messages.
var BuiltinNames = func() []string {
	n := make([]string, NumBuiltins)
	for k, v := range Builtins {
		n[v] = k
	}
	return n
}()
