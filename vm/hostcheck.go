package vm

import (
	"fmt"

	"github.com/nanotick/nanotick/vm/compiler"
)

// CallSite is one call of a host function with a call check (HostObject.CheckCall), as
// the compiler saw it: its position, the instrument literal its handle was bound with
// (Receiver), and the arguments that are constants. Checking call sites adds nothing to
// the bytecode: a checked host call costs what an unchecked one does.
type CallSite = compiler.CallSite

// ConstArg is one argument of a CallSite.
type ConstArg = compiler.ConstArg

// CallCheck checks a call site; it returns the index of the argument at fault (-1 for
// the call itself) and the error.
type CallCheck func(site *CallSite) (arg int, err error)

// CheckCall makes the compiler check every call of the object's method: check sees the
// call site and its constant arguments, and an error from it is a compile error at the
// argument it names, which nanotick vet reports too. Every checked site is also kept in
// the Program (Program.CallSites), so that the host can check them again when it knows
// more than at compile time (which instrument a global namespace means, once the script
// is bound to an engine).
func (o *HostObject) CheckCall(method string, check CallCheck) *HostObject {
	i, ok := o.methods[method]
	if !ok || check == nil {
		o.h.errs = append(o.h.errs, fmt.Sprintf("host method %s.%s: CheckCall needs the method registered first", o.name, method))
		return o
	}
	if o.h.callChk == nil {
		o.h.callChk = map[int]CallCheck{}
	}
	o.h.callChk[i] = check
	return o
}

func (h *Host) hostChecked(idx int) bool {
	_, ok := h.callChk[idx]
	return ok
}

// CallSites returns every call of a checked host function in the script, in source
// order.
func (p *Program) CallSites() []CallSite { return p.sites }
