package exchange

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// TestValidClientIDMatchesThePattern checks the hand-written ValidClientID against the regexp it replaced
// (compiled here, in the test, not at package initialisation): on edge cases and on
// random strings over the accepted characters and some refused ones.
func TestValidClientIDMatchesThePattern(t *testing.T) {
	re := regexp.MustCompile(`^[\.A-Z\:/a-z0-9_-]{1,36}$`)
	cases := []string{"", "-", ".", "0", "00", "-0", "0.", ".0", "-0.5", "1.2.3", "1e5", "+1", "A", "AB", "a\n", "\nA", "ab\x00", "é", "BTCUSDT", "x-1:2/3_4.5"}
	const alphabet = "aAzZ09.:/_- $+\\,\x00\xc3\xa9\n"
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
		if got, want := validClientID(s), re.MatchString(s); got != want {
			t.Errorf("validClientID(%q) = %v, the pattern says %v", s, got, want)
		}
	}
}
