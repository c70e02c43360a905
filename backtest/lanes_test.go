package backtest

// testReplay is a replay of one instrument reading src through its clock guard, with a
// ring of the given size: enough of a replay to read frames into.
func testReplay(src Source, ring int) *replay {
	g := newClockGuard(src, 0)
	return &replay{
		src: g, clock: g, clocks: []*clockGuard{g},
		lanes: []*lane{{}}, which: func() int { return 0 },
		ring: make([]slot, ring), maxFeed: int64(1e9),
	}
}
