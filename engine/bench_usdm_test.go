package engine_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/nanotick/nanotick/engine"
	"github.com/nanotick/nanotick/internal/enginetest"
	"github.com/nanotick/nanotick/strategy"
)

// usdmAsSpot rewrites the USD-M recording's snapshot and depth frames in Binance Spot's
// shape: the same levels, prices and quantities, without USD-M's "T" and "pu", and with
// update ids renumbered so that each frame's U follows the previous u, as spot's sync
// requires (USD-M chains by pu instead). The result is spot's tick path fed exactly the
// book changes that the usdm case is fed, so the two differ only in the venue's code.
// The rewriting is done once, before the timer starts, with encoding/json.
func usdmAsSpot(b *testing.B) (snapshot enginetest.Frame, depth []enginetest.Frame) {
	snap, frames := depthFramesOf(b, enginetest.USDMFile)
	var s struct {
		LastUpdateID uint64          `json:"lastUpdateId"`
		Bids         json.RawMessage `json:"bids"`
		Asks         json.RawMessage `json:"asks"`
	}
	if err := json.Unmarshal(snap.Data, &s); err != nil {
		b.Fatal(err)
	}
	snapshot = enginetest.Frame{Local: snap.Local,
		Data: fmt.Appendf(nil, `{"lastUpdateId":%d,"bids":%s,"asks":%s}`, s.LastUpdateID, s.Bids, s.Asks)}
	var prev uint64
	for _, f := range frames {
		var m struct {
			Data struct {
				Kind string          `json:"e"` // declared so that "e" does not match E: encoding/json folds case
				E    int64           `json:"E"`
				T    int64           `json:"T"`
				U    uint64          `json:"U"`
				Last uint64          `json:"u"`
				Bids json.RawMessage `json:"b"`
				Asks json.RawMessage `json:"a"`
			} `json:"data"`
		}
		if err := json.Unmarshal(f.Data, &m); err != nil {
			b.Fatal(err)
		}
		d := m.Data
		first := d.U
		if prev != 0 {
			first = prev + 1
		}
		prev = d.Last
		depth = append(depth, enginetest.Frame{Local: f.Local, Data: fmt.Appendf(nil,
			`{"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":%d,"s":"BTCUSDT","U":%d,"u":%d,"b":%s,"a":%s}}`,
			d.E, first, d.Last, d.Bids, d.Asks)})
	}
	return snapshot, depth
}

// primedUSDMAsSpotEngine is primedEngine (spot's venue, rules and order encoder) on the
// USD-M book changes in spot's shape, with the usdm case's order size.
func primedUSDMAsSpotEngine(b *testing.B, strat strategy.Strategy) (snapshot enginetest.Frame, depth []enginetest.Frame, e *engine.Engine, v *enginetest.Venue) {
	snapshot, depth = usdmAsSpot(b)
	cfg := enginetest.SpotConfig()
	cfg.Params = strategy.Params{"size": 0.002}
	e, v = enginetest.NewEngineWith(b, cfg, strat)
	return primeEngine(b, snapshot, depth, e, v)
}
