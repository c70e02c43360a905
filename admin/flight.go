package admin

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/trace"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
)

// FlightConfig configures a FlightRecorder.
type FlightConfig struct {
	// Dir is where trace files are written; it is created if missing. Required.
	Dir string
	// Threshold is the tick duration above which a trace is saved. Required.
	Threshold time.Duration
	// MinInterval is the least time between two trace files; 0 means 10 s.
	MinInterval time.Duration
	// MaxFiles is how many trace files are kept in Dir: when one more is written the oldest
	// slow-tick files are removed; 0 means 20.
	MaxFiles int
	// MinAge and MaxBytes size the runtime's trace window (runtime/trace.FlightRecorderConfig);
	// 0 means 2 s and 16 MiB.
	MinAge   time.Duration
	MaxBytes uint64
	// Logger reports written traces and failures.
	Logger zerolog.Logger
}

// FlightCounters are what a FlightRecorder has seen and done.
type FlightCounters struct {
	SlowTicks uint64 // ticks over the threshold
	Written   uint64 // trace files written
	Skipped   uint64 // slow ticks not traced: rate limited, writer busy, or the write failed
}

// FlightRecorder keeps the runtime's execution trace of the last moments in memory
// (runtime/trace.FlightRecorder) and saves it to a file when a tick is slower than a
// threshold, so a slow tick can be explained after the fact with go tool trace.
//
// The engine's goroutine calls Observe with every tick's duration. A fast tick costs one
// compare. A slow tick costs a few atomics and a non-blocking channel send that wakes the
// recorder's own goroutine, which writes slow-tick-<unix-ns>-<us>us.trace. Files are rate
// limited (MinInterval) and bounded in number (MaxFiles).
//
// Only one runtime flight recorder may be active in a process at a time.
type FlightRecorder struct {
	threshold int64
	slow      chan int64 // capacity 1: a pending slow tick's duration

	slowTicks, written, skipped atomic.Uint64

	cfg  FlightConfig
	rec  *trace.FlightRecorder
	mu   sync.Mutex // guards started, stop and done
	stop chan struct{}
	done chan struct{}
}

// NewFlightRecorder checks cfg and returns a stopped FlightRecorder; Start starts it.
// Observe may be called before Start and after Close: slow ticks are then only counted.
func NewFlightRecorder(cfg FlightConfig) (*FlightRecorder, error) {
	if cfg.Dir == "" {
		return nil, errors.New("admin: flight recorder: no directory")
	}
	if cfg.Threshold <= 0 {
		return nil, fmt.Errorf("admin: flight recorder: threshold %v is not positive", cfg.Threshold)
	}
	if cfg.MinInterval <= 0 {
		cfg.MinInterval = 10 * time.Second
	}
	if cfg.MaxFiles <= 0 {
		cfg.MaxFiles = 20
	}
	if cfg.MinAge <= 0 {
		cfg.MinAge = 2 * time.Second
	}
	if cfg.MaxBytes == 0 {
		cfg.MaxBytes = 16 << 20
	}
	return &FlightRecorder{threshold: int64(cfg.Threshold), slow: make(chan int64, 1), cfg: cfg}, nil
}

// Start creates the directory, starts the runtime flight recorder and the goroutine that
// writes trace files. Close stops both.
func (f *FlightRecorder) Start() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.done != nil {
		return errors.New("admin: flight recorder: already started")
	}
	if err := os.MkdirAll(f.cfg.Dir, 0o755); err != nil {
		return fmt.Errorf("admin: flight recorder: %w", err)
	}
	rec := trace.NewFlightRecorder(trace.FlightRecorderConfig{MinAge: f.cfg.MinAge, MaxBytes: f.cfg.MaxBytes})
	if err := rec.Start(); err != nil {
		return fmt.Errorf("admin: flight recorder: start: %w", err)
	}
	// A slow tick observed before Start has no trace worth saving.
	select {
	case <-f.slow:
	default:
	}
	f.rec = rec
	f.stop = make(chan struct{})
	f.done = make(chan struct{})
	go f.run(f.stop, f.done)
	return nil
}

// Close stops the writer goroutine, waiting for a trace being written, and the runtime
// flight recorder. It is safe to call more than once.
func (f *FlightRecorder) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.done == nil {
		return nil
	}
	close(f.stop)
	<-f.done
	f.rec.Stop()
	f.rec, f.stop, f.done = nil, nil, nil
	return nil
}

// Observe records one tick's duration in nanoseconds. It must be called from one goroutine
// (the engine's). It never blocks or allocates, and on a tick under the threshold it is one
// compare. A nil FlightRecorder ignores every tick.
func (f *FlightRecorder) Observe(tickNs int64) {
	if f == nil || tickNs <= f.threshold {
		return
	}
	f.observeSlow(tickNs)
}

// observeSlow counts a slow tick and hands it to the writer if the writer is idle.
//
//go:noinline
func (f *FlightRecorder) observeSlow(tickNs int64) {
	f.slowTicks.Add(1)
	select {
	case f.slow <- tickNs:
	default:
		f.skipped.Add(1) // the writer has one pending already
	}
}

// Counters returns the recorder's counters. It is safe from any goroutine.
func (f *FlightRecorder) Counters() FlightCounters {
	return FlightCounters{SlowTicks: f.slowTicks.Load(), Written: f.written.Load(), Skipped: f.skipped.Load()}
}

// run writes a trace for each slow tick handed over, at most one per MinInterval.
func (f *FlightRecorder) run(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	var last time.Time
	for {
		select {
		case <-stop:
			return
		case ns := <-f.slow:
			now := time.Now()
			if !last.IsZero() && now.Sub(last) < f.cfg.MinInterval {
				f.skipped.Add(1)
				continue
			}
			last = now
			path, err := f.save(now, ns)
			if err != nil {
				f.skipped.Add(1)
				f.cfg.Logger.Error().Err(err).Msg("slow tick trace not saved")
				continue
			}
			f.written.Add(1)
			f.cfg.Logger.Warn().Str("trace", path).Int64("tick_us", ns/1e3).Msg("slow tick: execution trace saved")
			if err := f.prune(); err != nil {
				f.cfg.Logger.Error().Err(err).Msg("old slow tick traces not removed")
			}
		}
	}
}

// save writes the flight recorder's window to a new trace file, through a temporary file so
// that a reader never sees half a trace.
func (f *FlightRecorder) save(now time.Time, tickNs int64) (string, error) {
	name := fmt.Sprintf("slow-tick-%d-%dus.trace", now.UnixNano(), tickNs/1e3)
	path := filepath.Join(f.cfg.Dir, name)
	tmp, err := os.CreateTemp(f.cfg.Dir, ".slow-tick-*.tmp")
	if err != nil {
		return "", fmt.Errorf("admin: flight recorder: %w", err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	w := bufio.NewWriterSize(tmp, 256<<10)
	if _, err := f.rec.WriteTo(w); err != nil {
		tmp.Close()
		return "", fmt.Errorf("admin: flight recorder: write trace: %w", err)
	}
	if err := w.Flush(); err != nil {
		tmp.Close()
		return "", fmt.Errorf("admin: flight recorder: write trace: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("admin: flight recorder: write trace: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", fmt.Errorf("admin: flight recorder: %w", err)
	}
	return path, nil
}

// prune removes the oldest slow-tick traces beyond MaxFiles. Names sort by time: the
// nanosecond timestamps have the same number of digits until the year 2286.
func (f *FlightRecorder) prune() error {
	files, err := filepath.Glob(filepath.Join(f.cfg.Dir, "slow-tick-*.trace"))
	if err != nil {
		return fmt.Errorf("admin: flight recorder: %w", err)
	}
	if len(files) <= f.cfg.MaxFiles {
		return nil
	}
	sort.Strings(files)
	var errs []error
	for _, p := range files[:len(files)-f.cfg.MaxFiles] {
		if err := os.Remove(p); err != nil {
			errs = append(errs, fmt.Errorf("admin: flight recorder: %w", err))
		}
	}
	return errors.Join(errs...)
}
