package kraken

import (
	"context"

	"github.com/nanotick/nanotick/engine"
	"github.com/nanotick/nanotick/session"
)

// SessionGateway is a started Gateway as a live session's order gateway
// (session.Gateway): the session drains its answers on the engine's goroutine and tears
// it down.
type SessionGateway struct{ *Gateway }

// Drain implements session.Gateway: a session.Answers is a Sink.
func (g SessionGateway) Drain(a session.Answers, now int64) { g.Gateway.Drain(a, now) }

// CancelAll implements session.Gateway.
func (g SessionGateway) CancelAll(ctx context.Context) error { return g.Gateway.CancelAll(ctx) }

// Close implements session.Gateway.
func (g SessionGateway) Close() error { return g.Gateway.Close() }

var _ session.Gateway = SessionGateway{}

var _ engine.Modifier = SessionGateway{}
