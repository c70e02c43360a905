package kraken

import (
	"fmt"
	"syscall"
	"testing"
)

// BenchmarkHandleUpdate measures the hot path per message: decode, apply,
// truncate and verify the checksum of an update of three or four levels,
// alternating between the two messages of benchFeed's cycle.
func BenchmarkHandleUpdate(b *testing.B) {
	for _, depth := range []int{10, 100} {
		b.Run(fmt.Sprint("depth=", depth), func(b *testing.B) {
			f, msgs := benchFeed(b, depth)
			b.SetBytes(int64(len(msgs[0])+len(msgs[1])) / 2)
			i := 0
			loop(b, func() {
				if _, err := f.Handle(msgs[i&1], 1); err != nil {
					b.Fatal(err)
				}
				i++
			})
		})
	}
}

// BenchmarkDecodeUpdate measures decoding alone, for the breakdown.
func BenchmarkDecodeUpdate(b *testing.B) {
	_, msgs := benchFeed(b, 10)
	var m Message
	b.SetBytes(int64(len(msgs[0])))
	loop(b, func() {
		if err := btc.Decode(msgs[0], &m); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkChecksum measures the checksum of a full top 10 alone.
func BenchmarkChecksum(b *testing.B) {
	f, _ := benchFeed(b, 10)
	buf := make([]byte, 0, checksumBufSize)
	loop(b, func() { _, buf = Checksum(f.Book(), buf) })
}

// BenchmarkHandleSnapshot measures a full snapshot: clear, 2×depth sets,
// checksum.
func BenchmarkHandleSnapshot(b *testing.B) {
	for _, depth := range []int{10, 100} {
		b.Run(fmt.Sprint("depth=", depth), func(b *testing.B) {
			e := newExchange(depth, depth, nil)
			f := btcFeed(b, depth)
			snap := e.snapshot()
			b.SetBytes(int64(len(snap)))
			loop(b, func() {
				if _, err := f.Handle(snap, 1); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// cpuClock reports the process's CPU time, user and system, in
// nanoseconds. The benchmarks report it per operation next to ns/op because
// the machine they run on is shared: wall time counts the moments another
// process holds the core, CPU time does not.
func cpuClock() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// loop runs body b.N times under b.Loop and reports cpu-ns/op.
func loop(b *testing.B, body func()) {
	b.ReportAllocs()
	start, n := cpuClock(), 0
	for b.Loop() {
		body()
		n++
	}
	if n > 0 {
		b.ReportMetric(float64(cpuClock()-start)/float64(n), "cpu-ns/op")
	}
}
