package backtest

import (
	"strings"
	"testing"
	"time"
)

func TestParseLatencyErrors(t *testing.T) {
	for _, tt := range []struct{ text, msg string }{
		{"", "no latencies"},
		{"# only a comment\n\n", "no latencies"},
		{"5ms\nfast\n", "line 2"},
		{"1ms 2ms 3ms\n", "want one or two durations"},
		{"-1ms\n", "out of range"},
		{"2m\n", "out of range"},
		{"1ms,,\n", ""}, // empty fields are skipped: a valid line
	} {
		_, err := ParseLatency(strings.NewReader(tt.text), 1)
		switch {
		case tt.msg == "" && err != nil:
			t.Errorf("%q: %v", tt.text, err)
		case tt.msg != "" && (err == nil || !strings.Contains(err.Error(), tt.msg)):
			t.Errorf("%q: error %v, want one containing %q", tt.text, err, tt.msg)
		}
	}
}

func TestLatencyDraws(t *testing.T) {
	const file = "1ms 10ms\n2ms 20ms\n3ms\n# comment\n4ms\t40ms\n"
	draw := func(seed uint64) []int64 {
		l, err := ParseLatency(strings.NewReader(file), seed)
		if err != nil {
			t.Fatal(err)
		}
		out := make([]int64, 0, 400)
		for i := 0; i < 200; i++ {
			out = append(out, l.Entry(), l.Response())
		}
		return out
	}
	a, b, c := draw(5), draw(5), draw(6)
	seen := map[int64]bool{}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("draw %d: %v and %v with the same seed", i, a[i], b[i])
		}
		seen[a[i]] = true
	}
	same := 0
	for i := range a {
		if a[i] == c[i] {
			same++
		}
	}
	if same == len(a) {
		t.Error("seeds 5 and 6 drew the same sequence")
	}
	// Entries come from the first column, responses from the second (or the first
	// when a line has one): every value of the file appears, and nothing else.
	want := []time.Duration{1, 2, 3, 4, 10, 20, 40}
	for _, w := range want {
		if !seen[int64(w*time.Millisecond)] {
			t.Errorf("%v never drawn", w*time.Millisecond)
		}
	}
	if len(seen) != len(want) {
		t.Errorf("%d distinct values drawn, want %d", len(seen), len(want))
	}
	if _, err := ConstantLatency(-time.Millisecond, 0); err == nil {
		t.Error("a negative constant latency was accepted")
	}
}

func TestParseQueueModel(t *testing.T) {
	for s, want := range map[string]QueueModel{"risk_averse": RiskAverse, "power_law": PowerLaw, "": RiskAverse} {
		if got, err := ParseQueueModel(s); err != nil || got != want {
			t.Errorf("ParseQueueModel(%q) = %v, %v", s, got, err)
		}
		if s != "" && want.String() != s {
			t.Errorf("%v.String() = %q", want, want.String())
		}
	}
	if _, err := ParseQueueModel("fifo"); err == nil {
		t.Error("fifo accepted")
	}
}
