// Package ast declares the syntax tree of the nanotick script language. It owns the node
// types and the annotations the resolver attaches to them; it must never parse, resolve or
// compile by itself.
package ast

import "github.com/nanotick/nanotick/vm/token"

// Node is any syntax tree node.
type Node interface{ Pos() token.Pos }

// Expr is an expression node.
type Expr interface {
	Node
	exprNode()
}

// Stmt is a statement node.
type Stmt interface {
	Node
	stmtNode()
}

// ObjKind says what a name denotes.
type ObjKind int

// The kinds of named objects.
const (
	Local     ObjKind = iota // a let, const, parameter or function inside a function or block
	Global                   // a top-level declaration of the script
	HostFunc                 // a Go function registered with the host
	HostObj                  // a Go object (namespace of host functions)
	HostConst                // a constant registered with the host
	Builtin                  // a builtin namespace or value: Math, console, NaN, ...
)

// Object is a declared name. The resolver creates it and links every Ident to it.
type Object struct {
	Name     string
	Kind     ObjKind
	Decl     token.Pos
	Const    bool // const declarations, and host and builtin names
	IsFunc   bool // declared by a function declaration
	Captured bool // referenced from a nested function: it lives in a heap cell
	Slot     int  // local slot in its function's frame, or global index, or host index
	Func     *FuncLit
	// Init is the initializer of a const binding, used for static checks of object keys.
	Init Expr
	// Self is set on the binding of a named function expression's name inside itself.
	Self bool
}

// Ident is a name use or declaration.
type Ident struct {
	NamePos token.Pos
	Name    string
	Obj     *Object // set by the resolver
	// Upval is the index in the enclosing closure's capture list when Obj belongs to an
	// outer function, else -1.
	Upval int
}

// Capture describes how a closure obtains one captured cell when it is created.
type Capture struct {
	FromLocal bool // the cell is in the creating function's local slot Index
	Index     int  // local slot, or capture index of the creating function
}

// FuncLit is a function declaration, function expression or arrow function.
type FuncLit struct {
	FuncPos  token.Pos
	Name     *Ident // may be nil
	Params   []*Ident
	Body     *BlockStmt // nil for an arrow function with an expression body
	ExprBody Expr
	Arrow    bool
	Decl     bool // a function declaration statement

	// Set by the resolver.
	NumSlots int       // frame slots: parameters then locals
	Captures []Capture // captured cells, in upvalue order
	Parent   *FuncLit
	// SelfObj is the binding of a named function expression's own name, or nil.
	SelfObj *Object
}

// AllocSite is a place where code allocates at run time, reported by "nanotick vet".
type AllocSite struct {
	Pos  token.Pos
	What string
}

// Expressions.
type (
	NumberLit struct {
		ValuePos token.Pos
		Value    float64
	}
	StringLit struct {
		ValuePos token.Pos
		Value    string
	}
	TemplateLit struct {
		TPos   token.Pos
		Quasis []string // len(Quasis) == len(Exprs)+1
		Exprs  []Expr
	}
	BoolLit struct {
		ValuePos token.Pos
		Value    bool
	}
	NullLit  struct{ ValuePos token.Pos }
	ArrayLit struct {
		Lbrack token.Pos
		Elems  []Expr
	}
	Property struct {
		KeyPos token.Pos
		Key    string
		Value  Expr
	}
	ObjectLit struct {
		Lbrace token.Pos
		Props  []Property
	}
	UnaryExpr struct {
		OpPos token.Pos
		Op    token.Kind // SUB ADD NOT BITNOT TYPEOF
		X     Expr
	}
	UpdateExpr struct {
		OpPos  token.Pos
		Op     token.Kind // INC DEC
		Prefix bool
		X      Expr
	}
	BinaryExpr struct {
		OpPos token.Pos
		Op    token.Kind
		X, Y  Expr
	}
	AssignExpr struct {
		OpPos  token.Pos
		Op     token.Kind // ASSIGN or a compound assignment
		Target Expr       // *Ident, *MemberExpr or *IndexExpr
		Value  Expr
	}
	CondExpr struct {
		QPos             token.Pos
		Test, Then, Else Expr
	}
	CallExpr struct {
		Lparen token.Pos
		Fun    Expr
		Args   []Expr
	}
	NewExpr struct {
		NewPos token.Pos
		Fun    Expr
		Args   []Expr
	}
	MemberExpr struct {
		X       Expr
		NamePos token.Pos
		Name    string
	}
	IndexExpr struct {
		X      Expr
		Lbrack token.Pos
		Index  Expr
	}
	ParenExpr struct {
		Lparen token.Pos
		X      Expr
	}
	// SeqExpr is the comma operator: every element is evaluated, the last is the value.
	SeqExpr struct {
		List []Expr
	}
)

func (x *NumberLit) Pos() token.Pos   { return x.ValuePos }
func (x *StringLit) Pos() token.Pos   { return x.ValuePos }
func (x *TemplateLit) Pos() token.Pos { return x.TPos }
func (x *BoolLit) Pos() token.Pos     { return x.ValuePos }
func (x *NullLit) Pos() token.Pos     { return x.ValuePos }
func (x *Ident) Pos() token.Pos       { return x.NamePos }
func (x *ArrayLit) Pos() token.Pos    { return x.Lbrack }
func (x *ObjectLit) Pos() token.Pos   { return x.Lbrace }
func (x *FuncLit) Pos() token.Pos     { return x.FuncPos }
func (x *UnaryExpr) Pos() token.Pos   { return x.OpPos }
func (x *UpdateExpr) Pos() token.Pos  { return x.OpPos }
func (x *BinaryExpr) Pos() token.Pos  { return x.OpPos }
func (x *AssignExpr) Pos() token.Pos  { return x.OpPos }
func (x *CondExpr) Pos() token.Pos    { return x.QPos }
func (x *CallExpr) Pos() token.Pos    { return x.Lparen }
func (x *NewExpr) Pos() token.Pos     { return x.NewPos }
func (x *MemberExpr) Pos() token.Pos  { return x.NamePos }
func (x *IndexExpr) Pos() token.Pos   { return x.Lbrack }
func (x *ParenExpr) Pos() token.Pos   { return x.Lparen }
func (x *SeqExpr) Pos() token.Pos     { return x.List[0].Pos() }

func (*NumberLit) exprNode()   {}
func (*StringLit) exprNode()   {}
func (*TemplateLit) exprNode() {}
func (*BoolLit) exprNode()     {}
func (*NullLit) exprNode()     {}
func (*Ident) exprNode()       {}
func (*ArrayLit) exprNode()    {}
func (*ObjectLit) exprNode()   {}
func (*FuncLit) exprNode()     {}
func (*UnaryExpr) exprNode()   {}
func (*UpdateExpr) exprNode()  {}
func (*BinaryExpr) exprNode()  {}
func (*AssignExpr) exprNode()  {}
func (*CondExpr) exprNode()    {}
func (*CallExpr) exprNode()    {}
func (*NewExpr) exprNode()     {}
func (*MemberExpr) exprNode()  {}
func (*IndexExpr) exprNode()   {}
func (*ParenExpr) exprNode()   {}
func (*SeqExpr) exprNode()     {}

// Unparen strips parentheses.
func Unparen(x Expr) Expr {
	for {
		p, ok := x.(*ParenExpr)
		if !ok {
			return x
		}
		x = p.X
	}
}

// Statements.
type (
	Declarator struct {
		Name *Ident
		Init Expr // may be nil
	}
	VarDecl struct {
		DeclPos token.Pos
		Const   bool
		List    []Declarator
	}
	FuncDecl struct {
		Func *FuncLit
	}
	ExprStmt struct {
		X Expr
	}
	BlockStmt struct {
		Lbrace token.Pos
		List   []Stmt
	}
	EmptyStmt struct{ Semi token.Pos }
	IfStmt    struct {
		IfPos token.Pos
		Cond  Expr
		Then  Stmt
		Else  Stmt // may be nil
	}
	ForStmt struct {
		ForPos token.Pos
		Init   Stmt // *VarDecl, *ExprStmt or nil
		Cond   Expr // may be nil
		Post   Expr // may be nil
		Body   Stmt
	}
	ForOfStmt struct {
		ForPos token.Pos
		Const  bool
		Name   *Ident
		Iter   Expr
		Body   Stmt
		// Slots for the hidden iteration state, set by the resolver.
		IterSlot, IndexSlot int
	}
	WhileStmt struct {
		WhilePos token.Pos
		Cond     Expr
		Body     Stmt
	}
	DoWhileStmt struct {
		DoPos token.Pos
		Body  Stmt
		Cond  Expr
	}
	BranchStmt struct {
		TokPos token.Pos
		Tok    token.Kind // BREAK or CONTINUE
		Label  *Ident     // may be nil
	}
	ReturnStmt struct {
		ReturnPos token.Pos
		Result    Expr // may be nil
	}
	CaseClause struct {
		CasePos token.Pos
		Test    Expr // nil for default
		Body    []Stmt
	}
	SwitchStmt struct {
		SwitchPos token.Pos
		Tag       Expr
		Cases     []*CaseClause
		TagSlot   int // hidden slot holding the tag, set by the resolver
	}
	LabeledStmt struct {
		Label *Ident
		Stmt  Stmt
	}
)

func (s *VarDecl) Pos() token.Pos     { return s.DeclPos }
func (s *FuncDecl) Pos() token.Pos    { return s.Func.FuncPos }
func (s *ExprStmt) Pos() token.Pos    { return s.X.Pos() }
func (s *BlockStmt) Pos() token.Pos   { return s.Lbrace }
func (s *EmptyStmt) Pos() token.Pos   { return s.Semi }
func (s *IfStmt) Pos() token.Pos      { return s.IfPos }
func (s *ForStmt) Pos() token.Pos     { return s.ForPos }
func (s *ForOfStmt) Pos() token.Pos   { return s.ForPos }
func (s *WhileStmt) Pos() token.Pos   { return s.WhilePos }
func (s *DoWhileStmt) Pos() token.Pos { return s.DoPos }
func (s *BranchStmt) Pos() token.Pos  { return s.TokPos }
func (s *ReturnStmt) Pos() token.Pos  { return s.ReturnPos }
func (s *SwitchStmt) Pos() token.Pos  { return s.SwitchPos }
func (s *LabeledStmt) Pos() token.Pos { return s.Label.NamePos }

func (*VarDecl) stmtNode()     {}
func (*FuncDecl) stmtNode()    {}
func (*ExprStmt) stmtNode()    {}
func (*BlockStmt) stmtNode()   {}
func (*EmptyStmt) stmtNode()   {}
func (*IfStmt) stmtNode()      {}
func (*ForStmt) stmtNode()     {}
func (*ForOfStmt) stmtNode()   {}
func (*WhileStmt) stmtNode()   {}
func (*DoWhileStmt) stmtNode() {}
func (*BranchStmt) stmtNode()  {}
func (*ReturnStmt) stmtNode()  {}
func (*SwitchStmt) stmtNode()  {}
func (*LabeledStmt) stmtNode() {}

// File is a parsed script. Main is the synthetic function holding the top level.
type File struct {
	Name string
	Main *FuncLit
	// NumGlobals is the number of global slots, set by the resolver.
	NumGlobals int
	// Globals lists the top-level objects by slot, set by the resolver.
	Globals []*Object
	// Allocs lists the places inside functions (not the top level) where evaluation
	// allocates on the machine's heap, set by the resolver for "nanotick vet".
	Allocs []AllocSite
}

// Error is a diagnostic produced by the parser or resolver. Hint suggests what to write
// instead; it may be empty.
type Error struct {
	Pos  token.Pos
	Msg  string
	Hint string
}
