package testdata

import (
	"runtime"
	"time"
)

// CPUTimer measures the CPU time of the calling goroutine's OS thread. On a
// machine shared with other work, wall-clock benchmark timings include time
// spent waiting for a core; CPU time does not, so it compares alternatives
// more steadily. It is meant for benchmarks that allocate nothing, whose
// work all happens on their own thread.
type CPUTimer struct{ start time.Duration }

// StartCPUTimer locks the calling goroutine to its OS thread and starts a
// CPUTimer. Stop must be called on the same goroutine. If the platform has
// no thread CPU clock, Stop returns 0 and false.
func StartCPUTimer() CPUTimer {
	runtime.LockOSThread()
	start, _ := threadCPU()
	return CPUTimer{start: start}
}

// Stop returns the CPU time used by the thread since StartCPUTimer and
// unlocks the goroutine from its thread.
func (c CPUTimer) Stop() (time.Duration, bool) {
	defer runtime.UnlockOSThread()
	now, ok := threadCPU()
	return now - c.start, ok
}
