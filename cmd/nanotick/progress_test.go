package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nanotick/nanotick/internal/testdata"
)

// fakeClock steps by step at every reading.
func fakeClock(step time.Duration) func() time.Time {
	t := time.Unix(1_700_000_000, 0)
	return func() time.Time { t = t.Add(step); return t }
}

func TestProgressLines(t *testing.T) {
	var b bytes.Buffer
	p := newProgress(&b, "nanotick backtest", "MB", 1e6)
	p.now = fakeClock(4 * time.Second)
	p.start, p.last = p.now(), p.now()
	p.bytes(1e6, 4e6) // 4 s after the last line: too soon for a 10 s interval
	if b.Len() != 0 {
		t.Fatalf("a line before the interval: %q", b.String())
	}
	p.bytes(2e6, 4e6)
	p.bytes(3e6, 4e6)
	p.finish(true)
	p.bytes(4e6, 4e6) // after finish: nothing
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 1 {
		t.Fatalf("want one line, got %q", b.String())
	}
	// The clock reads 4 s later each time: the line comes with the third call, 12 s
	// after the last line and 16 s after the start, with 3 × 8192 frames and three
	// quarters of the bytes done, so a third of 16 s is left.
	want := "nanotick backtest: 75% (3 of 4 MB), 24576 events, 1536 events/s, 16s elapsed, ETA 5s"
	if lines[0] != want || strings.Contains(b.String(), "\r") {
		t.Fatalf("line %q, want %q", lines[0], want)
	}
}

func TestProgressBar(t *testing.T) {
	var b bytes.Buffer
	p := newProgress(&b, "nanotick sweep run", "points", 1)
	p.tty = true
	p.now = fakeClock(time.Second)
	p.start, p.last = p.now(), p.now()
	p.frames(50_000)
	p.units(4, 16)
	drawn := b.String()
	for _, want := range []string{"\r\033[Knanotick sweep run  ", " events/s  ETA ", " [=======", "]  25%"} {
		if !strings.Contains(drawn, want) {
			t.Errorf("bar %q lacks %q", drawn, want)
		}
	}
	p.finish(true)
	if out := b.String(); !strings.HasSuffix(out, "] 100%\n") {
		t.Errorf("a completed run's bar must end full on its own line: %q", out)
	}
	b.Reset()
	q := newProgress(&b, "x", "points", 1)
	q.tty = true
	q.now = fakeClock(time.Second)
	q.start, q.last = q.now(), q.now()
	q.units(1, 2)
	q.finish(false)
	if out := b.String(); !strings.HasSuffix(out, "\r\033[K") || strings.Contains(out, "\n") {
		t.Errorf("a failed run's bar must be erased: %q", out)
	}
}

// TestBacktestProgressOnStderr runs a backtest with stderr not a terminal and a short
// interval: periodic lines on stderr, none in the summary on stdout; with --progress 0
// none at all.
func TestBacktestProgressOnStderr(t *testing.T) {
	data := testdata.SharedData(t, spotFile)
	code, stdout, stderr := runBT(t, "--data", data, "--progress", "1ns")
	if code != 0 || !strings.Contains(stderr, "nanotick backtest: ") || !strings.Contains(stderr, "events/s") || !strings.Contains(stderr, "ETA") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if strings.Contains(stdout, "ETA") {
		t.Fatalf("progress in the summary: %q", stdout)
	}
	if code, _, stderr := runBT(t, "--data", data, "--progress", "0"); code != 0 || strings.Contains(stderr, "ETA") {
		t.Fatalf("--progress 0: exit %d, stderr %q", code, stderr)
	}
}

func TestSweepProgressOnStderr(t *testing.T) {
	data := testdata.SharedData(t, spotFile)
	_, e, code := sweepCmd("run", "--data", data, "--param", "halfSpreadBps=1,2", "--progress", "1ns")
	if code != 0 || !strings.Contains(e, "nanotick sweep run: ") || !strings.Contains(e, "of 2 points") {
		t.Fatalf("exit %d, stderr %q", code, e)
	}
}

// TestProgressOfAnotherReading checks that a second reading (the replay of an event
// cache just built) gets a rate and ETA of its own, and that the build is labelled as
// one when its total is the recordings' size.
func TestProgressOfAnotherReading(t *testing.T) {
	var b bytes.Buffer
	p := newProgress(&b, "nanotick backtest", "MB", 1e6)
	p.interval = time.Second
	p.now = fakeClock(2 * time.Second)
	p.start, p.last = p.now(), p.now()
	data := testdata.SharedData(t, spotFile)
	p.expectCacheBuild([]string{data})
	st, err := os.Stat(data)
	if err != nil {
		t.Fatal(err)
	}
	p.bytes(st.Size()/2, st.Size()) // the build, halfway
	p.bytes(1e6, 4e6)               // the replay of its cache: a new start
	p.bytes(2e6, 4e6)
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "nanotick backtest (building the event cache): 50% ") {
		t.Fatalf("lines %q", lines)
	}
	// The replay starts at its first call, 2 s of fake clock before the line it writes,
	// and its second comes 2 s later: its events and time are its own, not the build's.
	for i, want := range []string{
		"nanotick backtest: 25% (1 of 4 MB), 8192 events, 4096 events/s, 2s elapsed, ETA 6s",
		"nanotick backtest: 50% (2 of 4 MB), 16384 events, 4096 events/s, 4s elapsed, ETA 4s",
	} {
		if lines[i+1] != want {
			t.Errorf("line %q, want %q", lines[i+1], want)
		}
	}
}

// TestProgressWhileReadingTheData checks the progress of what comes before the first
// replay: a backtest building its event cache, and a sweep reading its data, which take
// as long as a backtest of it; both were silent.
func TestProgressWhileReadingTheData(t *testing.T) {
	data := testdata.SharedData(t, spotFile)
	cache := t.TempDir()
	code, _, e := runBT(t, "--data", data, "--cache", cache, "--progress", "1ns")
	if code != 0 || !strings.Contains(e, "nanotick backtest (building the event cache): ") {
		t.Fatalf("building the cache: exit %d, stderr %q", code, e)
	}
	if !strings.Contains(e, "\nnanotick backtest: ") {
		t.Fatalf("no progress of the replay after the build: %q", e)
	}
	code, _, e = runBT(t, "--data", data, "--cache", cache, "--progress", "1ns")
	if code != 0 || strings.Contains(e, "building") || !strings.Contains(e, "nanotick backtest: ") {
		t.Fatalf("from the cache: exit %d, stderr %q", code, e)
	}
	_, e, code = sweepCmd("run", "--data", data, "--param", "halfSpreadBps=1,2", "--progress", "1ns")
	if code != 0 || !strings.Contains(e, "nanotick sweep run: reading the data: ") || !strings.Contains(e, "of 2 points") {
		t.Fatalf("sweep: exit %d, stderr %q", code, e)
	}
}
