package exchange

import (
	"testing"

	"github.com/nanotick/nanotick/internal/patterntest"
)

// TestValidClientIDMatchesThePattern checks the hand-written validClientID against the
// regexp it replaced, on edge cases and on random strings over accepted and refused
// characters.
func TestValidClientIDMatchesThePattern(t *testing.T) {
	patterntest.Compare(t, `^[\.A-Z\:/a-z0-9_-]{1,36}$`, validClientID, "aAzZ09.:/_- $+\\,\x00\xc3\xa9\n", 42, 1)
}
