// Package resolver binds every name in a syntax tree to its declaration and gives every
// variable a fixed slot: a frame slot for locals and parameters, a global index for
// top-level declarations, a capture index for variables of enclosing functions. It also
// enforces the static rules (no undeclared names, no const assignment, no redeclaration).
// It must never generate code or evaluate anything, and after it has run no variable is
// ever looked up by name.
package resolver

import (
	"fmt"

	"github.com/nanotick/nanotick/vm/ast"
	"github.com/nanotick/nanotick/vm/token"
)

// Predeclared describes the names visible to every script before its own declarations:
// builtins and host registrations. Keys are names.
type Predeclared map[string]*ast.Object

type scope struct {
	parent *scope
	names  map[string]*ast.Object
	fn     *ast.FuncLit
	global bool // the script's top-level scope
}

type resolver struct {
	file   *ast.File
	fn     *ast.FuncLit
	slots  int // next free frame slot in fn
	sc     *scope
	errs   []ast.Error
	ready  map[*ast.Object]bool // initialized bindings, for use-before-declaration checks
	caps   map[*ast.FuncLit]map[*ast.Object]int
	labels []string
	// stringy memoizes isStringy for sums; stringyCalls counts its calls, for the test
	// that keeps it linear.
	stringy      map[*ast.BinaryExpr]bool
	stringyCalls int
}

// Resolve annotates file in place and returns every diagnostic found.
func Resolve(file *ast.File, pre Predeclared) []ast.Error {
	return newResolver(file).run(pre)
}

func newResolver(file *ast.File) *resolver {
	return &resolver{
		file:  file,
		ready: map[*ast.Object]bool{},
		caps:  map[*ast.FuncLit]map[*ast.Object]int{},
	}
}

func (r *resolver) run(pre Predeclared) []ast.Error {
	file := r.file
	universe := &scope{names: map[string]*ast.Object{}}
	for name, obj := range pre {
		universe.names[name] = obj
		r.ready[obj] = true
	}
	main := file.Main
	r.fn = main
	r.sc = &scope{parent: universe, names: map[string]*ast.Object{}, fn: main, global: true}
	r.declareBlock(main.Body.List)
	r.stmts(main.Body.List)
	r.finishSlots(main)
	return r.errs
}

func (r *resolver) errorf(pos token.Pos, hint, format string, args ...any) {
	if len(r.errs) < 20 {
		r.errs = append(r.errs, ast.Error{Pos: pos, Msg: fmt.Sprintf(format, args...), Hint: hint})
	}
}

func (r *resolver) finishSlots(fn *ast.FuncLit) {
	if r.slots > fn.NumSlots {
		fn.NumSlots = r.slots
	}
}

func (r *resolver) newSlot() int {
	s := r.slots
	r.slots++
	if r.slots > r.fn.NumSlots {
		r.fn.NumSlots = r.slots
	}
	return s
}

func (r *resolver) openScope() func() {
	outer, saved := r.sc, r.slots
	r.sc = &scope{parent: outer, names: map[string]*ast.Object{}, fn: r.fn}
	return func() {
		r.sc = outer
		r.slots = saved // slots of a closed block are reused by its siblings
	}
}

// declare adds a name to the current scope and gives it a slot.
func (r *resolver) declare(id *ast.Ident, isConst, isFunc bool, init ast.Expr) *ast.Object {
	switch id.Name {
	case "eval", "arguments", "undefined", "NaN", "Infinity":
		r.errorf(id.NamePos, "choose another name", "cannot declare %s: it is a reserved name", id.Name)
	}
	if prev, ok := r.sc.names[id.Name]; ok {
		r.errorf(id.NamePos, "rename it, or assign to the existing variable without let/const",
			"%s is already declared in this scope (at %s)", id.Name, prev.Decl)
		id.Obj = prev
		return prev
	}
	obj := &ast.Object{Name: id.Name, Decl: id.NamePos, Const: isConst, IsFunc: isFunc, Func: r.fn, Init: init}
	if r.sc.global {
		obj.Kind = ast.Global
		obj.Slot = len(r.file.Globals)
		r.file.Globals = append(r.file.Globals, obj)
		r.file.NumGlobals = len(r.file.Globals)
	} else {
		obj.Kind = ast.Local
		obj.Slot = r.newSlot()
	}
	r.sc.names[id.Name] = obj
	id.Obj = obj
	return obj
}

// declareBlock hoists the declarations of a statement list: functions are usable from
// the start of the block (as JavaScript hoists them), let and const only after their
// declaration.
func (r *resolver) declareBlock(list []ast.Stmt) {
	for _, s := range list {
		switch s := s.(type) {
		case *ast.VarDecl:
			for _, d := range s.List {
				var init ast.Expr
				if s.Const {
					init = d.Init
				}
				r.declare(d.Name, s.Const, false, init)
			}
		case *ast.FuncDecl:
			obj := r.declare(s.Func.Name, false, true, nil)
			r.ready[obj] = true
		}
	}
}

func (r *resolver) stmts(list []ast.Stmt) {
	for _, s := range list {
		r.stmt(s)
	}
}

func (r *resolver) block(list []ast.Stmt) {
	closeScope := r.openScope()
	r.declareBlock(list)
	r.stmts(list)
	closeScope()
}

func (r *resolver) stmt(s ast.Stmt) {
	switch s := s.(type) {
	case *ast.VarDecl:
		for _, d := range s.List {
			if d.Init != nil {
				r.expr(d.Init)
			}
			if d.Name.Obj != nil {
				r.ready[d.Name.Obj] = true
			}
		}
	case *ast.FuncDecl:
		r.function(s.Func)
	case *ast.ExprStmt:
		r.expr(s.X)
	case *ast.BlockStmt:
		r.block(s.List)
	case *ast.EmptyStmt:
	case *ast.IfStmt:
		r.expr(s.Cond)
		r.stmt(s.Then)
		if s.Else != nil {
			r.stmt(s.Else)
		}
	case *ast.ForStmt:
		closeScope := r.openScope()
		if s.Init != nil {
			if d, ok := s.Init.(*ast.VarDecl); ok {
				r.declareBlock([]ast.Stmt{d})
			}
			r.stmt(s.Init)
		}
		if s.Cond != nil {
			r.expr(s.Cond)
		}
		if s.Post != nil {
			r.expr(s.Post)
		}
		r.loopBody(s.Body)
		closeScope()
	case *ast.ForOfStmt:
		closeScope := r.openScope()
		r.expr(s.Iter)
		s.IterSlot = r.newSlot()
		s.IndexSlot = r.newSlot()
		r.declare(s.Name, s.Const, false, nil)
		r.ready[s.Name.Obj] = true
		r.loopBody(s.Body)
		closeScope()
	case *ast.WhileStmt:
		r.expr(s.Cond)
		r.loopBody(s.Body)
	case *ast.DoWhileStmt:
		r.loopBody(s.Body)
		r.expr(s.Cond)
	case *ast.BranchStmt:
		if s.Label != nil {
			found := false
			for _, l := range r.labels {
				if l == s.Label.Name {
					found = true
				}
			}
			if !found {
				r.errorf(s.Label.NamePos, "", "undefined label %s", s.Label.Name)
			}
		}
	case *ast.ReturnStmt:
		if s.Result != nil {
			r.expr(s.Result)
		}
	case *ast.SwitchStmt:
		r.expr(s.Tag)
		closeScope := r.openScope()
		s.TagSlot = r.newSlot()
		var all []ast.Stmt
		for _, c := range s.Cases {
			all = append(all, c.Body...)
		}
		// All clauses share one block scope, as in JavaScript.
		r.declareBlock(all)
		for _, c := range s.Cases {
			if c.Test != nil {
				r.expr(c.Test)
			}
			r.stmts(c.Body)
		}
		closeScope()
	case *ast.LabeledStmt:
		for _, l := range r.labels {
			if l == s.Label.Name {
				r.errorf(s.Label.NamePos, "choose another label", "label %s is already in use", l)
			}
		}
		r.labels = append(r.labels, s.Label.Name)
		r.stmt(s.Stmt)
		r.labels = r.labels[:len(r.labels)-1]
	default:
		panic(fmt.Sprintf("resolver: unexpected statement %T", s))
	}
}

func (r *resolver) loopBody(body ast.Stmt) {
	r.stmt(body)
}

// function resolves a function literal in its own frame.
func (r *resolver) function(f *ast.FuncLit) {
	outerFn, outerSlots, outerScope, outerLabels := r.fn, r.slots, r.sc, r.labels
	f.Parent = outerFn
	r.fn, r.slots, r.labels = f, 0, nil
	var selfScope *scope
	if f.Name != nil && !f.Decl {
		// A named function expression sees its own name in a scope of its own, between
		// the enclosing scope and its parameters.
		selfScope = &scope{parent: outerScope, names: map[string]*ast.Object{}, fn: f}
		r.sc = selfScope
	}
	r.sc = &scope{parent: r.sc, names: map[string]*ast.Object{}, fn: f}
	for _, p := range f.Params {
		obj := r.declare(p, false, false, nil)
		r.ready[obj] = true
	}
	if selfScope != nil {
		// Parameters take the first slots (the calling convention); the self binding
		// comes after them.
		obj := &ast.Object{Name: f.Name.Name, Kind: ast.Local, Decl: f.Name.NamePos, Const: true, Self: true, Func: f, Slot: r.newSlot()}
		selfScope.names[f.Name.Name] = obj
		f.Name.Obj = obj
		f.SelfObj = obj
		r.ready[obj] = true
	}
	if f.Body != nil {
		r.declareBlock(f.Body.List)
		r.stmts(f.Body.List)
	} else {
		r.expr(f.ExprBody)
	}
	r.finishSlots(f)
	r.fn, r.slots, r.sc, r.labels = outerFn, outerSlots, outerScope, outerLabels
	if len(f.Captures) > 0 {
		r.alloc(f.FuncPos, "closure creation")
	}
}

// alloc records an allocation site for vet; the top level runs once, so only allocations
// inside functions are reported.
func (r *resolver) alloc(pos token.Pos, what string) {
	if r.fn != r.file.Main {
		r.file.Allocs = append(r.file.Allocs, ast.AllocSite{Pos: pos, What: what})
	}
}

func (r *resolver) lookup(name string) *ast.Object {
	for sc := r.sc; sc != nil; sc = sc.parent {
		if obj, ok := sc.names[name]; ok {
			return obj
		}
	}
	return nil
}

func (r *resolver) ident(id *ast.Ident) *ast.Object {
	switch id.Name {
	case "eval":
		r.errorf(id.NamePos, "write the code directly", "eval is not supported")
		return nil
	case "arguments":
		r.errorf(id.NamePos, "declare the parameters explicitly", "arguments is not supported")
		return nil
	}
	obj := r.lookup(id.Name)
	if obj == nil {
		r.errorf(id.NamePos, "declare it with let or const (or check the spelling)", "undeclared variable %s", id.Name)
		return nil
	}
	id.Obj = obj
	if obj.Kind == ast.Local && obj.Func != r.fn {
		if !obj.Captured && obj.Func != r.file.Main {
			r.file.Allocs = append(r.file.Allocs, ast.AllocSite{Pos: obj.Decl, What: "variable " + obj.Name + " is captured by a closure and lives in a heap cell"})
		}
		obj.Captured = true
		id.Upval = r.capture(r.fn, obj)
	} else if (obj.Kind == ast.Local || obj.Kind == ast.Global) && obj.Func == r.fn && !r.ready[obj] {
		r.errorf(id.NamePos, "move the declaration of "+id.Name+" before its first use",
			"%s is used before its declaration", id.Name)
	}
	return obj
}

// capture returns the index of obj's cell in fn's capture list, threading the capture
// through every function between fn and the one that declares obj.
func (r *resolver) capture(fn *ast.FuncLit, obj *ast.Object) int {
	m := r.caps[fn]
	if m == nil {
		m = map[*ast.Object]int{}
		r.caps[fn] = m
	}
	if i, ok := m[obj]; ok {
		return i
	}
	var c ast.Capture
	if obj.Func == fn.Parent {
		c = ast.Capture{FromLocal: true, Index: obj.Slot}
	} else {
		c = ast.Capture{Index: r.capture(fn.Parent, obj)}
	}
	fn.Captures = append(fn.Captures, c)
	m[obj] = len(fn.Captures) - 1
	return len(fn.Captures) - 1
}

func (r *resolver) assignTarget(x ast.Expr, pos token.Pos) {
	switch t := ast.Unparen(x).(type) {
	case *ast.Ident:
		obj := r.ident(t)
		if obj == nil {
			return
		}
		switch {
		case obj.Kind == ast.Builtin || obj.Kind == ast.HostFunc || obj.Kind == ast.HostObj || obj.Kind == ast.HostConst:
			r.errorf(t.NamePos, "declare a variable of your own with let", "cannot assign to %s: it is predeclared", t.Name)
		case obj.Const:
			r.errorf(t.NamePos, "declare it with let if it must change", "cannot assign to %s: it is a constant", t.Name)
		}
	case *ast.MemberExpr:
		r.member(t)
	case *ast.IndexExpr:
		r.expr(t.X)
		r.expr(t.Index)
	}
}

func (r *resolver) member(x *ast.MemberExpr) {
	r.expr(x.X)
	// Reading or writing a missing key of an object literal bound to a constant is known
	// statically.
	if id, ok := ast.Unparen(x.X).(*ast.Ident); ok && id.Obj != nil && id.Obj.Const {
		if lit, ok := id.Obj.Init.(*ast.ObjectLit); ok {
			for _, p := range lit.Props {
				if p.Key == x.Name {
					return
				}
			}
			r.errorf(x.NamePos, "object keys are fixed where the object is written; add the key to the literal",
				"object %s has no property %s", id.Name, x.Name)
		}
	}
}

func (r *resolver) expr(x ast.Expr) {
	switch x := x.(type) {
	case *ast.NumberLit, *ast.StringLit, *ast.BoolLit, *ast.NullLit:
	case *ast.TemplateLit:
		if len(x.Exprs) > 0 {
			r.alloc(x.TPos, "template literal builds a string")
		}
		for _, e := range x.Exprs {
			r.expr(e)
		}
	case *ast.Ident:
		r.ident(x)
	case *ast.ArrayLit:
		r.alloc(x.Lbrack, "array literal")
		for _, e := range x.Elems {
			r.expr(e)
		}
	case *ast.ObjectLit:
		r.alloc(x.Lbrace, "object literal")
		for _, p := range x.Props {
			r.expr(p.Value)
		}
	case *ast.FuncLit:
		r.function(x)
	case *ast.UnaryExpr:
		r.expr(x.X)
	case *ast.UpdateExpr:
		r.assignTarget(x.X, x.OpPos)
	case *ast.BinaryExpr:
		if x.Op == token.ADD && (r.isStringy(x.X) || r.isStringy(x.Y)) {
			r.alloc(x.OpPos, "string concatenation")
		}
		r.expr(x.X)
		r.expr(x.Y)
	case *ast.AssignExpr:
		if x.Op == token.ADDASSIGN && r.isStringy(x.Value) {
			r.alloc(x.OpPos, "string concatenation")
		}
		r.expr(x.Value)
		r.assignTarget(x.Target, x.OpPos)
	case *ast.CondExpr:
		r.expr(x.Test)
		r.expr(x.Then)
		r.expr(x.Else)
	case *ast.CallExpr:
		r.expr(x.Fun)
		if m, ok := x.Fun.(*ast.MemberExpr); ok && m.Name == "slice" {
			r.alloc(m.NamePos, "slice() copies the array")
		}
		for _, a := range x.Args {
			r.expr(a)
		}
	case *ast.NewExpr:
		r.alloc(x.NewPos, "new Array")
		for _, a := range x.Args {
			r.expr(a)
		}
	case *ast.MemberExpr:
		r.member(x)
	case *ast.IndexExpr:
		r.expr(x.X)
		r.expr(x.Index)
	case *ast.ParenExpr:
		r.expr(x.X)
	case *ast.SeqExpr:
		for _, e := range x.List {
			r.expr(e)
		}
	default:
		panic(fmt.Sprintf("resolver: unexpected expression %T", x))
	}
}

// isStringy reports whether x is statically a string. The resolver asks it of every
// + on its way down a chain a + b + c + ..., whose left operands are the chain's
// prefixes: the answers for sums are memoized, so that a chain of n terms costs O(n)
// rather than O(n²).
func (r *resolver) isStringy(x ast.Expr) bool {
	r.stringyCalls++
	switch x := ast.Unparen(x).(type) {
	case *ast.StringLit, *ast.TemplateLit:
		return true
	case *ast.BinaryExpr:
		if x.Op != token.ADD {
			return false
		}
		if s, ok := r.stringy[x]; ok {
			return s
		}
		s := r.isStringy(x.X) || r.isStringy(x.Y)
		if r.stringy == nil {
			r.stringy = map[*ast.BinaryExpr]bool{}
		}
		r.stringy[x] = s
		return s
	}
	return false
}
