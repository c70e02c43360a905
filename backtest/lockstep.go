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
// is applied, and those after it come after. The two reads that come at the event
// itself, before the run handles it, are kept from before the first run applied it:
// the exchange book's mid for the markouts (advance) and the equity samples (marks).
// And the timers due at a strategy frame fire in every run before the engine book
// takes that frame, as within OnEventAt.

// sharedBooks are the books of runs replaying the same events in lockstep.
type sharedBooks struct {
	ex  *orderbook.Book // the exchanges'
	eng *orderbook.Book // the engines'
	// exSeq and engSeq are the numbers of the last events applied to each book.
	exSeq, engSeq uint64
	// mid2Before, mid and midOK are what the exchange book showed before event exSeq:
	// twice its mid (0 without one), its mid and whether that was valid.
	mid2Before, mid int64
	midOK           bool
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
	type run struct { // one of the runs, and its next event
		i    int
		r    *replay
		kind int
		lane int
		t    int64
		seq  uint64
	}
	var runs []*run
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
		runs = append(runs, &run{i: i, r: r})
	}
	wall := time.Now()
	// try runs one run's part of a step; a panic or an error ends that run alone.
	var finished []*run
	drop := func(ru *run) {
		for k, o := range runs {
			if o == ru {
				runs = append(runs[:k], runs[k+1:]...)
				return
			}
		}
	}
	try := func(ru *run, part func() error) (ok bool) {
		defer func() {
			if p := recover(); p != nil {
				errs[ru.i], ok = fmt.Errorf("backtest: panic: %v", p), false
				drop(ru)
			}
		}()
		if err := part(); err != nil {
			errs[ru.i] = err
			drop(ru)
			return false
		}
		return true
	}
	// peek finds a run's next event and its number; a run at its end is finished.
	peek := func(ru *run) {
		try(ru, func() error {
			kind, lane, t, err := ru.r.peek()
			if err != nil {
				return err
			}
			ru.kind, ru.lane, ru.t, ru.seq = kind, lane, t, 0
			switch kind {
			case evNone:
				finished = append(finished, ru)
				drop(ru)
			case evMarket:
				ru.seq = ru.r.slotAt(ru.r.lanes[lane].exOff).seq
			case evFrame:
				ru.seq = ru.r.slotAt(0).seq
			}
			return nil
		})
	}
	for _, ru := range append([]*run(nil), runs...) {
		peek(ru)
	}
	for len(runs) > 0 {
		next := runs[0]
		for _, ru := range runs[1:] {
			if ru.t < next.t || ru.t == next.t && (ru.kind < next.kind || ru.kind == next.kind && ru.seq < next.seq) {
				next = ru
			}
		}
		if next.kind != evFrame {
			if try(next, func() error { return next.r.step(next.kind, next.lane, next.t) }) {
				peek(next)
			}
			continue
		}
		// A strategy frame is every run's next event (the same frame, at the same
		// time: anything of a run before it would come first). The timers due by
		// then fire in every run before the engine book takes the frame, as within
		// OnEventAt; then each run handles the frame, the first bringing the shared
		// book along.
		group := append([]*run(nil), runs...)
		for _, ru := range group {
			if ru.kind != evFrame || ru.seq != next.seq || ru.t != next.t {
				try(ru, func() error { return fmt.Errorf("backtest: lockstep lost: run at %d/%d/%d, frame %d/%d", ru.t, ru.kind, ru.seq, next.t, next.seq) })
				continue
			}
			try(ru, func() error {
				if at, ok := ru.r.eng.NextTimer(); ok && at <= next.t {
					ru.r.now = next.t
					ru.r.eng.OnClock(next.t)
				}
				return nil
			})
		}
		for _, ru := range append([]*run(nil), runs...) {
			if try(ru, func() error { return ru.r.step(ru.kind, ru.lane, ru.t) }) {
				peek(ru)
			}
		}
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
