package backtest

import (
	"time"

	"github.com/nanotick/nanotick/orderbook"
)

// DefaultMaxTimeJump is the default of Config.MaxTimeJump.
const DefaultMaxTimeJump = time.Minute

// maxCurvePoints bounds the equity curve: when it fills, every other sample is dropped
// and the sampling interval doubles, so the curve's memory and the time spent sampling
// depend on neither the span of the data nor its length.
const maxCurvePoints = 1 << 16

// clockGuard passes an eventSource's frames on, guarding the replay's clock against receive
// times that leap forward: a single garbage timestamp (a line at 9e18 ns, a corrupt
// gzip stream decoding to digits, a line a day ahead) would otherwise move the replay's
// clock to it, freeze it there for every later frame and stretch the equity sampling
// across the leap.
//
// A time more than bound after the last one passed on is held, and the next frame is
// read to judge it: if that frame's time is within bound of the leap, the data really
// has a gap there (a reconnect, two recordings of different hours) and the leap is
// kept, counted in gaps; otherwise the time is an outlier, and its frame goes on at the
// last good time, counted in jumps. No frame is dropped. Times going backwards are left
// to the replay, which clamps and counts them.
//
// It owns only receive times: it never looks inside a frame. After the held frame's
// buffer has grown to the longest outlier it allocates nothing.
type clockGuard struct {
	src   eventSource
	bound int64

	started bool
	last    int64 // the latest time passed on

	// The frame of a leap, its event and levels, copied: reading its successor
	// invalidates them. heldNil says the source had no frame bytes.
	held    []byte
	heldNil bool
	heldDec decoded
	heldLv  []orderbook.Level

	// The frame read to judge a leap, handed on by the next call to next.
	peeked    bool
	peekLocal int64
	peekFrame []byte
	peekDec   *decoded
	peekLv    []orderbook.Level
	peekErr   error
	jumps     uint64 // outliers passed on at the last good time
	gaps      uint64 // leaps the next frame confirmed
}

func newClockGuard(src eventSource, bound time.Duration) *clockGuard {
	if bound <= 0 {
		bound = DefaultMaxTimeJump
	}
	return &clockGuard{src: src, bound: int64(bound)}
}

// next returns the next frame with its guarded receive time.
func (g *clockGuard) next() (int64, []byte, *decoded, []orderbook.Level, error) {
	if g.peeked {
		g.peeked = false
		if g.peekErr != nil {
			return 0, nil, nil, nil, g.peekErr
		}
		return g.admit(g.peekLocal, g.peekFrame, g.peekDec, g.peekLv)
	}
	local, frame, d, lv, err := g.src.next()
	if err != nil {
		return 0, nil, nil, nil, err
	}
	return g.admit(local, frame, d, lv)
}

func (g *clockGuard) admit(local int64, frame []byte, d *decoded, lv []orderbook.Level) (int64, []byte, *decoded, []orderbook.Level, error) {
	if !g.started {
		g.started, g.last = true, local
		return local, frame, d, lv, nil
	}
	if step := local - g.last; local <= g.last || step >= 0 && step <= g.bound { // step < 0: overflowed, a leap
		g.last = max(g.last, local)
		return local, frame, d, lv, nil
	}
	g.held, g.heldNil = append(g.held[:0], frame...), frame == nil
	g.heldDec, g.heldLv = *d, append(g.heldLv[:0], lv...)
	nl, nf, nd, nlv, err := g.src.next()
	g.peeked, g.peekLocal, g.peekFrame, g.peekDec, g.peekLv, g.peekErr = true, nl, nf, nd, nlv, err
	held := g.held
	if g.heldNil {
		held = nil
	}
	if err == nil && within(nl, local, g.bound) {
		g.gaps++
		g.last = local
		return local, held, &g.heldDec, g.heldLv, nil
	}
	g.jumps++
	return g.last, held, &g.heldDec, g.heldLv, nil
}

// within reports whether a and b are at most bound apart, without overflowing.
func within(a, b, bound int64) bool {
	if a < b {
		a, b = b, a
	}
	d := a - b
	return d >= 0 && d <= bound // a wrapped difference is negative: far apart
}

// Progress passes on the wrapped source's progress, if it reports any.
func (g *clockGuard) Progress() (done, total int64) {
	if p, ok := g.src.(interface{ Progress() (done, total int64) }); ok {
		return p.Progress()
	}
	return 0, 0
}
