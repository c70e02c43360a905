// Package vm compiles and runs nanotick strategy scripts, a strict subset of JavaScript:
// every program it accepts runs the same in a standard JavaScript engine, and where
// JavaScript would silently coerce across types (a string or undefined in arithmetic, <
// between a number and a string, calling a non-function, reading a property of
// undefined) the machine stops with a runtime error instead, so that a NaN price can
// never reach an order. The only implicit conversion kept is string concatenation.
//
// Package vm owns the public API (Compile, Program, Machine, Value, Host), the runtime
// values, the machine's heap and its collector, the interpreter loop and the builtins.
// It must never let a Go panic escape Compile, Run or Call, never look a variable up by
// name at run time, and never coerce across types silently.
//
// # Pipeline
//
// Each stage is a small package that owns one thing:
//
//	lexer      source -> tokens (token: kinds and positions)
//	parser     tokens -> ast, rejecting unsupported JavaScript with a hint
//	resolver   binds names, gives every variable a fixed slot, enforces static rules
//	compiler   ast -> bytecode, then peephole superinstructions (opt_*.go)
//	bytecode   the instruction set and the immutable compiled Program
//	vm         values, heap, interpreter, builtins, console.log formatting
//
// # Values and memory
//
// A Value is a NaN-boxed uint64 holding no Go pointer: numbers are their float64 bits,
// and the tags 0xFFF9..0xFFFE in the top 16 bits (a NaN range that neither the
// canonical NaN nor x86's default NaN 0xFFF8… reaches) mark undefined, null, booleans,
// strings, arrays, objects and functions. Strings, arrays, objects, closures and the
// heap cells of captured variables live in arenas owned by the Machine and are referred
// to by index, so the value stack and the globals are never scanned by Go's collector.
// A precise mark-sweep collector reclaims arena slots (roots: globals, the live stack,
// active frames, pinned host values); allocation only requests a collection, which
// runs at the next safe point (a loop back-edge or a call) or between calls.
//
// Variables have static slots: locals and parameters live in frame slots on the value
// stack, top-level declarations in global slots (the first values of the stack array),
// and variables captured by closures in heap cells (one per binding, so a let in a loop
// gets a fresh cell per iteration).
//
// # The interpreter
//
// Two loops share the work (fast.go). runFast runs the instructions that per-tick code
// spends its time in, only in their common case (numbers where numbers are expected,
// calls within every limit), with its state in registers and the code walked by a
// pointer over bytecode verified at compile time. Anything else it hands, one
// instruction at a time, to runGeneral (exec.go), which implements every instruction
// with all its rules and errors.
//
// # Machines and limits
//
// A Program is immutable and may be shared by goroutines; a Machine runs one at a
// time on one goroutine. Its value stack and frame stack are allocated once. Each Run or
// Call has a budget charged by work (instructions, counted in bulk at calls and loop
// back-edges, and bytes allocated; see Limits.Steps), and the machine has
// a call depth limit, a stack size and an arena memory limit (Limits); hitting one
// stops the script with a runtime error and leaves the machine usable.
//
// # Host API
//
// Go registers functions, objects of functions and constants on a Host before
// compiling:
//
//	h := vm.NewHost()
//	h.Func("now", nowFn)
//	h.Object("book").MethodSig("bidPrice", 1, 1, bidPriceFn) // checked arity
//	h.Const("TICK", vm.Number(0.25))
//	prog, err := vm.Compile("s.js", src, h)
//
// A HostFunc is func(m *Machine, args []Value) (Value, error): args is a window onto the
// value stack, so calling a host function with numbers allocates nothing. Hosts read
// arguments with NumberArg, Value.Number, Machine.StringOf, ArrayLen/ArrayGet and
// Property, and create values with Number, Bool, Machine.NewString and NewArray. Go
// calls script functions with Machine.Func and Machine.Call, which allocates nothing for
// number arguments and results.
//
// Compile errors are an ErrorList of *Error; runtime errors are an *Error with the
// script stack trace. Error() prints "file:line:col: message", then the hint and the
// trace.
package vm
