package risk

import (
	"github.com/rs/zerolog"

	"github.com/nanotick/nanotick/fixed"
)

// burstLog logs rejections once per burst per reason: the first rejection of
// a reason is logged in full, later ones are only counted until the reason
// has been quiet for the quiet period, and then one "suppressed N" line
// closes the burst. A storm that never pauses is summarised every
// maxBurstQuiets quiet periods, so it cannot go silent for hours. Everything
// runs on the engine's clock; a suppressed rejection costs a few integer
// operations and no allocation.
type burstLog struct {
	quiet int64
	open  int   // number of open bursts
	next  int64 // earliest time an open burst may be closed
	b     [NumReasons]burst

	// ps and qs print an order's price and quantity as the decimals a person reads,
	// not the fixed-point integers risk works in; num is their scratch buffer.
	ps, qs fixed.Scale
	num    [40]byte
}

// maxBurstQuiets bounds a burst's length in quiet periods.
const maxBurstQuiets = 10

type burst struct {
	open        bool
	first, last int64
	suppressed  uint64
}

// reject logs or counts one rejection of r.
func (l *burstLog) reject(log *zerolog.Logger, r Reason, o *Order, now int64) {
	if r >= NumReasons {
		return
	}
	b := &l.b[r]
	if b.open {
		if now-b.last < l.quiet && now-b.first < maxBurstQuiets*l.quiet {
			b.suppressed++
			b.last = now
			return
		}
		l.close(log, r)
	}
	// An order refused because the run is ending is expected, not a warning: a
	// strategy answering its orders' cancellations may still try to quote.
	ev := log.WithLevel(levelOf(r)).Str("reason", r.String())
	if ev != nil && o != nil {
		ev = ev.Uint64("id", o.ID).Str("side", o.Side.String()).
			RawJSON("price", l.ps.Append(l.num[:0], o.Price)).RawJSON("qty", l.qs.Append(l.num[:0], o.Qty))
	}
	ev.Int64("now", now).Msg("order rejected")
	*b = burst{open: true, first: now, last: now}
	l.open++
	if l.open == 1 || now+l.quiet < l.next {
		l.next = now + l.quiet
	}
}

// close ends r's burst, with a summary line if anything was suppressed.
func (l *burstLog) close(log *zerolog.Logger, r Reason) {
	b := &l.b[r]
	if b.suppressed > 0 {
		log.WithLevel(levelOf(r)).Str("reason", r.String()).Uint64("suppressed", b.suppressed).
			Int64("first", b.first).Int64("last", b.last).Msg("order rejections suppressed")
	}
	b.open, b.suppressed = false, 0
	l.open--
}

// flush closes every burst that has been quiet for the quiet period at now.
func (l *burstLog) flush(log *zerolog.Logger, now int64) {
	next := int64(0)
	for r := range l.b {
		b := &l.b[r]
		if !b.open {
			continue
		}
		if now-b.last >= l.quiet {
			l.close(log, Reason(r))
			continue
		}
		if t := b.last + l.quiet; next == 0 || t < next {
			next = t
		}
	}
	l.next = next
}

// levelOf is the level rejections for r are logged at: Warn, except Debug for
// ReasonShutdown (the run is ending in order).
func levelOf(r Reason) zerolog.Level {
	if r == ReasonShutdown {
		return zerolog.DebugLevel
	}
	return zerolog.WarnLevel
}
