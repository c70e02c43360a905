package main

import (
	"path/filepath"

	"github.com/nanotick/nanotick/config"
	"github.com/nanotick/nanotick/engine"
	gwbinance "github.com/nanotick/nanotick/gateway/binance"
	"github.com/nanotick/nanotick/parity"
	"github.com/nanotick/nanotick/risk"
)

// openSessionRecorder starts recording a session of c's first strategy into dir, for
// nanotick parity.
func openSessionRecorder(dir string, c *config.Config, cfgFile string) (*parity.Recorder, error) {
	if cfgFile != "" {
		if abs, err := filepath.Abs(cfgFile); err == nil {
			cfgFile = abs
		}
	}
	meta := parity.Meta{Config: cfgFile}
	if len(c.Strategies) > 0 {
		st := &c.Strategies[0]
		meta.Strategy, meta.Venue, meta.Symbol = st.Name, string(st.Venue), st.Instrument
		for _, in := range c.Instruments {
			if in.Symbol == st.Instrument {
				meta.PriceScale, meta.QtyScale = int(in.PriceDecimals), int(in.QtyDecimals)
			}
		}
	}
	return parity.NewRecorder(dir, meta)
}

// recordingGateway records every order and cancel on its way to the venue.
type recordingGateway struct {
	next engine.Gateway
	rec  *parity.Recorder
}

func (g recordingGateway) Place(o *risk.Order, now int64) error {
	g.rec.Order(o, now)
	return g.next.Place(o, now)
}

func (g recordingGateway) Cancel(id uint64, now int64) error {
	g.rec.Cancel(id, now)
	return g.next.Cancel(id, now)
}

// recordingSink records every venue answer as the strategy gets it.
type recordingSink struct {
	next gwbinance.Sink
	rec  *parity.Recorder
}

func (s recordingSink) OnAck(id uint64, now int64) { s.rec.OnAck(id, now); s.next.OnAck(id, now) }
func (s recordingSink) OnFill(id uint64, price, qty, fee int64, maker bool, now int64) {
	s.rec.OnFill(id, price, qty, fee, maker, now)
	s.next.OnFill(id, price, qty, fee, maker, now)
}
func (s recordingSink) OnCancelled(id uint64, now int64) {
	s.rec.OnCancelled(id, now)
	s.next.OnCancelled(id, now)
}
func (s recordingSink) OnRejected(id uint64, reason string, now int64) {
	s.rec.OnRejected(id, reason, now)
	s.next.OnRejected(id, reason, now)
}

// recordingHandler records every market data frame as received before the engine
// handles it.
func recordingHandler(next func([]byte, int64) error, rec *parity.Recorder) func([]byte, int64) error {
	return func(frame []byte, local int64) error {
		rec.Frame(local, frame)
		return next(frame, local)
	}
}
