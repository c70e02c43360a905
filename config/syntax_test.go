package config

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// TestValidUSDMSymbolMatchesThePattern checks the hand-written ValidUSDMSymbol against the regexp it replaced
// (compiled here, in the test, not at package initialisation): on edge cases and on
// random strings over the accepted characters and some refused ones.
func TestValidUSDMSymbolMatchesThePattern(t *testing.T) {
	re := regexp.MustCompile(`^[A-Z0-9]{2,30}$`)
	cases := []string{"", "-", ".", "0", "00", "-0", "0.", ".0", "-0.5", "1.2.3", "1e5", "+1", "A", "AB", "a\n", "\nA", "ab\x00", "é", "BTCUSDT", "x-1:2/3_4.5"}
	const alphabet = "AZ09azZ_ -.\x00\n"
	r := rand.New(rand.NewPCG(1, 2))
	for n := range 42 { // every length, of accepted characters only: the bounds
		cases = append(cases, strings.Repeat(alphabet[:1], n))
	}
	for range 20000 {
		b := make([]byte, r.IntN(42))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		cases = append(cases, string(b))
	}
	for _, s := range cases {
		if got, want := validUSDMSymbol(s), re.MatchString(s); got != want {
			t.Errorf("validUSDMSymbol(%q) = %v, the pattern says %v", s, got, want)
		}
	}
}

// TestPlainDecimalMatchesThePattern checks plainDecimal against the regexp it replaced.
func TestPlainDecimalMatchesThePattern(t *testing.T) {
	re := regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)
	cases := []string{"", "-", ".", "-.", "0", "-0", "0.", ".0", "-0.5", "1.2.3", "1e5", "+1", "--1", "1-", "0.000001", "1,000", " 1", "1\n", "١"}
	const alphabet = "0123456789-.e+ ,\n"
	r := rand.New(rand.NewPCG(3, 4))
	for n := range 42 { // every length, of accepted characters only: the bounds
		cases = append(cases, strings.Repeat(alphabet[:1], n))
	}
	for range 20000 {
		b := make([]byte, r.IntN(12))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		cases = append(cases, string(b))
	}
	for _, s := range cases {
		if got, want := plainDecimal(s), re.MatchString(s); got != want {
			t.Errorf("plainDecimal(%q) = %v, the pattern says %v", s, got, want)
		}
	}
}
