package main

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
)

// venueHalts are the reasons venues gave for halting the strategy: a liquidation, an
// ADL or a margin call on a perpetual. Each has halted the engine (the kill switch) and
// cancelled the symbol's open orders; the run goes on to its end so that every order's
// outcome is read back, and then exits non-zero saying why.
type venueHalts struct {
	mu      sync.Mutex
	reasons []string
}

// maxVenueHalts bounds the reasons kept: one per cause and instrument is the rule.
const maxVenueHalts = 32

// add records reason; it is safe from any goroutine.
func (h *venueHalts) add(reason string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.reasons) < maxVenueHalts {
		h.reasons = append(h.reasons, reason)
	}
}

// list returns the reasons recorded, in order.
func (h *venueHalts) list() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.reasons...)
}

// err is nil when no venue halted the strategy, else the error the run ends with.
func (h *venueHalts) err() error {
	r := h.list()
	if len(r) == 0 {
		return nil
	}
	return errors.New("the venue halted the strategy: " + strings.Join(r, "; "))
}

// summaryVenueHalts prints each venue halt on its own line.
func (s *session) summaryVenueHalts(w io.Writer) {
	for _, r := range s.venueHalts.list() {
		fmt.Fprintf(w, "  halted    by the venue: %s\n", r)
	}
}
