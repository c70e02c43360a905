package risk

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/rs/zerolog"
)

// logLine is one line of a checker's JSON log.
type logLine struct {
	Level, Message, Cause, Reason string
	Working                       int
}

func logLines(t *testing.T, out string) []logLine {
	t.Helper()
	var lines []logLine
	for l := range strings.Lines(out) {
		var ln logLine
		if err := json.Unmarshal([]byte(l), &ln); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		lines = append(lines, ln)
	}
	return lines
}

// TestShutdownIsNotAHalt checks how each halt is logged: an orderly stop once at Info
// ("trading stopped", cause shutdown), every other cause at Error ("risk halted"),
// and a stop after a halt keeps the halt's cause and writes no second line. Every halt,
// the stop included, refuses new orders and asks for every working order's cancel.
func TestShutdownIsNotAHalt(t *testing.T) {
	tests := []struct {
		name      string
		halts     []Reason
		wantCause Reason
		wantLevel string
		wantMsg   string
	}{
		{"stop", []Reason{ReasonShutdown}, ReasonShutdown, "info", "trading stopped"},
		{"stop twice", []Reason{ReasonShutdown, ReasonShutdown}, ReasonShutdown, "info", "trading stopped"},
		{"kill switch", []Reason{ReasonHalted}, ReasonHalted, "error", "risk halted"},
		{"kill switch then stop", []Reason{ReasonHalted, ReasonShutdown}, ReasonHalted, "error", "risk halted"},
		{"loss then stop", []Reason{ReasonDailyLoss, ReasonShutdown}, ReasonDailyLoss, "error", "risk halted"},
		{"stop then kill switch", []Reason{ReasonShutdown, ReasonHalted}, ReasonShutdown, "info", "trading stopped"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			c := newChecker(t, func(c *Config) { c.Logger = zerolog.New(&buf).Level(zerolog.DebugLevel) })
			b := newBook("59999", "60001", t0)
			mustOK(t, c, buy(1, "59990", "0.1"), b, t0)
			mustOK(t, c, sell(2, "60010", "0.1"), b, t0+ms)
			for _, r := range tt.halts {
				c.Halt(r)
				c.HaltCause() // observed on the tick goroutine, one at a time
			}
			if got := c.HaltCause(); got != tt.wantCause {
				t.Errorf("cause %v, want %v", got, tt.wantCause)
			}
			if got := c.Cancels(nil); len(got) != 2 {
				t.Errorf("cancels %v, want both working orders", got)
			}
			if r := c.Check(buy(3, "59990", "0.1"), b, t0+2*ms); r != tt.wantCause {
				t.Errorf("order after the halt: %v, want %v", r, tt.wantCause)
			}
			var halts []logLine
			for _, l := range logLines(t, buf.String()) {
				switch {
				case l.Message == "order rejected":
					// An order refused because the run is ending is expected: Debug.
					want := "warn"
					if tt.wantCause == ReasonShutdown {
						want = "debug"
					}
					if l.Level != want || l.Reason != tt.wantCause.String() {
						t.Errorf("rejection logged %+v, want level %s reason %v", l, want, tt.wantCause)
					}
				default:
					halts = append(halts, l)
				}
			}
			if len(halts) != 1 {
				t.Fatalf("%d halt lines, want 1:\n%s", len(halts), buf.String())
			}
			h := halts[0]
			if h.Level != tt.wantLevel || h.Message != tt.wantMsg || h.Cause != tt.wantCause.String() || h.Working != 2 {
				t.Errorf("halt logged %+v, want level %s, message %q, cause %v, 2 working", h, tt.wantLevel, tt.wantMsg, tt.wantCause)
			}
		})
	}
}

// TestShutdownReasonName checks the name the stop is logged, counted and shown to
// strategies by.
func TestShutdownReasonName(t *testing.T) {
	if s := ReasonShutdown.String(); s != "shutdown" {
		t.Errorf("ReasonShutdown is %q", s)
	}
}
