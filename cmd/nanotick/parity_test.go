package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/nanotick/nanotick/config"
	"github.com/nanotick/nanotick/exchange"
	"github.com/nanotick/nanotick/parity"
)

// recordSession trades the default market maker against the local exchange with
// faults for d, recording the session, and returns its directory.
func recordSession(t *testing.T, faults exchange.Faults, d time.Duration) string {
	t.Helper()
	dir := t.TempDir()
	c := config.Default()
	rec, err := openSessionRecorder(dir, c, "")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	s, err := startSession(ctx, c, sessionOptions{seed: 7, faults: faults, recorder: rec}, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.run(ctx); err != nil {
		t.Fatalf("run: %v", err)
	}
	s.shutdown()
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// runParityJSON runs nanotick parity on dir with args and returns its result.
func runParityJSON(t *testing.T, dir string, args ...string) (*parity.Result, string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "parity.json")
	var o, e bytes.Buffer
	if code := runParity(append(args, "--json", out, dir), &o, &e); code != 0 {
		t.Fatalf("parity: exit %d: %s", code, e.String())
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var r parity.Result
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return &r, o.String()
}

// TestParityAgainstLocalExchange records two sessions on the local exchange. Without
// faults, the backtest of the session's market data sends the same orders at the same
// times until the first fill (where the local exchange's L3 matching and the
// backtest's queue model part ways), and its acks arrive when the live ones did. With
// 30 ms of injected latency and a backtest told there is none, parity shows the acks
// arriving later live and names latency.
func TestParityAgainstLocalExchange(t *testing.T) {
	if testing.Short() {
		t.Skip("trades the local exchange for a few seconds")
	}
	clean := recordSession(t, exchange.Faults{}, 4*time.Second)
	r, out := runParityJSON(t, clean)
	t.Logf("no faults:\n%s", out)
	if r.LiveOrders == 0 {
		t.Fatal("the session sent no orders")
	}
	sess, err := parity.ReadSession(clean)
	if err != nil {
		t.Fatal(err)
	}
	// The orders before the first live fill must match exactly.
	firstFill := r.LiveOrders
	seen := 0
	for _, e := range sess.Events {
		if e.Kind == "order" {
			seen++
		}
		if e.Kind == "fill" {
			firstFill = seen - 1
			break
		}
	}
	if d := r.FirstDivergence; d != nil && d.Index < firstFill {
		t.Errorf("orders diverge at %d, before the first fill (order %d): %s", d.Index, firstFill, d.Why)
	}
	if r.Matched < min(firstFill, r.LiveOrders) {
		t.Errorf("%d orders matched, want at least the %d before the first fill", r.Matched, firstFill)
	}
	if a := r.AckTime; a.Count == 0 || a.P50 > int64(2*time.Millisecond) || a.P50 < -int64(2*time.Millisecond) {
		t.Errorf("ack time live − backtest %+v: want a median within 2ms with the session's own latency", a)
	}

	slow := recordSession(t, exchange.Faults{Latency: 30 * time.Millisecond}, 4*time.Second)
	r, out = runParityJSON(t, slow, "--order-latency", "0s", "--response-latency", "0s")
	t.Logf("30ms injected:\n%s", out)
	if a := r.AckTime; a.Count == 0 || a.P50 < int64(25*time.Millisecond) {
		t.Errorf("ack time live − backtest %+v: want the injected latency to show", a)
	}
	if !strings.Contains(strings.Join(r.Explanations, "\n"), "latency: live acks reached the strategy") {
		t.Errorf("explanations %q do not name latency", r.Explanations)
	}
}
