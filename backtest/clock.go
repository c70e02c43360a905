package backtest

import "time"

// DefaultMaxTimeJump is the default of Config.MaxTimeJump.
const DefaultMaxTimeJump = time.Minute

// maxCurvePoints bounds the equity curve: when it fills, every other sample is dropped
// and the sampling interval doubles, so the curve's memory and the time spent sampling
// depend on neither the span of the data nor its length.
const maxCurvePoints = 1 << 16

// clockGuard passes a Source's frames on, guarding the replay's clock against receive
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
	src   Source
	bound int64

	started bool
	last    int64 // the latest time passed on

	held []byte // the frame of a leap, copied: reading its successor invalidates it

	// The frame read to judge a leap, handed on by the next call to Next.
	peeked    bool
	peekLocal int64
	peekFrame []byte
	peekErr   error
	// heldOut tells that the frame last returned is the held copy, not the frame the
	// source returned last (see direct).
	heldOut bool
	jumps   uint64 // outliers passed on at the last good time
	gaps    uint64 // leaps the next frame confirmed
}

func newClockGuard(src Source, bound time.Duration) *clockGuard {
	if bound <= 0 {
		bound = DefaultMaxTimeJump
	}
	return &clockGuard{src: src, bound: int64(bound)}
}

// Next returns the next frame with its guarded receive time.
func (g *clockGuard) Next() (int64, []byte, error) {
	if g.peeked {
		g.peeked = false
		if g.peekErr != nil {
			return 0, nil, g.peekErr
		}
		return g.admit(g.peekLocal, g.peekFrame)
	}
	local, frame, err := g.src.Next()
	if err != nil {
		return 0, nil, err
	}
	return g.admit(local, frame)
}

func (g *clockGuard) admit(local int64, frame []byte) (int64, []byte, error) {
	g.heldOut = false
	if !g.started {
		g.started, g.last = true, local
		return local, frame, nil
	}
	if d := local - g.last; local <= g.last || d >= 0 && d <= g.bound { // d < 0: overflowed, a leap
		g.last = max(g.last, local)
		return local, frame, nil
	}
	g.held = append(g.held[:0], frame...)
	g.heldOut = true
	nl, nf, err := g.src.Next()
	g.peeked, g.peekLocal, g.peekFrame, g.peekErr = true, nl, nf, err
	if err == nil && within(nl, local, g.bound) {
		g.gaps++
		g.last = local
		return local, g.held, nil
	}
	g.jumps++
	return g.last, g.held, nil
}

// direct reports whether the frame Next returned last is the one the source returned
// last, so that what the source says about its last frame (its decoding ahead) is
// about this one.
func (g *clockGuard) direct() bool { return !g.heldOut }

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
