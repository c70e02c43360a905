package config

import (
	"testing"

	"github.com/nanotick/nanotick/internal/patterntest"
)

// TestValidUSDMSymbolMatchesThePattern checks the hand-written validUSDMSymbol against the
// regexp it replaced, on edge cases and on random strings over accepted and refused
// characters.
func TestValidUSDMSymbolMatchesThePattern(t *testing.T) {
	patterntest.Compare(t, `^[A-Z0-9]{2,30}$`, validUSDMSymbol, "AZ09azZ_ -.\x00\n", 42, 1)
}

// TestPlainDecimalMatchesThePattern checks plainDecimal against the regexp it replaced.
func TestPlainDecimalMatchesThePattern(t *testing.T) {
	patterntest.Compare(t, `^-?[0-9]+(\.[0-9]+)?$`, plainDecimal, "0123456789-.e+ ,\n", 12, 3,
		"-.", "--1", "1-", "0.000001", "1,000", " 1", "1\n", "١")
}
