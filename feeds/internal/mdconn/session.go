package mdconn

import (
	"context"

	"github.com/nanotick/nanotick/session"
)

// RunSession runs c as a live session's market-data connection (session.MarketData's
// Run): the session's sink, which hears the connection's changes as session states,
// and its idle interval. Busy polling is not offered: the books come through the
// reader's ring, whose hand-over is the wait.
func (c *Conn) RunSession(ctx context.Context, sink session.Sink, opt session.RunOptions) error {
	return c.Run(ctx, sessionSink{sink}, opt.IdleInterval)
}

// SessionCounters returns the counters as session.MarketData's Counters.
func (c *Conn) SessionCounters() session.Counters {
	k := c.Counters()
	return session.Counters{Connects: k.Connects, Reconnects: k.Reconnects, DialFailures: k.DialFailures, Stale: k.Stale,
		Frames: k.Frames, Malformed: k.Malformed, Resyncs: k.Resyncs}
}

// sessionSink passes the connection's changes on as session states. A resubscription
// brings its snapshot as a frame, so Snapshot is never called.
type sessionSink struct{ session.Sink }

func (s sessionSink) ConnState(up bool, err error, now int64) {
	st := session.Connected
	if !up {
		st = session.Disconnected
	}
	s.Sink.State(st, err, now)
}
