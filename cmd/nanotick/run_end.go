package main

// How a live run ended, for its summary and its --json report: a run stops in order when
// its --duration is reached or on SIGINT/SIGTERM, and fails when a connection cannot
// run; independently of that, risk may have halted trading before the end (the kill
// switch, a loss limit, a failing strategy, a venue's ban or liquidation), which the run
// then reports with its cause.

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/nanotick/nanotick/risk"
)

// The ways a run ends (runEnd.how, the report's "ended").
const (
	endDuration = "duration" // --duration reached
	endSignal   = "signal"   // SIGINT or SIGTERM
	endError    = "error"    // a connection could not run: the run fails
)

// runEnd is how a run ended.
type runEnd struct {
	how    string // endDuration, endSignal or endError; "" when not known
	detail string // the signal, or the error
}

// endOf tells how a run whose Run returned runErr ended: sigCtx is the context the
// signals cancel, ctx the run's (sigCtx with the --duration's deadline, if any).
func endOf(sigCtx, ctx context.Context, runErr error) runEnd {
	switch {
	case runErr != nil:
		return runEnd{how: endError, detail: runErr.Error()}
	case sigCtx.Err() != nil:
		d := "signal"
		if c := context.Cause(sigCtx); c != nil && c != context.Canceled {
			d = c.Error() // "interrupt signal received"
		}
		return runEnd{how: endSignal, detail: d}
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return runEnd{how: endDuration}
	}
	return runEnd{}
}

// riskHalt returns why risk halted trading before the run's end, "" if it did not: the
// orderly stop at the end (risk.ReasonShutdown) is not a halt. It reads the engine, so
// it runs after the engine's goroutine has ended.
func (s *session) riskHalt() string {
	switch c := s.eng.HaltCause(); c {
	case risk.ReasonOK, risk.ReasonShutdown:
		return ""
	default:
		return c.String()
	}
}

// summaryEnd prints how the run ended, and the halt before it if there was one.
func (s *session) summaryEnd(w io.Writer) {
	switch s.end.how {
	case endDuration:
		fmt.Fprintf(w, "  ended     duration reached\n")
	case endSignal:
		fmt.Fprintf(w, "  ended     by a signal (%s)\n", s.end.detail)
	case endError:
		fmt.Fprintf(w, "  ended     by an error: %s\n", s.end.detail)
	}
	if h := s.riskHalt(); h != "" {
		fmt.Fprintf(w, "  risk      trading halted before the end, cause %s\n", h)
	}
}
