package orderbook

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"sync"
	"testing"

	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/internal/testdata"
)

// recScale is the scale used for both prices and quantities of the
// recordings: 8 decimals hold the spot ("61837.63000000", "3.78826000") and
// the futures ("61800.20", "0.014") numbers exactly.
const recScale fixed.Scale = 8

// The recordings in the shared data.
const (
	spotFile = "binance-spot-btcusdt-20240808.gz"
	usdmFile = "binance-usdm-btcusdt-20240808.gz"
)

// depth is the real depth data of a recording, as book operations.
type depth struct {
	snapshot []op // the REST snapshot, in file order (each side best first)
	updates  []op // every level of every depth update not covered by the snapshot, in order
}

var (
	depthMu    sync.Mutex
	depthCache = map[string]depth{}
)

// loadDepth extracts the depth levels of the recording name once per test
// binary. It uses encoding/json: it is setup, not what is measured.
func loadDepth(tb testing.TB, name string) depth {
	tb.Helper()
	path := testdata.SharedData(tb, name)
	depthMu.Lock()
	defer depthMu.Unlock()
	if d, ok := depthCache[name]; ok {
		return d
	}
	d, err := readDepth(path)
	if err != nil {
		tb.Fatal(err)
	}
	depthCache[name] = d
	return d
}

// loadSpotDepth returns the depth of the spot recording.
func loadSpotDepth(tb testing.TB) depth {
	tb.Helper()
	return loadDepth(tb, spotFile)
}

func readDepth(path string) (depth, error) {
	f, err := os.Open(path)
	if err != nil {
		return depth{}, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return depth{}, err
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 1<<20)

	var d depth
	var lastID uint64 // the snapshot's lastUpdateId
	type event struct {
		last uint64 // final update id
		ops  []op
	}
	var events []event
	levels := func(dst []op, side Side, raw [][2]string) ([]op, error) {
		for _, l := range raw {
			p, err := recScale.Parse([]byte(l[0]))
			if err != nil {
				return nil, err
			}
			q, err := recScale.Parse([]byte(l[1]))
			if err != nil {
				return nil, err
			}
			dst = append(dst, op{side, p, q})
		}
		return dst, nil
	}
	for line := 1; sc.Scan(); line++ {
		_, frame, ok := bytes.Cut(sc.Bytes(), []byte(" "))
		if !ok {
			return depth{}, fmt.Errorf("%s:%d: no space", path, line)
		}
		switch {
		case bytes.HasPrefix(frame, []byte(`{"lastUpdateId"`)):
			var s struct {
				LastUpdateID uint64      `json:"lastUpdateId"`
				Bids         [][2]string `json:"bids"`
				Asks         [][2]string `json:"asks"`
			}
			if err := json.Unmarshal(frame, &s); err != nil {
				return depth{}, fmt.Errorf("%s:%d: %w", path, line, err)
			}
			lastID = s.LastUpdateID
			if d.snapshot, err = levels(d.snapshot, Bid, s.Bids); err != nil {
				return depth{}, fmt.Errorf("%s:%d: %w", path, line, err)
			}
			if d.snapshot, err = levels(d.snapshot, Ask, s.Asks); err != nil {
				return depth{}, fmt.Errorf("%s:%d: %w", path, line, err)
			}
		case bytes.Contains(frame[:min(len(frame), 40)], []byte("@depth")):
			var m struct {
				Data struct {
					Last uint64      `json:"u"`
					Bids [][2]string `json:"b"`
					Asks [][2]string `json:"a"`
				} `json:"data"`
			}
			if err := json.Unmarshal(frame, &m); err != nil {
				return depth{}, fmt.Errorf("%s:%d: %w", path, line, err)
			}
			e := event{last: m.Data.Last}
			if e.ops, err = levels(nil, Bid, m.Data.Bids); err != nil {
				return depth{}, fmt.Errorf("%s:%d: %w", path, line, err)
			}
			if e.ops, err = levels(e.ops, Ask, m.Data.Asks); err != nil {
				return depth{}, fmt.Errorf("%s:%d: %w", path, line, err)
			}
			events = append(events, e)
		}
	}
	if err := sc.Err(); err != nil {
		return depth{}, err
	}
	// Events arrive in update id order, some of them before the snapshot
	// (among them the one that bridges from it): those the snapshot covers
	// are dropped, wherever they arrived.
	for _, e := range events {
		if e.last > lastID {
			d.updates = append(d.updates, e.ops...)
		}
	}
	if len(d.snapshot) == 0 || len(d.updates) == 0 {
		return depth{}, fmt.Errorf("%s: no snapshot or no updates after it", path)
	}
	return d, nil
}

// recordings lists the recordings the real-data tests replay.
var recordings = []string{spotFile, usdmFile}

// TestRealDepthAgainstModel replays the real depth of each recording into
// the book and the model and compares them, and checks that a correctly
// synced book ends uncrossed.
func TestRealDepthAgainstModel(t *testing.T) {
	for _, name := range recordings {
		t.Run(name, func(t *testing.T) {
			d := loadDepth(t, name)
			if len(d.snapshot) != 2000 {
				t.Errorf("snapshot has %d levels, want 2000 (1000 a side)", len(d.snapshot))
			}
			b, deferred := New(1024), New(1024)
			deferred.DeferUpkeep(true) // tidied only by the reads below, every 5000 updates
			m := model{{}, {}}
			for i, o := range append(slices.Clip(d.snapshot), d.updates...) {
				b.Set(o.side, o.price, o.qty)
				deferred.Set(o.side, o.price, o.qty)
				m.set(o.side, o.price, o.qty)
				if b.Len(o.side) != len(m[o.side]) {
					t.Fatalf("op %d: Len(%v) = %d, model %d", i, o.side, b.Len(o.side), len(m[o.side]))
				}
				if i%5000 == 0 {
					checkInvariants(t, b)
					checkInvariants(t, deferred)
					if got, want := levels(b, o.side), m.levels(o.side); !slices.Equal(got, want) {
						t.Fatalf("op %d: %v side differs from the model", i, o.side)
					}
					if got, want := levels(deferred, o.side), m.levels(o.side); !slices.Equal(got, want) {
						t.Fatalf("op %d: %v side of the book with deferred refills differs from the model", i, o.side)
					}
				}
			}
			for _, s := range []Side{Bid, Ask} {
				if got, want := levels(b, s), m.levels(s); !slices.Equal(got, want) {
					t.Errorf("%v side differs from the model after the replay", s)
				}
				if got, want := levels(deferred, s), m.levels(s); !slices.Equal(got, want) {
					t.Errorf("%v side of the book with deferred refills differs from the model after the replay", s)
				}
			}
			if b.Crossed() {
				bid, _ := b.Best(Bid)
				ask, _ := b.Best(Ask)
				t.Errorf("book crossed after the replay: bid %d ask %d", bid.Price, ask.Price)
			}
		})
	}
}

// TestRealDepthSetLevels replays the real depth of each recording into one
// book with Set and into another with SetLevels, a run of levels of one
// side at a time as a depth update brings them, and compares the two.
func TestRealDepthSetLevels(t *testing.T) {
	for _, name := range recordings {
		d := loadDepth(t, name)
		ops := append(slices.Clip(d.snapshot), d.updates...)
		one, batch := New(1024), New(1024)
		var run []Level
		for i := 0; i < len(ops); {
			side := ops[i].side
			run = run[:0]
			for ; i < len(ops) && ops[i].side == side && len(run) < 40; i++ {
				one.Set(side, ops[i].price, ops[i].qty)
				run = append(run, Level{ops[i].price, ops[i].qty})
			}
			batch.SetLevels(side, run)
			got, _ := batch.Best(side)
			want, _ := one.Best(side)
			if got != want || batch.Len(side) != one.Len(side) {
				t.Fatalf("%s: op %d: SetLevels gives best %v of %d levels, Set %v of %d",
					name, i, got, batch.Len(side), want, one.Len(side))
			}
		}
		checkInvariants(t, batch)
		for _, s := range []Side{Bid, Ask} {
			if !slices.Equal(levels(batch, s), levels(one, s)) {
				t.Errorf("%s: %v side differs between SetLevels and Set", name, s)
			}
		}
	}
}

// TestRealDepthZeroAllocs checks that replaying the real updates into a book
// that has already reached its working depth allocates nothing.
func TestRealDepthZeroAllocs(t *testing.T) {
	for _, name := range recordings {
		d := loadDepth(t, name)
		b := New(1024)
		run := func() {
			b.Clear()
			apply(b, d.snapshot)
			apply(b, d.updates)
		}
		run() // reach the working depth
		if allocs := testing.AllocsPerRun(3, run); allocs != 0 {
			t.Errorf("%s: real replay allocated %v times per run, want 0", name, allocs)
		}
	}
}

// TestRealDepthProfile logs where the real updates land and how deep the
// book gets, which is what the choice of data structure rests on (run with
// -v to see it), and fails if that premise no longer holds.
func TestRealDepthProfile(t *testing.T) {
	for _, name := range recordings {
		d := loadDepth(t, name)
		b := newBinaryEnd(1024) // a plain sorted array, for counting
		for _, o := range d.snapshot {
			b.Set(o.side, o.price, o.qty)
		}
		var hist [6]int // levels better than the price: 0, 1-3, 4-15, 16-63, 64-255, 256+
		bounds := []int{1, 4, 16, 64, 256}
		var deletes, absent, maxLen int
		for _, o := range d.updates {
			lv := b.sides[o.side] // best last
			above := len(lv) - sort.Search(len(lv), func(j int) bool { return better(o.side, lv[j].Price, o.price) })
			k := 0
			for k < len(bounds) && above >= bounds[k] {
				k++
			}
			hist[k]++
			if o.qty <= 0 {
				deletes++
				if i := len(lv) - above - 1; i < 0 || lv[i].Price != o.price {
					absent++
				}
			}
			b.Set(o.side, o.price, o.qty)
			maxLen = max(maxLen, len(b.sides[o.side]))
		}
		t.Logf("%s: %d level updates, %d deletes (%d of absent levels), deepest side %d levels; "+
			"by levels above: 0: %d, 1-3: %d, 4-15: %d, 16-63: %d, 64-255: %d, 256+: %d",
			name, len(d.updates), deletes, absent, maxLen, hist[0], hist[1], hist[2], hist[3], hist[4], hist[5])
		// Book's hash table rests on this: if most updates landed near the
		// top, the ladder alone, or a flat array (sortedEnd in alt_test.go),
		// could be the better choice.
		if deep := hist[4] + hist[5]; deep < len(d.updates)/2 {
			t.Errorf("%s: only %d of %d updates land 64 or more levels deep; "+
				"rerun BenchmarkApplyRealDepth to check the choice of structure", name, deep, len(d.updates))
		}
	}
}
