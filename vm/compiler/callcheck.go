package compiler

import (
	"math"

	"github.com/nanotick/nanotick/vm/ast"
	"github.com/nanotick/nanotick/vm/bytecode"
	"github.com/nanotick/nanotick/vm/token"
)

// CallSite is what the compiler knows of one call of a host function the host checks
// (Config.HostCallCheck): where it is, which instrument handle it is on when that is a
// literal, and which of its arguments are constants. It adds nothing to the bytecode.
type CallSite struct {
	// Func is the host function's index, Name its name ("orders.buy",
	// "Instrument.orders.buy").
	Func int
	Name string
	Pos  token.Pos
	// Handle is set for a call on a handle namespace, x.ns.m(...).
	Handle bool
	// Receiver is the string literal x was bound with, for a handle call whose x is a
	// const initialized by a call of a callable host object with a string literal
	// (const perp = instrument("binance-usdm:BTCUSDT")), and "" otherwise.
	Receiver string
	// Args are the script's arguments, the handle not included.
	Args []ConstArg
}

// ConstArg is one argument of a checked call: its value when the compiler can tell it
// (number literals, host constants, consts initialized with them, and the operators
// | & ^ ~ + - * of them), and its position.
type ConstArg struct {
	Known bool
	Num   float64
	Pos   token.Pos
}

// maxConstDepth bounds how far constNum follows consts into their initializers.
const maxConstDepth = 8

// checkCall builds the call site of host function idx and has the host check it; an
// error is a compile error at the argument the host names, or at the call.
func (c *compiler) checkCall(x *ast.CallExpr, idx int, handle ast.Expr) {
	if c.cfg.HostCallCheck == nil || c.cfg.HostChecked == nil || !c.cfg.HostChecked(idx) {
		return
	}
	site := CallSite{Func: idx, Pos: x.Lparen, Handle: handle != nil, Args: make([]ConstArg, len(x.Args))}
	if c.cfg.HostName != nil {
		site.Name = c.cfg.HostName(idx)
	}
	if handle != nil {
		site.Receiver = c.receiverLiteral(handle)
	}
	for i, a := range x.Args {
		v, ok := c.constNum(a, 0)
		site.Args[i] = ConstArg{Known: ok, Num: v, Pos: a.Pos()}
	}
	arg, err := c.cfg.HostCallCheck(&site)
	if err == nil {
		return
	}
	pos := x.Lparen
	if arg >= 0 && arg < len(x.Args) {
		pos = x.Args[arg].Pos()
	}
	c.errorf(pos, "", "%s: %v", site.Name, err)
}

// receiverLiteral returns the string literal the handle expression was bound with, or "".
func (c *compiler) receiverLiteral(x ast.Expr) string {
	id, ok := ast.Unparen(x).(*ast.Ident)
	if !ok || id.Obj == nil || !id.Obj.Const || id.Obj.Init == nil {
		return ""
	}
	call, ok := ast.Unparen(id.Obj.Init).(*ast.CallExpr)
	if !ok || len(call.Args) == 0 {
		return ""
	}
	fn, ok := ast.Unparen(call.Fun).(*ast.Ident)
	if !ok || fn.Obj == nil || fn.Obj.Kind != ast.HostObj {
		return ""
	}
	if _, ok := c.cfg.HostMethod(fn.Name, ""); !ok {
		return ""
	}
	lit, ok := ast.Unparen(call.Args[0]).(*ast.StringLit)
	if !ok {
		return ""
	}
	return lit.Value
}

// constNum evaluates x when it is a compile-time number, as JavaScript would.
func (c *compiler) constNum(x ast.Expr, depth int) (float64, bool) {
	if depth > maxConstDepth {
		return 0, false
	}
	switch x := ast.Unparen(x).(type) {
	case *ast.NumberLit:
		return x.Value, true
	case *ast.Ident:
		if x.Obj == nil {
			return 0, false
		}
		switch {
		case x.Obj.Kind == ast.HostConst && c.cfg.HostConst != nil:
			k, v, _ := c.cfg.HostConst(x.Obj.Slot)
			return v, k == bytecode.ConstNumber
		case (x.Obj.Kind == ast.Global || x.Obj.Kind == ast.Local) && x.Obj.Const && x.Obj.Init != nil:
			return c.constNum(x.Obj.Init, depth+1)
		}
	case *ast.UnaryExpr:
		v, ok := c.constNum(x.X, depth+1)
		if !ok {
			return 0, false
		}
		switch x.Op {
		case token.SUB:
			return -v, true
		case token.ADD:
			return v, true
		case token.BITNOT:
			return float64(^toInt32(v)), true
		}
	case *ast.BinaryExpr:
		a, ok1 := c.constNum(x.X, depth+1)
		b, ok2 := c.constNum(x.Y, depth+1)
		if !ok1 || !ok2 {
			return 0, false
		}
		switch x.Op {
		case token.OR:
			return float64(toInt32(a) | toInt32(b)), true
		case token.AND:
			return float64(toInt32(a) & toInt32(b)), true
		case token.XOR:
			return float64(toInt32(a) ^ toInt32(b)), true
		case token.ADD:
			return a + b, true
		case token.SUB:
			return a - b, true
		case token.MUL:
			return a * b, true
		}
	}
	return 0, false
}

// toInt32 is JavaScript's ToInt32.
func toInt32(f float64) int32 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return int32(uint32(int64(math.Mod(math.Trunc(f), 1<<32))))
}
