package main

import (
	"fmt"
	"io"

	"github.com/rs/zerolog"

	"github.com/nanotick/nanotick/backtest"
	livesession "github.com/nanotick/nanotick/session"
)

// feedLine describes a live feed's counters in words, for the run summary.
func feedLine(c livesession.Counters) string {
	return fmt.Sprintf("%d frames (%d malformed); %d connections (%d reconnects, %d dial failures, %d stale, %d rotations); %d snapshots (%d failed, %d resyncs)",
		c.Frames, c.Malformed, c.Connects, c.Reconnects, c.DialFailures, c.Stale, c.Rotations, c.Snapshots, c.SnapshotFailures, c.Resyncs)
}

// backtestLogLevel parses --log-level: a zerolog level name, or "off".
func backtestLogLevel(s string) (zerolog.Level, error) {
	if s == "off" {
		return zerolog.Disabled, nil
	}
	switch l, err := zerolog.ParseLevel(s); {
	case err != nil || l < zerolog.DebugLevel || l > zerolog.ErrorLevel:
		return zerolog.Disabled, fmt.Errorf("want debug, info, warn, error or off, got %q", s)
	default:
		return l, nil
	}
}

// backtestLogger prints a backtest's log lines for a person: level, data time (the
// replay stamps it, see backtest.LogTimeField), message, then the other fields. No
// wall-clock timestamp: the same run prints the same lines. A line from before the
// replay (the event cache's) has no data time, and prints none.
func backtestLogger(w io.Writer, level zerolog.Level) zerolog.Logger {
	out := zerolog.ConsoleWriter{Out: w, NoColor: !isTerminal(w),
		PartsOrder:    []string{zerolog.LevelFieldName, backtest.LogTimeField, zerolog.MessageFieldName},
		FieldsExclude: []string{backtest.LogTimeField},
		FormatPartValueByName: func(v any, _ string) string {
			if v == nil {
				return ""
			}
			return fmt.Sprint(v)
		}}
	return zerolog.New(out).Level(level)
}
