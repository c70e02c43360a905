package session

// Hooks for the external tests, which build real engines (package enginetest, whose
// imports lead back here, so they cannot be in package session).

// SinkOf returns the Sink connection k is given by Run: the engine's own (direct) for
// k = 0, its ring's for the others.
func (s *Session) SinkOf(k int) Sink {
	if k == 0 {
		return direct{s}
	}
	return &ringSink{r: s.rings[k-1], s: s}
}

// RunIdle runs the engine goroutine's idle work once, as the engine's connection does.
func (s *Session) RunIdle(now int64) { s.idle(now) }

// RingOf returns connection k's ring (k >= 1).
func (s *Session) RingOf(k int) *Ring { return s.rings[k-1] }
