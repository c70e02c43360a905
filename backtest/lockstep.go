package backtest

import (
	"fmt"
	"time"

	"github.com/nanotick/nanotick/orderbook"
)

// Lockstep runs: the points of a sweep replay the same events, and the two books each
// run keeps (the simulated exchange's, at exchange time, and the engine's, at receive
// time) go through exactly the same states at exactly the same event times in every
// run: nothing a strategy does changes the recorded market. Replaying every event into
// two books per point is most of a point's cost. So RunFramesLockstep replays a group
// of points together, on one goroutine, with one exchange book and one engine book for
// all of them: the runs take their steps in one order of time (at equal times: the
// exchange's frames, the order path, the strategy's frames, as one run orders them; at
// the same event, run by run), the first run to reach an event applies it to the
// shared book, and the others find it applied. Each run keeps everything else of its
// own (engine, strategy, risk, exchange orders, account), and gets the report it gets
// alone (TestLockstepIsAlone).
//
// What a run reads of a shared book is what it would read of its own at that step,
// because every run's steps before an event in that order are done before the event
// is applied, and those after it come after. The one read that comes at the event
// itself, before the run handles it, is kept from before the first run applied it:
// the exchange book's mid for the markouts (advance). And the timers due at a strategy frame fire in every run before the engine book
// takes that frame, as within OnEventAt.

// sharedBooks are the books of runs replaying the same events in lockstep.
type sharedBooks struct {
	ex  *orderbook.Book // the exchanges'
	eng *orderbook.Book // the engines'
	// exSeq and engSeq are the numbers of the last events applied to each book.
	exSeq, engSeq uint64
	// mid2Before is twice the exchange book's mid before event exSeq (0 without one).
	mid2Before int64
}

// RunFramesLockstep is RunFrames for each of cfgs, over the same frames, replayed in
// lockstep with shared books (see above): the same reports, for a fraction of the
// cost per run. The runs must be of one instrument, that of the frames. The reports
// and errors are by index of cfgs; a run that fails or panics has its error and no
// report, and the others carry on.
func RunFramesLockstep(cfgs []Config, f *Frames) ([]*Report, []error) {
	reps, errs := make([]*Report, len(cfgs)), make([]error, len(cfgs))
	capacity := 0
	for _, c := range cfgs {
		capacity = max(capacity, c.Engine.BookCapacity)
	}
	if capacity <= 0 {
		capacity = eventBookCapacity
	}
	shared := &sharedBooks{ex: orderbook.New(capacity), eng: orderbook.New(capacity)}
	var runs []*lockRun
	for i, cfg := range cfgs {
		cfg.Data = f.data
		table, err := cfg.Engine.InstrumentTable()
		if err != nil {
			errs[i] = fmt.Errorf("backtest: %w", err)
			continue
		}
		if table.Len() != 1 || !sameDecoding(table.At(0), &f.spec) {
			errs[i] = fmt.Errorf("backtest: the frames were decoded for %s, not for this run's instruments", f.spec.ID)
			continue
		}
		r, err := safeNewReplay(cfg, shared, &framesSource{f: f})
		if err != nil {
			errs[i] = err
			continue
		}
		runs = append(runs, &lockRun{i: i, r: r})
	}
	wall := time.Now()
	var finished []*lockRun
	// settle takes the runs that failed or ended out of runs.
	settle := func() {
		n := 0
		for _, ru := range runs {
			switch {
			case ru.err != nil:
				errs[ru.i] = ru.err
			case ru.kind == evNone:
				finished = append(finished, ru)
			default:
				runs[n] = ru
				n++
			}
		}
		clear(runs[n:])
		runs = runs[:n]
	}
	for _, ru := range runs {
		ru.peek()
	}
	settle()
	for len(runs) > 0 {
		next := runs[0]
		for _, ru := range runs[1:] {
			if ru.t < next.t || ru.t == next.t && (ru.kind < next.kind || ru.kind == next.kind && ru.seq < next.seq) {
				next = ru
			}
		}
		if next.kind != evFrame {
			if next.step(); next.err == nil {
				next.peek()
			}
			if next.err != nil || next.kind == evNone {
				settle()
			}
			continue
		}
		// A strategy frame is every run's next event (the same frame, at the same
		// time: anything of a run before it would come first). The timers due by
		// then fire in every run before the engine book takes the frame, as within
		// OnEventAt; then each run handles the frame, the first bringing the shared
		// book along.
		for _, ru := range runs {
			if ru.kind != evFrame || ru.seq != next.seq || ru.t != next.t {
				ru.err = fmt.Errorf("backtest: lockstep lost: a run at %d (kind %d, event %d), the frame %d at %d", ru.t, ru.kind, ru.seq, next.seq, next.t)
				continue
			}
			ru.timers(next.t)
		}
		for _, ru := range runs {
			if ru.err == nil {
				ru.step()
			}
			if ru.err == nil {
				ru.peek()
			}
		}
		settle()
	}
	for _, ru := range finished {
		func() {
			defer func() {
				if p := recover(); p != nil {
					errs[ru.i] = fmt.Errorf("backtest: panic: %v", p)
				}
			}()
			reps[ru.i] = ru.r.finish(wall)
			reps[ru.i].Events.Malformed = f.malformed
		}()
	}
	return reps, errs
}

// safeNewReplay is newReplay with a panic returned as an error.
func safeNewReplay(cfg Config, shared *sharedBooks, src eventSource) (r *replay, err error) {
	defer func() {
		if p := recover(); p != nil {
			r, err = nil, fmt.Errorf("backtest: panic: %v", p)
		}
	}()
	return newReplay(cfg, shared, src)
}

// lockRun is one run of a lockstep group: its replay, its next event (peek's, with
// the event's number for market and strategy frames) and what ended it.
type lockRun struct {
	i    int // its index in the group's configs
	r    *replay
	kind int
	lane int
	t    int64
	seq  uint64
	err  error
}

// peek finds the run's next event; a panic or an error ends the run.
func (ru *lockRun) peek() {
	defer ru.catch()
	kind, lane, t, err := ru.r.peek()
	if err != nil {
		ru.err = err
		return
	}
	ru.kind, ru.lane, ru.t, ru.seq = kind, lane, t, 0
	switch kind {
	case evMarket:
		ru.seq = ru.r.slotAt(ru.r.lanes[lane].exOff).seq
	case evFrame:
		ru.seq = ru.r.slotAt(0).seq
	}
}

// step takes the run's next event.
func (ru *lockRun) step() {
	defer ru.catch()
	if err := ru.r.step(ru.kind, ru.lane, ru.t); err != nil {
		ru.err = err
	}
}

// timers fires the run's timers due by t, as OnEventAt would at a frame at t.
func (ru *lockRun) timers(t int64) {
	defer ru.catch()
	if at, ok := ru.r.eng.NextTimer(); ok && at <= t {
		ru.r.now = t // the data time of the log lines
		ru.r.eng.OnClock(t)
	}
}

// catch turns a panic of the run's step into its error.
func (ru *lockRun) catch() {
	if p := recover(); p != nil {
		ru.err = fmt.Errorf("backtest: panic: %v", p)
	}
}
