package backtest

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// The garbage collector of a process that backtests.
//
// A backtest allocates its books, engine, strategy and pools at start (a few MB) and
// then next to nothing per event (the hot path allocates nothing). Go's default
// (GOGC=100, a first collection at a 4 MB heap) collects two or three times during
// that start, with mark assists on the goroutines that allocate, and each collection
// reads the pages of large objects just allocated (batches, rings, books) before they
// are first written, so that the kernel maps them twice (a zero page, then a copy with
// a TLB flush on every core the process runs on). In a run from the event cache that
// was some 5% to 12% of the process's CPU. TuneGC lets a small heap grow to gcRoom
// before it is collected, and leaves a large one to the default.

const (
	// gcRoom is the heap a small live heap may grow to before a collection.
	gcRoom = 32 << 20
	// gcMaxPercent caps GOGC: the heap grows to at most 5x what was live.
	gcMaxPercent = 400
)

var gcTune struct {
	sync.Mutex
	on      bool
	restore int // GOGC before TuneGC
}

// TuneGC sets the garbage collector of the process for backtests and sweeps: after
// each collection GOGC is set so that the next one comes when the heap reaches gcRoom,
// but at most gcMaxPercent (5x the live heap) and at least 100 (Go's default: twice
// the live heap). So a run whose live heap stays small is collected seldom or never,
// its heap at most gcRoom; one whose live heap passes gcRoom/2 is collected as by
// default. Its memory stays flat in the length of the data as before (TestMemoryFlat
// runs with it). It is for a process's main, once: the returned func restores the
// previous setting (for tests); calls while it is on do nothing.
func TuneGC() (restore func()) {
	gcTune.Lock()
	defer gcTune.Unlock()
	if gcTune.on {
		return func() {}
	}
	gcTune.on = true
	gcTune.restore = debug.SetGCPercent(gcMaxPercent) // the first goal: 4 MB x 4
	armGCTuner()
	return func() {
		gcTune.Lock()
		defer gcTune.Unlock()
		if gcTune.on {
			gcTune.on = false
			debug.SetGCPercent(gcTune.restore)
		}
	}
}

// gcSentinel is garbage whose finalizer runs after each collection that finds it.
type gcSentinel struct{ _ [16]byte } // not tiny-allocated: a finalizer needs an object of its own

// armGCTuner makes a sentinel that tunes GOGC once the next collection has run, and
// arms the next one.
func armGCTuner() {
	runtime.SetFinalizer(&gcSentinel{}, func(*gcSentinel) {
		gcTune.Lock()
		defer gcTune.Unlock()
		if !gcTune.on {
			return
		}
		debug.SetGCPercent(gcPercentFor(liveHeap()))
		armGCTuner()
	})
}

// gcPercentFor returns the GOGC that makes the next collection come at gcRoom after a
// collection that left live bytes, within 100 and gcMaxPercent.
func gcPercentFor(live uint64) int {
	if live == 0 {
		return gcMaxPercent
	}
	if live >= gcRoom/2 {
		return 100
	}
	return int(min(gcMaxPercent, 100*(gcRoom-live)/live))
}

// liveHeap returns the bytes of heap the last collection found live.
func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}
