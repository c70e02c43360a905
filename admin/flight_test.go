package admin

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/nanotick/nanotick/telemetry"
)

func TestNewFlightRecorderErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  FlightConfig
	}{
		{"no dir", FlightConfig{Threshold: time.Millisecond}},
		{"no threshold", FlightConfig{Dir: "x"}},
		{"negative threshold", FlightConfig{Dir: "x", Threshold: -1}},
	} {
		if _, err := NewFlightRecorder(tc.cfg); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

// startFlight starts a recorder writing into a fresh directory and stops it at cleanup.
func startFlight(t *testing.T, cfg FlightConfig) *FlightRecorder {
	t.Helper()
	checkNoLeaks(t)
	cfg.Dir = filepath.Join(t.TempDir(), "traces") // created by Start
	fr, err := NewFlightRecorder(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := fr.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := fr.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return fr
}

// waitWritten waits until fr has written n traces.
func waitWritten(t *testing.T, fr *FlightRecorder, n uint64) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); fr.Counters().Written < n; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d traces written after 20 s, want %d: %+v", fr.Counters().Written, n, fr.Counters())
		}
	}
}

func traces(t *testing.T, fr *FlightRecorder) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(fr.cfg.Dir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// spin busies the goroutine for d, as a slow tick would, and returns how long it took.
func spin(d time.Duration) int64 {
	start := telemetry.Nanotime()
	for telemetry.Nanotime()-start < int64(d) {
	}
	return telemetry.Nanotime() - start
}

var traceName = regexp.MustCompile(`^slow-tick-\d{19}-(\d+)us\.trace$`)

func TestFlightRecorderSlowTick(t *testing.T) {
	fr := startFlight(t, FlightConfig{Threshold: 2 * time.Millisecond, MinAge: 500 * time.Millisecond, MaxBytes: 4 << 20})

	for range 100 {
		// Fast ticks, as the engine would measure them. Not timed here: on a loaded
		// machine a 10 us spin can measure milliseconds when the goroutine is descheduled,
		// which made this test fail for reasons that are not the recorder's.
		fr.Observe(int64(10 * time.Microsecond))
	}
	fr.Observe(int64(2 * time.Millisecond)) // at the threshold is not over it
	time.Sleep(50 * time.Millisecond)
	if files := traces(t, fr); len(files) != 0 || fr.Counters().SlowTicks != 0 {
		t.Fatalf("fast ticks left traces %v, counters %+v", files, fr.Counters())
	}

	slow := spin(5 * time.Millisecond)
	fr.Observe(slow)
	waitWritten(t, fr, 1)
	files := traces(t, fr)
	if len(files) != 1 {
		t.Fatalf("files %v, want one trace", files)
	}
	m := traceName.FindStringSubmatch(filepath.Base(files[0]))
	if m == nil {
		t.Fatalf("trace file name %q", filepath.Base(files[0]))
	}
	if want := slow / 1e3; m[1] != strconv.FormatInt(want, 10) {
		t.Errorf("file name says %s us, the tick took %d us", m[1], want)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("go 1.")) {
		t.Fatalf("trace starts with %q, want a Go trace header", data[:min(len(data), 16)])
	}
	t.Logf("%s: %d bytes, header %q", filepath.Base(files[0]), len(data), data[:bytes.IndexByte(data, 0)])
	parseTrace(t, files[0])

	if c := fr.Counters(); c != (FlightCounters{SlowTicks: 1, Written: 1}) {
		t.Errorf("counters %+v", c)
	}
}

// parseTrace has go tool trace parse the file, when the go command is at hand.
func parseTrace(t *testing.T, path string) {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Log("no go command: trace not parsed")
		return
	}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, "tool", "trace", "-d=parsed", path)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = nil, &stderr // nil: the events are discarded
	if err := cmd.Run(); err != nil {
		t.Errorf("go tool trace -d=parsed %s: %v\n%s", filepath.Base(path), err, stderr.String())
	}
}

func TestFlightRecorderRateLimit(t *testing.T) {
	fr := startFlight(t, FlightConfig{Threshold: time.Millisecond, MinInterval: time.Hour, MinAge: 100 * time.Millisecond, MaxBytes: 1 << 20})
	fr.Observe(int64(3 * time.Millisecond))
	waitWritten(t, fr, 1)
	for range 5 {
		fr.Observe(int64(3 * time.Millisecond))
		time.Sleep(5 * time.Millisecond)
	}
	// Every slow tick is either written, skipped, or still waiting in the channel.
	deadline := time.Now().Add(10 * time.Second)
	for c := fr.Counters(); c.Written+c.Skipped < c.SlowTicks; c = fr.Counters() {
		if time.Now().After(deadline) {
			t.Fatalf("counters %+v do not add up", c)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if c := fr.Counters(); c.SlowTicks != 6 || c.Written != 1 || c.Skipped != 5 {
		t.Errorf("counters %+v, want 6 slow, 1 written, 5 skipped", c)
	}
	if files := traces(t, fr); len(files) != 1 {
		t.Errorf("files %v, want one", files)
	}
}

func TestFlightRecorderKeepsMaxFiles(t *testing.T) {
	fr := startFlight(t, FlightConfig{Threshold: time.Millisecond, MinInterval: time.Nanosecond, MaxFiles: 2,
		MinAge: 100 * time.Millisecond, MaxBytes: 1 << 20})
	var names []string
	for i := range 4 {
		fr.Observe(int64(time.Duration(i+2) * time.Millisecond))
		waitWritten(t, fr, uint64(i+1))
		files := traces(t, fr)
		names = append(names, filepath.Base(files[len(files)-1]))
	}
	files := traces(t, fr)
	if len(files) != 2 {
		t.Fatalf("files %v, want the last two of %v", files, names)
	}
	for i, f := range files {
		if got, want := filepath.Base(f), names[2+i]; got != want {
			t.Errorf("kept %s, want %s", got, want)
		}
	}
}

func TestFlightRecorderStartClose(t *testing.T) {
	fr := startFlight(t, FlightConfig{Threshold: time.Millisecond})
	if err := fr.Start(); err == nil {
		t.Error("second Start succeeded")
	}
	if err := fr.Close(); err != nil {
		t.Fatal(err)
	}
	// Closed: slow ticks are counted, nothing is written, and it starts again.
	fr.Observe(int64(time.Second))
	if err := fr.Start(); err != nil {
		t.Fatalf("restart: %v", err)
	}
	time.Sleep(20 * time.Millisecond)
	if c := fr.Counters(); c.Written != 0 || c.SlowTicks != 1 {
		t.Errorf("counters %+v: the slow tick before Start must not be traced", c)
	}
}

func TestObserveAllocs(t *testing.T) {
	fr, err := NewFlightRecorder(FlightConfig{Dir: t.TempDir(), Threshold: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var nilFR *FlightRecorder
	for _, tc := range []struct {
		name string
		fr   *FlightRecorder
		ns   int64
	}{
		{"fast", fr, 1000},
		{"slow", fr, int64(time.Second)}, // not started: fills the channel once, then skips
		{"nil", nilFR, int64(time.Second)},
	} {
		if allocs := testing.AllocsPerRun(1000, func() { tc.fr.Observe(tc.ns) }); allocs != 0 {
			t.Errorf("%s: Observe allocates %v times", tc.name, allocs)
		}
	}
}

func BenchmarkObserveFast(b *testing.B) {
	fr, err := NewFlightRecorder(FlightConfig{Dir: b.TempDir(), Threshold: time.Millisecond})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		fr.Observe(1000)
	}
}
