package main

import (
	"fmt"
	"io"
)

// runSweep is not built yet; its owner replaces this file.
func runSweep(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "nanotick: not built yet")
	return 1
}
