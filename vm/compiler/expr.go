package compiler

import (
	"fmt"
	"strings"

	"github.com/nanotick/nanotick/vm/ast"
	"github.com/nanotick/nanotick/vm/bytecode"
	"github.com/nanotick/nanotick/vm/token"
)

var binOps = map[token.Kind]bytecode.Op{
	token.ADD: bytecode.ADD, token.SUB: bytecode.SUB, token.MUL: bytecode.MUL, token.DIV: bytecode.DIV,
	token.MOD: bytecode.MOD, token.POW: bytecode.POW, token.AND: bytecode.BAND, token.OR: bytecode.BOR,
	token.XOR: bytecode.BXOR, token.SHL: bytecode.SHL, token.SHR: bytecode.SHR, token.USHR: bytecode.USHR,
	token.LT: bytecode.LT, token.LE: bytecode.LE, token.GT: bytecode.GT, token.GE: bytecode.GE,
	token.SEQ: bytecode.SEQ, token.SNE: bytecode.SNE,
}

// expr compiles x, leaving exactly one value on the stack.
func (c *compiler) expr(x ast.Expr) {
	switch x := x.(type) {
	case *ast.NumberLit:
		c.emit(x.ValuePos, bytecode.CONST, c.numConst(x.Value), 0, 0)
	case *ast.StringLit:
		c.emit(x.ValuePos, bytecode.CONST, c.strConst(x.Value), 0, 0)
	case *ast.BoolLit:
		k := bytecode.ConstFalse
		if x.Value {
			k = bytecode.ConstTrue
		}
		c.emit(x.ValuePos, bytecode.CONST, c.constant(bytecode.Const{Kind: k}), 0, 0)
	case *ast.NullLit:
		c.emit(x.ValuePos, bytecode.CONST, c.constant(bytecode.Const{Kind: bytecode.ConstNull}), 0, 0)
	case *ast.TemplateLit:
		c.template(x)
	case *ast.Ident:
		c.load(x)
	case *ast.ParenExpr:
		c.expr(x.X)
	case *ast.ArrayLit:
		for _, e := range x.Elems {
			c.expr(e)
		}
		c.emit(x.Lbrack, bytecode.ARRAY, int32(len(x.Elems)), 0, 0)
	case *ast.ObjectLit:
		c.objectLit(x)
	case *ast.FuncLit:
		name := "<anonymous>"
		if x.Name != nil {
			name = x.Name.Name
		}
		c.closure(x, name)
	case *ast.SeqExpr:
		for _, e := range x.List[:len(x.List)-1] {
			c.exprStmt(e)
		}
		c.expr(x.List[len(x.List)-1])
	case *ast.UnaryExpr:
		if n, ok := ast.Unparen(x.X).(*ast.NumberLit); ok && x.Op == token.SUB {
			c.emit(x.OpPos, bytecode.CONST, c.numConst(-n.Value), 0, 0) // fold -1 into a constant
			return
		}
		if x.Op == token.TYPEOF {
			if t, ok := c.staticTypeof(x.X); ok {
				c.emit(x.OpPos, bytecode.CONST, c.strConst(t), 0, 0)
				return
			}
		}
		c.expr(x.X)
		op := map[token.Kind]bytecode.Op{token.SUB: bytecode.NEG, token.ADD: bytecode.PLUS,
			token.NOT: bytecode.NOT, token.BITNOT: bytecode.BITNOT, token.TYPEOF: bytecode.TYPEOF}[x.Op]
		c.emit(x.OpPos, op, 0, 0, 0)
	case *ast.UpdateExpr:
		c.update(x, true)
	case *ast.BinaryExpr:
		c.binary(x)
	case *ast.AssignExpr:
		c.assign(x, true)
	case *ast.CondExpr:
		jelse := c.condJump(x.Test)
		c.expr(x.Then)
		if jelse < 0 {
			return
		}
		jend := c.emit(x.QPos, bytecode.JMP, 0, 0, 0)
		c.patch(jelse)
		c.fn.depth--
		c.expr(x.Else)
		c.patch(jend)
	case *ast.CallExpr:
		c.call(x)
	case *ast.NewExpr:
		c.expr(x.Args[0])
		c.emit(x.NewPos, bytecode.NEWARR, 0, 0, 0)
	case *ast.MemberExpr:
		c.member(x)
	case *ast.IndexExpr:
		c.expr(x.X)
		c.expr(x.Index)
		c.emit(x.Lbrack, bytecode.GETIDX, 0, 0, 0)
	default:
		panic(fmt.Sprintf("compiler: unexpected expression %T", x))
	}
}

// staticTypeof answers typeof for builtin and host names, which are not values.
func (c *compiler) staticTypeof(x ast.Expr) (string, bool) {
	switch x := ast.Unparen(x).(type) {
	case *ast.Ident:
		if x.Obj == nil {
			return "", false
		}
		switch x.Obj.Kind {
		case ast.HostFunc:
			return "function", true
		case ast.HostObj:
			return "object", true
		case ast.Builtin:
			switch x.Name {
			case "Math", "console", "Number":
				return "object", true
			case "isFinite", "isNaN", "Array":
				return "function", true
			}
		}
	case *ast.MemberExpr:
		if id, kind, ok := namespaceOf(x.X); ok {
			full := id.Name + "." + x.Name
			if kind == ast.Builtin {
				if _, ok := bytecode.Builtins[full]; ok {
					return "function", true
				}
			} else if _, ok := c.cfg.HostMethod(id.Name, x.Name); ok {
				return "function", true
			}
		}
	}
	return "", false
}

func (c *compiler) closure(f *ast.FuncLit, name string) {
	idx := c.function(f, name)
	c.emit(f.FuncPos, bytecode.CLOSURE, int32(idx), 0, 0)
}

func (c *compiler) template(x *ast.TemplateLit) {
	n := 0
	for i, q := range x.Quasis {
		if q != "" || (i == 0 && len(x.Exprs) == 0) {
			c.emit(x.TPos, bytecode.CONST, c.strConst(q), 0, 0)
			n++
		}
		if i < len(x.Exprs) {
			c.expr(x.Exprs[i])
			n++
		}
	}
	if n == 1 && len(x.Exprs) == 0 {
		return
	}
	c.emit(x.TPos, bytecode.CONCAT, int32(n), 0, 0)
}

func (c *compiler) objectLit(x *ast.ObjectLit) {
	keys := make([]int32, len(x.Props))
	var sig strings.Builder
	for i, p := range x.Props {
		keys[i] = int32(c.str(p.Key))
		fmt.Fprintf(&sig, "%d,", keys[i])
		if f, ok := p.Value.(*ast.FuncLit); ok && f.Name == nil {
			c.closure(f, p.Key)
		} else {
			c.expr(p.Value)
		}
	}
	shape, ok := c.shapes[sig.String()]
	if !ok {
		c.prog.Shapes = append(c.prog.Shapes, keys)
		shape = len(c.prog.Shapes) - 1
		c.shapes[sig.String()] = shape
	}
	c.emit(x.Lbrace, bytecode.OBJECT, int32(shape), 0, 0)
}

// namespaceOf returns the builtin or host object a member expression's receiver names.
func namespaceOf(x ast.Expr) (*ast.Ident, ast.ObjKind, bool) {
	id, ok := ast.Unparen(x).(*ast.Ident)
	if !ok || id.Obj == nil {
		return nil, 0, false
	}
	switch id.Obj.Kind {
	case ast.Builtin, ast.HostObj:
		return id, id.Obj.Kind, true
	}
	return nil, 0, false
}

func (c *compiler) member(x *ast.MemberExpr) {
	if id, kind, ok := namespaceOf(x.X); ok {
		full := id.Name + "." + x.Name
		if kind == ast.Builtin {
			if v, ok := builtinConsts[full]; ok {
				c.emit(x.NamePos, bytecode.CONST, c.numConst(v), 0, 0)
				return
			}
			if _, ok := bytecode.Builtins[full]; ok {
				c.errorf(x.NamePos, "call it directly: "+full+"(...)", "builtin function %s cannot be used as a value", full)
			} else {
				c.errorf(x.NamePos, "", "%s is not supported", full)
			}
		} else {
			if _, ok := c.cfg.HostMethod(id.Name, x.Name); ok {
				c.errorf(x.NamePos, "call it directly: "+full+"(...)", "host function %s cannot be used as a value", full)
			} else {
				c.errorf(x.NamePos, "", "host object %s has no method %s", id.Name, x.Name)
			}
		}
		c.emit(x.NamePos, bytecode.UNDEF, 0, 0, 0)
		return
	}
	c.expr(x.X)
	c.emit(x.NamePos, bytecode.GETPROP, int32(c.str(x.Name)), 0, 0)
}

func (c *compiler) args(args []ast.Expr) {
	for _, a := range args {
		c.expr(a)
	}
}

func (c *compiler) call(x *ast.CallExpr) {
	n := int32(len(x.Args))
	switch fun := ast.Unparen(x.Fun).(type) {
	case *ast.Ident:
		if fun.Obj != nil {
			switch fun.Obj.Kind {
			case ast.HostFunc:
				c.checkArity(x, fun.Obj.Slot)
				c.checkStringArg(x, fun.Obj.Slot)
				c.args(x.Args)
				c.emit(x.Lparen, bytecode.CALLHOST, int32(fun.Obj.Slot), n, 0)
				return
			case ast.HostObj:
				// A callable host object, such as instrument("venue:SYMBOL").
				if h, ok := c.cfg.HostMethod(fun.Name, ""); ok {
					c.checkArity(x, h)
					c.checkStringArg(x, h)
					c.args(x.Args)
					c.emit(x.Lparen, bytecode.CALLHOST, int32(h), n, 0)
					return
				}
			case ast.Builtin:
				if b, ok := bytecode.Builtins[fun.Name]; ok {
					c.args(x.Args)
					c.emit(x.Lparen, bytecode.BUILTIN, int32(b), n, 0)
					return
				}
			}
		}
	case *ast.MemberExpr:
		if id, kind, ok := namespaceOf(fun.X); ok {
			full := id.Name + "." + fun.Name
			if kind == ast.Builtin {
				b, ok := bytecode.Builtins[full]
				if !ok {
					c.errorf(fun.NamePos, "", "%s is not supported", full)
				}
				c.args(x.Args)
				c.emit(x.Lparen, bytecode.BUILTIN, int32(b), n, 0)
				return
			}
			h, ok := c.cfg.HostMethod(id.Name, fun.Name)
			if !ok {
				c.errorf(fun.NamePos, "", "host object %s has no method %s", id.Name, fun.Name)
			}
			if ok {
				c.checkArity(x, h)
				c.checkCall(x, h, nil)
			}
			c.args(x.Args)
			c.emit(x.Lparen, bytecode.CALLHOST, int32(h), n, 0)
			return
		}
		// x.ns.method(args) with ns a host handle namespace: the host function gets x's
		// value first (vm.Host.Handle).
		if inner, ok := ast.Unparen(fun.X).(*ast.MemberExpr); ok {
			if _, _, isNS := namespaceOf(inner.X); !isNS {
				if h, ok := c.cfg.HostMethod("."+inner.Name, fun.Name); ok {
					c.checkArity(x, h)
					c.checkCall(x, h, inner.X)
					c.expr(inner.X)
					c.args(x.Args)
					c.emit(x.Lparen, bytecode.CALLHOST, int32(h), n+1, 0)
					return
				}
			}
		}
		c.expr(fun.X)
		c.args(x.Args)
		c.emit(fun.NamePos, bytecode.METHOD, int32(c.str(fun.Name)), n, 0)
		return
	}
	c.expr(x.Fun)
	c.args(x.Args)
	c.emit(x.Lparen, bytecode.CALL, n, 0, 0)
}

// checkStringArg has the host check a string literal first argument (Config.HostStringArg).
func (c *compiler) checkStringArg(x *ast.CallExpr, idx int) {
	if c.cfg.HostStringArg == nil || len(x.Args) == 0 {
		return
	}
	if lit, ok := ast.Unparen(x.Args[0]).(*ast.StringLit); ok {
		if err := c.cfg.HostStringArg(idx, lit.Value); err != nil {
			c.errorf(lit.ValuePos, "", "%s: %v", c.cfg.HostName(idx), err)
		}
	}
}

// checkArity rejects a call of a host function with an argument count its signature
// does not allow.
func (c *compiler) checkArity(x *ast.CallExpr, idx int) {
	if c.cfg.HostArity == nil {
		return
	}
	min, max := c.cfg.HostArity(idx)
	n := len(x.Args)
	if n >= min && (max < 0 || n <= max) {
		return
	}
	want := fmt.Sprintf("%d", min)
	switch {
	case max < 0:
		want = fmt.Sprintf("at least %d", min)
	case max != min:
		want = fmt.Sprintf("%d to %d", min, max)
	}
	name := "host function"
	if c.cfg.HostName != nil {
		name = c.cfg.HostName(idx)
	}
	c.errorf(x.Lparen, "check the host API documentation", "%s takes %s argument(s), not %d", name, want, n)
}

func (c *compiler) binary(x *ast.BinaryExpr) {
	switch x.Op {
	case token.LAND, token.LOR, token.NULLISH:
		c.expr(x.X)
		op := map[token.Kind]bytecode.Op{token.LAND: bytecode.JFK, token.LOR: bytecode.JTK, token.NULLISH: bytecode.JNNK}[x.Op]
		j := c.emit(x.OpPos, op, 0, 0, 0)
		c.expr(x.Y)
		c.patch(j)
		return
	}
	c.expr(x.X)
	c.expr(x.Y)
	c.emit(x.OpPos, binOps[x.Op], 0, 0, 0)
}

// accumulate compiles the statement x += e or x -= e on a plain local or a global as
// e; ADDTO x when e cannot observe or change x (no calls, assignments or updates): the
// accumulation then takes one instruction instead of three (onTick's moving averages).
func (c *compiler) accumulate(t *ast.Ident, x *ast.AssignExpr) bool {
	if (x.Op != token.ADDASSIGN && x.Op != token.SUBASSIGN) || t.Obj == nil || !pure(x.Value) {
		return false
	}
	var op bytecode.Op
	switch {
	case t.Obj.Kind == ast.Global && x.Op == token.ADDASSIGN:
		op = bytecode.ADDTOG
	case t.Obj.Kind == ast.Global:
		op = bytecode.SUBTOG
	case t.Obj.Kind == ast.Local && t.Upval < 0 && !t.Obj.Captured && x.Op == token.ADDASSIGN:
		op = bytecode.ADDTOL
	case t.Obj.Kind == ast.Local && t.Upval < 0 && !t.Obj.Captured:
		op = bytecode.SUBTOL
	default:
		return false
	}
	c.expr(x.Value)
	c.emit(x.OpPos, op, int32(t.Obj.Slot), 0, 0)
	return true
}

// pure reports expressions whose evaluation cannot run script code or assign.
func pure(x ast.Expr) bool {
	switch x := x.(type) {
	case *ast.NumberLit, *ast.StringLit, *ast.BoolLit, *ast.NullLit, *ast.Ident:
		return true
	case *ast.ParenExpr:
		return pure(x.X)
	case *ast.UnaryExpr:
		return pure(x.X)
	case *ast.BinaryExpr:
		return pure(x.X) && pure(x.Y)
	case *ast.CondExpr:
		return pure(x.Test) && pure(x.Then) && pure(x.Else)
	case *ast.MemberExpr:
		if id, ok := ast.Unparen(x.X).(*ast.Ident); ok && id.Obj != nil && (id.Obj.Kind == ast.Builtin || id.Obj.Kind == ast.HostObj) {
			return false
		}
		return pure(x.X)
	case *ast.IndexExpr:
		return pure(x.X) && pure(x.Index)
	case *ast.TemplateLit:
		for _, e := range x.Exprs {
			if !pure(e) {
				return false
			}
		}
		return true
	}
	return false
}

// assignStore pops into a variable for an assignment (not a declaration): a global
// assigned before its declaration has run is an error, as in JavaScript.
func (c *compiler) assignStore(id *ast.Ident, pos token.Pos) {
	if id.Obj != nil && id.Obj.Kind == ast.Global && !id.Obj.IsFunc {
		c.emit(pos, bytecode.STOREGC, int32(id.Obj.Slot), 0, 0)
		return
	}
	c.store(id, pos)
}

// logicalOp returns the keep-and-jump opcode of a logical compound assignment.
func logicalOp(op token.Kind) (bytecode.Op, bool) {
	switch op {
	case token.LANDASSIGN:
		return bytecode.JFK, true
	case token.LORASSIGN:
		return bytecode.JTK, true
	case token.NULLASSIGN:
		return bytecode.JNNK, true
	}
	return 0, false
}

// assign compiles an assignment; when need is set its value stays on the stack.
func (c *compiler) assign(x *ast.AssignExpr, need bool) {
	pos := x.OpPos
	if jop, ok := logicalOp(x.Op); ok {
		c.logicalAssign(x, jop)
		if !need {
			c.emit(pos, bytecode.POP, 0, 0, 0)
		}
		return
	}
	var op bytecode.Op
	compound := x.Op != token.ASSIGN
	if compound {
		op = binOps[x.Op.BinaryOf()]
	}
	switch t := ast.Unparen(x.Target).(type) {
	case *ast.Ident:
		if !need && c.accumulate(t, x) {
			return
		}
		if compound {
			c.load(t)
		}
		if f, ok := x.Value.(*ast.FuncLit); ok && f.Name == nil && !compound {
			c.closure(f, t.Name)
		} else {
			c.expr(x.Value)
		}
		if compound {
			c.emit(pos, op, 0, 0, 0)
		}
		if need {
			c.emit(pos, bytecode.DUP, 0, 0, 0)
		}
		c.assignStore(t, pos)
	case *ast.MemberExpr:
		if _, _, ok := namespaceOf(t.X); ok {
			c.errorf(t.NamePos, "", "cannot assign to a property of %s", ast.Unparen(t.X).(*ast.Ident).Name)
		}
		name := int32(c.str(t.Name))
		c.expr(t.X)
		if compound {
			c.emit(pos, bytecode.DUP, 0, 0, 0)
			c.emit(t.NamePos, bytecode.GETPROP, name, 0, 0)
		}
		c.expr(x.Value)
		if compound {
			c.emit(pos, op, 0, 0, 0)
		}
		c.emit(pos, bytecode.SETPROP, name, 0, 0)
		if !need {
			c.emit(pos, bytecode.POP, 0, 0, 0)
		}
	case *ast.IndexExpr:
		c.expr(t.X)
		c.expr(t.Index)
		if compound {
			c.emit(pos, bytecode.DUP2, 0, 0, 0)
			c.emit(t.Lbrack, bytecode.GETIDX, 0, 0, 0)
		}
		c.expr(x.Value)
		if compound {
			c.emit(pos, op, 0, 0, 0)
		}
		c.emit(pos, bytecode.SETIDX, 0, 0, 0)
		if !need {
			c.emit(pos, bytecode.POP, 0, 0, 0)
		}
	}
}

// logicalAssign compiles &&=, ||= and ??=, which assign only when the current value
// does not short-circuit; the result is always left on the stack.
func (c *compiler) logicalAssign(x *ast.AssignExpr, jop bytecode.Op) {
	pos := x.OpPos
	switch t := ast.Unparen(x.Target).(type) {
	case *ast.Ident:
		c.load(t)
		j := c.emit(pos, jop, 0, 0, 0)
		c.expr(x.Value)
		c.emit(pos, bytecode.DUP, 0, 0, 0)
		c.assignStore(t, pos)
		c.patch(j)
	case *ast.MemberExpr:
		name := int32(c.str(t.Name))
		c.expr(t.X)
		c.emit(pos, bytecode.DUP, 0, 0, 0)
		c.emit(t.NamePos, bytecode.GETPROP, name, 0, 0)
		j := c.emit(pos, jop, 0, 0, 0)
		c.expr(x.Value)
		c.emit(pos, bytecode.SETPROP, name, 0, 0)
		jend := c.emit(pos, bytecode.JMP, 0, 0, 0)
		c.patch(j)
		c.fn.depth++ // the short-circuit path still holds the object and the old value
		c.emit(pos, bytecode.DROPUNDER, 1, 0, 0)
		c.patch(jend)
	case *ast.IndexExpr:
		c.expr(t.X)
		c.expr(t.Index)
		c.emit(pos, bytecode.DUP2, 0, 0, 0)
		c.emit(t.Lbrack, bytecode.GETIDX, 0, 0, 0)
		j := c.emit(pos, jop, 0, 0, 0)
		c.expr(x.Value)
		c.emit(pos, bytecode.SETIDX, 0, 0, 0)
		jend := c.emit(pos, bytecode.JMP, 0, 0, 0)
		c.patch(j)
		c.fn.depth += 2
		c.emit(pos, bytecode.DROPUNDER, 2, 0, 0)
		c.patch(jend)
	}
}

// update compiles ++ and --.
func (c *compiler) update(x *ast.UpdateExpr, need bool) {
	delta := int32(1)
	if x.Op == token.DEC {
		delta = -1
	}
	post := int32(0)
	if !x.Prefix {
		post = 1
	}
	pos := x.OpPos
	switch t := ast.Unparen(x.X).(type) {
	case *ast.Ident:
		obj := t.Obj
		if obj == nil {
			c.emit(pos, bytecode.UNDEF, 0, 0, 0)
			break
		}
		switch {
		case obj.Kind == ast.Global:
			c.emit(pos, bytecode.UPDG, int32(obj.Slot), delta, post)
		case obj.Kind != ast.Local:
			c.emit(pos, bytecode.UNDEF, 0, 0, 0) // reported by the resolver
		case t.Upval >= 0:
			c.emit(pos, bytecode.UPDU, int32(t.Upval), delta, post)
		case obj.Captured:
			c.emit(pos, bytecode.UPDC, int32(obj.Slot), delta, post)
		default:
			c.emit(pos, bytecode.UPDL, int32(obj.Slot), delta, post)
		}
	case *ast.MemberExpr:
		c.expr(t.X)
		c.emit(pos, bytecode.UPDPROP, int32(c.str(t.Name)), delta, post)
	case *ast.IndexExpr:
		c.expr(t.X)
		c.expr(t.Index)
		c.emit(pos, bytecode.UPDIDX, 0, delta, post)
	}
	if !need {
		c.emit(pos, bytecode.POP, 0, 0, 0)
	}
}
