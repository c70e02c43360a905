package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/nanotick/nanotick/strategy/script"

	"github.com/nanotick/nanotick/vm"
)

// runEval compiles a script and runs its top level, printing what console.log prints. A
// strategy script runs with its params at their defaults (see script.RunTopLevel).
func runEval(args []string, stdout, stderr io.Writer) int {
	if asksHelp(args) {
		helps["eval"].write(stderr, nil)
		return 0
	}
	if len(args) != 1 || strings.HasPrefix(args[0], "-") {
		helps["eval"].write(stderr, nil)
		return 2
	}
	src, err := os.ReadFile(args[0])
	if err != nil {
		fmt.Fprintf(stderr, "nanotick: %v\n", err)
		return 1
	}
	// A strategy script's top level declares its params and indicators: eval runs it
	// with the strategy API declared and every param at its default.
	if err := script.RunTopLevel(args[0], src, stdout, stderr); err != nil {
		printErrors(stderr, err)
		return 1
	}
	return 0
}

// runVet compiles a script, printing every error, and warns at each place inside a
// function where the script allocates at run time, since that costs latency on every
// tick.
func runVet(args []string, stdout, stderr io.Writer) int {
	if asksHelp(args) {
		helps["vet"].write(stderr, nil)
		return 0
	}
	if len(args) != 1 || strings.HasPrefix(args[0], "-") {
		helps["vet"].write(stderr, nil)
		return 2
	}
	prog, ok := compileFile(args[0], stderr)
	if !ok {
		return 1
	}
	for _, a := range prog.AllocSites() {
		fmt.Fprintf(stdout, "%s:%d:%d: warning: allocates on every call: %s\n", args[0], a.Line, a.Col, a.What)
	}
	return 0
}

// compileFile reads and compiles a script, printing errors to stderr.
func compileFile(path string, stderr io.Writer) (*vm.Program, bool) {
	src, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintf(stderr, "nanotick: %v\n", err)
		return nil, false
	}
	// vet checks strategy scripts, so the strategy API (book, orders, param, ...) is
	// declared; a plain script that uses none of it vets the same.
	prog, err := vm.Compile(path, src, script.NewHost())
	if err != nil {
		printErrors(stderr, err)
		return nil, false
	}
	return prog, true
}

// printErrors prints a compile error list one error a line, or any other error.
func printErrors(stderr io.Writer, err error) {
	var list vm.ErrorList
	if errors.As(err, &list) {
		for _, e := range list {
			fmt.Fprintln(stderr, e)
		}
		return
	}
	fmt.Fprintln(stderr, err)
}
