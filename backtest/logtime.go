package backtest

import "github.com/rs/zerolog"

// LogTimeField is the field in which a backtest's log lines (the strategy's log.info and
// friends, the engine's and risk's) carry the data time of the event being replayed:
// the wall-clock time of a replay says nothing about when in the recording it happened.
const LogTimeField = "t"

// dataTimeHook stamps log lines with the replay's data time, once the replay has one.
type dataTimeHook struct{ now *int64 }

func (h *dataTimeHook) Run(e *zerolog.Event, _ zerolog.Level, _ string) {
	if h.now != nil && *h.now != 0 {
		e.Str(LogTimeField, stamp(*h.now))
	}
}
