package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/nanotick/nanotick/backtest"
)

// progress reports a long run's progress on stderr. On a terminal it redraws a bar, at
// most ten times a second, with events per second, the time left and the share done;
// when the run ends the bar is left full on a line of its own, or erased if the run
// failed, so that what follows starts on a line of its own.
// Elsewhere (a log file, a pipe, a Kubernetes pod) it writes one line every interval,
// and nothing for a run shorter than that. Work is measured in units (bytes of the
// recordings, or points of a sweep); events are the frames replayed. It is safe for
// concurrent use: a sweep's runs report from several goroutines.
type progress struct {
	w        io.Writer
	tty      bool
	name     string
	unit     string // what done and total count, for the line: "MB", "points"
	scale    float64
	interval time.Duration
	now      func() time.Time

	mu       sync.Mutex
	start    time.Time
	last     time.Time // of the last line or redraw
	events   uint64
	done     float64
	total    float64
	drawn    bool
	finished bool
	// cacheBuild holds the totals of bytes that a build of the event cache reports (the
	// recordings' sizes), and label is " (building the event cache)" while one runs: a
	// backtest with --cache reads the recordings into the cache first, then replays the
	// cache, and both report their bytes here.
	cacheBuild map[int64]bool
	label      string
}

// progressInterval is how often a non-terminal progress line is written.
const progressInterval = 10 * time.Second

// newProgress returns the progress of a run called name on w: a bar if w is a
// terminal, periodic lines otherwise.
func newProgress(w io.Writer, name, unit string, scale float64) *progress {
	p := &progress{w: w, tty: isTerminal(w), name: name, unit: unit, scale: scale, interval: progressInterval, now: time.Now}
	p.start = p.now()
	p.last = p.start
	return p
}

// bytes is a backtest.Config.Progress: bytes of the recordings read and their total,
// called every backtest.ProgressEvery frames.
func (p *progress) bytes(done, total int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.total > 0 && float64(total) != p.total {
		// Another reading begins (the replay of a cache just built): its rate and the
		// time it has left are its own.
		t := p.now()
		p.start, p.last, p.events = t, t, 0
	}
	p.events += backtest.ProgressEvery
	p.done, p.total = float64(done), float64(total)
	p.label = ""
	if p.cacheBuild[total] {
		p.label = " (building the event cache)"
	}
	p.show()
}

// frames counts events replayed (a sweep's runs report their frames here).
func (p *progress) frames(n uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.events += n
	p.show()
}

// units sets the work done and its total (a sweep's points).
func (p *progress) units(done, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done, p.total = float64(done), float64(total)
	p.show()
}

// show draws the bar or writes the line if it is time to; p.mu is held.
func (p *progress) show() {
	if p.finished || p.total <= 0 || (!p.tty && p.interval <= 0) {
		return
	}
	t := p.now()
	every := p.interval
	if p.tty {
		every = 100 * time.Millisecond
	}
	if t.Sub(p.last) < every {
		return
	}
	p.last = t
	elapsed := t.Sub(p.start)
	frac := min(p.done/p.total, 1)
	rate := 0.0
	if s := elapsed.Seconds(); s > 0 {
		rate = float64(p.events) / s
	}
	eta := "?"
	if frac > 0 {
		eta = (time.Duration(float64(elapsed)*(1-frac)/frac) + time.Second/2).Truncate(time.Second).String()
	}
	if p.tty {
		p.draw(frac, rate, eta)
		return
	}
	fmt.Fprintf(p.w, "%s%s: %.0f%% (%s of %s %s), %d events, %s events/s, %s elapsed, ETA %s\n", p.name, p.label,
		100*frac, fmtUnits(p.done/p.scale), fmtUnits(p.total/p.scale), p.unit, p.events, humanCount(rate),
		elapsed.Truncate(time.Second), eta)
}

// draw redraws the bar; the share comes last, so that a finished bar ends "] 100%".
func (p *progress) draw(frac, rate float64, eta string) {
	const width = 30
	n := int(frac * width)
	fmt.Fprintf(p.w, "\r\033[K%s%s  %s events/s  ETA %-4s [%s%s] %3.0f%%", p.name, p.label, humanCount(rate), eta,
		strings.Repeat("=", n), strings.Repeat(" ", width-n), 100*frac)
	p.drawn = true
}

// finish ends the progress; nothing more is shown after it. On a terminal, a run that
// completed leaves its bar drawn full on a line of its own (the last update came some
// frames before the end, and the throttle may have skipped it); a failed one erases it.
func (p *progress) finish(completed bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.finished {
		return
	}
	p.finished = true
	if !p.tty {
		return
	}
	if completed {
		rate := 0.0
		if s := p.now().Sub(p.start).Seconds(); s > 0 {
			rate = float64(p.events) / s
		}
		p.draw(1, rate, "0s")
		fmt.Fprintln(p.w)
		return
	}
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

// finishIfShown ends a progress that may have had nothing to show (a short phase of a
// run): a bar drawn is left full on its own line, else nothing is written.
func (p *progress) finishIfShown() {
	p.mu.Lock()
	drawn := p.drawn
	p.mu.Unlock()
	if drawn {
		p.finish(true)
		return
	}
	p.mu.Lock()
	p.finished = true
	p.mu.Unlock()
}

// expectCacheBuild tells p the sizes of the recordings files, so that a build of their
// event cache, which reports them as its total, is labelled as one.
func (p *progress) expectCacheBuild(files []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cacheBuild = map[int64]bool{}
	var sum int64
	for _, f := range files {
		if st, err := os.Stat(f); err == nil {
			p.cacheBuild[st.Size()] = true
			sum += st.Size()
		}
	}
	p.cacheBuild[sum] = true
}

func fmtUnits(v float64) string {
	if v == float64(int64(v)) {
		return fmt.Sprint(int64(v))
	}
	return fmt.Sprintf("%.1f", v)
}

// humanCount writes a rate as 1234, 56.7k or 1.23M.
func humanCount(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.2fM", v/1e6)
	case v >= 1e4:
		return fmt.Sprintf("%.1fk", v/1e3)
	}
	return fmt.Sprintf("%.0f", v)
}
