package engine_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/nanotick/nanotick/engine"
	"github.com/nanotick/nanotick/examples/strategies/marketmaker"
	"github.com/nanotick/nanotick/internal/enginetest"
	"github.com/nanotick/nanotick/risk"
)

// quoting replays frames into a market maker until it has two acknowledged quotes
// working, and returns the engine, its venue, its log and the next frame's index.
func quoting(t *testing.T, cfg engine.Config) (*engine.Engine, *enginetest.Venue, *bytes.Buffer, []enginetest.Frame, int) {
	t.Helper()
	frames := enginetest.LoadFrames(t, enginetest.SpotFile)
	var logs bytes.Buffer
	cfg.Logger = zerolog.New(&logs).Level(zerolog.DebugLevel)
	cfg.Risk.Logger = cfg.Logger
	e, v := enginetest.NewEngineWith(t, cfg, marketmaker.New())
	if err := e.Start(frames[0].Local); err != nil {
		t.Fatal(err)
	}
	for k, f := range frames {
		if err := e.OnFrame(f.Data, f.Local); err != nil {
			t.Fatal(err)
		}
		v.Answer(f.Local)
		if k > 1000 && e.Risk().Working() == 2 {
			return e, v, &logs, frames, k + 1
		}
	}
	t.Fatal("the market maker never had two quotes working")
	return nil, nil, nil, nil, 0
}

// TestHoldCancels is the engine's part of an orderly stop after a venue-wide
// cancel-all: while the cancels are held, neither the stop nor the strategy sends a
// cancel and no order is accepted; the venue's confirmation of one quote takes it off
// the books; ReleaseCancels then cancels exactly the quote still working.
func TestHoldCancels(t *testing.T) {
	e, v, logs, frames, next := quoting(t, enginetest.SpotConfig())
	working := e.Risk().AppendWorking(nil)
	sent, placed := e.Counters().CancelsSent, v.Placed

	e.Stop()
	if got := e.HaltCause(); got != risk.ReasonShutdown {
		t.Fatalf("cause %v after Stop, want shutdown", got)
	}
	e.HoldCancels()
	// The market keeps moving while the confirmations come: the strategy may requote.
	for _, f := range frames[next : next+200] {
		if err := e.OnFrame(f.Data, f.Local); err != nil {
			t.Fatal(err)
		}
		v.Answer(f.Local)
	}
	last := frames[next+200].Local
	e.OnCancelled(working[0], last) // the cancel-all's confirmation of one quote
	if got := e.Counters().CancelsSent; got != sent {
		t.Errorf("%d cancels sent while held", got-sent)
	}
	if v.Placed != placed {
		t.Errorf("%d orders placed after the stop", v.Placed-placed)
	}
	if w := e.Risk().AppendWorking(nil); len(w) != 1 || w[0] != working[1] {
		t.Fatalf("working %v after one confirmation, want [%d]", w, working[1])
	}

	e.ReleaseCancels()
	if got := e.Counters().CancelsSent - sent; got != 1 {
		t.Errorf("%d cancels on release, want 1 (the quote still working)", got)
	}
	v.Answer(last)
	if w := e.Risk().Working(); w != 0 {
		t.Errorf("%d orders working after the release", w)
	}
	e.ReleaseCancels() // nothing left: nothing sent
	if got := e.Counters().CancelsSent - sent; got != 1 {
		t.Errorf("%d cancels after a second release, want 1", got)
	}
	out := logs.String()
	if n := strings.Count(out, `"message":"trading stopped"`); n != 1 || !strings.Contains(out, `"cause":"shutdown"`) {
		t.Errorf("%d stop lines, want one with cause shutdown:\n%s", n, out)
	}
	for _, bad := range []string{`"level":"error"`, `"level":"warn"`} {
		if strings.Contains(out, bad) {
			t.Errorf("an orderly stop logged %s:\n%s", bad, out)
		}
	}
}

// TestStopWithoutHoldCancelsAtOnce: with no cancel-all to wait for (it failed), the
// stop's cancels go out on ReleaseCancels, without waiting for an event.
func TestStopWithoutHoldCancelsAtOnce(t *testing.T) {
	e, v, _, _, _ := quoting(t, enginetest.SpotConfig())
	sent := e.Counters().CancelsSent
	e.Stop()
	e.ReleaseCancels()
	if got := e.Counters().CancelsSent - sent; got != 2 {
		t.Errorf("%d cancels, want 2", got)
	}
	v.Answer(0)
	if w := e.Risk().Working(); w != 0 {
		t.Errorf("%d orders working", w)
	}
}

// TestHaltBeforeStopKeepsItsCause: the kill switch and a failing strategy still halt
// at Error with their cause, and the orderly stop that follows neither hides the
// cause nor logs a line of its own.
func TestHaltBeforeStopKeepsItsCause(t *testing.T) {
	tests := []struct {
		name    string
		halt    func(e *engine.Engine)
		errLine string // a further Error line the halt writes
	}{
		{"kill switch", (*engine.Engine).Halt, ""},
		{"strategy error", nil, `"message":"strategy halted; cancelling its orders"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e *engine.Engine
			var v *enginetest.Venue
			var logs *bytes.Buffer
			if tt.halt != nil {
				e, v, logs, _, _ = quoting(t, enginetest.SpotConfig())
				tt.halt(e)
				e.OnClock(0)
			} else {
				frames := enginetest.LoadFrames(t, enginetest.SpotFile)
				logs = &bytes.Buffer{}
				cfg := enginetest.SpotConfig()
				cfg.Logger = zerolog.New(logs)
				cfg.Risk.Logger = cfg.Logger
				e, v = enginetest.NewEngineWith(t, cfg, &failing{n: 100})
				enginetest.Replay(t, e, v, frames[:2000])
				if !errors.Is(e.Halted(), errBoom) {
					t.Fatalf("strategy not halted: %v", e.Halted())
				}
			}
			v.Answer(0)
			e.Stop()
			if got := e.HaltCause(); got != risk.ReasonHalted {
				t.Errorf("cause %v after the stop, want halted", got)
			}
			out := logs.String()
			if !strings.Contains(out, `"level":"error","cause":"halted"`) || !strings.Contains(out, `"message":"risk halted"`) {
				t.Errorf("the halt is not logged at Error with its cause:\n%s", out)
			}
			if tt.errLine != "" && !strings.Contains(out, tt.errLine) {
				t.Errorf("log lacks %s:\n%s", tt.errLine, out)
			}
			if strings.Contains(out, "trading stopped") {
				t.Errorf("the stop after a halt logged a line of its own:\n%s", out)
			}
		})
	}
}
