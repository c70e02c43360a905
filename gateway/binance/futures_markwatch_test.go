package binance

import (
	"testing"
	"time"

	"github.com/nanotick/nanotick/md"
)

// TestFuturesNoticesMissingMark: a mark price source that never has a mark (a feed on a
// path where the venue does not deliver markPrice) is counted MarkMissing once the
// timeout has passed; one that has a mark is counted MarkSeen and never missing.
func TestFuturesNoticesMissingMark(t *testing.T) {
	for _, c := range []struct {
		name          string
		mark          md.PerpMark
		seen, missing uint64
	}{
		{"none", md.PerpMark{}, 0, 1},
		{"marked", md.PerpMark{Price: 6_000_012_345_678, Fields: md.HasMarkPrice}, 1, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			ex := startUSDMExchange(t, 0)
			g, _, err := startFuturesGateway(t, ex, func(fc *FuturesConfig) {
				fc.MarkSource = func() md.PerpMark { return c.mark }
				fc.MarkTimeout = 50 * time.Millisecond
			})
			if err != nil {
				t.Fatal(err)
			}
			s := &syncSink{}
			start := time.Now()
			// Drain past the timeout on the engine's clock (now); the deadline only bounds a hang.
			drainFut(t, g, s, "past the mark timeout", func() bool {
				return time.Since(start) > 200*time.Millisecond && g.Counters().MarkSeen+g.Counters().MarkMissing > 0
			})
			if got := g.Counters(); got.MarkSeen != c.seen || got.MarkMissing != c.missing {
				t.Errorf("MarkSeen %d MarkMissing %d, want %d and %d", got.MarkSeen, got.MarkMissing, c.seen, c.missing)
			}
		})
	}
}
