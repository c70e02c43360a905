// Package patterntest checks a hand-written matcher against the regular expression it
// replaced. The regexp is compiled in the test only, so that the package under test
// compiles none at its initialisation. It is for tests and must never be imported by
// production code.
package patterntest

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// edgeCases are strings every matcher is asked about: empty, lone signs and points,
// numbers in odd shapes, control bytes, a multi-byte rune and plausible identifiers.
var edgeCases = []string{"", "-", ".", "0", "00", "-0", "0.", ".0", "-0.5", "1.2.3", "1e5", "+1", "A", "AB",
	"a\n", "\nA", "ab\x00", "é", "BTCUSDT", "x-1:2/3_4.5"}

// Compare wants match(s) to equal the pattern's verdict on the edge cases, on cases,
// on every length up to 41 of alphabet's first byte (the length bounds), and on 20,000
// random strings shorter than maxLen over alphabet, drawn from seed. The alphabet
// should hold accepted characters first and some refused ones.
func Compare(t *testing.T, pattern string, match func(string) bool, alphabet string, maxLen int, seed uint64, cases ...string) {
	t.Helper()
	re := regexp.MustCompile(pattern)
	all := append(append([]string(nil), edgeCases...), cases...)
	for n := range 42 {
		all = append(all, strings.Repeat(alphabet[:1], n))
	}
	r := rand.New(rand.NewPCG(seed, seed+1))
	for range 20000 {
		b := make([]byte, r.IntN(maxLen))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		all = append(all, string(b))
	}
	for _, s := range all {
		if got, want := match(s), re.MatchString(s); got != want {
			t.Errorf("%q: the matcher says %v, the pattern %s says %v", s, got, pattern, want)
		}
	}
}
