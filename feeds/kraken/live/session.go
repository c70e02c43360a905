package live

import (
	"context"

	"github.com/nanotick/nanotick/session"
)

// MarketData is a Conn as a live session's market-data connection (session.MarketData).
type MarketData struct{ *Conn }

// Run implements session.MarketData: the Conn's Run with the session's sink and idle
// interval.
func (m MarketData) Run(ctx context.Context, sink session.Sink, opt session.RunOptions) error {
	return m.Conn.Run(ctx, sessionSink{sink}, opt.IdleInterval)
}

// Counters implements session.MarketData.
func (m MarketData) Counters() session.Counters {
	c := m.Conn.Counters()
	return session.Counters{Connects: c.Connects, Reconnects: c.Reconnects, DialFailures: c.DialFailures, Stale: c.Stale,
		Frames: c.Frames, Malformed: c.Malformed, Resyncs: c.Resyncs}
}

// sessionSink passes the connection's changes on as session states. A book
// resubscription is Kraken's snapshot: it arrives as a frame, so Snapshot is never
// called.
type sessionSink struct{ session.Sink }

func (s sessionSink) ConnState(up bool, err error, now int64) {
	st := session.Connected
	if !up {
		st = session.Disconnected
	}
	s.Sink.State(st, err, now)
}

var _ session.MarketData = MarketData{}
