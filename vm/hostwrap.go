package vm

// Wrap replaces every registered host function with wrap(name, fn), where name is the
// function's script name ("param", "book.mid"). It lets a tool run a script against an
// API whose functions need an environment the tool does not have (nanotick eval runs a
// strategy's top level without an engine), replacing those functions with ones that
// fail with a clear error. Call it before Compile, like every other Host method.
func (h *Host) Wrap(wrap func(name string, fn HostFunc) HostFunc) {
	for i, fn := range h.funcs {
		h.funcs[i] = wrap(h.fnames[i], fn)
	}
}
