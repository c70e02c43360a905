package backtest

import (
	"runtime"
	"runtime/metrics"
	"testing"
	"time"
)

func TestGCPercentFor(t *testing.T) {
	for _, c := range []struct {
		live uint64
		want int
	}{
		{0, 400}, {1 << 20, 400}, {6 << 20, 400}, {8 << 20, 300}, {10 << 20, 220},
		{15 << 20, 113}, {16 << 20, 100}, {20 << 20, 100}, {1 << 30, 100},
	} {
		if got := gcPercentFor(c.live); got != c.want {
			t.Errorf("live %d MB: GOGC %d, want %d", c.live>>20, got, c.want)
		}
	}
}

// gogc returns the garbage collector's GOGC setting.
func gogc() uint64 {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// waitGOGC collects until the tuner has set GOGC to want (its finalizer runs after a
// collection, on a goroutine of the runtime's).
func waitGOGC(t *testing.T, want func(uint64) bool, what string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second) // bounds a hang only
	for !want(gogc()) {
		if time.Now().After(deadline) {
			t.Fatalf("GOGC %d, want %s", gogc(), what)
		}
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
}

// TestTuneGC checks that TuneGC lets a small live heap grow to 5x, a large one only 2x
// (the default), follows the live heap both ways, and restores the setting before it.
func TestTuneGC(t *testing.T) {
	before := gogc()
	restore := TuneGC()
	if g := gogc(); g != gcMaxPercent {
		t.Fatalf("GOGC %d after TuneGC, want %d", g, gcMaxPercent)
	}
	TuneGC()() // while on: nothing, and its restore nothing
	if g := gogc(); g != gcMaxPercent {
		t.Fatalf("GOGC %d after a second TuneGC and its restore, want %d", g, gcMaxPercent)
	}
	big := make([]byte, gcRoom) // live: more than gcRoom/2
	for i := range big {
		big[i] = byte(i)
	}
	waitGOGC(t, func(g uint64) bool { return g == 100 }, "100 with a large live heap")
	runtime.KeepAlive(big)
	big = nil
	waitGOGC(t, func(g uint64) bool { return g > 100 }, "more than 100 with a small live heap")
	restore()
	if g := gogc(); g != before {
		t.Fatalf("GOGC %d after restore, want %d as before", g, before)
	}
	runtime.GC()
	time.Sleep(10 * time.Millisecond) // a finalizer armed before would run now
	if g := gogc(); g != before {
		t.Fatalf("GOGC %d after restore and a collection, want %d as before", g, before)
	}
}
