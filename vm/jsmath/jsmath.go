// Package jsmath implements JavaScript's Math functions bit for bit as V8 (Node)
// computes them, so that a strategy prints the same numbers in nanotick and in Node.
// V8 uses fdlibm-derived routines (src/base/ieee754.cc); Go's math package uses other
// algorithms for several functions (and assembly on some architectures), whose results
// differ in the last bit for some arguments.
//
// It owns only these pure functions: no state, no allocation, never a panic.
package jsmath

import "math"

// The functions not yet ported delegate to Go's math package.
var (
	Log1p = math.Log1p
)
