package main

import (
	"fmt"

	"github.com/nanotick/nanotick/feeds/binance/live"
)

// feedLine describes a live feed's counters in words, for the run summary.
func feedLine(c live.Counters) string {
	return fmt.Sprintf("%d frames (%d malformed); %d connections (%d reconnects, %d dial failures, %d stale, %d rotations); %d snapshots (%d failed, %d resyncs)",
		c.Frames, c.Malformed, c.Connects, c.Reconnects, c.DialFailures, c.Stale, c.Rotations, c.Snapshots, c.SnapshotFailures, c.Resyncs)
}
