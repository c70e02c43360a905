package main

import (
	"fmt"
	"io"
)

// runSim is not built yet; its owner replaces this file.
func runSim(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "nanotick: not built yet")
	return 1
}
