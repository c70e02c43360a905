package admin

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// The Go runtime's metrics are exported with the names, HELP texts and types of the
// Prometheus Go client's default Go collector (client_golang v1.25), which this package
// used before, so dashboards built on them keep working. They are read at scrape time
// with runtime/metrics, which, unlike runtime.ReadMemStats, does not stop the world: a
// scrape never pauses the engine's goroutine. The go_memstats_* values are derived from
// runtime/metrics as that collector derived them.

// The runtime/metrics samples read at each scrape, indexes into goSnapshot.samples.
const (
	rmTinyAllocs = iota
	rmAllocsObjects
	rmFreesObjects
	rmAllocsBytes
	rmHeapObjects
	rmHeapGoal
	rmTotal
	rmHeapObjectsBytes
	rmHeapUnused
	rmHeapReleased
	rmHeapFree
	rmHeapStacks
	rmOSStacks
	rmMSpanInuse
	rmMSpanFree
	rmMCacheInuse
	rmMCacheFree
	rmProfBuckets
	rmMetadataOther
	rmOther
	rmGOGC
	rmGOMemLimit
	rmGOMAXPROCS
	numRM
)

var rmNames = [numRM]string{
	rmTinyAllocs:       "/gc/heap/tiny/allocs:objects",
	rmAllocsObjects:    "/gc/heap/allocs:objects",
	rmFreesObjects:     "/gc/heap/frees:objects",
	rmAllocsBytes:      "/gc/heap/allocs:bytes",
	rmHeapObjects:      "/gc/heap/objects:objects",
	rmHeapGoal:         "/gc/heap/goal:bytes",
	rmTotal:            "/memory/classes/total:bytes",
	rmHeapObjectsBytes: "/memory/classes/heap/objects:bytes",
	rmHeapUnused:       "/memory/classes/heap/unused:bytes",
	rmHeapReleased:     "/memory/classes/heap/released:bytes",
	rmHeapFree:         "/memory/classes/heap/free:bytes",
	rmHeapStacks:       "/memory/classes/heap/stacks:bytes",
	rmOSStacks:         "/memory/classes/os-stacks:bytes",
	rmMSpanInuse:       "/memory/classes/metadata/mspan/inuse:bytes",
	rmMSpanFree:        "/memory/classes/metadata/mspan/free:bytes",
	rmMCacheInuse:      "/memory/classes/metadata/mcache/inuse:bytes",
	rmMCacheFree:       "/memory/classes/metadata/mcache/free:bytes",
	rmProfBuckets:      "/memory/classes/profiling/buckets:bytes",
	rmMetadataOther:    "/memory/classes/metadata/other:bytes",
	rmOther:            "/memory/classes/other:bytes",
	rmGOGC:             "/gc/gogc:percent",
	rmGOMemLimit:       "/gc/gomemlimit:bytes",
	rmGOMAXPROCS:       "/sched/gomaxprocs:threads",
}

// gcQuantiles are go_gc_duration_seconds' quantiles, as that collector exported them.
var gcQuantiles = []string{"0", "0.25", "0.5", "0.75", "1"}

// goSnapshot is the Go runtime's state at a scrape. Its buffers are reused from one scrape
// to the next.
type goSnapshot struct {
	samples    [numRM]metrics.Sample
	gc         debug.GCStats
	pauses     [5]float64 // gc.PauseQuantiles in seconds
	goroutines int
	threads    int
}

func newGoSnapshot() *goSnapshot {
	g := &goSnapshot{}
	for i := range g.samples {
		g.samples[i].Name = rmNames[i]
	}
	g.gc.PauseQuantiles = make([]time.Duration, len(gcQuantiles))
	return g
}

// read takes the runtime's state now.
func (g *goSnapshot) read() {
	metrics.Read(g.samples[:])
	debug.ReadGCStats(&g.gc)
	for i, d := range g.gc.PauseQuantiles {
		g.pauses[i] = d.Seconds()
	}
	g.goroutines = runtime.NumGoroutine()
	g.threads, _ = runtime.ThreadCreateProfile(nil)
}

// u returns sample i as a float. A metric this Go version does not have reads as 0.
func (g *goSnapshot) u(i int) float64 {
	switch v := g.samples[i].Value; v.Kind() {
	case metrics.KindUint64:
		return float64(v.Uint64())
	case metrics.KindFloat64:
		return v.Float64()
	}
	return 0
}

// goFamilies are the Go runtime's metric families.
func goFamilies() []family {
	g := func(name, help string, v func(*goSnapshot) float64) family {
		return family{name: name, help: help, typ: typeGauge, write: func(w *textWriter, name string, s *snapshot) {
			w.sample(name, v(s.rt))
		}}
	}
	c := func(name, help string, v func(*goSnapshot) float64) family {
		f := g(name, help, v)
		f.typ = typeCounter
		return f
	}
	version := runtime.Version()
	return []family{
		{name: "go_gc_duration_seconds", typ: typeSummary,
			help: "A summary of the wall-time pause (stop-the-world) duration in garbage collection cycles.",
			write: func(w *textWriter, name string, s *snapshot) {
				gc := &s.rt.gc
				w.summary(name, nil, gcQuantiles, s.rt.pauses[:], gc.PauseTotal.Seconds(), uint64(gc.NumGC))
			}},
		g("go_gc_gogc_percent", "Heap size target percentage configured by the user, otherwise 100. This value is set by the GOGC environment variable, and the runtime/debug.SetGCPercent function. Sourced from /gc/gogc:percent.",
			func(g *goSnapshot) float64 { return g.u(rmGOGC) }),
		g("go_gc_gomemlimit_bytes", "Go runtime memory limit configured by the user, otherwise math.MaxInt64. This value is set by the GOMEMLIMIT environment variable, and the runtime/debug.SetMemoryLimit function. Sourced from /gc/gomemlimit:bytes.",
			func(g *goSnapshot) float64 { return g.u(rmGOMemLimit) }),
		g("go_goroutines", "Number of goroutines that currently exist.",
			func(g *goSnapshot) float64 { return float64(g.goroutines) }),
		{name: "go_info", typ: typeGauge, help: "Information about the Go environment.",
			write: func(w *textWriter, name string, _ *snapshot) { w.sample(name, 1, "version", version) }},
		g("go_memstats_alloc_bytes", "Number of bytes allocated in heap and currently in use. Equals to /memory/classes/heap/objects:bytes.",
			func(g *goSnapshot) float64 { return g.u(rmHeapObjectsBytes) }),
		c("go_memstats_alloc_bytes_total", "Total number of bytes allocated in heap until now, even if released already. Equals to /gc/heap/allocs:bytes.",
			func(g *goSnapshot) float64 { return g.u(rmAllocsBytes) }),
		g("go_memstats_buck_hash_sys_bytes", "Number of bytes used by the profiling bucket hash table. Equals to /memory/classes/profiling/buckets:bytes.",
			func(g *goSnapshot) float64 { return g.u(rmProfBuckets) }),
		c("go_memstats_frees_total", "Total number of heap objects frees. Equals to /gc/heap/frees:objects + /gc/heap/tiny/allocs:objects.",
			func(g *goSnapshot) float64 { return g.u(rmFreesObjects) + g.u(rmTinyAllocs) }),
		g("go_memstats_gc_sys_bytes", "Number of bytes used for garbage collection system metadata. Equals to /memory/classes/metadata/other:bytes.",
			func(g *goSnapshot) float64 { return g.u(rmMetadataOther) }),
		g("go_memstats_heap_alloc_bytes", "Number of heap bytes allocated and currently in use, same as go_memstats_alloc_bytes. Equals to /memory/classes/heap/objects:bytes.",
			func(g *goSnapshot) float64 { return g.u(rmHeapObjectsBytes) }),
		g("go_memstats_heap_idle_bytes", "Number of heap bytes waiting to be used. Equals to /memory/classes/heap/released:bytes + /memory/classes/heap/free:bytes.",
			func(g *goSnapshot) float64 { return g.u(rmHeapReleased) + g.u(rmHeapFree) }),
		g("go_memstats_heap_inuse_bytes", "Number of heap bytes that are in use. Equals to /memory/classes/heap/objects:bytes + /memory/classes/heap/unused:bytes",
			func(g *goSnapshot) float64 { return g.u(rmHeapObjectsBytes) + g.u(rmHeapUnused) }),
		g("go_memstats_heap_objects", "Number of currently allocated objects. Equals to /gc/heap/objects:objects.",
			func(g *goSnapshot) float64 { return g.u(rmHeapObjects) }),
		g("go_memstats_heap_released_bytes", "Number of heap bytes released to OS. Equals to /memory/classes/heap/released:bytes.",
			func(g *goSnapshot) float64 { return g.u(rmHeapReleased) }),
		g("go_memstats_heap_sys_bytes", "Number of heap bytes obtained from system. Equals to /memory/classes/heap/objects:bytes + /memory/classes/heap/unused:bytes + /memory/classes/heap/released:bytes + /memory/classes/heap/free:bytes.",
			func(g *goSnapshot) float64 {
				return g.u(rmHeapObjectsBytes) + g.u(rmHeapUnused) + g.u(rmHeapReleased) + g.u(rmHeapFree)
			}),
		g("go_memstats_last_gc_time_seconds", "Number of seconds since 1970 of last garbage collection.",
			func(g *goSnapshot) float64 { return float64(g.gc.LastGC.UnixNano()) / 1e9 }),
		c("go_memstats_mallocs_total", "Total number of heap objects allocated, both live and gc-ed. Semantically a counter version for go_memstats_heap_objects gauge. Equals to /gc/heap/allocs:objects + /gc/heap/tiny/allocs:objects.",
			func(g *goSnapshot) float64 { return g.u(rmAllocsObjects) + g.u(rmTinyAllocs) }),
		g("go_memstats_mcache_inuse_bytes", "Number of bytes in use by mcache structures. Equals to /memory/classes/metadata/mcache/inuse:bytes.",
			func(g *goSnapshot) float64 { return g.u(rmMCacheInuse) }),
		g("go_memstats_mcache_sys_bytes", "Number of bytes used for mcache structures obtained from system. Equals to /memory/classes/metadata/mcache/inuse:bytes + /memory/classes/metadata/mcache/free:bytes.",
			func(g *goSnapshot) float64 { return g.u(rmMCacheInuse) + g.u(rmMCacheFree) }),
		g("go_memstats_mspan_inuse_bytes", "Number of bytes in use by mspan structures. Equals to /memory/classes/metadata/mspan/inuse:bytes.",
			func(g *goSnapshot) float64 { return g.u(rmMSpanInuse) }),
		g("go_memstats_mspan_sys_bytes", "Number of bytes used for mspan structures obtained from system. Equals to /memory/classes/metadata/mspan/inuse:bytes + /memory/classes/metadata/mspan/free:bytes.",
			func(g *goSnapshot) float64 { return g.u(rmMSpanInuse) + g.u(rmMSpanFree) }),
		g("go_memstats_next_gc_bytes", "Number of heap bytes when next garbage collection will take place. Equals to /gc/heap/goal:bytes.",
			func(g *goSnapshot) float64 { return g.u(rmHeapGoal) }),
		g("go_memstats_other_sys_bytes", "Number of bytes used for other system allocations. Equals to /memory/classes/other:bytes.",
			func(g *goSnapshot) float64 { return g.u(rmOther) }),
		g("go_memstats_stack_inuse_bytes", "Number of bytes obtained from system for stack allocator in non-CGO environments. Equals to /memory/classes/heap/stacks:bytes.",
			func(g *goSnapshot) float64 { return g.u(rmHeapStacks) }),
		g("go_memstats_stack_sys_bytes", "Number of bytes obtained from system for stack allocator. Equals to /memory/classes/heap/stacks:bytes + /memory/classes/os-stacks:bytes.",
			func(g *goSnapshot) float64 { return g.u(rmHeapStacks) + g.u(rmOSStacks) }),
		g("go_memstats_sys_bytes", "Number of bytes obtained from system. Equals to /memory/classes/total:byte.",
			func(g *goSnapshot) float64 { return g.u(rmTotal) }),
		g("go_sched_gomaxprocs_threads", "The current runtime.GOMAXPROCS setting, or the number of operating system threads that can execute user-level Go code simultaneously. Sourced from /sched/gomaxprocs:threads.",
			func(g *goSnapshot) float64 { return g.u(rmGOMAXPROCS) }),
		g("go_threads", "Number of OS threads created.",
			func(g *goSnapshot) float64 { return float64(g.threads) }),
	}
}
