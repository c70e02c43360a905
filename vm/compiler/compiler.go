// Package compiler translates a resolved syntax tree into bytecode. It owns code
// generation and the peephole optimizations (one file per optimization, opt_*.go); it
// must never look names up (the resolver has bound them to slots) and never execute code.
package compiler

import (
	"fmt"
	"math"

	"github.com/nanotick/nanotick/vm/ast"
	"github.com/nanotick/nanotick/vm/bytecode"
	"github.com/nanotick/nanotick/vm/token"
)

// Config tells the compiler about host registrations.
type Config struct {
	// HostMethod returns the host function index of obj.method.
	HostMethod func(obj, method string) (int, bool)
	// HostConst returns the constant registered under a host constant's slot.
	HostConst func(slot int) (kind bytecode.ConstKind, num float64, str string)
	// HostArity returns the argument counts a host function accepts (max < 0: any).
	HostArity func(idx int) (min, max int)
	// HostName returns a host function's name, for messages.
	HostName func(idx int) string
	// HostStringArg, if set, checks a host function's first argument when the script
	// passes a string literal, so that a bad one is a compile error at its position
	// (instrument("BTCUSDT") lacks its venue).
	HostStringArg func(idx int, arg string) error
	// HostChecked reports whether the host checks calls of function idx, and
	// HostCallCheck checks one (see CallSite): it returns the index of the argument at
	// fault (-1: the call) and the error, which becomes a compile error there.
	HostChecked   func(idx int) bool
	HostCallCheck func(site *CallSite) (arg int, err error)
	// NoOptimize disables the peephole optimizer (for tests and benchmarks).
	NoOptimize bool
}

// builtinConsts are the builtin values compiled as constants.
var builtinConsts = map[string]float64{
	"Math.PI": math.Pi, "Math.E": math.E, "Math.LN2": math.Ln2, "Math.LN10": math.Ln10,
	"Math.LOG2E": math.Log2E, "Math.LOG10E": math.Log10E, "Math.SQRT2": math.Sqrt2,
	"Math.SQRT1_2":            math.Sqrt2 / 2,
	"Number.MAX_SAFE_INTEGER": 9007199254740991, "Number.MIN_SAFE_INTEGER": -9007199254740991,
	"Number.MAX_VALUE": math.MaxFloat64, "Number.MIN_VALUE": 5e-324, "Number.EPSILON": 2.220446049250313e-16,
	"Number.POSITIVE_INFINITY": math.Inf(1), "Number.NEGATIVE_INFINITY": math.Inf(-1), "Number.NaN": math.NaN(),
	"NaN": math.NaN(), "Infinity": math.Inf(1),
}

type compiler struct {
	cfg    Config
	prog   *bytecode.Program
	strIdx map[string]int
	numIdx map[uint64]int
	// constIdx indexes the other constants by kind and string index: a linear search
	// made compiling n distinct strings O(n²).
	constIdx map[[2]int]int
	shapes   map[string]int
	fn       *fstate
	errs     []ast.Error
}

type fstate struct {
	lit        *ast.FuncLit
	f          *bytecode.Func
	depth, max int
	ctxs       []*branchCtx
	pendLabels []string // labels that apply to the next loop
}

// branchCtx is a statement that break or continue can target.
type branchCtx struct {
	labels    []string
	loop      bool // continue is allowed
	breakable bool // unlabeled break targets it (loops and switch)
	breaks    []int
	conts     []int
}

// Compile compiles a resolved file.
func Compile(file *ast.File, cfg Config) (*bytecode.Program, []ast.Error) {
	c := &compiler{
		cfg:    cfg,
		prog:   &bytecode.Program{File: file.Name, GlobalFuncs: map[string]int{}, GlobalFuncCode: map[string]int{}},
		strIdx: map[string]int{},
		numIdx: map[uint64]int{},
		shapes: map[string]int{},
	}
	for _, g := range file.Globals {
		c.prog.Globals = append(c.prog.Globals, g.Name)
		if g.IsFunc {
			c.prog.GlobalFuncs[g.Name] = g.Slot
		}
	}
	c.function(file.Main, "<main>")
	return c.prog, c.errs
}

func (c *compiler) errorf(pos token.Pos, hint, format string, args ...any) {
	if len(c.errs) < 20 {
		c.errs = append(c.errs, ast.Error{Pos: pos, Msg: fmt.Sprintf(format, args...), Hint: hint})
	}
}

// ---- Constants ----

func (c *compiler) str(s string) int {
	if i, ok := c.strIdx[s]; ok {
		return i
	}
	c.prog.Strings = append(c.prog.Strings, s)
	c.strIdx[s] = len(c.prog.Strings) - 1
	return len(c.prog.Strings) - 1
}

func (c *compiler) constant(k bytecode.Const) int32 {
	var key uint64
	switch k.Kind {
	case bytecode.ConstNumber:
		key = math.Float64bits(k.Num)
		if k.Num != k.Num {
			key = 0x7FF8000000000000
		}
		if i, ok := c.numIdx[key]; ok {
			return int32(i)
		}
	default:
		if i, ok := c.constIdx[[2]int{int(k.Kind), k.Str}]; ok {
			return int32(i)
		}
	}
	c.prog.Consts = append(c.prog.Consts, k)
	i := len(c.prog.Consts) - 1
	if k.Kind == bytecode.ConstNumber {
		c.numIdx[key] = i
	} else {
		if c.constIdx == nil {
			c.constIdx = map[[2]int]int{}
		}
		c.constIdx[[2]int{int(k.Kind), k.Str}] = i
	}
	return int32(i)
}

func (c *compiler) numConst(f float64) int32 {
	return c.constant(bytecode.Const{Kind: bytecode.ConstNumber, Num: f})
}

func (c *compiler) strConst(s string) int32 {
	return c.constant(bytecode.Const{Kind: bytecode.ConstString, Str: c.str(s)})
}

// ---- Emission ----

// stackEffect is the fixed operand-stack effect of each opcode; variable ones are
// handled in emit.
var stackEffect = [bytecode.NumOps]int{
	bytecode.CONST: 1, bytecode.UNDEF: 1, bytecode.LOADL: 1, bytecode.STOREL: -1, bytecode.LOADC: 1,
	bytecode.STOREC: -1, bytecode.LOADU: 1, bytecode.STOREU: -1, bytecode.LOADG: 1, bytecode.STOREG: -1, bytecode.STOREGC: -1,
	bytecode.POP: -1, bytecode.DUP: 1, bytecode.DUP2: 2,
	bytecode.ADD: -1, bytecode.SUB: -1, bytecode.MUL: -1, bytecode.DIV: -1, bytecode.MOD: -1,
	bytecode.POW: -1, bytecode.BAND: -1, bytecode.BOR: -1, bytecode.BXOR: -1, bytecode.SHL: -1,
	bytecode.SHR: -1, bytecode.USHR: -1, bytecode.LT: -1, bytecode.LE: -1, bytecode.GT: -1,
	bytecode.GE: -1, bytecode.SEQ: -1, bytecode.SNE: -1,
	bytecode.JMPF: -1, bytecode.JMPT: -1, bytecode.JFK: -1, bytecode.JTK: -1, bytecode.JNNK: -1,
	bytecode.CLOSURE: 1, bytecode.SETPROP: -1, bytecode.GETIDX: -1, bytecode.SETIDX: -2,
	bytecode.UPDL: 1, bytecode.UPDC: 1, bytecode.UPDU: 1, bytecode.UPDG: 1, bytecode.UPDIDX: -1,
	bytecode.FORNEXT: 1, bytecode.RET: -1, bytecode.LOADSELF: 1,
	bytecode.ADDTOL: -1, bytecode.SUBTOL: -1, bytecode.ADDTOG: -1, bytecode.SUBTOG: -1,
}

func (c *compiler) emit(pos token.Pos, op bytecode.Op, a, b, cc int32) int {
	f := c.fn
	f.f.Code = append(f.f.Code, bytecode.Instr{Op: op, A: a, B: b, C: cc})
	f.f.Pos = append(f.f.Pos, pos)
	d := stackEffect[op]
	switch op {
	case bytecode.DROPUNDER:
		d = -int(a)
	case bytecode.CALL:
		d = -int(a)
	case bytecode.CALLHOST, bytecode.BUILTIN:
		d = 1 - int(b)
	case bytecode.METHOD:
		d = -int(b)
	case bytecode.ARRAY, bytecode.CONCAT:
		d = 1 - int(a)
	case bytecode.OBJECT:
		d = 1 - len(c.prog.Shapes[a])
	}
	f.depth += d
	if f.depth > f.max {
		f.max = f.depth
	}
	return len(f.f.Code) - 1
}

func (c *compiler) pc() int { return len(c.fn.f.Code) }

// patch points the jump at pc to the current end of code.
func (c *compiler) patch(pc int) {
	in := &c.fn.f.Code[pc]
	if operand, _ := in.Op.JumpOperand(); operand == 'C' {
		in.C = int32(c.pc())
	} else {
		in.A = int32(c.pc())
	}
}

// ---- Functions ----

func (c *compiler) function(lit *ast.FuncLit, name string) int {
	f := &bytecode.Func{Name: name, NumParams: len(lit.Params), Decl: lit.FuncPos}
	for _, cp := range lit.Captures {
		f.Captures = append(f.Captures, bytecode.Capture{FromLocal: cp.FromLocal, Index: cp.Index})
	}
	idx := len(c.prog.Funcs)
	c.prog.Funcs = append(c.prog.Funcs, f)
	outer := c.fn
	c.fn = &fstate{lit: lit, f: f}
	for _, p := range lit.Params {
		if p.Obj != nil && p.Obj.Captured {
			// Move the argument into a heap cell so closures share it.
			c.emit(p.NamePos, bytecode.LOADL, int32(p.Obj.Slot), 0, 0)
			c.emit(p.NamePos, bytecode.NEWCELL, int32(p.Obj.Slot), 0, 0)
			c.emit(p.NamePos, bytecode.STOREC, int32(p.Obj.Slot), 0, 0)
		}
	}
	if o := lit.SelfObj; o != nil {
		c.emit(lit.FuncPos, bytecode.LOADSELF, 0, 0, 0)
		if o.Captured {
			c.emit(lit.FuncPos, bytecode.NEWCELL, int32(o.Slot), 0, 0)
			c.emit(lit.FuncPos, bytecode.STOREC, int32(o.Slot), 0, 0)
		} else {
			c.emit(lit.FuncPos, bytecode.STOREL, int32(o.Slot), 0, 0)
		}
	}
	if lit.Body != nil {
		c.blockEntry(lit.Body.List)
		c.stmts(lit.Body.List)
		c.emit(lit.Body.Lbrace, bytecode.RETU, 0, 0, 0)
	} else {
		c.expr(lit.ExprBody)
		c.emit(lit.ExprBody.Pos(), bytecode.RET, 0, 0, 0)
	}
	f.NumSlots = lit.NumSlots
	f.MaxStack = c.fn.max + 1
	if !c.cfg.NoOptimize {
		optimize(c.prog, f)
	}
	setLoopCosts(f)
	c.fn = outer
	return idx
}

// blockEntry creates the heap cells of the block's captured variables and the closures
// of its function declarations, which JavaScript hoists to the start of the block.
func (c *compiler) blockEntry(list []ast.Stmt) {
	for _, s := range list {
		if d, ok := s.(*ast.VarDecl); ok {
			for _, dl := range d.List {
				if o := dl.Name.Obj; o != nil && o.Kind == ast.Local && o.Captured {
					c.emit(dl.Name.NamePos, bytecode.NEWCELL, int32(o.Slot), 0, 0)
				}
			}
		}
		if d, ok := s.(*ast.FuncDecl); ok {
			if o := d.Func.Name.Obj; o != nil && o.Kind == ast.Local && o.Captured {
				c.emit(d.Func.Name.NamePos, bytecode.NEWCELL, int32(o.Slot), 0, 0)
			}
		}
	}
	for _, s := range list {
		if d, ok := s.(*ast.FuncDecl); ok {
			idx := c.function(d.Func, d.Func.Name.Name)
			if o := d.Func.Name.Obj; o != nil && o.Kind == ast.Global {
				c.prog.GlobalFuncCode[o.Name] = idx
			}
			c.emit(d.Func.FuncPos, bytecode.CLOSURE, int32(idx), 0, 0)
			c.store(d.Func.Name, d.Func.FuncPos)
		}
	}
}

// ---- Variables ----

func (c *compiler) load(id *ast.Ident) {
	obj := id.Obj
	if obj == nil {
		c.emit(id.NamePos, bytecode.UNDEF, 0, 0, 0)
		return
	}
	switch obj.Kind {
	case ast.Local:
		switch {
		case id.Upval >= 0:
			c.emit(id.NamePos, bytecode.LOADU, int32(id.Upval), 0, 0)
		case obj.Captured:
			c.emit(id.NamePos, bytecode.LOADC, int32(obj.Slot), 0, 0)
		default:
			c.emit(id.NamePos, bytecode.LOADL, int32(obj.Slot), 0, 0)
		}
	case ast.Global:
		c.emit(id.NamePos, bytecode.LOADG, int32(obj.Slot), 0, 0)
	case ast.HostConst:
		kind, num, s := c.cfg.HostConst(obj.Slot)
		k := bytecode.Const{Kind: kind, Num: num}
		if kind == bytecode.ConstString {
			k.Str = c.str(s)
		}
		c.emit(id.NamePos, bytecode.CONST, c.constant(k), 0, 0)
	case ast.Builtin:
		if id.Name == "undefined" {
			c.emit(id.NamePos, bytecode.UNDEF, 0, 0, 0)
			return
		}
		if v, ok := builtinConsts[id.Name]; ok {
			c.emit(id.NamePos, bytecode.CONST, c.numConst(v), 0, 0)
			return
		}
		c.errorf(id.NamePos, "call its functions directly, e.g. Math.floor(x)", "%s cannot be used as a value", id.Name)
		c.emit(id.NamePos, bytecode.UNDEF, 0, 0, 0)
	case ast.HostFunc:
		c.errorf(id.NamePos, "call it directly: "+id.Name+"(...)", "host function %s cannot be used as a value", id.Name)
		c.emit(id.NamePos, bytecode.UNDEF, 0, 0, 0)
	case ast.HostObj:
		c.errorf(id.NamePos, "call its methods directly: "+id.Name+".method(...)", "host object %s cannot be used as a value", id.Name)
		c.emit(id.NamePos, bytecode.UNDEF, 0, 0, 0)
	}
}

// store pops the top of the stack into the variable.
func (c *compiler) store(id *ast.Ident, pos token.Pos) {
	obj := id.Obj
	if obj == nil {
		c.emit(pos, bytecode.POP, 0, 0, 0)
		return
	}
	switch obj.Kind {
	case ast.Local:
		switch {
		case id.Upval >= 0:
			c.emit(pos, bytecode.STOREU, int32(id.Upval), 0, 0)
		case obj.Captured:
			c.emit(pos, bytecode.STOREC, int32(obj.Slot), 0, 0)
		default:
			c.emit(pos, bytecode.STOREL, int32(obj.Slot), 0, 0)
		}
	case ast.Global:
		c.emit(pos, bytecode.STOREG, int32(obj.Slot), 0, 0)
	default:
		c.emit(pos, bytecode.POP, 0, 0, 0) // the resolver has reported it
	}
}

// ---- Statements ----

func (c *compiler) stmts(list []ast.Stmt) {
	for _, s := range list {
		c.stmt(s)
	}
}

func (c *compiler) stmt(s ast.Stmt) {
	switch s := s.(type) {
	case *ast.VarDecl:
		for _, d := range s.List {
			if d.Init != nil {
				if f, ok := d.Init.(*ast.FuncLit); ok && f.Name == nil {
					c.closure(f, d.Name.Name)
				} else {
					c.expr(d.Init)
				}
			} else {
				c.emit(d.Name.NamePos, bytecode.UNDEF, 0, 0, 0)
			}
			c.store(d.Name, d.Name.NamePos)
		}
	case *ast.FuncDecl:
		// Hoisted: compiled by blockEntry.
	case *ast.ExprStmt:
		c.exprStmt(s.X)
	case *ast.BlockStmt:
		c.blockEntry(s.List)
		c.stmts(s.List)
	case *ast.EmptyStmt:
	case *ast.IfStmt:
		c.ifStmt(s)
	case *ast.ForStmt:
		c.forStmt(s)
	case *ast.ForOfStmt:
		c.forOfStmt(s)
	case *ast.WhileStmt:
		ctx := c.pushCtx(true)
		top := c.pc()
		jexit := c.condJump(s.Cond)
		c.stmt(s.Body)
		c.patchList(ctx.conts)
		c.emit(s.WhilePos, bytecode.LOOP, int32(top), 0, 0)
		if jexit >= 0 {
			c.patch(jexit)
		}
		c.popCtx()
	case *ast.DoWhileStmt:
		ctx := c.pushCtx(true)
		top := c.pc()
		c.stmt(s.Body)
		c.patchList(ctx.conts)
		jexit := c.condJump(s.Cond)
		c.emit(s.DoPos, bytecode.LOOP, int32(top), 0, 0)
		if jexit >= 0 {
			c.patch(jexit)
		}
		c.popCtx()
	case *ast.BranchStmt:
		c.branch(s)
	case *ast.ReturnStmt:
		if s.Result == nil {
			c.emit(s.ReturnPos, bytecode.RETU, 0, 0, 0)
		} else {
			c.expr(s.Result)
			c.emit(s.ReturnPos, bytecode.RET, 0, 0, 0)
		}
	case *ast.SwitchStmt:
		c.switchStmt(s)
	case *ast.LabeledStmt:
		switch s.Stmt.(type) {
		case *ast.ForStmt, *ast.ForOfStmt, *ast.WhileStmt, *ast.DoWhileStmt, *ast.LabeledStmt:
			c.fn.pendLabels = append(c.fn.pendLabels, s.Label.Name)
			c.stmt(s.Stmt)
		default:
			ctx := &branchCtx{labels: []string{s.Label.Name}}
			c.fn.ctxs = append(c.fn.ctxs, ctx)
			c.stmt(s.Stmt)
			c.popCtx()
		}
	default:
		panic(fmt.Sprintf("compiler: unexpected statement %T", s))
	}
}

func (c *compiler) pushCtx(loop bool) *branchCtx {
	ctx := &branchCtx{loop: loop, breakable: true, labels: c.fn.pendLabels}
	c.fn.pendLabels = nil
	c.fn.ctxs = append(c.fn.ctxs, ctx)
	return ctx
}

// popCtx closes the innermost branch context, pointing its breaks here.
func (c *compiler) popCtx() {
	ctx := c.fn.ctxs[len(c.fn.ctxs)-1]
	c.fn.ctxs = c.fn.ctxs[:len(c.fn.ctxs)-1]
	c.patchList(ctx.breaks)
}

func (c *compiler) patchList(pcs []int) {
	for _, pc := range pcs {
		c.patch(pc)
	}
}

func (c *compiler) branch(s *ast.BranchStmt) {
	for i := len(c.fn.ctxs) - 1; i >= 0; i-- {
		ctx := c.fn.ctxs[i]
		if s.Label != nil {
			found := false
			for _, l := range ctx.labels {
				found = found || l == s.Label.Name
			}
			if !found {
				continue
			}
			if s.Tok == token.CONTINUE && !ctx.loop {
				c.errorf(s.TokPos, "continue can only target a loop label", "continue %s does not name a loop", s.Label.Name)
				return
			}
		} else if (s.Tok == token.BREAK && !ctx.breakable) || (s.Tok == token.CONTINUE && !ctx.loop) {
			continue
		}
		pc := c.emit(s.TokPos, bytecode.JMP, 0, 0, 0)
		if s.Tok == token.BREAK {
			ctx.breaks = append(ctx.breaks, pc)
		} else {
			ctx.conts = append(ctx.conts, pc)
		}
		return
	}
	if s.Tok == token.BREAK {
		c.errorf(s.TokPos, "break is only allowed inside a loop, a switch or a labeled block", "syntax error: illegal break statement")
	} else {
		c.errorf(s.TokPos, "continue is only allowed inside a loop", "syntax error: illegal continue statement")
	}
}

// condJump evaluates cond and emits a jump taken when it is falsy; it returns the jump's
// pc, or -1 when the condition is the constant true. && || and ! compile to jumps
// rather than to values (see branchFalse), so the jump may be a list: condJump returns
// a single pc by routing the list through a final jump only when needed.
func (c *compiler) condJump(cond ast.Expr) int {
	if b, ok := ast.Unparen(cond).(*ast.BoolLit); ok && b.Value {
		return -1
	}
	jumps := c.branchFalse(cond)
	if len(jumps) == 1 {
		return jumps[0]
	}
	// Several exits: make them all land on one JMP whose pc the caller patches.
	skip := c.emit(cond.Pos(), bytecode.JMP, 0, 0, 0)
	c.patchList(jumps)
	j := c.emit(cond.Pos(), bytecode.JMP, 0, 0, 0)
	c.patch(skip)
	return j
}

// branchFalse compiles cond as control flow and returns the jumps taken when it is falsy;
// execution falls through when it is truthy.
func (c *compiler) branchFalse(cond ast.Expr) []int {
	switch x := ast.Unparen(cond).(type) {
	case *ast.BinaryExpr:
		switch x.Op {
		case token.LAND:
			return append(c.branchFalse(x.X), c.branchFalse(x.Y)...)
		case token.LOR:
			t := c.branchTrue(x.X)
			f := c.branchFalse(x.Y)
			c.patchList(t)
			return f
		}
	case *ast.UnaryExpr:
		if x.Op == token.NOT {
			return c.branchTrue(x.X)
		}
	}
	c.expr(cond)
	return []int{c.emit(cond.Pos(), bytecode.JMPF, 0, 0, 0)}
}

// branchTrue is branchFalse with the sense inverted.
func (c *compiler) branchTrue(cond ast.Expr) []int {
	switch x := ast.Unparen(cond).(type) {
	case *ast.BinaryExpr:
		switch x.Op {
		case token.LOR:
			return append(c.branchTrue(x.X), c.branchTrue(x.Y)...)
		case token.LAND:
			f := c.branchFalse(x.X)
			t := c.branchTrue(x.Y)
			c.patchList(f)
			return t
		}
	case *ast.UnaryExpr:
		if x.Op == token.NOT {
			return c.branchFalse(x.X)
		}
	}
	c.expr(cond)
	return []int{c.emit(cond.Pos(), bytecode.JMPT, 0, 0, 0)}
}

func (c *compiler) ifStmt(s *ast.IfStmt) {
	var jelse []int
	if b, ok := ast.Unparen(s.Cond).(*ast.BoolLit); !ok || !b.Value {
		jelse = c.branchFalse(s.Cond)
	}
	c.stmt(s.Then)
	if s.Else != nil {
		jend := c.emit(s.IfPos, bytecode.JMP, 0, 0, 0)
		c.patchList(jelse)
		c.stmt(s.Else)
		c.patch(jend)
	} else {
		c.patchList(jelse)
	}
}

func (c *compiler) forStmt(s *ast.ForStmt) {
	var perIter []*ast.Object
	if s.Init != nil {
		if d, ok := s.Init.(*ast.VarDecl); ok {
			c.blockEntry([]ast.Stmt{d})
			for _, dl := range d.List {
				if o := dl.Name.Obj; o != nil && o.Captured && o.Kind == ast.Local {
					perIter = append(perIter, o)
				}
			}
		}
		c.stmt(s.Init)
	}
	ctx := c.pushCtx(true)
	top := c.pc()
	jexit := -1
	if s.Cond != nil {
		jexit = c.condJump(s.Cond)
	}
	c.stmt(s.Body)
	c.patchList(ctx.conts)
	// Each iteration gets a fresh binding of captured loop variables, as in JavaScript.
	for _, o := range perIter {
		c.emit(s.ForPos, bytecode.RECELL, int32(o.Slot), 0, 0)
	}
	if s.Post != nil {
		c.exprStmt(s.Post)
	}
	c.emit(s.ForPos, bytecode.LOOP, int32(top), 0, 0)
	if jexit >= 0 {
		c.patch(jexit)
	}
	c.popCtx()
}

func (c *compiler) forOfStmt(s *ast.ForOfStmt) {
	c.expr(s.Iter)
	c.emit(s.ForPos, bytecode.STOREL, int32(s.IterSlot), 0, 0)
	c.emit(s.ForPos, bytecode.CONST, c.numConst(0), 0, 0)
	c.emit(s.ForPos, bytecode.STOREL, int32(s.IndexSlot), 0, 0)
	ctx := c.pushCtx(true)
	top := c.pc()
	jexit := c.emit(s.Iter.Pos(), bytecode.FORNEXT, int32(s.IterSlot), int32(s.IndexSlot), 0)
	if o := s.Name.Obj; o != nil && o.Captured {
		c.emit(s.Name.NamePos, bytecode.NEWCELL, int32(o.Slot), 0, 0)
	}
	c.store(s.Name, s.Name.NamePos)
	c.stmt(s.Body)
	c.patchList(ctx.conts)
	c.emit(s.ForPos, bytecode.LOOP, int32(top), 0, 0)
	c.patch(jexit)
	c.popCtx()
}

func (c *compiler) switchStmt(s *ast.SwitchStmt) {
	c.expr(s.Tag)
	c.emit(s.SwitchPos, bytecode.STOREL, int32(s.TagSlot), 0, 0)
	var all []ast.Stmt
	for _, cl := range s.Cases {
		all = append(all, cl.Body...)
	}
	c.blockEntry(all)
	jumps := make([]int, len(s.Cases))
	for i, cl := range s.Cases {
		if cl.Test == nil {
			continue
		}
		c.emit(cl.CasePos, bytecode.LOADL, int32(s.TagSlot), 0, 0)
		c.expr(cl.Test)
		c.emit(cl.CasePos, bytecode.SEQ, 0, 0, 0)
		jumps[i] = c.emit(cl.CasePos, bytecode.JMPT, 0, 0, 0)
	}
	jdefault := c.emit(s.SwitchPos, bytecode.JMP, 0, 0, 0)
	ctx := c.pushCtx(false)
	hasDefault := false
	for i, cl := range s.Cases {
		if cl.Test == nil {
			c.patch(jdefault)
			hasDefault = true
		} else {
			c.patch(jumps[i])
		}
		c.stmts(cl.Body)
	}
	if !hasDefault {
		ctx.breaks = append(ctx.breaks, jdefault)
	}
	c.popCtx()
}

// exprStmt compiles an expression whose value is discarded.
func (c *compiler) exprStmt(x ast.Expr) {
	switch x := ast.Unparen(x).(type) {
	case *ast.AssignExpr:
		c.assign(x, false)
	case *ast.UpdateExpr:
		c.update(x, false)
	case *ast.SeqExpr:
		for _, e := range x.List {
			c.exprStmt(e)
		}
	default:
		c.expr(x)
		c.emit(x.Pos(), bytecode.POP, 0, 0, 0)
	}
}
