// Package telemetry owns the engine's latency measurements: one HdrHistogram per stage of the
// tick path (decode, book, strategy, risk, encode) and one for the whole tick-to-order time.
//
// Recording is on the tick path and must never allocate or lock: a Latency belongs to the
// one goroutine that runs an instrument's hot loop. Reading a report from elsewhere goes
// through Snapshot, which the owner calls between ticks.
package telemetry

import (
	"fmt"
	"io"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Stage names one measured part of the tick path.
type Stage uint8

// The stages, in the order a tick passes them.
const (
	Decode Stage = iota
	Book
	Strategy
	Risk
	Encode
	// Tick is a whole frame's handling, whether or not it sent an order.
	Tick
	// TickToOrder is from a frame's arrival to its first order handed to the venue,
	// for the frames that sent one.
	TickToOrder
	NumStages
)

var stageNames = [NumStages]string{"decode", "book", "strategy", "risk", "encode", "tick", "tick-to-order"}

// String returns the stage's name as reports print it.
func (s Stage) String() string {
	if s < NumStages {
		return stageNames[s]
	}
	return fmt.Sprintf("stage(%d)", uint8(s))
}

// DefaultPercentiles are the percentiles a report shows unless the config says otherwise.
var DefaultPercentiles = []float64{50, 90, 99, 99.9}

// Latency holds one histogram per stage, in nanoseconds.
type Latency struct {
	max   int64
	hists [NumStages]*hdrhistogram.Histogram
	// sums are each stage's total of the recorded (clamped) values: a histogram can only
	// estimate its sum by scanning every bucket, too slow to publish every second.
	sums [NumStages]int64
}

// NewLatency returns histograms that resolve 1 ns to max at three significant figures.
// Values above max are recorded as max, so a pathological tick is still counted.
func NewLatency(max time.Duration) *Latency {
	if max < time.Microsecond {
		max = time.Microsecond
	}
	l := &Latency{max: int64(max)}
	for i := range l.hists {
		l.hists[i] = hdrhistogram.New(1, l.max, 3)
	}
	return l
}

// Record adds one measurement of ns nanoseconds to stage s. It does not allocate.
func (l *Latency) Record(s Stage, ns int64) {
	if ns < 1 {
		ns = 1 // a clock that did not advance still means the stage ran
	}
	if ns > l.max {
		ns = l.max
	}
	_ = l.hists[s].RecordValue(ns) // in range by construction
	l.sums[s] += ns
}

// Sum returns the total of stage s's measurements, in nanoseconds.
func (l *Latency) Sum(s Stage) int64 { return l.sums[s] }

// Count returns how many measurements stage s holds.
func (l *Latency) Count(s Stage) int64 { return l.hists[s].TotalCount() }

// Percentile returns the value at percentile p (0..100) of stage s, in nanoseconds.
func (l *Latency) Percentile(s Stage, p float64) int64 { return l.hists[s].ValueAtPercentile(p) }

// Max returns the largest value recorded for stage s, in nanoseconds.
func (l *Latency) Max(s Stage) int64 { return l.hists[s].Max() }

// Reset empties every histogram, keeping their memory.
func (l *Latency) Reset() {
	for _, h := range l.hists {
		h.Reset()
	}
	l.sums = [NumStages]int64{}
}

// Merge adds other's measurements to l, for reports that span several instruments or runs.
func (l *Latency) Merge(other *Latency) {
	for i, h := range l.hists {
		h.Merge(other.hists[i])
		l.sums[i] += other.sums[i]
	}
}

// Snapshot returns a copy that another goroutine may read while l keeps recording.
func (l *Latency) Snapshot() *Latency {
	c := &Latency{max: l.max, sums: l.sums}
	for i, h := range l.hists {
		c.hists[i] = hdrhistogram.Import(h.Export())
	}
	return c
}

// WriteReport prints a table with a row per stage that has measurements: count, the given
// percentiles and the maximum, in microseconds.
func (l *Latency) WriteReport(w io.Writer, percentiles []float64) error {
	if len(percentiles) == 0 {
		percentiles = DefaultPercentiles
	}
	if _, err := fmt.Fprintf(w, "%-14s %10s", "stage (us)", "count"); err != nil {
		return err
	}
	for _, p := range percentiles {
		fmt.Fprintf(w, " %9s", "p"+trimFloat(p))
	}
	fmt.Fprintf(w, " %9s\n", "max")
	for s := Stage(0); s < NumStages; s++ {
		h := l.hists[s]
		if h.TotalCount() == 0 {
			continue
		}
		fmt.Fprintf(w, "%-14s %10d", s, h.TotalCount())
		for _, p := range percentiles {
			fmt.Fprintf(w, " %9.2f", float64(h.ValueAtPercentile(p))/1e3)
		}
		if _, err := fmt.Fprintf(w, " %9.2f\n", float64(h.Max())/1e3); err != nil {
			return err
		}
	}
	return nil
}

func trimFloat(f float64) string { return fmt.Sprintf("%g", f) }
