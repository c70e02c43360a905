package live

import (
	"context"

	"github.com/nanotick/nanotick/session"
)

// MarketData is a Conn as a session's market-data connection (session.MarketData).
type MarketData struct{ *Conn }

// Run implements session.MarketData: a session.Sink is a Sink. Busy polling is not
// offered: Bybit's books come through the reader's ring, whose hand-over is the wait.
func (m MarketData) Run(ctx context.Context, sink session.Sink, opt session.RunOptions) error {
	return m.Conn.Run(ctx, sink, opt.IdleInterval)
}

// Counters implements session.MarketData.
func (m MarketData) Counters() session.Counters {
	c := m.Conn.Counters()
	return session.Counters{Connects: c.Connects, Reconnects: c.Reconnects, DialFailures: c.DialFailures, Stale: c.Stale,
		Frames: c.Frames, Malformed: c.Malformed, Resyncs: c.Resyncs}
}

var _ session.MarketData = MarketData{}
