package vm

import (
	"fmt"
	"math"
	"sort"

	"github.com/nanotick/nanotick/vm/ast"
	"github.com/nanotick/nanotick/vm/bytecode"
	"github.com/nanotick/nanotick/vm/compiler"
	"github.com/nanotick/nanotick/vm/parser"
	"github.com/nanotick/nanotick/vm/resolver"
	"github.com/nanotick/nanotick/vm/token"
)

// Program is a compiled script. It is immutable and safe to share between goroutines;
// each goroutine runs it on its own Machine.
type Program struct {
	code    *bytecode.Program
	consts  []Value
	hostFns []HostFunc
	hostNms []string
	// globalIdx maps top-level names to global slots.
	globalIdx map[string]int
	allocs    []ast.AllocSite
	// hostShapes maps the Host's shapes to program shape indices.
	hostShapes []int32
	// sites are the calls of checked host functions (Host.CheckCall).
	sites []CallSite
}

var predeclared = []string{"Math", "console", "Number", "NaN", "Infinity", "undefined", "isFinite", "isNaN", "Array"}

func isPredeclared(name string) bool {
	for _, p := range predeclared {
		if p == name {
			return true
		}
	}
	return false
}

// Compile parses, resolves and compiles a script. host may be nil. On failure the error
// is an ErrorList holding every error found, each an *Error with file:line:col.
func Compile(filename string, src []byte, host *Host) (prog *Program, err error) {
	defer func() {
		// Last line of defense: a bug in the compiler must not crash the engine.
		if r := recover(); r != nil {
			prog = nil
			err = ErrorList{{File: filename, Line: 1, Col: 1, Msg: fmt.Sprintf("internal compiler error: %v", r)}}
		}
	}()
	if host == nil {
		host = NewHost()
	}
	if len(host.errs) > 0 {
		var l ErrorList
		for _, e := range host.errs {
			l = append(l, &Error{File: filename, Line: 1, Col: 1, Msg: e})
		}
		return nil, l
	}
	file, errs := parser.ParseFile(filename, src)
	if len(errs) > 0 {
		return nil, toErrorList(filename, errs)
	}
	pre := resolver.Predeclared{}
	for _, name := range predeclared {
		pre[name] = &ast.Object{Name: name, Kind: ast.Builtin, Const: true}
	}
	for name, n := range host.names {
		obj := &ast.Object{Name: name, Const: true, Slot: n.index}
		switch n.kind {
		case hostFuncName:
			obj.Kind = ast.HostFunc
		case hostObjectName:
			obj.Kind = ast.HostObj
		case hostConstName:
			obj.Kind = ast.HostConst
		}
		pre[name] = obj
	}
	if errs := resolver.Resolve(file, pre); len(errs) > 0 {
		return nil, toErrorList(filename, errs)
	}
	var sites []CallSite
	callCheck := func(site *CallSite) (int, error) {
		sites = append(sites, *site)
		return host.callChk[site.Func](site)
	}
	code, errs := compiler.Compile(file, compiler.Config{HostMethod: host.hostMethod, HostConst: host.hostConst, HostArity: host.hostArity,
		HostName: func(i int) string { return host.fnames[i] }, HostStringArg: host.hostStringArg,
		HostChecked: host.hostChecked, HostCallCheck: callCheck})
	if len(errs) > 0 {
		return nil, toErrorList(filename, errs)
	}
	if err := verifyCode(code); err != nil {
		return nil, ErrorList{{File: filename, Line: 1, Col: 1, Msg: "internal compiler error: " + err.Error()}}
	}
	if len(code.Globals) > MaxGlobals {
		return nil, ErrorList{{File: filename, Line: 1, Col: 1, Msg: fmt.Sprintf("too many top-level variables and functions (%d, at most %d)", len(code.Globals), MaxGlobals),
			Hint: "keep related values in an array or an object"}}
	}
	p := &Program{code: code, hostFns: host.funcs, hostNms: host.fnames, globalIdx: map[string]int{}, allocs: file.Allocs, sites: sites}
	p.hostShapes = internHostShapes(&code.Strings, &code.Shapes, host.shapes)
	for i, name := range code.Globals {
		p.globalIdx[name] = i
	}
	for _, c := range code.Consts {
		var v Value
		switch c.Kind {
		case bytecode.ConstNumber:
			v = Number(c.Num)
		case bytecode.ConstString:
			v = mkHandle(tagString, uint32(c.Str))
		case bytecode.ConstUndefined:
			v = Undefined
		case bytecode.ConstNull:
			v = Null
		case bytecode.ConstTrue:
			v = Bool(true)
		case bytecode.ConstFalse:
			v = Bool(false)
		}
		p.consts = append(p.consts, v)
	}
	return p, nil
}

// AllocSite is a place inside a function where the script allocates on every execution.
type AllocSite struct {
	Line, Col int
	What      string
}

// AllocSites lists the places inside functions where the script allocates at run time
// (array and object literals, string building, closures, captured variables), which cost
// latency on every tick. "nanotick vet" prints them as warnings.
func (p *Program) AllocSites() []AllocSite {
	out := make([]AllocSite, 0, len(p.allocs))
	for _, a := range p.allocs {
		out = append(out, AllocSite{Line: a.Pos.Line, Col: a.Pos.Col, What: a.What})
	}
	sort.SliceStable(out, func(i, j int) bool {
		return out[i].Line < out[j].Line || (out[i].Line == out[j].Line && out[i].Col < out[j].Col)
	})
	return out
}

// Disassemble returns a listing of the program's bytecode, for debugging.
func (p *Program) Disassemble() string {
	s := ""
	for _, f := range p.code.Funcs {
		s += p.code.Disassemble(f)
	}
	return s
}

func (p *Program) pos(fn, pc int) token.Pos {
	f := p.code.Funcs[fn]
	if pc >= 0 && pc < len(f.Pos) {
		return f.Pos[pc]
	}
	return f.Decl
}

var _ = math.NaN
