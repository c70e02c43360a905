package telemetry

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestPercentiles(t *testing.T) {
	l := NewLatency(time.Second)
	for i := int64(1); i <= 1000; i++ {
		l.Record(Strategy, i*1000) // 1us .. 1ms
	}
	l.Record(Risk, -5)               // a clock that went backwards counts as 1 ns
	l.Record(Risk, int64(time.Hour)) // clamped to the maximum
	if got := l.Count(Strategy); got != 1000 {
		t.Fatalf("count = %d, want 1000", got)
	}
	for _, tt := range []struct {
		p    float64
		want int64
	}{{50, 500_000}, {90, 900_000}, {99, 990_000}} {
		got := l.Percentile(Strategy, tt.p)
		if d := got - tt.want; d < -tt.want/500 || d > tt.want/500 {
			t.Errorf("p%v = %d, want %d within 0.2%%", tt.p, got, tt.want)
		}
	}
	if l.Percentile(Risk, 0) != 1 {
		t.Errorf("negative value not recorded as 1 ns: %d", l.Percentile(Risk, 0))
	}
	if m := l.Max(Risk); m < int64(time.Second)*999/1000 {
		t.Errorf("max = %d, want ~1s (clamped)", m)
	}
}

func TestRecordDoesNotAllocate(t *testing.T) {
	l := NewLatency(time.Second)
	allocs := testing.AllocsPerRun(1000, func() {
		for s := Stage(0); s < NumStages; s++ {
			l.Record(s, 1234)
		}
	})
	if allocs != 0 {
		t.Errorf("Record allocated %v times per run", allocs)
	}
}

func TestReportAndSnapshot(t *testing.T) {
	l := NewLatency(time.Second)
	l.Record(Decode, 800)
	l.Record(TickToOrder, 1500)
	snap := l.Snapshot()
	l.Record(Decode, 900)
	if snap.Count(Decode) != 1 || l.Count(Decode) != 2 {
		t.Fatalf("snapshot shares state: snap %d, live %d", snap.Count(Decode), l.Count(Decode))
	}
	var buf bytes.Buffer
	if err := snap.WriteReport(&buf, nil); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"p50", "p99.9", "max", "decode", "tick-to-order"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "strategy") {
		t.Errorf("report shows a stage with no measurements:\n%s", out)
	}
	m := NewLatency(time.Second)
	m.Merge(l)
	m.Merge(snap)
	if m.Count(Decode) != 3 {
		t.Errorf("merged count = %d, want 3", m.Count(Decode))
	}
	// Sums follow the records, the snapshot and the merge; values are clamped to [1, max].
	if snap.Sum(Decode) != 800 || l.Sum(Decode) != 1700 || m.Sum(Decode) != 2500 || m.Sum(TickToOrder) != 3000 {
		t.Errorf("sums: snapshot %d, live %d, merged %d/%d; want 800, 1700, 2500/3000", snap.Sum(Decode), l.Sum(Decode), m.Sum(Decode), m.Sum(TickToOrder))
	}
	l.Record(Risk, 0)
	l.Record(Risk, int64(2*time.Second))
	if l.Sum(Risk) != 1+int64(time.Second) {
		t.Errorf("clamped sum = %d, want 1s + 1ns", l.Sum(Risk))
	}
	l.Reset()
	if l.Sum(Decode) != 0 {
		t.Errorf("sum after reset = %d", l.Sum(Decode))
	}
}

func BenchmarkRecord(b *testing.B) {
	l := NewLatency(10 * time.Second)
	b.ReportAllocs()
	v := int64(1)
	for b.Loop() {
		v = v*1103515245 + 12345
		l.Record(Strategy, v&0xfffff)
	}
}

func TestNanotimeAdvances(t *testing.T) {
	a := Nanotime()
	time.Sleep(2 * time.Millisecond)
	if d := Nanotime() - a; d < int64(time.Millisecond) || d > int64(time.Minute) {
		t.Errorf("Nanotime advanced %d ns across a 2ms sleep", d)
	}
}

func BenchmarkNanotime(b *testing.B) {
	for b.Loop() {
		_ = Nanotime()
	}
}

func BenchmarkTimeNow(b *testing.B) {
	for b.Loop() {
		_ = time.Now()
	}
}
