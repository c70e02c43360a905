package binance

import (
	"context"

	"github.com/nanotick/nanotick/session"
)

// FuturesSessionGateway is a started FuturesGateway as a session's order gateway
// (session.Gateway): the session drains its answers on the engine's goroutine and tears
// it down. The engine itself is given the *FuturesGateway, which is an engine.Modifier.
type FuturesSessionGateway struct{ *FuturesGateway }

// Drain implements session.Gateway. The answers' concrete type decides whether modifies
// and funding payments reach the engine (ModifySink, FundingSink): the session's, which
// carries the engine, does.
func (g FuturesSessionGateway) Drain(a session.Answers, now int64) { g.FuturesGateway.Drain(a, now) }

// CancelAll implements session.Gateway.
func (g FuturesSessionGateway) CancelAll(ctx context.Context) error {
	return g.FuturesGateway.CancelAll(ctx)
}

// Close implements session.Gateway.
func (g FuturesSessionGateway) Close() error { return g.FuturesGateway.Close() }

var _ session.Gateway = FuturesSessionGateway{}
