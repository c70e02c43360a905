package backtest

import (
	"testing"

	"github.com/nanotick/nanotick/venues"
)

// TestEngineFeedOnlyForFrames wants the engine built without a feed of its own exactly
// when every source hands events only (prefetched reading, the event cache), and not
// for runs over shared books. TestEveryReadingGivesTheSameReport checks that the
// reports do not change.
func TestEngineFeedOnlyForFrames(t *testing.T) {
	cfg := Config{}
	cfg.Engine.NewFeed = venues.NewFeed
	for _, tc := range []struct {
		name   string
		shared *sharedBooks
		srcs   []eventSource
		feed   bool
	}{
		{"prefetched", nil, []eventSource{&prefetchSource{}}, false},
		{"cache", nil, []eventSource{&framesSource{}}, false},
		{"cache prefetched", nil, []eventSource{&framesPrefetch{}, &prefetchSource{}}, false},
		{"frames", nil, []eventSource{&inlineEvents{}}, true},
		{"frames and events", nil, []eventSource{&prefetchSource{}, &inlineEvents{}}, true},
		{"shared books", &sharedBooks{}, []eventSource{&framesSource{}}, true},
	} {
		if got := engineConfig(cfg, tc.shared, tc.srcs).Engine.NewFeed != nil; got != tc.feed {
			t.Errorf("%s: the engine has a feed of its own: %v, want %v", tc.name, got, tc.feed)
		}
	}
	if cfg.Engine.NewFeed == nil {
		t.Error("engineConfig changed its argument")
	}
}
