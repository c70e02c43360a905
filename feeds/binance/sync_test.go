package binance

import (
	"errors"
	"reflect"
	"testing"

	"github.com/nanotick/nanotick/orderbook"
)

// step is one input to a Sync in the crafted streams below: a snapshot with
// lastUpdateId snap (when snap != 0), or a depth event U..u with pu.
type step struct {
	snap     uint64
	U, u, pu uint64
}

func snap(id uint64) step      { return step{snap: id} }
func ev(U, u uint64) step      { return step{U: U, u: u} }
func fev(U, u, pu uint64) step { return step{U: U, u: u, pu: pu} }

// farAsk is the ask every crafted snapshot carries, far above any bid, so
// that the book has both sides and is never crossed.
const farAsk = 1 << 40

// run feeds steps to a new Sync. Each depth event sets a bid at price u, so
// the book's bids show which events were applied; each snapshot sets a bid
// at its id and the far ask. It returns the sync and the applied u's.
func run(t *testing.T, venue Venue, cfg SyncConfig, steps []step) (*Sync, []uint64) {
	t.Helper()
	var applied []uint64
	cfg.OnApply = func(b *orderbook.Book) { applied = append(applied, b.UpdateID()) }
	s := NewSync(venue, orderbook.New(64), cfg)
	for n, st := range steps {
		if st.snap != 0 {
			s.OnSnapshot(&Snapshot{LastUpdateID: st.snap,
				Bids: []orderbook.Level{lv(int64(st.snap), 1)}, Asks: []orderbook.Level{lv(farAsk, 1)}}, int64(n))
			continue
		}
		d := DepthUpdate{First: st.U, Final: st.u, Prev: st.pu, HasPrev: venue == USDM,
			Bids: []orderbook.Level{lv(int64(st.u), 1)}}
		if err := s.OnDepth(&d, int64(n)); err != nil {
			t.Fatalf("step %d: %v", n, err)
		}
		if s.Book().Valid() && s.State() != Live {
			t.Fatalf("step %d: book valid in state %v", n, s.State())
		}
	}
	return s, applied
}

func TestSync(t *testing.T) {
	type want struct {
		state   SyncState
		applied []uint64
		c       Counters // Buffered and Snapshots are not compared
		pending int
	}
	tests := []struct {
		name  string
		venue Venue
		cfg   SyncConfig
		steps []step
		want  want
	}{
		{"spot: drop covered, bridge, continue", Spot, SyncConfig{},
			[]step{ev(1, 5), ev(6, 8), snap(6), ev(9, 10)},
			want{Live, []uint64{8, 10}, Counters{Applied: 2, Dropped: 1}, 0}},
		{"spot: bridge arrives after the snapshot", Spot, SyncConfig{},
			[]step{snap(6), ev(5, 7), ev(8, 9)},
			want{Live, []uint64{7, 9}, Counters{Applied: 2}, 0}},
		{"spot: missing event is a gap", Spot, SyncConfig{},
			[]step{snap(6), ev(6, 8), ev(11, 12)},
			want{NeedResync, []uint64{8}, Counters{Applied: 1, Gaps: 1, Resyncs: 1}, 1}},
		{"spot: out-of-order event is a gap, then buffered", Spot, SyncConfig{},
			[]step{snap(6), ev(6, 8), ev(11, 12), ev(9, 10)},
			want{NeedResync, []uint64{8}, Counters{Applied: 1, Gaps: 1, Resyncs: 1}, 2}},
		{"spot: duplicate is dropped", Spot, SyncConfig{},
			[]step{snap(6), ev(6, 8), ev(6, 8), ev(9, 10)},
			want{Live, []uint64{8, 10}, Counters{Applied: 2, Dropped: 1}, 0}},
		{"spot: overlapping event is applied, as the corrected procedure says", Spot, SyncConfig{},
			[]step{snap(6), ev(6, 8), ev(7, 10), ev(11, 11)},
			want{Live, []uint64{8, 10, 11}, Counters{Applied: 3}, 0}},
		{"spot: snapshot older than the buffered events asks for another", Spot, SyncConfig{},
			[]step{ev(10, 12), ev(13, 15), snap(5)},
			want{NeedResync, nil, Counters{StaleSnapshots: 1, Resyncs: 1}, 2}},
		{"spot: stale snapshot, then a new one recovers", Spot, SyncConfig{},
			[]step{ev(10, 12), ev(13, 15), snap(5), ev(16, 16), snap(13)},
			want{Live, []uint64{15, 16}, Counters{Applied: 2, Dropped: 1, StaleSnapshots: 1, Resyncs: 1}, 0}},
		{"spot: live event that does not bridge a fresh snapshot", Spot, SyncConfig{},
			[]step{snap(6), ev(9, 10)},
			want{NeedResync, nil, Counters{StaleSnapshots: 1, Resyncs: 1}, 1}},
		{"spot: recovery after a gap with a new snapshot", Spot, SyncConfig{},
			[]step{snap(6), ev(6, 8), ev(11, 12), ev(13, 14), snap(12), ev(15, 15)},
			want{Live, []uint64{8, 14, 15}, Counters{Applied: 3, Dropped: 1, Gaps: 1, Resyncs: 1}, 0}},
		{"spot: gap inside the buffer", Spot, SyncConfig{},
			[]step{ev(6, 8), ev(10, 12), snap(6)},
			want{NeedResync, []uint64{8}, Counters{Applied: 1, Gaps: 1, Resyncs: 1}, 1}},
		{"spot: buffer overflow discards and asks for a snapshot", Spot, SyncConfig{MaxPending: 2},
			[]step{ev(1, 2), ev(3, 4), ev(5, 6)},
			want{WaitingSnapshot, nil, Counters{Overflows: 1}, 1}},
		{"spot: overflow, then a snapshot older than the kept events", Spot, SyncConfig{MaxPending: 2},
			[]step{ev(1, 2), ev(3, 4), ev(5, 6), snap(3)},
			want{NeedResync, nil, Counters{Overflows: 1, StaleSnapshots: 1, Resyncs: 1}, 1}},
		{"spot: overflow, then a snapshot recovers", Spot, SyncConfig{MaxPending: 2},
			[]step{ev(1, 2), ev(3, 4), ev(5, 6), snap(4), ev(7, 7)},
			want{Live, []uint64{6, 7}, Counters{Applied: 2, Overflows: 1}, 0}},
		{"spot: overflow after a gap", Spot, SyncConfig{MaxPending: 2},
			[]step{snap(1), ev(2, 2), ev(4, 4), ev(5, 5), ev(6, 6)},
			want{NeedResync, []uint64{2}, Counters{Applied: 1, Gaps: 1, Resyncs: 1, Overflows: 1}, 1}},
		{"spot: level arena overflow", Spot, SyncConfig{MaxPending: 10, MaxPendingLevels: 2},
			[]step{ev(1, 2), ev(3, 4), ev(5, 6)},
			want{WaitingSnapshot, nil, Counters{Overflows: 1}, 1}},

		{"usdm: bridge ending exactly at lastUpdateId is kept", USDM, SyncConfig{},
			[]step{fev(10, 15, 5), snap(15), fev(16, 20, 15)},
			want{Live, []uint64{15, 20}, Counters{Applied: 2}, 0}},
		{"usdm: drop u < lastUpdateId, bridge before the snapshot", USDM, SyncConfig{},
			[]step{fev(1, 9, 0), fev(10, 20, 9), fev(22, 25, 20), snap(15)},
			want{Live, []uint64{20, 25}, Counters{Applied: 2, Dropped: 1}, 0}},
		{"usdm: pu break is a gap", USDM, SyncConfig{},
			[]step{snap(15), fev(10, 20, 5), fev(21, 30, 20), fev(35, 40, 31)},
			want{NeedResync, []uint64{20, 30}, Counters{Applied: 2, Gaps: 1, Resyncs: 1}, 1}},
		{"usdm: non-contiguous ids are fine when pu links them", USDM, SyncConfig{},
			[]step{snap(15), fev(10, 20, 5), fev(27, 30, 20)},
			want{Live, []uint64{20, 30}, Counters{Applied: 2}, 0}},
		{"usdm: duplicate is dropped", USDM, SyncConfig{},
			[]step{snap(15), fev(10, 20, 5), fev(10, 20, 5), fev(27, 30, 20)},
			want{Live, []uint64{20, 30}, Counters{Applied: 2, Dropped: 1}, 0}},
		{"usdm: snapshot older than the buffered events", USDM, SyncConfig{},
			[]step{fev(10, 20, 5), snap(9)},
			want{NeedResync, nil, Counters{StaleSnapshots: 1, Resyncs: 1}, 1}},
		{"usdm: recovery after a pu break", USDM, SyncConfig{},
			[]step{snap(15), fev(10, 20, 5), fev(35, 40, 31), fev(41, 45, 40), snap(42), fev(46, 50, 45)},
			want{Live, []uint64{20, 45, 50}, Counters{Applied: 3, Dropped: 1, Gaps: 1, Resyncs: 1}, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, applied := run(t, tt.venue, tt.cfg, tt.steps)
			c := s.Counters()
			c.Buffered, c.Snapshots = 0, 0
			if s.State() != tt.want.state {
				t.Errorf("state %v, want %v", s.State(), tt.want.state)
			}
			if !reflect.DeepEqual(applied, tt.want.applied) {
				t.Errorf("applied %v, want %v", applied, tt.want.applied)
			}
			if c != tt.want.c {
				t.Errorf("counters %+v\nwant     %+v", c, tt.want.c)
			}
			if s.Pending() != tt.want.pending {
				t.Errorf("%d pending, want %d", s.Pending(), tt.want.pending)
			}
			live := tt.want.state == Live
			if s.Book().Valid() != live {
				t.Errorf("book valid = %v in state %v", s.Book().Valid(), s.State())
			}
			if s.NeedSnapshot() == live || (s.State() == Syncing && s.NeedSnapshot()) {
				t.Errorf("NeedSnapshot = %v in state %v", s.NeedSnapshot(), s.State())
			}
			if live {
				if got := s.LastUpdateID(); got != applied[len(applied)-1] {
					t.Errorf("LastUpdateID %d, want %d", got, applied[len(applied)-1])
				}
			}
		})
	}
}

func TestSyncFuturesWithoutPrev(t *testing.T) {
	s := NewSync(USDM, orderbook.New(8), SyncConfig{})
	if err := s.OnDepth(&DepthUpdate{First: 1, Final: 2}, 0); !errors.Is(err, ErrNoPrev) {
		t.Errorf("err %v, want ErrNoPrev", err)
	}
	if s.Pending() != 0 {
		t.Error("event without pu was buffered")
	}
}

func TestSyncReset(t *testing.T) {
	s, _ := run(t, Spot, SyncConfig{}, []step{snap(6), ev(6, 8)})
	if !s.Book().Valid() {
		t.Fatal("book not valid before reset")
	}
	s.Reset()
	if s.Book().Valid() || s.State() != WaitingSnapshot || !s.NeedSnapshot() {
		t.Errorf("after Reset: valid %v, state %v", s.Book().Valid(), s.State())
	}
}

func TestSyncStateString(t *testing.T) {
	for s, want := range map[SyncState]string{
		WaitingSnapshot: "waiting-snapshot", Syncing: "syncing", Live: "live", NeedResync: "need-resync", 9: "SyncState(9)",
	} {
		if s.String() != want {
			t.Errorf("%d.String() = %q, want %q", s, s.String(), want)
		}
	}
}

// TestSyncStampsBufferedAtSnapshot checks that an event buffered before the
// snapshot and applied when it arrives stamps the book with the snapshot's
// arrival, and a live event with its own.
func TestSyncStampsBufferedAtSnapshot(t *testing.T) {
	var stamps []int64
	s := NewSync(Spot, orderbook.New(8), SyncConfig{OnApply: func(b *orderbook.Book) { stamps = append(stamps, b.LocalTime()) }})
	s.OnDepth(&DepthUpdate{First: 5, Final: 7}, 100)
	s.OnSnapshot(&Snapshot{LastUpdateID: 6}, 200)
	s.OnDepth(&DepthUpdate{First: 8, Final: 9}, 300)
	if want := []int64{200, 300}; !reflect.DeepEqual(stamps, want) {
		t.Errorf("stamps %v, want %v", stamps, want)
	}
}
