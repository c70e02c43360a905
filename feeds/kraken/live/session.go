package live

import (
	"context"

	"github.com/nanotick/nanotick/session"
)

// MarketData is a Conn as a live session's market-data connection (session.MarketData).
type MarketData struct{ *Conn }

// Run implements session.MarketData: the Conn's Run with the session's sink, which
// hears connects and losses as session states, and its idle interval. A book
// resubscription is Kraken's snapshot: it arrives as a frame, so Snapshot is never
// called.
func (m MarketData) Run(ctx context.Context, sink session.Sink, opt session.RunOptions) error {
	return m.Conn.RunSession(ctx, sink, opt)
}

// Counters implements session.MarketData.
func (m MarketData) Counters() session.Counters { return m.Conn.SessionCounters() }

var _ session.MarketData = MarketData{}
