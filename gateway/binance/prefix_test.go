package binance

import (
	"testing"

	"github.com/nanotick/nanotick/internal/patterntest"
)

// TestValidPrefixMatchesThePattern checks the hand-written validPrefix against the regexp
// it replaced, on edge cases and on random strings over accepted and refused characters.
func TestValidPrefixMatchesThePattern(t *testing.T) {
	patterntest.Compare(t, `^[.A-Za-z:/0-9_-]{1,16}$`, validPrefix, "aAzZ09.:/_- $+\\,\x00\xc3\xa9\n", 42, 1)
}
