package main

import (
	"path/filepath"

	"github.com/nanotick/nanotick/config"
	"github.com/nanotick/nanotick/engine"
	gwbinance "github.com/nanotick/nanotick/gateway/binance"
	gwbybit "github.com/nanotick/nanotick/gateway/bybit"
	gwkraken "github.com/nanotick/nanotick/gateway/kraken"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/parity"
	"github.com/nanotick/nanotick/perp"
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

// recordingSink records every venue answer as the strategy gets it, and hands every
// answer on to the session's tally (the engine): the gateways find the optional sink
// methods (modify outcomes, funding, the venue's account, forced fills, base-asset
// commissions) by type assertion, so a method missing here would silently never reach
// the engine while recording. The assertions below and TestRecordingSinkForwardsAll
// keep it complete.
type recordingSink struct {
	next *fillTally
	rec  *parity.Recorder
}

var (
	_ gwbinance.Sink            = recordingSink{}
	_ gwbinance.CommissionSink  = recordingSink{}
	_ gwbinance.ModifySink      = recordingSink{}
	_ gwbinance.FundingSink     = recordingSink{}
	_ gwbinance.PerpAccountSink = recordingSink{}
	_ gwbinance.ForcedFillSink  = recordingSink{}
	_ gwbybit.Sink              = recordingSink{}
	_ gwbybit.ModifySink        = recordingSink{}
	_ gwbybit.FundingSink       = recordingSink{}
	_ gwkraken.Sink             = recordingSink{}
	_ gwkraken.ModifySink       = recordingSink{}
)

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

// The answers below are not recorded (a parity session replays spot orders); they are
// handed on.

func (s recordingSink) OnBaseCommission(id uint64, qty int64, now int64) {
	s.next.OnBaseCommission(id, qty, now)
}
func (s recordingSink) OnModified(id uint64, price, qty int64, now int64) {
	s.next.OnModified(id, price, qty, now)
}
func (s recordingSink) OnModifyRejected(id uint64, reason string, now int64) {
	s.next.OnModifyRejected(id, reason, now)
}
func (s recordingSink) OnFunding(i instrument.Index, amount int64, now int64) {
	s.next.OnFunding(i, amount, now)
}
func (s recordingSink) OnPerpAccount(i instrument.Index, wallet int64, brackets perp.Brackets) (risk.Book, error) {
	return s.next.OnPerpAccount(i, wallet, brackets)
}
func (s recordingSink) OnForcedFill(i instrument.Index, side orderbook.Side, price, qty, fee int64, now int64) {
	s.next.OnForcedFill(i, side, price, qty, fee, now)
}

// recordingHandler records every market data frame as received before the engine
// handles it.
func recordingHandler(next func([]byte, int64) error, rec *parity.Recorder) func([]byte, int64) error {
	return func(frame []byte, local int64) error {
		rec.Frame(local, frame)
		return next(frame, local)
	}
}
