// Package backoff owns the delay before a retry that every reconnecting connection of
// nanotick's Bybit and Kraken adapters waits: doubling from a minimum, capped at a
// maximum, drawn at random in [d/2, d] so that many connections cut off together do
// not come back together.
//
// It never sleeps, counts attempts or decides when to give up: the caller owns the
// attempt count and its limit ("no request is ever retried without backoff and a
// limit").
package backoff

import (
	"math/rand/v2"
	"time"
)

// Delay returns the delay before retry number attempt (from 0): lo doubled attempt
// times, capped at hi, drawn in [d/2, d]. A lo above hi is capped at hi from the
// first retry.
func Delay(lo, hi time.Duration, attempt int) time.Duration {
	d := lo
	for i := 0; i < attempt && d < hi; i++ {
		d *= 2
	}
	d = min(d, hi)
	if d <= 0 {
		return 0
	}
	return d/2 + rand.N(d/2+1)
}
