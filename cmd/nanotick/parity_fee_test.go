package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/nanotick/nanotick/admin"
	"github.com/nanotick/nanotick/config"
	"github.com/nanotick/nanotick/exchange"
	"github.com/nanotick/nanotick/parity"
)

// TestParityNamesFees records a session on a local exchange that charges 10 bps on
// every fill, with quotes tight enough to fill within seconds, until a few fills, and backtests it without
// fees: parity must find matched fills charged differently and name the fee model.
//
// The session trades a synthetic market on the wall clock, so which of its orders the
// backtest sends alike, and which of those fill, depends on the machine's timing: under
// load a session sometimes has no fill on an order both sides sent (sessions 4 to 11 saw
// it now and then). Such a session cannot test the fee comparison, so another is
// recorded, up to three; the assertions are the same on the one that can.
func TestParityNamesFees(t *testing.T) {
	if testing.Short() {
		t.Skip("trades the local exchange for a few seconds")
	}
	// The session runs a config file, so that the backtest reads the same tight quotes.
	cfgFile := filepath.Join(t.TempDir(), "tight.toml")
	toml := bytes.Replace(config.DefaultTOML(), []byte("halfSpreadBps = 0.3"), []byte("halfSpreadBps = 0.05"), 1)
	if err := os.WriteFile(cfgFile, toml, 0o644); err != nil {
		t.Fatal(err)
	}
	var r *parity.Result
	for attempt := 1; attempt <= 3; attempt++ {
		var out string
		r, out = runParityJSON(t, recordFeeSession(t, cfgFile), "--queue-model", "power_law")
		t.Logf("session %d, 10 bps charged live, none in the backtest:\n%s", attempt, out)
		if r.FillsMatched > 0 {
			break
		}
	}
	if r.FillsMatched == 0 {
		t.Fatalf("no matched fills to compare fees on in three sessions: %+v", r)
	}
	if r.FeeDiffs == 0 || !strings.Contains(strings.Join(r.Explanations, "\n"), "fees: ") {
		t.Errorf("fee diffs %d, explanations %q: want the fee model named", r.FeeDiffs, r.Explanations)
	}
}

// recordFeeSession records a session of the config in cfgFile on a local exchange
// charging 10 bps, until at least four fills (at most 30 s), and returns its directory.
func recordFeeSession(t *testing.T, cfgFile string) string {
	t.Helper()
	c, err := config.Load(cfgFile)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	rec, err := openSessionRecorder(dir, c, cfgFile)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := startSession(ctx, c, sessionOptions{seed: 7, recorder: rec,
		commission: exchange.Commission{Maker: "0.001", Taker: "0.001"}}, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.run(ctx) }()
	for ctx.Err() == nil {
		var fills uint64
		s.stats.Read(func(st *admin.Stats) { fills = st.Counters.Fills })
		if fills >= 4 {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(time.Second) // the last fills' answers and the market data after them
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	s.shutdown()
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}
