package binance

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/nanotick/nanotick/orderbook"
)

// TestRealDepthExact decodes every depth frame and the snapshot of both recordings
// and compares each with what an independent reader makes of it: encoding/json into
// strings, then fixed.Scale.Parse, the reference the decoder's own number readers are
// fuzzed against. Every update id, time, price and quantity must be the same: the fast
// paths (compactDepth for both venues' layouts, paddedLevel for spot's levels,
// shortLevels for USD-M's) may change how a frame is read, never what it says.
func TestRealDepthExact(t *testing.T) {
	for _, tt := range []struct {
		file string
		inst Instrument
	}{{spotFile, spotBTC}, {usdmFile, usdmBTC}} {
		d, err := NewDecoder(tt.inst)
		if err != nil {
			t.Fatal(err)
		}
		parse := func(line int, ls [][2]string) []orderbook.Level {
			out := []orderbook.Level{}
			for _, l := range ls {
				p, err1 := tt.inst.PriceScale.ParseString(l[0])
				q, err2 := tt.inst.QtyScale.ParseString(l[1])
				if err1 != nil || err2 != nil {
					t.Fatalf("%s:%d: level %q: %v %v", tt.file, line, l, err1, err2)
				}
				out = append(out, orderbook.Level{Price: p, Qty: q})
			}
			return out
		}
		depths, snaps := 0, 0
		for _, rec := range loadRecording(t, tt.file) {
			isDepth := bytes.Contains(rec.frame, []byte(`"e":"depthUpdate"`))
			isSnap := bytes.HasPrefix(rec.frame, []byte(`{"lastUpdateId"`))
			if !isDepth && !isSnap {
				continue
			}
			ev, err := d.Decode(rec.frame)
			if err != nil {
				t.Fatalf("%s:%d: %v", tt.file, rec.line, err)
			}
			if isSnap {
				snaps++
				var s struct {
					ID   uint64      `json:"lastUpdateId"`
					E    int64       `json:"E"`
					T    int64       `json:"T"`
					Bids [][2]string `json:"bids"`
					Asks [][2]string `json:"asks"`
				}
				if err := json.Unmarshal(rec.frame, &s); err != nil {
					t.Fatal(err)
				}
				want := Snapshot{LastUpdateID: s.ID, EventTime: s.E, TxTime: s.T,
					Bids: parse(rec.line, s.Bids), Asks: parse(rec.line, s.Asks)}
				if got := ev.Snapshot; ev.Kind != KindSnapshot || !sameSnapshot(got, want) {
					t.Fatalf("%s:%d: decoded %v %+v\nwant %+v", tt.file, rec.line, ev.Kind, got, want)
				}
				continue
			}
			depths++
			var m struct {
				Data struct {
					Kind string      `json:"e"` // declared so that "e" does not match E: encoding/json folds case
					E    int64       `json:"E"`
					T    int64       `json:"T"`
					U    uint64      `json:"U"`
					Last uint64      `json:"u"`
					PU   *uint64     `json:"pu"`
					Bids [][2]string `json:"b"`
					Asks [][2]string `json:"a"`
				} `json:"data"`
			}
			if err := json.Unmarshal(rec.frame, &m); err != nil {
				t.Fatal(err)
			}
			x := m.Data
			want := DepthUpdate{EventTime: x.E, TxTime: x.T, First: x.U, Final: x.Last,
				Bids: parse(rec.line, x.Bids), Asks: parse(rec.line, x.Asks)}
			if x.PU != nil {
				want.Prev, want.HasPrev = *x.PU, true
			}
			got := ev.Depth
			got.Bids, got.Asks = append([]orderbook.Level{}, got.Bids...), append([]orderbook.Level{}, got.Asks...)
			if ev.Kind != KindDepth || !reflect.DeepEqual(got, want) {
				t.Fatalf("%s:%d: decoded %v %+v\nwant %+v", tt.file, rec.line, ev.Kind, got, want)
			}
		}
		if depths < 3000 || snaps != 1 {
			t.Errorf("%s: %d depth frames and %d snapshots", tt.file, depths, snaps)
		}
	}
}

func sameSnapshot(a, b Snapshot) bool {
	return a.LastUpdateID == b.LastUpdateID && a.EventTime == b.EventTime && a.TxTime == b.TxTime &&
		reflect.DeepEqual(append([]orderbook.Level{}, a.Bids...), b.Bids) &&
		reflect.DeepEqual(append([]orderbook.Level{}, a.Asks...), b.Asks)
}
