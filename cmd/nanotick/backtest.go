package main

import (
	"fmt"
	"io"
)

// runBacktest is not built yet; its owner replaces this file.
func runBacktest(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "nanotick: not built yet")
	return 1
}
