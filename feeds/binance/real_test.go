package binance

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"os"
	"reflect"
	"slices"
	"strconv"
	"testing"

	"github.com/nanotick/nanotick/internal/testdata"
	"github.com/nanotick/nanotick/orderbook"
)

// record is one line of a recording: local receive time and raw frame.
type record struct {
	local int64
	frame []byte
	line  int
}

// loadRecording reads a whole shared recording into memory, so that tests
// and benchmarks time decoding rather than gzip.
func loadRecording(tb testing.TB, name string) []record {
	tb.Helper()
	f, err := os.Open(testdata.SharedData(tb, name))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	var recs []record
	for line := 1; sc.Scan(); line++ {
		sp := bytes.IndexByte(sc.Bytes(), ' ')
		if sp < 0 {
			tb.Fatalf("%s:%d: no space", name, line)
		}
		local, err := strconv.ParseInt(string(sc.Bytes()[:sp]), 10, 64)
		if err != nil {
			tb.Fatalf("%s:%d: %v", name, line, err)
		}
		recs = append(recs, record{local, bytes.Clone(sc.Bytes()[sp+1:]), line})
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return recs
}

var (
	spotBTC = Instrument{Symbol: "BTCUSDT", PriceScale: 8, QtyScale: 8}
	usdmBTC = Instrument{Symbol: "BTCUSDT", PriceScale: 2, QtyScale: 3}
)

const (
	spotFile = "binance-spot-btcusdt-20240808.gz"
	usdmFile = "binance-usdm-btcusdt-20240808.gz"
)

// top is a best bid and ask, prices and quantities.
type top struct{ bid, ask orderbook.Level }

func bookTop(b *orderbook.Book) top {
	bid, _ := b.Best(orderbook.Bid)
	ask, _ := b.Best(orderbook.Ask)
	return top{bid, ask}
}

// TestRealRecordings replays both recordings through a Feed and checks the
// sync against Binance's rules and the book against the exchange's own top
// of book: every bookTicker whose u is the final update id of an applied
// depth event must show exactly the best bid and ask the local book had
// right after applying it, whichever frame arrived first.
func TestRealRecordings(t *testing.T) {
	tests := []struct {
		file        string
		venue       Venue
		inst        Instrument
		wantDropped uint64 // buffered events dropped before the bridge
		// bridgeIndex is the index among depth frames of the event that
		// must bridge the snapshot.
		bridgeIndex int
		// bridgeBeforeSnapshot says it arrives before the snapshot.
		bridgeBeforeSnapshot bool
	}{
		// Spot: three depth events precede the snapshot; the first two
		// are covered by it and the third bridges.
		{spotFile, Spot, spotBTC, 2, 2, true},
		// Futures: six precede the snapshot; four are covered, the
		// fifth bridges, the sixth continues it.
		{usdmFile, USDM, usdmBTC, 4, 4, true},
	}
	for _, tt := range tests {
		t.Run(tt.venue.String(), func(t *testing.T) {
			recs := loadRecording(t, tt.file)
			tops := make(map[uint64]top)
			var firstApplied uint64
			var droppedAtBridge uint64
			var f *Feed
			book := orderbook.New(2048)
			f, err := NewFeed(tt.venue, tt.inst, book, SyncConfig{OnApply: func(b *orderbook.Book) {
				if firstApplied == 0 {
					firstApplied = b.UpdateID()
					droppedAtBridge = f.Sync().Counters().Dropped
				}
				if !b.Valid() {
					t.Errorf("book not valid after applying u=%d", b.UpdateID())
				}
				tops[b.UpdateID()] = bookTop(b)
			}})
			if err != nil {
				t.Fatal(err)
			}
			tickers := make(map[uint64][]BookTicker)
			var depths []DepthUpdate // headers only, in arrival order
			snapAt := -1             // number of depth frames before the snapshot
			var snapID uint64
			for _, r := range recs {
				ev, err := f.Handle(r.frame, r.local)
				if err != nil {
					t.Fatalf("%s:%d: %v", tt.file, r.line, err)
				}
				switch ev.Kind {
				case KindDepth:
					d := ev.Depth
					d.Bids, d.Asks = nil, nil
					depths = append(depths, d)
				case KindBookTicker:
					tickers[ev.Ticker.UpdateID] = append(tickers[ev.Ticker.UpdateID], ev.Ticker)
				case KindSnapshot:
					snapAt, snapID = len(depths), ev.Snapshot.LastUpdateID
				}
			}
			c := f.Counters()
			t.Logf("%s: %+v", tt.file, c)
			if c.Gaps != 0 || c.Resyncs != 0 || c.Malformed != 0 || c.Snapshots != 1 {
				t.Errorf("counters %+v: want no gaps, resyncs, malformed frames, and one snapshot", c)
			}
			if s := f.Sync().State(); s != Live {
				t.Errorf("final state %v, want live", s)
			}
			if c.Applied+c.Dropped+uint64(f.Sync().Pending()) != uint64(len(depths)) {
				t.Errorf("applied %d + dropped %d != %d depth frames", c.Applied, c.Dropped, len(depths))
			}
			if droppedAtBridge != tt.wantDropped {
				t.Errorf("dropped %d events before the bridge, want %d", droppedAtBridge, tt.wantDropped)
			}
			// Find the bridging event and check it against the rule.
			bridge := -1
			for i, d := range depths {
				if d.Final == firstApplied {
					bridge = i
					break
				}
			}
			if bridge < 0 {
				t.Fatalf("first applied u=%d is not a depth frame", firstApplied)
			}
			d := depths[bridge]
			switch tt.venue {
			case Spot:
				if !(d.First <= snapID+1 && snapID+1 <= d.Final) {
					t.Errorf("bridge U=%d u=%d does not cover lastUpdateId+1=%d", d.First, d.Final, snapID+1)
				}
			case USDM:
				if !(d.First <= snapID && snapID <= d.Final) {
					t.Errorf("bridge U=%d u=%d does not cover lastUpdateId=%d", d.First, d.Final, snapID)
				}
			}
			if bridge != tt.bridgeIndex {
				t.Errorf("bridging event is depth frame %d, want %d", bridge, tt.bridgeIndex)
			}
			if before := bridge < snapAt; before != tt.bridgeBeforeSnapshot {
				t.Errorf("bridging event (depth frame %d) before the snapshot (after %d depth frames) = %v, want %v",
					bridge, snapAt, before, tt.bridgeBeforeSnapshot)
			}

			pairs, bad := 0, 0
			for u, ts := range tickers {
				want, ok := tops[u]
				if !ok {
					continue
				}
				for _, tk := range ts {
					pairs++
					got := top{orderbook.Level{Price: tk.BidPrice, Qty: tk.BidQty}, orderbook.Level{Price: tk.AskPrice, Qty: tk.AskQty}}
					if got != want {
						bad++
						if bad <= 5 {
							t.Errorf("u=%d: book top %+v, bookTicker %+v", u, want, got)
						}
					}
				}
			}
			t.Logf("%s: %d bookTicker/depth pairs checked, %d disagree; %d applied depth events, %d distinct bookTicker u",
				tt.file, pairs, bad, len(tops), len(tickers))
			if pairs < 100 {
				t.Errorf("only %d pairs to cross-check, want at least 100", pairs)
			}
		})
	}
}

// TestRealRecordingDamaged replays the spot recording with its depth
// stream damaged after the bridge: the book must go invalid at the damage
// and stay invalid to the end (the recording has no second snapshot),
// applying nothing more; a duplicated event is harmless and only dropped.
func TestRealRecordingDamaged(t *testing.T) {
	recs := loadRecording(t, spotFile)
	dec, _ := NewDecoder(spotBTC)
	var depth []int // indexes in recs of depth frames
	for i, r := range recs {
		if ev, err := dec.Decode(r.frame); err == nil && ev.Kind == KindDepth {
			depth = append(depth, i)
		}
	}
	const at = 1000 // a depth frame well after the bridge
	tests := []struct {
		name    string
		edit    func([]record) []record
		gaps    uint64
		applied uint64 // depth events applied
		dropped uint64
	}{
		{"missing event", func(rs []record) []record { return slices.Delete(rs, depth[at], depth[at]+1) }, 1, at - 2, 2},
		{"out of order", func(rs []record) []record {
			rs[depth[at]], rs[depth[at+1]] = rs[depth[at+1]], rs[depth[at]]
			return rs
		}, 1, at - 2, 2},
		{"duplicate", func(rs []record) []record { return slices.Insert(rs, depth[at], rs[depth[at]]) }, 0, uint64(len(depth)) - 2, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := tt.edit(slices.Clone(recs))
			var validAfterDamage bool
			damaged := false
			f, _ := NewFeed(Spot, spotBTC, orderbook.New(2048), SyncConfig{})
			for _, r := range rs {
				if _, err := f.Handle(r.frame, r.local); err != nil {
					t.Fatal(err)
				}
				if f.Counters().Gaps > 0 {
					damaged = true
				}
				if damaged && f.Sync().Book().Valid() {
					validAfterDamage = true
				}
			}
			c := f.Counters()
			if c.Gaps != tt.gaps || c.Applied != tt.applied || c.Dropped != tt.dropped {
				t.Errorf("gaps %d applied %d dropped %d, want %d %d %d", c.Gaps, c.Applied, c.Dropped, tt.gaps, tt.applied, tt.dropped)
			}
			if validAfterDamage {
				t.Error("book offered as valid after the gap")
			}
			if tt.gaps > 0 && (f.Sync().State() != NeedResync || !f.Sync().NeedSnapshot() || c.Resyncs != 1) {
				t.Errorf("state %v, NeedSnapshot %v, resyncs %d at the end", f.Sync().State(), f.Sync().NeedSnapshot(), c.Resyncs)
			}
		})
	}
}

// TestRealCompactDepth reads the data object of every depth frame of both
// recordings with compactDepth and with depthMembers, which reads any layout,
// and compares the two. compactDepth must take every depth frame of both
// venues, or its speed is not where the benchmarks say.
func TestRealCompactDepth(t *testing.T) {
	for _, tt := range []struct {
		file string
		inst Instrument
	}{{spotFile, spotBTC}, {usdmFile, usdmBTC}} {
		d, err := NewDecoder(tt.inst)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, rec := range loadRecording(t, tt.file) {
			if !bytes.Contains(rec.frame, []byte(`"e":"depthUpdate"`)) {
				continue
			}
			n++
			at := bytes.Index(rec.frame, []byte(`"data":`)) + len(`"data":`)
			end, ok := d.compactDepth(rec.frame, at)
			if !ok {
				t.Fatalf("%s:%d: compactDepth declined it", tt.file, rec.line)
			}
			fast := project(&Event{Kind: KindDepth, Depth: d.ev.Depth})
			wend, err := d.depthMembers(rec.frame, at)
			if err != nil || wend != end {
				t.Fatalf("%s:%d: depthMembers ended at %d, %v; compactDepth at %d", tt.file, rec.line, wend, err, end)
			}
			if slow := project(&Event{Kind: KindDepth, Depth: d.ev.Depth}); !reflect.DeepEqual(fast, slow) {
				t.Fatalf("%s:%d: compactDepth read\n%+v\ndepthMembers\n%+v", tt.file, rec.line, fast.Depth, slow.Depth)
			}
		}
		if n < 3000 {
			t.Errorf("%s: only %d depth frames", tt.file, n)
		}
	}
}

// TestRealStreamFirst decodes every frame of both recordings with
// streamFirst and with combined, which reads the wrapper in any order, and
// compares the two. streamFirst must take every combined-stream frame.
func TestRealStreamFirst(t *testing.T) {
	for _, tt := range []struct {
		file string
		inst Instrument
	}{{spotFile, spotBTC}, {usdmFile, usdmBTC}} {
		d, err := NewDecoder(tt.inst)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, rec := range loadRecording(t, tt.file) {
			if !bytes.HasPrefix(rec.frame, []byte(`{"stream":`)) {
				continue
			}
			n++
			end, ok := d.streamFirst(rec.frame, 0)
			if !ok {
				t.Fatalf("%s:%d: streamFirst declined it", tt.file, rec.line)
			}
			fast := project(&d.ev)
			wend, err := d.combined(rec.frame, 0)
			if err != nil || wend != end {
				t.Fatalf("%s:%d: combined ended at %d, %v; streamFirst at %d", tt.file, rec.line, wend, err, end)
			}
			if slow := project(&d.ev); !reflect.DeepEqual(fast, slow) {
				t.Fatalf("%s:%d: streamFirst read\n%+v\ncombined\n%+v", tt.file, rec.line, fast, slow)
			}
		}
		if n < 40000 {
			t.Errorf("%s: only %d combined-stream frames", tt.file, n)
		}
	}
}
