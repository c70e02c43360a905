package telemetry

import _ "unsafe" // for go:linkname

// Nanotime returns the runtime's monotonic clock in nanoseconds. Stage timings need a
// clock that never jumps and costs little: time.Now reads the wall clock as well, which
// a tick timed at six points would pay for six times.
//
//go:linkname Nanotime runtime.nanotime
func Nanotime() int64
