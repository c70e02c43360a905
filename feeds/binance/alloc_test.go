package binance

import "testing"

// TestAllocs proves the hot path allocates nothing once warmed up: decoding
// and applying every real depth frame of the spot recording (snapshot
// included), and decoding every trade and bookTicker frame.
func TestAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("replays the recording")
	}
	r := splitRecording(t, spotFile, spotBTC)
	f := newSpotFeed(t)
	handleAll := func(frames []record) {
		for _, rec := range frames {
			if _, err := f.Handle(rec.frame, rec.local); err != nil {
				t.Fatal(err)
			}
		}
	}
	tests := []struct {
		name string
		run  func()
		// counted is the number of frames one run must have applied
		// (depth) or decoded, so the test cannot pass by doing nothing.
		counted func() uint64
		want    uint64
	}{
		{"depth and snapshot", func() { r.restart(t, f); handleAll(r.depth) },
			func() uint64 { return f.Sync().Counters().Applied }, uint64(len(r.depth) + 1)},
		{"trade", func() { handleAll(r.trades) }, nil, 0},
		{"bookTicker", func() { handleAll(r.tickers) }, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before uint64
			if tt.counted != nil {
				before = tt.counted()
			}
			const runs = 2
			if a := testing.AllocsPerRun(runs, tt.run); a != 0 {
				t.Errorf("%v allocations per pass", a)
			}
			if tt.counted != nil {
				// AllocsPerRun runs once more to warm up.
				if got := tt.counted() - before; got != (runs+1)*tt.want {
					t.Errorf("applied %d events in %d passes, want %d each", got, runs+1, tt.want)
				}
			}
		})
	}
	if len(r.trades) < 9000 || len(r.tickers) < 28000 || len(r.depth) < 3400 {
		t.Errorf("recording split into %d depth, %d trade, %d bookTicker frames", len(r.depth), len(r.trades), len(r.tickers))
	}
}
