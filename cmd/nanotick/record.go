package main

import (
	"fmt"
	"io"
)

// runRecord is not built yet; its owner replaces this file.
func runRecord(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "nanotick: not built yet")
	return 1
}
