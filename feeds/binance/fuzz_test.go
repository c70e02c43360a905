package binance

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/orderbook"
)

// realFrames are the seeds of the decoder fuzz targets: real frames of every
// kind and venue.
var realFrames = []string{
	spotDepthFrame, spotTickerFrame, spotTradeFrame, spotSnapshotFrame,
	usdmDepthFrame, usdmTickerFrame, usdmTradeFrame, usdmSnapshotFrame, aggTradeFrame, usdmMarkFrame,
	`{"u":7,"s":"BTCUSDT","b":"1.5","B":"2","a":"1.6","A":"3"}`,
}

// FuzzDecode feeds arbitrary frames to decoders of both venues' scales. It
// must never panic; a malformed frame must come back as an *Error with a
// KindNone event; a decoded one must be self-consistent and decode the same
// way twice.
func FuzzDecode(f *testing.F) {
	for _, s := range realFrames {
		f.Add([]byte(s))
	}
	spot, _ := NewDecoder(spotBTC)
	usdm, _ := NewDecoder(usdmBTC)
	f.Fuzz(func(t *testing.T, frame []byte) {
		for _, d := range []*Decoder{spot, usdm} {
			ev, err := d.Decode(frame)
			if err != nil {
				var e *Error
				if !errors.As(err, &e) || !strings.HasPrefix(err.Error(), "binance: ") {
					t.Fatalf("error %q (%T) is not a binance *Error", err, err)
				}
				if ev.Kind != KindNone {
					t.Fatalf("kind %v with error %v", ev.Kind, err)
				}
				continue
			}
			first := project(ev)
			checkEvent(t, &first)
			again, err := d.Decode(frame)
			if err != nil || !reflect.DeepEqual(project(again), first) {
				t.Fatalf("second decode differs: %v", err)
			}
		}
	})
}

func checkEvent(t *testing.T, e *Event) {
	t.Helper()
	nonNeg := func(ls []orderbook.Level) {
		for _, l := range ls {
			if l.Price <= 0 || l.Qty < 0 {
				t.Fatalf("level %+v: want a positive price and a quantity not negative", l)
			}
		}
	}
	switch e.Kind {
	case KindDepth:
		if e.Depth.First > e.Depth.Final {
			t.Fatalf("U %d > u %d", e.Depth.First, e.Depth.Final)
		}
		nonNeg(e.Depth.Bids)
		nonNeg(e.Depth.Asks)
	case KindSnapshot:
		nonNeg(e.Snapshot.Bids)
		nonNeg(e.Snapshot.Asks)
	case KindTrade, KindAggTrade:
		if e.Trade.Price <= 0 || e.Trade.Qty < 0 {
			t.Fatalf("trade %+v: want a positive price and a quantity not negative", e.Trade)
		}
	case KindBookTicker:
		tk := e.Ticker
		if tk.BidPrice < 0 || tk.BidQty < 0 || tk.AskPrice < 0 || tk.AskQty < 0 {
			t.Fatalf("negative ticker %+v", tk)
		}
	case KindMarkPrice:
		if m := e.Mark; m.Price <= 0 || m.Index < 0 || m.NextFunding < 0 {
			t.Fatalf("mark out of range %+v", m)
		}
	default:
		t.Fatalf("decoded kind %v", e.Kind)
	}
}

// FuzzDecimal checks the decoder's specialized number parser against
// fixed.Scale.Parse: whatever it accepts, fixed accepts with the same value,
// and what fixed rejects it rejects too. Each number is read twice: at the
// end of the input, and followed by the rest of a frame, which lets
// decimalFast make its 8-byte loads; both must agree.
func FuzzDecimal(f *testing.F) {
	for _, s := range []string{"61837.63000000", "0.00100000", "15.918", "92233720368.54775807", "1.", "-1", "1e3", "00012.5",
		"1234567.12345678", "12345678.1", "1.123456789", "7", "0.10000000", "2:5", "1./", "9999999.99999999"} {
		f.Add(s, uint8(8))
		f.Add(s, uint8(2))
		f.Add(s, uint8(11))
	}
	f.Fuzz(func(t *testing.T, s string, scale uint8) {
		sc := fixed.Scale(scale % 19)
		q := []byte(`"` + s + `"`)
		got, end, err := decimal(q, 0, sc)
		padded := append(slices.Clip(q), `]],["61837.63000000","0.00100000"]]}}`...)
		pgot, pend, perr := decimal(padded, 0, sc)
		if pgot != got || pend != end || perr != err {
			t.Fatalf("decimal(%q, %d) = %d, %d, %v alone, %d, %d, %v followed by more", s, sc, got, end, err, pgot, pend, perr)
		}
		if err == nil && end != len(q) {
			return // s holds a quote: the string ended early, as it should
		}
		want, ferr := sc.Parse([]byte(s))
		if err == nil && (ferr != nil || got != want) {
			t.Fatalf("decimal(%q, %d) = %d, fixed says %d, %v", s, sc, got, want, ferr)
		}
		if ferr != nil && err == nil {
			t.Fatalf("decimal(%q, %d) accepted what fixed rejects: %v", s, sc, ferr)
		}
	})
}

// FuzzLevel checks paddedLevel, the reader of spot's levels, against level,
// which reads every spelling: whatever the first accepts, the second reads
// the same way.
func FuzzLevel(f *testing.F) {
	for _, s := range []string{`["61829.76000000","2.99693000"]`, `["0.00000001","1234567.00000000"]`,
		`["12345678.00000000","1.00000000"]`, `["1.000000001","1.00000000"]`, `["1.0000000","1.00000000"]`,
		`[ "1.00000000","1.00000000"]`, `["1.00000000","1.00000000","0"]`, `["1.00000000","-1.00000000"]`} {
		f.Add(s, uint8(8), uint8(8))
	}
	f.Fuzz(func(t *testing.T, s string, ps, qs uint8) {
		b := []byte(s + `,["61838.04000000","0.32332000"]]}}`)
		psc, qsc := fixed.Scale(ps%(fastScale+1)), fixed.Scale(qs%(fastScale+1))
		if min(psc, qsc) < 8 {
			return // paddedLevel is not used at these scales
		}
		got, end, ok := paddedLevel(b, 0, psc, qsc)
		if !ok {
			return
		}
		want, wend, err := level(b, 0, psc, qsc)
		if err != nil || got != want || end != wend {
			t.Fatalf("paddedLevel(%q, %d, %d) = %v, %d; level says %v, %d, %v", s, psc, qsc, got, end, want, wend, err)
		}
	})
}

// FuzzCompactDepth checks compactDepth, the reader of the depth layouts
// Binance sends, against depthMembers, which reads any: whatever the first
// accepts, the second reads the same way, to the same end, at both venues'
// scales.
func FuzzCompactDepth(f *testing.F) {
	for _, fr := range []string{spotDepthFrame, usdmDepthFrame} {
		f.Add(fr[strings.Index(fr, `"data":`)+len(`"data":`):])
	}
	f.Add(`{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":2,"u":2,"b":[],"a":[["1.00000000","0.00000000"]]}`)
	f.Add(`{"e":"depthUpdate","E":1,"T":1,"s":"BTCUSDT","U":2,"u":3,"pu":1,"b":[["1.0","0.000"]],"a":[]}`)
	var decs []*Decoder
	for _, inst := range []Instrument{spotBTC, usdmBTC} {
		d, err := NewDecoder(inst)
		if err != nil {
			f.Fatal(err)
		}
		decs = append(decs, d)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b := []byte(s)
		for _, d := range decs {
			end, ok := d.compactDepth(b, 0)
			if !ok {
				continue
			}
			fast := project(&Event{Kind: KindDepth, Depth: d.ev.Depth})
			wend, err := d.depthMembers(b, 0)
			slow := project(&Event{Kind: KindDepth, Depth: d.ev.Depth})
			if err != nil || wend != end || !reflect.DeepEqual(fast, slow) {
				t.Fatalf("compactDepth(%q) = %+v, %d; depthMembers %+v, %d, %v", s, fast.Depth, end, slow.Depth, wend, err)
			}
		}
	})
}

// FuzzShortLevels checks shortLevels, the reader of USD-M's levels, against
// level, which reads every spelling: each level run reads, level reads the
// same way, to the same end, from the same place, whatever the scales and
// the guess it starts with; and where run stops, it says rightly why.
func FuzzShortLevels(f *testing.F) {
	for _, s := range []string{`["61829.70","2.996"],["61829.80","12.996"]]`, `["0.01","1234567.000"]]`,
		`["12345678.00","1.000"]]`, `["1.000","1.000"]]`, `["1.0","1.000"],["1.00","1.000"]]`, `[ "1.00","1.000"]]`,
		`["1.00","1.000","0"]]`, `["1.00","-1.000"]]`, `["1.00","1.0001"]]`, `["1.00","1.00"]]`, `["1.00","1.000" ]]`,
		`["1a.00","1.000"]]`, `["1.0a","1.000"]]`, `["1.00'","1.000"]]`, `["1.00","1.000"}]`, `[".00","1.000"]]`,
		`["1.00",".000"]]`, `["0000000.00","0.000"]]`, `["61829.70","2.996"],["61829.80","0.996"],["1.00","0.996"]]}}`,
		`["61829.70","2.996"]`, `["61829.70","2.99`} {
		f.Add(s, uint8(2), uint8(3), uint8(5), uint8(1), false)
		f.Add(s, uint8(6), uint8(1), uint8(1), uint8(3), true)
	}
	f.Fuzz(func(t *testing.T, s string, ps, qs, np, nq uint8, missed bool) {
		psc, qsc := fixed.Scale(1+ps%6), fixed.Scale(1+qs%6)
		r := newShortLevels(psc, qsc)
		r.guess(int(np%8), int(nq%8))
		if missed {
			r.missEnd, r.missNP, r.missNQ = -1, int(np/8%8), int(nq/8%8) // a miss just before b
		}
		b := []byte(s)
		got, k, ended := r.run(b, 0, nil)
		at := 0
		for n, l := range got {
			want, end, err := level(b, at, psc, qsc)
			if err != nil || want != l {
				t.Fatalf("run(%q, %d, %d) read %v as level %d at %d; level says %v, %d, %v", s, psc, qsc, l, n, at, want, end, err)
			}
			if at = end; n < len(got)-1 || !ended {
				if at+1 >= len(b) || b[at] != ',' || b[at+1] != '[' {
					t.Fatalf("run(%q) went on from %d, where no `,[` is", s, at)
				}
				at++
			}
		}
		if k != at {
			t.Fatalf("run(%q, %d, %d) = %d levels, %d, %v; they end at %d", s, psc, qsc, len(got), k, ended, at)
		}
		if ended && k+1 < len(b) && b[k] == ',' && b[k+1] == '[' {
			t.Fatalf("run(%q) stopped at %d, before `,[`", s, k)
		}
	})
}

// FuzzUintValue checks uintValue, whose fast path reads 8 to 15 digits a word
// at a time, against uintSlow, which reads any integer a digit at a time and
// reports every error: the same value, end and error for any bytes, at the
// end of the input and followed by the rest of a frame.
func FuzzUintValue(f *testing.F) {
	for _, s := range []string{"5123107832006", "1723161256299", "12345678", "1234567", "123456789012345",
		"1234567890123456", "18446744073709551615", "18446744073709551616", "0123456789", "12345678.5",
		"1234567890e3", "123456789E", "99999999999999999999", "1", "", "-12345678"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, b := range [][]byte{[]byte(s), []byte(s + `,"u":5123107837557,"pu":5123107831937,"b":[]}`)} {
			v, j, err := uintValue(b, 0)
			wv, wj, werr := uintSlow(b, 0)
			if v != wv || j != wj || err != werr {
				t.Fatalf("uintValue(%q) = %d, %d, %v; uintSlow says %d, %d, %v", b, v, j, err, wv, wj, werr)
			}
		}
	})
}

// FuzzStreamFirst checks streamFirst, the reader of the combined-stream
// wrapper as Binance lays it out, against combined, which reads it in any
// order: whatever the first accepts, the second reads the same way, to the
// same end, with and without bookTickers ignored.
func FuzzStreamFirst(f *testing.F) {
	for _, fr := range realFrames {
		f.Add(fr, false)
		f.Add(fr, true)
	}
	f.Fuzz(func(t *testing.T, s string, ignore bool) {
		for _, inst := range []Instrument{spotBTC, usdmBTC} {
			d, err := NewDecoder(inst)
			if err != nil {
				t.Fatal(err)
			}
			if ignore {
				d.Ignore(KindBookTicker)
			}
			b := []byte(s)
			end, ok := d.streamFirst(b, 0)
			if !ok {
				continue
			}
			fast := project(&d.ev)
			wend, err := d.combined(b, 0)
			slow := project(&d.ev)
			if err != nil || wend != end || !reflect.DeepEqual(fast, slow) {
				t.Fatalf("streamFirst(%q) = %+v, %d; combined %+v, %d, %v", s, fast, end, slow, wend, err)
			}
		}
	})
}

// FuzzSync drives a Sync with random streams of depth events and snapshots
// and checks, after every step, that the book is valid exactly when the
// Sync is live, and that every event it applied obeys Binance's rules
// relative to the previous applied event or the snapshot.
func FuzzSync(f *testing.F) {
	f.Add([]byte{1, 1, 1, 1, 0, 2, 0, 0, 1, 1, 2, 1, 1, 3, 0, 0}, false)
	f.Add([]byte{1, 1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0, 1, 2, 1, 1, 1, 0, 0, 1}, true)
	f.Fuzz(func(t *testing.T, ops []byte, futures bool) {
		venue := Spot
		if futures {
			venue = USDM
		}
		// Depth events carry local time eventEpoch + their index, and
		// snapshots 0, so that the book's LocalTime after an apply
		// names the event applied (see Sync.OnSnapshot's stamping).
		const eventEpoch = 1 << 40
		type sent struct{ first, final, prev uint64 }
		var events []sent // indexed by the local time passed with them
		var (
			ref      uint64 // the book's update id in the model
			bridged  bool   // an event has been applied since the last snapshot
			checkErr string
		)
		s := NewSync(venue, orderbook.New(16), SyncConfig{MaxPending: 8, MaxPendingLevels: 8,
			OnApply: func(b *orderbook.Book) {
				e := events[b.LocalTime()-eventEpoch]
				var ok bool
				switch {
				case venue == Spot:
					ok = e.first <= ref+1 && ref+1 <= e.final
				case !bridged:
					ok = e.first <= ref && ref <= e.final
				default:
					ok = e.prev == ref
				}
				if !ok && checkErr == "" {
					checkErr = "applied event breaks the sequence"
				}
				ref, bridged = e.final, true
			}})
		next := uint64(1000) // the next update id the "exchange" will send
		for k := 0; k+3 < len(ops); k += 4 {
			op := ops[k : k+4]
			if op[0]%8 == 0 {
				id := next - 1 - uint64(op[1]%6) + uint64(op[2]%3)
				// The model moves first: buffered events are applied
				// inside OnSnapshot.
				ref, bridged = id, false
				events = append(events, sent{}) // keep local times aligned
				s.OnSnapshot(&Snapshot{LastUpdateID: id, Bids: []orderbook.Level{lv(1, 1)}, Asks: []orderbook.Level{lv(farAsk, 1)}}, 0)
			} else {
				first := next + uint64(op[1]%4) - 1 // usually next, sometimes a gap or an overlap
				final := first + uint64(op[2]%4)
				prev := next - 1
				if op[3]%5 == 0 {
					prev -= uint64(op[3] % 3)
				}
				events = append(events, sent{first, final, prev})
				d := DepthUpdate{First: first, Final: final, Prev: prev, HasPrev: true,
					Bids: []orderbook.Level{lv(int64(2+op[3]%4), int64(op[2]%2))}}
				if err := s.OnDepth(&d, eventEpoch+int64(len(events)-1)); err != nil {
					t.Fatal(err)
				}
				if final >= next {
					next = final + 1
				}
			}
			if checkErr != "" {
				t.Fatalf("op %d: %s (state %v)", k/4, checkErr, s.State())
			}
			if s.Book().Valid() != (s.State() == Live) {
				t.Fatalf("op %d: valid %v in state %v", k/4, s.Book().Valid(), s.State())
			}
			if s.NeedSnapshot() != (s.State() == WaitingSnapshot || s.State() == NeedResync) {
				t.Fatalf("op %d: NeedSnapshot %v in state %v", k/4, s.NeedSnapshot(), s.State())
			}
			c := s.Counters()
			if c.Resyncs != c.Gaps+c.StaleSnapshots {
				t.Fatalf("op %d: counters %+v", k/4, c)
			}
		}
	})
}
