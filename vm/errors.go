package vm

import (
	"fmt"
	"strings"

	"github.com/nanotick/nanotick/vm/ast"
)

// Frame is one entry of a script stack trace.
type Frame struct {
	Func      string
	File      string
	Line, Col int
}

// Error is a compile or runtime error in a script. Error() prints "file:line:col: msg",
// then the hint and, for runtime errors, the script stack trace, innermost call first.
type Error struct {
	File      string
	Line, Col int
	Msg       string
	Hint      string
	Stack     []Frame
	Runtime   bool
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
	if e.Hint != "" {
		fmt.Fprintf(&b, "\n\thint: %s", e.Hint)
	}
	for _, f := range e.Stack {
		fmt.Fprintf(&b, "\n\tat %s (%s:%d:%d)", f.Func, f.File, f.Line, f.Col)
	}
	return b.String()
}

// ErrorList is the list of errors Compile returns, sorted by position.
type ErrorList []*Error

func (l ErrorList) Error() string {
	switch len(l) {
	case 0:
		return "no errors"
	case 1:
		return l[0].Error()
	}
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap returns the individual errors, so errors.As finds an *Error.
func (l ErrorList) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

func toErrorList(file string, errs []ast.Error) ErrorList {
	out := make(ErrorList, 0, len(errs))
	for _, e := range errs {
		out = append(out, &Error{File: file, Line: e.Pos.Line, Col: e.Pos.Col, Msg: e.Msg, Hint: e.Hint})
	}
	// Stable insertion sort by position.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && (out[j].Line < out[j-1].Line || (out[j].Line == out[j-1].Line && out[j].Col < out[j-1].Col)); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}
