// Package parser builds the syntax tree of a script from its tokens and rejects the
// JavaScript constructs that nanotick does not support, with a hint for each. It owns
// syntax only: it must never resolve names, allocate slots or generate code.
package parser

import (
	"fmt"
	"strconv"

	"github.com/nanotick/nanotick/vm/ast"
	"github.com/nanotick/nanotick/vm/lexer"
	"github.com/nanotick/nanotick/vm/token"
)

// maxErrors bounds the number of diagnostics so that garbage input stays cheap.
const maxErrors = 10

// maxDepth bounds expression and statement nesting so that deeply nested input cannot
// exhaust the Go stack. It counts the parser's recursion, which takes up to four levels
// per level of source nesting (-(x) enters unary, postfix, primary and the
// parenthesized expression): 5000 accepts at least 1000 levels of every kind of
// nesting, as Node does (Node's own limit, from its stack size, is between 1000 and
// 5000 for most kinds).
const maxDepth = 5000

type bailout struct{}

type parser struct {
	lx    *lexer.Lexer
	tok   lexer.Token
	errs  []ast.Error
	depth int
	fn    *ast.FuncLit // function being parsed, nil at top level
}

// ParseFile parses a whole script. It returns the tree (possibly partial) and every
// diagnostic found; the tree must not be used when diagnostics are returned.
func ParseFile(filename string, src []byte) (file *ast.File, errs []ast.Error) {
	p := &parser{lx: lexer.New(src)}
	main := &ast.FuncLit{FuncPos: token.Pos{Line: 1, Col: 1}, Body: &ast.BlockStmt{Lbrace: token.Pos{Line: 1, Col: 1}}}
	file = &ast.File{Name: filename, Main: main}
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(bailout); !ok {
				panic(r)
			}
		}
		for _, e := range p.lx.Errors() {
			p.errs = append(p.errs, ast.Error{Pos: e.Pos, Msg: e.Msg})
		}
		errs = sortErrors(p.errs)
	}()
	p.next()
	for p.tok.Kind != token.EOF {
		main.Body.List = append(main.Body.List, p.parseStatement())
	}
	return file, nil
}

func sortErrors(errs []ast.Error) []ast.Error {
	// Insertion sort by position: the lists are tiny.
	for i := 1; i < len(errs); i++ {
		for j := i; j > 0 && less(errs[j].Pos, errs[j-1].Pos); j-- {
			errs[j], errs[j-1] = errs[j-1], errs[j]
		}
	}
	// Drop duplicates at the same position (a lexer error often causes a parser one).
	out := errs[:0]
	for i, e := range errs {
		if i > 0 && e.Pos == errs[i-1].Pos {
			continue
		}
		out = append(out, e)
	}
	if len(out) > maxErrors {
		out = out[:maxErrors]
	}
	return out
}

func less(a, b token.Pos) bool { return a.Line < b.Line || (a.Line == b.Line && a.Col < b.Col) }

func (p *parser) next() { p.tok = p.lx.Next() }

// errorAt records a diagnostic and continues parsing.
func (p *parser) errorAt(pos token.Pos, hint, format string, args ...any) {
	p.errs = append(p.errs, ast.Error{Pos: pos, Msg: fmt.Sprintf(format, args...), Hint: hint})
	if len(p.errs) >= maxErrors {
		panic(bailout{})
	}
}

// fail records a diagnostic and abandons the parse: the rest of the input cannot be
// interpreted reliably.
func (p *parser) fail(pos token.Pos, hint, format string, args ...any) {
	p.errs = append(p.errs, ast.Error{Pos: pos, Msg: fmt.Sprintf(format, args...), Hint: hint})
	panic(bailout{})
}

func (p *parser) unexpected(what string) {
	found := p.tok.Kind.String()
	switch p.tok.Kind {
	case token.IDENT:
		found = "identifier " + p.tok.Lit
	case token.NUMBER:
		found = "number " + p.tok.Lit
	case token.STRING:
		found = "string " + strconv.Quote(p.tok.Lit)
	case token.EOF:
	default:
		found = strconv.Quote(found)
	}
	p.fail(p.tok.Pos, "", "syntax error: unexpected %s, expected %s", found, what)
}

func (p *parser) expect(k token.Kind) token.Pos {
	pos := p.tok.Pos
	if p.tok.Kind != k {
		p.unexpected(strconv.Quote(k.String()))
	}
	p.next()
	return pos
}

// expectSemi implements automatic semicolon insertion: a semicolon may be omitted before
// a newline, a closing brace or the end of input.
func (p *parser) expectSemi() {
	switch {
	case p.tok.Kind == token.SEMI:
		p.next()
	case p.tok.Kind == token.RBRACE || p.tok.Kind == token.EOF || p.tok.NewlineBefore:
	default:
		p.unexpected(`";"`)
	}
}

func (p *parser) enter() {
	p.depth++
	if p.depth > maxDepth {
		p.fail(p.tok.Pos, "split the expression or statement into smaller parts", "nesting too deep")
	}
}

func (p *parser) leave() { p.depth-- }

// peek returns the token after the current one without consuming anything.
func (p *parser) peek() lexer.Token {
	s := p.lx.Save()
	t := p.lx.Next()
	p.lx.Restore(s)
	return t
}

func (p *parser) ident() *ast.Ident {
	if p.tok.Kind != token.IDENT {
		if p.tok.Kind.IsKeyword() {
			p.fail(p.tok.Pos, "choose another name", "syntax error: %q is a reserved word and cannot be used as a name", p.tok.Kind.String())
		}
		p.unexpected("identifier")
	}
	id := &ast.Ident{NamePos: p.tok.Pos, Name: p.tok.Lit, Upval: -1}
	p.next()
	return id
}

// ---- Statements ----

func (p *parser) parseStatement() ast.Stmt {
	p.enter()
	defer p.leave()
	pos := p.tok.Pos
	switch p.tok.Kind {
	case token.LBRACE:
		return p.parseBlock()
	case token.SEMI:
		p.next()
		return &ast.EmptyStmt{Semi: pos}
	case token.LET, token.CONST, token.VAR:
		d := p.parseVarDecl()
		p.expectSemi()
		return d
	case token.FUNCTION:
		f := p.parseFunction(true)
		return &ast.FuncDecl{Func: f}
	case token.IF:
		p.next()
		p.expect(token.LPAREN)
		cond := p.parseExpr()
		p.expect(token.RPAREN)
		s := &ast.IfStmt{IfPos: pos, Cond: cond, Then: p.parseSubStatement()}
		if p.tok.Kind == token.ELSE {
			p.next()
			s.Else = p.parseSubStatement()
		}
		return s
	case token.FOR:
		return p.parseFor()
	case token.WHILE:
		p.next()
		p.expect(token.LPAREN)
		cond := p.parseExpr()
		p.expect(token.RPAREN)
		return &ast.WhileStmt{WhilePos: pos, Cond: cond, Body: p.parseSubStatement()}
	case token.DO:
		p.next()
		body := p.parseSubStatement()
		p.expect(token.WHILE)
		p.expect(token.LPAREN)
		cond := p.parseExpr()
		p.expect(token.RPAREN)
		// A semicolon after do-while is always optional.
		if p.tok.Kind == token.SEMI {
			p.next()
		}
		return &ast.DoWhileStmt{DoPos: pos, Body: body, Cond: cond}
	case token.BREAK, token.CONTINUE:
		s := &ast.BranchStmt{TokPos: pos, Tok: p.tok.Kind}
		p.next()
		if p.tok.Kind == token.IDENT && !p.tok.NewlineBefore {
			s.Label = p.ident()
		}
		p.expectSemi()
		return s
	case token.RETURN:
		if p.fn == nil {
			p.errorAt(pos, "return is only allowed inside a function", "syntax error: return outside a function")
		}
		p.next()
		s := &ast.ReturnStmt{ReturnPos: pos}
		if p.tok.Kind != token.SEMI && p.tok.Kind != token.RBRACE && p.tok.Kind != token.EOF && !p.tok.NewlineBefore {
			s.Result = p.parseExpr()
		}
		p.expectSemi()
		return s
	case token.SWITCH:
		return p.parseSwitch()
	case token.CLASS:
		p.fail(pos, "use functions and object literals", "class declarations are not supported")
	case token.TRY, token.CATCH, token.FINALLY:
		p.fail(pos, "check for error conditions with if statements and return a status value", "try/catch/finally is not supported")
	case token.THROW:
		p.fail(pos, "return an error value or status code instead", "throw is not supported")
	case token.WITH:
		p.fail(pos, "refer to the object's properties explicitly", "with statements are not supported")
	case token.IMPORT, token.EXPORT:
		p.fail(pos, "a strategy is a single self-contained file; host functions are registered by the engine", "%s is not supported", p.tok.Kind)
	case token.DEBUGGER:
		p.fail(pos, "remove it; use console.log to inspect values", "debugger statements are not supported")
	case token.IDENT:
		if p.tok.Lit == "async" {
			if n := p.peek(); n.Kind == token.FUNCTION && !n.NewlineBefore {
				p.fail(pos, "use a plain function; the engine calls strategies synchronously", "async functions are not supported")
			}
		}
		if n := p.peek(); n.Kind == token.COLON {
			label := p.ident()
			p.next()
			if p.tok.Kind == token.FUNCTION {
				p.fail(p.tok.Pos, "", "syntax error: a function declaration cannot be labeled")
			}
			return &ast.LabeledStmt{Label: label, Stmt: p.parseStatement()}
		}
	}
	x := p.parseExpr()
	p.expectSemi()
	return &ast.ExprStmt{X: x}
}

// parseSubStatement parses the body of if, for, while and do, where a declaration is not
// allowed without braces.
func (p *parser) parseSubStatement() ast.Stmt {
	switch p.tok.Kind {
	case token.LET, token.CONST, token.VAR, token.FUNCTION, token.CLASS:
		p.fail(p.tok.Pos, "wrap the declaration in braces { }", "syntax error: a declaration is not allowed as the body of a statement")
	}
	return p.parseStatement()
}

func (p *parser) parseBlock() *ast.BlockStmt {
	b := &ast.BlockStmt{Lbrace: p.expect(token.LBRACE)}
	for p.tok.Kind != token.RBRACE && p.tok.Kind != token.EOF {
		b.List = append(b.List, p.parseStatement())
	}
	p.expect(token.RBRACE)
	return b
}

func (p *parser) declKind() bool {
	switch p.tok.Kind {
	case token.VAR:
		p.errorAt(p.tok.Pos, "use let or const", "var declarations are not supported")
	case token.CONST:
		return true
	}
	return false
}

func (p *parser) parseVarDecl() *ast.VarDecl {
	d := &ast.VarDecl{DeclPos: p.tok.Pos, Const: p.declKind()}
	p.next()
	for {
		if p.tok.Kind == token.LBRACE || p.tok.Kind == token.LBRACK {
			p.fail(p.tok.Pos, "declare each variable separately", "destructuring declarations are not supported")
		}
		decl := ast.Declarator{Name: p.ident()}
		if p.tok.Kind == token.ASSIGN {
			p.next()
			decl.Init = p.parseAssign()
		} else if d.Const {
			p.errorAt(decl.Name.NamePos, "give the constant a value: const "+decl.Name.Name+" = ...", "syntax error: missing initializer in const declaration")
		}
		d.List = append(d.List, decl)
		if p.tok.Kind != token.COMMA {
			break
		}
		p.next()
	}
	return d
}

func (p *parser) parseFor() ast.Stmt {
	pos := p.expect(token.FOR)
	if p.tok.Kind == token.AWAIT {
		p.fail(p.tok.Pos, "use a plain for-of loop", "for await is not supported")
	}
	p.expect(token.LPAREN)
	var init ast.Stmt
	switch p.tok.Kind {
	case token.SEMI:
	case token.LET, token.CONST, token.VAR:
		isConst := p.declKind()
		if n := p.peek(); n.Kind == token.IDENT {
			save := p.lx.Save()
			saveTok := p.tok
			p.next()
			name := p.ident()
			if p.tok.Kind == token.IDENT && p.tok.Lit == "of" {
				p.next()
				iter := p.parseAssign()
				p.expect(token.RPAREN)
				return &ast.ForOfStmt{ForPos: pos, Const: isConst, Name: name, Iter: iter, Body: p.parseSubStatement()}
			}
			if p.tok.Kind == token.IN {
				p.fail(p.tok.Pos, "use for (const x of array) or an index loop", "for-in loops are not supported")
			}
			p.lx.Restore(save)
			p.tok = saveTok
		}
		init = p.parseVarDecl()
	default:
		x := p.parseExpr()
		if p.tok.Kind == token.IN {
			p.fail(p.tok.Pos, "use for (const x of array) or an index loop", "for-in loops are not supported")
		}
		if p.tok.Kind == token.IDENT && p.tok.Lit == "of" {
			p.fail(p.tok.Pos, "declare the loop variable: for (const x of array)", "for-of needs a let or const declaration")
		}
		init = &ast.ExprStmt{X: x}
	}
	p.expect(token.SEMI)
	s := &ast.ForStmt{ForPos: pos, Init: init}
	if p.tok.Kind != token.SEMI {
		s.Cond = p.parseExpr()
	}
	p.expect(token.SEMI)
	if p.tok.Kind != token.RPAREN {
		s.Post = p.parseExpr()
	}
	p.expect(token.RPAREN)
	s.Body = p.parseSubStatement()
	return s
}

func (p *parser) parseSwitch() ast.Stmt {
	s := &ast.SwitchStmt{SwitchPos: p.expect(token.SWITCH)}
	p.expect(token.LPAREN)
	s.Tag = p.parseExpr()
	p.expect(token.RPAREN)
	p.expect(token.LBRACE)
	sawDefault := false
	for p.tok.Kind != token.RBRACE && p.tok.Kind != token.EOF {
		c := &ast.CaseClause{CasePos: p.tok.Pos}
		switch p.tok.Kind {
		case token.CASE:
			p.next()
			c.Test = p.parseExpr()
		case token.DEFAULT:
			if sawDefault {
				p.errorAt(p.tok.Pos, "", "syntax error: more than one default clause in switch")
			}
			sawDefault = true
			p.next()
		default:
			p.unexpected(`"case" or "default"`)
		}
		p.expect(token.COLON)
		for p.tok.Kind != token.CASE && p.tok.Kind != token.DEFAULT && p.tok.Kind != token.RBRACE && p.tok.Kind != token.EOF {
			c.Body = append(c.Body, p.parseStatement())
		}
		s.Cases = append(s.Cases, c)
	}
	p.expect(token.RBRACE)
	return s
}

// ---- Functions ----

func (p *parser) parseFunction(decl bool) *ast.FuncLit {
	f := &ast.FuncLit{FuncPos: p.expect(token.FUNCTION), Decl: decl}
	if p.tok.Kind == token.MUL {
		p.fail(p.tok.Pos, "use a function that returns an array, or keep state in variables", "generator functions are not supported")
	}
	if p.tok.Kind == token.IDENT || decl {
		f.Name = p.ident()
	}
	p.parseParams(f)
	p.parseFuncBody(f)
	return f
}

func (p *parser) parseParams(f *ast.FuncLit) {
	p.expect(token.LPAREN)
	for p.tok.Kind != token.RPAREN {
		switch p.tok.Kind {
		case token.ELLIPSIS:
			p.fail(p.tok.Pos, "pass an array instead", "rest parameters are not supported")
		case token.LBRACE, token.LBRACK:
			p.fail(p.tok.Pos, "take the object or array as a parameter and read its elements", "destructuring parameters are not supported")
		}
		f.Params = append(f.Params, p.ident())
		if p.tok.Kind == token.ASSIGN {
			p.fail(p.tok.Pos, "check for undefined inside the function: x = x ?? default", "default parameter values are not supported")
		}
		if p.tok.Kind != token.COMMA {
			break
		}
		p.next()
	}
	p.expect(token.RPAREN)
}

func (p *parser) parseFuncBody(f *ast.FuncLit) {
	outer := p.fn
	p.fn = f
	f.Body = p.parseBlock()
	p.fn = outer
}

// isArrowAhead reports whether the parenthesis at the current token opens an arrow
// function's parameter list, by scanning to the matching parenthesis.
func (p *parser) isArrowAhead() bool {
	save := p.lx.Save()
	defer p.lx.Restore(save)
	depth := 1
	// Parameter lists are short; bounding the scan keeps deeply parenthesized input
	// linear.
	for n := 0; n < 1000; n++ {
		t := p.lx.Next()
		switch t.Kind {
		case token.EOF:
			return false
		case token.LPAREN, token.LBRACK, token.LBRACE:
			depth++
		case token.RPAREN, token.RBRACK, token.RBRACE:
			depth--
			if depth == 0 {
				n := p.lx.Next()
				return n.Kind == token.ARROW && !n.NewlineBefore
			}
		case token.TEMPLATE:
			if !t.TemplateEnd {
				return false // do not try to skip template substitutions
			}
		}
	}
	return false
}

func (p *parser) parseArrow() ast.Expr {
	f := &ast.FuncLit{FuncPos: p.tok.Pos, Arrow: true}
	if p.tok.Kind == token.IDENT {
		f.Params = []*ast.Ident{p.ident()}
	} else {
		p.parseParams(f)
	}
	if p.tok.NewlineBefore {
		p.fail(p.tok.Pos, "", "syntax error: line break before =>")
	}
	p.expect(token.ARROW)
	if p.tok.Kind == token.LBRACE {
		p.parseFuncBody(f)
	} else {
		outer := p.fn
		p.fn = f
		f.ExprBody = p.parseAssign()
		p.fn = outer
	}
	return f
}

// ---- Expressions ----

func (p *parser) parseExpr() ast.Expr {
	x := p.parseAssign()
	if p.tok.Kind != token.COMMA {
		return x
	}
	seq := &ast.SeqExpr{List: []ast.Expr{x}}
	for p.tok.Kind == token.COMMA {
		p.next()
		seq.List = append(seq.List, p.parseAssign())
	}
	return seq
}

func (p *parser) parseAssign() ast.Expr {
	p.enter()
	defer p.leave()
	switch p.tok.Kind {
	case token.IDENT:
		n := p.peek()
		if n.Kind == token.ARROW {
			return p.parseArrow()
		}
		if p.tok.Lit == "async" && !n.NewlineBefore && (n.Kind == token.IDENT || n.Kind == token.LPAREN || n.Kind == token.FUNCTION) {
			p.fail(p.tok.Pos, "use a plain function; the engine calls strategies synchronously", "async functions are not supported")
		}
	case token.LPAREN:
		if p.isArrowAhead() {
			return p.parseArrow()
		}
	case token.YIELD:
		p.fail(p.tok.Pos, "use a function that returns an array, or keep state in variables", "generators and yield are not supported")
	}
	x := p.parseConditional()
	if p.tok.Kind.IsAssignOp() {
		op, pos := p.tok.Kind, p.tok.Pos
		switch t := ast.Unparen(x).(type) {
		case *ast.Ident, *ast.MemberExpr, *ast.IndexExpr:
			_ = t
		default:
			p.fail(pos, "assign to a variable, an array element or an object property", "syntax error: invalid assignment target")
		}
		p.next()
		return &ast.AssignExpr{OpPos: pos, Op: op, Target: x, Value: p.parseAssign()}
	}
	return x
}

func (p *parser) parseConditional() ast.Expr {
	x := p.parseBinary(1)
	if p.tok.Kind == token.QUESTION {
		pos := p.tok.Pos
		p.next()
		then := p.parseAssign()
		p.expect(token.COLON)
		return &ast.CondExpr{QPos: pos, Test: x, Then: then, Else: p.parseAssign()}
	}
	return x
}

func precedence(k token.Kind) int {
	switch k {
	case token.NULLISH, token.LOR:
		return 1
	case token.LAND:
		return 2
	case token.OR:
		return 3
	case token.XOR:
		return 4
	case token.AND:
		return 5
	case token.EQ, token.NE, token.SEQ, token.SNE:
		return 6
	case token.LT, token.LE, token.GT, token.GE, token.IN, token.INSTANCEOF:
		return 7
	case token.SHL, token.SHR, token.USHR:
		return 8
	case token.ADD, token.SUB:
		return 9
	case token.MUL, token.DIV, token.MOD:
		return 10
	case token.POW:
		return 11
	}
	return 0
}

func (p *parser) parseBinary(minPrec int) ast.Expr {
	p.enter()
	defer p.leave()
	x := p.parseUnary()
	for {
		op, pos := p.tok.Kind, p.tok.Pos
		prec := precedence(op)
		if prec == 0 || prec < minPrec {
			return x
		}
		switch op {
		case token.EQ:
			p.errorAt(pos, "use === (strict equality)", "== is not supported")
			op = token.SEQ
		case token.NE:
			p.errorAt(pos, "use !== (strict inequality)", "!= is not supported")
			op = token.SNE
		case token.IN:
			p.fail(pos, "object keys are fixed where the object is written; read the property directly", "the in operator is not supported")
		case token.INSTANCEOF:
			p.fail(pos, "use typeof or Array.isArray-free checks such as x.length !== undefined", "instanceof is not supported")
		}
		p.next()
		var y ast.Expr
		if op == token.POW {
			if _, ok := x.(*ast.UnaryExpr); ok {
				p.fail(pos, "add parentheses, e.g. (-x) ** 2 or -(x ** 2)", "syntax error: unary operator used immediately before **")
			}
			y = p.parseBinary(prec) // right associative
		} else {
			y = p.parseBinary(prec + 1)
		}
		if mixesNullish(op, x, y) {
			p.fail(pos, "add parentheses around the || or && part", "syntax error: ?? cannot be mixed with || or && without parentheses")
		}
		x = &ast.BinaryExpr{OpPos: pos, Op: op, X: x, Y: y}
	}
}

// mixesNullish reports an unparenthesized mix of ?? with || or &&, a syntax error in JS.
func mixesNullish(op token.Kind, x, y ast.Expr) bool {
	check := func(e ast.Expr, want func(token.Kind) bool) bool {
		b, ok := e.(*ast.BinaryExpr)
		return ok && want(b.Op)
	}
	isAndOr := func(k token.Kind) bool { return k == token.LOR || k == token.LAND }
	isNullish := func(k token.Kind) bool { return k == token.NULLISH }
	switch op {
	case token.NULLISH:
		return check(x, isAndOr) || check(y, isAndOr)
	case token.LOR, token.LAND:
		return check(x, isNullish) || check(y, isNullish)
	}
	return false
}

func (p *parser) parseUnary() ast.Expr {
	pos := p.tok.Pos
	switch p.tok.Kind {
	case token.SUB, token.ADD, token.NOT, token.BITNOT, token.TYPEOF:
		op := p.tok.Kind
		p.next()
		p.enter()
		x := p.parseUnary()
		p.leave()
		return &ast.UnaryExpr{OpPos: pos, Op: op, X: x}
	case token.INC, token.DEC:
		op := p.tok.Kind
		p.next()
		p.enter()
		x := p.parseUnary()
		p.leave()
		p.checkUpdateTarget(x, pos)
		return &ast.UpdateExpr{OpPos: pos, Op: op, Prefix: true, X: x}
	case token.DELETE:
		p.fail(pos, "object keys are fixed; set the property to null or undefined instead", "delete is not supported")
	case token.VOID:
		p.fail(pos, "write undefined", "void is not supported")
	case token.AWAIT:
		p.fail(pos, "call the function directly; the engine calls strategies synchronously", "await is not supported")
	}
	x := p.parsePostfix()
	return x
}

func (p *parser) checkUpdateTarget(x ast.Expr, pos token.Pos) {
	switch ast.Unparen(x).(type) {
	case *ast.Ident, *ast.MemberExpr, *ast.IndexExpr:
	default:
		p.fail(pos, "apply ++ and -- to a variable, an array element or an object property", "syntax error: invalid increment/decrement operand")
	}
}

func (p *parser) parsePostfix() ast.Expr {
	x := p.parseCallMember()
	if (p.tok.Kind == token.INC || p.tok.Kind == token.DEC) && !p.tok.NewlineBefore {
		p.checkUpdateTarget(x, p.tok.Pos)
		u := &ast.UpdateExpr{OpPos: p.tok.Pos, Op: p.tok.Kind, X: x}
		p.next()
		return u
	}
	return x
}

func (p *parser) propertyName() (string, token.Pos) {
	pos := p.tok.Pos
	if p.tok.Kind == token.IDENT || p.tok.Kind.IsKeyword() {
		name := p.tok.Lit
		p.next()
		return name, pos
	}
	if p.tok.Kind == token.NUMBER {
		p.fail(pos, "use an array for numbered elements", "numeric property names are not supported")
	}
	p.unexpected("property name")
	return "", pos
}

func (p *parser) parseCallMember() ast.Expr {
	x := p.parsePrimary()
	for {
		switch p.tok.Kind {
		case token.DOT:
			p.next()
			if p.tok.Kind == token.IDENT && p.tok.Lit == "#" {
				p.unexpected("property name")
			}
			name, pos := p.propertyName()
			x = &ast.MemberExpr{X: x, NamePos: pos, Name: name}
		case token.LBRACK:
			pos := p.tok.Pos
			p.next()
			idx := p.parseExpr()
			p.expect(token.RBRACK)
			x = &ast.IndexExpr{X: x, Lbrack: pos, Index: idx}
		case token.LPAREN:
			pos := p.tok.Pos
			x = &ast.CallExpr{Lparen: pos, Fun: x, Args: p.parseArgs()}
		case token.QDOT:
			p.fail(p.tok.Pos, "check for null or undefined explicitly before the access", "optional chaining ?. is not supported")
		case token.TEMPLATE:
			p.fail(p.tok.Pos, "call the function with a string argument", "tagged template literals are not supported")
		default:
			return x
		}
	}
}

func (p *parser) parseArgs() []ast.Expr {
	p.expect(token.LPAREN)
	var args []ast.Expr
	for p.tok.Kind != token.RPAREN {
		if p.tok.Kind == token.ELLIPSIS {
			p.fail(p.tok.Pos, "pass the array itself", "spread arguments are not supported")
		}
		args = append(args, p.parseAssign())
		if p.tok.Kind != token.COMMA {
			break
		}
		p.next()
	}
	p.expect(token.RPAREN)
	return args
}

func (p *parser) parsePrimary() ast.Expr {
	p.enter()
	defer p.leave()
	t := p.tok
	switch t.Kind {
	case token.NUMBER:
		p.next()
		return &ast.NumberLit{ValuePos: t.Pos, Value: t.Num}
	case token.STRING:
		p.next()
		return &ast.StringLit{ValuePos: t.Pos, Value: t.Lit}
	case token.TEMPLATE:
		return p.parseTemplate()
	case token.TRUE, token.FALSE:
		p.next()
		return &ast.BoolLit{ValuePos: t.Pos, Value: t.Kind == token.TRUE}
	case token.NULL:
		p.next()
		return &ast.NullLit{ValuePos: t.Pos}
	case token.IDENT:
		return p.ident()
	case token.LPAREN:
		p.next()
		x := p.parseExpr()
		p.expect(token.RPAREN)
		return &ast.ParenExpr{Lparen: t.Pos, X: x}
	case token.LBRACK:
		return p.parseArrayLit()
	case token.LBRACE:
		return p.parseObjectLit()
	case token.FUNCTION:
		return p.parseFunction(false)
	case token.NEW:
		return p.parseNew()
	case token.THIS:
		p.next()
		p.errorAt(t.Pos, "pass the object as a parameter or use a variable", "this is not supported")
		return &ast.NullLit{ValuePos: t.Pos}
	case token.DIV, token.DIVASSIGN:
		p.fail(t.Pos, "compare strings with === or use string functions", "regular expression literals are not supported")
	case token.CLASS:
		p.fail(t.Pos, "use functions and object literals", "class expressions are not supported")
	case token.SUPER:
		p.fail(t.Pos, "use functions and object literals", "super is not supported")
	case token.ELLIPSIS:
		p.fail(t.Pos, "pass the array itself", "spread syntax is not supported")
	}
	p.unexpected("expression")
	return nil
}

func (p *parser) parseNew() ast.Expr {
	pos := p.expect(token.NEW)
	if p.tok.Kind != token.IDENT || p.tok.Lit != "Array" {
		p.fail(pos, "use an object literal { ... } or a function returning one; only new Array(n) is supported", "new is only supported as new Array(n)")
	}
	fun := p.ident()
	if p.tok.Kind != token.LPAREN {
		p.fail(p.tok.Pos, "write new Array(n)", "syntax error: new Array needs an argument list")
	}
	args := p.parseArgs()
	if len(args) != 1 {
		p.fail(pos, "write new Array(n) for n elements, or an array literal [a, b, c]", "new Array takes exactly one argument (the length)")
	}
	return &ast.NewExpr{NewPos: pos, Fun: fun, Args: args}
}

func (p *parser) parseTemplate() ast.Expr {
	t := &ast.TemplateLit{TPos: p.tok.Pos}
	for {
		t.Quasis = append(t.Quasis, p.tok.Lit)
		if p.tok.TemplateEnd {
			p.next()
			return t
		}
		p.next()
		t.Exprs = append(t.Exprs, p.parseExpr())
		if p.tok.Kind != token.RBRACE {
			p.unexpected(`"}" closing the template substitution`)
		}
		// The brace has been scanned; the lexer sits right after it.
		p.tok = p.lx.ContinueTemplate(p.tok.Pos)
	}
}

func (p *parser) parseArrayLit() ast.Expr {
	a := &ast.ArrayLit{Lbrack: p.expect(token.LBRACK)}
	for p.tok.Kind != token.RBRACK {
		switch p.tok.Kind {
		case token.COMMA:
			p.fail(p.tok.Pos, "write undefined explicitly", "array holes are not supported")
		case token.ELLIPSIS:
			p.fail(p.tok.Pos, "copy the elements with a loop or slice()", "spread syntax is not supported")
		}
		a.Elems = append(a.Elems, p.parseAssign())
		if p.tok.Kind != token.COMMA {
			break
		}
		p.next()
	}
	p.expect(token.RBRACK)
	return a
}

func (p *parser) parseObjectLit() ast.Expr {
	o := &ast.ObjectLit{Lbrace: p.expect(token.LBRACE)}
	seen := map[string]bool{}
	for p.tok.Kind != token.RBRACE {
		pos := p.tok.Pos
		switch p.tok.Kind {
		case token.LBRACK:
			p.fail(pos, "write the key literally; object keys are fixed where the object is written", "computed property names are not supported")
		case token.ELLIPSIS:
			p.fail(pos, "list the properties explicitly", "object spread is not supported")
		case token.MUL:
			p.fail(pos, "use a function that returns an array", "generator methods are not supported")
		}
		var key string
		if p.tok.Kind == token.STRING {
			key = p.tok.Lit
			p.next()
		} else if p.tok.Kind == token.IDENT && (p.tok.Lit == "get" || p.tok.Lit == "set" || p.tok.Lit == "async") {
			if n := p.peek(); n.Kind != token.COLON && n.Kind != token.COMMA && n.Kind != token.RBRACE && n.Kind != token.LPAREN {
				if p.tok.Lit == "async" {
					p.fail(pos, "use a plain function", "async methods are not supported")
				}
				p.fail(pos, "use a plain property and update it explicitly", "getters and setters are not supported")
			}
			key, _ = p.propertyName()
		} else {
			isIdent := p.tok.Kind == token.IDENT
			key, _ = p.propertyName()
			if !isIdent && p.tok.Kind != token.COLON && p.tok.Kind != token.LPAREN {
				p.unexpected(`":"`)
			}
		}
		if seen[key] {
			p.errorAt(pos, "remove one of them", "duplicate key %q in object literal", key)
		}
		seen[key] = true
		var val ast.Expr
		switch p.tok.Kind {
		case token.COLON:
			p.next()
			val = p.parseAssign()
		case token.LPAREN:
			f := &ast.FuncLit{FuncPos: pos}
			p.parseParams(f)
			p.parseFuncBody(f)
			val = f
		case token.ASSIGN:
			p.fail(p.tok.Pos, "", "syntax error: unexpected \"=\" in object literal")
		default:
			if token.Lookup(key) != token.IDENT {
				p.unexpected(`":"`)
			}
			val = &ast.Ident{NamePos: pos, Name: key, Upval: -1}
		}
		o.Props = append(o.Props, ast.Property{KeyPos: pos, Key: key, Value: val})
		if p.tok.Kind != token.COMMA {
			break
		}
		p.next()
	}
	p.expect(token.RBRACE)
	return o
}
