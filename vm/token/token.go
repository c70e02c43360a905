// Package token defines the lexical tokens of the nanotick script language and source
// positions. It owns only vocabulary: it must never scan, parse or evaluate anything.
package token

import "fmt"

// Pos is a 1-based line and column (in bytes) in a source file. The zero Pos means unknown.
type Pos struct {
	Line, Col int
}

// IsValid reports whether the position is known.
func (p Pos) IsValid() bool { return p.Line > 0 }

// String formats the position as line:col.
func (p Pos) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Col) }

// Kind is the kind of a token.
type Kind int

// The token kinds. Keywords follow the operators; Lookup maps identifiers to them.
const (
	ILLEGAL Kind = iota
	EOF
	IDENT
	NUMBER
	STRING
	TEMPLATE // a template chunk: head, middle or tail, depending on TemplateEnd

	// Punctuation and operators.
	LPAREN    // (
	RPAREN    // )
	LBRACE    // {
	RBRACE    // }
	LBRACK    // [
	RBRACK    // ]
	SEMI      // ;
	COMMA     // ,
	DOT       // .
	ELLIPSIS  // ...
	QUESTION  // ?
	QDOT      // ?.
	COLON     // :
	ARROW     // =>
	ASSIGN    // =
	EQ        // ==
	NE        // !=
	SEQ       // ===
	SNE       // !==
	LT        // <
	LE        // <=
	GT        // >
	GE        // >=
	ADD       // +
	SUB       // -
	MUL       // *
	DIV       // /
	MOD       // %
	POW       // **
	INC       // ++
	DEC       // --
	SHL       // <<
	SHR       // >>
	USHR      // >>>
	AND       // &
	OR        // |
	XOR       // ^
	NOT       // !
	BITNOT    // ~
	LAND      // &&
	LOR       // ||
	NULLISH   // ??
	ADDASSIGN // +=
	SUBASSIGN // -=
	MULASSIGN // *=
	DIVASSIGN // /=
	MODASSIGN // %=
	POWASSIGN // **=
	SHLASSIGN // <<=
	SHRASSIGN // >>=
	USHRASSIGN
	ANDASSIGN  // &=
	ORASSIGN   // |=
	XORASSIGN  // ^=
	LANDASSIGN // &&=
	LORASSIGN  // ||=
	NULLASSIGN // ??=

	keywordBeg
	LET
	CONST
	VAR
	FUNCTION
	RETURN
	IF
	ELSE
	FOR
	WHILE
	DO
	BREAK
	CONTINUE
	SWITCH
	CASE
	DEFAULT
	TRUE
	FALSE
	NULL
	NEW
	TYPEOF
	CLASS
	THIS
	TRY
	CATCH
	FINALLY
	THROW
	WITH
	DELETE
	IMPORT
	EXPORT
	IN
	INSTANCEOF
	VOID
	DEBUGGER
	SUPER
	EXTENDS
	YIELD
	AWAIT
	keywordEnd
)

var names = [...]string{
	ILLEGAL: "ILLEGAL", EOF: "end of file", IDENT: "identifier", NUMBER: "number", STRING: "string",
	TEMPLATE: "template literal",
	LPAREN:   "(", RPAREN: ")", LBRACE: "{", RBRACE: "}", LBRACK: "[", RBRACK: "]", SEMI: ";",
	COMMA: ",", DOT: ".", ELLIPSIS: "...", QUESTION: "?", QDOT: "?.", COLON: ":", ARROW: "=>",
	ASSIGN: "=", EQ: "==", NE: "!=", SEQ: "===", SNE: "!==", LT: "<", LE: "<=", GT: ">", GE: ">=",
	ADD: "+", SUB: "-", MUL: "*", DIV: "/", MOD: "%", POW: "**", INC: "++", DEC: "--",
	SHL: "<<", SHR: ">>", USHR: ">>>", AND: "&", OR: "|", XOR: "^", NOT: "!", BITNOT: "~",
	LAND: "&&", LOR: "||", NULLISH: "??", ADDASSIGN: "+=", SUBASSIGN: "-=", MULASSIGN: "*=",
	DIVASSIGN: "/=", MODASSIGN: "%=", POWASSIGN: "**=", SHLASSIGN: "<<=", SHRASSIGN: ">>=",
	USHRASSIGN: ">>>=", ANDASSIGN: "&=", ORASSIGN: "|=", XORASSIGN: "^=", LANDASSIGN: "&&=",
	LORASSIGN: "||=", NULLASSIGN: "??=",
	LET: "let", CONST: "const", VAR: "var", FUNCTION: "function", RETURN: "return", IF: "if",
	ELSE: "else", FOR: "for", WHILE: "while", DO: "do", BREAK: "break", CONTINUE: "continue",
	SWITCH: "switch", CASE: "case", DEFAULT: "default", TRUE: "true", FALSE: "false", NULL: "null",
	NEW: "new", TYPEOF: "typeof", CLASS: "class", THIS: "this", TRY: "try", CATCH: "catch",
	FINALLY: "finally", THROW: "throw", WITH: "with", DELETE: "delete", IMPORT: "import",
	EXPORT: "export", IN: "in", INSTANCEOF: "instanceof", VOID: "void", DEBUGGER: "debugger",
	SUPER: "super", EXTENDS: "extends", YIELD: "yield", AWAIT: "await",
}

// String returns the source spelling of operators and keywords, or a description.
func (k Kind) String() string {
	if k >= 0 && int(k) < len(names) && names[k] != "" {
		return names[k]
	}
	return fmt.Sprintf("token(%d)", int(k))
}

// IsKeyword reports whether k is a reserved word.
func (k Kind) IsKeyword() bool { return k > keywordBeg && k < keywordEnd }

var keywords = func() map[string]Kind {
	m := make(map[string]Kind, int(keywordEnd-keywordBeg))
	for k := keywordBeg + 1; k < keywordEnd; k++ {
		m[names[k]] = k
	}
	return m
}()

// Lookup maps an identifier to its keyword kind, or IDENT.
func Lookup(name string) Kind {
	if k, ok := keywords[name]; ok {
		return k
	}
	return IDENT
}

// IsAssignOp reports whether k is = or a compound assignment operator.
func (k Kind) IsAssignOp() bool { return k == ASSIGN || (k >= ADDASSIGN && k <= NULLASSIGN) }

// BinaryOf returns the binary operator of a compound assignment (ADD for ADDASSIGN).
func (k Kind) BinaryOf() Kind {
	switch k {
	case ADDASSIGN:
		return ADD
	case SUBASSIGN:
		return SUB
	case MULASSIGN:
		return MUL
	case DIVASSIGN:
		return DIV
	case MODASSIGN:
		return MOD
	case POWASSIGN:
		return POW
	case SHLASSIGN:
		return SHL
	case SHRASSIGN:
		return SHR
	case USHRASSIGN:
		return USHR
	case ANDASSIGN:
		return AND
	case ORASSIGN:
		return OR
	case XORASSIGN:
		return XOR
	case LANDASSIGN:
		return LAND
	case LORASSIGN:
		return LOR
	case NULLASSIGN:
		return NULLISH
	}
	return ILLEGAL
}
