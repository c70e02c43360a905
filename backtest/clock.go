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
	if g.passes(local) {
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
	return g.leap(local, nl, err == nil), held, &g.heldDec, g.heldLv, nil
}

// passes reports whether a frame received at local goes on at its own time, and takes
// it as the last time if so; if not, it is a leap, for leap to judge.
func (g *clockGuard) passes(local int64) bool {
	if !g.started {
		g.started, g.last = true, local
		return true
	}
	if step := local - g.last; local <= g.last || step >= 0 && step <= g.bound { // step < 0: overflowed, a leap
		g.last = max(g.last, local)
		return true
	}
	return false
}

// leap judges a leap to local by the next frame's receive time (ok false: there is
// no next frame, or it could not be read) and returns the time the leap's frame goes
// on at.
func (g *clockGuard) leap(local, next int64, ok bool) int64 {
	if ok && within(next, local, g.bound) {
		g.gaps++
		g.last = local
		return local
	}
	g.jumps++
	return g.last
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

// laneClock is where one instrument's feed clock stands as its frames are read: the
// clock offset estimate and the exchange time of the last frame. The replay keeps one
// per lane (replay.read); a framesPrefetch that stamps its events keeps its own.
type laneClock struct {
	readAny    bool
	lastExch   int64
	offset     int64 // min(local − E) seen: the clock offset estimate
	haveOffset bool
	whole      int64 // the offset over the whole data, when the run measured it
	hasWhole   bool
	lastLat    int64 // feed latency of the last frame that carried E
}

// stamp returns the exchange time of a frame received at local (guarded, and clamped
// so as not to go backwards) whose event is d, and counts it in feed. bound is the
// clock guard's (MaxTimeJump), maxFeed is MaxFeedLatency.
func (l *laneClock) stamp(feed *feedStats, d *decoded, local int64, et ExchangeTime, bound, maxFeed int64) int64 {
	// The exchange saw the frame's event at its event time E (or transaction time T),
	// on the exchange's clock. The two clocks differ by an unknown offset: the
	// smallest local − E seen so far (or over the whole data) is taken as the offset,
	// so the fastest frame had zero feed latency and none is negative. The exchange
	// time on the replay's (local) clock is local − latency. Each instrument's feed has
	// its own offset: its venue's clock and its connection's latency are its own.
	lat := l.lastLat
	// An event time further ahead of the receive time than the offset allows by more
	// than MaxTimeJump is garbage (a corrupt line): it would set the offset for the rest
	// of the run, so the frame is taken as one without E.
	e, ok := d.exchTime(et)
	if ok && l.haveOffset && local-e < l.offset-bound {
		ok = false
		feed.badE++
	}
	if ok {
		raw := local - e
		switch {
		case l.hasWhole:
			l.offset, l.haveOffset = l.whole, true
		case !l.haveOffset || raw < l.offset:
			l.offset, l.haveOffset = raw, true
		}
		lat = raw - l.offset
		if lat > maxFeed {
			feed.clamped++
			lat = maxFeed
		}
		l.lastLat = lat
		feed.withE++
		feed.sum += lat
		if feed.withE == 1 || lat < feed.min {
			feed.min = lat
		}
		feed.max = max(feed.max, lat)
	} else {
		feed.withoutE++
	}
	x := local - lat
	if l.readAny && x < l.lastExch {
		x = l.lastExch // the exchange sees the frames in the order they were sent
	}
	l.lastExch, l.readAny = x, true
	return x
}
