package binance_test

import (
	"github.com/nanotick/nanotick/engine"
	gw "github.com/nanotick/nanotick/gateway/binance"
)

// The gateway is an engine.Gateway, and the engine the gateway's Sink.
var (
	_ engine.Gateway = (*gw.Gateway)(nil)
	_ gw.Sink        = (*engine.Engine)(nil)
)
