package backtest

import (
	"strings"
	"testing"
	"time"
)

// TestLatencyDrawsIdentity checks that Draws tells apart what Describe cannot: the same
// samples in another order, and another seed; and that it ignores what does not change
// a draw (comments, blank lines, the separator).
func TestLatencyDrawsIdentity(t *testing.T) {
	parse := func(text string, seed uint64) *Latency {
		t.Helper()
		l, err := ParseLatency(strings.NewReader(text), seed)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	a := parse("1ms 2ms\n3ms 4ms\n", 1)
	reordered := parse("3ms 4ms\n1ms 2ms\n", 1)
	reseeded := parse("1ms 2ms\n3ms 4ms\n", 7)
	same := parse("# measured\n1ms, 2ms\n\n3ms\t4ms\n", 1)
	if a.Describe() != reordered.Describe() {
		t.Fatalf("the reordered file should describe alike: %q vs %q", a.Describe(), reordered.Describe())
	}
	ha, sa, ok := a.Draws()
	if !ok || sa != 1 || !strings.HasPrefix(ha, "sha256:") {
		t.Fatalf("Draws() = %q, %d, %v", ha, sa, ok)
	}
	if hr, _, _ := reordered.Draws(); hr == ha {
		t.Error("reordered samples give the same hash, but draw other delays")
	}
	if _, s, _ := reseeded.Draws(); s != 7 {
		t.Errorf("seed %d, want 7", s)
	}
	if hs, ss, _ := same.Draws(); hs != ha || ss != sa {
		t.Errorf("comments and separators changed the draws' identity: %q %d vs %q %d", hs, ss, ha, sa)
	}
	c, err := ConstantLatency(time.Millisecond, time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, ok := c.Draws(); ok {
		t.Error("a constant model has draws")
	}
}

// FuzzParseLatency feeds arbitrary latency files to the parser: an error or a model,
// never a panic; a model draws only delays in [0, 1m) from its samples, and Draws
// identifies it.
func FuzzParseLatency(f *testing.F) {
	f.Add("850us 1.1ms\n1.4ms, 900us\n2ms\n# c\n\n")
	f.Add("1ms\t2ms\t3ms\n")
	f.Add("-1ms\n")
	f.Add("59.999999999s 0s\n")
	f.Add("1e9h\n")
	f.Fuzz(func(t *testing.T, text string) {
		l, err := ParseLatency(strings.NewReader(text), 7)
		if err != nil {
			return
		}
		for range 20 {
			for _, d := range []int64{l.Entry(), l.Response()} {
				if d < 0 || d >= int64(time.Minute) {
					t.Fatalf("%q: drew %v", text, time.Duration(d))
				}
			}
		}
		if h, seed, ok := l.Draws(); !ok || seed != 7 || !strings.HasPrefix(h, "sha256:") {
			t.Fatalf("%q: Draws() = %q %d %v", text, h, seed, ok)
		}
	})
}
