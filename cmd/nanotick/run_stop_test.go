package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/nanotick/nanotick/engine"
	"github.com/nanotick/nanotick/exchange"
	livesession "github.com/nanotick/nanotick/session"
)

// runLogLine is what the stop tests read of a JSON log line.
type runLogLine struct {
	Level   string `json:"level"`
	Message string `json:"message"`
	Cause   string `json:"cause"`
	Code    int    `json:"code"`
	Working int    `json:"working"`
	Order   uint64 `json:"order"`
	raw     string
}

// parseRunLog parses every line of a JSON log; a line that is not JSON fails the test.
func parseRunLog(t *testing.T, logs string) []runLogLine {
	t.Helper()
	var lines []runLogLine
	for l := range strings.Lines(logs) {
		var ln runLogLine
		if err := json.Unmarshal([]byte(l), &ln); err != nil {
			t.Fatalf("log line %q is not JSON: %v", l, err)
		}
		ln.raw = strings.TrimSpace(l)
		lines = append(lines, ln)
	}
	return lines
}

// afterStop returns the lines from the orderly stop's "trading stopped" on, failing the
// test unless there is exactly one such line, with cause shutdown.
func afterStop(t *testing.T, lines []runLogLine) []runLogLine {
	t.Helper()
	at := -1
	for i, l := range lines {
		if l.Message == "trading stopped" {
			if at >= 0 {
				t.Errorf("a second stop line: %s", l.raw)
			}
			at = i
			if l.Level != "info" || l.Cause != "shutdown" {
				t.Errorf("stop logged as %s", l.raw)
			}
		}
	}
	if at < 0 {
		t.Fatal("no \"trading stopped\" line")
	}
	return lines[at:]
}

// checkQuietEnd fails the test for every warn or error line, and every -2011 refusal, in
// lines, but the refusal of a cancel that a fill beat: the venue filled the order before
// the cancel reached it (the gateway says so once the fill is in), a race of every
// market maker's, which a loaded machine makes likelier.
func checkQuietEnd(t *testing.T, lines []runLogLine) {
	t.Helper()
	beaten := map[uint64]bool{}
	for _, l := range lines {
		if l.Message == "order filled before its cancel reached the venue" {
			beaten[l.Order] = true
		}
	}
	for _, l := range lines {
		if l.Level == "warn" || l.Level == "error" {
			t.Errorf("the end of a normal run logged at %s: %s", l.Level, l.raw)
		}
		if l.Code == -2011 && !beaten[l.Order] {
			t.Errorf("a -2011 refusal at the end of the run, of an order no fill beat: %s", l.raw)
		}
	}
}

// TestRunEndsCleanly is the README's command with a duration: it exits 0, logs the stop
// once at Info, logs nothing at warn or error level and has no cancel refused, and its
// summary and report say the duration was reached.
func TestRunEndsCleanly(t *testing.T) {
	file := filepath.Join(t.TempDir(), "run.json")
	var out, errOut bytes.Buffer
	code := runRun([]string{"--duration", "4s", "--quiet", "--json", file}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, out.String(), errOut.String())
	}
	if regexp.MustCompile(`orders\s+0 sent,`).MatchString(out.String()) {
		t.Fatalf("the market maker sent no order: the run exercised nothing:\n%s", out.String())
	}
	lines := parseRunLog(t, errOut.String())
	afterStop(t, lines)
	checkQuietEnd(t, lines)
	if !strings.Contains(out.String(), "  ended     duration reached\n") {
		t.Errorf("the summary does not say how the run ended:\n%s", out.String())
	}
	if strings.Contains(out.String(), "halted") {
		t.Errorf("the summary of a normal run speaks of a halt:\n%s", out.String())
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct{ Ended, Halted string }
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Ended != "duration" || rep.Halted != "" {
		t.Errorf("report says ended %q, halted %q; want duration, not halted", rep.Ended, rep.Halted)
	}
}

// cancelCounter counts the cancels the engine sends.
type cancelCounter struct {
	engine.Gateway
	n atomic.Int64
}

func (c *cancelCounter) Cancel(id uint64, now int64) error {
	c.n.Add(1)
	return c.Gateway.Cancel(id, now)
}

// failingCancelAll is a venue gateway whose cancel-all fails, as when the venue cannot
// be reached; everything else is the real gateway's.
type failingCancelAll struct{ livesession.Gateway }

func (failingCancelAll) CancelAll(context.Context) error {
	return errors.New("test: cancel-all failed")
}

// runUntilQuoting runs the default session against the local exchange until the
// exchange holds one of its orders or more, then stops it in order (the shutdown), and
// returns it with its log and the number of cancels the engine sent at the shutdown.
func runUntilQuoting(t *testing.T, wrapVenue func(livesession.Gateway) livesession.Gateway) (*session, string, int64) {
	t.Helper()
	logs := &lockedBuffer{}
	log := zerolog.New(logs).Level(zerolog.DebugLevel)
	counter := &cancelCounter{}
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	s, err := startSession(ctx, testConfig(), sessionOptions{seed: 7, wrapVenue: wrapVenue,
		wrap: func(g engine.Gateway) engine.Gateway { counter.Gateway = g; return counter }}, log)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.run(ctx) }()
	quoting := false
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline) && !quoting; {
		view, _ := s.ex.Account(simAPIKey)
		quoting = len(view.OpenOrders) > 0
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	if !quoting {
		t.Fatal("no order ever rested on the exchange: the test exercised nothing")
	}
	before := counter.n.Load()
	ex := s.ex
	s.ex = nil
	s.shutdown()
	s.ex = ex
	t.Cleanup(func() { _ = ex.Close() })
	return s, logs.String(), counter.n.Load() - before
}

// TestShutdownCancelsOnce: when the venue's cancel-all succeeds, the engine sends no
// cancel of its own for the orders it removed; every order is gone from the exchange and
// from the engine's books, and from the stop on nothing is logged at warn or error level.
func TestShutdownCancelsOnce(t *testing.T) {
	s, logs, cancels := runUntilQuoting(t, nil)
	lines := afterStop(t, parseRunLog(t, logs))
	if lines[0].Working == 0 {
		t.Fatalf("no order working at the stop: the test exercised nothing:\n%s", logs)
	}
	checkQuietEnd(t, lines)
	if cancels != 0 {
		t.Errorf("the engine sent %d cancels after the venue's cancel-all", cancels)
	}
	if w := s.eng.Risk().Working(); w != 0 {
		t.Errorf("%d orders still working in the engine after the shutdown", w)
	}
	if view, _ := s.ex.Account(simAPIKey); len(view.OpenOrders) != 0 {
		t.Errorf("%d orders left on the exchange", len(view.OpenOrders))
	}
	if h := s.riskHalt(); h != "" {
		t.Errorf("an orderly stop reads as a halt: %q", h)
	}
}

// TestShutdownCancelAllFails: fail closed. When the venue's cancel-all fails, the
// engine cancels every working order itself, at once, and they are all confirmed
// before the gateway closes.
func TestShutdownCancelAllFails(t *testing.T) {
	s, logs, cancels := runUntilQuoting(t, func(g livesession.Gateway) livesession.Gateway { return failingCancelAll{g} })
	lines := afterStop(t, parseRunLog(t, logs))
	working := lines[0].Working
	if working == 0 {
		t.Fatalf("no order working at the stop: the test exercised nothing:\n%s", logs)
	}
	if !strings.Contains(logs, `"level":"error"`) || !strings.Contains(logs, "cancel all at shutdown failed") {
		t.Errorf("the failed cancel-all is not logged at error level:\n%s", logs)
	}
	if cancels < int64(working) {
		t.Errorf("the engine sent %d cancels for %d working orders", cancels, working)
	}
	// The gateway's Close cancels all once more, but the engine only learns what settle
	// drained before it: no order working means the engine's own cancels were confirmed.
	if w := s.eng.Risk().Working(); w != 0 {
		t.Errorf("%d orders still working in the engine after the shutdown", w)
	}
	if strings.Contains(logs, "orders still working at the venue") {
		t.Errorf("settle gave up on working orders:\n%s", logs)
	}
	if view, _ := s.ex.Account(simAPIKey); len(view.OpenOrders) != 0 {
		t.Errorf("%d orders left on the exchange", len(view.OpenOrders))
	}
}

// TestKillSwitchStaysAnError: the kill switch pulled mid-run is logged at Error with
// its cause, and the orderly stop at the end neither hides it nor logs a stop of its
// own; the summary and the report say trading was halted.
func TestKillSwitchStaysAnError(t *testing.T) {
	s, _, logs := runSession(t, exchange.Faults{}, 40*time.Second, func(s *session, check *checkedGateway) {
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if view, _ := s.ex.Account(simAPIKey); len(view.OpenOrders) > 0 {
				break
			}
		}
		s.eng.Halt()
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if view, _ := s.ex.Account(simAPIKey); len(view.OpenOrders) == 0 {
				return
			}
		}
	})
	halts := 0
	for _, l := range parseRunLog(t, logs) {
		switch l.Message {
		case "risk halted":
			halts++
			if l.Level != "error" || l.Cause != "halted" {
				t.Errorf("the kill switch logged as %s", l.raw)
			}
		case "trading stopped":
			t.Errorf("the stop after the kill switch logged a line of its own: %s", l.raw)
		}
	}
	if halts != 1 {
		t.Errorf("%d \"risk halted\" lines, want 1:\n%s", halts, logs)
	}
	if h := s.riskHalt(); h != "halted" {
		t.Errorf("riskHalt %q, want halted", h)
	}
	var sum bytes.Buffer
	s.summaryEnd(&sum)
	if !strings.Contains(sum.String(), "trading halted before the end, cause halted") {
		t.Errorf("summary: %q", sum.String())
	}
	if rep := s.report(time.Now()); rep.Halted != "risk halted: halted" {
		t.Errorf("report halted %q", rep.Halted)
	}
}

// missingCancelAll is a venue gateway whose cancel-all reports success but cancels
// nothing, as one that misses an order placed over another connection while it ran.
type missingCancelAll struct{ livesession.Gateway }

func (missingCancelAll) CancelAll(context.Context) error { return nil }

// TestShutdownCancelAllMissed: orders a successful cancel-all did not remove are still
// cancelled, one by one, once the venue has been quiet for the grace period, and the
// shutdown says so at warn level. An order whose cancel the strategy sent before the stop
// is confirmed without one; a run where that took every order exercised nothing and is
// run again (three times at most).
func TestShutdownCancelAllMissed(t *testing.T) {
	for attempt := 1; ; attempt++ {
		s, logs, cancels := runUntilQuoting(t, func(g livesession.Gateway) livesession.Gateway { return missingCancelAll{g} })
		left := 0 // working when the engine's cancels were released
		for _, l := range afterStop(t, parseRunLog(t, logs)) {
			if l.Message == "orders still working after every venue's cancel-all: cancelling each" {
				left = l.Working
				if l.Level != "warn" {
					t.Errorf("the fallback logged as %s", l.raw)
				}
			}
		}
		if w := s.eng.Risk().Working(); w != 0 {
			t.Errorf("%d orders still working in the engine after the shutdown", w)
		}
		if view, _ := s.ex.Account(simAPIKey); len(view.OpenOrders) != 0 {
			t.Errorf("%d orders left on the exchange", len(view.OpenOrders))
		}
		if left == 0 {
			if attempt == 3 {
				t.Fatalf("no order was left for the fallback in 3 runs: the test exercised nothing:\n%s", logs)
			}
			continue
		}
		if cancels < int64(left) {
			t.Errorf("the engine sent %d cancels for the %d orders the cancel-all missed", cancels, left)
		}
		return
	}
}
